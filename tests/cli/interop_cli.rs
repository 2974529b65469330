//! How the binary fits a terminal and a pipe: its help (grouped, with the files each run
//! writes), shell completions and man page, `-` for stdin, and sequences to stdout as FASTA.

mod common;
use common::*;
use satool_app::help::{listed_as, listed_files, FINANCE_OUT, OUT_TITLE, PROTEIN_OUT};
use std::collections::BTreeSet;
use std::path::Path;

/// The plain files of `dir` (sub-directories left out).
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every file of each run directory is listed in `help` under `title`, and every listed name is
/// written by one of the runs.
fn assert_listed(help: &str, title: &str, dirs: &[&Path]) {
    let listed = listed_files(help, title);
    assert!(listed.len() >= 2, "no file list under {title:?} in:\n{help}");
    let mut seen = BTreeSet::new();
    for dir in dirs {
        for file in files_in(dir) {
            let name =
                listed_as(&listed, &file).unwrap_or_else(|| panic!("{file} is written but --help does not list it"));
            seen.insert(name);
        }
    }
    let unseen: Vec<_> = listed.iter().filter(|n| !seen.contains(*n)).collect();
    assert!(unseen.is_empty(), "--help lists {unseen:?}, which no run wrote");
}

/// `protein --help` lists exactly the files a run writes: with an --evaluate file and a profile
/// hmmbuild built (so every conditional file is there), and with --all-families.
#[test]
fn protein_help_lists_the_files_a_run_writes() {
    require_hmmer();
    let tmp = tempfile::tempdir().unwrap();
    let (one, all) = (tmp.path().join("one"), tmp.path().join("all"));
    let (sto, eval) = (fixture("PF00076.sto"), fixture("PF00076_evaluate.aligned.fasta"));
    let o = satool(
        &["protein", "--stockholm", &sto, "--methods", "bootstrap", "--evaluate", &eval, "--hmmer", "require"]
            .into_iter()
            .chain(["--quiet", "--out", one.to_str().unwrap()])
            .collect::<Vec<_>>(),
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let help = stdout(&satool(&["protein", "--help"], &[]));
    assert_listed(&help, OUT_TITLE, &[&one]);
    let multi = fixture("multi_family.sto");
    let o = satool(
        &["protein", "--stockholm", &multi, "--all-families", "--methods", "bootstrap", "--hmmer", "off", "--quiet"]
            .into_iter()
            .chain(["--out", all.to_str().unwrap()])
            .collect::<Vec<_>>(),
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_listed(&help, "Files written with --all-families --out DIR", &[&all]);
}

/// `finance --help` lists exactly the files the runs write: a conditioned run, a sharded path
/// run with gzip, a rolling backtest and a shard's moments.
#[test]
fn finance_help_lists_the_files_a_run_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = fixture("sp500.csv");
    let runs: [&[&str]; 4] = [
        &["--start", "2019-01-01", "--methods", "historical,bootstrap", "--condition-regime", "high-vol"],
        &["--start", "2019-01-01", "--methods", "historical,bootstrap", "--scenarios", "6", "--horizon", "3"]
            .into_iter()
            .chain(["--raw", "--paths", "0..4", "--gzip"])
            .collect::<Vec<_>>(),
        &["--methods", "historical", "--start", "2019-06-01", "--backtest", "2020-02-03..2020-03-31"],
        &["--start", "2019-01-01", "--methods", "bootstrap", "--scenarios", "6", "--horizon", "3"]
            .into_iter()
            .chain(["--paths", "0..4", "--moments-only"])
            .collect::<Vec<_>>(),
    ];
    let mut dirs = Vec::new();
    for (i, extra) in runs.iter().enumerate() {
        let dir = tmp.path().join(i.to_string());
        let mut args = vec!["finance", "--prices", &csv, "--quiet"];
        args.extend_from_slice(extra);
        let d = dir.display().to_string();
        args.extend(["--out", &d]);
        let o = satool(&args, &[]);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        dirs.push(dir);
    }
    let help = stdout(&satool(&["finance", "--help"], &[]));
    assert_listed(&help, OUT_TITLE, &dirs.iter().map(|d| d.as_path()).collect::<Vec<_>>());
}

/// `-h` is a summary grouped under headings; `--help` teaches (the same headings, the details,
/// the file lists); both fit 100 columns.
#[test]
fn help_is_grouped_short_and_fits_100_columns() {
    for (cmd, headings) in [
        ("protein", &["Input:", "Generation:", "Evaluation:", "HMMER:", "Output:"][..]),
        ("finance", &["Input:", "Generation:", "Risk and backtest:", "Output:"][..]),
    ] {
        let short = stdout(&satool(&[cmd, "-h"], &[]));
        let long = stdout(&satool(&[cmd, "--help"], &[]));
        for h in headings {
            assert!(short.lines().any(|l| l == *h), "{cmd} -h has no {h} heading:\n{short}");
            assert!(long.lines().any(|l| l == *h), "{cmd} --help has no {h} heading");
        }
        assert!(short.contains("see --help") && !short.contains(OUT_TITLE), "{cmd} -h points to --help");
        // Every option of the command sits under its heading: the untitled group holds the global ones.
        let options: Vec<&str> = short
            .lines()
            .skip_while(|l| *l != "Options:")
            .skip(1)
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.split_whitespace().find(|w| w.starts_with("--")))
            .collect();
        assert_eq!(options, ["--quiet", "--threads", "--help"], "{cmd}: options without a help_heading");
        assert!(long.contains(OUT_TITLE) && long.contains("Exit codes"));
        assert!(short.lines().count() * 2 < long.lines().count(), "{cmd} -h is a summary of --help");
        for text in [&short, &long] {
            let wide: Vec<&str> = text.lines().filter(|l| l.chars().count() > 100).collect();
            assert!(wide.is_empty(), "{cmd}: lines over 100 columns: {wide:?}");
        }
    }
}

