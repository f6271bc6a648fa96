#!/usr/bin/env python3
"""Labelled answer-checking cases for TinyTune's `math_answer` reward
(Tests/TinyTunePluginsTests/Fixtures/math_answer_agreement.jsonl).

Usage (a light venv outside the repo):
    python3 -m venv ~/.venvs/mathref && ~/.venvs/mathref/bin/pip install math-verify numpy
    ~/.venvs/mathref/bin/python scripts/reference/make_math_answer_fixtures.py [--out PATH] [--count N]

No GSM8K or MATH data can be downloaded here, so the cases are synthesized in the answer styles of those sets:
  gsm8k  gold `... #### 1,234` (what the dataset stores) and model-like completions that reason through
         intermediate numbers (distractors) and end with "The answer is N", "#### N", `\\boxed{N}`, "$N", "N%",
         "N.00", a unit, or just a last number; about half are wrong (off by one, a distractor, a typo).
  math   MATH-style LaTeX gold answers (fractions, roots, pi, intervals, tuples, degrees, choice letters, mixed
         numbers, powers, units in \\text{}, percents, polynomials) and completions with an equivalent or a wrong
         answer, boxed or stated.

The committed fixture was labelled with math-verify 0.9.0 (latex2sympy2_extended 1.11.0); the generator is seeded,
so rerunning with those versions reproduces it byte for byte.

Labels come from math-verify (huggingface/Math-Verify), gold first: `verify(parse(gold), parse(completion))`. A bare
LaTeX gold is wrapped in `$...$`; a GSM8K gold is the number after `####` with its thousands commas removed.
Every line: {"style", "kind", "gold", "completion", "label"} where `gold` is the dataset's form (the Swift reward
sees the same text) and `kind` names the generator template, so disagreements can be counted by kind.
"""

import argparse
import json
import random
from pathlib import Path

from math_verify import parse, verify


def commas(n: int) -> str:
    return f"{n:,}"


# ----------------------------------------------------------------------------------------------- GSM8K style

NAMES = ["Natalia", "Weng", "Betty", "Julie", "James", "Albert", "Ken", "Alexis", "Tina", "Mark"]
ITEMS = ["clips", "apples", "books", "marbles", "cookies", "pages", "stickers", "eggs"]


