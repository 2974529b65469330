"""Per-position KL reference values for tests/metrics.rs (NumPy only, no shared helpers).

Run: python3 kl_position_reference.py

As published: at each aligned position, the 20-letter counts of S and G (gaps and non-standard
letters ignored), eps = 1e-10 added to the counts: p = (c_S + eps) / (sum c_S + 20 eps), the
same for q; KL(p || q) natural log; mean over positions. The old formula (eps added to the
frequencies c/n, renormalised; uniform 1/20 for an empty position) is printed beside it so
the test can show that it no longer matches.

Output (numpy 2.4.6), asserted by tests/metrics.rs::kl_position_matches_numpy_reference:
  absent_residue_and_gap_column: kl_position = 6.748628362575831  (per position
    [0.007381996982312702, 11.62449723543672, 2.3592180905587075, 19.058897310572235,
    0.693147179329184]; old eps-on-frequencies 6.3381515778263395)
  half_half: kl_position = 5.583175932357769  (per position [0.0, 11.166351864715539];
    old eps-on-frequencies 5.40988913254234)
  all_gap_generated: kl_position = 2.9957322279048744  (per position [2.9957322279048744];
    old eps-on-frequencies 2.995732227904873)
"""
import numpy as np

ALPHABET = "ACDEFGHIKLMNPQRSTVWY"
EPS = 1e-10

CASES = {
    # pos 0: the same letters in other proportions; pos 1: E in S, absent from G; pos 2: all
    # gaps in G (mixed gap characters), residues in S; pos 3: all gaps in S, residues in G;
    # pos 4: X and B are not residues and are ignored.
    "absent_residue_and_gap_column": (
        ["ACD.W", "AED-W", "GEG~X", "AC-.W"],
        ["AC-KW", "GC.KY", "AC~-B", "AC-WW", "AC-KY"],
    ),
    # Two positions, the half/half vs all-A case of the composition test at position 1.
    "half_half": (["AC", "AD"], ["AC", "AC"]),
    # A single residue against an all-gap generated position: q uniform 1/20 either way.
    "all_gap_generated": (["A"], ["-"]),
}


def counts(seqs, pos):
    c = np.zeros(20)
    for s in seqs:
        a = ALPHABET.find(s[pos])
        if a >= 0:
            c[a] += 1.0
    return c


def eps_on_counts(c):
    return (c + EPS) / (c.sum() + 20 * EPS)


def eps_on_freqs(c):
    f = c / c.sum() if c.sum() > 0 else np.full(20, 1.0 / 20)
    f = f + EPS
    return f / f.sum()


def mean_kl(stored, gen, smooth):
    vals = []
    for i in range(len(stored[0])):
        p, q = smooth(counts(stored, i)), smooth(counts(gen, i))
        vals.append(float(np.sum(p * np.log(p / q))))
    return float(np.mean(vals)), vals


for name, (stored, gen) in CASES.items():
    new, per_pos = mean_kl(stored, gen, eps_on_counts)
    old, _ = mean_kl(stored, gen, eps_on_freqs)
    print(f"{name}: kl_position = {new!r}  (per position {[float(v) for v in per_pos]}; old eps-on-frequencies {old!r})")
