"""Held-out AUC of sa_gen beside hmmemit and noisy copies of the SAME training members, under ONE
classifier and ONE set of splits: python3 bench/decoders/heldout_baselines.py FAMILY [SEEDS]
FAMILY: PF00076, fn3, LuxC; SEEDS: comma-separated (default 1,2,3). Run from the repository root;
the binary is $SATOOL (default target/release/satool); hmmbuild and hmmemit on the PATH.

1. The family is cleaned by the tool (`--out`, file family.cleaned.sto: kept columns = RF 'x').
2. Splits: numpy default_rng(0).permutation of the K cleaned members; fold f holds out members
   perm[f*h:(f+1)*h], h = floor(0.2*K) (5 disjoint folds); the rest are that fold's training set.
3. Per fold, rows of sequences on the family's cleaned columns (1000 each): sa_gen (--decode
   calibrated) and profile from the tool run on the training members; hmmemit from
   `hmmbuild --hand --amino` (RF marks every column, so match states = cleaned columns) with the
   default entropy weighting and with --enone; copies of training members drawn with replacement,
   unchanged (p = 0) or with each residue replaced, with probability p, by one of the 20 amino
   acids drawn uniformly (gaps kept), at p = 0.1 and 0.2 and at the p that makes them as new as
   (a) the training members are to each other (their mean leave-one-out nearest identity) and
   (b) sa_gen's samples of that fold are (their mean nearest-training-member identity); and
   copies whose residues are replaced by one of the same column's training residues (gaps kept),
   at the p of (b); p found by bisection (14 halvings, 300 copies, stream [seed, fold, 1]); the
   null = the training members themselves. Identity: matches / positions where neither is a gap.
4. Classifier (the tool's protocol): held-out members (1) vs a row (0), 21 one-hot states per
   column, LogisticRegression(C=1.0, max_iter=1000), equal class sizes (larger class subsampled),
   StratifiedKFold(min(5, n) folds, shuffle), 10 draws; AUC = mean over CV folds and draws.
Needs numpy and scikit-learn."""
import json, os, shutil, subprocess, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

SATOOL = os.environ.get('SATOOL', 'target/release/satool')
FAMILIES = {'PF00076': 'fixtures/PF00076.sto', 'fn3': 'fixtures/stockholm/PF00041_fn3.sto',
            'LuxC': 'fixtures/stockholm/LuxC_multiblock.sto'}
AA = 'ACDEFGHIKLMNPQRSTVWY'
N, FOLDS, HOLD, DRAWS, TIMEOUT = 1000, 5, 0.2, 10, 600
TMP = '/tmp/heldout_baselines'


def run(cmd):
    """Run a command (timeout 600 s); exit with its stderr when it fails; return its stdout."""
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    if r.returncode:
        sys.exit(f'{" ".join(cmd)} failed:\n{r.stderr}')
    return r.stdout


def read_sto(path):
    """Names (in order), sequences (blocks concatenated) and the #=GC RF line of a Stockholm file."""
    seqs, rf = {}, ''
    for line in open(path):
        if line.startswith('#=GC RF'):
            rf += line.split()[2]
        elif line.strip() and not line.startswith('#') and not line.startswith('//'):
            n, s = line.split()
            seqs[n] = seqs.get(n, '') + s
    return list(seqs), seqs, rf


def write_sto(path, names, rows):
    """Write aligned rows (strings over the cleaned columns) with an RF line marking every column."""
    w = max(len(n) for n in names + ['#=GC RF']) + 1
    with open(path, 'w') as f:
        f.write('# STOCKHOLM 1.0\n')
        for n, r in zip(names, rows):
            f.write(f'{n:<{w}}{r}\n')
        f.write(f'{"#=GC RF":<{w}}{"x" * len(rows[0])}\n//\n')


def code(rows):
    """Rows of letters -> integer matrix: 0-19 the amino acids, 20 the gap (any other letter)."""
    return np.array([[AA.find(c) if c in AA else 20 for c in r.upper()] for r in rows])