def gsm8k_case(rng: random.Random):
    a, b = rng.randint(2, 90), rng.randint(2, 40)
    c = rng.randint(2, 12)
    answer = rng.choice([a + b, a * c, (a + b) * c, a * b * c, a * 37 + b * 111, rng.randint(1000, 250000)])
    if rng.random() < 0.05:
        answer = -rng.randint(1, 500)
    gold_text = f"{a} + {b} = <<{a}+{b}={a + b}>>{a + b}\nThen {c} * {a + b} = {c * (a + b)}\n#### {commas(answer)}"
    name, item = rng.choice(NAMES), rng.choice(ITEMS)
    correct = rng.random() < 0.5
    kind_wrong = ""
    value = answer
    if not correct:
        kind_wrong = rng.choice(["off_by_one", "distractor", "scaled", "typo"])
        value = {"off_by_one": answer + rng.choice([-1, 1]), "distractor": a + b if a + b != answer else a,
                 "scaled": answer * 10, "typo": int(str(abs(answer))[::-1] or 0) * (1 if answer >= 0 else -1)}[kind_wrong]
    shown = rng.choice([str(value), commas(value)]) if abs(value) >= 1000 else str(value)
    steps = f"{name} has {a} {item} and gets {b} more, so {a} + {b} = {a + b}. Each box holds {c}, and {c} x {a + b} = {c * (a + b)}."
    style = rng.choice(["answer_is", "hashes", "boxed", "dollars", "last_number", "unit", "decimal", "bold",
                        "trailing_distractor", "percent", "equation", "answer_is_expression", "boxed_unit",
                        "two_boxed", "trailing_sentence", "hashes_dollar", "answer_colon", "approximately",
                        "cents", "bold_number", "rate", "words_then_number", "double_check", "answer_is_dollar",
                        "latex_inline", "answer_is_colon_space", "so_total", "comma_list_end", "negative_words",
                        "spelled_out", "not_x_but_y", "approx_sign", "parenthetical", "boxed_text", "final_answer_line",
                        "dollars_word"])
    ending = {
        "answer_is": f"The answer is {shown}.",
        "hashes": f"#### {shown}",
        "boxed": f"So the final answer is $\\boxed{{{shown}}}$.",
        "dollars": f"She has ${shown} left.",
        "last_number": f"Therefore {name} ends with {shown} {item}.",
        "unit": f"The answer is {shown} {item}.",
        "decimal": f"The answer is {value}.00",
        "bold": f"**Answer:** {shown}",
        "trailing_distractor": f"The answer is {shown}. That is {c} boxes in total.",
        "percent": f"The answer is {shown}%.",
        "equation": f"Total = {shown}",
        "answer_is_expression": f"The answer is {c} x {a + b} - {c * (a + b) - value} = {shown}.",
        "boxed_unit": f"So the answer is $\\boxed{{{shown} \\text{{ {item}}}}}$.",
        "two_boxed": f"First I got $\\boxed{{{a}}}$, but correcting the count gives $\\boxed{{{shown}}}$.",
        "trailing_sentence": f"So {name} has {shown} {item} left. {name} gave away {b} of them on day {c}.",
        "hashes_dollar": f"#### ${shown}",
        "answer_colon": f"Answer:{shown}",
        "approximately": f"The answer is approximately {value}.0",
        "cents": f"The total cost is ${value}.50.",
        "bold_number": f"Adding it all up gives **{shown}**.",
        "rate": f"The answer is {shown} {item} per {c} days.",
        "words_then_number": f"The answer is {shown}, which is {c} more than {name}'s friend.",
        "double_check": f"So {name} needs {shown} {item}. Let me double check: {c} x {a + b} = {c * (a + b)}.",
        "answer_is_dollar": f"The answer is: ${shown}",
        "latex_inline": f"Therefore the total is \\({shown}\\).",
        "answer_is_colon_space": f"Final answer: {shown}",
        "so_total": f"In total: {a} + {b} + {c} = {shown}",
        "comma_list_end": f"The numbers were {a}, {b}, and {c}, so the answer is {shown}",
        "negative_words": f"{name} is short by {shown} {item}.",
        "spelled_out": f"The answer is {'twelve' if value == 12 else 'a lot'}, i.e. {shown}.",
        "not_x_but_y": f"The answer is not {a + b}, it is {shown}.",
        "approx_sign": f"So the result is ≈ {shown}",
        "parenthetical": f"The answer is {shown} (that is, {c} boxes of {a + b}).",
        "boxed_text": f"$\\boxed{{\\text{{{shown} {item}}}}}$",
        "final_answer_line": f"Final Answer: The final answer is {shown}. I hope it is correct.",
        "dollars_word": f"The answer is {shown} dollars.",
    }[style]
    completion = steps + " " + ending
    return {"style": "gsm8k", "kind": style + ("" if correct else "/" + kind_wrong), "gold": gold_text,
            "completion": completion, "gold_for_reference": "$" + str(answer) + "$"}


# ------------------------------------------------------------------------------------------------ MATH style

