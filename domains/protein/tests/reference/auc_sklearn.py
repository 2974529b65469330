"""Reference values for the two-sample classifier AUC (satool_protein::two_sample), from scikit-learn.

Run (in a virtual environment with numpy and scikit-learn):
    python3 auc_sklearn.py > auc_sklearn.out
tests/two_sample.rs reads auc_sklearn.out and asserts satool's numbers equal these.

Features: each aligned position is one-hot over 21 states, the 20 letters of ALPHABET (that
order) and one state for a gap or any other letter; layout position-major (pos*21 + state).
Classifier: sklearn LogisticRegression, L2, C = 1 (minimises 0.5*|w|^2 + C * sum of log-losses;
intercept not penalised), solved to a tight tolerance. Class 1 is the second set.
Folds are given, not shuffled (PredefinedSplit): item i of each class is in fold i mod 5.
Per fold: ROC AUC (sklearn roc_auc_score) of the decision function on the test fold.
Also fitted on all the data: the intercept, the non-zero coefficients and the decision values.

Cases (PF00076 cleaned with the published gap rule, 68 x 71):
  A: the first 40 cleaned members (class 0) vs fixtures/PF00076_evaluate.aligned.fasta (class 1)
  B: the even-indexed members (class 0, 34) vs the odd-indexed members (class 1, 34)
  C: as B with C = 0.05
  D: the first 40 cleaned members (class 0) vs the same 40 read backwards (class 1): separable
"""
import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from refcommon import FIXTURES, one_hot, pf00076_clean

FOLDS = 5


def read_aligned_fasta(path):
    seqs, cur = [], None
    for line in open(path):
        line = line.strip()
        if line.startswith(">"):
            if cur is not None:
                seqs.append(cur)
            cur = ""
        elif line:
            cur += line.upper()
    seqs.append(cur)
    return seqs


def model(c):
    return LogisticRegression(C=c, solver="newton-cholesky", tol=1e-12, max_iter=1000)


def run(name, neg, pos, c):
    x = one_hot(neg + pos, gap_state=True)
    y = np.array([0] * len(neg) + [1] * len(pos))
    fold = np.array([i % FOLDS for i in range(len(neg))] + [i % FOLDS for i in range(len(pos))])
    aucs = []
    for f in range(FOLDS):
        tr, te = fold != f, fold == f
        m = model(c).fit(x[tr], y[tr])
        aucs.append(roc_auc_score(y[te], m.decision_function(x[te])))
    m = model(c).fit(x, y)
    w = m.coef_[0]
    nz = np.nonzero(w)[0]
    print(f"{name} C = {c!r}")
    print(f"{name} n = {len(neg)} {len(pos)}")
    print(f"{name} fold_auc = " + " ".join(repr(float(a)) for a in aucs))
    print(f"{name} mean_auc = {float(np.mean(aucs))!r}")
    print(f"{name} intercept = {float(m.intercept_[0])!r}")
    print(f"{name} coef_nonzero = " + " ".join(f"{i}:{float(w[i])!r}" for i in nz))
    print(f"{name} decision = " + " ".join(repr(float(v)) for v in m.decision_function(x)))


print(f"# scikit-learn {sklearn.__version__}, numpy {np.__version__}")
_, stored, _ = pf00076_clean()
evaluated = read_aligned_fasta(FIXTURES / "PF00076_evaluate.aligned.fasta")
run("A", stored[:40], evaluated, 1.0)
run("B", stored[0::2], stored[1::2], 1.0)
run("C", stored[0::2], stored[1::2], 0.05)
run("D", stored[:40], [s[::-1] for s in stored[:40]], 1.0)
