//! The terminal rendering of a protein run: the header and the comparison table (plus the
//! extended-metrics table); the report re-renders the same table as Markdown.

use super::results::{ProteinResults, ProteinRun};
use super::{hmmer, per_sequence};
use crate::output::atomic::Staging;
use crate::output::table;
use anyhow::{Context, Result};
use satool::Estimate;
use satool_protein as prot;
use std::path::Path;

/// The table(s) printed after the header: the comparison table with timings, and with
/// `extended` the second table of the coevolution checks.
pub fn tables(r: &ProteinResults, extended: bool) -> String {
    let main = table(r, true).to_string();
    if !extended {
        return main;
    }
    format!("{main}\n\n{}\n{}", extended_caption(r), extended_table(r))
}

/// The text above the table: the family, its size and temperatures, HMMER and the conventions.
pub fn header(run: &ProteinRun) -> String {
    let r = &run.results;
    let p = &r.parameters;
    let mut h = family_lines(run);
    h += &option_lines(run);
    h += &table::wrap(&decode_line(&p.decode, p.decode_calibration.is_some()), 100, "", "  ");
    h += "\n";
    h += &format!("HMMER: {}\n", r.hmmer.status);
    h += "conventions:\n";
    for c in &r.conventions {
        h += &table::wrap(c, 100, "  - ", "    ");
        h.push('\n');
    }
    h
}

/// The header's family lines: its name and size, β* and the operating temperatures.
fn family_lines(run: &ProteinRun) -> String {
    let r = &run.results;
    let p = &r.parameters;
    let mut h = String::new();
    let fam = match (&r.input.family_id, &r.input.accession) {
        (Some(id), Some(ac)) => format!("{id} ({ac})"),
        (Some(id), None) => id.clone(),
        (None, Some(ac)) => ac.clone(),
        (None, None) => "unnamed".into(),
    };
    let input = satool_io::text::shown(Path::new(&r.input.path)).display();
    h += &format!("satool protein — {input}  family {fam}\n");
    h += &format!(
        "K = {} sequences, L = {} columns (from {} × {}), d = {} PCA components ({:.2}% variance)\n",
        p.K,
        p.L,
        run.input_rows,
        run.input_cols,
        p.d,
        100.0 * p.variance_retained
    );
    h += &table::wrap(&format!("β* = {:.4} [{}]", p.beta_star, p.beta_star_rule), 100, "", "  ");
    h += &table::wrap(
        &format!(
            "refined β* = {:.4}, not used [{}]; the published grid's neighbours are {:.4} and {:.4}",
            p.beta_star_refined,
            p.beta_star_refined_rule,
            grid_step(p.beta_star, -1),
            grid_step(p.beta_star, 1)
        ),
        100,
        "\n",
        "  ",
    );
    h += &format!(
        "\nβ_ret = {} = {}, β_gen = {} = {}, α = {}, SNR = {:.4} / {:.4}, √d = {:.2},\nseed = {}\n",
        p.beta_retrieval_rule,
        p.beta_retrieval,
        p.beta_generation_rule,
        p.beta_generation,
        p.alpha,
        p.snr_retrieval,
        p.snr_generation,
        (p.d as f64).sqrt(),
        p.seed
    );
    h
}

/// The header's lines of the options that change the family or the rows: `--max-sequences`,
/// `--reweight`, `--max-identity`, the condition.
fn option_lines(run: &ProteinRun) -> String {
    let (r, p) = (&run.results, &run.results.parameters);
    let mut h = String::new();
    if let (Some(n), Some(of)) = (p.max_sequences, p.cleaned_sequences) {
        h += &format!(
            "max-sequences: K is a random {n} of the {of} cleaned sequences (--max-sequences {n}, stream \"{}\" of seed {}, not --seed: every seed keeps the same; the published protocol caps at {}; `all` keeps every one)\n",
            super::select::MAX_SEQUENCES_STREAM,
            super::select::MAX_SEQUENCES_SEED,
            super::DEFAULT_MAX_SEQUENCES
        );
    }
    if let (Some(x), Some(m_eff)) = (p.reweight, p.m_eff) {
        h += &table::wrap(
            &format!(
                "reweight: M_eff = {m_eff:.1} of K = {} (w_k = 1/#sequences ≥ {x} identical, gaps a state); \
                 the weights enter attention, the exact law and β*; baselines and metrics are unweighted",
                p.K
            ),
            100,
            "",
            "  ",
        );
        h.push('\n');
    }
    if let Some(x) = p.max_identity {
        let counts: Vec<String> = p.removed_over_max_identity.iter().map(|(id, n)| format!("{id} {n}")).collect();
        h += &table::wrap(
            &format!(
                "max-identity {x}: generated sequences more than {:.0}% identical to a stored one were dropped \
                 (--max-identity; the natural row is kept whole): {}",
                100.0 * x,
                counts.join(", ")
            ),
            100,
            "",
            "  ",
        );
        h.push('\n');
    }
    if let Some(c) = &r.condition {
        h += &format!(
            "condition: {} — {} of {} sequences; rows are scored against them (against the whole family under `vs_family` in results.json)\n",
            c.description,
            c.sequences.len(),
            run.entropy.family_k
        );
    }
    h
}