def math_cases(rng: random.Random):
    """(kind, gold LaTeX, [equivalent forms], [wrong forms])."""
    p, q = rng.randint(1, 12), rng.randint(2, 13)
    while p % q == 0:
        p = rng.randint(1, 12)
    n = rng.randint(2, 9)
    k = rng.randint(2, 7)
    lo, hi = sorted(rng.sample(range(-9, 10), 2))
    x, y = rng.randint(-9, 9), rng.randint(-9, 9)
    deg = rng.choice([30, 45, 60, 90, 120, 135, 150])
    letter = rng.choice("ABCDE")
    whole = rng.randint(1, 5)
    pct = rng.choice([5, 10, 12.5, 20, 25, 40, 50, 75])
    e = rng.randint(2, 6)
    from fractions import Fraction
    fr = Fraction(p, q)
    num, den = fr.numerator, fr.denominator
    dec = num / den
    cases = [
        ("fraction", f"\\frac{{{num}}}{{{den}}}",
         [f"\\frac{{{num}}}{{{den}}}", f"\\dfrac{{{num}}}{{{den}}}", f"{num}/{den}", f"\\frac{{{2 * num}}}{{{2 * den}}}",
          f"{dec:.6f}".rstrip("0") if len(f"{dec:.6f}".rstrip("0")) < 6 else f"\\tfrac{{{num}}}{{{den}}}"],
         [f"\\frac{{{den}}}{{{num}}}", f"\\frac{{{num + 1}}}{{{den}}}", f"{round(dec, 1)}"]),
        ("negative_fraction", f"-\\frac{{{num}}}{{{den}}}",
         [f"-\\frac{{{num}}}{{{den}}}", f"\\frac{{-{num}}}{{{den}}}", f"-{num}/{den}"],
         [f"\\frac{{{num}}}{{{den}}}"]),
        ("sqrt", f"{n}\\sqrt{{{k if k not in (4,) else 3}}}",
         [f"{n}\\sqrt{{{k if k not in (4,) else 3}}}", f"\\sqrt{{{n * n * (k if k not in (4,) else 3)}}}",
          f"{n} \\sqrt {k if k not in (4,) else 3}"],
         [f"{n}\\sqrt{{{(k if k not in (4,) else 3) + 1}}}", f"{n + 1}\\sqrt{{{k if k not in (4,) else 3}}}"]),
        ("frac_sqrt", f"\\frac{{\\sqrt{{3}}}}{{{n}}}",
         [f"\\frac{{\\sqrt{{3}}}}{{{n}}}", f"\\frac{{\\sqrt3}}{{{n}}}", f"\\frac{{1}}{{{n}}}\\sqrt{{3}}"],
         [f"\\frac{{\\sqrt{{2}}}}{{{n}}}", f"\\frac{{3}}{{{n}}}"]),
        ("pi", f"{n}\\pi", [f"{n}\\pi", f"{n} \\pi", f"\\pi \\cdot {n}"], [f"{n + 1}\\pi", f"{n}"]),
        ("frac_pi", f"\\frac{{{p}\\pi}}{{{q}}}", [f"\\frac{{{p}\\pi}}{{{q}}}", f"\\frac{{{p}}}{{{q}}}\\pi"],
         [f"\\frac{{{q}\\pi}}{{{p}}}" if p != q else "2\\pi"]),
        ("interval", f"({lo}, {hi}]", [f"({lo}, {hi}]", f"\\left({lo},{hi}\\right]"],
         [f"[{lo}, {hi}]", f"({lo}, {hi + 1}]"]),
        ("interval_inf", f"(-\\infty, {hi})", [f"(-\\infty, {hi})", f"\\left(-\\infty,{hi}\\right)"],
         [f"(-\\infty, {hi}]", f"({hi}, \\infty)"]),
        ("tuple", f"({x}, {y})", [f"({x}, {y})", f"\\left( {x}, {y} \\right)", f"({x},{y})"],
         [f"({y}, {x})" if x != y else f"({x}, {y + 1})", f"({x}, {y + 1})"]),
        ("degrees", f"{deg}^\\circ", [f"{deg}^\\circ", f"{deg}", f"{deg}^{{\\circ}}"], [f"{deg + 15}^\\circ"]),
        ("choice", f"\\text{{({letter})}}", [f"\\text{{({letter})}}", f"({letter})", f"\\textbf{{({letter})}}"],
         [f"\\text{{({'A' if letter != 'A' else 'B'})}}"]),
        ("mixed_number", f"{whole}\\frac{{1}}{{2}}", [f"{whole}\\frac{{1}}{{2}}", f"\\frac{{{2 * whole + 1}}}{{2}}", f"{whole}.5"],
         [f"{whole}"]),
        ("power", f"10^{e}", [f"10^{e}", f"10^{{{e}}}", f"{10 ** e}"], [f"10^{e + 1}", f"{10 * e}"]),
        ("unit", f"{n * 5}\\text{{ cm}}", [f"{n * 5}\\text{{ cm}}", f"{n * 5}", f"{n * 5} \\mbox{{cm}}"],
         [f"{n * 5 + 1}\\text{{ cm}}"]),
        ("percent", f"{pct}\\%", [f"{pct}\\%", f"{pct}"], [f"{pct + 1}\\%"]),
        ("decimal", f"{dec:.2f}", [f"{dec:.2f}", f"{dec:.2f}0"], [f"{dec + 0.01:.2f}"]),
        ("integer", f"{x * 7}", [f"{x * 7}", f"{x * 7}.0"], [f"{x * 7 + 1}"]),
        ("polynomial", f"x^2+{n}x+{k}", [f"x^2+{n}x+{k}", f"x^2 + {n}x + {k}", f"{k}+{n}x+x^2"],
         [f"x^2+{n}x-{k}", f"x^2+{k}x+{n}" if n != k else f"x^2+{n}x"]),
        ("linear_equation", f"y = {n}x + {k}", [f"y = {n}x + {k}", f"y={n}x+{k}"], [f"y = {k}x + {n}" if n != k else f"y = {n}x"]),
        ("sqrt_sum", f"{n}+\\sqrt{{{k if k != 4 else 5}}}", [f"{n}+\\sqrt{{{k if k != 4 else 5}}}", f"\\sqrt{{{k if k != 4 else 5}}}+{n}"],
         [f"{n}-\\sqrt{{{k if k != 4 else 5}}}"]),
        ("set", f"\\{{{lo}, {hi}\\}}", [f"\\{{{lo}, {hi}\\}}", f"{lo}, {hi}"], [f"\\{{{lo}, {hi + 1}\\}}"]),
        ("inverse_sqrt", "\\frac{\\sqrt{2}}{2}", ["\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", "\\sqrt{2}/2", "\\frac{\\sqrt2}2"],
         ["\\sqrt{2}", "\\frac{1}{2}"]),
        ("pi_slash", f"\\frac{{\\pi}}{{{n}}}", [f"\\pi/{n}", f"\\frac{{\\pi}}{{{n}}}", f"\\frac{{1}}{{{n}}}\\pi"],
         [f"\\pi/{n + 1}", f"{round(3.14159 / n, 2)}"]),
        ("interval_in", f"[{lo}, {hi})", [f"x \\in [{lo}, {hi})", f"[{lo},{hi})"], [f"x \\in ({lo}, {hi})"]),
        ("assignment", f"{x * 3}", [f"x = {x * 3}", f"x={x * 3}"], [f"x = {x * 3 + 2}"]),
        ("power_braces", f"2^{{{e + 4}}}", [f"2^{{{e + 4}}}", f"{2 ** (e + 4)}"], [f"2^{{{e + 5}}}", f"{2 * (e + 4)}"]),
        ("money", f"\\${n * 12}.50", [f"\\${n * 12}.50", f"{n * 12}.5", f"\\${n * 12}.5"], [f"\\${n * 12}.05"]),
        ("area_unit", f"{n * n}\\text{{ cm}}^2", [f"{n * n}\\text{{ cm}}^2", f"{n * n}"], [f"{n * n + n}\\text{{ cm}}^2"]),
        ("word", rng.choice(["\\text{Monday}", "\\text{even}", "\\text{no}"]), ["\\text{Monday}", "Monday", "\\text{even}", "\\text{no}"], ["\\text{Tuesday}", "\\text{odd}", "\\text{yes}"]),
        ("variable_fraction", f"\\frac{{{n}x}}{{{k}}}", [f"\\frac{{{n}x}}{{{k}}}", f"\\frac{{{n}}}{{{k}}}x", f"{n}x/{k}"],
         [f"\\frac{{{k}x}}{{{n}}}" if n != k else f"\\frac{{x}}{{{k}}}"]),
        ("union", f"(-\\infty, {lo}) \\cup ({hi}, \\infty)",
         [f"(-\\infty, {lo}) \\cup ({hi}, \\infty)", f"(-\\infty,{lo})\\cup({hi},\\infty)"],
         [f"(-\\infty, {lo}] \\cup [{hi}, \\infty)", f"({lo}, {hi})"]),
        ("pmatrix", f"\\begin{{pmatrix}} {x} \\\\ {y} \\end{{pmatrix}}",
         [f"\\begin{{pmatrix}} {x} \\\\ {y} \\end{{pmatrix}}", f"\\begin{{pmatrix}}{x}\\\\{y}\\end{{pmatrix}}"],
         [f"\\begin{{pmatrix}} {y} \\\\ {x} \\end{{pmatrix}}" if x != y else f"\\begin{{pmatrix}} {x} \\\\ {y + 1} \\end{{pmatrix}}"]),
        ("sqrt_simplify", f"{n}\\sqrt{{2}}", [f"\\sqrt{{{2 * n * n}}}", f"{n}\\sqrt2", f"{n}\\sqrt{{2}}"], [f"\\sqrt{{{2 * n}}}", f"{n}\\sqrt{{3}}"]),
        ("rationalized", "-\\frac{\\sqrt{3}}{3}", ["-\\frac{1}{\\sqrt{3}}", "-\\frac{\\sqrt3}{3}", "\\frac{-\\sqrt{3}}{3}"], ["\\frac{\\sqrt{3}}{3}", "-\\sqrt{3}"]),
        ("leading_point", f"0.{n}", [f".{n}", f"0.{n}", f"\\frac{{{n}}}{{10}}"], [f"{n}", f"0.0{n}"]),
        ("multiple_answers", f"{lo}, {hi}", [f"{lo}, {hi}", f"{hi}, {lo}", f"x = {lo}, {hi}"], [f"{lo}", f"{lo}, {hi + 1}"]),
        ("negative_power", f"10^{{-{e}}}", [f"10^{{-{e}}}", f"0.{'0' * (e - 1)}1", f"\\frac{{1}}{{10^{e}}}"], [f"10^{{{e}}}", f"-10^{{{e}}}"]),
    ]
    return cases


