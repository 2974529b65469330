//! Bad and unusual inputs through the CLI: clear one-line errors with exit code 2, no panic,
//! no partial output; unusual but valid inputs run.

mod common;
use common::*;
use std::io::Write;

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}

fn pf00076_text() -> String {
    std::fs::read_to_string(fixture("PF00076.sto")).unwrap()
}

#[test]
fn several_records_need_family_and_family_selects_one() {
    let dir = tempfile::tempdir().unwrap();
    let two = pf00076_text() + &std::fs::read_to_string(fixture("stockholm/PF00041_fn3.sto")).unwrap();
    let path = write(dir.path(), "two.sto", two.as_bytes());
    let o = satool(&["protein", "--stockholm", &path, "--hmmer", "off", "--methods", "bootstrap"], &[]);
    assert_input_error(&o, "--family");
    assert!(stderr(&o).contains("RRM_1") && stderr(&o).contains("fn3"), "lists the records: {}", stderr(&o));
    let v = json(&satool(
        &["protein", "--stockholm", &path, "--family", "PF00041", "--hmmer", "off", "--methods", "bootstrap", "--json"],
        &[],
    ));
    assert_eq!(v["input"]["family_id"], "fn3");
    let bad = satool(&["protein", "--stockholm", &path, "--family", "nope", "--hmmer", "off"], &[]);
    assert_input_error(&bad, "no record with ID or AC 'nope'");
}

#[test]
fn gzip_crlf_and_lowercase_inputs_read_like_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let text = pf00076_text();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.replace('\n', "\r\n").as_bytes()).unwrap();
    let gz_path = write(dir.path(), "crlf.sto.gz", &gz.finish().unwrap());
    // Lowercase residues: uppercased like the published pipeline (not treated as inserts).
    let lower: String = text
        .lines()
        .map(|l| {
            if l.starts_with('#') || l.starts_with("//") || l.trim().is_empty() {
                l.to_string()
            } else {
                let (name, seq) = l.split_at(l.find(char::is_whitespace).unwrap());
                format!("{name}{}", seq.to_lowercase())
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let lower_path = write(dir.path(), "lower.sto", lower.as_bytes());
    let base = json(&satool(
        &["protein", "--stockholm", &fixture("PF00076.sto"), "--hmmer", "off", "--methods", "sa_gen", "--json"],
        &[],
    ));
    for p in [&gz_path, &lower_path] {
        let v = json(&satool(&["protein", "--stockholm", p, "--hmmer", "off", "--methods", "sa_gen", "--json"], &[]));
        assert_eq!(without_timings(v["methods"].clone()), without_timings(base["methods"].clone()), "{p}");
        assert_eq!(v["parameters"]["d"], 59);
    }
}

#[test]
fn degenerate_families_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let same = "# STOCKHOLM 1.0\nA/1-10 ACDEFGHIKL\nB/1-10 ACDEFGHIKL\nC/1-10 ACDEFGHIKL\n//\n";
    let p = write(dir.path(), "identical.sto", same.as_bytes());
    let o = satool(&["protein", "--stockholm", &p, "--hmmer", "off"], &[]);
    // Identical sequences have no variance to encode: refused with a message, never NaN.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked") && stderr(&o).contains("identical.sto"), "{}", stderr(&o));
    let one = "# STOCKHOLM 1.0\nA/1-10 ACDEFGHIKL\n//\n";
    let p = write(dir.path(), "one.sto", one.as_bytes());
    assert_input_error(&satool(&["protein", "--stockholm", &p, "--hmmer", "off"], &[]), "one.sto");
    let noheader = "A/1-10 ACDEFGHIKL\nB/1-10 ACDEFGHIKV\n//\n";
    let p = write(dir.path(), "noheader.sto", noheader.as_bytes());
    assert_input_error(&satool(&["protein", "--stockholm", &p, "--hmmer", "off"], &[]), "STOCKHOLM");
    let unterminated = "# STOCKHOLM 1.0\nA/1-10 ACDEFGHIKL\nB/1-10 ACDEFGHIKV\n";
    let p = write(dir.path(), "open.sto", unterminated.as_bytes());
    assert_input_error(&satool(&["protein", "--stockholm", &p, "--hmmer", "off"], &[]), "//");
    let ragged = "# STOCKHOLM 1.0\nA/1-10 ACDEFGHIKL\nB/1-9 ACDEFGHIK\n//\n";
    let p = write(dir.path(), "ragged.sto", ragged.as_bytes());
    assert_input_error(&satool(&["protein", "--stockholm", &p, "--hmmer", "off"], &[]), "ragged.sto:");
}

/// A sequence named `//x` is the end of the record to HMMER: read as a sequence, hmmbuild could
/// not read the seed satool writes for it and the HMMER columns went "not run". Refused where
/// it is read, naming the line.
#[test]
fn a_sequence_name_starting_with_the_record_end_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = "# STOCKHOLM 1.0\nA/1-10 ACDEFGHIKL\n//x ACDEFGHIKV\nC/1-10 ACDEFGHIKW\n//\n";
    let p = write(dir.path(), "slash.sto", text.as_bytes());
    let o = satool(&["protein", "--stockholm", &p, "--hmmer", "off", "--methods", "profile", "--samples", "30"], &[]);
    assert_input_error(&o, "slash.sto:3: sequence name '//x' starts with '//'");
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
}

