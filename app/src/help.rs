//! The long help's closing sections: examples, the files each run writes, exit codes. The file
//! lists are data, so a test can compare them with the files a run leaves in its directory.

/// A file a run writes: its name (`<id>` stands for a row's id) and what it holds.
pub type Written = (&'static str, &'static str);

/// `satool protein --out DIR`.
pub const PROTEIN_OUT: &[Written] = &[
    ("results.json", "every number (--json prints the same)"),
    ("command.txt", "the command line"),
    ("<id>.aligned.fasta", "the samples on the cleaned columns"),
    ("<id>.fasta", "the samples ungapped (hmmsearch's input)"),
    ("<id>.a2m", "the samples in the seed's columns (kept: upper case or -, others .)"),
    ("<id>.tsv", "per sequence: energies, nearest stored, identity, novelty, bits"),
    ("<id>.hmmsearch.tbl", "hmmsearch --tblout (when HMMER ran)"),
    ("family.cleaned.sto", "the cleaned sequences, #=GC RF marking the kept columns"),
    ("family.sto", "the seed record hmmbuild built the profile from (when it did)"),
    ("family.hmm", "that profile (results.json's hmmer.hmm names this path)"),
];

/// `satool protein --all-families --out DIR` (besides one sub-directory per record).
pub const PROTEIN_ALL_FAMILIES_OUT: &[Written] =
    &[("families.json", "one summary per record (--json prints the same)"), ("command.txt", "the command line")];

/// `satool finance --out DIR`.
pub const FINANCE_OUT: &[Written] = &[
    ("results.json", "every number (--json prints the same)"),
    ("command.txt", "the command line"),
    ("tickers.csv", "every ticker: status, first/last date, filled days, reason"),
    ("per_ticker.csv", "per method and ticker: KS p, sd ratio, kurtosis, ACF (not --backtest)"),
    ("<id>.csv", "one scenario per row, one column per ticker (without --scenarios)"),
    ("condition_days.csv", "with --condition-*: the selected days and their run"),
    ("historical.csv", "with --scenarios: the history, dated"),
    ("<id>.paths.csv", "with --scenarios: one line per path and day (.gz with --gzip)"),
    ("<id>.portfolio.csv", "with --paths: each path's portfolio returns (finance gather)"),
    ("moments.json", "with --moments-only, and nothing else: the paths' correction moments"),
    ("backtest.csv", "with --backtest: per day the return, refits, each 1- and H-day VaR"),
];

/// Width of the name column of a file list.
const NAME_WIDTH: usize = 20;

/// A file list as help lines: a title line, then one indented line per file.
pub fn file_list(title: &str, files: &[Written]) -> String {
    let mut s = format!("{title}\n");
    for (name, what) in files {
        s += &format!("  {name:<NAME_WIDTH$}  {what}\n");
    }
    s
}

/// The file names a help text lists under `title` (the lines [`file_list`] wrote).
pub fn listed_files<'a>(help: &'a str, title: &str) -> Vec<&'a str> {
    let Some(start) = help.find(title) else { return Vec::new() };
    help[start + title.len()..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

/// Whether `file` is an instance of the listed `name` (`<id>` matches any non-empty stem;
/// `.gz` may follow a `.csv`).
pub fn matches(name: &str, file: &str) -> bool {
    let file = file.strip_suffix(".gz").filter(|f| f.ends_with(".csv")).unwrap_or(file);
    match name.strip_prefix("<id>") {
        Some(suffix) => file.strip_suffix(suffix).is_some_and(|stem| !stem.is_empty() && !stem.contains('.')),
        None => file == name,
    }
}

/// The listed name `file` is an instance of: its own name when listed, else the first `<id>`
/// pattern it matches.
pub fn listed_as<'a>(listed: &[&'a str], file: &str) -> Option<&'a str> {
    listed.iter().find(|n| **n == file).or_else(|| listed.iter().find(|n| matches(n, file))).copied()
}

/// Title of the `--out` file list in the long help.
pub const OUT_TITLE: &str = "Files written with --out DIR";