/// The comparison table, at most 100 columns wide: the paper's columns (novelty, SeqID, KL,
/// Pos-KL, MI r, HMM pass) with diversity, and the two that separate methods the paper's do not —
/// C_ij r (couplings) and the share of near-copies. `timing` adds the seconds column (left out
/// where output must be reproducible). Labels, energies and the rest are in [`extended_table`].
pub fn table(r: &ProteinResults, timing: bool) -> comfy_table::Table {
    let hmm_ran = r.hmmer.ran();
    let mut header =
        vec!["id", "novelty", "diversity", "SeqID", "KL", "Pos-KL", "MI r", "C_ij r", ">90% id", "HMM pass"];
    if timing {
        header.push("s");
    }
    let rows = r
        .methods
        .iter()
        .map(|m| {
            let mut cells = vec![
                m.id.clone(),
                table::est_short(&m.novelty, 3),
                m.diversity.as_ref().map_or_else(|| "—".to_string(), |d| table::est_short(d, 3)),
                table::est_short(&Estimate { mean: m.seq_identity, se: m.seq_identity_se }, 3),
                format!("{:.3}", m.kl_composition),
                format!("{:.2}", m.kl_position),
                table::opt(m.mi_r, 3),
                table::opt(m.cij_r, 3),
                table::pct0(Some(m.frac_over_90)),
                if hmm_ran { table::pct0(m.hmm_pass) } else { "not run".into() },
            ];
            if timing {
                cells.push(format!("{:.2}", m.seconds));
            }
            cells
        })
        .collect();
    table::table_from(&header, rows, 1)
}

/// The published grid's point `steps` away from `beta` (a grid point of log-spaced β).
fn grid_step(beta: f64, steps: i32) -> f64 {
    let ratio = satool::BETA_GRID_MAX / satool::BETA_GRID_MIN;
    beta * ratio.powf(f64::from(steps) / (satool::BETA_GRID_POINTS - 1) as f64)
}

/// The natural nearest-neighbour identity band, `[lo, hi]`.
fn band(r: &ProteinResults) -> String {
    r.parameters.nn_identity_band.map_or_else(|| "—".into(), |[lo, hi]| format!("[{lo:.3}, {hi:.3}]"))
}

/// The second table of `--extended` (and of the report): each method's label, the energy at
/// β_ret, the coevolution checks beyond the paper's and how family-like the samples are; with
/// `--holdout`, the rows against the held-out members.
pub fn extended_table(r: &ProteinResults) -> comfy_table::Table {
    let hmm_ran = r.hmmer.ran();
    let rows = r
        .methods
        .iter()
        .map(|m| {
            let mut cells = vec![
                m.id.clone(),
                m.label.clone(),
                table::est_short(&m.energy, 3),
                table::opt(m.mi_r_apc, 3),
                table::opt(m.mean_pairwise_identity, 3),
                table::pct0(m.nn_band_share),
                format!("{:.3}", m.valid_fraction),
                if hmm_ran { table::opt(m.hmm_median_bitscore, 1) } else { "—".into() },
                table::pct(m.acceptance),
            ];
            if r.holdout.is_some() {
                cells.extend(held_out_cells(m.held_out.as_ref()));
            }
            cells
        })
        .collect();
    let mut header = vec!["id", "method", "energy", "MI r APC", "pair id", "in band", "valid", "bits", "accept"];
    if r.holdout.is_some() {
        header.extend(["ho id", "ho C_ij r", "ho AUC"]);
    }
    table::table(&header, rows)
}

