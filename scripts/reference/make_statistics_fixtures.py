#!/usr/bin/env python3
"""Reference values for TinyTune's ProportionStatistics (Sources/Framework/Reporting/Statistics.swift), from scipy.

Wilson intervals: scipy.stats.binomtest(k, n).proportion_ci(0.95, method="wilson").
Two-proportion z-test: scipy.stats.chi2_contingency on the 2x2 table without Yates' correction (chi2 = z**2, the
same p-value), the sign of z taken from the difference.
McNemar: exact, scipy.stats.binomtest(min(b, c), b + c, 0.5).pvalue; corrected chi-square,
scipy.stats.chi2.sf((|b - c| - 1)**2 / (b + c), 1).

    /root/.venvs/ref/bin/python scripts/reference/make_statistics_fixtures.py
"""
import json
import math
import pathlib

import numpy as np
import scipy
from scipy import stats

wilson = []
for k, n in [(0, 10), (1, 10), (5, 10), (10, 10), (89, 200), (126, 200), (81, 263), (0, 1), (37, 50)]:
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    wilson.append({"successes": k, "trials": n, "low": float(ci.low), "high": float(ci.high)})

ztest = []
for x1, n1, x2, n2 in [(89, 200, 126, 200), (10, 50, 15, 50), (30, 100, 20, 80), (87, 200, 113, 200), (5, 10, 5, 10)]:
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    z = math.copysign(math.sqrt(chi2), x2 / n2 - x1 / n1)
    ztest.append({"successes1": x1, "trials1": n1, "successes2": x2, "trials2": n2, "z": z, "p": float(p)})

mcnemar = []
for b, c in [(5, 20), (10, 12), (3, 0), (30, 45), (1, 1), (0, 7)]:
    exact = stats.binomtest(min(b, c), b + c, 0.5).pvalue
    chi2 = max(0, abs(b - c) - 1) ** 2 / (b + c)
    mcnemar.append({"b": b, "c": c, "exact_p": float(exact), "chi2": chi2, "chi2_p": float(stats.chi2.sf(chi2, 1))})

out = pathlib.Path(__file__).resolve().parents[2] / "Tests/TinyTuneTests/Fixtures/statistics_reference.json"
out.write_text(json.dumps({"scipy": scipy.__version__, "wilson": wilson, "ztest": ztest, "mcnemar": mcnemar}, indent=1) + "\n")
print("wrote", out)
