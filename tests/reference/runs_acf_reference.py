"""Reference for the run-aware ACF of conditioned runs (domains/finance/src/runs.rs).

statsmodels' acf(missing="conservative") skips every product that involves a NaN and keeps the
mean and the denominator over the non-missing values. With at least `nlags` NaNs between two runs
of selected days, no pair crosses a gap: that is exactly the pooled-over-runs ACF. The series and
the selection are formulas the Rust test repeats; the printed values are pasted into
domains/finance/tests/runs_statsmodels.rs.
"""
import math

import numpy as np
from statsmodels.tsa.stattools import acf

NLAGS = 10
x = np.array([math.sin(0.7 * t) + 0.3 * math.cos(2.3 * t ** 1.1) + 0.01 * t for t in range(120)])
selected = [t for t in range(120) if (t // 9) % 3 != 2 and t % 13 != 5]
sub = x[selected]
runs, start = [], 0
for i in range(1, len(selected) + 1):
    if i == len(selected) or selected[i] != selected[i - 1] + 1:
        runs.append((start, i))
        start = i
pieces = []
for a, b in runs:
    pieces.append(sub[a:b])
    pieces.append(np.full(NLAGS, np.nan))
gapped = np.concatenate(pieces[:-1])
r = acf(gapped, nlags=NLAGS, missing="conservative", fft=False)
print(f"runs: {len(runs)}, selected days: {len(selected)}")
print("const ACF_RUNS: [f64; 11] = [" + ", ".join(repr(float(v)) for v in r) + "];")
# The naive ACF of the concatenated subset, which pairs days across gaps, for contrast.
print("const ACF_CONCATENATED: [f64; 11] = [" + ", ".join(repr(float(v)) for v in acf(sub, nlags=NLAGS, fft=False)) + "];")
