#!/usr/bin/env python3
"""Reference distributions for TinyTune's Sampler (Sources/Framework/Generation/Sampler.swift).

Runs transformers' own logits warpers (TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper,
MinPLogitsWarper, in the order GenerationMixin applies them) on fixed rows of logits and records the surviving
tokens' probabilities, and log_softmax(logits / T) for the log-probabilities Sampler reports.

    /root/.venvs/ref/bin/python scripts/reference/make_sampler_fixtures.py   # needs torch + transformers
"""
import json
import pathlib

import torch
from transformers.generation.logits_process import (LogitsProcessorList, MinPLogitsWarper, TemperatureLogitsWarper,
                                                    TopKLogitsWarper, TopPLogitsWarper)

torch.manual_seed(0)
vocab = 500
rows = [torch.randn(vocab) * 3, torch.randn(vocab), torch.linspace(-5, 5, vocab)]
ties = torch.zeros(vocab)
ties[10:14] = 4.0  # four tied leaders: top-k 2 keeps all four
rows.append(ties)

settings = [  # (temperature, top_k, top_p, min_p)
    (1.0, 0, 1.0, 0.0),
    (0.7, 0, 1.0, 0.0),
    (1.0, 20, 1.0, 0.0),
    (1.0, 0, 0.9, 0.0),
    (0.8, 50, 0.95, 0.0),
    (1.0, 0, 1.0, 0.05),
    (1.3, 40, 0.8, 0.02),
    (1.0, 2, 1.0, 0.0),
]
cases = []
for row_index, logits in enumerate(rows):
    for temperature, top_k, top_p, min_p in settings:
        if row_index == 3 and top_p < 1.0:
            continue  # torch.sort orders the 496 tied logits arbitrarily, so top-p's cut among them is arbitrary too
        processors = LogitsProcessorList()
        if temperature != 1.0:
            processors.append(TemperatureLogitsWarper(temperature))
        if top_k:
            processors.append(TopKLogitsWarper(top_k=top_k))
        if top_p < 1.0:
            processors.append(TopPLogitsWarper(top_p=top_p))
        if min_p > 0:
            processors.append(MinPLogitsWarper(min_p=min_p))
        scores = processors(None, logits.clone()[None, :].double())[0]
        probabilities = torch.softmax(scores, dim=-1)
        kept = torch.nonzero(probabilities > 0).flatten()
        cases.append({
            "row": row_index,
            "temperature": temperature, "top_k": top_k, "top_p": top_p, "min_p": min_p,
            "kept": [int(i) for i in kept],
            "probabilities": [float(probabilities[i]) for i in kept],
            # log softmax(logits / T) at the first few surviving tokens, the log-probability Sampler reports.
            "log_softmax": [float(torch.log_softmax(logits.double() / temperature, dim=-1)[i]) for i in kept[:5]],
            # Entropy of softmax(logits / T) over the whole vocabulary, as TRL's entropy_from_logits: −Σ p·log p.
            "entropy": float(-(torch.softmax(logits.double() / temperature, dim=-1)
                               * torch.log_softmax(logits.double() / temperature, dim=-1)).sum()),
        })
out = pathlib.Path(__file__).resolve().parents[2] / "Tests/TinyTuneTests/Fixtures/sampler_reference.json"
out.write_text(json.dumps({"rows": [[float(v) for v in row.float()] for row in rows], "cases": cases}))
print(f"wrote {out} ({out.stat().st_size} bytes, {len(cases)} cases)")
