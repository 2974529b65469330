//! `--report DIR`: report.md plus SVG figures, for both domains and for whole-database runs.

mod common;
use common::*;
use std::fs;
use std::path::Path;

/// The `![..](file)` targets of a Markdown file, in order.
fn image_links(md: &str) -> Vec<String> {
    md.match_indices("](")
        .filter_map(|(i, _)| {
            let rest = &md[i + 2..];
            let end = rest.find(')')?;
            let target = &rest[..end];
            md[..i].rfind("![").filter(|&j| !md[j..i].contains('\n')).map(|_| target.to_string())
        })
        .collect()
}

/// Every figure the report links exists, parses as XML, is an SVG with a size, and has text in
/// the embedded font; returns the figure names.
fn check_report(dir: &Path, expected: &[&str]) -> Vec<String> {
    let md = fs::read_to_string(dir.join("report.md")).expect("report.md");
    let links = image_links(&md);
    assert_eq!(links, expected.iter().map(|s| format!("{s}.svg")).collect::<Vec<_>>(), "figures in report.md");
    for l in &links {
        let text = fs::read_to_string(dir.join(l)).unwrap_or_else(|e| panic!("{l}: {e}"));
        let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{l} is not XML: {e}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{l}");
        assert!(root.attribute("width").is_some() && root.attribute("height").is_some(), "{l}");
        let texts = root.descendants().filter(|n| n.has_tag_name("text")).count();
        // Title, two axis labels and at least seven ticks (an MI axis spanning 0–1.5 has 4 + 3).
        assert!(texts >= 10, "{l} has {texts} text elements (axes and labels expected)");
        assert!(text.contains("font-family=\"DejaVu Sans\""), "{l}");
    }
    // No staging leftovers.
    for e in fs::read_dir(dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with(".satool-partial"), "leftover {name}");
    }
    links
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn protein_report(dir: &Path, extra: &[&str]) -> std::process::Output {
    let sto = fixture("PF00076.sto");
    let d = dir.display().to_string();
    let mut args = vec!["protein", "--stockholm", &sto, "--hmmer", "off", "--quiet", "--report", &d];
    args.extend_from_slice(extra);
    satool(&args, &[])
}

const PROTEIN_FIGURES: [&str; 5] =
    ["entropy", "residue_frequencies", "identity_histograms", "mutual_information", "novelty_kl"];

