//! Every rule holds the same way through the command line and through the typed check: each bad
//! value gets, from `check`, the message `satool` prints for it.

use super::*;
use crate::cli::{Cli, Command};
use clap::Parser;

const STO: &str = "fixtures/PF00076.sto";
const PRICES: &str = "fixtures/sp500.csv";

/// The parse of `satool ARGS`, or the message it prints after `error: ` (up to the blank line
/// before clap's usage or help hint).
fn parse(args: &[&str]) -> Result<Command, String> {
    let argv = std::iter::once("satool").chain(args.iter().copied());
    match Cli::try_parse_from(argv) {
        Ok(cli) => Ok(cli.command),
        Err(e) => {
            let text = e.to_string();
            let text = text.strip_prefix("error: ").expect("clap's errors start with error:");
            Err(text.split("\n\n").next().unwrap_or_default().to_string())
        }
    }
}

/// The message `satool ARGS` exits 2 with, before reading any input.
fn cli_message(args: &[&str]) -> String {
    let checked = match parse(args) {
        Err(message) => return message,
        Ok(Command::Protein(a)) => a.params().and_then(|p| p.job().map(drop)),
        Ok(Command::Finance(a)) => a.params().and_then(|p| p.job().map(drop)),
        Ok(Command::Bench(_) | Command::Completions { .. } | Command::Man { .. }) => unreachable!("not a job"),
    };
    let e = checked.expect_err("satool refuses these arguments");
    assert_eq!(crate::error::exit_code(&e), 2, "{e:#}");
    crate::error::message(&e)
}

fn typed_message(checked: anyhow::Result<()>) -> String {
    let e = checked.expect_err("the typed check refuses these parameters");
    assert_eq!(crate::error::exit_code(&e), 2, "{e:#}");
    crate::error::message(&e)
}

type ProteinCase = (&'static [&'static str], fn(&mut ProteinParams));

const PROTEIN: &[ProteinCase] = &[
    (&["--beta-gen", "0"], |p| p.beta_gen = Some(0.0)),
    (&["--beta-ret", "2000000"], |p| p.beta_ret = Some(2e6)),
    (&["--beta-gen", "NaN"], |p| p.beta_gen = Some(f64::NAN)),
    (&["--samples", "0"], |p| p.samples = 0),
    (&["--samples", "10000001"], |p| p.samples = 10_000_001),
    (&["--max-sequences", "2"], |p| p.max_sequences = Some(2)),
    (&["--max-identity", "1.5"], |p| p.max_identity = Some(1.5)),
    (&["--reweight", "0"], |p| p.reweight = Some(0.0)),
    (&["--holdout", "1"], |p| p.holdout = Some(1.0)),
    (&["--holdout", "0.2", "--holdout-folds", "101"], |p| (p.holdout, p.holdout_folds) = (Some(0.2), 101)),
    (&["--holdout-folds", "2"], |p| p.holdout_folds = 2),
    (&["--hmmer-timeout", "0"], |p| p.hmmer_timeout = Some(0.0)),
    (&["--hmmer-timeout", "10000000000"], |p| p.hmmer_timeout = Some(1e10)),
    (&["--condition-names", "a", "--condition-file", "x"], |p| {
        (p.condition_names, p.condition_file) = (Some("a".into()), Some("x".into()))
    }),
    (&["--holdout", "0.2", "--condition-names", "a"], |p| {
        (p.holdout, p.condition_names) = (Some(0.2), Some("a".into()))
    }),
    (&["--holdout", "0.2", "--condition-file", "x"], |p| (p.holdout, p.condition_file) = (Some(0.2), Some("x".into()))),
    (&["--alpha", "1"], |p| p.run.alpha = 1.0),
    (&["--condition-names", "("], |p| p.condition_names = Some("(".into())),
    (&["--methods", "nope"], |p| p.run.methods = Some(vec!["nope".into()])),
    (&["--methods", "sa_gen,sa_gen"], |p| p.run.methods = Some(vec!["sa_gen".into(), "sa_gen".into()])),
];