/// Protein's `--help` after the options.
pub fn protein_long(methods: &str, exit_codes: &str) -> String {
    format!(
        "Example:\n  satool protein --stockholm fixtures/PF00076.sto --hmm fixtures/PF00076.hmm --out runs/PF00076\n  \
satool protein --stockholm F --methods sa_gen --fasta-stdout --no-hmmer | hmmsearch HMM -\n\n\
Methods (--methods): {methods}. `sa_gen` (ULA at β_gen = round(2β*)) is the generator; the others are references.\n\n\
{}\n<id> is a method id, or file_<name> for an --evaluate file. Without --out a built HMM is temporary \
and hmmer.hmm is null.\n\n{}\nBesides them, one sub-directory per record holding the files above.\n\n\
Files written with --report DIR: report.md and those of entropy.svg, residue_frequencies.svg, \
identity_histograms.svg, mutual_information.svg, novelty_kl.svg that the methods run have data for \
(see reports/PF00076 in the repository).\n\n{STDIN}\n\n{exit_codes}",
        file_list(&format!("{OUT_TITLE}:"), PROTEIN_OUT),
        file_list("Files written with --all-families --out DIR:", PROTEIN_ALL_FAMILIES_OUT),
    )
}

/// Finance's `--help` after the options.
pub fn finance_long(methods: &str, exit_codes: &str) -> String {
    format!(
        "Example:\n  satool finance --prices fixtures/sp500.csv --out runs/sp500\n\n\
Input: wide CSV (date,T1,T2,…) or long CSV (date, ticker, price columns; detected by name or set with \
--date-column/--ticker-column/--price-column), plain or gzip. Gaps of up to --fill-limit days are \
forward-filled; --window chooses the dates (default: the longest run on which more than half of the tickers \
are complete); every dropped ticker and date range is listed in the header, results.json and tickers.csv. A \
one-day |log return| > --jump-threshold on a day fewer than 3 tickers jump is reported as a suspect \
(unadjusted split or spin-off), with its ratio, the split fraction it is near and the market's move.\n\n\
Methods (--methods): {methods}.\n\n\
{}\n<id> is a method id; --backtest writes results.json, command.txt, tickers.csv and backtest.csv only.\n\n\
Files written with --report DIR: report.md and those of qq.svg, correlations.svg, survival.svg, \
acf_mean.svg, acf_tickers.svg that the methods run have data for (see reports/all_stocks_5yr in the \
repository); with --backtest: report.md and \
backtest.svg.\n\n{STDIN}\n\n{exit_codes}",
        file_list(&format!("{OUT_TITLE}:"), FINANCE_OUT),
    )
}

/// What `-` means for an input file.
const STDIN: &str = "An input file given as - (--stockholm, --evaluate, --score, --condition-file, --prices, \
--weights) is read from stdin, named <stdin> in messages; one input at most.";

/// The short help's closing line: where the rest is.
pub const SEE_LONG: &str = "Examples, the files each run writes, and exit codes: see --help.";

/// The man page of `cmd` (roff), its closing sections laid out as the terminal shows them: a file
/// list (indented `NAME  what` lines) as a tagged list, other indented lines (examples) as a
/// preformatted block, where clap_mangen leaves every line to be filled into one paragraph.
pub fn man_page(cmd: clap::Command) -> std::io::Result<String> {
    let mut roff = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut roff)?;
    Ok(lay_out_extra(&String::from_utf8_lossy(&roff)))
}

/// Writes the man page of `cmd` and of each of its commands (`satool.1`, `satool-protein.1`, …)
/// into `dir`, as clap_mangen's `generate_to` names them, each laid out as [`man_page`].
pub fn write_man_pages(cmd: clap::Command, dir: &std::path::Path) -> std::io::Result<()> {
    fn write(cmd: clap::Command, dir: &std::path::Path) -> std::io::Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            write(sub, dir)?;
        }
        let name = clap_mangen::Man::new(cmd.clone()).get_filename();
        std::fs::write(dir.join(name), man_page(cmd)?)
    }
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    write(cmd, dir)
}

/// Indent (in ens) of the descriptions of a file list in the man page: the longest name fits.
const MAN_TAG_WIDTH: usize = NAME_WIDTH + 2;

