#!/usr/bin/env python3
"""Reference logits and adapter gradients of every adapter family on the tiny random Qwen2, Llama and Gemma 3
checkpoints (Tests/TinyTuneModelTests/Fixtures/tiny_models/{qwen2_untied,llama3,gemma3}, from
make_tiny_model_fixtures.py), for Tests/TinyTuneAdapterTests/FamilyGradientTests.swift.

For lora, vera and tinylora the adapter is made by PEFT 0.21.2 (all seven linear module types), its trainable
values are set to seeded N(0, 0.3²) draws and it is saved with PEFT's save_pretrained to
Tests/TinyTuneAdapterTests/Fixtures/family_<family>_<model>/. PEFT has no LoRA-XS, so this script carries a short
PyTorch version (Bałazy et al. 2024, eq. 3: ΔW = U_rΣ_r·R·V_rᵀ from a truncated SVD of W, only R trained; signs of
the SVD fixed as TinyTune does: the largest-|·| entry of each column of U is positive), R seeded the same way.

Everything is then converted to float64 and, on fixed token ids, the script records
  - the logits of the first sequence (every position),
  - the log-probabilities log p(ids[t+1] | ids[≤t]) of every position of both sequences,
  - PEFT's greedy continuation of the first sequence (lora, vera, tinylora),
  - the gradient of L = Σ_s Σ_t w_{s,t} · log p_{s,t} (fixed seeded weights w) with respect to every trainable
    adapter parameter, by PyTorch autograd,
and, per model, numpy's truncated rank-2 SVD of layer 0's seven weights: σ₁, σ₂ and ‖W − W₂‖_F.

    /root/.venvs/ref/bin/python scripts/reference/make_family_gradients.py
    # after `TINYTUNE_EXPORT_FAMILY_ADAPTERS=DIR swift test ... --filter FamilyExportForPythonCheck`:
    /root/.venvs/ref/bin/python scripts/reference/make_family_gradients.py --check-ours DIR
    # with DIR/<name>_<model> copied to Fixtures/ours_<name>_<model>/ for the committed samples:
    /root/.venvs/ref/bin/python scripts/reference/make_family_gradients.py --ours-in-peft
"""
import json
import os
import sys

import numpy as np
import torch
from peft import LoraConfig, TinyLoraConfig, VeraConfig, get_peft_model
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
MODELS = os.path.join(ROOT, "Tests", "TinyTuneModelTests", "Fixtures", "tiny_models")
FIXTURES = os.path.join(ROOT, "Tests", "TinyTuneAdapterTests", "Fixtures")
MODEL_NAMES = ["qwen2_untied", "llama3", "gemma3"]
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# Two sequences, the first longer than Gemma 3's sliding window (5), all ids below the smallest vocabulary (300).
SEQUENCES = [[1, 17, 42, 99, 7, 23, 5, 64], [3, 250, 11, 128, 9, 77]]
LORAXS_RANK = 2
GREEDY_TOKENS = 6


def peft_config(family):
    if family == "lora":
        # rank_pattern and alpha_pattern exercised: down_proj has rank 3, o_proj alpha 5; rsLoRA scaling α/√r.
        return LoraConfig(r=2, lora_alpha=3, target_modules=TARGETS, use_rslora=True,
                          rank_pattern={"down_proj": 3}, alpha_pattern={"o_proj": 5})
    if family == "vera":
        return VeraConfig(r=4, target_modules=TARGETS, projection_prng_key=5)
    if family == "tinylora":
        # weight_tying 0.5: several groups (Gemma's 21 modules: round(10.5) = 10 groups, the last of 3).
        return TinyLoraConfig(r=2, u=3, target_modules=TARGETS, weight_tying=0.5)
    raise ValueError(family)


def load_base(name):
    model = AutoModelForCausalLM.from_pretrained(os.path.join(MODELS, name), dtype=torch.float32,
                                                 attn_implementation="eager")
    return model.eval()


def canonical_svd(w, r):
    """Top-r SVD with TinyTune's sign convention (Sources/Framework/Numerics/SVD.swift)."""
    u, s, vh = torch.linalg.svd(w, full_matrices=False)
    u, s, vh = u[:, :r].clone(), s[:r].clone(), vh[:r, :].clone()
    for j in range(r):
        i = torch.argmax(u[:, j].abs())
        if u[i, j] < 0:
            u[:, j] *= -1
            vh[j, :] *= -1
    return u, s, vh


def add_loraxs(model, generator):
    """LoRA-XS on every targeted linear through forward hooks: y += x·Aᵀ·Rᵀ·Bᵀ, B = U_rΣ_r, A = V_rᵀ (frozen), R trained.
    Returns {saved name: R} (TinyTune's parameter names)."""
    params = {}
    for name, module in model.named_modules():
        if name.split(".")[-1] not in TARGETS:
            continue
        u, s, vh = canonical_svd(module.weight.detach().double(), LORAXS_RANK)
        b, a = u * s.unsqueeze(0), vh
        r = torch.nn.Parameter((torch.randn(LORAXS_RANK, LORAXS_RANK, generator=generator) * 0.3).double())
        params[f"base_model.model.{name}.loraxs_R"] = r

        def hook(m, inputs, output, a=a, b=b, r=r):
            return output + inputs[0] @ a.T @ r.T @ b.T
        module.register_forward_hook(hook)
    return params


