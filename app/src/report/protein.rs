//! The protein report's figures: entropy curve, residue-frequency maps, identity histograms,
//! MI scatter and the novelty–KL map; and the index of a whole-database run. Drawn from what the
//! protein job returned.

use super::plot::{self, Heatmap, Mark, Panel, Series, VLine};
use super::style::{colour, protein_colour, REFERENCE};
use super::{invoked_command, markdown_table, markdown_text, median, Figure, Report};
use crate::protein::families::{headline, holdout_caption, summary_table, FamiliesResults};
use crate::protein::{render, GeneratedSet, HmmerMode, ProteinMethod, ProteinResults, ProteinRun};
use anyhow::Result;
use plotters::style::RGBColor;
use satool_protein as prot;

/// Generated set shown in the residue-frequency map: the generation sampler, or its nearest stand-in.
const MAP_PREFERENCE: [ProteinMethod; 6] = [
    ProteinMethod::SaGen,
    ProteinMethod::MalaGen,
    ProteinMethod::ExactGen,
    ProteinMethod::SaRet,
    ProteinMethod::MalaRet,
    ProteinMethod::ExactRet,
];
/// Methods in the MI scatter, when present.
const MI_METHODS: [ProteinMethod; 3] = [ProteinMethod::SaGen, ProteinMethod::Vae, ProteinMethod::Bootstrap];

/// The report of one protein run, under the run's header and table.
pub fn build(run: &ProteinRun) -> Result<Report> {
    let r = &run.results;
    let fam = match (&r.input.family_id, &r.input.accession) {
        (Some(id), Some(ac)) => format!("{id} ({ac})"),
        (Some(id), None) => id.clone(),
        (None, Some(ac)) => ac.clone(),
        (None, None) => r.input.path.clone(),
    };
    let mut figures = vec![entropy(run)?];
    let find = |m: &ProteinMethod| run.generated.iter().find(|g| g.id == m.id());
    let mut notes = Vec::new();
    match MAP_PREFERENCE.iter().find_map(find) {
        Some(g) => figures.push(frequencies(run, g)?),
        None => notes.push("No sampler method was run, so the residue-frequency map is left out.".to_string()),
    }
    figures.push(identities(run)?);
    let mi: Vec<&GeneratedSet> = MI_METHODS.iter().filter_map(find).collect();
    if mi.is_empty() {
        let ids = MI_METHODS.map(ProteinMethod::id).join(", ");
        notes.push(format!("None of {ids} was run, so the MI scatter is left out."));
    } else {
        figures.push(mutual_information(run, &mi)?);
    }
    figures.push(novelty_kl(r)?);
    notes.extend(render::holdout_paragraph(r));
    Ok(Report {
        title: format!("satool protein report — {}", markdown_text(&fam)),
        command: invoked_command(),
        header: render::header(run),
        table: format!(
            "{}\n{}\n\n{}",
            markdown_table(render::table(r, false)),
            render::extended_caption(r),
            markdown_table(render::extended_table(r))
        ),
        notes,
        figures,
    })
}