type FinanceCase = (&'static [&'static str], fn(&mut FinanceParams));

fn date(s: &str) -> chrono::NaiveDate {
    s.parse().expect("a date")
}

const FINANCE: &[FinanceCase] = &[
    (&["--beta", "0"], |p| p.beta = 0.0),
    (&["--beta-sequential", "2000000"], |p| p.beta_sequential = 2e6),
    (&["--inner-steps", "0"], |p| p.inner_steps = 0),
    (&["--regime-window", "0"], |p| p.regime_window = 0),
    (&["--regime-quantile", "1"], |p| p.regime_quantile = 1.0),
    (&["--min-tickers", "0"], |p| p.min_tickers = Some(0)),
    (&["--window", "common", "--min-tickers", "3"], |p| (p.window, p.min_tickers) = (Window::Common, Some(3))),
    (&["--jump-threshold", "0"], |p| p.jump_threshold = 0.0),
    (&["--start", "2019-01-01", "--end", "2018-01-01"], |p| {
        (p.start, p.end) = (Some(date("2019-01-01")), Some(date("2018-01-01")))
    }),
    (&["--window", "2018-01-01..2018-02-01", "--start", "2018-01-01"], |p| {
        (p.window, p.start) = (Window::Range(date("2018-01-01"), date("2018-02-01")), Some(date("2018-01-01")))
    }),
    (&["--window", "2018-02-01..2018-01-01"], |p| p.window = Window::Range(date("2018-02-01"), date("2018-01-01"))),
    (&["--condition-dates", "2018-02-01..2018-01-01"], |p| {
        p.condition_dates = Some((date("2018-02-01"), date("2018-01-01")))
    }),
    (&["--condition-dates", "2018-01-01..2018-02-01", "--condition-regime", "high-vol"], |p| {
        (p.condition_dates, p.condition_regime) =
            (Some((date("2018-01-01"), date("2018-02-01"))), Some(VolRegime::HighVol))
    }),
    (&["--backtest-split", "0.5", "--condition-regime", "low-vol"], |p| {
        (p.backtest_split, p.condition_regime) = (Some(crate::finance::Split::Fraction(0.5)), Some(VolRegime::LowVol))
    }),
    (&["--backtest-split", "0.5", "--condition-dates", "2018-01-01..2018-02-01"], |p| {
        (p.backtest_split, p.condition_dates) =
            (Some(crate::finance::Split::Fraction(0.5)), Some((date("2018-01-01"), date("2018-02-01"))))
    }),
    (&["--backtest-split", "1.5"], |p| p.backtest_split = Some(crate::finance::Split::Fraction(1.5))),
    (&["--scenarios", "3"], |p| p.scenarios = Some(3)),
    (&["--horizon", "3"], |p| p.horizon = Some(3)),
    (&["--raw"], |p| p.raw = true),
    (&["--scenarios", "0", "--horizon", "5"], |p| (p.scenarios, p.horizon) = (Some(0), Some(5))),
    (&["--scenarios", "10", "--horizon", "1"], |p| (p.scenarios, p.horizon) = (Some(10), Some(1))),
    (&["--alpha", "0"], |p| p.run.alpha = 0.0),
    (&["--methods", "nope"], |p| p.run.methods = Some(vec!["nope".into()])),
    (&["--as-of", "last"], |p| p.as_of = Some(crate::finance::AsOf::Last)),
    (&["--scenarios", "3", "--horizon", "3", "--as-of", "last", "--condition-regime", "low-vol"], |p| {
        (p.scenarios, p.horizon, p.as_of, p.condition_regime) =
            (Some(3), Some(3), Some(crate::finance::AsOf::Last), Some(VolRegime::LowVol))
    }),
    (&["--backtest", "2018-01-01..2018-06-01", "--backtest-split", "0.5"], |p| {
        (p.backtest, p.backtest_split) =
            (Some((date("2018-01-01"), date("2018-06-01"))), Some(crate::finance::Split::Fraction(0.5)))
    }),
    (&["--backtest", "2018-01-01..2018-06-01", "--refit-every", "0"], |p| {
        (p.backtest, p.refit_every) = (Some((date("2018-01-01"), date("2018-06-01"))), 0)
    }),
    (&["--backtest", "2018-01-01..2018-06-01", "--backtest-horizon", "0"], |p| {
        (p.backtest, p.backtest_horizon) = (Some((date("2018-01-01"), date("2018-06-01"))), 0)
    }),
];

