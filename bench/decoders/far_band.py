"""Would real members of fn3 fall inside the far-apart family's band? python3 bench/decoders/far_band.py
(standard library only, deterministic; run from the repository root). The far-apart fixture keeps 38 of
fn3's 98 seed members (tests/reference/make_far_apart.py thins the most identical pairs). For the 38:
the leave-one-out nearest-member identity (LOO), its 5-95% band and its min-max band (the tool's
`parameters.nn_identity_band`, whose share is `nn_band_share`); for the 60 members that were
removed (real members of the same family, not seen by a model of the 38): their identity to the
nearest of the 38, its mean and the shares inside each band. Columns as the tool cleans the 38 (a
column is kept when at most half of them have a gap there; a member with more than 30% gaps over the
kept columns is dropped, none is); identity over the columns where both residues are letters, as in
the tool's nearest-member identity."""
GAPS = set(".-~")


def read(path):
    seqs = {}
    for line in open(path).read().splitlines():
        if line and not line.startswith("#") and not line.startswith("//"):
            n, s = line.split()
            seqs[n] = seqs.get(n, "") + s
    return seqs


def identity(a, b):
    m = c = 0
    for x, y in zip(a, b):
        if x in GAPS or y in GAPS:
            continue
        c += 1
        m += x == y
    return m / c if c else 0.0


def quantile(v, q):
    """numpy's default (linear) quantile."""
    v = sorted(v)
    h = (len(v) - 1) * q
    i = int(h)
    return v[i] + (h - i) * (v[min(i + 1, len(v) - 1)] - v[i])


full = read("fixtures/stockholm/PF00041_fn3.sto")
kept_names = list(read("fixtures/stockholm/PF00041_fn3_far_apart.sto"))
cols = [i for i in range(len(full[kept_names[0]])) if sum(full[n][i] in GAPS for n in kept_names) / len(kept_names) <= 0.5]
match = {n: "".join(s[i] for i in cols).upper() for n, s in full.items()}
kept = [match[n] for n in kept_names if sum(c in GAPS for c in match[n]) / len(cols) <= 0.3]
removed = [match[n] for n in full if n not in kept_names]
loo = [max(identity(a, b) for j, b in enumerate(kept) if j != i) for i, a in enumerate(kept)]
lo, hi = quantile(loo, 0.05), quantile(loo, 0.95)
nn = [max(identity(a, b) for b in kept) for a in removed]
inside = sum(lo <= x <= hi for x in nn) / len(nn)
inside_minmax = sum(min(loo) <= x <= max(loo) for x in nn) / len(nn)
print(f"far-apart: K = {len(kept)}, L = {len(cols)} columns; LOO mean {sum(loo) / len(loo):.3f}, 5-95% band [{lo:.3f}, {hi:.3f}], min-max [{min(loo):.3f}, {max(loo):.3f}]")
print(f"the {len(removed)} removed fn3 members vs the {len(kept)}: nearest identity mean {sum(nn) / len(nn):.3f}, inside the 5-95% band {inside:.1%} (min-max {inside_minmax:.1%}), above the 5-95% band {sum(x > hi for x in nn) / len(nn):.1%}")
