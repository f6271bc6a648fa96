#!/usr/bin/env python3
"""PyTorch + transformers doing what `tinytune bench generate` measures, on the same model, ids and threads.

- prompt: PROMPT_TOKENS ids i ↦ (1 + 7919·i) mod vocab (the same formula as `tinytune bench generate`)
- prefill: one forward over the prompt with only the last position's logits (logits_to_keep=1); best of
  --repeats after one warm-up
- decode batch 1: --decode-tokens greedy steps after one prefill, one token per forward (KV cache)
- decode group: the prompt prefilled once, its cache repeated --group times, then --decode-tokens steps of the
  group sampled together at temperature 1 (torch.multinomial, seeded), one batched forward per step
- peak RSS: ru_maxrss of this process (load included), threads: torch.set_num_threads(--threads)

The model runs in float32 (as TinyTune computes): a GGUF file is dequantized by transformers (gguf_file=), a
folder's bf16 weights are converted on load.

    /root/.venvs/ref/bin/python scripts/bench/torch_generate.py --model models/gemma-3-270m-q4_k_m.gguf
    /root/.venvs/ref/bin/python scripts/bench/torch_generate.py --model ~/.cache/tinytune/qwen2.5-0.5b-random
"""
import argparse
import json
import os
import resource
import time

import torch

from common import add_generation_arguments, load_torch_model

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
add_generation_arguments(parser, model_help="a GGUF file or a Hugging Face model folder")
args = parser.parse_args()

model, load = load_torch_model(args.model, args.threads)
model.eval()
vocab = model.config.get_text_config().vocab_size
prompt = torch.tensor([[(1 + 7919 * i) % vocab for i in range(args.prompt_tokens)]])


def forward(ids, cache):
    out = model(input_ids=ids, past_key_values=cache, use_cache=True, logits_to_keep=1)
    return out.logits[:, -1, :], out.past_key_values


def fresh_cache():
    from transformers import DynamicCache
    return DynamicCache(config=model.config)


with torch.inference_mode():
    prefill = float("inf")
    for _ in range(args.repeats + 1):  # the first run warms up
        cache = fresh_cache()
        t = time.perf_counter()
        forward(prompt, cache)
        prefill = min(prefill, time.perf_counter() - t)

    # Batch 1, greedy.
    logits, cache = forward(prompt, fresh_cache())
    t = time.perf_counter()
    for _ in range(args.decode_tokens):
        next_ids = logits.argmax(-1, keepdim=True)
        logits, cache = forward(next_ids, cache)
    single = time.perf_counter() - t

    # A group sharing one prefill, sampled at temperature 1.
    generator = torch.Generator().manual_seed(args.seed)
    logits, cache = forward(prompt, fresh_cache())
    cache.batch_repeat_interleave(args.group)
    logits = logits.expand(args.group, -1)
    t = time.perf_counter()
    for _ in range(args.decode_tokens):
        probabilities = torch.softmax(logits.float(), dim=-1)
        next_ids = torch.multinomial(probabilities, 1, generator=generator)
        logits, cache = forward(next_ids, cache)
    grouped = time.perf_counter() - t

peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
result = {
    "tool": "pytorch", "torch": torch.__version__, "threads": torch.get_num_threads(), "model": args.model,
    "load_seconds": load, "prompt_tokens": args.prompt_tokens,
    "prefill_tokens_per_second": args.prompt_tokens / prefill,
    "decode_tokens_per_second": args.decode_tokens / single, "group": args.group,
    "group_decode_tokens_per_second": args.decode_tokens * args.group / grouped,
    "peak_rss_bytes": peak, "load_average": os.getloadavg(),
}
if args.json:
    print(json.dumps(result))
else:
    print(f"pytorch {torch.__version__}, {result['threads']} threads: load {load:.2f} s · prefill {args.prompt_tokens} "
          f"tokens: {prefill:.3f} s ({result['prefill_tokens_per_second']:.1f} tok/s) · decode batch 1: "
          f"{result['decode_tokens_per_second']:.1f} tok/s · decode group of {args.group}: "
          f"{result['group_decode_tokens_per_second']:.1f} tok/s · peak RSS {peak / 1e9:.2f} GB")