/// The three held-out cells: nearest-held-out identity, C_ij r and AUC, `mean±sd` over folds.
pub(super) fn held_out_cells(s: Option<&satool_protein::holdout::HeldOutSummary>) -> [String; 3] {
    let cell = |f: Option<satool_protein::holdout::FoldStats>| match f {
        None => "—".to_string(),
        Some(f) if f.folds > 1 => format!("{:.2}±{:.2}", f.mean, f.sd),
        Some(f) => format!("{:.3}", f.mean),
    };
    match s {
        None => ["—".into(), "—".into(), "—".into()],
        Some(s) => [cell(s.nn_identity), cell(s.cij_r), cell(s.auc)],
    }
}

/// The line above the extended table: what its reference values are.
pub fn extended_caption(r: &ProteinResults) -> String {
    let natural_row = r.methods.iter().any(|m| m.id == "natural");
    let mut c = format!(
        "extended metrics; natural family: pairwise id {}, nearest-neighbour identity band {}\n\
         in band: share of samples whose identity to their nearest stored sequence lies in the band;\n\
         bits: median hmmsearch bit score{}",
        table::opt(r.parameters.pairwise_identity, 3),
        band(r),
        if natural_row { " (natural sequences: the natural row's)" } else { "" }
    );
    if let Some(line) = natural_cij_line(r) {
        c += &line;
    }
    if let Some(h) = &r.holdout {
        let [id, cij, auc] = held_out_cells(Some(&h.null));
        c += &format!(
            "\nho: against {} held-out members per fold ({} fold(s), {} training members; --holdout {}):\n\
             ho id: mean identity to the nearest held-out member; ho C_ij r: against the held-out members';\n\
             ho AUC: classifier telling held-out members from the row (0.5: cannot); mean±sd over folds;\n\
             null (training members vs held-out): ho id {id}, ho C_ij r {cij}, ho AUC {auc}",
            h.held_out_per_fold, h.folds, h.train_per_fold, h.fraction
        );
    }
    c
}

/// The caption's line on each row's natural C_ij r (`natural_cij_r`), one value per row size:
/// the C_ij r of the first table that as many new members of the family would reach.
fn natural_cij_line(r: &ProteinResults) -> Option<String> {
    let mut sizes: Vec<(usize, f64)> = r.methods.iter().filter_map(|m| m.natural_cij_r.map(|v| (m.n, v))).collect();
    sizes.sort_by_key(|&(n, _)| n);
    sizes.dedup_by_key(|&mut (n, _)| n);
    if sizes.is_empty() {
        return None;
    }
    let values: Vec<String> = sizes.iter().map(|(n, v)| format!("{v:.3} at {n} sequences")).collect();
    Some(format!(
        "\nnatural C_ij r: {} (what as many new members would reach; {} random halves)",
        values.join(", "),
        super::NATURAL_CIJ_SPLITS
    ))
}

/// The report's paragraph on the held-out evaluation (`--holdout`), None without it.
pub fn holdout_paragraph(r: &ProteinResults) -> Option<String> {
    let h = r.holdout.as_ref()?;
    let [null_id, _, null_auc] = held_out_cells(Some(&h.null));
    let rows: Vec<String> = r
        .methods
        .iter()
        .filter_map(|m| {
            let [id, _, auc] = held_out_cells(m.held_out.as_ref()?.into());
            Some(format!("{} {auc} (identity {id})", m.id))
        })
        .collect();
    Some(format!(
        "Held-out evaluation (--holdout {}, {} fold(s)): {} of the cleaned members per fold were kept out of the \
         memory ({}; {}). A classifier telling held-out members from a row's samples reaches AUC {}; \
         the training members themselves, which are of the family by construction, reach {null_auc} \
         (nearest held-out identity {null_id}). A row near the null looks like members the model never saw; \
         a row far above it is told apart (too close to the training members, or off the family).{}",
        h.fraction,
        h.folds,
        h.held_out_per_fold,
        h.split,
        h.classifier,
        rows.join(", "),
        r.methods.iter().find(|m| m.id == "natural").and_then(|m| m.held_out.as_ref()).map_or(String::new(), |n| {
            let [_, _, auc] = held_out_cells(Some(n));
            format!(
                " The natural row, the training members drawn with replacement, reaches {auc}: exact copies sit above \
                 the null, since each carries the training set's own sampling noise, and no generator that sees only \
                 the training members can be expected below that row."
            )
        })
    ))
}

/// The header's `decode = …` line: the `--decode` value (with `calibrated`, its choice) and what
/// it does.
fn decode_line(decode: &str, calibrated: bool) -> String {
    let how = if calibrated {
        "--decode calibrated: chosen for this family by an internal split of its members; every candidate's \
         scores in results.json parameters.decode_calibration"
    } else {
        "--decode"
    };
    match decode.parse::<satool_protein::DecodeMethod>() {
        Ok(m) => format!("decode = {decode} [{}] ({how})", m.describe()),
        Err(_) => format!("decode = {decode} ({how})"),
    }
}

