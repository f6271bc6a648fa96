#!/usr/bin/env python3
"""llama.cpp (through llama-cpp-python's C API bindings) doing what `tinytune bench generate` measures.

- prompt: PROMPT_TOKENS ids i ↦ (1 + 7919·i) mod vocab (the same formula as `tinytune bench generate`)
- prefill: one llama_decode of the prompt with only the last position's logits; best of --repeats after a warm-up
- decode batch 1: --decode-tokens greedy steps (numpy argmax of the logits), one llama_decode per token
- decode group: the prompt decoded once as sequence 0 and copied to sequences 1..G−1 (llama_memory_seq_cp, a
  unified KV cache: the prompt's cells are shared), then --decode-tokens steps of the G sequences sampled together
  at temperature 1 (numpy, seeded), one llama_decode per step
- peak RSS: ru_maxrss of this process (load included; the model file is memory-mapped), threads: --threads

Install (compiles llama.cpp, 10+ minutes on 2 cores):
    python3 -m venv ~/.venvs/llama && ~/.venvs/llama/bin/pip install llama-cpp-python==0.3.36 numpy
    ~/.venvs/llama/bin/python scripts/bench/llamacpp_generate.py --model models/gemma-3-270m-q4_k_m.gguf
"""
import argparse
import ctypes
import json
import os
import pathlib
import resource
import time

import llama_cpp as L
import numpy as np

from common import add_generation_arguments

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
add_generation_arguments(parser, model_help="a GGUF file")
args = parser.parse_args()

path = pathlib.Path(args.model).expanduser().resolve()
L.llama_backend_init()
start = time.perf_counter()
model_params = L.llama_model_default_params()
model = L.llama_model_load_from_file(str(path).encode(), model_params)
if not model:
    raise SystemExit(f"llama.cpp could not load {path}")
context_params = L.llama_context_default_params()
context_params.n_ctx = max(512, args.prompt_tokens + args.group * (args.decode_tokens + 1) + 64)
context_params.n_batch = context_params.n_ubatch = max(512, args.prompt_tokens)
context_params.n_seq_max = args.group
context_params.n_threads = context_params.n_threads_batch = args.threads
context_params.kv_unified = True
ctx = L.llama_init_from_model(model, context_params)
if not ctx:
    raise SystemExit("llama.cpp could not create a context")
load = time.perf_counter() - start
memory = L.llama_get_memory(ctx)
vocab = L.llama_vocab_n_tokens(L.llama_model_get_vocab(model))
prompt = [(1 + 7919 * i) % vocab for i in range(args.prompt_tokens)]
batch = L.llama_batch_init(max(args.prompt_tokens, args.group), 0, args.group)


def decode(entries):
    """entries: (token, position, sequence, wants logits) per row; one llama_decode."""
    batch.n_tokens = len(entries)
    for i, (token, position, sequence, logits) in enumerate(entries):
        batch.token[i], batch.pos[i], batch.n_seq_id[i] = token, position, 1
        batch.seq_id[i][0] = sequence
        batch.logits[i] = 1 if logits else 0
    if L.llama_decode(ctx, batch) != 0:
        raise SystemExit("llama_decode failed")


def logits_row(i):
    return np.ctypeslib.as_array(L.llama_get_logits_ith(ctx, i), shape=(vocab,))


def prefill():
    L.llama_memory_clear(memory, True)
    decode([(t, p, 0, p == len(prompt) - 1) for p, t in enumerate(prompt)])
    L.llama_synchronize(ctx)


best = float("inf")
for _ in range(args.repeats + 1):  # the first run warms up
    t = time.perf_counter()
    prefill()
    best = min(best, time.perf_counter() - t)

# Batch 1, greedy.
prefill()
next_token = int(np.argmax(logits_row(-1)))
t = time.perf_counter()
for step in range(args.decode_tokens):
    decode([(next_token, len(prompt) + step, 0, True)])
    next_token = int(np.argmax(logits_row(0)))
single = time.perf_counter() - t

# A group sharing the prompt's cache, sampled at temperature 1.
rng = np.random.default_rng(args.seed)


def sample(rows):
    z = rows - rows.max(axis=1, keepdims=True)
    cumulative = np.cumsum(np.exp(z, dtype=np.float64), axis=1)
    draws = rng.random(len(rows)) * cumulative[:, -1]
    return [int(np.searchsorted(c, d, side="right")) for c, d in zip(cumulative, draws)]


prefill()
for s in range(1, args.group):
    L.llama_memory_seq_cp(memory, 0, s, -1, -1)
rows = np.repeat(logits_row(-1)[None, :], args.group, axis=0)
t = time.perf_counter()
for step in range(args.decode_tokens):
    tokens = sample(rows)
    decode([(tokens[s], len(prompt) + step, s, True) for s in range(args.group)])
    rows = np.stack([logits_row(s) for s in range(args.group)])
grouped = time.perf_counter() - t
L.llama_batch_free(batch)

peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
result = {
    "tool": "llama.cpp", "llama_cpp_python": L.__version__, "threads": args.threads, "model": str(path),
    "load_seconds": load, "prompt_tokens": args.prompt_tokens, "prefill_tokens_per_second": args.prompt_tokens / best,
    "decode_tokens_per_second": args.decode_tokens / single, "group": args.group,
    "group_decode_tokens_per_second": args.decode_tokens * args.group / grouped, "peak_rss_bytes": peak,
    "load_average": os.getloadavg(),
}
if args.json:
    print(json.dumps(result))
else:
    print(f"llama.cpp (llama-cpp-python {L.__version__}), {args.threads} threads: load {load:.2f} s · prefill "
          f"{args.prompt_tokens} tokens: {best:.3f} s ({result['prefill_tokens_per_second']:.1f} tok/s) · decode batch 1: "
          f"{result['decode_tokens_per_second']:.1f} tok/s · decode group of {args.group}: "
          f"{result['group_decode_tokens_per_second']:.1f} tok/s · peak RSS {peak / 1e9:.2f} GB")
