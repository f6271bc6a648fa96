#!/usr/bin/env python3
"""Reference trajectories for TinyTune's Optimizer and LearningRateSchedule (Sources/Framework/Training/).

Runs torch.optim.Adam, AdamW and SGD with clip_grad_norm_ and transformers' schedules on two small parameters with
fixed gradient sequences, and records the parameters after every step.

    /root/.venvs/ref/bin/python scripts/reference/make_optimizer_fixtures.py
"""
import json
import pathlib

import torch
from transformers import get_constant_schedule_with_warmup, get_cosine_schedule_with_warmup, get_linear_schedule_with_warmup

torch.manual_seed(0)
steps = 6
initial = [torch.randn(5), torch.randn(3)]
gradients = [[torch.randn(5) * 3, torch.randn(3)] for _ in range(steps)]
cases = []
for optimizer_name, weight_decay, max_norm, schedule in [
    ("adam", 0.0, 0.0, "constant"), ("adam", 0.01, 1.0, "linear"), ("adamw", 0.1, 2.0, "cosine"),
    ("sgd", 0.0, 1.0, "constant"),
]:
    params = [torch.nn.Parameter(p.clone()) for p in initial]
    lr = 0.05
    if optimizer_name == "adam":
        optimizer = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)
    elif optimizer_name == "adamw":
        optimizer = torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)
    else:
        optimizer = torch.optim.SGD(params, lr=lr)
    warmup = 2
    make = {"constant": get_constant_schedule_with_warmup, "linear": get_linear_schedule_with_warmup,
            "cosine": get_cosine_schedule_with_warmup}[schedule]
    scheduler = make(optimizer, warmup) if schedule == "constant" else make(optimizer, warmup, steps)
    trajectory, rates, norms = [], [], []
    for step in range(steps):
        for p, g in zip(params, gradients[step]):
            p.grad = g.clone()
        rates.append(optimizer.param_groups[0]["lr"])
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm) if max_norm > 0 else torch.sqrt(sum((p.grad ** 2).sum() for p in params))
        norms.append(float(norm))
        optimizer.step()
        scheduler.step()
        trajectory.append([p.detach().tolist() for p in params])
    cases.append({"optimizer": optimizer_name, "weight_decay": weight_decay, "max_grad_norm": max_norm,
                  "schedule": schedule, "warmup": warmup, "steps": steps, "learning_rate": lr,
                  "rates": rates, "norms": norms, "trajectory": trajectory})
out = pathlib.Path(__file__).resolve().parents[2] / "Tests/TinyTuneTests/Fixtures/optimizer_reference.json"
out.write_text(json.dumps({"initial": [p.tolist() for p in initial],
                           "gradients": [[g.tolist() for g in step] for step in gradients], "cases": cases}))
print(f"wrote {out}")
