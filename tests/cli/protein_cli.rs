//! `satool protein` end to end on the bundled PF00076 seed (the published targets).

mod common;
use common::*;

/// A PF00076 run with the published decode (the paper's table); `extra` may not repeat --decode.
fn pf00076(extra: &[&str]) -> serde_json::Value {
    let sto = fixture("PF00076.sto");
    let hmm = fixture("PF00076.hmm");
    let mut args = vec!["protein", "--stockholm", &sto, "--hmm", &hmm, "--json", "--quiet", "--decode", "published"];
    args.extend_from_slice(extra);
    json(&satool(&args, &[]))
}

#[test]
fn reproduces_the_published_pf00076_table() {
    require_hmmer();
    let v = pf00076(&[]);
    let p = &v["parameters"];
    assert_eq!((p["K"].as_u64(), p["L"].as_u64(), p["d"].as_u64()), (Some(68), Some(71), Some(59)));
    assert!((f(p, "variance_retained") - 0.9517).abs() < 1e-4);
    assert!((f(p, "beta_star") - 3.8483).abs() < 1e-3, "β* = {}", p["beta_star"]);
    assert_eq!((f(p, "beta_retrieval"), f(p, "beta_generation")), (77.0, 8.0));
    assert_eq!(v["input"]["family_id"], "RRM_1");
    assert_eq!(v["methods"].as_array().unwrap().len(), 13);
    // The same criterion without the 50-point grid: 3.8475 (printed, not used).
    assert!((f(p, "beta_star_refined") - 3.8475).abs() < 1e-3, "refined β* = {}", p["beta_star_refined"]);

    // The natural row is the finite-sample ceiling of the distribution metrics.
    let natural = method(&v, "natural");
    assert!(f(natural, "cij_r") >= 0.8, "natural C_ij r {}", natural["cij_r"]);
    assert!(f(natural, "mi_r") >= 0.95, "natural MI r {}", natural["mi_r"]);
    assert!(f(natural, "kl_position") < 0.5, "natural Pos-KL {}", natural["kl_position"]);
    assert_eq!((f(natural, "seq_identity"), f(natural, "frac_over_90")), (1.0, 1.0));

    let gen = method(&v, "sa_gen");
    let nov = f(&gen["novelty"], "mean");
    assert!((nov - 0.62).abs() <= 0.02, "sa_gen novelty {nov}");
    assert!((f(gen, "seq_identity") - 0.55).abs() <= 0.02, "sa_gen SeqID {}", gen["seq_identity"]);
    assert!(f(gen, "kl_composition") <= 0.09, "sa_gen KL {}", gen["kl_composition"]);
    // Pos-KL with ε on the counts, as published (2.92; seeds 1–5 give 2.78–3.05).
    let poskl = f(gen, "kl_position");
    assert!((2.6..=3.3).contains(&poskl), "sa_gen Pos-KL {poskl}");
    assert!(f(gen, "mi_r") >= 0.80, "sa_gen MI r {}", gen["mi_r"]);

    let ret = method(&v, "sa_ret");
    assert!((f(&ret["novelty"], "mean") - 0.24).abs() <= 0.03, "sa_ret novelty {}", ret["novelty"]);
    assert!((f(ret, "mi_r") - 0.73).abs() <= 0.07, "sa_ret MI r {}", ret["mi_r"]);
    // Published 5.66; seeds 1–5 give 5.45–5.71.
    assert!((5.2..=6.1).contains(&f(ret, "kl_position")), "sa_ret Pos-KL {}", ret["kl_position"]);

    let boot = method(&v, "bootstrap");
    assert!(f(&boot["novelty"], "mean").abs() < 1e-9);
    assert!((f(boot, "seq_identity") - 0.65).abs() <= 0.02, "bootstrap SeqID {}", boot["seq_identity"]);
    assert!((f(&boot["energy"], "mean") + 0.5).abs() < 1e-3, "stored patterns have E ≈ −0.5 at β_ret");
    // Published 7.52; seeds 1–5 give 7.43–7.61.
    assert!((7.1..=7.9).contains(&f(boot, "kl_position")), "bootstrap Pos-KL {}", boot["kl_position"]);

    let vae = method(&v, "vae");
    // Loss on the normalised output: seeds 1–5 give diversity 0.81–0.95 and novelty
    // 0.57–0.60 (published 0.834 / 0.621); the issue's target is ≥ 0.70 / ≥ 0.55.
    assert!(f(&vae["diversity"], "mean") >= 0.70, "VAE diversity {}", vae["diversity"]);
    assert!(f(&vae["novelty"], "mean") >= 0.55, "VAE novelty {}", vae["novelty"]);
    assert!(
        f(vae, "kl_composition") >= 3.0 * f(gen, "kl_composition"),
        "VAE KL {} vs SA {}",
        vae["kl_composition"],
        gen["kl_composition"]
    );

    for id in ["mala_ret", "mala_gen"] {
        assert!(f(method(&v, id), "acceptance") >= 0.99, "{id} acceptance");
    }
    for id in ["sa_ret", "sa_gen", "bootstrap", "vae"] {
        assert!(method(&v, id)["acceptance"].is_null(), "{id} has no acceptance");
    }
    for (exact, sa) in [("exact_ret", "sa_ret"), ("exact_gen", "sa_gen")] {
        let (e, s) = (&method(&v, exact)["novelty"], &method(&v, sa)["novelty"]);
        let diff = (f(e, "mean") - f(s, "mean")).abs();
        assert!(diff <= 2.0 * f(s, "se"), "{exact} {} vs {sa} {} ± {}", e["mean"], s["mean"], s["se"]);
    }
    assert_eq!(v["hmmer"]["status"], "ran");
    for id in ["sa_ret", "sa_gen", "mala_ret", "mala_gen"] {
        assert_eq!(f(method(&v, id), "hmm_pass"), 1.0, "{id} HMM pass");
        assert!(f(method(&v, id), "hmm_median_evalue") < 1e-20);
    }
    for m in v["methods"].as_array().unwrap() {
        assert!(f(m, "seconds") >= 0.0);
        assert!(f(m, "valid_fraction") > 0.9);
    }
}

#[test]
fn same_seed_same_bytes_whatever_the_thread_count() {
    let run = |threads: &str| {
        let sto = fixture("PF00076.sto");
        let o = satool(
            &[
                "protein",
                "--stockholm",
                &sto,
                "--hmmer",
                "off",
                "--json",
                "--methods",
                "sa_gen,mala_ret,gmm_pca,vae,profile",
            ],
            &[("RAYON_NUM_THREADS", threads)],
        );
        without_timings(json(&o))
    };
    let (a, b) = (run("1"), run("2"));
    assert_eq!(a, b);
    let sto = fixture("PF00076.sto");
    let c = without_timings(json(&satool(
        &[
            "protein",
            "--stockholm",
            &sto,
            "--hmmer",
            "off",
            "--json",
            "--methods",
            "sa_gen,mala_ret,gmm_pca,vae,profile",
            "--seed",
            "2",
        ],
        &[],
    )));
    assert_ne!(a, c, "a different seed must give different samples");
}

/// Numbers computed outside satool by domains/protein/tests/reference/evaluate_reference.py (NumPy).
#[test]
fn evaluate_scores_a_foreign_fasta_like_an_independent_calculation() {
    let fasta = fixture("PF00076_evaluate.aligned.fasta");
    let v = pf00076(&["--hmmer", "off", "--methods", "bootstrap", "--evaluate", &fasta]);
    let m = method(&v, "file:PF00076_evaluate");
    assert_eq!(m["n"], 40);
    for (key, want) in [
        ("kl_composition", 0.01661930701941761),
        ("kl_position", 1.1426902397820142),
        ("mi_r", 0.9276713389108198),
        ("seq_identity", 0.8224244086052096),
    ] {
        assert!((f(m, key) - want).abs() < 1e-4, "{key}: {} vs {want}", m[key]);
    }
    assert!(f(&m["novelty"], "mean") > 0.0);
}

#[test]
fn evaluate_rejects_unaligned_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("short.fasta");
    std::fs::write(&bad, ">s1\nACDEFGHIK\n").unwrap();
    let sto = fixture("PF00076.sto");
    let o = satool(
        &[
            "protein",
            "--stockholm",
            &sto,
            "--hmmer",
            "off",
            "--methods",
            "bootstrap",
            "--evaluate",
            bad.to_str().unwrap(),
        ],
        &[],
    );
    assert_input_error(&o, "the sequences are unaligned");
    assert!(stderr(&o).contains("--hmmer off disables"), "{}", stderr(&o));
    // gapped, but aligned to neither the 71 cleaned nor the 79 seed columns
    std::fs::write(&bad, ">s1\nACD-EFGHIK\n").unwrap();
    let o = satool(&["protein", "--stockholm", &sto, "--hmmer", "off", "--evaluate", bad.to_str().unwrap()], &[]);
    assert_input_error(&o, "short.fasta:1: sequence 's1' has length 10 with gaps");
}

/// Alignment interop: the RF Stockholm builds a model whose match states are the L columns;
/// generated sequences are also written in the seed's columns (A2M); `--evaluate` takes files
/// aligned to the seed's columns, and unaligned files (hmmemit's) through hmmalign.
#[test]
fn alignment_interop_with_hmmer() {
    require_hmmer();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let sto = fixture("PF00076.sto");
    let o = satool(
        &["protein", "--stockholm", &sto, "--hmmer", "off", "--methods", "sa_gen", "--out", out.to_str().unwrap()],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rf = std::fs::read_to_string(out.join("family.cleaned.sto")).unwrap();
    let rf_line = rf.lines().find(|l| l.starts_with("#=GC RF")).unwrap();
    let marks = rf_line.split_whitespace().last().unwrap();
    assert_eq!((marks.len(), marks.matches('x').count()), (79, 71));
    assert_eq!(rf.lines().filter(|l| !l.starts_with('#') && !l.starts_with("//")).count(), 68);
    let a2m = std::fs::read_to_string(out.join("sa_gen.a2m")).unwrap();
    for rec in a2m.split('>').skip(1) {
        let seq: String = rec.lines().skip(1).collect();
        assert_eq!(seq.len(), 79);
        assert_eq!(seq.chars().filter(|c| c.is_ascii_uppercase() || *c == '-').count(), 71);
        assert_eq!(seq.chars().filter(|&c| c == '.').count(), 8);
    }

    // The seed's own rows, in its 79 columns, are its cleaned sequences: identity 1.
    let mut seed = String::new();
    for line in std::fs::read_to_string(&sto).unwrap().lines() {
        if let Some((name, row)) = line.split_once(char::is_whitespace) {
            if !name.starts_with('#') && !name.starts_with("//") && seed.matches('>').count() < 10 {
                seed += &format!(">{name}\n{}\n", row.trim());
            }
        }
    }
    let seed_file = dir.path().join("seed_columns.fasta");
    std::fs::write(&seed_file, seed).unwrap();
    let v = pf00076(&["--hmmer", "off", "--methods", "natural", "--evaluate", seed_file.to_str().unwrap()]);
    let m = method(&v, "file:seed_columns");
    assert_eq!((m["n"].as_u64(), f(m, "seq_identity")), (Some(10), 1.0));

    let hmm = dir.path().join("rf.hmm");
    let run = |args: &[&str]| {
        let o = std::process::Command::new(args[0]).args(&args[1..]).output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    run(&["hmmbuild", "--hand", "--amino", hmm.to_str().unwrap(), out.join("family.cleaned.sto").to_str().unwrap()]);
    let leng = std::fs::read_to_string(&hmm).unwrap();
    assert!(leng.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["LENG", "71"]), "match states = L");
    let emitted = dir.path().join("emitted.fasta");
    run(&["hmmemit", "-N", "25", "--seed", "7", "-o", emitted.to_str().unwrap(), hmm.to_str().unwrap()]);
    let v = pf00076(&["--methods", "natural", "--evaluate", emitted.to_str().unwrap()]);
    let m = method(&v, "file:emitted");
    assert_eq!(m["n"], 25);
    assert!(f(m, "hmm_pass") >= 0.8, "hmmemit's sequences pass the family HMM: {}", m["hmm_pass"]);
    assert!((0.2..0.8).contains(&f(m, "seq_identity")), "{}", m["seq_identity"]);
}

#[test]
fn out_dir_holds_every_file_and_is_not_overwritten_without_force() {
    require_hmmer();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let out_s = out.to_str().unwrap();
    let sto = fixture("PF00076.sto");
    let hmm = fixture("PF00076.hmm");
    let args =
        ["protein", "--stockholm", &sto, "--hmm", &hmm, "--methods", "bootstrap,sa_gen", "--out", out_s, "--quiet"];
    let o = satool(&args, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("sa_gen"), "the table goes to stdout");
    for f in ["results.json", "sa_gen.fasta", "sa_gen.aligned.fasta", "bootstrap.fasta", "command.txt"] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    let aligned = std::fs::read_to_string(out.join("sa_gen.aligned.fasta")).unwrap();
    assert_eq!(aligned.matches('>').count(), 150);
    assert!(aligned.starts_with(">sa_gen_1 energy="));
    let ungapped = std::fs::read_to_string(out.join("sa_gen.fasta")).unwrap();
    assert!(!ungapped.lines().filter(|l| !l.starts_with('>')).any(|l| l.contains('-') || l.contains('.')));
    assert!(out.join("sa_gen.hmmsearch.tbl").is_file());
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(r["domain"], "protein");
    assert!(std::fs::read_dir(&out).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().starts_with(".satool")));

    let again = satool(&args, &[]);
    assert_input_error(&again, "not empty");
    let mut forced: Vec<&str> = args.to_vec();
    forced.push("--force");
    assert!(satool(&forced, &[]).status.success());
}