#[test]
fn each_bad_parameter_gets_the_command_lines_message_from_the_typed_check() {
    for (args, set) in PROTEIN {
        let mut p = ProteinParams::new(STO);
        set(&mut p);
        let argv: Vec<&str> = ["protein", "--stockholm", STO].iter().chain(args.iter()).copied().collect();
        assert_eq!(typed_message(p.check()), cli_message(&argv), "{args:?}");
    }
    for (args, set) in FINANCE {
        let mut p = FinanceParams::new(PRICES);
        set(&mut p);
        let argv: Vec<&str> = ["finance", "--prices", PRICES].iter().chain(args.iter()).copied().collect();
        assert_eq!(typed_message(p.check()), cli_message(&argv), "{args:?}");
    }
}

#[test]
fn values_given_as_text_are_refused_with_the_command_lines_message() {
    let cases: [(&[&str], anyhow::Result<()>); 5] = [
        (&["protein", "--stockholm", STO, "--decode", "bad"], parse_decode("bad").map(drop)),
        (&["protein", "--stockholm", STO, "--precision", "f16"], parse_precision("f16").map(drop)),
        (
            &["protein", "--stockholm", STO, "--hmmer", "sometimes"],
            parse_value_enum::<crate::protein::HmmerMode>("--hmmer <MODE>", "sometimes").map(drop),
        ),
        (&["finance", "--prices", PRICES, "--window", "widest"], parse_window("widest").map(drop)),
        (
            &["finance", "--prices", PRICES, "--condition-regime", "mid"],
            parse_value_enum::<VolRegime>("--condition-regime <REGIME>", "mid").map(drop),
        ),
    ];
    for (argv, typed) in cases {
        assert_eq!(typed_message(typed), cli_message(argv), "{argv:?}");
    }
}

#[test]
fn the_command_lines_defaults_are_the_typed_defaults() {
    let Ok(Command::Protein(a)) = parse(&["protein", "--stockholm", STO]) else { panic!("parses") };
    assert_eq!(a.params().expect("valid"), ProteinParams::new(STO));
    let Ok(Command::Finance(a)) = parse(&["finance", "--prices", PRICES]) else { panic!("parses") };
    assert_eq!(a.params().expect("valid"), FinanceParams::new(PRICES));
    ProteinParams::new(STO).check().expect("the defaults pass");
    FinanceParams::new(PRICES).check().expect("the defaults pass");
}

#[test]
fn paths_start_as_of_the_last_day_unless_told_or_conditioned() {
    use crate::finance::AsOf;
    let mut p = FinanceParams::new("prices.csv");
    assert_eq!(p.as_of(), AsOf::Unconditional, "the published protocol has no paths");
    (p.scenarios, p.horizon) = (Some(10), Some(5));
    assert_eq!(p.as_of(), AsOf::Last);
    p.condition_regime = Some(VolRegime::HighVol);
    assert_eq!(p.as_of(), AsOf::Unconditional, "a conditioned memory draws its start from its days");
    p.condition_regime = None;
    p.backtest_split = Some(crate::finance::Split::Fraction(0.5));
    assert_eq!(p.as_of(), AsOf::Unconditional);
    p.backtest_split = None;
    p.as_of = Some(AsOf::Unconditional);
    assert_eq!(p.as_of(), AsOf::Unconditional);
    assert!(p.job().is_ok());
}