/// Writes the `--out` files of a run into the staging directory `st` (the caller commits it):
/// HMMER's files (the seed it built the HMM from, the HMM, each row's hmmsearch table),
/// results.json, each row's sequences and scores (`<stem>.aligned.fasta`, `.fasta`, `.a2m`,
/// `.tsv`), the cleaned family with its RF line and the command line.
pub fn write_out(st: &mut Staging, run: &ProteinRun, command_line: &str) -> Result<()> {
    let results = &run.results;
    if let Some(dir) = &results.hmmer.files {
        copy_hmmer_files(st, dir.path())?;
    }
    st.write("results.json", crate::output::to_json(results)?.as_bytes())?;
    for row in 0..run.generated.len() {
        let mut files = per_sequence::RowFiles::create(st, &run.generated[row].file_stem())?;
        for_each_block(run, row, |scores, seqs| files.write(scores, seqs, |q| seed_columns(q, &run.clean)))?;
        files.finish()?;
    }
    hmmer::write_rf_stockholm(&run.seed, &run.clean, &st.path("family.cleaned.sto"))?;
    st.write("command.txt", format!("{command_line}\n").as_bytes())?;
    Ok(())
}

/// Row `row`'s sequences with their scores (and hmmsearch's, when it ran), block by block, so a
/// large row's records and headers are never all in memory at once.
fn for_each_block(
    run: &ProteinRun,
    row: usize,
    mut f: impl FnMut(&[per_sequence::SequenceScore], &[Vec<u8>]) -> Result<()>,
) -> Result<()> {
    let g = &run.generated[row];
    let hits = run.results.hmmer.hits.get(row);
    for block in satool::sample_blocks(g.seqs.len()) {
        let names: Vec<String> = block.clone().map(|i| g.name(i)).collect();
        let seqs = &g.seqs[block.clone()];
        let mut scores = g.scores.records(block, &names, seqs, g.beta, &run.natural_names);
        if let Some(hits) = hits {
            per_sequence::add_hmm_scores(&mut scores, hits);
        }
        f(&scores, seqs)?;
    }
    Ok(())
}

/// `--fasta-stdout`: every row's sequences to `out` as its `<stem>.fasta` holds them (gaps
/// removed, the scores in the headers), row after row.
pub fn write_fasta(out: Box<dyn std::io::Write + Send>, run: &ProteinRun) -> Result<()> {
    let mut w = prot::FastaWriter::to_stream(out, Path::new("<stdout>"), true);
    for row in 0..run.generated.len() {
        for_each_block(run, row, |scores, seqs| {
            for (s, q) in scores.iter().zip(seqs) {
                w.write(&per_sequence::fasta_header(s), q)?;
            }
            Ok(())
        })?;
    }
    Ok(w.finish()?)
}

/// HMMER's files into `--out`, but the FASTA files hmmsearch read: each row's `<stem>.fasta` is
/// written with its scores in the headers.
fn copy_hmmer_files(st: &mut Staging, dir: &Path) -> Result<()> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list HMMER's files", dir.display()))?
        .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<_>>()?;
    names.sort();
    for name in names.iter().filter(|n| !n.ends_with(".fasta")) {
        let (from, to) = (dir.join(name), st.path(name));
        if std::fs::rename(&from, &to).is_err() {
            std::fs::copy(&from, &to)
                .with_context(|| format!("{}: cannot copy to {}", from.display(), to.display()))?;
        }
    }
    Ok(())
}

/// A sequence on the cleaned columns in the seed's column space, as A2M: the kept columns are
/// match states (residues upper case, gaps `-`), every other seed column an insert state the
/// sequence does not use (`.`). A2M has letters and gaps only (HMMER refuses a `*` there), so a
/// `*` of the seed, which the encoding treats as `X` (no standard residue), is written `X`.
fn seed_columns(seq: &[u8], clean: &prot::CleanAlignment) -> Vec<u8> {
    let mut out = vec![b'.'; clean.n_input_cols];
    for (&c, &r) in clean.kept_columns.iter().zip(seq) {
        out[c] = match r {
            r if prot::is_gap(r) => b'-',
            b'*' => b'X',
            r => r.to_ascii_uppercase(),
        };
    }
    out
}