/// Every example in a help page is one line per command: none is wrapped in the middle (a
/// wrapped command does not run as written).
#[test]
fn help_examples_are_not_wrapped() {
    for cmd in [
        &["bench"][..],
        &["protein", "index"],
        &["finance", "gather"],
        &["finance", "moments"],
        &["protein"],
        &["finance"],
    ] {
        let help = stdout(&satool(&[cmd, &["--help"]].concat(), &[]));
        let mut examples = 0;
        for block in help.split("Example:\n").skip(1) {
            for line in block.lines().take_while(|l| !l.trim().is_empty()) {
                let word = line.split_whitespace().next().unwrap_or_default();
                assert!(
                    ["satool", "cargo", "RUN=\"--prices"].contains(&word),
                    "{cmd:?}: a wrapped example line '{line}'"
                );
                examples += 1;
            }
        }
        assert!(examples > 0, "{cmd:?}: no example found:\n{help}");
    }
}

/// `satool completions SHELL` prints a script that the shell accepts and that completes the
/// commands and their options; bash loads it and registers the completion.
#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = satool(&["completions", shell], &[]);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        for word in ["protein", "finance", "stockholm", "prices"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("satool.bash");
    std::fs::write(&file, stdout(&satool(&["completions", "bash"], &[]))).unwrap();
    let o = std::process::Command::new("bash")
        .args(["-c", &format!("source {} && complete -p satool", file.display())])
        .output()
        .unwrap();
    assert!(o.status.success() && String::from_utf8_lossy(&o.stdout).contains("satool"), "{o:?}");
    let bad = satool(&["completions", "tcsh"], &[]);
    assert_eq!(bad.status.code(), Some(2));
}