#[test]
fn bad_stockholm_files_fail_cleanly() {
    let cases = [("stockholm/RF00101_rna.sto", "RNA"), ("stockholm/PF00007_duplicate_name.sto", "GTHB2_ONCKE/26-130")];
    for (file, needle) in cases {
        let path = fixture(file);
        let o = satool(&["protein", "--stockholm", &path, "--hmmer", "off"], &[]);
        assert_input_error(&o, needle);
        assert!(stderr(&o).contains(file.rsplit('/').next().unwrap()), "the message names the file");
    }
    let o = satool(&["protein", "--stockholm", "no/such/file.sto"], &[]);
    assert_input_error(&o, "no/such/file.sto");
}

/// `--methods` takes each registered id at most once: an unknown or repeated id is a usage error
/// (exit 2) that names the valid ids, before any output directory is made.
#[test]
fn unknown_or_repeated_methods_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let sto = fixture("PF00076.sto");
    let run = |methods: &str| {
        satool(
            &["protein", "--stockholm", &sto, "--hmmer", "off", "--methods", methods, "--out", out.to_str().unwrap()],
            &[],
        )
    };
    let unknown = run("bootstrap,foo");
    assert_input_error(
        &unknown,
        "error: --methods: unknown method 'foo' (valid: natural, bootstrap, gaussian, convex, gmm_pca, vae, \
         profile, exact_ret, exact_gen, mala_ret, sa_ret, mala_gen, sa_gen)",
    );
    let twice = run("sa_gen,bootstrap,sa_gen");
    assert_input_error(&twice, "error: --methods: 'sa_gen' given twice");
    assert!(!out.exists(), "no output directory for a usage error");
    // The same check guards --all-families, before any family runs.
    let all =
        satool(&["protein", "--stockholm", &fixture("multi_family.sto"), "--all-families", "--methods", "SA_GEN"], &[]);
    assert_input_error(&all, "unknown method 'SA_GEN' (valid: natural, bootstrap,");
}

/// `--family` reads the file record by record: a broken record elsewhere does not stop the chosen
/// one, and a family that cannot be found lists the errors of the records that could not be read.
#[test]
fn family_runs_despite_broken_records_elsewhere() {
    let sto = fixture("multi_family.sto");
    let v = json(&satool(
        &["protein", "--stockholm", &sto, "--family", "LuxC", "--hmmer", "off", "--methods", "bootstrap", "--json"],
        &[],
    ));
    assert_eq!((v["input"]["family_id"].as_str(), v["parameters"]["K"].as_u64()), (Some("LuxC"), Some(13)));
    // The broken record asked for: its own error.
    let o = satool(&["protein", "--stockholm", &sto, "--family", "Cys_knot", "--hmmer", "off"], &[]);
    assert_input_error(&o, "--family 'Cys_knot': ");
    assert!(stderr(&o).contains("duplicated sequence name"), "{}", stderr(&o));
    let o = satool(&["protein", "--stockholm", &sto, "--family", "nope", "--hmmer", "off"], &[]);
    assert_input_error(&o, "no record with ID or AC 'nope'");
    let err = stderr(&o);
    assert!(err.contains("2 records could not be read: "), "{err}");
    assert!(err.contains("multi_family.sto:1929: alignment 'SraC_RyeA' looks like RNA/DNA"), "{err}");
    assert!(err.contains("duplicated sequence name"), "{err}");
    // Without --family the file must read cleanly: its first broken record is the error.
    let o = satool(&["protein", "--stockholm", &sto, "--hmmer", "off"], &[]);
    assert_input_error(&o, "multi_family.sto:1929: ");
}

#[test]
fn other_real_families_run() {
    for (file, k) in [("stockholm/PF00041_fn3.sto", 98), ("stockholm/LuxC_multiblock.sto", 13)] {
        let path = fixture(file);
        let v = json(&satool(
            &["protein", "--stockholm", &path, "--hmmer", "off", "--json", "--methods", "sa_gen,bootstrap,gmm_pca"],
            &[],
        ));
        assert_eq!(v["parameters"]["K"], k, "{file}");
        assert!(f(&method(&v, "sa_gen")["novelty"], "mean") > 0.1);
    }
}

#[test]
fn hmmer_require_fails_without_hmmer() {
    let sto = fixture("PF00076.sto");
    let o = satool(
        &["protein", "--stockholm", &sto, "--hmmer", "require", "--methods", "bootstrap"],
        &[("PATH", "/nonexistent")],
    );
    assert_input_error(&o, "hmmsearch");
    let auto =
        satool(&["protein", "--stockholm", &sto, "--methods", "bootstrap", "--json"], &[("PATH", "/nonexistent")]);
    let v = json(&auto);
    assert!(v["hmmer"]["status"].as_str().unwrap().starts_with("not run"));
    assert!(stderr(&auto).contains("apt-get install hmmer"), "tells how to install HMMER");
}

#[test]
fn help_and_version() {
    let o = satool(&["--version"], &[]);
    assert!(o.status.success() && stdout(&o).starts_with("satool "));
    let h = satool(&["protein", "--help"], &[]);
    assert!(stdout(&h).contains("--stockholm") && stdout(&h).contains("Exit codes"));
    let bad = satool(&["protein"], &[]);
    assert_eq!(bad.status.code(), Some(2));
}

/// The f32 chains follow the f64 ones (same random numbers): every metric within one SE.
#[test]
fn f32_precision_matches_f64() {
    let run = |p: &str| pf00076(&["--hmmer", "off", "--methods", "sa_ret,sa_gen,mala_ret,mala_gen", "--precision", p]);
    let (a, b) = (run("f64"), run("f32"));
    for id in ["sa_ret", "sa_gen", "mala_ret", "mala_gen"] {
        let (x, y) = (method(&a, id), method(&b, id));
        for key in ["novelty", "diversity", "energy"] {
            let d = (f(&x[key], "mean") - f(&y[key], "mean")).abs();
            assert!(d <= f(&x[key], "se"), "{id} {key}: {} vs {}", x[key], y[key]);
        }
        assert!((f(x, "seq_identity") - f(y, "seq_identity")).abs() <= f(x, "seq_identity_se"));
        for key in ["kl_composition", "kl_position", "mi_r"] {
            assert!((f(x, key) - f(y, key)).abs() <= 0.02 * f(x, key), "{id} {key}");
        }
    }
}

#[test]
fn extended_metrics_for_every_method() {
    let sto = fixture("PF00076.sto");
    let o = satool(
        &[
            "protein",
            "--stockholm",
            &sto,
            "--hmmer",
            "off",
            "--methods",
            "profile,sa_gen,bootstrap",
            "--extended",
            "--quiet",
        ],
        &[],
    );
    assert!(o.status.success() && stdout(&o).contains("C_ij r"), "{}", stderr(&o));
    // Both tables and the wrapped header fit a 100-column terminal (the first line names the path).
    for line in stdout(&o).lines().skip(1) {
        assert!(line.trim_end().chars().count() <= 100, "{} columns: {line}", line.chars().count());
    }
    let v = pf00076(&["--hmmer", "off", "--methods", "profile,sa_gen,bootstrap,natural"]);
    let family_id = f(&v["parameters"], "pairwise_identity");
    assert!((0.2..0.27).contains(&family_id), "family pairwise identity {family_id}");
    // Resampled natural sequences are their own nearest (identity 1, above the band); independent
    // sites land at 0.36, inside it.
    assert_eq!(f(method(&v, "natural"), "nn_band_share"), 0.0);
    assert!(f(method(&v, "profile"), "nn_band_share") > 0.9);
    let band = v["parameters"]["nn_identity_band"].as_array().unwrap();
    let (lo, hi) = (band[0].as_f64().unwrap(), band[1].as_f64().unwrap());
    assert!(0.0 < lo && lo < hi && hi < 1.0, "band {lo}..{hi}");
    for m in v["methods"].as_array().unwrap() {
        for key in ["mi_r_all", "mi_r_apc", "cij_r", "mean_pairwise_identity", "frac_over_90"] {
            assert!(m[key].is_number(), "{} has no {key}", m["id"]);
        }
    }
    // Independent sites keep no pair correlation; the sampler keeps some.
    assert!(f(method(&v, "profile"), "cij_r").abs() < 0.05);
    assert!(f(method(&v, "sa_gen"), "cij_r") > 0.2);
    // What 150 new members would reach (bench/decoders/natural_cij.py: 0.109 from the noise
    // constant of m = K/2): far below the sampler's, the same for every row of 150.
    let nat = f(method(&v, "sa_gen"), "natural_cij_r");
    assert!((0.08..0.14).contains(&nat), "natural C_ij r {nat}");
    assert_eq!(f(method(&v, "profile"), "natural_cij_r"), nat);
    assert!(stdout(&o).contains(&format!("natural C_ij r: {nat:.3} at 150 sequences")), "{}", stdout(&o));
}

#[test]
fn conditioning_on_a_subfamily() {
    let v = pf00076(&["--hmmer", "off", "--methods", "sa_gen,bootstrap", "--condition-names", "_HUMAN"]);
    let c = &v["condition"];
    let names = c["sequences"].as_array().unwrap();
    assert_eq!(names.len(), 15);
    assert!(names.iter().all(|n| n.as_str().unwrap().contains("_HUMAN")));
    assert_eq!(v["parameters"]["K"], 15);
    let reference = method(&v, "condition");
    assert_eq!(f(reference, "seq_identity"), 1.0);
    assert!(f(&reference["novelty"], "mean") < 1e-12);
    // Bootstrap draws only conditioned sequences: each decodes closest to a member of the subset.
    let boot = method(&v, "bootstrap");
    assert!(f(boot, "seq_identity") >= f(&boot["vs_family"], "seq_identity") - 1e-12);
    assert!(method(&v, "sa_gen")["vs_family"]["kl_composition"].is_number());
    let sto = fixture("PF00076.sto");
    let bad = satool(&["protein", "--stockholm", &sto, "--condition-names", "(", "--hmmer", "off"], &[]);
    assert_input_error(&bad, "regular expression");
    let none = satool(&["protein", "--stockholm", &sto, "--condition-names", "^NOPE", "--hmmer", "off"], &[]);
    assert_input_error(&none, "matches 0 of the 68");
}