/// A `*` in the seed (e.g. a translated stop) reaches the samples; A2M allows letters and gaps
/// only, so HMMER could not read `<id>.a2m`. It is written `X` there (the encoding's reading of
/// `*`), and hmmbuild reads the file; the aligned FASTA keeps the `*`.
#[test]
fn a2m_output_of_a_seed_with_stars_is_readable_by_hmmer() {
    require_hmmer();
    let dir = tempfile::tempdir().unwrap();
    let star: String = pf00076_text()
        .lines()
        .enumerate()
        .map(|(i, l)| match l.split_once(char::is_whitespace) {
            Some((name, row)) if !l.starts_with('#') && !l.starts_with("//") && i % 2 == 0 => {
                let row = row.trim_start();
                format!("{name} {}*{}", &row[..30], &row[31..])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let p = write(dir.path(), "star.sto", star.as_bytes());
    let out = dir.path().join("out");
    let args = ["--hmmer", "off", "--methods", "natural", "--decode", "norm", "--samples", "30", "-q"];
    let o = satool(&[&["protein", "--stockholm", &p, "--out", out.to_str().unwrap()][..], &args].concat(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let aligned = std::fs::read_to_string(out.join("natural.aligned.fasta")).unwrap();
    assert!(aligned.contains('*'), "the samples carry the seed's '*'");
    let a2m_path = out.join("natural.a2m");
    assert!(!std::fs::read_to_string(&a2m_path).unwrap().contains('*'));
    let hmm = dir.path().join("a2m.hmm");
    let built = std::process::Command::new("hmmbuild")
        .args(["--amino", "--informat", "a2m", hmm.to_str().unwrap(), a2m_path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(built.status.success(), "hmmbuild: {}", String::from_utf8_lossy(&built.stdout));
}

/// Nineteen identical members and one other: the family encodes (one PCA direction), but the
/// internal split of the calibrated decode that held the other member out had nothing to encode,
/// and the run failed with "decode calibration: all 16 sequences are identical" (exit 2, no file
/// named). Such a split is left out (of 3, 2 remain).
#[test]
fn calibrated_decode_runs_on_a_family_of_copies_and_one_other() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("# STOCKHOLM 1.0\n");
    for i in 0..19 {
        text += &format!("copy{i}/1-12 ACDEFGHIKLMN\n");
    }
    text += "other/1-12 ACDWFGHYKLMQ\n//\n";
    let p = write(dir.path(), "copies.sto", text.as_bytes());
    let v = json(&satool(
        &["protein", "--stockholm", &p, "--hmmer", "off", "--methods", "profile", "--samples", "30", "--json", "-q"],
        &[],
    ));
    let calibration = &v["parameters"]["decode_calibration"];
    assert_eq!(calibration["inner_folds"], 2, "{}", calibration["rule"]);
    assert_eq!(v["parameters"]["K"], 20);
    assert!(method(&v, "profile")["seq_identity"].as_f64().is_some_and(f64::is_finite));
}

/// A `--hmm` file hmmsearch cannot use (missing, not an HMM, a nucleotide profile, cut short, or
/// several profiles, whose hits hmmsearch would mix) is refused before the run, naming the file
/// and line; before, `--hmmer auto` ran the whole family, then only warned "not run" (or, with
/// two profiles, counted hits against either).
#[test]
fn an_unusable_hmm_file_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let hmm = std::fs::read_to_string(fixture("PF00076.hmm")).unwrap();
    let cut_at = hmm.match_indices('\n').nth(40).unwrap().0 + 1;
    let cases = [
        ("missing.hmm", None, "missing.hmm: cannot read"),
        ("seed.hmm", Some(pf00076_text()), "seed.hmm:1: not a profile HMM"),
        ("dna.hmm", Some(hmm.replacen("ALPH  amino", "ALPH  DNA", 1)), "dna.hmm:6: a profile of the DNA alphabet"),
        ("cut.hmm", Some(hmm[..cut_at].to_string()), "cut.hmm:41: the profile ends without its closing '//'"),
        ("two.hmm", Some(hmm.repeat(2)), "two.hmm:241: a second profile"),
    ];
    for (name, text, needle) in cases {
        let p = dir.path().join(name);
        if let Some(text) = text {
            std::fs::write(&p, text).unwrap();
        }
        let p = p.display().to_string();
        let o = satool(&["protein", "--stockholm", &fixture("PF00076.sto"), "--hmm", &p, "--methods", "profile"], &[]);
        assert_input_error(&o, needle);
        assert!(stderr(&o).starts_with("error: --hmm "), "{}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    }
}

/// A stdout that cannot take the table or the JSON (a full disk: /dev/full) is named, exit 2, as
/// `--fasta-stdout` names it; before, "error: No space left on device" with exit 1 (internal).
#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_is_named_with_exit_2() {
    for json in [false, true] {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_satool"));
        c.args(["protein", "--stockholm", &fixture("PF00076.sto"), "--hmmer", "off", "--methods", "profile", "-q"]);
        c.args(["--samples", "30", "--decode", "norm"]).args(json.then_some("--json"));
        let o = c.stdout(std::fs::File::create("/dev/full").unwrap()).output().unwrap();
        assert_input_error(&o, "<stdout>: cannot write: No space left on device");
    }
}

/// A row of one sample has no pair: its diversity is "—" in the table and null in results.json
/// (before 0.000, which reads as "every sample alike").
#[test]
fn one_sample_has_no_diversity() {
    let sto = fixture("PF00076.sto");
    let args = ["protein", "--stockholm", &sto, "--samples", "1", "--hmmer", "off", "--methods", "sa_gen,bootstrap"];
    let v = json(&satool(&[&args[..], &["--json"][..]].concat(), &[]));
    for m in v["methods"].as_array().unwrap() {
        assert!(m["diversity"].is_null(), "{}: {}", m["id"], m["diversity"]);
        assert!(m["novelty"]["mean"].is_f64(), "{}", m["id"]);
    }
    let o = satool(&args, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let row = stdout(&o).lines().find(|l| l.starts_with("sa_gen ")).unwrap().to_string();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[2], "—", "{row}");
    // Two samples have one pair, and a number.
    let two = ["protein", "--stockholm", &sto, "--samples", "2", "--hmmer", "off", "--methods", "bootstrap", "--json"];
    let v = json(&satool(&two, &[]));
    assert!(v["methods"][0]["diversity"]["mean"].as_f64().unwrap() > 0.0, "{}", v["methods"][0]);
}

/// Fragments in an `--evaluate` file: identity skips gaps, so 15 seed columns of a member are
/// "100% identical" to it and the row read as near-copies with nothing else said. A warning says
/// the sequences cover fewer than half of the columns; the bundled evaluate file gets none.
#[test]
fn evaluate_fragments_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    // The first 20 members in the seed's 79 columns, all but the first 15 gapped.
    let fragments: String = pf00076_text()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("//") && !l.trim().is_empty())
        .take(20)
        .map(|l| {
            let (name, row) = l.split_once(char::is_whitespace).unwrap();
            format!(">{name}\n{}{}\n", &row.trim()[..15], "-".repeat(64))
        })
        .collect();
    let p = write(dir.path(), "frag.fasta", fragments.as_bytes());
    let run = |file: &str| {
        json(&satool(
            &["protein", "--stockholm", &fixture("PF00076.sto"), "--hmmer", "off", "--methods", "profile"]
                .into_iter()
                .chain(["--samples", "30", "--decode", "norm", "--json", "-q", "--evaluate", file])
                .collect::<Vec<_>>(),
            &[],
        ))
    };
    let warned = |v: &serde_json::Value| {
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("fewer than half of the 71 columns"))
    };
    let v = run(&p);
    assert!(warned(&v), "{}", v["warnings"]);
    assert_eq!(f(method(&v, "file:frag"), "frac_over_90"), 1.0, "the fragments read as copies");
    assert!(!warned(&run(&fixture("PF00076_evaluate.aligned.fasta"))));
}

/// An `--evaluate` file whose names repeat: its output files number the sequences instead
/// (`file_dup_1` …), which a warning now says (before: silently, while `--score` refuses the file).
#[test]
fn evaluate_names_that_repeat_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("PF00076_evaluate.aligned.fasta")).unwrap();
    let dup = write(dir.path(), "dup.fasta", text.replace(">Eval_2 ", ">Eval_1 ").as_bytes());
    let out = dir.path().join("run");
    let args = ["protein", "--stockholm", &fixture("PF00076.sto"), "--hmmer", "off", "--methods", "profile"];
    let run = |file: &str| {
        let extra = ["--samples", "30", "--decode", "norm", "--json", "-q", "--evaluate", file, "--out"];
        json(&satool(&args.into_iter().chain(extra).chain([out.to_str().unwrap()]).collect::<Vec<_>>(), &[]))
    };
    let warned = |v: &serde_json::Value| {
        v["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("names are not all distinct"))
    };
    let v = run(&dup);
    assert!(warned(&v), "{}", v["warnings"]);
    let tsv = std::fs::read_to_string(out.join("file_dup.tsv")).unwrap();
    assert!(tsv.lines().nth(1).unwrap().starts_with("file_dup_1\t"), "{tsv}");
    std::fs::remove_dir_all(&out).unwrap();
    assert!(!warned(&run(&fixture("PF00076_evaluate.aligned.fasta"))));
}

/// Lines that end in \r alone (classic Mac OS) read as one line: the seed failed with "no
/// closing '//'" and a FASTA with "sequence 'x' is empty". The message names the cause.
#[test]
fn carriage_return_line_endings_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let sto = write(dir.path(), "mac.sto", pf00076_text().replace('\n', "\r").as_bytes());
    let o = satool(&["protein", "--stockholm", &sto, "--hmmer", "off"], &[]);
    assert_input_error(&o, "mac.sto: cannot read: line 1 holds a carriage return (\\r) inside it");
    let fasta =
        write(dir.path(), "mac.fasta", b">a\rACDEFGHIKLMNPQRSTVWYACDEFGHIKLMNPQRSTVWYACDEFGHIKLMNPQRSTVWYACDEFGHIKL\r");
    let o = satool(&["protein", "--stockholm", &fixture("PF00076.sto"), "--hmmer", "off", "--score", &fasta], &[]);
    assert_input_error(&o, "mac.fasta: cannot read: line 1 holds a carriage return");
}

/// A gzip-compressed `--evaluate` file is named like the plain one: `set.aligned.fasta.gz` is the
/// row `file:set` and the files `file_set.*` (before: `file:set.aligned.fasta`, files
/// `file_set.aligned.fasta.fasta`).
#[test]
fn a_gzip_evaluate_file_is_named_like_the_plain_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&std::fs::read(fixture("PF00076_evaluate.aligned.fasta")).unwrap()).unwrap();
    let p = write(dir.path(), "set.aligned.fasta.gz", &gz.finish().unwrap());
    let out = dir.path().join("out");
    let args = ["--hmmer", "off", "--methods", "profile", "--samples", "30", "--decode", "norm", "-q"];
    let o = satool(
        &[
            &["protein", "--stockholm", &fixture("PF00076.sto"), "--evaluate", &p, "--out", out.to_str().unwrap()][..],
            &args,
        ]
        .concat(),
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("\nfile:set "), "{}", stdout(&o));
    for ext in ["tsv", "fasta", "aligned.fasta", "a2m"] {
        assert!(out.join(format!("file_set.{ext}")).is_file(), "file_set.{ext}");
    }
}