def onehot(C):
    """21 one-hot states per column."""
    X = np.zeros((C.shape[0], C.shape[1] * 21))
    for j in range(C.shape[1]):
        X[np.arange(len(C)), j * 21 + C[:, j]] = 1
    return X


def auc(G, H, seed):
    """Held-out members H (label 1) vs generated G (label 0): mean stratified-CV AUC over draws."""
    out = []
    for r in range(DRAWS):
        rng = np.random.default_rng([seed, r]); n = min(len(G), len(H))
        g, h = G[rng.choice(len(G), n, replace=False)], H[rng.choice(len(H), n, replace=False)]
        X, y = np.vstack([onehot(g), onehot(h)]), np.r_[np.zeros(n), np.ones(n)]
        cv = StratifiedKFold(max(2, min(5, n)), shuffle=True, random_state=r)
        out.append(cross_val_score(LogisticRegression(C=1.0, max_iter=1000), X, y, cv=cv, scoring='roc_auc').mean())
    return float(np.mean(out))


def read_fasta(path):
    """Sequences of a FASTA file, in order."""
    return [''.join(b.splitlines()[1:]).strip() for b in open(path).read().split('>')[1:]]


def clean_family(fam):
    """The family's cleaned members (names, rows over the kept columns) as the tool writes them."""
    d = f'{TMP}/{fam}/family'; shutil.rmtree(d, ignore_errors=True)
    res = json.loads(run([SATOOL, 'protein', '--stockholm', FAMILIES[fam], '--methods', 'natural', '--samples', '10',
                          '--hmmer', 'off', '--threads', '1', '-q', '--out', d, '--json']))
    names, seqs, rf = read_sto(d + '/family.cleaned.sto')
    keep = [i for i, c in enumerate(rf) if c == 'x']
    rows = [''.join('-' if seqs[n][i] in '.-~' else seqs[n][i].upper() for i in keep) for n in names]
    K, L = res['parameters']['K'], res['parameters']['L']
    assert (len(names), len(keep)) == (K, L), (len(names), len(keep), K, L)
    return names, rows


def tool_rows(train, d, seed, L):
    """sa_gen (calibrated) and profile samples of the tool run on the training file, the mask of the
    family's columns the tool kept for it (a subset may lose a column to its gap rule) and sa_gen's
    mean nearest-training-member identity (its .tsv)."""
    shutil.rmtree(d, ignore_errors=True)
    res = json.loads(run([SATOOL, 'protein', '--stockholm', train, '--methods', 'sa_gen,profile', '--samples', str(N),
                          '--hmmer', 'off', '--decode', 'calibrated', '--seed', str(seed), '--threads', '1', '-q',
                          '--out', d, '--json']))
    names, _, rf = read_sto(d + '/family.cleaned.sto')
    mask = np.array([c == 'x' for c in rf]); assert len(mask) == L and mask.sum() == res['parameters']['L']
    assert len(names) == res['parameters']['K']
    ident = np.mean([float(l.split('\t')[6]) for l in open(d + '/sa_gen.tsv').readlines()[1:]])
    rows = {m: code(read_fasta(f'{d}/{m}.aligned.fasta')) for m in ('sa_gen', 'profile')}
    assert all(r.shape[1] == mask.sum() for r in rows.values())
    return rows, mask, ident, res['parameters']['decode'], len(names)


def hmmemit_rows(train, d, seed, L, flags):
    """hmmemit -N 1000 from `hmmbuild --hand --amino FLAGS` (match states = columns), match columns only."""
    hmm = f'{d}/model{"".join(flags)}.hmm'
    if not os.path.exists(hmm):  # the model does not depend on the seed
        run(['hmmbuild', '--hand', '--amino', '--cpu', '1', *flags, hmm, train])
        leng = int(next(l.split()[1] for l in open(hmm) if l.startswith('LENG')))
        assert leng == L, f'hmmbuild LENG {leng} != {L}'
    out = f'{d}/emit.sto'
    run(['hmmemit', '-N', str(N), '--seed', str(seed), '-a', '-o', out, hmm])
    _, seqs, _ = read_sto(out)
    rows = [''.join(c for c in s if not (c.islower() or c == '.')) for s in seqs.values()]
    assert all(len(r) == L for r in rows)
    return code(rows)