fn entropy(run: &ProteinRun) -> Result<Figure> {
    let p = &run.results.parameters;
    let k = run.entropy.family_k;
    let log_k = (k as f64).ln();
    let norm = |h: f64| h / log_k;
    let points =
        run.entropy.curve.betas.iter().zip(&run.entropy.curve.mean_entropy).map(|(&b, &h)| (b, norm(h))).collect();
    let sqrt_d = (p.d as f64).sqrt();
    let panel = Panel {
        title: format!("Attention entropy, K = {k}, d = {}", p.d),
        x_label: "inverse temperature β (log scale)".into(),
        y_label: "H̄(β) / log K".into(),
        x_log: true,
        series: vec![Series::new("H̄(β) / log K (50-point grid)", REFERENCE, points, Mark::Line)],
        vlines: vec![
            VLine { x: p.beta_star, label: format!("β* = {:.2}", p.beta_star), colour: RGBColor(31, 119, 180) },
            VLine {
                x: p.beta_generation,
                label: format!("β_gen = {}", p.beta_generation),
                colour: protein_colour(ProteinMethod::SaGen),
            },
            VLine {
                x: p.beta_retrieval,
                label: format!("β_ret = {}", p.beta_retrieval),
                colour: RGBColor(100, 100, 100),
            },
            VLine { x: sqrt_d, label: format!("√d = {sqrt_d:.2}"), colour: RGBColor(44, 160, 44) },
        ],
        y_range: Some((0.0, 1.02)),
        legend: true,
        ..Default::default()
    };
    let (h_gen, h_ret) = (norm(run.entropy.at_generation), norm(run.entropy.at_retrieval));
    Ok(Figure {
        heading: "Attention entropy and the operating temperatures".into(),
        stem: "entropy".into(),
        svg: plot::grid(&[panel], 1, (760, 440))?,
        paragraph: format!(
            "Mean entropy of the attention weights of the first min(K, 20) stored sequences, used as queries, \
             divided by log K, over the 50-point β grid of the β* rule. At 1 a query attends uniformly to all \
             {k} memories; at 0 it attends only to itself. β* = {bs:.4} is where the curve bends fastest (the most \
             negative second derivative in log β). The generator runs at β_gen = round(2β*) = {bg}, at the foot of \
             the transition: a stored sequence still attends mostly to itself there (normalised entropy \
             {h_gen:.3}), but the Langevin noise at that temperature carries the chains away from the stored \
             points (the table's novelty). β_ret = round(20β*) = {br} is deep in retrieval ({h_ret:.3}). The √d \
             line is where random, unstructured patterns would put the transition; a family's shared, conserved \
             columns move it to lower β.",
            bs = p.beta_star,
            bg = p.beta_generation,
            br = p.beta_retrieval,
        ),
    })
}

/// Positions × 20 residue frequencies, as 20 rows (residues) of L columns.
fn residue_rows(seqs: &[Vec<u8>]) -> Vec<Vec<f64>> {
    let f = prot::position_frequencies(seqs);
    (0..prot::N_AA).map(|a| f.column(a).to_vec()).collect()
}

fn frequencies(run: &ProteinRun, g: &GeneratedSet) -> Result<Figure> {
    let nat = residue_rows(&run.natural);
    let gen = residue_rows(&g.seqs);
    let labels: Vec<String> = prot::ALPHABET.iter().map(|&c| (c as char).to_string()).collect();
    let l = nat[0].len();
    let svg = plot::heatmaps(
        &[
            Heatmap { title: format!("Natural family ({} sequences)", run.natural.len()), values: nat.clone() },
            Heatmap { title: format!("{} ({} sequences)", g.id, g.seqs.len()), values: gen.clone() },
        ],
        &labels,
        "alignment column (cleaned, 1-based)",
        "frequency",
        (620, 420),
    )?;
    // Conserved columns: the natural top residue at ≥ 80%; how often the generated set keeps it.
    let mut kept = Vec::new();
    let mut diff = 0.0;
    for pos in 0..l {
        let (top, f) = (0..prot::N_AA).map(|a| (a, nat[a][pos])).fold((0, 0.0), |b, x| if x.1 > b.1 { x } else { b });
        if f >= 0.8 {
            kept.push(gen[top][pos]);
        }
        diff += (0..prot::N_AA).map(|a| (nat[a][pos] - gen[a][pos]).abs()).sum::<f64>() / 2.0;
    }
    let top_mean = |m: &[Vec<f64>]| {
        (0..l).map(|pos| (0..prot::N_AA).map(|a| m[a][pos]).fold(0.0, f64::max)).sum::<f64>() / l as f64
    };
    let (nat_top, gen_top) = (top_mean(&nat), top_mean(&gen));
    let kept_text = if kept.is_empty() {
        "The family has no column whose top residue reaches 80%.".to_string()
    } else {
        format!(
            "The {} columns where one residue reaches 80% in the family keep that residue in {:.0}% of the {} sequences on average.",
            kept.len(),
            100.0 * kept.iter().sum::<f64>() / kept.len() as f64,
            g.id
        )
    };
    Ok(Figure {
        heading: format!("Residue frequencies per column: natural vs {}", g.id),
        stem: "residue_frequencies".into(),
        svg,
        paragraph: format!(
            "Each cell is the frequency of a residue (row) at an alignment column (x), among the residues of \
             that column (gaps excluded), on one colour scale for both maps. Bright isolated cells are conserved \
             columns; a faithful generator reproduces them and varies the rest. {kept_text} The most frequent \
             residue of a column has on average frequency {nat_top:.2} in the family and {gen_top:.2} in {id}{sharper}. \
             The mean total-variation distance between the two columns' distributions is {tv:.3} (0 = identical, \
             1 = disjoint).",
            id = g.id,
            tv = diff / l as f64,
            sharper = if gen_top > nat_top + 0.05 {
                ": the generated columns are more conserved than the family's (decoding takes each column's most \
                 likely residue, which pulls sequences towards the consensus)"
            } else {
                ""
            },
        ),
    })
}

