#!/usr/bin/env python3
"""Reference values for TinyTune's Q8_0 weight matrix (Sources/Framework/Numerics/Q8_0Matrix.swift).

Quantizes a deterministic matrix with gguf-py (`gguf.quants.quantize`, llama.cpp's own Python port) and computes
W·x in float64 from gguf-py's dequantized weights, so the Swift quantizer, row lookup and fused matrix-vector
product are checked against an independent implementation.

    python3 -m venv /root/.venvs/tinytune && /root/.venvs/tinytune/bin/pip install gguf numpy
    /root/.venvs/tinytune/bin/python scripts/reference/make_q8_0_fixtures.py
"""
import json
import pathlib

import numpy as np
from gguf import GGMLQuantizationType, quants

rows, cols = 37, 96  # odd row count, three blocks per row
i = np.arange(rows, dtype=np.float64)[:, None]
j = np.arange(cols, dtype=np.float64)[None, :]
weights = (np.sin(0.37 * i + 0.11 * j) * np.cos(0.05 * i * j) * (1.0 + 0.1 * i)).astype(np.float32)
weights[3, :32] = 0.0            # an all-zero block: scale 0
weights[5, 40] = 1000.0          # an outlier dominating its block
x = np.cos(0.3 * np.arange(cols) + 0.5).astype(np.float32)

packed = quants.quantize(weights, GGMLQuantizationType.Q8_0)
dequantized = quants.dequantize(packed, GGMLQuantizationType.Q8_0).astype(np.float32)
product = dequantized.astype(np.float64) @ x.astype(np.float64)

fixture = {
    "rows": rows,
    "cols": cols,
    "weights": [float(v) for v in weights.reshape(-1)],
    "x": [float(v) for v in x],
    "q8_0_bytes_hex": packed.tobytes().hex(),
    "dequantized": [float(v) for v in dequantized.reshape(-1)],
    "product": [float(v) for v in product],
}
out = pathlib.Path(__file__).resolve().parents[2] / "Tests/TinyTuneTests/Fixtures/q8_0_reference.json"
out.write_text(json.dumps(fixture))
print(f"wrote {out} ({out.stat().st_size} bytes)")
