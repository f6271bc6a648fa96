#!/usr/bin/env python3
"""PyTorch + PEFT doing what `tinytune bench train` measures, on the same model, ids, loss and threads.

- adapter: PEFT 0.21.2's TinyLoraConfig(r=2, u=13, weight_tying=1.0, target_modules="all-linear"): one v of 13
  entries for every linear module; its init (a full torch.linalg.svd of every targeted weight) is timed
- batch: --sequences sequences of --sequence-length ids i ↦ (1 + 7919·i) mod vocab, sequence j continuing where
  j − 1 ended (the same ids as `tinytune bench train`)
- loss: −mean over every sequence and position t of log p(token t+1 | tokens ≤ t), logits in float32
- time: forward + loss + backward, best of --repeats after one warm-up; gradients reach v only
- peak RSS: ru_maxrss of this process (load included), threads: torch.set_num_threads(--threads)

The model runs in float32 (as TinyTune computes); a folder's bf16 weights are converted on load.

    /root/.venvs/ref/bin/python scripts/bench/torch_peft_train.py --model ~/.cache/tinytune/qwen2.5-0.5b-random
"""
import argparse
import json
import os
import resource
import time

import peft
import torch
from peft import TinyLoraConfig, get_peft_model

from common import load_torch_model

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--model", required=True, help="a GGUF file or a Hugging Face model folder")
parser.add_argument("--sequences", type=int, default=4)
parser.add_argument("--sequence-length", type=int, default=128)
parser.add_argument("--r", type=int, default=2)
parser.add_argument("--u", type=int, default=13)
parser.add_argument("--repeats", type=int, default=2)
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--json", action="store_true")
args = parser.parse_args()

model, load = load_torch_model(args.model, args.threads)

config = TinyLoraConfig(r=args.r, u=args.u, weight_tying=1.0, target_modules="all-linear")
start = time.perf_counter()
model = get_peft_model(model, config)
init = time.perf_counter() - start
model.train()  # dropout is 0: train mode changes nothing but is what training runs in
trainable = [p for p in model.parameters() if p.requires_grad]
modules = sum(1 for name, _ in model.named_modules() if name.endswith(("_proj")) and hasattr(_, "tinylora_A"))

vocab = model.config.vocab_size
n, length = args.sequences, args.sequence_length
ids = torch.tensor([[(1 + 7919 * (j * length + i)) % vocab for i in range(length)] for j in range(n)])

best = (float("inf"), 0.0)
for _ in range(args.repeats + 1):  # the first pass warms up
    model.zero_grad(set_to_none=True)
    t = time.perf_counter()
    logits = model(input_ids=ids).logits[:, :-1].float()
    logp = torch.log_softmax(logits, dim=-1).gather(-1, ids[:, 1:, None]).squeeze(-1)
    loss = -logp.mean()
    forward = time.perf_counter() - t
    loss.backward()
    total = time.perf_counter() - t
    if total < best[0]:
        best = (total, forward)
    del logits, logp

gradient_norm = float(torch.sqrt(sum((p.grad.double() ** 2).sum() for p in trainable)))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
result = {
    "tool": "pytorch+peft", "torch": torch.__version__, "peft": peft.__version__, "threads": torch.get_num_threads(),
    "load_seconds": load, "init_seconds": init, "modules": modules,
    "trainable_parameters": sum(p.numel() for p in trainable), "tokens": n * length,
    "forward_seconds": best[1], "backward_seconds": best[0] - best[1], "tokens_per_second": n * length / best[0],
    "loss": float(loss), "gradient_norm": gradient_norm, "peak_rss_bytes": peak, "load_average": os.getloadavg(),
}
if args.json:
    print(json.dumps(result))
else:
    print(f"pytorch {torch.__version__} + peft {peft.__version__}, {result['threads']} threads: load {load:.2f} s · "
          f"TinyLoRA init on {modules} modules ({result['trainable_parameters']} trainable): {init:.2f} s · "
          f"forward+backward {n * length} tokens: {best[0]:.2f} s (forward {best[1]:.2f} s) = "
          f"{result['tokens_per_second']:.1f} tok/s · loss {float(loss):.5f} · |grad| {gradient_norm:.4g} · "
          f"peak RSS {peak / 1e9:.2f} GB · load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
