#!/usr/bin/env python3
"""Reference values for the adapter families (Tests/TinyTuneAdapterTests/Fixtures/adapter_layers.json).

Each family's forward delta ΔW·x and its gradients (∂L/∂θ, ∂L/∂x along the adapter path) for L = Σ (y ⊙ G) on small
random matrices, computed by PEFT 0.21.2's own layers (lora, vera, tinylora with PEFT's split √Σ) and by plain
PyTorch autograd in float64 where PEFT has no such layer (LoRA-XS; TinyLoRA with the paper's full Σ).

Run with the reference venv:  /root/.venvs/ref/bin/python scripts/reference/make_adapter_fixtures.py
"""
import json
import os

import torch
from peft import LoraConfig, TinyLoraConfig, VeraConfig, get_peft_model

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "Tests", "TinyTuneAdapterTests", "Fixtures")


def flat(t):
    return {"shape": list(t.shape), "values": [float(v) for v in t.detach().double().reshape(-1)]}


class TwoLinear(torch.nn.Module):
    """proj1: 5 → 6, proj2: 7 → 4 (different shapes, so VeRA's slicing and TinyLoRA's tying are exercised)."""

    def __init__(self):
        super().__init__()
        self.proj1 = torch.nn.Linear(5, 6, bias=False)
        self.proj2 = torch.nn.Linear(7, 4, bias=False)

    def forward(self, x1, x2):
        return self.proj1(x1), self.proj2(x2)


def canonical_svd(w, r):
    """Top-r SVD with TinyTune's sign convention: the largest-|·| entry of each column of U is positive."""
    u, s, vh = torch.linalg.svd(w, full_matrices=False)
    u, s, vh = u[:, :r].clone(), s[:r].clone(), vh[:r, :].clone()
    for j in range(r):
        i = torch.argmax(u[:, j].abs())
        if u[i, j] < 0:
            u[:, j] *= -1
            vh[j, :] *= -1
    return u, s, vh


def peft_case(config, setup, name):
    """Runs a PEFT-wrapped TwoLinear; returns base weights, inputs, G, outputs' adapter deltas and gradients."""
    torch.manual_seed(1)
    base = TwoLinear()
    w1, w2 = base.proj1.weight.detach().clone(), base.proj2.weight.detach().clone()
    model = get_peft_model(base, config)
    setup(model)
    x1 = torch.randn(3, 5, requires_grad=True)
    x2 = torch.randn(3, 7, requires_grad=True)
    g1, g2 = torch.randn(3, 6), torch.randn(3, 4)
    y1, y2 = model(x1, x2)
    ((y1 * g1).sum() + (y2 * g2).sum()).backward()
    case = {
        "W1": flat(w1), "W2": flat(w2), "x1": flat(x1), "x2": flat(x2), "G1": flat(g1), "G2": flat(g2),
        "delta1": flat(y1 - x1 @ w1.T), "delta2": flat(y2 - x2 @ w2.T),
        # ∂L/∂x along the adapter path: total minus the base path G·W.
        "dx1": flat(x1.grad - g1 @ w1), "dx2": flat(x2.grad - g2 @ w2),
    }
    for pname, p in model.named_parameters():
        if p.requires_grad:
            key = pname.replace("base_model.model.", "").replace(".default", "")
            case["param:" + key] = flat(p)
            case["grad:" + key] = flat(p.grad)
    return model, case


def lora():
    def setup(model):
        g = torch.Generator().manual_seed(2)
        for n, p in model.named_parameters():
            if "lora_" in n:
                with torch.no_grad():
                    p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    cfg = LoraConfig(r=3, lora_alpha=6, target_modules=["proj1", "proj2"], use_rslora=True, lora_dropout=0.0)
    _, case = peft_case(cfg, setup, "lora")
    case["scaling"] = 6 / 3 ** 0.5
    return case


def vera():
    def setup(model):
        g = torch.Generator().manual_seed(3)
        for n, p in model.named_parameters():
            if "vera_lambda" in n:
                with torch.no_grad():
                    p.copy_(torch.randn(p.shape, generator=g))
    cfg = VeraConfig(r=3, target_modules=["proj1", "proj2"], projection_prng_key=0, d_initial=0.1)
    model, case = peft_case(cfg, setup, "vera")
    case["vera_A"] = flat(model.base_model.vera_A["default"])
    case["vera_B"] = flat(model.base_model.vera_B["default"])
    return case


def tinylora_split():
    def setup(model):
        g = torch.Generator().manual_seed(4)
        for n, p in model.named_parameters():
            if "tinylora_v" in n:
                with torch.no_grad():
                    p.copy_(torch.randn(p.shape, generator=g))
    cfg = TinyLoraConfig(r=2, u=4, target_modules=["proj1", "proj2"], weight_tying=1.0)
    model, case = peft_case(cfg, setup, "tinylora")
    for mod in ("proj1", "proj2"):
        layer = getattr(model.base_model.model, mod)
        case[mod + ".A"] = flat(layer.tinylora_A["default"])
        case[mod + ".B"] = flat(layer.tinylora_B["default"])
        case[mod + ".P"] = flat(layer.tinylora_P["default"])
    return case