/// An unaligned member with exactly L = 71 residues (21 of PF00076's 68 have 71) has the length
/// of an aligned sequence: it was read as one, its residues in the wrong columns (identity to
/// itself 0.886). Without a gap the length does not tell, so hmmalign's alignment is taken when
/// it puts the sequence closer to the members: identity 1 to itself.
#[test]
fn score_aligns_a_gapless_sequence_of_l_residues_when_that_fits_the_family() {
    require_hmmer();
    let text = std::fs::read_to_string(fixture("PF00076.sto")).unwrap();
    let row = text.lines().find(|l| l.starts_with("SART3_YEAST/119-189")).unwrap();
    let residues: String = row.split_whitespace().nth(1).unwrap().chars().filter(char::is_ascii_alphabetic).collect();
    assert_eq!(residues.len(), 71);
    let dir = tempfile::tempdir().unwrap();
    let fasta = dir.path().join("one.fasta");
    std::fs::write(&fasta, format!(">SART3_YEAST/119-189\n{residues}\n")).unwrap();
    let o =
        satool(&["protein", "--stockholm", &fixture("PF00076.sto"), "--score", fasta.to_str().unwrap(), "--json"], &[]);
    let v = json(&o);
    assert_eq!((v[0]["nearest"].as_str(), v[0]["identity"].as_f64()), (Some("SART3_YEAST/119-189"), Some(1.0)));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    // Without HMMER the length decides, unchecked: a warning says so (before, nothing did).
    let off = satool(
        &["protein", "--stockholm", &fixture("PF00076.sto"), "--score", fasta.to_str().unwrap(), "--hmmer", "off"],
        &[],
    );
    assert_eq!(off.status.code(), Some(0), "{}", stderr(&off));
    let said = stderr(&off).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(said.contains("one.fasta: its 1 sequence(s) have no gap and the length of an aligned one"), "{said}");
    // The same for an --evaluate file, among the run's warnings (results.json too).
    let args = ["--evaluate", fasta.to_str().unwrap(), "--hmmer", "off", "--methods", "bootstrap", "--json"];
    let v = json(&satool(&[&["protein", "--stockholm", &fixture("PF00076.sto")][..], &args[..]].concat(), &[]));
    let warned = v["warnings"].as_array().unwrap().iter().any(|w| {
        w.as_str().unwrap().starts_with("file:one: its 1 sequence(s) have no gap and the length of an aligned one")
    });
    assert!(warned, "{}", v["warnings"]);
}

