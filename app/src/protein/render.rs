//! The terminal rendering of a protein run: the header and the comparison table (plus the
//! extended-metrics table); the report re-renders the same table as Markdown.

use super::results::{ProteinResults, ProteinRun};
use crate::output::table;
use satool::Estimate;

/// The table(s) printed after the header: the comparison table with timings, and with
/// `extended` the second table of the coevolution checks.
pub fn tables(r: &ProteinResults, extended: bool) -> String {
    let main = table(r, true).to_string();
    if !extended {
        return main;
    }
    format!("{main}\n\nextended metrics (natural nearest-neighbour identity band {}):\n{}", band(r), extended_table(r))
}

/// The text above the table: the family, its size and temperatures, HMMER and the conventions.
pub fn header(run: &ProteinRun) -> String {
    let r = &run.results;
    let p = &r.parameters;
    let mut h = String::new();
    let fam = match (&r.input.family_id, &r.input.accession) {
        (Some(id), Some(ac)) => format!("{id} ({ac})"),
        (Some(id), None) => id.clone(),
        (None, Some(ac)) => ac.clone(),
        (None, None) => "unnamed".into(),
    };
    h += &format!("satool protein — {}  family {fam}\n", r.input.path);
    h += &format!(
        "K = {} sequences, L = {} columns (from {} × {}), d = {} PCA components ({:.2}% variance)\n",
        p.K,
        p.L,
        run.input_rows,
        run.input_cols,
        p.d,
        100.0 * p.variance_retained
    );
    h += &format!(
        "β* = {:.4} [{}]\nβ_ret = round(20β*) = {}, β_gen = round(2β*) = {}, α = {}, SNR = {:.4} / {:.4}, √d = {:.2}, seed = {}\n",
        p.beta_star,
        p.beta_star_rule,
        p.beta_retrieval,
        p.beta_generation,
        p.alpha,
        p.snr_retrieval,
        p.snr_generation,
        (p.d as f64).sqrt(),
        p.seed
    );
    if let (Some(n), Some(of)) = (p.max_sequences, p.cleaned_sequences) {
        h += &format!(
            "max-sequences: K is a random {n} of the {of} cleaned sequences (--max-sequences {n}, stream \"{}\" of the seed; the published protocol caps at {}; `all` keeps every one)\n",
            super::select::MAX_SEQUENCES_STREAM,
            super::DEFAULT_MAX_SEQUENCES
        );
    }
    if let Some(c) = &r.condition {
        h += &format!(
            "condition: {} — {} of {} sequences; rows are scored against them (against the whole family under `vs_family` in results.json)\n",
            c.description,
            c.sequences.len(),
            run.entropy.family_k
        );
    }
    h += &format!("HMMER: {}\n", r.hmmer.status);
    h += "conventions:\n";
    for c in &r.conventions {
        h += &format!("  - {c}\n");
    }
    h
}

/// The comparison table; `timing` adds the seconds column (left out where output must be reproducible).
pub fn table(r: &ProteinResults, timing: bool) -> comfy_table::Table {
    let hmm_ran = r.hmmer.ran();
    let rows = r
        .methods
        .iter()
        .map(|m| {
            let hmm = |v: String| if hmm_ran { v } else { "not run".to_string() };
            let cells = vec![
                table::est(&m.novelty, 3),
                table::est(&m.diversity, 3),
                table::est(&m.energy, 3),
                table::est(&Estimate { mean: m.seq_identity, se: m.seq_identity_se }, 3),
                format!("{:.3}", m.kl_composition),
                format!("{:.2}", m.kl_position),
                table::opt(m.mi_r, 3),
                format!("{:.3}", m.valid_fraction),
                hmm(table::pct(m.hmm_pass)),
                hmm(table::sci(m.hmm_median_evalue)),
            ];
            table::MethodRow::new(&m.id, &m.label, cells, m.acceptance, m.seconds)
        })
        .collect();
    table::method_table(
        &["novelty", "diversity", "energy", "SeqID", "KL", "Pos-KL", "MI r", "valid", "HMM pass", "median E"],
        rows,
        timing,
    )
}

/// The natural nearest-neighbour identity band, `[lo, hi]`.
fn band(r: &ProteinResults) -> String {
    r.parameters.nn_identity_band.map_or_else(|| "—".into(), |[lo, hi]| format!("[{lo:.3}, {hi:.3}]"))
}

/// The second table of `--extended`: the coevolution community's checks.
fn extended_table(r: &ProteinResults) -> comfy_table::Table {
    let rows = r
        .methods
        .iter()
        .map(|m| {
            vec![
                m.id.clone(),
                m.label.clone(),
                table::opt(m.mi_r, 3),
                table::opt(m.mi_r_all, 3),
                table::opt(m.mi_r_apc, 3),
                table::opt(m.cij_r, 3),
                table::opt(m.mean_pairwise_identity, 3),
                table::pct(Some(m.frac_over_90)),
                table::opt(m.hmm_median_bitscore, 1),
            ]
        })
        .collect();
    table::table(
        &[
            "id",
            "method",
            "MI r (20 pos)",
            "MI r (all)",
            "MI r (APC)",
            "C_ij r",
            "pairwise id",
            "> 90% id",
            "median bits",
        ],
        rows,
    )
}