#[test]
fn protein_report_has_every_figure_and_reproduces() {
    let (a, b) = (tmp(), tmp());
    let (ra, rb) = (a.path().join("r"), b.path().join("r"));
    let out = protein_report(&ra, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    check_report(&ra, &PROTEIN_FIGURES);
    let md = fs::read_to_string(ra.join("report.md")).unwrap();
    assert!(md.contains("satool protein --stockholm") && md.contains("--report"), "command at the top");
    assert!(md.contains("| sa_gen") && md.contains("β* = 3.8483"), "header and table");
    assert!(!md.contains("| s |"), "no timing column");
    // Numbers in the text come from this run: β_gen and the table's MI r of sa_gen.
    let v =
        json(&satool(&["protein", "--stockholm", &fixture("PF00076.sto"), "--hmmer", "off", "--json", "--quiet"], &[]));
    let mi = f(method(&v, "sa_gen"), "mi_r");
    assert!(md.contains(&format!("Pearson r: sa_gen {mi:.3}")), "MI r in the text");
    assert!(
        fs::read_to_string(ra.join("mutual_information.svg")).unwrap().contains(&format!("sa_gen: r = {mi:.3}")),
        "MI r in the title"
    );
    assert!(md.contains("β_gen = round(2β*) = 8"));
    // Same seed, another directory: the same bytes (the command line aside).
    assert!(protein_report(&rb, &[]).status.success());
    for fig in PROTEIN_FIGURES {
        let f = format!("{fig}.svg");
        assert_eq!(fs::read(ra.join(&f)).unwrap(), fs::read(rb.join(&f)).unwrap(), "{f} differs between runs");
    }
    let strip = |p: &Path| {
        fs::read_to_string(p.join("report.md"))
            .unwrap()
            .lines()
            .filter(|l| !l.contains("--report"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&ra), strip(&rb));
}

#[test]
fn protein_report_without_samplers_leaves_out_their_figures() {
    let d = tmp();
    let r = d.path().join("r");
    let out = protein_report(&r, &["--methods", "bootstrap,profile"]);
    assert!(out.status.success(), "{}", stderr(&out));
    check_report(&r, &["entropy", "identity_histograms", "mutual_information", "novelty_kl"]);
    let md = fs::read_to_string(r.join("report.md")).unwrap();
    assert!(md.contains("No sampler method was run"));
}

#[test]
fn report_and_out_can_share_a_directory() {
    let d = tmp();
    let dir = d.path().join("run");
    let ds = dir.display().to_string();
    let out = protein_report(&dir, &["--out", &ds, "--methods", "sa_gen,bootstrap"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.join("results.json").exists() && dir.join("sa_gen.fasta").exists());
    check_report(&dir, &PROTEIN_FIGURES);
}

#[test]
fn a_non_empty_report_directory_is_refused_without_force() {
    let d = tmp();
    fs::write(d.path().join("keep.txt"), "mine").unwrap();
    let out = protein_report(d.path(), &["--methods", "bootstrap"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--report") && stderr(&out).contains("not empty"), "{}", stderr(&out));
    assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1, "nothing written");
    let out = protein_report(d.path(), &["--methods", "bootstrap", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // --force replaces the directory whole: no file of before stays mixed in.
    assert!(d.path().join("report.md").exists() && !d.path().join("keep.txt").exists());
}

#[test]
fn finance_report_has_every_figure() {
    let d = tmp();
    let r = d.path().join("r");
    let rs = r.display().to_string();
    let csv = fixture("sp500.csv");
    let args = ["finance", "--prices", &csv, "--start", "2018-01-01", "--quiet", "--report", &rs];
    let out = satool(&args, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    check_report(&r, &["qq", "correlations", "survival", "acf_mean", "acf_tickers"]);
    let md = fs::read_to_string(r.join("report.md")).unwrap();
    assert!(md.contains("the five largest historical variances"));
    // 20 tickers: 190 pairs, all drawn.
    assert!(md.contains("190 of the 190 pairs"), "{md}");
    // Every table of the terminal: the comparison, the scenario-level checks, the portfolio risk.
    for column in [" KS pass / p |", " lag-1 ACF g / in band / robust |", " VaR99.5 |"] {
        assert!(md.contains(column), "{column} in {md}");
    }
    assert!(md.contains("portfolio risk (weights: equal)  \n"), "{md}");

    // Chosen QQ tickers appear as panel titles; an unknown one is a usage error naming it.
    let r2 = d.path().join("r2");
    let r2s = r2.display().to_string();
    let out = satool(
        &[
            "finance",
            "--prices",
            &csv,
            "--start",
            "2018-01-01",
            "--quiet",
            "--report",
            &r2s,
            "--qq-tickers",
            "KO,XOM",
            "--methods",
            "historical,sa,sa_sequential",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let qq = fs::read_to_string(r2.join("qq.svg")).unwrap();
    assert!(qq.contains("\nKO\n</text>") && qq.contains("\nXOM\n</text>"), "KO and XOM panels");
    assert!(fs::read_to_string(r2.join("report.md")).unwrap().contains("chosen with --qq-tickers"));
    let r3 = d.path().join("r3").display().to_string();
    let out = satool(
        &[
            "finance",
            "--prices",
            &csv,
            "--start",
            "2018-01-01",
            "--quiet",
            "--report",
            &r3,
            "--qq-tickers",
            "KO,NOPE",
            "--methods",
            "sa",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("'NOPE'"), "{}", stderr(&out));
    assert!(!Path::new(&r3).join("report.md").exists());
}

/// A --qq-tickers name the run does not keep is refused once the prices are read, before any
/// method runs: no warning of a method's run (the blend state's) comes before the error.
#[test]
fn an_unknown_qq_ticker_is_refused_before_the_methods_run() {
    let d = tmp();
    let (csv, r) = (fixture("sp500.csv"), d.path().join("r").display().to_string());
    let args = ["finance", "--prices", &csv, "--start", "2021-01-01", "--report", &r, "--qq-tickers", "KO,NOPE"];
    let paths = ["--methods", "sa_paths", "--paths-state", "ewma-blend", "--scenarios", "4", "--horizon", "3"];
    let out = satool(&[&args[..], &paths[..]].concat(), &[]);
    assert_input_error(&out, "--qq-tickers: 'NOPE' is not among the 20 kept tickers");
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(!Path::new(&r).exists());
}

/// A --qq-tickers list that names a ticker twice is refused (before, its QQ panel was drawn twice).
#[test]
fn a_qq_ticker_named_twice_is_refused() {
    let d = tmp();
    let (csv, r) = (fixture("sp500.csv"), d.path().join("r").display().to_string());
    let args = ["finance", "--prices", &csv, "--start", "2021-01-01", "--report", &r, "--qq-tickers", "KO,AAPL,KO"];
    let out = satool(&[&args[..], &["--methods", "bootstrap"][..]].concat(), &[]);
    assert_input_error(&out, "--qq-tickers: 'KO' is named twice");
    assert!(!Path::new(&r).exists());
}

#[test]
fn all_families_writes_a_report_per_family_and_an_index() {
    let d = tmp();
    let r = d.path().join("r");
    let rs = r.display().to_string();
    let sto = fixture("multi_family.sto");
    let out = satool(
        &[
            "protein",
            "--stockholm",
            &sto,
            "--all-families",
            "--hmmer",
            "off",
            "--quiet",
            "--methods",
            "sa_gen,bootstrap",
            "--report",
            &rs,
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let index = fs::read_to_string(r.join("report.md")).unwrap();
    let linked: Vec<&str> = index
        .lines()
        .filter_map(|l| l.split("](").nth(1))
        .map(|s| s.trim_end_matches(" |").trim_end_matches(')'))
        .collect();
    assert_eq!(linked.len(), 10, "ten families ran: {index}");
    assert_eq!(index.matches("failed:").count(), 2, "two broken records");
    // The index says which row the table shows; it has no figures, and no empty heading for them.
    assert!(
        index.contains("```text\nsatool protein --all-families: 12 records, 10 ran, 2 failed (row: sa_gen)\n```"),
        "{index}"
    );
    assert!(!index.contains("## Figures"), "{index}");
    for l in linked {
        let dir = r.join(Path::new(l).parent().unwrap());
        check_report(&dir, &PROTEIN_FIGURES);
    }
}

/// Re-runs the command at the top of a committed report into a temporary directory and compares
/// every byte (the `--report` argument aside): the committed reports are current and reproducible.
fn reproduces_committed(report: &str) {
    let committed = root().join(report);
    let md = fs::read_to_string(committed.join("report.md")).unwrap();
    let command = md.lines().skip_while(|l| !l.starts_with("```sh")).nth(1).expect("command block").to_string();
    let d = tmp();
    let fresh = d.path().join("r");
    let fresh_s = fresh.display().to_string();
    let args: Vec<String> =
        command.split_whitespace().skip(1).map(|a| if a == report { fresh_s.clone() } else { a.to_string() }).collect();
    assert!(args.contains(&fresh_s), "the command writes {report}: {command}");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = satool(&args, &[]);
    assert!(out.status.success(), "{command}: {}", stderr(&out));
    let names: Vec<String> =
        fs::read_dir(&committed).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    for n in &names {
        let (a, b) = (fs::read(committed.join(n)).unwrap(), fs::read(fresh.join(n)).unwrap_or_default());
        if n == "report.md" {
            let (a, b) = (String::from_utf8(a).unwrap(), String::from_utf8(b).unwrap().replace(&fresh_s, report));
            let first = a.lines().zip(b.lines()).find(|(x, y)| x != y);
            assert!(a == b, "{report}/report.md is not what its command produces (first difference: {first:?}); regenerate it with: {command}");
        } else {
            assert!(a == b, "{report}/{n} is not what its command produces; regenerate it with: {command}");
        }
    }
    assert_eq!(names.len(), fs::read_dir(&fresh).unwrap().count(), "same files");
}

/// The committed protein reports run every method but `vae`, whose bits vary with the CPU (its
/// network runs through candle, whose kernels are chosen per CPU): every other byte is pinned.
#[test]
fn committed_protein_report_is_reproduced_by_its_command() {
    require_hmmer();
    for report in ["reports/PF00076", "reports/PF00076-calibrated", "reports/PF00076-norm"] {
        let md = fs::read_to_string(root().join(report).join("report.md")).unwrap();
        let command = md.lines().skip_while(|l| !l.starts_with("```sh")).nth(1).unwrap();
        let methods = command.split_whitespace().skip_while(|a| *a != "--methods").nth(1).expect("--methods");
        assert!(!methods.split(',').any(|m| m == "vae"), "{report}: {command}");
        assert!(!md.contains("| vae "), "{report} has no VAE row");
        reproduces_committed(report);
    }
}

#[test]
fn committed_finance_report_is_reproduced_by_its_command() {
    reproduces_committed("reports/all_stocks_5yr");
}

/// Ticker names with markup and a terminal escape reach the figures as text: `<`, `>` and `&`
/// as entities, the escape as `\x1b`, so every SVG stays well-formed XML (a raw ESC is not); and
/// report.md shows them literally (Markdown's special characters backslash-escaped), with the
/// file name in the title.
#[test]
fn ticker_names_with_markup_and_escapes_leave_the_svgs_well_formed() {
    let dir = tmp();
    let names = ["A<B&C|D", "D\u{1b}[31m", "_E*`x`", "F[1]"];
    let mut csv = format!("date,{}\n", names.join(","));
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    for t in 0..150u32 {
        let p: Vec<String> =
            (0..4u32).map(|j| format!("{:.3}", 40.0 + f64::from((t * (j + 5) + j) % 13) * 0.4)).collect();
        csv.push_str(&format!("{},{}\n", start + chrono::Days::new(u64::from(t)), p.join(",")));
    }
    let prices = dir.path().join("p_<1>.csv");
    fs::write(&prices, csv).unwrap();
    let report = dir.path().join("rep");
    let o = satool(
        &[
            "finance",
            "--prices",
            &prices.display().to_string(),
            "--methods",
            "bootstrap",
            "--report",
            &report.display().to_string(),
            "-q",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let qq = fs::read_to_string(report.join("qq.svg")).unwrap();
    assert!(qq.contains("A&lt;B&amp;C|D") && qq.contains("D\\x1b[31m"), "the names are not in the QQ figure");
    let md = fs::read_to_string(report.join("report.md")).unwrap();
    assert!(md.starts_with("# satool finance report — p\\_\\<1\\>.csv\n"), "{md}");
    let qq_paragraph = md.lines().find(|l| l.starts_with("Quantiles of each generated set")).unwrap();
    assert!(qq_paragraph.contains(r"\_E\*\`x\`, D\x1b\[31m, F\[1\], A\<B\&C\|D (the five largest"), "{qq_paragraph}");
    for entry in fs::read_dir(&report).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "svg") {
            let svg = fs::read_to_string(&path).unwrap();
            let bad = svg.chars().find(|&c| c.is_control() && c != '\n' && c != '\t');
            assert_eq!(bad, None, "{} holds a control character", path.display());
        }
    }
}
