//! `satool protein` end to end on the bundled PF00076 seed (SPEC §2 targets).

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
    // Loss on the normalised output (SPEC §2): seeds 1–5 give diversity 0.81–0.95 and novelty
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
    if hmmer_installed() {
        assert_eq!(v["hmmer"]["status"], "ran");
        for id in ["sa_ret", "sa_gen", "mala_ret", "mala_gen"] {
            assert_eq!(f(method(&v, id), "hmm_pass"), 1.0, "{id} HMM pass");
            assert!(f(method(&v, id), "hmm_median_evalue") < 1e-20);
        }
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
    assert_input_error(&o, "expected 71");
}

#[test]
fn out_dir_holds_every_file_and_is_not_overwritten_without_force() {
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
    assert!(aligned.starts_with(">sa_gen_1\n"));
    let ungapped = std::fs::read_to_string(out.join("sa_gen.fasta")).unwrap();
    assert!(!ungapped.lines().filter(|l| !l.starts_with('>')).any(|l| l.contains('-') || l.contains('.')));
    if hmmer_installed() {
        assert!(out.join("sa_gen.hmmsearch.tbl").is_file());
    }
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
    let o = satool(&["protein", "--stockholm", &sto, "--family", "Cys_knot", "--hmmer", "off"], &[]);
    assert_input_error(&o, "no record with ID or AC 'Cys_knot'");
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
        err.lines().filter(|l| l.starts_with("warning: ") && l.contains("PF00076.sto")).count(),
        w.len(),
        "{err}"
    );
    // the whole family: nothing to warn about
    let o = satool(&["protein", "--stockholm", &pf, "--methods", "bootstrap,sa_gen", "--hmmer", "off", "--json"], &[]);
    assert_eq!(json(&o)["warnings"], serde_json::json!([]));
    assert!(!stderr(&o).contains("warning"), "{}", stderr(&o));
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
    assert_eq!(default["parameters"]["decode"], "norm", "the default decode");
    assert_eq!(attention["parameters"]["decode"], "attention");
    assert_ne!(pub_fasta, def_fasta);
    assert_ne!(def_fasta, att_fasta);
    assert_eq!(pub_nat, def_nat, "the natural row is not decoded");
    let sa =
        |v: &serde_json::Value| v["methods"].as_array().unwrap().iter().find(|m| m["id"] == "sa_gen").unwrap().clone();
    assert_eq!(sa(&published)["novelty"], sa(&default)["novelty"], "decoding does not change the samples");
    let id = |v: &serde_json::Value| sa(v)["mean_pairwise_identity"].as_f64().unwrap();
    assert!(id(&published) > 0.4 && id(&default) < 0.3, "published {} vs norm {}", id(&published), id(&default));
    assert!(def_fasta.lines().filter(|l| !l.starts_with('>')).any(|l| l.contains('-')), "norm decodes gaps");
    // Same seed, same decoded bytes (the sampling decoders included).
    let (_, again, _) = run(Some("attention"), &d.path().join("a2"));
    assert_eq!(att_fasta, again);
    // The header names the decode.
    let text =
        stdout(&satool(&["protein", "--stockholm", &sto, "--hmmer", "off", "--methods", "sa_gen", "--quiet"], &[]));
    assert!(text.contains("decode = norm ["), "{text}");
    for bad in ["argmax", "sample:-1", "norm:2", "published:1", "attention:0"] {
        let o = satool(&["protein", "--stockholm", &sto, "--hmmer", "off", "--decode", bad], &[]);
        assert_eq!(o.status.code(), Some(2), "--decode {bad}: {}", stderr(&o));
        assert!(stderr(&o).contains("--decode"), "{}", stderr(&o));
    }
}
