#!/usr/bin/env python3
"""Reference logits and greedy generations of the real Gemma 3 270M GGUF, from transformers in float32.

transformers loads the GGUF by dequantizing every tensor to f32 (and turning llama.cpp's stored 1 + w norm weights
back into w), so its outputs are the reference for TinyTune's Gemma 3 forward pass on the same file. Full rows of
262,144 logits are too large to commit; each position keeps its top 10 and the logits at 64 fixed ids, plus the
log-sum-exp of the row.

Greedy generation runs NEW_TOKENS steps per prompt (no early stop: EOS is not special here, so every case has the
same length). Each step records the margin between the best and second-best raw logit, so a disagreement can be
told apart from a near-tie; `final` holds the top logits at the last position of prompt + generation.

    bash scripts/install-deps.sh        # links models/gemma-3-270m-q4_k_m.gguf
    /root/.venvs/ref/bin/python scripts/reference/make_gemma3_reference.py   # torch + transformers + gguf
"""
import json
import pathlib

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

NEW_TOKENS = 48

root = pathlib.Path(__file__).resolve().parents[2]
model_path = (root / "models/gemma-3-270m-q4_k_m.gguf").resolve()
tokenizer = AutoTokenizer.from_pretrained(model_path.parent, gguf_file=model_path.name)
model = AutoModelForCausalLM.from_pretrained(model_path.parent, gguf_file=model_path.name, torch_dtype=torch.float32)
model.eval()
torch.manual_seed(0)
probe_ids = torch.randint(0, model.config.vocab_size, (64,)).tolist()

prompts = [
    "The capital of France is",
    "Question: Which is larger, 37 or 73?\nAnswer:",
    "def fibonacci(n):\n    ",
    "Once upon a time, in a small village by the sea,",
]


def summary(row):
    top = torch.topk(row, 10)
    return {
        "top_ids": top.indices.tolist(),
        "top_logits": top.values.tolist(),
        "probe_logits": row[probe_ids].tolist(),
        "logsumexp": float(torch.logsumexp(row, 0)),
    }


cases = []
with torch.no_grad():
    for prompt in prompts:
        ids = tokenizer(prompt, return_tensors="pt").input_ids
        logits = model(ids).logits[0].double()
        positions = [summary(row) for row in logits]
        out = model.generate(ids, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, do_sample=False,
                             output_logits=True, return_dict_in_generate=True, eos_token_id=None, pad_token_id=0)
        generated = out.sequences[0, ids.shape[1]:].tolist()
        assert len(generated) == NEW_TOKENS, len(generated)
        margins = []
        for step, raw in enumerate(out.logits):
            top2 = torch.topk(raw[0].double(), 2)
            assert top2.indices[0].item() == generated[step], (prompt, step)
            margins.append(float(top2.values[0] - top2.values[1]))
        full = torch.cat([ids, torch.tensor([generated[:-1]])], dim=1)
        final = summary(model(full).logits[0, -1].double())
        cases.append({"prompt": prompt, "ids": ids[0].tolist(), "positions": positions, "greedy": generated,
                      "greedy_margins": margins, "final": final})
        print(f"{prompt!r}: {tokenizer.decode(generated)!r} (smallest margin {min(margins):.4f} "
              f"at step {margins.index(min(margins))})")

out = root / "Tests/TinyTuneModelTests/Fixtures/gemma3_270m_reference.json"
out.write_text(json.dumps({
    "model": "gemma-3-270m-q4_k_m.gguf", "transformers": __import__("transformers").__version__,
    "torch": torch.__version__, "probe_ids": probe_ids, "cases": cases,
}))
print(f"wrote {out} ({out.stat().st_size} bytes)")