def tool_holdout(fam, seed):
    """The tool's own held-out AUC (its splits and its classifier) for reference: one line."""
    res = json.loads(run([SATOOL, 'protein', '--stockholm', FAMILIES[fam], '--methods', 'natural,profile,sa_gen',
                          '--samples', str(N), '--hmmer', 'off', '--decode', 'calibrated', '--holdout', str(HOLD),
                          '--holdout-folds', str(FOLDS), '--seed', str(seed), '--threads', '1', '-q', '--json']))
    a = {m['id']: m['held_out']['auc'] for m in res['methods']}; a['null'] = res['holdout']['null']['auc']
    return ', '.join(f'{k} {a[k]["mean"]:.3f} ± {a[k]["sd"]:.3f}' for k in ('null', 'sa_gen', 'profile'))


def noisy(T, p, rng, n=N):
    """n training members drawn with replacement; each residue replaced w.p. p by a uniform amino acid."""
    C = T[rng.integers(0, len(T), n)].copy()
    hit = (C < 20) & (rng.random(C.shape) < p)
    C[hit] = rng.integers(0, 20, hit.sum())
    return C


def nearest_identity(G, T, loo=False):
    """Per row of G: identity to its nearest row of T over the positions where neither is a gap
    (the tool's SeqID); with loo, G is T and a row is not its own neighbour."""
    both = (G[:, None, :] < 20) & (T[None, :, :] < 20)
    m, c = ((G[:, None, :] == T[None, :, :]) & both).sum(2), both.sum(2)
    ident = np.where(c > 0, m / np.maximum(c, 1), 0.0)
    if loo:
        np.fill_diagonal(ident, -1.0)
    return ident.max(1)


def column_noisy(T, p, rng, n=N):
    """n training members drawn with replacement; each residue replaced w.p. p by a residue drawn
    from the same column's training residues (a profile draw of that column)."""
    C = T[rng.integers(0, len(T), n)].copy()
    for i in range(T.shape[1]):
        res = T[T[:, i] < 20, i]
        hit = (C[:, i] < 20) & (rng.random(n) < p)
        if len(res):
            C[hit, i] = rng.choice(res, hit.sum())
    return C


def matched_p(make, T, target, seed, f):
    """The p at which make(T, p) has mean nearest-training identity `target` (bisection)."""
    lo, hi = 0.0, 1.0
    for _ in range(14):
        p = (lo + hi) / 2
        v = nearest_identity(make(T, p, np.random.default_rng([seed, f, 1]), 300), T).mean()
        lo, hi = (p, hi) if v > target else (lo, p)
    return (lo + hi) / 2