def projected(kind):
    """TinyLoRA with the paper's full Σ (B = UΣ, A = Vᵀ, R = Σ vᵢPᵢ) or LoRA-XS (R trained), float64 autograd."""
    torch.manual_seed(5)
    w = torch.randn(6, 5, dtype=torch.float64)
    x = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
    g = torch.randn(3, 6, dtype=torch.float64)
    u, s, vh = canonical_svd(w, 2)
    b, a = u * s.unsqueeze(0), vh
    case = {"W": flat(w), "x": flat(x), "G": flat(g)}
    if kind == "tinylora_full":
        p = torch.randn(4, 2, 2, dtype=torch.float64) / 2 ** 0.5
        v = torch.randn(4, dtype=torch.float64, requires_grad=True)
        r = torch.einsum("i,ijk->jk", v, p)
        case.update(P=flat(p), v=flat(v))
        leaf = v
    else:
        r = torch.randn(2, 2, dtype=torch.float64, requires_grad=True)
        case.update(R=flat(r))
        leaf = r
    y = x @ a.T @ r.T @ b.T
    (y * g).sum().backward()
    case.update(delta=flat(y), dx=flat(x.grad), grad=flat(leaf.grad), deltaWeight=flat(b @ r @ a))
    return case


def main():
    os.makedirs(FIXTURES, exist_ok=True)
    layers = {"lora": lora(), "vera": vera(), "tinylora_split": tinylora_split(),
              "tinylora_full": projected("tinylora_full"), "loraxs": projected("loraxs")}
    with open(os.path.join(FIXTURES, "adapter_layers.json"), "w") as f:
        json.dump(layers, f)
    print("wrote adapter_layers.json")


# --- PEFT-saved adapters on the tiny checkpoints (Tests/TinyTuneAdapterTests/Fixtures/peft_<family>_<model>/) ---

IDS = [1, 4, 2, 7, 3]
MODELS = os.path.join(HERE, "..", "..", "Tests", "TinyTuneLoadersTests", "Fixtures")
ALL_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def peft_adapters():
    from transformers import AutoModelForCausalLM

    configs = {
        "lora": lambda: LoraConfig(r=2, lora_alpha=5, target_modules=ALL_LINEAR, use_rslora=True),
        "vera": lambda: VeraConfig(r=4, target_modules=ALL_LINEAR, projection_prng_key=3),
        # weight_tying 0.5: several groups, so PEFT's own module → group assignment is exercised.
        "tinylora": lambda: TinyLoraConfig(r=2, u=3, target_modules=ALL_LINEAR, weight_tying=0.5),
    }
    expected = {}
    for model_name in ("tiny_llama", "tiny_gemma3"):
        for family, make in configs.items():
            base = AutoModelForCausalLM.from_pretrained(os.path.join(MODELS, model_name), dtype=torch.float32)
            base.eval()
            model = get_peft_model(base, make())
            g = torch.Generator().manual_seed(7)
            with torch.no_grad():
                for n, p in model.named_parameters():
                    if p.requires_grad:
                        p.copy_(torch.randn(p.shape, generator=g) * 0.3)
            folder = os.path.join(FIXTURES, f"peft_{family}_{model_name}")
            cfg = model.peft_config["default"]
            cfg.base_model_name_or_path = model_name  # not this machine's path
            cfg.target_modules = sorted(cfg.target_modules)  # PEFT keeps a set: fix the order written
            model.save_pretrained(folder)
            os.remove(os.path.join(folder, "README.md"))  # PEFT's model card template
            with torch.no_grad():
                logits = model(torch.tensor([IDS])).logits[0]
            expected[f"{family}_{model_name}"] = flat(logits)
    with open(os.path.join(FIXTURES, "peft_logits.json"), "w") as f:
        json.dump({"ids": IDS, "logits": expected}, f)
    print("wrote peft_<family>_<model>/ and peft_logits.json")


def check_ours(root):
    """Loads the adapters TinyTune saved (TINYTUNE_EXPORT_ADAPTERS=DIR swift test --filter PEFTExportForPythonCheck)
    in PEFT and compares PEFT's logits with ours."""
    import sys
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    expected = json.load(open(os.path.join(root, "logits.json")))
    worst = 0.0
    for key, ours in expected["logits"].items():
        model_name = "tiny_gemma3" if key.endswith("tiny_gemma3") else "tiny_llama"
        base = AutoModelForCausalLM.from_pretrained(os.path.join(MODELS, model_name), dtype=torch.float32)
        model = PeftModel.from_pretrained(base, os.path.join(root, key)).eval()
        with torch.no_grad():
            logits = model(torch.tensor([expected["ids"]])).logits[0].reshape(-1)
        ours = torch.tensor(ours)
        error = float((logits - ours).abs().max() / max(1.0, float(logits.abs().max())))
        worst = max(worst, error)
        print(f"{key}: max relative difference {error:.2e}")
    sys.exit(0 if worst < 1e-4 else 1)


if __name__ == "__main__":
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--check-ours":
        check_ours(sys.argv[2])
    else:
        main()
        peft_adapters()