fn identities(run: &ProteinRun) -> Result<Figure> {
    let bins = 50;
    let hist = |v: &[f64]| -> Vec<(f64, f64)> {
        let mut c = vec![0.0; bins];
        for &x in v {
            c[((x * bins as f64) as usize).min(bins - 1)] += 1.0;
        }
        let n = v.len().max(1) as f64;
        c.iter().enumerate().map(|(i, &k)| ((i as f64 + 0.5) / bins as f64, k / n)).collect()
    };
    let natural = prot::extended::nn_identities(&run.natural);
    let mut sets: Vec<(String, String, Vec<f64>)> = vec![("natural".into(), "natural, leave-one-out".into(), natural)];
    // The resampled `natural` row is 1.0 by construction; the leave-one-out panel stands for it.
    for g in run.generated.iter().filter(|g| g.id != ProteinMethod::Natural.id()) {
        sets.push((g.id.clone(), g.id.clone(), prot::seq_identity(&g.seqs, &run.natural)));
    }
    let mut medians = Vec::new();
    let panels: Vec<Panel> = sets
        .iter()
        .map(|(id, title, v)| {
            let m = median(v);
            if let Some(m) = m {
                medians.push(format!("{title} {m:.2}"));
            }
            Panel {
                title: m.map_or_else(|| title.clone(), |m| format!("{title}: median {m:.2}")),
                x_label: "identity to nearest natural".into(),
                y_label: "fraction of sequences".into(),
                series: vec![Series::new("", colour(id), hist(v), Mark::Bars(1.0 / bins as f64))],
                vlines: m.map(|m| VLine { x: m, label: String::new(), colour: REFERENCE }).into_iter().collect(),
                x_range: Some((0.0, 1.0)),
                ..Default::default()
            }
        })
        .collect();
    Ok(Figure {
        heading: "Identity of each sequence to its nearest natural sequence".into(),
        stem: "identity_histograms".into(),
        svg: plot::grid(&panels, 4, (330, 240))?,
        paragraph: format!(
            "For every sequence, the fraction of identical residues to the most similar natural sequence, over \
             columns where both have a residue (bins of 0.02; dashed line: median). The first panel is the natural \
             family against itself (each member's nearest other member): how far apart real members are. Methods \
             that work in the PCA space ({d} components, {var:.1}% of the variance) decode through it, and the \
             decoding alone changes residues: `bootstrap`, which decodes stored sequences unchanged, is the \
             ceiling for copying in this representation, not identity 1. `profile` samples residues directly and \
             does not pass through it. Medians: {}.",
            medians.join(", "),
            d = run.results.parameters.d,
            var = 100.0 * run.results.parameters.variance_retained
        ),
    })
}