def saved_name(name):
    """PEFT's parameter name as save_pretrained writes it: without the adapter name ("default"); a tied TinyLoRA
    vector, reached first through some module, is saved once as base_model.tinylora_v.<group>."""
    name = name.replace(".default", "")
    if ".tinylora_v." in name:
        return "base_model.tinylora_v." + name.split(".tinylora_v.")[1]
    return name


def flat(t, digits=9):
    return {"shape": list(t.shape), "values": [float(f"{float(v):.{digits}g}") for v in t.detach().double().reshape(-1)]}


def reference(model, trainable, weights):
    """Logits of sequence 0, log-probabilities and ∂L/∂θ in float64."""
    logprobs, loss = [], 0
    first_logits = None
    for s, ids in enumerate(SEQUENCES):
        logits = model(torch.tensor([ids])).logits[0]
        if s == 0:
            first_logits = logits
        logp = torch.log_softmax(logits, dim=-1)
        chosen = torch.stack([logp[t, ids[t + 1]] for t in range(len(ids) - 1)])
        logprobs.append([float(x) for x in chosen.detach()])
        loss = loss + (chosen * torch.tensor(weights[s], dtype=torch.float64)).sum()
    loss.backward()
    gradients = {name: flat(p.grad) for name, p in trainable.items()}
    return {"logits": flat(first_logits, 8), "logprobs": logprobs, "loss": float(loss), "gradients": gradients}


