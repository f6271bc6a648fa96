#!/usr/bin/env python3
"""Tiny random Qwen2, Llama and Gemma 3 checkpoints made by transformers, with their fp32 logits and greedy
generations: the reference for TinyTune's decoder forward pass and `Generator` on every family.

Each model is a Hugging Face folder (config.json + model.safetensors, f32) under
Tests/TinyTuneModelTests/Fixtures/tiny_models/<name>/, plus reference.json there:
  {"cases": [{"ids": [...], "logits": [[vocab floats] per position], "greedy": [new ids]}], "eos": id}
The weights are seeded (torch.manual_seed) and drawn with a larger spread than transformers' init
(std 0.02 gives near-uniform logits, which would hide mistakes), so every compared quantity matters.

Models:
  qwen2_tied     q/k/v bias, tied embeddings, 2 layers, vocab 256
  qwen2_untied   q/k/v bias, separate lm_head, 2 layers, vocab 320, rope_theta 1e6
  llama3         llama3 rope_scaling (factor 8, original context 32 so the smooth band is hit), 2 layers, vocab 300
  gemma3         gemma3_text, 3 layers (sliding, full, sliding), sliding_window 5, query_pre_attn_scalar 24 ≠ head_dim
                 16, vocab 384; one id sequence is longer than the window, and generation runs far past it
Hidden 64 (Qwen2: 48, head_dim 12), 4 query heads over 2 KV heads, MLP width 64: the fixtures total about 1.3 MB.

    /root/.venvs/ref/bin/python scripts/reference/make_tiny_model_fixtures.py
"""
import json
import pathlib

import torch
import transformers
from transformers import AutoModelForCausalLM, Gemma3TextConfig, LlamaConfig, Qwen2Config

root = pathlib.Path(__file__).resolve().parents[2]
out_root = root / "Tests/TinyTuneModelTests/Fixtures/tiny_models"

common = dict(hidden_size=64, intermediate_size=64, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
              rms_norm_eps=1e-6, max_position_embeddings=256, bos_token_id=1, eos_token_id=2, pad_token_id=0)

# Qwen2 derives head_dim = hidden / heads: 48 / 4 = 12, a second head size.
qwen2 = {**{k: v for k, v in common.items() if k != "head_dim"}, "hidden_size": 48}

configs = {
    "qwen2_tied": Qwen2Config(vocab_size=256, num_hidden_layers=2, tie_word_embeddings=True, rope_theta=10000.0,
                              **qwen2),
    "qwen2_untied": Qwen2Config(vocab_size=320, num_hidden_layers=2, tie_word_embeddings=False, rope_theta=1e6,
                                **qwen2),
    "llama3": LlamaConfig(vocab_size=300, num_hidden_layers=2, tie_word_embeddings=False, rope_theta=500000.0,
                          rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                        "high_freq_factor": 4.0, "original_max_position_embeddings": 32},
                          **common),
    "gemma3": Gemma3TextConfig(vocab_size=384, num_hidden_layers=3, sliding_window=5, query_pre_attn_scalar=24,
                               layer_types=["sliding_attention", "full_attention", "sliding_attention"], rope_theta=1e6,
                               rope_local_base_freq=10000.0, hidden_activation="gelu_pytorch_tanh",
                               tie_word_embeddings=True, **common),
}

# Id sequences: a short one and one longer than Gemma's sliding window (5) by far.
sequences = [[1, 17, 42, 99, 7], [1] + [(13 * i + 7) % 250 + 3 for i in range(13)]]
greedy_tokens = 12


def randomize(model, seed):
    """Every parameter redrawn: weights N(0, 0.15) (norm weights 1 + N(0, 0.1) for Llama/Qwen2, N(0, 0.1) for
    Gemma's 1 + w), biases N(0, 0.1), Gemma's embedding N(0, 0.05) (it is multiplied by √64 = 8, and a larger one
    makes the tied head just repeat the last token). Seeded, so the fixtures are reproducible."""
    generator = torch.Generator().manual_seed(seed)
    gemma = model.config.model_type == "gemma3_text"
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=generator, dtype=torch.float32)
            if gemma and "embed_tokens" in name:
                p.copy_(noise * 0.05)
            elif "norm" in name:
                p.copy_(noise * 0.1 + (0.0 if gemma else 1.0))
            elif name.endswith("bias"):
                p.copy_(noise * 0.1)
            else:
                p.copy_(noise * 0.15)


summary = {}
for seed, (name, config) in enumerate(configs.items()):
    torch.manual_seed(seed)
    config.torch_dtype = "float32"
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32, attn_implementation="eager")
    randomize(model, seed)
    model.eval()
    folder = out_root / name
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    for extra in ("generation_config.json",):
        (folder / extra).unlink(missing_ok=True)
    cases = []
    with torch.no_grad():
        for ids in sequences:
            ids = [i % config.vocab_size for i in ids]
            tensor = torch.tensor([ids])
            logits = model(tensor).logits[0]
            generated = model.generate(tensor, max_new_tokens=greedy_tokens, min_new_tokens=greedy_tokens,
                                       do_sample=False, eos_token_id=None, pad_token_id=0)[0, len(ids):].tolist()
            cases.append({"ids": ids, "logits": [[round(float(v), 5) for v in row] for row in logits],
                          "greedy": generated})
    (folder / "reference.json").write_text(json.dumps({
        "model": name, "transformers": transformers.__version__, "torch": torch.__version__,
        "eos": config.eos_token_id, "cases": cases}))
    size = sum(f.stat().st_size for f in folder.iterdir())
    summary[name] = size
    print(f"{name}: {size} bytes, greedy {[c['greedy'] for c in cases]}")
print(f"total {sum(summary.values())} bytes")
