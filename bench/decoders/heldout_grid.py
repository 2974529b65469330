"""One row per decode of sa_gen, 1000 samples, no HMMER: python3 bench/decoders/heldout_grid.py FAMILY SEED DECODE,...
FAMILY: PF00076, fn3, LuxC, far (fixtures/stockholm/PF00041_fn3_far_apart.sto), random38
(fixtures/stockholm/PF00041_fn3_random38.sto). Whole family as memory: nearest-member
identity vs the members' leave-one-out (LOO) mean and 5-95% band, > 90% id, C_ij r, pairwise identity; then
--holdout 0.2 --holdout-folds 5: held-out AUC (mean ± sd over folds), held-out C_ij r and nearest held-out identity,
each beside the null (training members vs held-out). Needs numpy."""
import json, os, subprocess, sys, shutil
import numpy as np
ROOT=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))); S=ROOT+'/target/release/satool'; D=ROOT+'/fixtures/'
fams={'PF00076':'PF00076.sto','fn3':'stockholm/PF00041_fn3.sto','LuxC':'stockholm/LuxC_multiblock.sto','far':'stockholm/PF00041_fn3_far_apart.sto','random38':'stockholm/PF00041_fn3_random38.sto'}
AA='ACDEFGHIKLMNPQRSTVWY'
def read_fa(p):
    """The sequences of a FASTA file, in order (names dropped)."""
    blocks = open(p).read().split('>')[1:]
    return [''.join(b.splitlines()[1:]).strip() for b in blocks]
def codes(seqs):
    return np.array([[AA.find(c.upper()) for c in s] for s in seqs])  # -1 gap/other
def ident_matrix(A,B):
    va=A>=0; vb=B>=0
    m=np.zeros((len(A),len(B))); c=np.zeros((len(A),len(B)))
    for i in range(A.shape[1]):
        both=va[:,i][:,None]&vb[:,i][None,:]
        c+=both; m+=both&(A[:,i][:,None]==B[:,i][None,:])
    with np.errstate(invalid='ignore'): r=np.where(c>0,m/np.maximum(c,1),0)
    return r
fam,seed,decs=sys.argv[1],sys.argv[2],sys.argv[3].split(',')
extra=sys.argv[4:]
for dec in decs:
    o=f'/tmp/satool_heldout_{fam}_{seed}_{dec.replace(":","_")}'; shutil.rmtree(o,ignore_errors=True)
    base=[S,'protein','--stockholm',D+fams[fam],'--samples','1000','--hmmer','off','--decode',dec,'--seed',seed,'--threads','1',*extra]
    r=subprocess.run(base+['--methods','natural,sa_gen','--out',o,'--json'],capture_output=True,text=True)
    if r.returncode: print(dec,r.stderr[-400:]); continue
    j=json.loads(r.stdout); m=[x for x in j['methods'] if x['id']=='sa_gen'][0]
    st=codes(sorted(set(read_fa(o+'/natural.aligned.fasta')))); g=codes(read_fa(o+'/sa_gen.aligned.fasta'))
    M=ident_matrix(st,st); np.fill_diagonal(M,-1); loo=M.max(1)
    lo,hi=np.quantile(loo,0.05),np.quantile(loo,0.95)
    nn=ident_matrix(g,st).max(1)
    r2=subprocess.run(base+['--methods','sa_gen','--holdout','0.2','--holdout-folds','5','--json'],capture_output=True,text=True)
    j2=json.loads(r2.stdout); h=j2['methods'][0]['held_out']; n=j2['holdout']['null']
    chosen=j['parameters']['decode']
    print(f"{fam} s{seed} {dec:16s}->{chosen:16s} nn {nn.mean():.3f} (LOO {loo.mean():.3f}) inband {np.mean((nn>=lo)&(nn<=hi)):.1%} >90 {np.mean(nn>0.9):.1%} Cij {m['cij_r']:.3f} pw {m['mean_pairwise_identity']:.3f}(fam {j['parameters']['pairwise_identity']:.3f}) | AUC {h['auc']['mean']:.3f}±{h['auc']['sd']:.3f} null {n['auc']['mean']:.3f} hoCij {h['cij_r']['mean']:.3f} null {n['cij_r']['mean']:.3f} hoNN {h['nn_identity']['mean']:.3f} null {n['nn_identity']['mean']:.3f}",flush=True)