def math_case(rng: random.Random):
    kind, gold, good, bad = rng.choice(math_cases(rng))
    correct = rng.random() < 0.55
    answer = rng.choice(good if correct else bad)
    template = rng.choice(["boxed", "boxed_inline", "final_answer", "answer_is", "boxed_then_text", "two_boxed",
                           "display_math"])
    lead = rng.choice(["We simplify the expression step by step.", "Let $t = 3$. Then $2t + 1 = 7$.",
                       "Using the formula $A = \\frac{1}{2}bh$, we compute.", "Note that $4^2 = 16$ and $3 \\cdot 5 = 15$."])
    completion = {
        "boxed": f"{lead} Therefore, the answer is $\\boxed{{{answer}}}$.",
        "boxed_inline": f"{lead}\n\\[\\boxed{{{answer}}}\\]",
        "final_answer": f"{lead}\nFinal Answer: The final answer is ${answer}$. I hope it is correct.",
        "answer_is": f"{lead} So the answer is ${answer}$.",
        "boxed_then_text": f"{lead} We get $\\boxed{{{answer}}}$, as required for $n = 2$.",
        "two_boxed": f"{lead} A first attempt gives $\\boxed{{7}}$, which is wrong; redoing it, $\\boxed{{{answer}}}$.",
        "display_math": f"{lead} Hence\n$$\n{answer}\n$$\nis the answer.",
    }[template]
    return {"style": "math", "kind": f"{kind}/{template}/{'equivalent' if correct else 'wrong'}", "gold": gold,
            "completion": completion, "gold_for_reference": "$" + gold + "$"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[2]
                                             / "Tests/TinyTunePluginsTests/Fixtures/math_answer_agreement.jsonl"))
    parser.add_argument("--count", type=int, default=2000, help="cases per style (the fixture stays under 1 MB)")
    args = parser.parse_args()
    rng = random.Random(20260207)
    rows = [gsm8k_case(rng) for _ in range(args.count)] + [math_case(rng) for _ in range(args.count)]
    with open(args.out, "w") as out:
        for row in rows:
            reference_gold = row.pop("gold_for_reference")
            row["label"] = bool(verify(parse(reference_gold), parse(row["completion"])))
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    positives = {s: sum(r["label"] for r in rows if r["style"] == s) for s in ("gsm8k", "math")}
    print(f"wrote {len(rows)} cases to {args.out}; math-verify says correct: {positives}")


if __name__ == "__main__":
    main()