def main():
    generator = torch.Generator().manual_seed(0)
    weights = [[round(float(x), 4) for x in torch.randn(len(ids) - 1, generator=generator)] for ids in SEQUENCES]
    cases, svds = {}, {}
    for model_name in MODEL_NAMES:
        for family in ["lora", "vera", "tinylora", "loraxs"]:
            torch.manual_seed(0)
            g = torch.Generator().manual_seed(7)
            base = load_base(model_name)
            if family == "loraxs":
                for p in base.parameters():
                    p.requires_grad_(False)
                model = base.double()
                trainable = add_loraxs(model, g)
                case_parameters = {name: flat(p) for name, p in trainable.items()}
            else:
                model = get_peft_model(base, peft_config(family))
                with torch.no_grad():
                    for n, p in model.named_parameters():
                        if p.requires_grad:
                            p.copy_(torch.randn(p.shape, generator=g) * 0.3)
                folder = os.path.join(FIXTURES, f"family_{family}_{model_name}")
                cfg = model.peft_config["default"]
                cfg.base_model_name_or_path = model_name  # not this machine's path
                cfg.target_modules = sorted(cfg.target_modules)  # PEFT keeps a set: fix the order written
                model.save_pretrained(folder)
                os.remove(os.path.join(folder, "README.md"))  # PEFT's model card template
                saved = load_file(os.path.join(folder, "adapter_model.safetensors"))
                model = model.double()
                # PEFT's parameter names carry the adapter name ("default"); the saved file's do not.
                trainable = {saved_name(n): p for n, p in model.named_parameters() if p.requires_grad}
                assert set(trainable) <= set(saved), sorted(set(trainable) - set(saved))[:3]
                case_parameters = None
            model.eval()
            case = reference(model, trainable, weights)
            if case_parameters is not None:
                case["parameters"] = case_parameters
            else:
                # Greedy continuation of sequence 0 (for `tinytune generate --adapter`), with its smallest top-1 margin.
                with torch.no_grad():
                    out = model.generate(torch.tensor([SEQUENCES[0]]), max_new_tokens=GREEDY_TOKENS,
                                         min_new_tokens=GREEDY_TOKENS, do_sample=False, eos_token_id=None,
                                         pad_token_id=0, output_scores=True, return_dict_in_generate=True)
                case["greedy"] = out.sequences[0, len(SEQUENCES[0]):].tolist()
                case["greedy_margin"] = min(float(sc[0].topk(2).values[0] - sc[0].topk(2).values[1]) for sc in out.scores)
            cases[f"{family}_{model_name}"] = case
            print(f"{family} on {model_name}: {len(trainable)} trainable tensors, loss {case['loss']:.6f}")

        # numpy's truncated SVD of layer 0's weights: the rank-r part and its error (Eckart–Young).
        base = load_base(model_name)
        entries = {}
        for name, module in base.named_modules():
            if name.startswith("model.layers.0.") and name.split(".")[-1] in TARGETS:
                w = module.weight.detach().double().numpy()
                u, s, vt = np.linalg.svd(w, full_matrices=False)
                wr = (u[:, :LORAXS_RANK] * s[:LORAXS_RANK]) @ vt[:LORAXS_RANK]
                entries[name] = {"s": [float(x) for x in s[:LORAXS_RANK]], "error": float(np.linalg.norm(w - wr)),
                                 "norm": float(np.linalg.norm(w))}
        svds[model_name] = entries

    fields = config_field_cases()
    out = {"sequences": SEQUENCES, "fields": fields, "weights": weights, "loraxs_rank": LORAXS_RANK, "cases": cases, "svd": svds,
           "versions": {"torch": torch.__version__, "peft": __import__("peft").__version__,
                        "transformers": __import__("transformers").__version__}}
    path = os.path.join(FIXTURES, "family_gradients.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def config_field_cases():
    """PEFT adapters whose adapter_config.json uses the targeting fields we honour (exclude_modules as a list and as
    a regular expression, all-linear, layers_to_transform, layers_pattern, init_lora_weights "gaussian"), saved to Fixtures/fields_<name>/, with
    PEFT's float32 logits of sequence 0."""
    configs = {
        "lora_llama3": ("llama3", LoraConfig(r=2, lora_alpha=4, target_modules=TARGETS, exclude_modules=["o_proj"],
                                             layers_to_transform=[1], layers_pattern="layers",
                                             init_lora_weights="gaussian")),
        "lora_qwen2_untied": ("qwen2_untied", LoraConfig(r=2, lora_alpha=4, target_modules="all-linear",
                                                         exclude_modules=r"model\.layers\.\d+\.mlp\.up_proj")),
        # layers 0 and 2: 14 modules, weight_tying 0.5 → 7 groups over exactly the modules kept.
        "tinylora_gemma3": ("gemma3", TinyLoraConfig(r=2, u=3, target_modules=TARGETS, layers_to_transform=[0, 2],
                                                     weight_tying=0.5)),
    }
    cases = {}
    for key, (model_name, config) in configs.items():
        torch.manual_seed(0)
        g = torch.Generator().manual_seed(8)
        model = get_peft_model(load_base(model_name), config)
        with torch.no_grad():
            for n, p in model.named_parameters():
                if p.requires_grad:
                    p.copy_(torch.randn(p.shape, generator=g) * 0.3)
        folder = os.path.join(FIXTURES, f"fields_{key}")
        cfg = model.peft_config["default"]
        cfg.base_model_name_or_path = model_name
        if isinstance(cfg.target_modules, set):
            cfg.target_modules = sorted(cfg.target_modules)
        if isinstance(getattr(cfg, "exclude_modules", None), set):
            cfg.exclude_modules = sorted(cfg.exclude_modules)
        model.save_pretrained(folder)
        os.remove(os.path.join(folder, "README.md"))
        modules = sorted({n.split(".lora_")[0].split(".tinylora_")[0].replace("base_model.model.", "")
                          for n in load_file(os.path.join(folder, "adapter_model.safetensors"))
                          if ".layers." in n})
        with torch.no_grad():
            logits = model(torch.tensor([SEQUENCES[0]])).logits[0]
        cases[key] = {"model": model_name, "modules": modules, "logits": flat(logits, 8)}
        print(f"fields {key}: {len(modules)} modules")
    return cases


def check_ours(root):
    """Loads the adapters TinyTune saved (FamilyExportForPythonCheck) in PEFT; prints the largest logit difference
    from ours relative to the largest logit, and exits non-zero above 1e-4."""
    from peft import PeftModel

    expected = json.load(open(os.path.join(root, "logits.json")))
    worst = 0.0
    for key, ours in expected["logits"].items():
        model_name = next(m for m in MODEL_NAMES if key.endswith(m))
        model = PeftModel.from_pretrained(load_base(model_name), os.path.join(root, key)).eval()
        with torch.no_grad():
            logits = model(torch.tensor([expected["ids"]])).logits[0].reshape(-1)
        ours = torch.tensor(ours)
        error = float((logits - ours).abs().max() / max(1.0, float(logits.abs().max())))
        worst = max(worst, error)
        print(f"{key}: max |PEFT − TinyTune| / max(1, max |PEFT|) = {error:.2e}")
    print(f"worst {worst:.2e}")
    sys.exit(0 if worst < 1e-4 else 1)


def ours_in_peft():
    """PEFT's float32 logits for the adapters we saved and committed (Fixtures/ours_<name>_<model>/, copied from a
    FamilyExportForPythonCheck run), loaded with PeftModel.from_pretrained, to Fixtures/ours_in_peft.json."""
    from peft import PeftModel

    out = {}
    for folder in sorted(f for f in os.listdir(FIXTURES) if f.startswith("ours_")):
        key = folder[len("ours_"):]
        model_name = next(m for m in MODEL_NAMES if key.endswith(m))
        model = PeftModel.from_pretrained(load_base(model_name), os.path.join(FIXTURES, folder)).eval()
        with torch.no_grad():
            out[key] = flat(model(torch.tensor([SEQUENCES[0]])).logits[0], 8)
        print(f"{key}: PEFT loaded {folder}")
    with open(os.path.join(FIXTURES, "ours_in_peft.json"), "w") as f:
        json.dump({"ids": SEQUENCES[0], "logits": out}, f, separators=(",", ":"))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check-ours":
        check_ours(sys.argv[2])
    elif len(sys.argv) == 2 and sys.argv[1] == "--ours-in-peft":
        ours_in_peft()
    else:
        main()