/// A --condition-file name with its /start-end keeps that range only (PF00076 holds three
/// PABP_DROME and two SRSF1_HUMAN ranges); a name without one keeps every range of the sequence.
#[test]
fn condition_file_ranges_keep_only_the_listed_range() {
    let dir = tempfile::tempdir().unwrap();
    let ids = dir.path().join("ids.txt");
    std::fs::write(&ids, "PABP_DROME/92-161\nSRSF1_HUMAN/123-186\nLA_HUMAN\n").unwrap();
    let ids = ids.to_str().unwrap();
    let v = pf00076(&["--condition-file", ids, "--hmmer", "off", "--methods", "bootstrap", "--samples", "30"]);
    let kept: Vec<&str> = v["condition"]["sequences"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert_eq!(kept, ["LA_HUMAN/113-181", "SRSF1_HUMAN/123-186", "PABP_DROME/92-161"]);
    assert_eq!(v["parameters"]["K"], 3);
}

/// Twelve records (four real seeds, six derived halves, two broken): all run in parallel, the
/// broken ones report their error in their row, the others their sa_gen metrics.
#[test]
fn all_families_runs_every_record_and_reports_failures() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("db");
    let sto = fixture("multi_family.sto");
    let o = satool(
        &[
            "protein",
            "--stockholm",
            &sto,
            "--all-families",
            "--hmmer",
            "off",
            "--methods",
            "sa_gen",
            "--json",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    let v = json(&o);
    let fams = v["families"].as_array().unwrap();
    assert_eq!(fams.len(), 12);
    let ok: Vec<&serde_json::Value> = fams.iter().filter(|f| f["error"].is_null()).collect();
    assert_eq!(ok.len(), 10);
    for f in &ok {
        assert!(f["novelty"].as_f64().unwrap() > 0.2, "{f}");
        let sub = out.join(f["directory"].as_str().unwrap());
        assert!(sub.join("results.json").is_file() && sub.join("sa_gen.fasta").is_file());
    }
    let rrm = &fams[0];
    assert_eq!((rrm["id"].as_str(), rrm["K"].as_u64(), rrm["d"].as_u64()), (Some("RRM_1"), Some(68), Some(59)));
    let errors: Vec<&str> = fams.iter().filter_map(|f| f["error"].as_str()).collect();
    assert!(errors.iter().any(|e| e.contains("RNA") && e.contains("multi_family.sto:")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("duplicated sequence name")), "{errors:?}");
    assert!(out.join("families.json").is_file());
}

/// `--max-sequences N` keeps a random N of the cleaned sequences (seeded, in their order) and says
/// so in the header and results.json; the default (the published 100) and `all` leave PF00076
/// (K = 68) whole and results.json without the cap's fields; bad values are usage errors.
#[test]
fn max_sequences_caps_k_reproducibly() {
    let sto = fixture("PF00076.sto");
    let run = |extra: &[&str], json_out: bool| {
        let mut args = vec!["protein", "--stockholm", &sto, "--hmmer", "off", "--methods", "bootstrap,sa_gen"];
        args.extend_from_slice(extra);
        if json_out {
            args.push("--json");
        }
        satool(&args, &[])
    };
    let capped = without_timings(json(&run(&["--max-sequences", "20"], true)));
    let p = &capped["parameters"];
    assert_eq!(
        (p["K"].as_u64(), p["max_sequences"].as_u64(), p["cleaned_sequences"].as_u64()),
        (Some(20), Some(20), Some(68))
    );
    assert_eq!(capped, without_timings(json(&run(&["--max-sequences", "20"], true))), "same seed, same results");
    let other = without_timings(json(&run(&["--max-sequences", "20", "--seed", "2"], true)));
    assert_eq!(other["parameters"]["K"], 20);
    assert_ne!(capped["methods"], other["methods"], "another seed keeps other sequences");
    // The header names the cap; it is the same bytes for the same seed (the table has timings).
    let header = |o: &std::process::Output| {
        assert!(o.status.success(), "{}", stderr(o));
        stdout(o).split("conventions:").next().unwrap().to_string()
    };
    let text = header(&run(&["--max-sequences", "20"], false));
    assert!(text.contains("K = 20 sequences, L = "), "{text}");
    assert!(text.contains("max-sequences: K is a random 20 of the 68 cleaned sequences (--max-sequences 20"), "{text}");
    assert_eq!(text, header(&run(&["--max-sequences", "20"], false)));
    // K = 68 ≤ 100: the default changes nothing, and `all` is the same run.
    let default = without_timings(json(&run(&[], true)));
    assert_eq!(default["parameters"]["K"], 68);
    assert!(
        default["parameters"].get("max_sequences").is_none()
            && default["parameters"].get("cleaned_sequences").is_none()
    );
    assert_eq!(default, without_timings(json(&run(&["--max-sequences", "all"], true))));
    assert_eq!(default, without_timings(json(&run(&["--max-sequences", "68"], true))), "a cap of K keeps all");
    assert!(!header(&run(&[], false)).contains("max-sequences"));
    for (bad, why) in
        [("0", "too few"), ("1", "too few"), ("ten", "expected a number of sequences"), ("-5", "expected")]
    {
        let o = run(&[&format!("--max-sequences={bad}")], true);
        assert_input_error(&o, "--max-sequences");
        assert!(stderr(&o).contains(why), "{bad}: {}", stderr(&o));
    }
}

/// The cap applies to every record of `--all-families`; the summary shows "K of cleaned".
#[test]
fn max_sequences_applies_to_all_families() {
    let sto = fixture("multi_family.sto");
    let args = ["protein", "--stockholm", &sto, "--all-families", "--hmmer", "off", "--methods", "bootstrap"];
    let o = satool(&[&args[..], &["--max-sequences", "40", "--json"]].concat(), &[]);
    let v = json(&o);
    let row = |i: usize| &v["families"][i];
    assert_eq!(
        (row(0)["id"].as_str(), row(0)["K"].as_u64(), row(0)["cleaned_sequences"].as_u64()),
        (Some("RRM_1"), Some(40), Some(68))
    );
    assert_eq!((row(3)["id"].as_str(), row(3)["K"].as_u64()), (Some("LuxC"), Some(13)));
    assert!(row(3).get("cleaned_sequences").is_none(), "LuxC has 13 < 40: not capped");
    let text = stdout(&satool(&[&args[..], &["--max-sequences", "40"]].concat(), &[]));
    assert!(text.contains("40 of 68"), "{text}");
}

#[test]
fn small_families_and_copied_samples_are_warned_about() {
    let pf = fixture("PF00076.sto");
    // K = 3 after the cap: the family is too small and sa_gen mostly repeats three sequences
    let o = satool(
        &[
            "protein",
            "--stockholm",
            &pf,
            "--methods",
            "bootstrap,sa_gen",
            "--hmmer",
            "off",
            "--max-sequences",
            "3",
            "--json",
        ],
        &[],
    );
    let v = json(&o);
    let w: Vec<&str> = v["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert!(w.iter().any(|w| w.starts_with("K = 3 sequences: too few")), "{w:?}");
    assert!(w.iter().any(|w| w.starts_with("sa_gen: only ") && w.contains("distinct")), "{w:?}");
    assert!(w.iter().any(|w| w.starts_with("sa_gen: ") && w.contains("near-copies")), "{w:?}");
    // the bootstrap baseline repeats by design and is not judged
    assert!(!w.iter().any(|w| w.starts_with("bootstrap")), "{w:?}");
    let err = stderr(&o);
    assert_eq!(
        // each names its family: the file and the record (--all-families runs many at once)
        err.lines().filter(|l| l.starts_with("warning: ") && l.contains("PF00076.sto, record 'RRM_1': ")).count(),
        w.len(),
        "{err}"
    );
    // the whole family: nothing to warn about; the published 30 kept states per chain leave sa_gen
    // at R̂ ≈ 1.017, inside the protocol's own spread (warned above 1.03; 100 per chain: 1.002),
    // which the conventions state once
    let o = satool(&["protein", "--stockholm", &pf, "--methods", "bootstrap,sa_gen", "--hmmer", "off", "--json"], &[]);
    let v = json(&o);
    assert_eq!(v["warnings"], serde_json::json!([]));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    let c = &method(&v, "sa_gen")["convergence"];
    assert!((1.0..1.03).contains(&f(c, "rhat")) && f(c, "ess_bulk") > 600.0, "{c}");
    let conventions = v["conventions"].as_array().unwrap();
    assert!(conventions.iter().any(|c| c.as_str().unwrap().contains("a warning says R̂ > 1.03 or ESS < 100")));
    let o = satool(
        &["protein", "--stockholm", &pf, "--methods", "sa_gen", "--hmmer", "off", "--samples", "3000", "--json"],
        &[],
    );
    let v = json(&o);
    assert_eq!(v["warnings"], serde_json::json!([]));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
    assert_eq!(method(&v, "sa_gen")["n"], 3000);
    assert!(f(&method(&v, "sa_gen")["convergence"], "rhat") < 1.01);
}

#[test]
fn sample_count_and_temperatures_are_options() {
    let v = pf00076(&["--hmmer", "off", "--methods", "sa_gen,exact_gen,natural", "--samples", "7", "--beta-gen", "12"]);
    let p = &v["parameters"];
    assert_eq!((p["samples"].as_u64(), f(p, "beta_generation"), f(p, "beta_retrieval")), (Some(7), 12.0, 77.0));
    assert_eq!(
        (p["beta_generation_rule"].as_str(), p["beta_retrieval_rule"].as_str()),
        (Some("--beta-gen"), Some("round(20β*)"))
    );
    for id in ["sa_gen", "exact_gen", "natural"] {
        let m = method(&v, id);
        assert_eq!(m["n"], 7, "{id}");
        assert!(m["novelty"]["se"].is_null(), "{id}: no SE without a multiple of 30 samples");
    }
    assert_eq!(method(&v, "sa_gen")["label"], "SA β=12 (generation)");
    assert!(v["conventions"][0].as_str().unwrap().starts_with("samples: 7 per method; chains: 30 × 2001 steps"));
    // 30 samples are a multiple of 30 but one per chain: still no SE, and the conventions say why.
    let v = pf00076(&["--hmmer", "off", "--methods", "natural", "--samples", "30"]);
    assert!(method(&v, "natural")["novelty"]["se"].is_null());
    assert_eq!(
        v["conventions"][1],
        "no SE: it needs a multiple of 30 samples, at least 60 (30 groups of 2 or more, one per chain)"
    );
    // 60 samples: 2 kept states per chain, SE over 30 groups of 2
    let v = pf00076(&["--hmmer", "off", "--methods", "sa_ret", "--samples", "60", "--beta-ret", "40"]);
    assert_eq!(method(&v, "sa_ret")["n"], 60);
    assert!(f(&method(&v, "sa_ret")["novelty"], "se") > 0.0);
    assert_eq!(f(&v["parameters"], "beta_retrieval"), 40.0);

    let sto = fixture("PF00076.sto");
    for (args, needle) in [
        (["--samples", "0"], "invalid value '0' for '--samples <N>'"),
        (["--beta-gen", "-1"], "invalid value '-1' for '--beta-gen <BETA>': -1 is out of range: 1e-6 ≤ β ≤ 1e6"),
        (["--beta-ret", "inf"], "invalid value 'inf' for '--beta-ret <BETA>'"),
        (["--beta-gen", "x"], "'x' is not a number"),
    ] {
        let o = satool(&[&["protein", "--stockholm", &sto, "--hmmer", "off"][..], &args[..]].concat(), &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn per_sequence_scores_and_the_identity_filter() {
    require_hmmer();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let sto = fixture("PF00076.sto");
    let o = satool(
        &[
            "protein",
            "--stockholm",
            &sto,
            "--hmmer",
            "off",
            "--methods",
            "sa_ret,natural",
            "--samples",
            "60",
            "--max-identity",
            "0.7",
            "--decode",
            "published",
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    // --max-identity keeps N: sa_ret draws again, more, until 60 pass (the count of the failing
    // ones is of the last draw).
    let removed = v["parameters"]["removed_over_max_identity"]["sa_ret"].as_u64().unwrap() as usize;
    assert!(removed > 0, "sa_ret lost {removed} at identity 0.7");
    let kept = method(&v, "sa_ret");
    assert_eq!(kept["n"], 60, "N asked, N kept");
    assert!(!v["warnings"].to_string().contains("fewer than the 60 sequences asked"), "{}", v["warnings"]);
    assert_eq!(method(&v, "natural")["n"], 60, "the natural row is not filtered");
    // one TSV row per kept sequence, every identity ≤ 0.7, mean identity = the table's SeqID
    let tsv = std::fs::read_to_string(out.join("sa_ret.tsv")).unwrap();
    let mut lines = tsv.lines();
    assert_eq!(
        lines.next(),
        Some("name\tsequence\tbeta\tenergy\tstate_energy\tnearest\tidentity\tnovelty\tbits\tevalue")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 60);
    let ids: Vec<f64> = rows.iter().map(|r| r[6].parse().unwrap()).collect();
    assert!(ids.iter().all(|&x| x <= 0.7));
    assert!((ids.iter().sum::<f64>() / ids.len() as f64 - f(kept, "seq_identity")).abs() < 1e-12);
    let nov: Vec<f64> = rows.iter().map(|r| r[7].parse().unwrap()).collect();
    assert!((nov.iter().sum::<f64>() / nov.len() as f64 - f(&kept["novelty"], "mean")).abs() < 1e-12);
    assert!(rows.iter().all(|r| r[2] == "77.0" && r[1].len() == 71 && r[5].contains('/')));
    // the FASTA headers carry the same fields
    let fasta = std::fs::read_to_string(out.join("sa_ret.aligned.fasta")).unwrap();
    let header = fasta.lines().next().unwrap();
    assert!(header.starts_with(&format!(">{} energy=", rows[0][0])) && header.contains(" nearest="), "{header}");

    // With HMMER, each sequence's bit score and E-value; their median is the table's.
    let out = dir.path().join("hmm");
    let hmm = fixture("PF00076.hmm");
    let args = ["protein", "--stockholm", &sto, "--hmm", &hmm, "--methods", "sa_gen", "--out", out.to_str().unwrap()];
    let o = satool(&[&args[..], &["--json"]].concat(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    let tsv = std::fs::read_to_string(out.join("sa_gen.tsv")).unwrap();
    let mut bits: Vec<f64> = tsv.lines().skip(1).map(|l| l.split('\t').nth(8).unwrap().parse().unwrap()).collect();
    bits.sort_by(f64::total_cmp);
    let median = (bits[74] + bits[75]) / 2.0;
    assert!((median - f(method(&v, "sa_gen"), "hmm_median_bitscore")).abs() < 1e-9, "{median}");
    let fasta = std::fs::read_to_string(out.join("sa_gen.fasta")).unwrap();
    assert!(fasta.lines().next().unwrap().contains(" bits="), "the FASTA header carries the bit score");

    // With the default decode the retrieval rows are near-copies: a filter at 0.5 empties sa_ret,
    // which leaves the table with a warning instead of failing the run.
    let o = satool(
        &[
            "protein",
            "--stockholm",
            &sto,
            "--hmmer",
            "off",
            "--methods",
            "sa_ret,sa_gen",
            "--max-identity",
            "0.5",
            "--json",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    let ids: Vec<&str> = v["methods"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["sa_gen"], "{}", stderr(&o));
    assert!(stderr(&o).contains("--max-identity 0.5 removed every sample of sa_ret"), "{}", stderr(&o));

    let o = satool(&["protein", "--stockholm", &sto, "--hmmer", "off", "--max-identity", "1.5"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("1.5 is out of range: 0 ≤ X ≤ 1"), "{}", stderr(&o));
}

/// `--score` ranks the family's own sequences above the same sequences reversed (same
/// composition, no family structure), lowest energy first.
#[test]
fn score_ranks_family_members_above_decoys() {
    require_hmmer();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let sto = fixture("PF00076.sto");
    let o = satool(
        &["protein", "--stockholm", &sto, "--hmmer", "off", "--methods", "natural", "--out", out.to_str().unwrap()],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(out.join("natural.aligned.fasta")).unwrap();
    let mut fasta = String::new();
    let mut members = std::collections::BTreeSet::new();
    for rec in text.split('>').skip(1) {
        let mut lines = rec.lines();
        let name = lines.next().unwrap().split_whitespace().next().unwrap().to_string();
        let seq: String = lines.collect();
        if members.insert(seq.clone()) {
            fasta += &format!(">{name}\n{seq}\n>{name}_reversed\n{}\n", seq.chars().rev().collect::<String>());
        }
    }
    let path = dir.path().join("score.fasta");
    std::fs::write(&path, fasta).unwrap();
    let o = satool(&["protein", "--stockholm", &sto, "--score", path.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let tsv = stdout(&o);
    let mut lines = tsv.lines();
    assert_eq!(
        lines.next(),
        Some("name\tsequence\tbeta\tenergy\tstate_energy\tnearest\tidentity\tnovelty\tbits\tevalue\tfitness")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 2 * members.len());
    let energy: Vec<f64> = rows.iter().map(|r| r[3].parse().unwrap()).collect();
    assert!(energy.windows(2).all(|w| w[0] <= w[1]), "sorted by energy");
    let (top, bottom) = rows.split_at(members.len());
    assert!(top.iter().all(|r| !r[0].ends_with("_reversed")), "members first");
    assert!(bottom.iter().all(|r| r[0].ends_with("_reversed")));
    // a member's nearest stored sequence is itself: identity 1, novelty 0, β = β_gen = 8
    assert!(top.iter().all(|r| r[6] == "1.0" && r[7].parse::<f64>().unwrap() < 1e-12 && r[2] == "8.0"));
    // With HMMER, the members' bit scores against the family's HMM (hmmsearch of the seed's own
    // sequences: PF00076's bundled model scores them 40–80 bits); the reversed decoys miss it.
    let bits = |r: &Vec<&str>| r[8].parse::<f64>().ok();
    let member_bits: Vec<f64> = top.iter().filter_map(bits).collect();
    assert_eq!(member_bits.len(), top.len(), "every member has a hit");
    let mut sorted = member_bits.clone();
    sorted.sort_by(f64::total_cmp);
    assert!(sorted[sorted.len() / 2] > 30.0, "median member bit score {}", sorted[sorted.len() / 2]);
    assert!(bottom.iter().all(|r| bits(r).is_none_or(|b| b < 15.0)), "reversed decoys score low");
    // The family fitness too: every member above every reversed decoy.
    let fitness = |rows: &[Vec<&str>]| rows.iter().map(|r| r[10].parse::<f64>().unwrap()).collect::<Vec<_>>();
    let worst_member = fitness(top).into_iter().fold(f64::INFINITY, f64::min);
    assert!(fitness(bottom).iter().all(|&d| d < worst_member), "members' fitness above the decoys'");
    // JSON and bad input
    let o = satool(&["protein", "--stockholm", &sto, "--score", path.to_str().unwrap(), "--json"], &[]);
    assert_eq!(json(&o).as_array().unwrap().len(), rows.len());
    let bad = dir.path().join("bad.fasta");
    std::fs::write(&bad, ">x\nAC-DEF\n").unwrap();
    let o = satool(&["protein", "--stockholm", &sto, "--score", bad.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("bad.fasta"), "{}", stderr(&o));
}

/// A profile built by hmmbuild is named where the user finds it: `family.hmm`, relative to the
/// output directory (never the staging directory, which is renamed away), next to the
/// `family.sto` it was built from; without --out it was temporary and results.json says null.
/// `protein --help` lists every file --out writes (the HMM path included).
#[test]
fn built_hmm_is_named_by_its_committed_path() {
    require_hmmer();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let sto = fixture("PF00076.sto");
    let args = ["protein", "--stockholm", &sto, "--methods", "bootstrap", "--hmmer", "require", "--quiet"];
    let mut with_out = args.to_vec();
    with_out.extend(["--out", out.to_str().unwrap()]);
    let o = satool(&with_out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(r["hmmer"]["status"], "ran");
    assert_eq!(r["hmmer"]["hmm"], "family.hmm", "{}", r["hmmer"]);
    for f in ["family.hmm", "family.sto", "bootstrap.hmmsearch.tbl"] {
        assert!(out.join(f).is_file(), "missing {f}");
    }
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let v = json(&satool(&json_args, &[]));
    assert_eq!(v["hmmer"]["status"], "ran");
    assert!(v["hmmer"]["hmm"].is_null(), "a temporary HMM is not named: {}", v["hmmer"]);
    let mut given = json_args.clone();
    let hmm = fixture("PF00076.hmm");
    given.extend(["--hmm", &hmm]);
    assert_eq!(json(&satool(&given, &[]))["hmmer"]["hmm"].as_str(), Some(hmm.as_str()));
    let help = stdout(&satool(&["protein", "--help"], &[]));
    for f in
        ["results.json", "command.txt", ".aligned.fasta", ".hmmsearch.tbl", "family.sto", "family.hmm", "families.json"]
    {
        assert!(help.contains(f), "--help does not list {f}");
    }
}

/// Two --evaluate files with the same name in different folders are two rows with ids that keep
/// their folder, each with its own numbers (those of the file scored alone) and its own output
/// files; the same arguments give the same bytes on every run.
#[test]
fn same_named_evaluate_files_in_different_folders_stay_apart() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("PF00076_evaluate.aligned.fasta")).unwrap();
    let records: Vec<String> = text.split('>').filter(|r| !r.is_empty()).map(|r| format!(">{r}")).collect();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(a.join("x.fasta"), records[..20].concat()).unwrap();
    std::fs::write(b.join("x.fasta"), records[20..].concat()).unwrap();
    let (fa, fb) = (a.join("x.fasta").display().to_string(), b.join("x.fasta").display().to_string());
    let sto = fixture("PF00076.sto");
    let run = |files: &[&str], out: Option<&std::path::Path>| {
        let mut args = vec!["protein", "--stockholm", &sto, "--methods", "bootstrap", "--json", "--quiet"];
        for f in files {
            args.extend(["--evaluate", f]);
        }
        let out_s = out.map(|o| o.display().to_string());
        if let Some(o) = &out_s {
            args.extend(["--out", o]);
        }
        json(&satool(&args, &[]))
    };
    let out = dir.path().join("out");
    let both = run(&[&fa, &fb], Some(&out));
    let ids: Vec<&str> = both["methods"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["bootstrap", "file:a/x", "file:b/x"]);
    for (id, file) in [("file:a/x", &fa), ("file:b/x", &fb)] {
        let alone = run(&[file], None);
        let (m, want) = (method(&both, id), method(&alone, "file:x"));
        for key in ["kl_composition", "kl_position", "mi_r", "seq_identity", "hmm_pass"] {
            assert_eq!(m[key], want[key], "{id} {key}");
        }
        assert_eq!(m["n"], 20);
    }
    assert_ne!(method(&both, "file:a/x")["kl_position"], method(&both, "file:b/x")["kl_position"]);
    // Each file's rows keep their own (distinct) names.
    for (stem, first) in [("file_a_x", "Eval_1"), ("file_b_x", "Eval_21")] {
        let fasta = std::fs::read_to_string(out.join(format!("{stem}.fasta"))).unwrap();
        assert_eq!(fasta.matches('>').count(), 20, "{stem}");
        assert!(fasta.starts_with(&format!(">{first} energy=")), "{stem}");
        assert!(out.join(format!("{stem}.aligned.fasta")).is_file());
    }
    for _ in 0..3 {
        assert_eq!(without_timings(run(&[&fa, &fb], None)), without_timings(run(&[&fa, &fb], None)));
    }
}

/// `--all-families` names failed records by the ID their lines gave, reports the first generating
/// method that ran (here exact_gen, not a row of "—" for the absent sa_gen) and says which, and
/// passes `--extended` through: C_ij r and the other extended columns in the table and JSON.
#[test]
fn all_families_names_failed_records_and_uses_the_methods_run() {
    let sto = fixture("multi_family.sto");
    let args = ["protein", "--stockholm", &sto, "--all-families", "--hmmer", "off", "--methods", "exact_gen,profile"];
    let mut json_args = args.to_vec();
    json_args.extend(["--json", "--quiet"]);
    let v = json(&satool(&json_args, &[]));
    assert_eq!(v["row_method"], "exact_gen");
    let fams = v["families"].as_array().unwrap();
    for f in fams.iter().filter(|f| f["error"].is_null()) {
        assert_eq!(f["row"], "exact_gen", "{f}");
        for key in ["novelty", "kl_position", "mi_r", "cij_r", "mi_r_apc", "frac_over_90"] {
            assert!(f[key].is_number(), "{key} in {f}");
        }
    }
    let failed: Vec<&serde_json::Value> = fams.iter().filter(|f| !f["error"].is_null()).collect();
    assert_eq!(failed.len(), 2);
    for f in &failed {
        assert!(f["id"].is_string(), "a failed record keeps its ID: {f}");
    }
    assert!(failed.iter().any(|f| f["id"] == "SraC_RyeA"), "{failed:?}");
    let mut text_args = args.to_vec();
    text_args.extend(["--extended", "--quiet"]);
    let o = satool(&text_args, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = stdout(&o);
    assert!(table.contains("(row: exact_gen)"), "{table}");
    assert!(table.contains("C_ij r") && table.contains("SraC_RyeA"), "{table}");
}

/// `--all-families` on a file none of whose records runs exits 2 after its summary; one record
/// that runs makes it exit 0.
#[test]
fn all_families_exits_2_when_no_record_ran() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("multi_family.sto")).unwrap();
    let records: Vec<String> =
        text.split("# STOCKHOLM 1.0\n").skip(1).map(|r| format!("# STOCKHOLM 1.0\n{r}")).collect();
    let named = |id: &str| records.iter().find(|r| r.contains(&format!(" {id}\n"))).unwrap().clone();
    let broken = dir.path().join("broken.sto");
    std::fs::write(&broken, named("SraC_RyeA") + &named("Cys_knot")).unwrap();
    let args = |f: &std::path::Path| {
        let f = f.to_str().unwrap().to_string();
        satool(&["protein", "--stockholm", &f, "--all-families", "--hmmer", "off", "--methods", "bootstrap"], &[])
    };
    let o = args(&broken);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stdout(&o).contains("2 records, 0 ran, 2 failed"), "{}", stdout(&o));
    assert!(stderr(&o).contains("none of its 2 record(s) ran"), "{}", stderr(&o));
    let one_runs = dir.path().join("one.sto");
    std::fs::write(&one_runs, named("SraC_RyeA") + &named("LuxC")).unwrap();
    let o = args(&one_runs);
    assert!(o.status.success() && stdout(&o).contains("1 ran, 1 failed"), "{}", stderr(&o));
}

/// `--all-families --holdout`: each family's row carries its held-out scores and its null, the
/// same numbers as that family run alone (`--family`), and the table shows them.
#[test]
fn all_families_reports_held_out_scores_per_family() {
    let sto = fixture("multi_family.sto");
    let base = ["protein", "--stockholm", &sto, "--hmmer", "off", "--methods", "bootstrap", "--quiet"];
    let with = |extra: &[&str]| satool(&[&base[..], extra].concat(), &[]);
    let v = json(&with(&["--all-families", "--holdout", "0.3", "--json"]));
    let fams = v["families"].as_array().unwrap();
    let ran: Vec<&serde_json::Value> = fams.iter().filter(|f| f["error"].is_null()).collect();
    assert!(ran.len() >= 8, "{v}");
    for f in &ran {
        for key in ["held_out", "held_out_null"] {
            let auc = f[key]["auc"]["mean"].as_f64().unwrap_or_else(|| panic!("{key} in {f}"));
            assert!((0.0..=1.0).contains(&auc), "{f}");
            assert!(f[key]["nn_identity"]["mean"].as_f64().is_some_and(|x| x > 0.0 && x < 1.0), "{f}");
        }
    }
    let luxc = ran.iter().find(|f| f["id"] == "LuxC").expect("LuxC ran");
    let one = json(&with(&["--family", "LuxC", "--holdout", "0.3", "--json"]));
    let row = one["methods"].as_array().unwrap().iter().find(|m| m["id"] == "bootstrap").unwrap();
    assert_eq!(luxc["held_out"], row["held_out"], "{luxc} against {row}");
    assert_eq!(luxc["held_out_null"], one["holdout"]["null"]);
    // The table's held-out columns and what they mean.
    let o = with(&["--all-families", "--holdout", "0.3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = stdout(&o);
    assert!(t.contains("ho AUC") && t.contains("null ho AUC") && t.contains("ho id: mean identity"), "{t}");
    // Without --holdout neither the columns nor the keys appear.
    let v = json(&with(&["--all-families", "--json"]));
    assert!(v["families"].as_array().unwrap().iter().all(|f| f.get("held_out").is_none()), "{v}");
}

/// A record whose hmmbuild input once panicked the Stockholm writer (a 65,534-character
/// sequence name) no longer ends an `--all-families` run.
#[test]
fn all_families_survives_a_record_with_a_huge_sequence_name() {
    require_hmmer();
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("PF00076.sto")).unwrap();
    let first = text.lines().find(|l| !l.starts_with('#') && !l.trim().is_empty()).unwrap();
    let name = first.split_whitespace().next().unwrap();
    let long = text.replacen(name, &"N".repeat(65_534), 1);
    let path = dir.path().join("two.sto");
    std::fs::write(&path, long + &std::fs::read_to_string(fixture("stockholm/PF00041_fn3.sto")).unwrap()).unwrap();
    let o = satool(
        &[
            "protein",
            "--stockholm",
            path.to_str().unwrap(),
            "--all-families",
            "--methods",
            "bootstrap",
            "--json",
            "--quiet",
        ],
        &[],
    );
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    let v = json(&o);
    let ids: Vec<&str> = v["families"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["RRM_1", "fn3"]);
}

/// `--decode`: named in results.json and the header; the default (norm) and the sampling decoders
/// change the decoded sequences (not the memory-space samples), published keeps the paper's
/// numbers; bad values are usage errors (exit 2).
#[test]
fn decode_is_reported_and_changes_the_sequences() {
    let sto = fixture("PF00076.sto");
    let run = |decode: Option<&str>, out: &std::path::Path| {
        let mut args =
            vec!["protein", "--stockholm", &sto, "--hmmer", "off", "--methods", "natural,sa_gen", "--quiet", "--json"];
        let o = out.to_str().unwrap().to_string();
        args.extend_from_slice(&["--out", &o]);
        if let Some(d) = decode {
            args.extend_from_slice(&["--decode", d]);
        }
        let v = json(&satool(&args, &[]));
        let fasta = std::fs::read_to_string(out.join("sa_gen.aligned.fasta")).unwrap();
        let natural = std::fs::read_to_string(out.join("natural.aligned.fasta")).unwrap();
        (v, fasta, natural)
    };
    let d = tempfile::tempdir().unwrap();
    let (published, pub_fasta, pub_nat) = run(Some("published"), &d.path().join("p"));
    let (default, def_fasta, def_nat) = run(None, &d.path().join("d"));
    let (attention, att_fasta, _) = run(Some("attention"), &d.path().join("a"));
    assert_eq!(published["parameters"]["decode"], "published");
    // The default decode is calibrated: results.json names the decode it chose for the family.
    let chosen = &default["parameters"]["decode_calibration"]["chosen"];
    assert_eq!(&default["parameters"]["decode"], chosen, "the default decode");
    assert!(chosen.as_str().is_some_and(|c| c.starts_with("attention:")), "{chosen}");
    assert_eq!(attention["parameters"]["decode"], "attention");
    assert_ne!(pub_fasta, def_fasta);
    assert_ne!(def_fasta, att_fasta);
    assert_eq!(pub_nat, def_nat, "the natural row is not decoded");
    let sa =
        |v: &serde_json::Value| v["methods"].as_array().unwrap().iter().find(|m| m["id"] == "sa_gen").unwrap().clone();
    assert_eq!(sa(&published)["novelty"], sa(&default)["novelty"], "decoding does not change the samples");
    let id = |v: &serde_json::Value| sa(v)["mean_pairwise_identity"].as_f64().unwrap();
    assert!(id(&published) > 0.4 && id(&default) < 0.3, "published {} vs default {}", id(&published), id(&default));
    assert!(def_fasta.lines().filter(|l| !l.starts_with('>')).any(|l| l.contains('-')), "the default decodes gaps");
    // Same seed, same decoded bytes (the sampling decoders included).
    let (_, again, _) = run(Some("attention"), &d.path().join("a2"));
    assert_eq!(att_fasta, again);
    // The header names the decode.
    let text =
        stdout(&satool(&["protein", "--stockholm", &sto, "--hmmer", "off", "--methods", "sa_gen", "--quiet"], &[]));
    assert!(text.contains(&format!("decode = {} [", chosen.as_str().unwrap())), "{text}");
    assert!(text.contains("--decode calibrated"), "{text}");
    for bad in ["argmax", "sample:-1", "norm:2", "published:1", "attention:0"] {
        let o = satool(&["protein", "--stockholm", &sto, "--hmmer", "off", "--decode", bad], &[]);
        assert_eq!(o.status.code(), Some(2), "--decode {bad}: {}", stderr(&o));
        assert!(stderr(&o).contains("--decode"), "{}", stderr(&o));
    }
}

/// PF00076 plus 30 one-mutation copies of its first sequence: a redundant cluster of 31 that
/// holds 32% of the stored sequences but is one family member.
fn redundant_family(dir: &std::path::Path) -> String {
    let text = std::fs::read_to_string(fixture("PF00076.sto")).unwrap();
    let (name, seq) = text
        .lines()
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .and_then(|l| l.split_once(char::is_whitespace))
        .unwrap();
    let mut out: String = text.lines().filter(|l| *l != "//").map(|l| format!("{l}\n")).collect();
    let residues: Vec<usize> =
        seq.trim().bytes().enumerate().filter(|(_, c)| c.is_ascii_alphabetic()).map(|(i, _)| i).collect();
    for i in 0..30 {
        let mut s = seq.trim().as_bytes().to_vec();
        let j = residues[(i * 7) % residues.len()];
        s[j] = if s[j] == b'A' { b'G' } else { b'A' };
        out += &format!("copy{i}_{name}  {}\n", String::from_utf8(s).unwrap());
    }
    out += "//\n";
    let path = dir.join("redundant.sto");
    std::fs::write(&path, out).unwrap();
    path.display().to_string()
}

/// Share of 600 exact_gen samples of `redundant_family` (at `sto`) whose nearest stored sequence
/// is in the cluster, and results.json's M_eff, for a run with `extra` arguments into `dir/out`.
fn cluster_share(dir: &std::path::Path, sto: &str, extra: &[&str], out: &str) -> (f64, Option<f64>) {
    let first = std::fs::read_to_string(fixture("PF00076.sto")).unwrap();
    let first =
        first.lines().find(|l| !l.is_empty() && !l.starts_with('#')).unwrap().split('/').next().unwrap().to_string();
    let out = dir.join(out);
    let o = out.display().to_string();
    let mut args = vec!["protein", "--stockholm", sto, "--no-hmmer", "--max-sequences", "all", "--methods"];
    args.extend_from_slice(&["exact_gen", "--samples", "600", "--quiet", "--out", &o]);
    args.extend_from_slice(extra);
    let run = satool(&args, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    let tsv = std::fs::read_to_string(out.join("exact_gen.tsv")).unwrap();
    let nearest: Vec<&str> = tsv.lines().skip(1).map(|l| l.split('\t').nth(5).unwrap()).collect();
    assert_eq!(nearest.len(), 600);
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    let share = nearest.iter().filter(|n| n.starts_with("copy") || n.starts_with(&first)).count() as f64 / 600.0;
    (share, results["parameters"]["m_eff"].as_f64())
}

#[test]
fn reweight_gives_a_redundant_cluster_the_weight_of_one_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let sto = redundant_family(dir.path());
    let cluster_share = |extra: &[&str], out: &str| cluster_share(dir.path(), &sto, extra, out);
    // Unweighted, the cluster draws about its 31/98 of the samples; weighted, about 1/67.
    let (plain, no_m_eff) = cluster_share(&["--decode", "norm"], "plain");
    let (weighted, m_eff) = cluster_share(&["--decode", "norm", "--reweight", "0.8"], "weighted");
    assert_eq!(no_m_eff, None);
    // The seed alone has M_eff = 67 of 68 (one pair ≥ 80% identical); the cluster of 31 around
    // its first sequence counts as that one sequence, so M_eff stays 67 (checked with NumPy).
    assert!((m_eff.unwrap() - 67.0).abs() < 1e-9, "M_eff {m_eff:?}");
    assert!((0.25..=0.40).contains(&plain), "unweighted cluster share {plain}");
    assert!(weighted <= 0.08, "weighted cluster share {weighted}");
    for bad in ["0", "1.5", "-0.8", "x"] {
        let o = satool(&["protein", "--stockholm", &sto, "--no-hmmer", "--reweight", bad], &[]);
        assert_eq!(o.status.code(), Some(2), "--reweight {bad}: {}", stderr(&o));
    }
}

/// `--decode attention` draws each position from a stored sequence by the sampler's attention,
/// sequence weights included: weighted, the cluster of 31 gets about the 1/67 of the samples of
/// one sequence (9 of 600 expected, sd 3), as under `norm`. A decoder with its own
/// unweighted softmax put 31 of 600 there.
#[test]
fn reweight_reaches_the_attention_decode() {
    let dir = tempfile::tempdir().unwrap();
    let sto = redundant_family(dir.path());
    let (plain, _) = cluster_share(dir.path(), &sto, &["--decode", "attention"], "plain");
    let (weighted, _) = cluster_share(dir.path(), &sto, &["--decode", "attention", "--reweight", "0.8"], "weighted");
    assert!((0.25..=0.40).contains(&plain), "unweighted cluster share {plain}");
    assert!((0.002..=0.035).contains(&weighted), "weighted cluster share {weighted}");
}

/// Streaming (i.i.d. rows drawn, decoded and scored `STREAM_CHUNK` samples at a time) changes no
/// byte: a run across a chunk boundary, with SE groups that straddle it, equals itself at one
/// and two threads and equals the unchunked path (`--max-identity 1` filters, so it scores the
/// row whole, dropping nothing); its TSVs hold every sample and give back the table's means.
#[test]
fn streamed_rows_equal_the_whole_row_computation() {
    use satool_app::protein::generate::STREAM_CHUNK;
    let n = 30 * (STREAM_CHUNK / 30 + 67); // 18390: one full chunk and 2006 more; groups of 613
    assert!(n > STREAM_CHUNK && n < 2 * STREAM_CHUNK && !STREAM_CHUNK.is_multiple_of(n / 30));
    let dir = tempfile::tempdir().unwrap();
    let sto = fixture("PF00076.sto");
    let run = |name: &str, threads: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let samples = n.to_string();
        let methods = "exact_ret,bootstrap,profile";
        let mut args = vec!["protein", "--stockholm", &sto, "--hmmer", "off", "--methods", methods];
        args.extend_from_slice(&["--samples", &samples, "--quiet", "--out", out.to_str().unwrap()]);
        args.extend_from_slice(extra);
        let o = satool(&args, &[("RAYON_NUM_THREADS", threads)]);
        assert!(o.status.success(), "{}", stderr(&o));
        out
    };
    let (one, two, whole) = (run("one", "1", &[]), run("two", "2", &[]), run("whole", "2", &["--max-identity", "1"]));
    let read = |dir: &std::path::Path, file: &str| std::fs::read(dir.join(file)).unwrap();
    let results = |dir: &std::path::Path| {
        let v: serde_json::Value = serde_json::from_slice(&read(dir, "results.json")).unwrap();
        without_timings(v)
    };
    for id in ["exact_ret", "bootstrap", "profile"] {
        for ext in ["tsv", "fasta", "aligned.fasta", "a2m"] {
            let file = format!("{id}.{ext}");
            assert!(read(&one, &file) == read(&two, &file), "{file}: 1 vs 2 threads");
            assert!(read(&one, &file) == read(&whole, &file), "{file}: streamed vs whole");
        }
    }
    let (r, w) = (results(&one), results(&whole));
    assert_eq!(r, results(&two), "results.json: 1 vs 2 threads");
    assert_eq!(r["methods"], w["methods"], "results.json: streamed vs whole");
    assert_eq!(w["parameters"]["removed_over_max_identity"]["bootstrap"], 0);

    // Every sample is in the TSV once, and its columns give back the table's means (to 1e-14:
    // serde_json reads the JSON's last digit approximately).
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let same = |a: f64, b: f64, what: &str| assert!((a - b).abs() < 1e-14, "{what}: {a} vs {b}");
    for id in ["exact_ret", "bootstrap", "profile"] {
        let tsv = String::from_utf8(read(&one, &format!("{id}.tsv"))).unwrap();
        let rows: Vec<Vec<&str>> = tsv.lines().skip(1).map(|l| l.split('\t').collect()).collect();
        assert_eq!(rows.len(), n, "{id}: one TSV row per sample");
        assert_eq!(rows[n - 1][0], format!("{id}_{n}"));
        let col = |c: usize| rows.iter().map(|r| r[c].parse::<f64>().unwrap()).collect::<Vec<f64>>();
        let m = method(&r, id);
        assert_eq!(m["n"], n);
        same(mean(&col(7)), f(&m["novelty"], "mean"), &format!("{id}: novelty"));
        same(mean(&col(6)), f(m, "seq_identity"), &format!("{id}: SeqID"));
        assert!(m["diversity"]["se"].is_f64(), "{id}: diversity SE over 30 groups that straddle the chunks");
    }
    // The TSV's state energy is at the row's β: for exact_ret that is β_ret, the table's.
    let tsv = String::from_utf8(read(&one, "exact_ret.tsv")).unwrap();
    let energy: Vec<f64> = tsv.lines().skip(1).map(|l| l.split('\t').nth(4).unwrap().parse().unwrap()).collect();
    same(mean(&energy), f(&method(&r, "exact_ret")["energy"], "mean"), "exact_ret: energy at β_ret");
}

/// `--holdout`: the memory holds the training members only, every row is scored against the
/// held-out ones over disjoint folds, and the split does not follow `--seed`.
#[test]
fn holdout_scores_rows_against_members_the_model_never_saw() {
    let sto = fixture("PF00076.sto");
    let run = |seed: &str| {
        let args = ["protein", "--stockholm", &sto, "--no-hmmer", "--methods", "natural,sa_gen", "--json", "--quiet"];
        let mut args = args.to_vec();
        args.extend_from_slice(&["--holdout", "0.2", "--holdout-folds", "3", "--seed", seed]);
        let o = satool(&args, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        json(&o)
    };
    let (a, b) = (run("1"), run("2"));
    // 68 cleaned members: floor(0.2 × 68) = 13 held out, 55 train the memory.
    assert_eq!(a["parameters"]["K"], 55);
    let h = &a["holdout"];
    assert_eq!(
        (h["held_out_per_fold"].as_u64(), h["train_per_fold"].as_u64(), h["folds"].as_u64()),
        (Some(13), Some(55), Some(3))
    );
    for id in ["natural", "sa_gen"] {
        let s = &method(&a, id)["held_out"];
        assert_eq!(s["auc"]["folds"], 3, "{id}: {s}");
        let auc = f(&s["auc"], "mean");
        assert!((0.0..=1.0).contains(&auc), "{id}: AUC {auc}");
        let id_mean = f(&s["nn_identity"], "mean");
        assert!((0.2..0.6).contains(&id_mean), "{id}: nearest held-out identity {id_mean}");
    }
    // The null: training members vs held-out. Its identity depends on the split only, so it is
    // the same for every seed, while the generated rows change with the seed.
    let null = |v: &serde_json::Value, k: &str| f(&v["holdout"]["null"][k], "mean");
    assert_eq!(null(&a, "nn_identity"), null(&b, "nn_identity"));
    assert!((0.25..0.45).contains(&null(&a, "nn_identity")), "null identity {}", null(&a, "nn_identity"));
    assert!((0.3..0.9).contains(&null(&a, "auc")), "natural vs natural AUC {}", null(&a, "auc"));
    let gen_id = |v: &serde_json::Value| f(&method(v, "sa_gen")["held_out"]["nn_identity"], "mean");
    assert_ne!(gen_id(&a), gen_id(&b));
    // The report reads the natural row (copies of the training members) as the floor, when it ran.
    let dir = tempfile::tempdir().unwrap();
    let report = |methods: &str, name: &str| {
        let out = dir.path().join(name);
        let args = ["protein", "--stockholm", &sto, "--no-hmmer", "--methods", methods, "--holdout", "0.2"];
        let o =
            satool(&[&args[..], &["--holdout-folds", "2", "--quiet", "--report", out.to_str().unwrap()]].concat(), &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read_to_string(out.join("report.md")).unwrap()
    };
    let floor = "The natural row, the training members drawn with replacement, reaches ";
    assert!(report("natural,sa_gen", "with").contains(floor), "the report names the copies' floor");
    assert!(!report("sa_gen", "without").contains(floor));

    let text = satool(
        &[
            "protein",
            "--stockholm",
            &sto,
            "--no-hmmer",
            "--methods",
            "sa_gen",
            "--extended",
            "--holdout",
            "0.2",
            "--quiet",
        ],
        &[],
    );
    assert!(
        stdout(&text).contains("ho AUC") && stdout(&text).contains("null (training members vs held-out)"),
        "{}",
        stdout(&text)
    );
    for bad in [
        &["--holdout", "0"][..],
        &["--holdout", "1"],
        &["--holdout-folds", "2"],
        &["--holdout", "0.3", "--holdout-folds", "4"],
    ] {
        let mut args = vec!["protein", "--stockholm", &sto, "--no-hmmer", "--methods", "sa_gen", "--quiet"];
        args.extend_from_slice(bad);
        let o = satool(&args, &[]);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
    }
    let o = satool(
        &["protein", "--stockholm", &sto, "--no-hmmer", "--holdout", "0.3", "--holdout-folds", "4", "--quiet"],
        &[],
    );
    assert!(stderr(&o).contains("at most 3 folds"), "{}", stderr(&o));
}

/// The extended table's note on the bits column names the natural row only when it was run.
#[test]
fn extended_bits_note_names_the_natural_row_only_when_it_ran() {
    let sto = fixture("PF00076.sto");
    let note = |methods: &str| {
        let o =
            satool(&["protein", "--stockholm", &sto, "--no-hmmer", "--methods", methods, "--extended", "--quiet"], &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o).lines().find(|l| l.starts_with("bits:")).unwrap().to_string()
    };
    assert_eq!(note("sa_gen"), "bits: median hmmsearch bit score");
    assert_eq!(note("natural,sa_gen"), "bits: median hmmsearch bit score (natural sequences: the natural row's)");
}

/// Out-of-range `--reweight` values get one message, whichever side they miss.
#[test]
fn reweight_range_messages_agree() {
    let sto = fixture("PF00076.sto");
    for bad in ["0", "1.2", "-0.8"] {
        let o = satool(&["protein", "--stockholm", &sto, "--no-hmmer", "--reweight", bad], &[]);
        assert_eq!(o.status.code(), Some(2), "--reweight {bad}: {}", stderr(&o));
        assert!(stderr(&o).contains(&format!("{bad} is out of range: 0 < X ≤ 1")), "--reweight {bad}: {}", stderr(&o));
    }
}

/// The `--max-sequences` cap keeps the same sequences whatever `--seed` (its own fixed stream):
/// the family statistics computed on the kept sequences agree between seeds.
#[test]
fn the_cap_keeps_the_same_sequences_for_every_seed() {
    let sto = fixture("PF00076.sto");
    let run = |seed: &str| {
        let args = ["protein", "--stockholm", &sto, "--no-hmmer", "--methods", "sa_gen", "--max-sequences", "40"];
        let mut args = args.to_vec();
        args.extend_from_slice(&["--json", "--quiet", "--seed", seed]);
        json(&satool(&args, &[]))
    };
    let (a, b) = (run("1"), run("2"));
    assert_eq!(a["parameters"]["K"], 40);
    assert_eq!(a["parameters"]["cleaned_sequences"], 68);
    assert_eq!(a["parameters"]["pairwise_identity"], b["parameters"]["pairwise_identity"]);
    assert_eq!(a["parameters"]["nn_identity_band"], b["parameters"]["nn_identity_band"]);
    assert_ne!(method(&a, "sa_gen")["seq_identity"], method(&b, "sa_gen")["seq_identity"], "the seeds still differ");
}

/// A sampler generation row mostly outside the natural nearest-neighbour band is warned about;
/// the default operating point is not.
#[test]
fn a_sampler_row_outside_the_band_is_warned() {
    let sto = fixture("PF00076.sto");
    let warnings = |extra: &[&str]| {
        let mut args =
            vec!["protein", "--stockholm", &sto, "--no-hmmer", "--methods", "sa_gen,bootstrap", "--json", "--quiet"];
        args.extend_from_slice(extra);
        let v = json(&satool(&args, &[]));
        v["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    let band = |w: &[String]| w.iter().filter(|w| w.contains("identity band")).cloned().collect::<Vec<_>>();
    assert_eq!(band(&warnings(&[])), Vec::<String>::new());
    // At β_gen = 100 the samples are near-copies: 0% in the band (bootstrap, a baseline, is not judged).
    let hot = band(&warnings(&["--beta-gen", "100"]));
    assert_eq!(hot.len(), 1, "{hot:?}");
    assert!(hot[0].starts_with("sa_gen: only 0% of its sequences lie in the natural nearest-neighbour identity band"));
}

/// `energy` in `<id>.tsv` and the FASTA headers is the emitted sequence's (what `--score` gives
/// for the same sequence at the same β); the sampler state's is `state_energy`.
#[test]
fn the_tsv_energy_is_the_emitted_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let sto = fixture("PF00076.sto");
    let o = out.to_str().unwrap();
    let run =
        satool(&["protein", "--stockholm", &sto, "--no-hmmer", "--methods", "sa_gen", "--quiet", "--out", o], &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    let tsv = std::fs::read_to_string(out.join("sa_gen.tsv")).unwrap();
    let header: Vec<&str> = tsv.lines().next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<String>> = tsv.lines().skip(1).map(|l| l.split('\t').map(String::from).collect()).collect();
    let fasta = out.join("sa_gen.aligned.fasta");
    let scored =
        satool(&["protein", "--stockholm", &sto, "--no-hmmer", "--score", fasta.to_str().unwrap(), "--json"], &[]);
    assert!(scored.status.success(), "{}", stderr(&scored));
    let scored: Vec<serde_json::Value> = serde_json::from_slice(&scored.stdout).unwrap();
    assert_eq!(scored.len(), rows.len());
    let mut differ = 0;
    for s in &scored {
        let row = rows.iter().find(|r| r[col("name")] == s["name"].as_str().unwrap()).unwrap();
        let (energy, state): (f64, f64) =
            (row[col("energy")].parse().unwrap(), row[col("state_energy")].parse().unwrap());
        assert!((energy - f(s, "energy")).abs() < 1e-12, "{}: TSV {energy} vs --score {}", row[0], f(s, "energy"));
        assert_eq!(s["state_energy"], serde_json::Value::Null);
        differ += usize::from((energy - state).abs() > 0.1);
    }
    assert!(differ > rows.len() / 2, "the state's energy is not the sequence's ({differ} of {} differ)", rows.len());
    let first = std::fs::read_to_string(&fasta).unwrap();
    assert!(first.lines().next().unwrap().contains(" state_energy="), "{}", first.lines().next().unwrap());
}

/// `--evaluate` keeps the file's sequence names in `<id>.tsv` and the FASTA files (when they are
/// distinct); `--score` reads unaligned sequences as `--evaluate` does (hmmalign), and seed-column
/// ones; its messages do not speak of `--evaluate`.
#[test]
fn evaluate_keeps_names_and_score_aligns_unaligned_input() {
    let dir = tempfile::tempdir().unwrap();
    let sto = fixture("PF00076.sto");
    let fasta = fixture("PF00076_evaluate.aligned.fasta");
    let out = dir.path().join("run");
    let o = out.to_str().unwrap();
    let mut args = vec!["protein", "--stockholm", &sto, "--hmmer", "off", "--methods", "bootstrap"];
    args.extend(["--evaluate", &fasta, "--quiet", "--out", o]);
    let run = satool(&args, &[]);
    assert!(run.status.success(), "{}", stderr(&run));
    let tsv = std::fs::read_to_string(out.join("file_PF00076_evaluate.tsv")).unwrap();
    let names: Vec<&str> = tsv.lines().skip(1).map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(names.len(), 40);
    assert_eq!((names[0], names[39]), ("Eval_1", "Eval_40"));
    let aligned = std::fs::read_to_string(out.join("file_PF00076_evaluate.aligned.fasta")).unwrap();
    assert!(aligned.starts_with(">Eval_1 energy="), "{}", &aligned[..40]);
    assert!(std::fs::read_to_string(out.join("bootstrap.tsv"))
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .starts_with("bootstrap_1\t"));

    // The same 40, ungapped: --score aligns them with hmmalign.
    require_hmmer();
    let plain = dir.path().join("plain.fasta");
    let text: String = std::fs::read_to_string(&fasta)
        .unwrap()
        .lines()
        .map(|l| {
            if l.starts_with('>') {
                format!("\n{}\n", l.split_whitespace().next().unwrap())
            } else {
                l.replace('-', "")
            }
        })
        .collect();
    std::fs::write(&plain, text.trim_start()).unwrap();
    let scored = satool(&["protein", "--stockholm", &sto, "--score", plain.to_str().unwrap(), "--json"], &[]);
    assert!(scored.status.success(), "{}", stderr(&scored));
    let scored: Vec<serde_json::Value> = serde_json::from_slice(&scored.stdout).unwrap();
    assert_eq!(scored.len(), 40);
    assert!(scored.iter().any(|s| s["name"] == "Eval_7"));
    let aligned_scores: Vec<serde_json::Value> = serde_json::from_slice(
        &satool(&["protein", "--stockholm", &sto, "--hmmer", "off", "--score", &fasta, "--json"], &[]).stdout,
    )
    .unwrap();
    // hmmalign places the substituted residues its own way, not as the fixture: the sequences are
    // on the 71 columns and as close to the family as the fixture's alignment says.
    assert!(scored.iter().all(|s| s["sequence"].as_str().unwrap().len() == 71));
    let mean_id = |v: &[serde_json::Value]| v.iter().map(|s| f(s, "identity")).sum::<f64>() / v.len() as f64;
    let (ours, fixture_id) = (mean_id(&scored), mean_id(&aligned_scores));
    assert!((ours - fixture_id).abs() < 0.1, "mean identity {ours} (hmmalign) vs {fixture_id} (fixture)");
    let bad = dir.path().join("gapped.fasta");
    std::fs::write(&bad, ">s1\nACD-EFGHIK\n").unwrap();
    let o = satool(&["protein", "--stockholm", &sto, "--hmmer", "off", "--score", bad.to_str().unwrap()], &[]);
    assert!(
        stderr(&o).contains("sequence 's1' has length 10 with gaps") && !stderr(&o).contains("--evaluate"),
        "{}",
        stderr(&o)
    );
}

/// `--max-identity X` keeps drawing until N pass, up to 20 × N draws; when the bound is hit the
/// row keeps what passed and a warning names how many of how many drawn.
#[test]
fn max_identity_keeps_n_or_says_how_many_passed() {
    let sto = fixture("PF00076.sto");
    let run = |x: &str| {
        let args = ["protein", "--stockholm", &sto, "--no-hmmer", "--methods", "exact_gen", "--samples", "30"];
        let mut args = args.to_vec();
        // norm's samples sit near the members, where the thresholds below bite.
        args.extend_from_slice(&["--decode", "norm", "--max-identity", x, "--json", "--quiet"]);
        json(&satool(&args, &[]))
    };
    let easy = run("0.45");
    assert_eq!(method(&easy, "exact_gen")["n"], 30);
    let hard = run("0.39");
    let n = method(&hard, "exact_gen")["n"].as_u64().unwrap();
    assert!(n > 0 && n < 30, "{n}");
    let w = hard["warnings"].to_string();
    assert!(w.contains(&format!("exact_gen {n} of 600 drawn")) && w.contains("up to 20 × 30"), "{w}");
}

/// `--decode calibrated`: the decode is chosen from the family (an internal split of its members),
/// named in results.json and the header, and is one flag away as a fixed decode. On PF00076 it
/// brings the samples' identity to their nearest member from `norm`'s 0.52 to the family's own
/// leave-one-out 0.40 (0.396: an independent Python computation on the cleaned members).
#[test]
fn calibrated_decode_matches_the_family_leave_one_out_identity() {
    let sto = fixture("PF00076.sto");
    let run = |decode: &str, json_out: bool| {
        let mut args = vec!["protein", "--stockholm", &sto, "--no-hmmer", "--methods", "sa_gen", "--samples", "300"];
        args.extend_from_slice(&["--decode", decode, "--quiet"]);
        if json_out {
            args.push("--json");
        }
        let o = satool(&args, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        o
    };
    let cal = json(&run("calibrated", true));
    let c = &cal["parameters"]["decode_calibration"];
    let chosen = c["chosen"].as_str().unwrap().to_string();
    assert_eq!(cal["parameters"]["decode"], chosen.as_str());
    assert!(chosen.starts_with("attention:"), "{chosen}");
    assert_eq!((c["inner_folds"].as_u64(), c["inner_held_out"].as_u64()), (Some(3), Some(13)));
    // Candidates ruled out early (their identity term, with the AUC term, already above the best
    // score) have no score; the chosen one has the lowest of the rest.
    let all = c["candidates"].as_array().unwrap();
    let scores: Vec<f64> = all.iter().filter_map(|x| x["score"].as_f64()).collect();
    assert!((3..all.len()).contains(&scores.len()), "{} of {} scored", scores.len(), all.len());
    let best = all.iter().find(|x| x["decode"] == chosen.as_str()).unwrap();
    assert!(scores.iter().all(|&s| f(best, "score") <= s), "{chosen} is not the lowest score");
    for x in all.iter().filter(|x| x["score"].is_null()) {
        let auc_term = x["auc"].as_f64().map_or(0.0, |a| (a - 0.5).max(0.0));
        assert!(f(x, "ks") + auc_term >= f(best, "score"), "{x} was ruled out below the best score");
    }
    // The pair term: the natural C_ij r of 300 new members against the inner members (≈ 0.13 on
    // PF00076); the decodes that draw each position from many members fall far short of it, `norm`
    // does not, and the choice keeps at least 0.6 of it.
    let natural = f(c, "natural_cij_r");
    assert!((0.08..0.2).contains(&natural), "natural C_ij r {natural}");
    let cand = |d: &str| c["candidates"].as_array().unwrap().iter().find(|x| x["decode"] == d).unwrap().clone();
    // `norm` is ruled out by its identity term alone; the spread-out attention:1:0.25 is scored.
    assert!(cand("norm")["score"].is_null() && f(&cand("norm"), "ks") > 0.6, "{}", cand("norm"));
    assert!(f(&cand("attention:1:0.25"), "pair_shortfall") > 0.2, "{}", cand("attention:1:0.25"));
    assert!(f(best, "pair_shortfall") < 0.4 && f(best, "cij_r") > 0.6 * natural, "{best}");
    let loo = f(c, "loo_nn_identity");
    assert!((0.35..0.42).contains(&loo), "inner leave-one-out identity {loo}");
    let family_loo = 0.396;
    let cal_id = f(method(&cal, "sa_gen"), "seq_identity");
    assert!((cal_id - family_loo).abs() < 0.05, "calibrated nearest identity {cal_id}");
    let norm_id = f(method(&json(&run("norm", true)), "sa_gen"), "seq_identity");
    assert!(norm_id > family_loo + 0.08, "norm nearest identity {norm_id}");
    // The choice as a fixed decode gives the same sequences.
    let fixed = json(&run(&chosen, true));
    assert_eq!(without_timings(method(&fixed, "sa_gen").clone()), without_timings(method(&cal, "sa_gen").clone()));
    assert!(fixed["parameters"].get("decode_calibration").is_none());
    let header = stdout(&run("calibrated", false));
    assert!(header.contains(&format!("decode = {chosen} [")) && header.contains("--decode calibrated"), "{header}");
}

/// A seed as hard as the kinase one the issue measured (38 members far apart: leave-one-out
/// nearest identity 0.305 against the kinase's 0.39): 38 of fn3's members chosen by the hash of
/// their name, not by identity. `norm` fails there as it failed on the kinase seed (nearest
/// identity 0.58, 1% inside the members' 5–95% band); the calibrated decode lands within 0.05 of
/// the members' own identity with over 70% inside that band. Band and leave-one-out mean: an
/// independent Python computation (bench/decoders/calibrated_measure.py random38).
#[test]
fn calibrated_decode_reaches_the_band_of_a_seed_as_far_apart_as_the_kinase_one() {
    let sto = fixture("stockholm/PF00041_fn3_random38.sto");
    let run = |decode: &str| {
        let args = ["protein", "--stockholm", &sto, "--no-hmmer", "--methods", "sa_gen", "--samples", "1000"];
        let o = satool(&[&args[..], &["--decode", decode, "--quiet", "--json"]].concat(), &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        json(&o)
    };
    let (family_loo, band) = (0.305, [0.230, 0.373]);
    let cal = run("calibrated");
    let tool_band = &cal["parameters"]["nn_identity_band_5_95"];
    for (i, want) in band.iter().enumerate() {
        assert!((tool_band[i].as_f64().unwrap() - want).abs() < 1e-3, "5–95% band {tool_band}");
    }
    let row = method(&cal, "sa_gen");
    let id = f(row, "seq_identity");
    assert!((id - family_loo).abs() < 0.05, "calibrated nearest identity {id}");
    assert!(f(row, "nn_band_share_5_95") >= 0.7, "calibrated inside the 5–95% band {}", f(row, "nn_band_share_5_95"));
    assert_eq!(f(row, "frac_over_90"), 0.0);
    let norm = run("norm");
    let row = method(&norm, "sa_gen");
    assert!(f(row, "seq_identity") > family_loo + 0.2, "norm nearest identity {}", f(row, "seq_identity"));
    assert!(f(row, "nn_band_share_5_95") < 0.05, "norm inside the band {}", f(row, "nn_band_share_5_95"));
}

/// The kinase seed itself (Pfam PF00069, HMMER's tutorial seed; K = 54 after cleaning): the
/// calibrated default lands within 0.05 of the members' leave-one-out identity (0.375) with over
/// 70% inside their 5–95% band [0.281, 0.434], and 0% near-copies. Before the calibration drew its
/// internal samples at the run's β_gen it chose a decode 0.075 above, 54–58% in the band. Band and
/// leave-one-out mean: an independent Python computation (bench/decoders/unseen_families.py).
#[test]
fn calibrated_decode_reaches_the_band_of_the_kinase_seed() {
    let sto = fixture("stockholm/PF00069_Pkinase.sto");
    let args = ["protein", "--stockholm", &sto, "--no-hmmer", "--methods", "sa_gen", "--samples", "1000"];
    let o = satool(&[&args[..], &["--quiet", "--json"]].concat(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let cal = json(&o);
    let tool_band = &cal["parameters"]["nn_identity_band_5_95"];
    for (i, want) in [0.281, 0.434].iter().enumerate() {
        assert!((tool_band[i].as_f64().unwrap() - want).abs() < 1e-3, "5–95% band {tool_band}");
    }
    let row = method(&cal, "sa_gen");
    let id = f(row, "seq_identity");
    assert!((id - 0.375).abs() < 0.05, "calibrated nearest identity {id}");
    assert!(f(row, "nn_band_share_5_95") >= 0.7, "calibrated inside the 5–95% band {}", f(row, "nn_band_share_5_95"));
    assert!(f(row, "frac_over_90") <= 0.01);
}

/// `--holdout`: the profile HMM hmmbuild builds for the HMMER columns sees the training members
/// only (55 of PF00076's 68), never the held-out ones.
#[test]
fn holdout_hmm_is_built_from_the_training_members_only() {
    require_hmmer();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let sto = fixture("PF00076.sto");
    let run = |extra: &[&str]| {
        let common = ["protein", "--stockholm", &sto, "--methods", "sa_gen", "--holdout", "0.2", "--quiet"];
        satool(&[&common[..], extra].concat(), &[])
    };
    let o = run(&["--hmmer", "require", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let names = |file: &str| -> Vec<String> {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("//") && !l.trim().is_empty())
            .map(|l| l.split_whitespace().next().unwrap().to_string())
            .collect()
    };
    let (seed, training) = (names("family.sto"), names("family.cleaned.sto"));
    assert_eq!((seed.len(), training.len()), (55, 55));
    assert_eq!(seed, training, "hmmbuild's seed is the memory's training members");
    let hmm = std::fs::read_to_string(out.join("family.hmm")).unwrap();
    let nseq = hmm.lines().find(|l| l.starts_with("NSEQ")).unwrap();
    assert_eq!(nseq.split_whitespace().nth(1), Some("55"), "{nseq}");
    // A given --hmm cannot be checked: the run says so.
    let o = run(&["--hmm", &fixture("PF00076.hmm")]);
    assert!(
        o.status.success() && stderr(&o).contains("may have been built from the held-out members"),
        "{}",
        stderr(&o)
    );
}

/// `--score`'s `fitness` (the pair log-odds of the family's members) ranks members the model
/// never saw above the same members shuffled column by column (the same residues per column,
/// their pairings broken) above random sequences, on PF00076 and fn3. The energy does not: it
/// measures closeness to one stored sequence.
#[test]
fn score_fitness_ranks_members_above_column_shuffled_above_random() {
    for file in ["PF00076.sto", "stockholm/PF00041_fn3.sto"] {
        let text = std::fs::read_to_string(fixture(file)).unwrap();
        let mut rows: Vec<(String, String)> = Vec::new();
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.starts_with("//") && !l.trim().is_empty()) {
            let mut it = line.split_whitespace();
            let (name, seq) = (it.next().unwrap(), it.next().unwrap());
            match rows.iter_mut().find(|(n, _)| n == name) {
                Some(r) => r.1.push_str(seq),
                None => rows.push((name.to_string(), seq.to_string())),
            }
        }
        // Every fifth member is held out; the rest is the family the model is built from.
        let (held, train): (Vec<_>, Vec<_>) = rows.iter().enumerate().partition(|(i, _)| i % 5 == 0);
        let held: Vec<&String> = held.iter().map(|(_, r)| &r.1).collect();
        let dir = tempfile::tempdir().unwrap();
        let sto = dir.path().join("train.sto");
        let body: String = train.iter().map(|(_, (n, s))| format!("{n} {s}\n")).collect();
        std::fs::write(&sto, format!("# STOCKHOLM 1.0\n{body}//\n")).unwrap();
        let width = held[0].len();
        let h = held.len();
        // Column c of shuffled member r is column c of member (r + 1 + c mod (h − 1)) mod h.
        let shuffled: Vec<String> = (0..h)
            .map(|r| (0..width).map(|c| held[(r + 1 + c % (h - 1)) % h].as_bytes()[c] as char).collect())
            .collect();
        let mut x: u64 = 12345;
        let random: Vec<String> = (0..h)
            .map(|_| {
                (0..width)
                    .map(|_| {
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        b"ACDEFGHIKLMNPQRSTVWY"[(x >> 33) as usize % 20] as char
                    })
                    .collect()
            })
            .collect();
        // A sequence of gaps, one of a single letter, and a held member's first half.
        let half: String = held[0].chars().enumerate().map(|(c, r)| if c < width / 2 { r } else { '-' }).collect();
        let degenerate = vec!["-".repeat(width), "W".repeat(width), half];
        let mut fasta = String::new();
        for (group, seqs) in [
            ("held", held.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            ("shuffled", shuffled),
            ("random", random),
            ("degenerate", degenerate),
        ] {
            for (i, s) in seqs.iter().enumerate() {
                fasta += &format!(">{group}_{i}\n{s}\n");
            }
        }
        let query = dir.path().join("query.fasta");
        std::fs::write(&query, fasta).unwrap();
        let o = satool(
            &[
                "protein",
                "--stockholm",
                sto.to_str().unwrap(),
                "--score",
                query.to_str().unwrap(),
                "--no-hmmer",
                "--json",
                "--quiet",
            ],
            &[],
        );
        assert!(o.status.success(), "{file}: {}", stderr(&o));
        let scores = json(&o);
        let group = |g: &str| -> Vec<f64> {
            let mut v: Vec<f64> = scores
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["name"].as_str().unwrap().starts_with(&format!("{g}_")))
                .map(|s| f(s, "fitness"))
                .collect();
            if g != "degenerate" {
                v.sort_by(f64::total_cmp);
                assert_eq!(v.len(), h, "{file} {g}");
            }
            v
        };
        let (held, shuffled, random) = (group("held"), group("shuffled"), group("random"));
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let median = |v: &[f64]| v[v.len() / 2];
        // Gaps and one letter score below a member's half and below 90% of the members (one of
        // fn3's scores lower), the half below the median member; the pair term once gave each
        // pair of residues no member has ln(1/λ) > 0, and them 212 and 445 against the half's −280
        // on PF00076.
        let [gaps, one_letter, half] = group("degenerate")[..] else { panic!("{file}: three degenerate rows") };
        let worst = gaps.max(one_letter);
        assert!(
            worst < half && worst < held[h / 10] && half < median(&held),
            "{file}: gaps {gaps}, W {one_letter}, half {half}, held {held:?}"
        );
        assert!(mean(&held) > mean(&shuffled), "{file}: held {held:?} shuffled {shuffled:?}");
        assert!(median(&held) > median(&shuffled), "{file}: held {held:?} shuffled {shuffled:?}");
        // The share of (a, b) pairs with a above b (the Mann–Whitney statistic).
        let above = |a: &[f64], b: &[f64]| {
            a.iter().map(|x| b.iter().filter(|y| x > y).count()).sum::<usize>() as f64 / (a.len() * b.len()) as f64
        };
        assert!(above(&held, &shuffled) > 0.6, "{file}: held {held:?} shuffled {shuffled:?}");
        assert!(above(&shuffled, &random) > 0.9, "{file}: shuffled {shuffled:?} random {random:?}");
        eprintln!(
            "{file}: fitness held > shuffled {:.3}, shuffled > random {:.3}",
            above(&held, &shuffled),
            above(&shuffled, &random)
        );
    }
}
