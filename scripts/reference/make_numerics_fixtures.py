#!/usr/bin/env python3
"""Reference values for TinyTune's numerics tests (Tests/TinyTuneTests/Fixtures/numerics_reference.json).

Usage:
    python3 scripts/reference/make_numerics_fixtures.py [--out PATH]

Needs numpy. If `ml_dtypes` is importable (e.g. `pip install ml_dtypes` in a venv outside the repo), the
bfloat16 rounding done here by bit manipulation is cross-checked against it; otherwise that check is skipped.

Everything is deterministic: inputs are fixed lists, formulas, or numpy's PCG64 with a fixed seed, and every
input is stored in the fixture next to its expected output, so the Swift tests never re-derive inputs.
Float32 values are stored as their IEEE bit patterns (exact); 64-bit integers as hex strings (JSON numbers
are not exact beyond 2^53).

Sections:
  f16_to_f32 / bf16_to_f32   16-bit pattern -> float32 bits (numpy float16; bf16 by widening the bits)
  f32_to_f16 / f32_to_bf16   float32 bits -> 16-bit pattern, round to nearest even (ties listed explicitly)
  svd                        a fixed 10x7 float32 matrix from a formula and numpy.linalg.svd singular values
  generator                  SplitMix64-seeded xoshiro256** streams, written here from the published algorithm
                             descriptions (Blackman & Vigna 2021; Steele, Lea & Flood 2014), independently of
                             the Swift code.
"""

import argparse
import json
import math
import struct
from pathlib import Path

import numpy as np

MASK64 = (1 << 64) - 1


def f32_bits(x) -> int:
    return int(np.array([x], dtype=np.float32).view(np.uint32)[0])


def bits_f32(b: int) -> np.float32:
    return np.array([b], dtype=np.uint32).view(np.float32)[0]


# ---------------------------------------------------------------------------------------------- half precision

def f16_to_f32_cases():
    specials = {
        0x0000: "+0", 0x8000: "-0", 0x0001: "smallest subnormal 2^-24", 0x8001: "-smallest subnormal",
        0x0200: "subnormal 2^-15", 0x03FF: "largest subnormal", 0x0400: "smallest normal 2^-14",
        0x3C00: "1", 0xBC00: "-1", 0x3555: "~1/3", 0xC000: "-2", 0x7BFF: "max 65504", 0xFBFF: "-max",
        0x7C00: "+inf", 0xFC00: "-inf", 0x7E00: "quiet NaN", 0xFE00: "negative quiet NaN",
        0x7C01: "signalling NaN", 0x3BFF: "largest below 1", 0x3C01: "smallest above 1",
    }
    patterns = sorted(set(specials) | set(range(0, 0x10000, 97)))
    halves = np.array(patterns, dtype=np.uint16).view(np.float16)
    widened = halves.astype(np.float32).view(np.uint32)
    return [{"bits": p, "f32Bits": int(w), "isNaN": bool(np.isnan(h)), "note": specials.get(p, "")}
            for p, h, w in zip(patterns, halves, widened)]


def bf16_to_f32_cases():
    specials = {
        0x0000: "+0", 0x8000: "-0", 0x0001: "smallest subnormal 2^-133", 0x007F: "largest subnormal",
        0x0080: "smallest normal 2^-126", 0x3F80: "1", 0xBF80: "-1", 0x7F7F: "max ~3.39e38", 0xFF7F: "-max",
        0x7F80: "+inf", 0xFF80: "-inf", 0x7FC0: "quiet NaN", 0xFFC0: "negative quiet NaN",
        0x7F81: "signalling NaN", 0x3EAB: "~1/3", 0x4049: "~pi",
    }
    patterns = sorted(set(specials) | set(range(0, 0x10000, 101)))
    # bfloat16 is the top half of a float32 by definition, so widening is a 16-bit shift.
    widened = (np.array(patterns, dtype=np.uint32) << 16)
    return [{"bits": p, "f32Bits": int(w), "isNaN": bool(np.isnan(bits_f32(int(w)))), "note": specials.get(p, "")}
            for p, w in zip(patterns, widened)]


