//! How the binary fits a terminal and a pipe: its help (grouped, with the files each run
//! writes), shell completions and man page, `-` for stdin, and sequences to stdout as FASTA.

mod common;
use common::*;
use satool_app::help::{listed_as, listed_files, OUT_TITLE};
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
/// run with gzip, and a rolling backtest.
#[test]
fn finance_help_lists_the_files_a_run_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = fixture("sp500.csv");
    let runs: [&[&str]; 3] = [
        &["--start", "2019-01-01", "--methods", "historical,bootstrap", "--condition-regime", "high-vol"],
        &["--start", "2019-01-01", "--methods", "historical,bootstrap", "--scenarios", "6", "--horizon", "3"]
            .into_iter()
            .chain(["--raw", "--paths", "0..4", "--gzip"])
            .collect::<Vec<_>>(),
        &["--methods", "historical", "--start", "2019-06-01", "--backtest", "2020-02-03..2020-03-31"],
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
        assert!(long.contains(OUT_TITLE) && long.contains("Exit codes"));
        assert!(short.lines().count() * 2 < long.lines().count(), "{cmd} -h is a summary of --help");
        for text in [&short, &long] {
            let wide: Vec<&str> = text.lines().filter(|l| l.chars().count() > 100).collect();
            assert!(wide.is_empty(), "{cmd}: lines over 100 columns: {wide:?}");
        }
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
}