#[test]
fn a_failed_run_leaves_no_output_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let bad = write(dir.path(), "bad.fasta", b">x\nACD\n");
    let o = satool(
        &[
            "protein",
            "--stockholm",
            &fixture("PF00076.sto"),
            "--hmmer",
            "off",
            "--methods",
            "bootstrap",
            "--evaluate",
            &bad,
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_input_error(&o, "bad.fasta");
    assert!(!out.exists(), "a failed run must not leave {}", out.display());
    // An existing directory keeps exactly what it had.
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "x").unwrap();
    let o = satool(
        &[
            "protein",
            "--stockholm",
            &fixture("PF00076.sto"),
            "--hmmer",
            "off",
            "--methods",
            "bootstrap",
            "--evaluate",
            &bad,
            "--out",
            out.to_str().unwrap(),
            "--force",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let left: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, vec!["keep.txt".to_string()]);
}

#[cfg(unix)]
#[test]
fn broken_hmmer_warns_in_auto_mode_and_fails_in_require_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    for (name, script) in [("fails", "#!/bin/sh\necho 'boom' >&2\nexit 1\n"), ("garbage", "#!/bin/sh\nfor a; do last=$a; done\nwhile [ $# -gt 0 ]; do if [ \"$1\" = --tblout ]; then echo 'not a table' > \"$2\"; fi; shift; done\n")] {
        let bin = dir.path().join(name);
        std::fs::create_dir(&bin).unwrap();
        let exe = bin.join("hmmsearch");
        std::fs::write(&exe, script).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!("{}:/usr/bin:/bin", bin.display());
        let args = ["protein", "--stockholm", &fixture("PF00076.sto"), "--hmm", &fixture("PF00076.hmm"), "--methods", "bootstrap", "--json"];
        let auto = satool(&args, &[("PATH", &path)]);
        let v = json(&auto);
        assert!(v["hmmer"]["status"].as_str().unwrap().starts_with("not run (failed"), "{name}: {}", v["hmmer"]["status"]);
        assert!(stderr(&auto).contains("warning"), "{name}: {}", stderr(&auto));
        let mut req: Vec<&str> = args.to_vec();
        req.extend(["--hmmer", "require"]);
        let o = satool(&req, &[("PATH", &path)]);
        assert_ne!(o.status.code(), Some(0), "{name}: require must fail");
        assert!(!stderr(&o).contains("panicked") && stderr(&o).contains("require"), "{name}: {}", stderr(&o));
    }
}

