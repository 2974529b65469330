"""Held-out scores of sa_gen per decode: python3 bench/decoders/calibrated_grid.py FAMILY DECODE[@BETA_GEN],...
(FAMILY: PF00076, fn3, LuxC; 1000 samples, --holdout 0.2 --holdout-folds 5, no HMMER)."""
import json, os, subprocess, sys
ROOT=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
S=os.path.join(ROOT,'target/release/satool'); D=os.path.join(ROOT,'fixtures')+'/'
fams={'PF00076':'PF00076.sto','fn3':'stockholm/PF00041_fn3.sto','LuxC':'stockholm/LuxC_multiblock.sto'}
decs=sys.argv[2].split(',')
fam=sys.argv[1]
for dec in decs:
    r=subprocess.run([S,'protein','--stockholm',D+fams[fam],'--methods','sa_gen','--samples','1000','--holdout','0.2','--holdout-folds','5','--hmmer','off','--decode',dec.split('@')[0],*(['--beta-gen',dec.split('@')[1]] if '@' in dec else []),'--json'],capture_output=True,text=True)
    if r.returncode: print(dec, r.stderr[-300:]); continue
    j=json.loads(r.stdout); m=j['methods'][0]; h=m['held_out']; n=j['holdout']['null']
    print(f"{fam} {dec:14s} seqid {m['seq_identity']:.3f} band {m.get('nn_band_share')} >90 {m.get('frac_over_90')} pw {m.get('mean_pairwise_identity',0):.3f} | ho-nn {h['nn_identity']['mean']:.3f} AUC {h['auc']['mean']:.3f}±{h['auc']['sd']:.3f} Cij {m.get('cij_r')} | null nn {n['nn_identity']['mean']:.3f} AUC {n['auc']['mean']:.3f} famband {j['parameters']['nn_identity_band']}", flush=True)
