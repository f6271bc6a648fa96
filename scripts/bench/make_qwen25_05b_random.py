#!/usr/bin/env python3
"""A random checkpoint shaped like Qwen2.5-0.5B, for benchmarks only (no real weights exist on this machine).

Shape as Qwen/Qwen2.5-0.5B's config.json: hidden 896, 24 layers, 14 query heads over 2 KV heads (head dim 64),
MLP 4864, vocabulary 151,936, tied embeddings, q/k/v bias, rope_theta 1e6, RMS eps 1e-6: 494M parameters,
about 1 GB as bf16 safetensors. Weights are N(0, 0.02) (transformers' initializer_range), biases N(0, 0.02),
norms 1, drawn from one seeded torch.Generator, so the same seed gives the same file. Written outside the
repository; nothing here is committed but this script.

    /root/.venvs/ref/bin/python scripts/bench/make_qwen25_05b_random.py [--out DIR] [--seed 0]
"""
import argparse
import pathlib

import torch
from transformers import AutoModelForCausalLM, Qwen2Config

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--out", default="~/.cache/tinytune/qwen2.5-0.5b-random")
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
out = pathlib.Path(args.out).expanduser()

config = Qwen2Config(
    vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
    num_key_value_heads=2, max_position_embeddings=32768, rms_norm_eps=1e-6, rope_theta=1000000.0,
    tie_word_embeddings=True, hidden_act="silu", bos_token_id=151643, eos_token_id=151643, use_sliding_window=False,
)
with torch.device("meta"):
    model = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
generator = torch.Generator().manual_seed(args.seed)
params = {}
for name, p in model.named_parameters():
    if "norm" in name:
        params[name] = torch.ones(p.shape, dtype=torch.bfloat16)
    else:
        params[name] = (torch.randn(p.shape, generator=generator, dtype=torch.float32) * 0.02).to(torch.bfloat16)
model.load_state_dict(params, assign=True, strict=False)
model.tie_weights()
model.config.dtype = "bfloat16"
out.mkdir(parents=True, exist_ok=True)
model.save_pretrained(out, safe_serialization=True)
count = sum(p.numel() for p in model.parameters())
print(f"wrote {out}: {count:,} parameters (bf16), seed {args.seed}")
for f in sorted(out.iterdir()):
    print(f"  {f.name}: {f.stat().st_size:,} bytes")