#[test]
fn price_file_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = String::from("date,A,B\n");
    for i in 0..40 {
        rows += &format!("2020-02-{:02},{}.0,{}.0\n", 1 + i % 28, 10 + i, 20 + i);
    }
    let cases = [
        ("nonpositive.csv", rows.replace("2020-02-03,12.0,22.0", "2020-02-03,12.0,-1.0"), "B"),
        ("baddate.csv", rows.replace("2020-02-03,12.0", "2020-13-45,12.0"), "date"),
    ];
    for (name, text, col) in cases {
        let p = write(dir.path(), name, text.as_bytes());
        let o = satool(&["finance", "--prices", &p], &[]);
        assert_input_error(&o, &format!("{name}:"));
        assert!(stderr(&o).contains(col), "{name}: {}", stderr(&o));
    }
    let dup = "date,ticker,close\n2020-01-01,A,1\n2020-01-01,A,2\n";
    let p = write(dir.path(), "dup.csv", dup.as_bytes());
    assert_input_error(&satool(&["finance", "--prices", &p], &[]), "dup.csv:");
}

/// A `--family` name that matches several records is a usage error listing them (index, ID,
/// AC); the AC with its version, the AC without it, or `#N` picks one.
#[test]
fn ambiguous_family_lists_the_matching_records() {
    let sto = fixture("multi_family.sto");
    let run = |family: &str| {
        satool(
            &["protein", "--stockholm", &sto, "--family", family, "--hmmer", "off", "--methods", "bootstrap", "--json"],
            &[],
        )
    };
    // multi_family.sto holds RRM_1 twice (PF00076.29 and PF00076.13).
    let o = run("RRM_1");
    assert_input_error(&o, "--family 'RRM_1' matches 2 records: #1 RRM_1 (PF00076.29), #2 RRM_1 (PF00076.13)");
    let o = run("PF00076");
    assert_input_error(
        &o,
        "--family 'PF00076' matches 6 records: #1 RRM_1 (PF00076.29), #2 RRM_1 (PF00076.13), #5 RRM_1_half1",
    );
    assert!(stdout(&o).is_empty(), "no output for a usage error");
    // The halves share their family's AC, so a versioned AC can be ambiguous too.
    assert_input_error(&run("PF00076.13"), "matches 3 records: #2 RRM_1 (PF00076.13), #7 RRM_1_v13_half1 (PF00076.13)");
    let v = json(&run("#2"));
    assert_eq!(
        (v["input"]["family_id"].as_str(), v["input"]["accession"].as_str()),
        (Some("RRM_1"), Some("PF00076.13"))
    );
    let v = json(&run("PF05893"));
    assert_eq!(v["input"]["family_id"], "LuxC", "an AC without its version");
    let v = json(&run("PF05893.5"));
    assert_eq!(v["input"]["family_id"], "LuxC", "an AC with its version");
    assert_input_error(&run("#12"), "duplicated sequence name");
    assert_input_error(&run("#13"), "the file holds 12 records");
}

/// Whether a process is alive (a zombie counts as gone).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit(')').next().is_some_and(|rest| !rest.trim_start().starts_with('Z')))
}

/// A hmmbuild or hmmsearch that hangs (and starts a child of its own) is stopped at
/// `--hmmer-timeout` with everything it started: `auto` warns and reports the timeout, `require`
/// exits 2 naming the limit; nothing is orphaned.
#[test]
fn hung_hmmer_tools_time_out_and_leave_no_process() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let pidfile = dir.path().join("sleeper.pid");
    for tool in ["hmmsearch", "hmmbuild"] {
        let exe = bin.join(tool);
        std::fs::write(&exe, format!("#!/bin/sh\nsleep 1000 &\necho $! > {}\nwait\n", pidfile.display())).unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let sto = fixture("PF00076.sto");
    let hmm = fixture("PF00076.hmm");
    let with_hmm = ["--hmm", hmm.as_str()];
    for (stuck, extra) in [("hmmsearch", &with_hmm[..]), ("hmmbuild", &[][..])] {
        let mut args = vec!["protein", "--stockholm", &sto, "--methods", "bootstrap", "--hmmer-timeout", "1", "--json"];
        args.extend(extra);
        let _ = std::fs::remove_file(&pidfile);
        // the tool sleeps 1000 s: the run ends (with the timeout's status) only by the timeout
        let auto = satool(&args, &[("PATH", &path)]);
        let v = json(&auto);
        assert_eq!(v["hmmer"]["status"], "not run (timeout after 1 s)", "{stuck}");
        assert!(v["hmmer"]["hmm"].is_null(), "{stuck}: {}", v["hmmer"]);
        // The warning names the family it is about (its file and record).
        let warned =
            format!("warning: {sto}, record 'RRM_1': HMMER columns not run: {stuck} did not finish within 1 s");
        assert!(stderr(&auto).contains(&warned), "{stuck}: {}", stderr(&auto));
        let check_no_orphan = || {
            let pid: u32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
            let gone = (0..100).any(|_| {
                std::thread::sleep(std::time::Duration::from_millis(20));
                !alive(pid)
            });
            assert!(gone, "{stuck}: its child {pid} was orphaned");
        };
        check_no_orphan();
        args.extend(["--hmmer", "require"]);
        let _ = std::fs::remove_file(&pidfile);
        let req = satool(&args, &[("PATH", &path)]);
        assert_input_error(&req, &format!("--hmmer require: {stuck} did not finish within 1 s"));
        assert!(stderr(&req).contains("--hmmer-timeout"), "{}", stderr(&req));
        check_no_orphan();
    }
    let o = satool(&["protein", "--stockholm", &sto, "--hmmer-timeout", "0"], &[]);
    assert_input_error(&o, "--hmmer-timeout");
}

