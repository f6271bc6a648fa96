#!/usr/bin/env python3
"""Reference gradients for TinyTune's backward pass (Sources/Framework/Model/TrainingPass.swift).

Loads the tiny Llama and Gemma 3 checkpoints committed for the loader tests with transformers (float32), adds a
trainable bias b to the output of every linear layer through forward hooks (an adapter whose backward is simple, so
the test checks the decoder's own backward through every layer), scores chosen next tokens with logits divided by a
temperature as TRL does, and records log-probabilities and d(Σ c·logp)/db for every bias from PyTorch autograd.

    /root/.venvs/ref/bin/python scripts/reference/make_backward_fixtures.py
"""
import json
import pathlib

import torch
from transformers import AutoModelForCausalLM

root = pathlib.Path(__file__).resolve().parents[2]
fixtures = root / "Tests/TinyTuneLoadersTests/Fixtures"
targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
cases = []
for name in ["tiny_llama", "tiny_gemma3"]:
    torch.manual_seed(1)
    model = AutoModelForCausalLM.from_pretrained(fixtures / name, dtype=torch.float32)
    model.eval()
    biases = {}
    for module_name, module in model.named_modules():
        if module_name.split(".")[-1] in targets:
            bias = torch.nn.Parameter(torch.randn(module.out_features) * 0.05)
            biases[module_name] = bias
            module.register_forward_hook(lambda m, inputs, output, b=bias: output + b)
    vocab = model.config.vocab_size
    sequences = [torch.randint(0, vocab, (7,)).tolist(), torch.randint(0, vocab, (10,)).tolist()]
    scored = [[1, 2, 3, 5], [0, 4, 6, 7, 8]]
    coefficients = [torch.randn(len(s)).tolist() for s in scored]
    temperature = 0.7
    logprobs = []
    loss = 0.0
    for ids, positions, c in zip(sequences, scored, coefficients):
        logits = model(torch.tensor([ids])).logits[0] / temperature
        logp = torch.log_softmax(logits, dim=-1)
        chosen = torch.stack([logp[t, ids[t + 1]] for t in positions])
        logprobs.append(chosen.tolist())
        loss = loss + (chosen * torch.tensor(c)).sum()
    loss.backward()
    cases.append({
        "model": name, "sequences": sequences, "scored": scored, "coefficients": coefficients,
        "temperature": temperature, "logprobs": logprobs,
        "biases": {k: v.detach().tolist() for k, v in biases.items()},
        "gradients": {k: v.grad.tolist() for k, v in biases.items()},
    })
out = root / "Tests/TinyTuneModelTests/Fixtures/backward_reference.json"
out.write_text(json.dumps({"cases": cases}))
print(f"wrote {out} ({out.stat().st_size} bytes)")