fn mutual_information(run: &ProteinRun, sets: &[&GeneratedSet]) -> Result<Figure> {
    let l = run.natural[0].len();
    let pos = prot::published_mi_positions(l);
    let nat = prot::upper_triangle(&prot::mi_matrix(&run.natural, &pos));
    let mut rs = Vec::new();
    let panels: Vec<Panel> = sets
        .iter()
        .map(|g| {
            let gen = prot::upper_triangle(&prot::mi_matrix(&g.seqs, &pos));
            let r = prot::pearson(&nat, &gen);
            rs.push(format!("{} {}", g.id, r.map_or("—".into(), |r| format!("{r:.3}"))));
            Panel {
                title: format!("{}: r = {}", g.id, r.map_or("—".into(), |r| format!("{r:.3}"))),
                x_label: "MI in the natural family (nats)".into(),
                y_label: format!("MI in {} (nats)", g.id),
                series: vec![Series::new("", colour(&g.id), nat.iter().copied().zip(gen).collect(), Mark::Points(3))],
                diagonal: true,
                ..Default::default()
            }
        })
        .collect();
    Ok(Figure {
        heading: "Pairwise mutual information: generated vs natural".into(),
        stem: "mutual_information".into(),
        svg: plot::grid(&panels, panels.len(), (380, 360))?,
        paragraph: format!(
            "One point per pair of the {} evenly spaced columns the MI r column uses ({} pairs): the mutual \
             information of the pair in the natural family (x) and in the generated set (y), with y = x dashed. \
             Pearson r (the table's MI r) measures whether the set ranks the pairs as the family does, not their \
             level: points well below the diagonal are expected, because the natural MI is estimated from only \
             K sequences (small-sample bias inflates it) and decoded sequences are more conserved per column. \
             Points on y = 0 are pairs with a column that is constant in the generated set. Pearson r: {}.",
            pos.len(),
            nat.len(),
            rs.join(", ")
        ),
    })
}

fn novelty_kl(r: &ProteinResults) -> Result<Figure> {
    let series: Vec<Series> = r
        .methods
        .iter()
        .map(|m| Series::new(m.id.clone(), colour(&m.id), vec![(m.novelty.mean, m.kl_composition)], Mark::Points(6)))
        .collect();
    let zero: Vec<&str> = r.methods.iter().filter(|m| m.kl_composition <= 0.0).map(|m| m.id.as_str()).collect();
    let panel = Panel {
        title: "Novelty against compositional fidelity".into(),
        x_label: "novelty at β_ret (1 − max cosine to a stored sequence)".into(),
        y_label: "KL(natural ‖ generated composition), nats (log)".into(),
        y_log: true,
        series,
        annotate: true,
        ..Default::default()
    };
    let best = r
        .methods
        .iter()
        .filter(|m| m.novelty.mean > 0.3)
        .min_by(|a, b| a.kl_composition.total_cmp(&b.kl_composition))
        .map_or(String::new(), |m| {
            format!(" Among methods with novelty above 0.3 the lowest KL is {} ({:.3}).", m.id, m.kl_composition)
        });
    Ok(Figure {
        heading: "Novelty–KL map".into(),
        stem: "novelty_kl".into(),
        svg: plot::grid(&[panel], 1, (760, 480))?,
        paragraph: format!(
            "One point per method: how far its samples are from every stored sequence (x, the table's novelty) \
             against how far its amino-acid composition is from the family's (y, the table's KL, log scale). \
             The good corner is bottom right: new sequences with the family's composition. Copies sit at the \
             left (bootstrap, retrieval), methods that lose the family high up.{best}{}",
            if zero.is_empty() {
                String::new()
            } else {
                format!(" KL is exactly 0 for {} (not drawn on the log axis).", zero.join(", "))
            }
        ),
    })
}

/// The `--report` index of a whole-database run: the summary table with a link per family.
pub fn families_index(r: &FamiliesResults, dirs: &[String], hmmer: HmmerMode) -> Report {
    let mut links = String::from("| record | report |\n|---|---|\n");
    for (f, d) in r.families.iter().zip(dirs) {
        let name = f.id.as_deref().map_or_else(|| "—".into(), markdown_text);
        match &f.error {
            // `d` is file-system safe (letters, digits, `._-`): a link target as it is.
            None => links += &format!("| {name} | [{}/report.md]({d}/report.md) |\n", markdown_text(d)),
            Some(e) => links += &format!("| {name} | failed: {} |\n", markdown_text(e)),
        }
    }
    Report {
        title: "satool protein report — whole-database run".into(),
        command: invoked_command(),
        header: format!("{}\n", headline(r)),
        table: markdown_table(summary_table(r, hmmer, false, false)),
        notes: holdout_caption(r)
            .into_iter()
            .chain([format!("Each family's own report, with its figures:\n\n{links}")])
            .collect(),
        figures: vec![],
    }
}