/// 29 price days are too few (exit 2); exactly 30 and 31 run every method, including the
/// sequential and regime generators whose segments once ran past the series.
#[test]
fn thirty_price_days_run_without_panic() {
    let prices = fixture("sp500.csv");
    let run = |start: &str| {
        satool(&["finance", "--prices", &prices, "--start", start, "--end", "2022-12-28", "--json", "--quiet"], &[])
    };
    for start in ["2022-11-15", "2022-11-14"] {
        let o = run(start);
        assert!(!stderr(&o).contains("panicked"), "{start}: {}", stderr(&o));
        let v = json(&o);
        assert!(v["methods"].as_array().unwrap().iter().any(|m| m["id"] == "sa_regime"), "{start}");
    }
    let o = run("2022-11-16");
    assert_eq!(o.status.code(), Some(2), "29 days: {}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

/// `--family fn3` reads record by record: an RNA record and a truncated record elsewhere in the
/// file (before and after it) do not stop it.
#[test]
fn family_ignores_broken_records_it_did_not_ask_for() {
    let dir = tempfile::tempdir().unwrap();
    let rna = std::fs::read_to_string(fixture("stockholm/RF00101_rna.sto")).unwrap();
    let fn3 = std::fs::read_to_string(fixture("stockholm/PF00041_fn3.sto")).unwrap();
    let text = pf00076_text();
    let cut = text[..text.len() / 2].rfind('\n').unwrap();
    let truncated = &text[..cut];
    let path = write(dir.path(), "mixed.sto", format!("{rna}{truncated}\n{fn3}{truncated}").as_bytes());
    for family in ["fn3", "PF00041"] {
        let o = satool(
            &[
                "protein",
                "--stockholm",
                &path,
                "--family",
                family,
                "--hmmer",
                "off",
                "--methods",
                "bootstrap",
                "--json",
            ],
            &[],
        );
        let v = json(&o);
        assert_eq!(v["input"]["family_id"], "fn3", "{family}");
    }
    // Asking for a broken record gives its own error, not "not found".
    let o = satool(&["protein", "--stockholm", &path, "--family", "RRM_1", "--hmmer", "off"], &[]);
    assert_input_error(&o, "--family 'RRM_1': ");
    assert!(stderr(&o).contains("no closing '//'") && !stderr(&o).contains("no record with"), "{}", stderr(&o));
}

// ---- failures the input causes exit 2, naming the file or option ----

/// The first `k` sequence lines of PF00076 as a one-record file whose ID holds an ESC.
fn small_family(dir: &std::path::Path, k: usize) -> String {
    let text = pf00076_text();
    let seqs: Vec<&str> = text.lines().filter(|l| !l.is_empty() && !l.starts_with('#') && *l != "//").take(k).collect();
    let body = format!("# STOCKHOLM 1.0\n#=GF ID T\x1b[31mX\n{}\n//\n", seqs.join("\n"));
    write(dir, &format!("fam{k}.sto"), body.as_bytes())
}

#[test]
fn a_two_sequence_family_and_max_sequences_2_exit_2_naming_the_minimum() {
    let dir = tempfile::tempdir().unwrap();
    let two = small_family(dir.path(), 2);
    let o = satool(&["protein", "--stockholm", &two, "--hmmer", "off"], &[]);
    assert_input_error(&o, "2 sequence(s) remain after cleaning; at least 3 are needed");
    let o = satool(&["protein", "--stockholm", &fixture("PF00076.sto"), "--hmmer", "off", "--max-sequences", "2"], &[]);
    assert_input_error(&o, "at least 3 sequences are needed");
    // Three run every method.
    let o = satool(&["protein", "--stockholm", &small_family(dir.path(), 3), "--hmmer", "off", "--json"], &[]);
    assert_eq!(json(&o)["parameters"]["K"], 3);
}

#[test]
fn control_characters_of_a_record_id_are_escaped_in_the_table_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let fam = small_family(dir.path(), 4);
    let rep = dir.path().join("rep");
    let o = satool(
        &[
            "protein",
            "--stockholm",
            &fam,
            "--hmmer",
            "off",
            "--methods",
            "bootstrap",
            "--report",
            rep.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stdout(&o).contains('\x1b') && stdout(&o).contains("T\\x1b[31mX"), "{}", stdout(&o));
    let md = std::fs::read_to_string(rep.join("report.md")).unwrap();
    assert!(!md.contains('\x1b') && md.contains("T\\x1b[31mX"), "{md}");
}

#[test]
fn score_refuses_duplicate_names() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("PF00076_evaluate.aligned.fasta")).unwrap();
    let first: Vec<&str> = text.split('>').filter(|r| !r.is_empty()).take(2).collect();
    let dup = write(dir.path(), "dup.fasta", format!(">{}>{}", first[0], first[0]).as_bytes());
    let o = satool(&["protein", "--stockholm", &fixture("PF00076.sto"), "--hmmer", "off", "--score", &dup], &[]);
    assert_input_error(&o, "dup.fasta: the sequence name 'Eval_1' is used twice");
}

/// `--score` generates nothing: `--methods` and `--max-identity` with it are refused, not
/// silently ignored.
#[test]
fn score_refuses_generation_options_it_would_ignore() {
    let (sto, fasta) = (fixture("PF00076.sto"), fixture("PF00076_evaluate.aligned.fasta"));
    for extra in [["--methods", "sa_gen"], ["--max-identity", "0.8"]] {
        let args = ["protein", "--stockholm", &sto, "--hmmer", "off", "--score", &fasta];
        let o = satool(&[&args[..], &extra[..]].concat(), &[]);
        assert_input_error(&o, &format!("the argument '--score <FASTA>' cannot be used with '{}", extra[0]));
    }
}

#[test]
fn a_missing_tmpdir_is_one_line_naming_it() {
    let o = satool(
        &[
            "protein",
            "--stockholm",
            &fixture("PF00076.sto"),
            "--hmm",
            &fixture("PF00076.hmm"),
            "--methods",
            "bootstrap",
        ],
        &[("TMPDIR", "/nonexistent/satool-tmp")],
    );
    assert_input_error(&o, "TMPDIR /nonexistent/satool-tmp: cannot create a temporary directory there");
    assert_eq!(stderr(&o).trim().lines().filter(|l| l.starts_with("error")).count(), 1, "{}", stderr(&o));
}

#[test]
fn weights_that_lose_more_than_the_portfolio_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let w = write(dir.path(), "lever.csv", b"AAPL,30\nAMD,-29\n");
    let o = satool(&["finance", "--prices", &fixture("sp500.csv"), "--weights", &w, "--methods", "bootstrap"], &[]);
    assert_input_error(&o, "--weights ");
    assert!(stderr(&o).contains("lever.csv") && stderr(&o).contains("loses more than 100%"), "{}", stderr(&o));
}

/// sp500.csv with AAPL's price set to 100 on the first 200 days (a ticker that moves in the
/// whole history but not in a training window cut from its start), keeping only `columns`.
fn sp500_with_aapl_flat(dir: &std::path::Path, columns: Option<&[&str]>) -> String {
    let text = std::fs::read_to_string(fixture("sp500.csv")).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let keep: Vec<usize> =
        (0..header.len()).filter(|&i| i == 0 || columns.is_none_or(|c| c.contains(&header[i]))).collect();
    let j = header.iter().position(|&c| c == "AAPL").unwrap();
    let mut out = String::new();
    for (row, l) in text.lines().enumerate() {
        let mut cells: Vec<&str> = l.split(',').collect();
        if (1..=200).contains(&row) {
            cells[j] = "100";
        }
        out += &(keep.iter().map(|&i| cells[i]).collect::<Vec<_>>().join(",") + "\n");
    }
    write(dir, "const.csv", out.as_bytes())
}

