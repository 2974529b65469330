"""Nearest-member identity of sa_gen against the family's leave-one-out: python3 bench/decoders/calibrated_measure.py FAMILY DECODE
(1000 samples, seed 1, no HMMER; the stored set is the natural row's distinct sequences)."""
import sys, json, subprocess, os, shutil
ROOT=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
S=os.path.join(ROOT,'target/release/satool'); D=os.path.join(ROOT,'fixtures')+'/'
fams={'PF00076':'PF00076.sto','fn3':'stockholm/PF00041_fn3.sto','LuxC':'stockholm/LuxC_multiblock.sto','random38':'stockholm/PF00041_fn3_random38.sto'}
GAPS=set('.-~')
def read_sto(p):
    seqs={}
    for l in open(p):
        if l.startswith('#') or l.startswith('//') or not l.strip(): continue
        n,s=l.split(); seqs[n]=seqs.get(n,'')+s
    return list(seqs.values())
def read_fa(p):
    out=[];cur=None
    for l in open(p):
        l=l.strip()
        if l.startswith('>'):
            if cur is not None: out.append(cur)
            cur=''
        else: cur+=l
    out.append(cur); return out
def ident(a,b):
    m=c=0
    for x,y in zip(a,b):
        if x in GAPS or y in GAPS: continue
        c+=1; m+= x.upper()==y.upper()
    return m/c if c else None
def nn(g,S,skip=None):
    best=0.0
    for i,s in enumerate(S):
        if i==skip: continue
        v=ident(g,s)
        if v is not None and v>best: best=v
    return best
def q(v,p):
    v=sorted(v); i=p*(len(v)-1); lo=int(i); hi=min(lo+1,len(v)-1); return v[lo]+(v[hi]-v[lo])*(i-lo)
fam,dec=sys.argv[1],sys.argv[2]
o=f'/tmp/satool_calibrated_{fam}_{dec.replace(":","_")}'; shutil.rmtree(o,ignore_errors=True)
r=subprocess.run([S,'protein','--stockholm',D+fams[fam],'--methods','natural,sa_gen','--samples','1000','--hmmer','off','--decode',dec,'--out',o,'--json'],capture_output=True,text=True)
j=json.loads(r.stdout); m=[x for x in j['methods'] if x['id']=='sa_gen'][0]
st=sorted(set(read_fa(o+'/natural.aligned.fasta'))); gen=read_fa(o+'/sa_gen.aligned.fasta')
loo=[nn(s,st,i) for i,s in enumerate(st)]
lo,hi=q(loo,0.05),q(loo,0.95)
g=[nn(x,st) for x in gen]
mean=lambda v:sum(v)/len(v)
print(f"{fam} {dec}: chosen {j['parameters']['decode']} | LOO mean {mean(loo):.3f} band5-95 [{lo:.3f},{hi:.3f}] | samples mean {mean(g):.3f} (Δ {mean(g)-mean(loo):+.3f}) in band {sum(lo<=x<=hi for x in g)/len(g):.1%} >0.9 {sum(x>0.9 for x in g)/len(g):.1%} | Cij r {m['cij_r']:.3f} pw {m['mean_pairwise_identity']:.3f} (fam {j['parameters']['pairwise_identity']:.3f})")
