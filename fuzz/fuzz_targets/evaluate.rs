//! The `--evaluate` path below the command line: an aligned FASTA read against PF00076's cleaned
//! columns, projected into the family's memory space, and every family metric of its row. Errors
//! are fine; panics and non-finite numbers are bugs.
#![no_main]
use libfuzzer_sys::fuzz_target;
use satool_protein as prot;
use std::sync::OnceLock;

struct Family {
    stored: Vec<Vec<u8>>,
    enc: prot::Encoding,
    mem: satool::Memory,
    couplings: prot::extended::Couplings,
}

fn family() -> &'static Family {
    static FAMILY: OnceLock<Family> = OnceLock::new();
    FAMILY.get_or_init(|| {
        let text = include_str!("../seeds/stockholm/PF00076.sto");
        let aln = prot::parse_stockholm(text, "PF00076.sto").unwrap().remove(0);
        let clean = prot::clean(&aln).unwrap();
        let enc = prot::encode(&clean, 0.95).unwrap();
        let mem = satool::Memory::new(enc.memory.clone()).unwrap();
        let couplings = prot::extended::Couplings::of(&clean.seqs, true);
        Family { stored: clean.seqs, enc, mem, couplings }
    })
}

fn finite(name: &str, v: f64) {
    assert!(v.is_finite(), "{name} is {v}");
}

fuzz_target!(|data: &[u8]| {
    let f = family();
    let l = f.stored[0].len();
    let text = String::from_utf8_lossy(data);
    let Ok(records) = prot::parse_aligned_fasta(&text, "fuzz.fasta", l) else { return };
    let seqs: Vec<Vec<u8>> = records.into_iter().map(|(_, s)| s).collect();
    if seqs.is_empty() {
        return;
    }
    let latent = f.enc.project(&seqs);
    let mm = satool::memory_metrics(&f.mem, latent.view(), 77.0);
    for (name, e) in [("novelty", mm.novelty), ("diversity", mm.diversity), ("energy", mm.energy)] {
        finite(name, e.mean);
        e.se.into_iter().for_each(|se| finite(name, se));
    }
    prot::seq_identity(&seqs, &f.stored).into_iter().for_each(|v| finite("SeqID", v));
    finite("KL", prot::kl_composition(&f.stored, &seqs));
    finite("Pos-KL", prot::kl_position(&f.stored, &seqs));
    finite("valid fraction", prot::valid_fraction(&seqs));
    prot::mi_correlation(&f.stored, &seqs).into_iter().for_each(|v| finite("MI r", v));
    let c = f.couplings.compare(&seqs);
    [c.mi_all, c.mi_apc, c.cij].into_iter().flatten().for_each(|v| finite("coupling r", v));
    prot::extended::pairwise_identity(&seqs).mean.into_iter().for_each(|v| finite("pairwise identity", v));
});