/// The dropped ticker's warning on stderr, its tickers.csv row, and every table without it.
fn assert_aapl_dropped(o: &std::process::Output, out: &std::path::Path, window: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let warning = format!(
        "warning: {}: dropped 1 ticker(s) with constant returns over {window}: AAPL",
        out.parent().unwrap().join("const.csv").display()
    );
    // One warning, wrapped at 100 columns: its lines after the first are indented.
    assert_eq!(err.lines().filter(|l| l.starts_with("warning")).count(), 1, "{err}");
    assert!(err.lines().all(|l| l.chars().count() <= 100), "{err}");
    assert!(unwrapped(&err).contains(&warning), "{err}");
    let csv = std::fs::read_to_string(out.join("tickers.csv")).unwrap();
    let row = format!("AAPL,dropped,1990-01-02,2022-12-28,0,\"constant returns over {window}\"");
    assert_eq!(csv.lines().filter(|l| l.starts_with("AAPL,")).collect::<Vec<_>>(), [row.as_str()]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(v["parameters"]["d"], 19);
    assert!(!v["tickers"]["kept"].as_array().unwrap().iter().any(|t| t == "AAPL"));
    assert_eq!(v["risk"]["weights_used"].as_array().unwrap().len(), 19);
    assert_eq!(
        v["warnings"][0],
        warning.trim_start_matches(&format!("warning: {}: ", out.parent().unwrap().join("const.csv").display()))
    );
}

#[test]
fn a_ticker_constant_in_the_training_days_is_dropped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let p = sp500_with_aapl_flat(dir.path(), None);
    let out = dir.path().join("split");
    let args = ["finance", "--prices", &p, "--methods", "garch_fhs,bootstrap", "--out", out.to_str().unwrap()];
    let o = satool(&[&args[..], &["--backtest-split", "0.02"]].concat(), &[]);
    assert_aapl_dropped(&o, &out, "the training days before --backtest-split (166 days, 1990-01-03 to 1990-08-28)");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(v["backtest"]["methods"].as_array().unwrap().len(), 2, "both methods backtested on 19 tickers");

    let out = dir.path().join("cond");
    let args = ["finance", "--prices", &p, "--methods", "garch_fhs,bootstrap", "--out", out.to_str().unwrap()];
    let o = satool(&[&args[..], &["--condition-dates", "1990-01-01..1990-06-01"]].concat(), &[]);
    assert_aapl_dropped(&o, &out, "the days the condition keeps (105 days, 1990-01-03 to 1990-06-01)");

    // Weights on the dropped ticker are refused, naming the file, the line and why.
    let w = write(dir.path(), "w.csv", b"ticker,weight\nAMD,1\nAAPL,1\n");
    let o = satool(
        &["finance", "--prices", &p, "--methods", "bootstrap", "--backtest-split", "0.02", "--weights", &w],
        &[],
    );
    assert_input_error(
        &o,
        "w.csv:3: ticker 'AAPL' was dropped (constant returns over the training days before --backtest-split",
    );

    // Two tickers, one constant in the window: nothing left to model.
    let two = sp500_with_aapl_flat(dir.path(), Some(&["AAPL", "AMD"]));
    let o = satool(&["finance", "--prices", &two, "--methods", "bootstrap", "--backtest-split", "0.02"], &[]);
    assert_input_error(&o, "every ticker but 1 has constant returns over the training days before --backtest-split");
}