def main():
    fam = sys.argv[1]; seeds = [int(s) for s in (sys.argv[2] if len(sys.argv) > 2 else '1,2,3').split(',')]
    names, rows = clean_family(fam); K, L = len(rows), len(rows[0]); h = int(HOLD * K)
    perm = np.random.default_rng(0).permutation(K); A = code(rows)
    print(f'{fam}: K = {K}, L = {L}; {FOLDS} disjoint folds of {h} held out (numpy default_rng(0).permutation), '
          f'{K - h} training members each; {N} sequences per row; AUC: {DRAWS} draws of {max(2, min(5, h))}-fold CV')
    print(f'  hmmemit: hmmbuild --hand --amino --cpu 1 [--enone] M.hmm TRAIN.sto (RF all x); '
          f'hmmemit -N {N} --seed SEED -a M.hmm, lower-case and "." (insert) columns dropped')
    if h < 5:
        print(f'  NOTE: {h} held-out members per fold: each AUC is from {2 * h} sequences and is very noisy')
    labels = ['null (training members)', 'sa_gen calibrated', 'profile (tool)', 'hmmemit (--hand)',
              'hmmemit (--hand --enone)', 'copies (p = 0)', 'noisy copies p = 0.1', 'noisy copies p = 0.2',
              'noisy copies, members\' novelty', 'noisy copies, sa_gen\'s novelty',
              'column-noisy, sa_gen\'s novelty']
    summary, notes = {}, set()
    for seed in seeds:
        aucs, idents, decodes, novelty = {k: [] for k in labels}, [], [], []
        for f in range(FOLDS):
            ho = perm[f * h:(f + 1) * h]; tr = np.setdiff1d(np.arange(K), ho)  # training kept in file order
            d = f'{TMP}/{fam}/fold{f}'; os.makedirs(d, exist_ok=True); train = f'{d}/train.sto'
            write_sto(train, [names[i] for i in tr], [rows[i] for i in tr])
            T, H = A[tr], A[ho]
            tool, m, ident, dec, kt = tool_rows(train, f'{d}/out', seed, L); idents.append(ident); decodes.append(dec)
            if m.sum() < L or kt < len(tr):
                notes.add(f'fold {f}: the tool keeps {m.sum()} of the {L} columns (columns dropped: '
                          f'{",".join(map(str, np.flatnonzero(~m)))}) and {kt} of the {len(tr)} training members; '
                          f'every row of that fold is compared on the {m.sum()} kept columns')
            T, H = T[:, m], H[:, m]
            rng = np.random.default_rng([seed, f])
            row = {'null (training members)': T, 'sa_gen calibrated': tool['sa_gen'], 'profile (tool)': tool['profile'],
                   'hmmemit (--hand)': hmmemit_rows(train, d, seed, L, [])[:, m],
                   'hmmemit (--hand --enone)': hmmemit_rows(train, d, seed, L, ['--enone'])[:, m],
                   'copies (p = 0)': noisy(T, 0.0, rng), 'noisy copies p = 0.1': noisy(T, 0.1, rng),
                   'noisy copies p = 0.2': noisy(T, 0.2, rng)}
            loo, gen = nearest_identity(T, T, loo=True).mean(), nearest_identity(tool['sa_gen'], T).mean()
            pl, pg = matched_p(noisy, T, loo, seed, f), matched_p(noisy, T, gen, seed, f)
            pc = matched_p(column_noisy, T, gen, seed, f)
            row['noisy copies, members\' novelty'] = noisy(T, pl, rng)
            row['noisy copies, sa_gen\'s novelty'] = noisy(T, pg, rng)
            row['column-noisy, sa_gen\'s novelty'] = column_noisy(T, pc, rng)
            novelty.append(f'fold {f}: members\' LOO nearest {loo:.3f}, sa_gen nearest {gen:.3f}; '
                           f'p {pl:.2f} (noisy, members), {pg:.2f} (noisy, sa_gen), {pc:.2f} (column-noisy, sa_gen)')
            for k in labels:
                aucs[k].append(auc(row[k], H, 1000 * seed + f))
        print(f'{fam} seed {seed}: sa_gen decode per fold: {", ".join(decodes)}; '
              f'sa_gen nearest-training-member identity (tool .tsv) mean {np.mean(idents):.3f}')
        for line in novelty:
            print(f'  {line}')
        print(f'  the tool\'s own --holdout {HOLD} --holdout-folds {FOLDS} (its splits, its classifier; '
              f'reference only): {tool_holdout(fam, seed)}')
        for k in labels:
            print(f'  {k:<32} AUC {np.mean(aucs[k]):.3f}  fold sd {np.std(aucs[k], ddof=1):.3f}  '
                  f'folds {" ".join(f"{a:.3f}" for a in aucs[k])}')
        summary[seed] = {k: np.mean(v) for k, v in aucs.items()}
    for n in sorted(notes):
        print(f'  {n}')
    print(f'{fam} summary (mean over seeds, [min, max] over seeds):')
    for k in labels:
        v = [summary[s][k] for s in seeds]
        print(f'  {k:<32} {np.mean(v):.3f} [{min(v):.3f}, {max(v):.3f}]')
    for k in labels[3:]:
        below = [s for s in seeds if summary[s]['sa_gen calibrated'] < summary[s][k]]
        print(f'  sa_gen below {k}: {"yes" if len(below) == len(seeds) else "NO"} '
              f'(on seeds {",".join(map(str, below)) or "none"} of {",".join(map(str, seeds))})')


if __name__ == '__main__':
    main()