/// The roff `page` with the indented lines of its EXTRA section (the long help's closing
/// sections) in runs: a run of `  NAME  what` lines becomes `.TP` items, any other run a `.nf`
/// block; the rest is unchanged.
fn lay_out_extra(page: &str) -> String {
    let lines: Vec<&str> = page.lines().collect();
    let mut out = String::with_capacity(page.len() + 1024);
    let mut in_extra = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.starts_with(".SH") {
            in_extra = line == ".SH EXTRA";
        }
        if !in_extra || !line.starts_with("  ") {
            out.push_str(line);
            out.push('\n');
            i += 1;
            continue;
        }
        let run: Vec<&str> = lines[i..].iter().take_while(|l| l.starts_with("  ")).copied().collect();
        i += run.len();
        let items: Option<Vec<(&str, &str)>> = run.iter().map(|l| list_item(l)).collect();
        match items {
            Some(items) => {
                // One line per item (no space between them), as in the terminal.
                out.push_str(".PD 0\n");
                for (name, what) in items {
                    out += &format!(".TP {MAN_TAG_WIDTH}\n{}\n{}\n", roff_text(name), roff_text(what));
                }
                // Back to the left margin; the blank line after the list would add a second space.
                out.push_str(".PD\n.PP\n");
                if lines.get(i) == Some(&"") {
                    i += 1;
                }
            }
            None => {
                out.push_str(".nf\n");
                for l in run {
                    out.push_str(l);
                    out.push('\n');
                }
                out.push_str(".fi\n");
            }
        }
    }
    out
}

/// `  NAME  what` (a name, then two or more spaces): the name and what follows.
fn list_item(line: &str) -> Option<(&str, &str)> {
    let body = line.strip_prefix("  ")?;
    let (name, what) = body.split_once("  ")?;
    let what = what.trim_start();
    (!name.is_empty() && !name.contains(' ') && !what.is_empty()).then_some((name, what))
}

/// An escaped text fragment as a line of its own: one starting with `.` or `'` would be a request.
fn roff_text(s: &str) -> String {
    match s.starts_with(['.', '\'']) {
        true => format!("\\&{s}"),
        false => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_extra_section_lists_files_and_keeps_examples_as_lines() {
        let page = ".TH x 1\n.SH OPTIONS\n  kept as is\n.SH EXTRA\nExample:\n  x \\-\\-out DIR\n  x \\-h\n\n\
                    Files written:\n  results.json      every number\n  .hidden   a dot\n\nExit codes: 0.\n";
        assert_eq!(
            lay_out_extra(page),
            ".TH x 1\n.SH OPTIONS\n  kept as is\n.SH EXTRA\nExample:\n.nf\n  x \\-\\-out DIR\n  x \\-h\n.fi\n\n\
             Files written:\n.PD 0\n.TP 22\nresults.json\nevery number\n.TP 22\n\\&.hidden\na dot\n.PD\n.PP\nExit codes: 0.\n"
        );
    }

    #[test]
    fn listed_files_reads_back_file_list() {
        let help = format!("intro\n\n{}\nnext paragraph\n", file_list("Files:", PROTEIN_OUT));
        let names: Vec<&str> = PROTEIN_OUT.iter().map(|(n, _)| *n).collect();
        assert_eq!(listed_files(&help, "Files:"), names);
        assert!(listed_files(&help, "Absent:").is_empty());
    }

    #[test]
    fn id_patterns() {
        assert!(matches("<id>.fasta", "sa_gen.fasta"));
        assert!(!matches("<id>.fasta", "sa_gen.aligned.fasta"), "a stem has no dot");
        assert!(matches("<id>.aligned.fasta", "sa_gen.aligned.fasta"));
        assert!(!matches("<id>.fasta", ".fasta"));
        assert!(matches("<id>.paths.csv", "sa_paths.paths.csv.gz"));
        assert!(matches("results.json", "results.json"));
        assert!(!matches("results.json", "results.json.gz"));
        assert!(!matches("<id>.csv", "sa_paths.paths.csv"));
        let listed = ["tickers.csv", "<id>.csv"];
        assert_eq!(listed_as(&listed, "tickers.csv"), Some("tickers.csv"));
        assert_eq!(listed_as(&listed, "sa.csv"), Some("<id>.csv"));
        assert_eq!(listed_as(&listed, "sa.json"), None);
    }
}