#[test]
fn a_ticker_constant_before_a_rolling_backtest_is_dropped_for_every_refit() {
    let dir = tempfile::tempdir().unwrap();
    let p = sp500_with_aapl_flat(dir.path(), None);
    let out = dir.path().join("rolling");
    let o = satool(
        &[
            "finance",
            "--prices",
            &p,
            "--backtest",
            "1990-09-01..1990-12-31",
            "--refit-every",
            "100",
            "--methods",
            "historical,garch_fhs",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    let window = "the 169 return days before --backtest's first day (1990-01-03 to 1990-08-31)";
    assert!(
        unwrapped(&stderr(&o)).contains(&format!("dropped 1 ticker(s) with constant returns over {window}: AAPL")),
        "{}",
        stderr(&o)
    );
    let csv = std::fs::read_to_string(out.join("tickers.csv")).unwrap();
    assert!(csv.contains(&format!("AAPL,dropped,1990-01-02,2022-12-28,0,constant returns over {window}\n")), "{csv}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(v["tickers"]["kept"].as_array().unwrap().len(), 19);
    assert_eq!(v["methods"].as_array().unwrap().len(), 2, "garch_fhs ran on the 19 others");
}

#[test]
fn a_beta_whose_noise_would_overflow_is_refused_where_parsed() {
    let sto = fixture("PF00076.sto");
    for opt in ["--beta-gen", "--beta-ret"] {
        let o = satool(&["protein", "--stockholm", &sto, "--hmmer", "off", opt, "1e-300"], &[]);
        assert_input_error(
            &o,
            &format!("invalid value '1e-300' for '{opt} <BETA>': 1e-300 is out of range: 1e-6 ≤ β ≤ 1e6"),
        );
    }
    let o = satool(&["finance", "--prices", &fixture("sp500.csv"), "--beta", "1e-7"], &[]);
    assert_input_error(&o, "1e-7 is out of range: 1e-6 ≤ β ≤ 1e6");
    let o = satool(
        &["protein", "--stockholm", &sto, "--hmmer", "off", "--methods", "sa_gen", "--beta-gen", "1e-6", "--json"],
        &[],
    );
    assert!(f(&json(&o)["parameters"], "beta_generation") == 1e-6);
}

/// Path counts whose arrays would not fit are refused before anything is drawn, with the
/// estimate and the options that lower it; counts that overflow are refused the same way.
#[test]
fn path_sizes_over_the_memory_budget_are_refused_at_once_with_the_estimate() {
    let p = fixture("sp500.csv");
    for (n, h) in [("10", "18446744073709551615"), ("9223372036854775808", "2"), ("100000", "100")] {
        let o = satool(
            &["finance", "--prices", &p, "--methods", "exact", "--scenarios", n, "--horizon", h],
            &[("SATOOL_MAX_MEMORY_BYTES", "100000000")],
        );
        assert_input_error(
            &o,
            &format!(
                "--scenarios {n} --horizon {h}: the paths (1 method streamed a block of paths at a time: 3 values per \
                 path day each and 4 more while one runs, 8 bytes each"
            ),
        );
        assert!(stderr(&o).contains("lower --scenarios or --horizon (or name fewer --methods)"), "{}", stderr(&o));
        assert!(stderr(&o).contains("more than the 95.4 MiB this run may use"), "{}", stderr(&o));
    }
    // A realistic request over a 1 GB limit: refused on one line before any method runs.
    let big = fixture("all_stocks_5yr.csv.gz");
    let o = satool(
        &["finance", "--prices", &big, "--methods", "sa_paths", "--scenarios", "1000000", "--horizon", "20"],
        &[("SATOOL_MAX_MEMORY_BYTES", "1000000000")],
    );
    assert_input_error(&o, "--scenarios 1000000 --horizon 20: the paths (1 method streamed a block of paths at a time");
    assert!(stderr(&o).contains("more than the 953.7 MiB this run may use"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    let o = satool(
        &["finance", "--prices", &p, "--methods", "exact", "--scenarios", "10", "--horizon", "5"],
        &[("SATOOL_MAX_MEMORY_BYTES", "lots")],
    );
    assert_input_error(&o, "SATOOL_MAX_MEMORY_BYTES: 'lots' is not a positive number of bytes");
}

/// Three sequences of which two are the same span one PCA direction (d = 1): GMM-PCA cannot
/// model that and says so in a warning (and results.json), while every other row runs.
#[test]
fn a_baseline_that_cannot_model_the_family_is_left_out_with_its_error_and_the_others_run() {
    let dir = tempfile::tempdir().unwrap();
    let text = pf00076_text();
    let seqs: Vec<&str> = text.lines().filter(|l| !l.is_empty() && !l.starts_with('#') && *l != "//").collect();
    let (s1, s2) = (seqs[0].split_whitespace().nth(1).unwrap(), seqs[1].split_whitespace().nth(1).unwrap());
    let body = format!("# STOCKHOLM 1.0\n#=GF ID D1\na1 {s1}\na2 {s1}\nb1 {s2}\n//\n");
    let fam = write(dir.path(), "d1.sto", body.as_bytes());
    let o = satool(
        &["protein", "--stockholm", &fam, "--hmmer", "off", "--methods", "bootstrap,gmm_pca,exact_gen", "--json"],
        &[],
    );
    let v = json(&o);
    assert_eq!(v["parameters"]["d"], 1);
    let ids: Vec<&str> = v["methods"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["bootstrap", "exact_gen"]);
    let warned = v["warnings"].as_array().unwrap().iter().any(|w| {
        w.as_str().unwrap().starts_with("gmm_pca: not run on this family: GMM-PCA needs")
            && w.as_str().unwrap().contains("d = 1")
    });
    assert!(warned, "{}", v["warnings"]);
    // Alone, it is the run's error (exit 2).
    let o = satool(&["protein", "--stockholm", &fam, "--hmmer", "off", "--methods", "gmm_pca"], &[]);
    assert_input_error(&o, "GMM-PCA needs at least 2 stored patterns and pattern dimension d ≥ 2 (got K = 3, d = 1)");
}

/// A `--samples` count whose rows would not fit is refused before any method runs, with the
/// estimate; `--max-identity` holds its rows whole, so it needs more.
#[test]
fn samples_over_the_memory_budget_are_refused_at_once_with_the_estimate() {
    let sto = fixture("PF00076.sto");
    let budget = [("SATOOL_MAX_MEMORY_BYTES", "100000000")];
    let base = ["protein", "--stockholm", &sto, "--hmmer", "off", "--methods", "exact_gen", "--samples"];
    let mut filtered = base.to_vec();
    filtered.extend(["100000", "--max-identity", "0.9"]);
    let o = satool(&filtered, &budget);
    assert_input_error(&o, "--samples 100000: the 1 rows (100000 × about 2080 bytes) would take 198.4 MiB");
    assert!(stderr(&o).contains("more than the 95.4 MiB this run may use; lower --samples"), "{}", stderr(&o));
    // A small count fits the same budget.
    let mut streamed = base.to_vec();
    streamed.extend(["300", "--max-identity", "0.9"]);
    assert!(satool(&streamed, &budget).status.success());
    // A streamed row holds about 290 bytes per sample at L = 71 (128 MB of peak RSS at 300,000),
    // counted as 256 + 2·L = 398: over the budget (the first estimate, L + 32, let it run).
    let mut streamed = base.to_vec();
    streamed.push("300000");
    assert_input_error(
        &satool(&streamed, &budget),
        "--samples 300000: the 1 rows (300000 × about 398 bytes) would take 113.9 MiB",
    );
}

#[test]
fn rayon_thread_counts_are_checked_and_clamped() {
    let args =
        ["protein", "--stockholm", &fixture("PF00076.sto"), "--hmmer", "off", "--methods", "bootstrap", "--json"];
    let o = satool(&args, &[("RAYON_NUM_THREADS", "many")]);
    assert_input_error(&o, "RAYON_NUM_THREADS=\"many\" is not a thread count");
    // thousands of threads: lowered with a warning, and the run completes (it panicked before)
    let o = satool(&args, &[("RAYON_NUM_THREADS", "5000")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: RAYON_NUM_THREADS=5000 lowered to"), "{}", stderr(&o));
    // A count given with --threads is named as given.
    let o = satool(&[&args[..], &["--threads", "5000"]].concat(), &[("RAYON_NUM_THREADS", "2")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: --threads 5000 lowered to"), "{}", stderr(&o));
}

#[test]
fn threads_option_sets_the_pool_and_not_the_numbers() {
    let sto = fixture("PF00076.sto");
    let run = |threads: &str| {
        let tail = "--hmmer off --methods sa_gen --samples 60 --json";
        let mut args = vec!["--threads", threads, "protein", "--stockholm", &sto];
        args.extend(tail.split(' '));
        satool(&args, &[])
    };
    let (one, two) = (run("1"), run("2"));
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
    let novelty = |o: &std::process::Output| json(o)["methods"][0]["novelty"].clone();
    assert_eq!(novelty(&one), novelty(&two));
    assert_input_error(&run("0"), "--threads 0: give at least 1");
}

/// Extreme and garbage values for every numeric option of both commands.
const SWEEP_VALUES: [&str; 15] = [
    "0",
    "1",
    "2",
    "-1",
    "0.5",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775808",
    "1e308",
    "1e-300",
    "nan",
    "inf",
    "-inf",
    "",
    "abc",
];

/// Runs satool with stdout discarded and stderr kept, killed after `limit`: `None` on a timeout.
fn run_bounded(args: &[&str], limit: std::time::Duration) -> Option<(Option<i32>, String)> {
    let dir = tempfile::tempdir().unwrap();
    let err_path = dir.path().join("stderr");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_satool"))
        .args(args)
        .current_dir(root())
        .env("SATOOL_MAX_MEMORY_BYTES", (2u64 << 30).to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("run satool");
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some((status.code(), std::fs::read_to_string(&err_path).unwrap_or_default()));
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Every numeric option of `satool finance` (on a 4-ticker, 120-day panel) and `satool protein`
/// (PF00076, one cheap method) with 0, ±1, the u64 bounds, 1e308, 1e-300, NaN, ±inf, empty and
/// text: exit 0 or 2 only (no panic, abort or kill), never a hang, an exit-2 message on one line
/// (clap's own usage errors add their "For more information" hint) that names the option, and no
/// staging directory left beside the output.
#[test]
fn every_numeric_option_exits_0_or_2_with_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("date,A,B,C,D\n");
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    for t in 0..120u32 {
        let day = start + chrono::Days::new(u64::from(t));
        let p: Vec<String> = (0..4u32).map(|j| format!("{:.4}", 50.0 + f64::from((t * (j + 3)) % 17) * 0.3)).collect();
        csv.push_str(&format!("{day},{}\n", p.join(",")));
    }
    let prices = write(dir.path(), "p.csv", csv.as_bytes());
    let sto = fixture("PF00076.sto");
    let finance: &[(&str, &[&str])] = &[
        ("--min-tickers", &[]),
        ("--fill-limit", &[]),
        ("--jump-threshold", &[]),
        ("--beta", &[]),
        ("--beta-sequential", &["--methods", "sa_sequential", "--inner-steps", "2"]),
        ("--inner-steps", &[]),
        ("--sequential-segments", &["--methods", "sa_sequential", "--inner-steps", "2"]),
        ("--regimes", &["--methods", "sa_regime", "--inner-steps", "2"]),
        ("--regime-window", &["--methods", "sa_regime", "--inner-steps", "2"]),
        ("--regime-quantile", &["--condition-regime", "high-vol"]),
        ("--backtest-split", &[]),
        ("--scenarios", &["--horizon", "2"]),
        ("--horizon", &["--scenarios", "2"]),
        ("--seed", &[]),
        ("--alpha", &["--methods", "sa"]),
    ];
    let protein: &[(&str, &[&str])] = &[
        ("--max-sequences", &["--samples", "10"]),
        ("--samples", &[]),
        ("--beta-gen", &["--samples", "10"]),
        ("--beta-ret", &["--samples", "10", "--methods", "exact_ret"]),
        ("--max-identity", &["--samples", "10"]),
        ("--reweight", &["--samples", "10"]),
        ("--holdout", &["--samples", "10"]),
        ("--holdout-folds", &["--samples", "10", "--holdout", "0.2"]),
        ("--seed", &["--samples", "10"]),
        ("--alpha", &["--samples", "10", "--methods", "sa_gen"]),
        ("--hmmer-timeout", &["--samples", "10"]),
    ];
    let out = dir.path().join("out").display().to_string();
    let mut runs = 0;
    for (command, base, options) in [
        ("finance", ["--prices", prices.as_str(), "--methods", "bootstrap"], finance),
        ("protein", ["--stockholm", sto.as_str(), "--methods", "exact_gen"], protein),
    ] {
        for (option, extra) in options {
            for value in SWEEP_VALUES {
                let _ = std::fs::remove_dir_all(&out);
                let given = format!("{option}={value}");
                let mut args = vec![command];
                args.extend(base);
                if command == "protein" {
                    args.extend(["--hmmer", "off"]);
                }
                args.extend(extra.iter().copied());
                args.extend([given.as_str(), "--out", out.as_str(), "-q"]);
                let Some((code, err)) = run_bounded(&args, std::time::Duration::from_secs(60)) else {
                    panic!("{command} {given}: no answer in 60 s");
                };
                runs += 1;
                assert!(matches!(code, Some(0 | 2)), "{command} {given}: exit {code:?}: {err}");
                assert!(!err.contains("panicked"), "{command} {given}: {err}");
                let staged: Vec<_> = std::fs::read_dir(dir.path())
                    .unwrap()
                    .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                    .filter(|n| n.contains("satool"))
                    .collect();
                assert!(staged.is_empty(), "{command} {given}: left {staged:?}");
                if code == Some(2) {
                    let lines: Vec<&str> = err
                        .lines()
                        .filter(|l| !l.trim().is_empty() && !l.starts_with("For more information"))
                        .collect();
                    let clap_usage = lines.iter().skip(1).all(|l| l.starts_with("Usage:") || l.starts_with("       "));
                    assert!(lines.len() == 1 || clap_usage, "{command} {given}: not one line: {err}");
                    assert!(lines[0].starts_with("error: ") && lines[0].contains(option), "{command} {given}: {err}");
                }
            }
        }
    }
    assert_eq!(runs, (finance.len() + protein.len()) * SWEEP_VALUES.len());
}

/// A comparison run whose chains would take hours (`--inner-steps 10^9`) says so before it
/// starts, as a `--scenarios` run does (before it ran for ever with nothing said); it is stopped
/// here once the note is out.
#[test]
fn a_comparison_run_that_would_take_hours_is_announced() {
    let dir = tempfile::tempdir().unwrap();
    let err_path = dir.path().join("stderr");
    let csv = fixture("sp500.csv");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_satool"))
        .args(["finance", "--prices", &csv, "--start", "2020-01-01", "--methods", "sa_sequential"])
        .args(["--inner-steps", "1000000000"])
        .current_dir(root())
        // Killed below: its private temporary directory stays in this test's directory.
        .env("TMPDIR", dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("run satool");
    let start = std::time::Instant::now();
    let said = loop {
        let err = std::fs::read_to_string(&err_path).unwrap_or_default();
        if err.contains("sa_sequential") && err.contains(" h\n") || start.elapsed().as_secs() > 60 {
            break err;
        }
        assert!(child.try_wait().unwrap().is_none(), "satool ended: {err}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let _ = child.kill();
    let _ = child.wait();
    let said1 = said.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(said1.contains("note: the run on 753 days × 20 tickers is estimated to take"), "{said}");
    assert!(said1.contains("note: sa_sequential"), "{said}");
}
