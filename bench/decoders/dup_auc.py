"""Does resampling with replacement (repeated sequences) alone raise the held-out two-sample AUC?

The protocol of `--holdout` (L2 logistic regression, C = 1, one-hot over 21 states, equal class
sizes, stratified 5-fold, 10 draws), on a seed's raw aligned columns, over 20 random 80/20 splits:
the training members themselves (the null), 1,000 draws of them with replacement (what `bootstrap`
emits: a subsample of 13 from them repeats members), and the distinct members among such draws.
Usage: dup_auc.py SEED.sto (output for PF00076 and fn3 committed beside it, dup_auc.out); needs
numpy, scikit-learn and Biopython."""
import numpy as np, sys
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.metrics import roc_auc_score
from Bio import AlignIO
seqs=[str(r.seq) for r in AlignIO.read(sys.argv[1], "stockholm")]
A='ACDEFGHIKLMNPQRSTVWY-'
X=np.array([[A.index(c) if c in A else 20 for c in s.upper().replace('.','-')] for s in seqs])
def onehot(M): 
    o=np.zeros((M.shape[0],M.shape[1]*21)); 
    for j in range(M.shape[1]): o[np.arange(M.shape[0]), j*21+M[:,j]]=1
    return o
def auc(a,b,rng,draws=10,folds=5):
    n=min(len(a),len(b)); out=[]
    for _ in range(draws):
        ia=rng.choice(len(a),n,replace=False); ib=rng.choice(len(b),n,replace=False)
        Xs=onehot(np.vstack([a[ia],b[ib]])); y=np.r_[np.zeros(n),np.ones(n)]
        k=min(folds,n); sk=StratifiedKFold(k,shuffle=True,random_state=int(rng.integers(1e9)))
        for tr,te in sk.split(Xs,y):
            m=LogisticRegression(C=1.0,max_iter=2000).fit(Xs[tr],y[tr])
            out.append(roc_auc_score(y[te],m.decision_function(Xs[te])))
    return np.mean(out)
res={'null (train members)':[], 'resampled with replacement':[], 'resampled, duplicates removed':[]}
for split in range(20):
    rng=np.random.default_rng(split)
    perm=rng.permutation(len(X)); h=len(X)//5
    held,train=X[perm[:h]],X[perm[h:]]
    res['null (train members)'].append(auc(train,held,rng))
    boot=train[rng.integers(0,len(train),1000)]
    res['resampled with replacement'].append(auc(boot,held,rng))
    # the distinct training members among 1,000 such draws
    res['resampled, duplicates removed'].append(auc(train[np.unique(rng.integers(0,len(train),1000))],held,rng))
for k,v in res.items(): print(f"{k:32s} AUC {np.mean(v):.3f} ± {np.std(v)/np.sqrt(len(v)):.3f} (20 splits)")