def f32_inputs(rng):
    """float32 bit patterns for the narrowing conversions: named edge cases, exact ties, random values."""
    named = {}

    def add(x, note):
        named.setdefault(f32_bits(x) if not isinstance(x, int) else x, note)

    one = 1.0
    add(0.0, "+0"); add(-0.0, "-0"); add(one, "1"); add(-one, "-1")
    add(0x7F800000, "+inf"); add(0xFF800000, "-inf"); add(0x7FC00000, "quiet NaN"); add(0xFFC00000, "-quiet NaN")
    add(0x00000001, "smallest f32 subnormal"); add(0x7F7FFFFF, "f32 max"); add(0xFF7FFFFF, "-f32 max")
    # f16 ties and neighbours around 1 (f16 ulp at 1 is 2^-10, f32 ulp 2^-23).
    add(one + 2.0**-11, "f16 tie between 1 and 1+2^-10 -> even (1)")
    add(one + 3 * 2.0**-11, "f16 tie between 1+2^-10 and 1+2^-9 -> even (1+2^-9)")
    add(one + 2.0**-11 + 2.0**-23, "just above an f16 tie")
    add(one + 2.0**-11 - 2.0**-23, "just below an f16 tie")
    add(65504.0, "f16 max"); add(65519.0, "below f16 overflow threshold -> 65504")
    add(65520.0, "f16 overflow tie -> inf"); add(-65520.0, "-65520 -> -inf"); add(1e5, "f16 overflow")
    add(2.0**-14, "f16 smallest normal"); add(2.0**-14 - 2.0**-24, "f16 largest subnormal")
    add(2.0**-14 - 2.0**-25, "tie between largest f16 subnormal and smallest normal -> normal")
    add(2.0**-24, "f16 smallest subnormal"); add(2.0**-25, "tie between 0 and 2^-24 -> 0")
    add(2.0**-25 + 2.0**-40, "just above 2^-25 -> 2^-24"); add(3 * 2.0**-25, "tie 1.5 units -> 2 units")
    add(5 * 2.0**-25, "tie 2.5 units -> 2 units"); add(1e-8, "f16 underflow to 0"); add(-1e-8, "-> -0")
    # bf16 ties (bf16 ulp at 1 is 2^-7).
    add(one + 2.0**-8, "bf16 tie between 1 and 1+2^-7 -> even (1)")
    add(one + 3 * 2.0**-8, "bf16 tie between 1+2^-7 and 1+2^-6 -> even (1+2^-6)")
    add(one + 2.0**-8 + 2.0**-23, "just above a bf16 tie")
    add(0x7F7F8000, "bf16 tie at max -> inf (odd mantissa rounds up)"); add(0x7F7F7FFF, "just below -> bf16 max")
    add(0x00008000, "f32 subnormal bf16 tie -> 0"); add(0x00018000, "f32 subnormal bf16 tie -> 2 units")
    add(math.pi, "pi"); add(-1.0 / 3.0, "-1/3"); add(0.1, "0.1")
    cases = dict(named)
    # Random magnitudes across the f16 subnormal..overflow range and beyond, both signs.
    mags = rng.uniform(-30, 20, size=300)
    signs = rng.choice([-1.0, 1.0], size=300)
    for v in (signs * 2.0 ** mags * rng.uniform(1, 2, size=300)).astype(np.float32):
        cases.setdefault(f32_bits(v), "random")
    # Random exact ties: low 13 bits = 0x1000 (f16) and low 16 bits = 0x8000 (bf16), normal f16 range.
    for b in rng.integers(0x38800000, 0x47000000, size=60, dtype=np.uint64):
        cases.setdefault((int(b) & ~0x1FFF) | 0x1000, "random f16 tie")
    for b in rng.integers(0x00800000, 0x7F000000, size=60, dtype=np.uint64):
        cases.setdefault((int(b) & ~0xFFFF) | 0x8000, "random bf16 tie")
    return cases


def bf16_round_nearest_even(bits: int) -> int:
    """float32 bits -> bfloat16 bits, round to nearest even: the rule PyTorch's c10::BFloat16 uses
    (add 0x7FFF plus the lowest kept bit, truncate); every NaN maps to the canonical 0x7FC0 as in PyTorch."""
    if (bits & 0x7F800000) == 0x7F800000 and (bits & 0x007FFFFF) != 0:
        return 0x7FC0
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16) & 0xFFFF