/// `satool man` prints the roff page; `--dir` writes one page per command, each with the
/// command's options.
#[test]
fn man_pages() {
    let page = stdout(&satool(&["man"], &[]));
    assert!(page.contains(".TH satool 1"), "{}", &page[..page.len().min(300)]);
    assert!(page.contains("protein") && page.contains("finance"));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man1");
    let o = satool(&["man", "--dir", dir.to_str().unwrap(), "--quiet"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(read("satool.1").contains(".TH satool 1"));
    assert!(read("satool-protein.1").contains("stockholm"));
    assert!(read("satool-finance.1").contains("prices"));
    // The closing sections keep their layout: one tagged item per listed file (filled, they ran
    // into one paragraph), examples one per line.
    for (page, files) in [("satool-finance.1", FINANCE_OUT), ("satool-protein.1", PROTEIN_OUT)] {
        let text = read(page);
        for (name, _) in files {
            assert!(text.contains(&format!(".TP 22\n{name}\n")), "{page}: {name} is not a list item");
        }
        assert!(text.contains("Example:\n.nf\n  satool "), "{page}: the example is not preformatted");
    }
}

/// Runs satool with `input` on its stdin.
fn satool_stdin(args: &[&str], input: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_satool"))
        .args(args)
        .current_dir(root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A refused run exits before reading: a closed pipe is no failure of the test.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().unwrap()
}

/// The results of a `--json` run without the input's name and the timings.
fn numbers(o: &std::process::Output) -> serde_json::Value {
    let mut v = without_timings(json(o));
    v["input"]["path"] = serde_json::Value::Null;
    v
}

/// `-` reads an input from stdin: the same numbers as the file; its errors name `<stdin>` with
/// the line, as they name a file; two inputs on stdin are refused.
#[test]
fn dash_reads_stdin() {
    let read = |name: &str| std::fs::read(root().join("fixtures").join(name)).unwrap();
    let (sto, eval) = (fixture("PF00076.sto"), fixture("PF00076_evaluate.aligned.fasta"));
    let protein = ["--methods", "bootstrap", "--hmmer", "off", "--json", "--quiet"];
    let args = |input: &str, more: &[&'static str]| -> Vec<String> {
        ["protein", "--stockholm", input].iter().chain(&protein).chain(more).map(|s| s.to_string()).collect()
    };
    let run = |a: Vec<String>, input: &[u8]| satool_stdin(&a.iter().map(String::as_str).collect::<Vec<_>>(), input);
    assert_eq!(numbers(&run(args("-", &[]), &read("PF00076.sto"))), numbers(&run(args(&sto, &[]), b"")));
    // --evaluate - is the row file:stdin, with the numbers of the file's row.
    let mut by_file = args(&sto, &[]);
    by_file.extend(["--evaluate".into(), eval.clone()]);
    let mut by_stdin = args(&sto, &[]);
    by_stdin.extend(["--evaluate".into(), "-".into()]);
    let (f, s) = (numbers(&run(by_file, b"")), numbers(&run(by_stdin, &read("PF00076_evaluate.aligned.fasta"))));
    let (mut row_f, mut row_s) = (method(&f, "file:PF00076_evaluate").clone(), method(&s, "file:stdin").clone());
    for r in [&mut row_f, &mut row_s] {
        r["id"] = serde_json::Value::Null;
        r["label"] = serde_json::Value::Null;
    }
    assert_eq!(row_f, row_s);
    // --score -: the same lines as the file.
    let score = |input: &str, data: &[u8]| {
        stdout(&satool_stdin(&["protein", "--stockholm", &sto, "--score", input, "--hmmer", "off", "--quiet"], data))
    };
    let scored = score(&eval, b"");
    assert_eq!(
        scored.lines().count(),
        1 + read("PF00076_evaluate.aligned.fasta").iter().filter(|&&b| b == b'>').count()
    );
    assert_eq!(score("-", &read("PF00076_evaluate.aligned.fasta")), scored);

    // Errors: the file's message with <stdin> for its name.
    let bad_sto = b"# STOCKHOLM 1.0\nx ACD\ny AC\n//\n";
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.sto");
    std::fs::write(&file, bad_sto).unwrap();
    let msg = |o: &std::process::Output| {
        assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
        stderr(o)
    };
    let from_file = msg(&run(args(file.to_str().unwrap(), &[]), b""));
    let from_stdin = msg(&run(args("-", &[]), bad_sto));
    assert_eq!(from_stdin, from_file.replace(file.to_str().unwrap(), "<stdin>"));
    assert!(from_stdin.starts_with("error: <stdin>:3: "), "{from_stdin}");
    let bad_fasta = b">a\nAC-DEF\n";
    let o = satool_stdin(&["protein", "--stockholm", &sto, "--score", "-", "--hmmer", "off"], bad_fasta);
    assert_input_error(&o, "<stdin>");

    // Finance: prices and weights.
    let csv = fixture("sp500.csv");
    let finance = |prices: &str, more: &[&str], input: &[u8]| {
        let mut a = vec!["finance", "--prices", prices, "--start", "2021-01-01", "--methods", "historical,bootstrap"];
        a.extend_from_slice(more);
        satool_stdin(&a, input)
    };
    let json_args = ["--json", "--quiet"];
    assert_eq!(numbers(&finance("-", &json_args, &read("sp500.csv"))), numbers(&finance(&csv, &json_args, b"")));
    let o = finance("-", &[], b"date,A,B\n2020-01-01,1,2\n2020-01-02,1,x\n");
    assert_input_error(&o, "<stdin>:3: column 'B': 'x' is not a number");
    let o = finance(&csv, &["--weights", "-"], b"NOPE,1\n");
    assert_input_error(&o, "--weights <stdin>:1: ticker 'NOPE' is not among");
    // One stdin.
    let o = satool_stdin(&["finance", "--prices", "-", "--weights", "-"], b"");
    assert_input_error(&o, "--prices, --weights are all - (stdin)");
    let o = satool_stdin(&["protein", "--stockholm", &sto, "--hmm", "-"], b"");
    assert_input_error(&o, "--hmm -:");
}

/// `--fasta-stdout`: the sequences to stdout as FASTA (the bytes of the row's `.fasta` file), the
/// table to stderr, so hmmsearch reads them from a pipe; every sa_gen sequence hits PF00076's
/// profile.
#[test]
fn fasta_stdout_pipes_into_hmmsearch() {
    require_hmmer();
    let tmp = tempfile::tempdir().unwrap();
    let (sto, hmm) = (fixture("PF00076.sto"), fixture("PF00076.hmm"));
    let out = tmp.path().join("out");
    let base = ["protein", "--stockholm", &sto, "--methods", "sa_gen", "--no-hmmer", "--quiet"];
    let o = satool(&base.iter().copied().chain(["--fasta-stdout"]).collect::<Vec<_>>(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (fasta, table) = (stdout(&o), stderr(&o));
    assert!(fasta.starts_with(">sa_gen_1 energy="), "{}", &fasta[..fasta.len().min(200)]);
    assert_eq!(fasta.matches('>').count(), 150);
    assert!(table.contains("sa_gen") && table.contains("novelty"), "the table goes to stderr: {table}");
    let o = satool(&base.iter().copied().chain(["--out", out.to_str().unwrap()]).collect::<Vec<_>>(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fasta, std::fs::read_to_string(out.join("sa_gen.fasta")).unwrap());

    let tbl = tmp.path().join("hits.tbl");
    let pipeline = format!(
        "set -o pipefail; {} {} --fasta-stdout | hmmsearch -o /dev/null --tblout {} {hmm} -",
        env!("CARGO_BIN_EXE_satool"),
        base.join(" "),
        tbl.display()
    );
    let o = std::process::Command::new("bash").args(["-c", &pipeline]).current_dir(root()).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let hits: Vec<String> =
        std::fs::read_to_string(&tbl).unwrap().lines().filter(|l| !l.starts_with('#')).map(|l| l.to_string()).collect();
    assert_eq!(hits.len(), 150, "every sequence is a hit");
    for h in &hits {
        let f: Vec<&str> = h.split_whitespace().collect();
        assert!(f[0].starts_with("sa_gen_"), "{h}");
        assert!(f[4].parse::<f64>().unwrap() < 1e-5, "E-value: {h}");
    }
    let refused = satool(&base.iter().copied().chain(["--fasta-stdout", "--json"]).collect::<Vec<_>>(), &[]);
    assert_eq!(refused.status.code(), Some(2));
}

/// The default protein output (every method, HMMER columns, the extended table) fits a terminal
/// of 120 columns: header, conventions and tables.
#[test]
fn protein_output_fits_120_columns() {
    require_hmmer();
    let (sto, hmm) = (fixture("PF00076.sto"), fixture("PF00076.hmm"));
    let o = satool(&["protein", "--stockholm", &sto, "--hmm", &hmm, "--extended", "--quiet"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("sa_gen") && text.lines().count() > 30, "{text}");
    let wide: Vec<&str> = text.lines().filter(|l| l.chars().count() > 120).collect();
    assert!(wide.is_empty(), "lines over 120 columns: {wide:#?}");
}

/// `--all-families` with failing records (long messages) still fits 120 columns: the error cell
/// is a note number and the messages follow the table, wrapped.
#[test]
fn all_families_errors_are_notes_under_the_table() {
    let multi = fixture("multi_family.sto");
    let o = satool(
        &["protein", "--stockholm", &multi, "--all-families", "--methods", "bootstrap", "--hmmer", "off", "--quiet"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let wide: Vec<&str> = text.lines().filter(|l| l.chars().count() > 120).collect();
    assert!(wide.is_empty(), "lines over 120 columns: {wide:#?}");
    assert!(text.contains("2 failed"), "{text}");
    for n in ["(1)", "(2)"] {
        assert_eq!(text.matches(n).count(), 2, "{n} in the table and before its message: {text}");
    }
    assert!(text.lines().any(|l| l.starts_with("(1) SraC_RyeA: ") || l.starts_with("(2) SraC_RyeA: ")), "{text}");
}

/// The lines of `text` wider than `max` terminal columns (display width, not bytes or chars).
fn wider_than(text: &str, max: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    text.lines().filter(|l| l.width() > max).map(|l| format!("{} columns: {l}", l.width())).collect()
}

/// The default finance output fits a terminal of 120 columns, stdout and stderr, in each kind of
/// run: the README's job (every method), paths (`--scenarios`, `--as-of`), both backtests, both
/// conditions, a 505-ticker file with dropped tickers and suspect jumps, and a warning naming a
/// long path; prose (header, conventions, captions, warnings) is wrapped at 100.
#[test]
fn finance_output_fits_120_columns() {
    let dir = tempfile::tempdir().unwrap();
    // AAPL flat on the first 200 days: dropped with a warning from a training window cut there.
    let text = std::fs::read_to_string(fixture("sp500.csv")).unwrap();
    let flat: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| match (1..=200).contains(&i) {
            true => l
                .split_once(',')
                .map_or(l.to_string(), |(date, rest)| format!("{date},100,{}", rest.split_once(',').unwrap().1)),
            false => l.to_string(),
        })
        .map(|l| l + "\n")
        .collect();
    let long = dir.path().join("a directory with a rather long name for the warning to wrap");
    std::fs::create_dir(&long).unwrap();
    let flat_csv = long.join("sp500_with_aapl_flat_on_its_first_200_days.csv");
    std::fs::write(&flat_csv, flat).unwrap();
    let (sp500, all_stocks, flat_csv) =
        (fixture("sp500.csv"), fixture("all_stocks_5yr.csv.gz"), flat_csv.display().to_string());
    let fast = "historical,garch_fhs,sa_paths";
    let runs: Vec<Vec<&str>> = vec![
        vec!["--prices", &sp500, "--start", "2018-01-01"],
        vec!["--prices", &sp500, "--start", "2018-01-01", "--scenarios", "1000", "--horizon", "20"],
        vec![
            "--prices",
            &sp500,
            "--start",
            "2018-01-01",
            "--scenarios",
            "200",
            "--horizon",
            "20",
            "--as-of",
            "2020-03-31",
        ],
        vec![
            "--prices",
            &sp500,
            "--start",
            "2018-01-01",
            "--backtest",
            "2020-02-03..2020-03-31",
            "--refit-every",
            "10",
        ],
        vec!["--prices", &sp500, "--start", "2018-01-01", "--backtest-split", "0.6", "--methods", fast],
        vec![
            "--prices",
            &sp500,
            "--start",
            "2018-01-01",
            "--condition-regime",
            "high-vol",
            "--methods",
            "historical,sa",
        ],
        vec![
            "--prices",
            &sp500,
            "--start",
            "2018-01-01",
            "--condition-dates",
            "2020-02-03..2020-06-30",
            "--methods",
            fast,
        ],
        vec!["--prices", &all_stocks, "--methods", "historical,bootstrap"],
        vec!["--prices", &flat_csv, "--methods", "historical,bootstrap", "--backtest-split", "0.02"],
    ];
    for args in &runs {
        let o = satool(&[&["finance"], &args[..]].concat(), &[]);
        let (out, err) = (stdout(&o), stderr(&o));
        assert!(o.status.success(), "{args:?}: {err}");
        assert!(out.lines().count() > 15, "{args:?}: {out}");
        let wide = [wider_than(&out, 120), wider_than(&err, 120)].concat();
        assert!(wide.is_empty(), "{args:?}: lines over 120 columns: {wide:#?}");
        // Prose is wrapped at 100: only table lines (with runs of spaces between cells) are wider.
        let mut prose = out.lines().chain(err.lines()).filter(|l| !l.trim().contains("  ") && !l.starts_with('─'));
        assert!(prose.all(|l| wider_than(l, 100).is_empty()), "{args:?}: {out}{err}");
        if args.contains(&flat_csv.as_str()) {
            assert!(unwrapped(&err).contains("dropped 1 ticker(s) with constant returns"), "{err}");
            assert!(err.lines().count() > 1, "the warning is wrapped: {err}");
        }
    }
}