def narrowing_cases(rng):
    cases = f32_inputs(rng)
    bits = np.array(sorted(cases), dtype=np.uint32)
    values = bits.view(np.float32)
    with np.errstate(over="ignore"):
        halves = values.astype(np.float16).view(np.uint16)
    to_f16 = [{"f32Bits": int(b), "bits": int(h), "isNaN": bool(np.isnan(v)), "note": cases[int(b)]}
              for b, h, v in zip(bits, halves, values)]
    to_bf16 = [{"f32Bits": int(b), "bits": bf16_round_nearest_even(int(b)), "isNaN": bool(np.isnan(v)),
                "note": cases[int(b)]} for b, v in zip(bits, values)]
    try:
        import ml_dtypes
        ours = np.array([c["bits"] for c in to_bf16], dtype=np.uint16)
        theirs = values.astype(ml_dtypes.bfloat16).view(np.uint16)
        finite = ~np.isnan(values)
        assert np.array_equal(ours[finite], theirs[finite]), "bf16 rounding disagrees with ml_dtypes"
        checked = f"cross-checked against ml_dtypes {ml_dtypes.__version__}"
    except ImportError:
        checked = "ml_dtypes not installed: bf16 rounding not cross-checked"
    return to_f16, to_bf16, checked


# -------------------------------------------------------------------------------------------------------- SVD

def svd_case():
    rows, cols = 10, 7
    i = np.arange(rows, dtype=np.float64)[:, None]
    j = np.arange(cols, dtype=np.float64)[None, :]
    a = (np.sin(0.7 * i + 0.3 * j * j) + 0.5 * np.cos(0.9 * i * j) + 0.1 * (i - j)).astype(np.float32)
    s = np.linalg.svd(a.astype(np.float64), compute_uv=False)
    assert s[-1] > 1e-2 * s[0], "fixture matrix should be well conditioned"
    return {
        "rows": rows, "cols": cols,
        "formula": "float32(sin(0.7 i + 0.3 j^2) + 0.5 cos(0.9 i j) + 0.1 (i - j)), row-major",
        "f32Bits": [int(b) for b in a.reshape(-1).view(np.uint32)],
        "singularValues": [float(x) for x in s],
    }


# -------------------------------------------------------------------------------------------------- generator

class SplitMix64:
    def __init__(self, seed):
        self.x = seed & MASK64

    def next(self):
        self.x = (self.x + 0x9E3779B97F4A7C15) & MASK64
        z = self.x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK64


class Xoshiro256StarStar:
    def __init__(self, seed):
        sm = SplitMix64(seed)
        self.s = [sm.next() for _ in range(4)]

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK64, 7) * 9) & MASK64
        t = (s[1] << 17) & MASK64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def uniform_f32(self):
        return (self.next() >> 40) / float(1 << 24)  # exact in float32

    def uniform_f64(self):
        return (self.next() >> 11) / float(1 << 53)

    def normal(self):
        u1 = 1.0 - self.uniform_f64()  # (0, 1]
        u2 = self.uniform_f64()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def generator_cases():
    assert SplitMix64(0).next() == 0xE220A8397B1DCDAF  # published first output of splitmix64 for seed 0
    cases = []
    for seed in (0, 42, 2**63 + 5):
        g = Xoshiro256StarStar(seed)
        raw = [g.next() for _ in range(8)]
        g = Xoshiro256StarStar(seed)
        uniforms = [g.uniform_f32() for _ in range(8)]
        g = Xoshiro256StarStar(seed)
        normals = [g.normal() for _ in range(8)]
        cases.append({
            "seed": f"0x{seed:016x}",
            "uint64": [f"0x{x:016x}" for x in raw],
            "uniformF32Bits": [f32_bits(u) for u in uniforms],
            "normalF32Bits": [f32_bits(z) for z in normals],
            "normals": normals,
        })
    return cases


def main():
    default_out = Path(__file__).resolve().parents[2] / "Tests/TinyTuneTests/Fixtures/numerics_reference.json"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args()

    rng = np.random.default_rng(20240607)
    to_f16, to_bf16, checked = narrowing_cases(rng)
    fixture = {
        "about": "Generated by scripts/reference/make_numerics_fixtures.py with numpy "
                 f"{np.__version__}; bf16 rounding {checked}.",
        "f16ToF32": f16_to_f32_cases(),
        "bf16ToF32": bf16_to_f32_cases(),
        "f32ToF16": to_f16,
        "f32ToBF16": to_bf16,
        "svd": svd_case(),
        "generator": generator_cases(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes); {checked}")


if __name__ == "__main__":
    main()
