//! The command line: `satool protein …`, `satool finance …`.

use crate::commands::finance::FinanceOutputs;
use crate::finance::{FinanceJob, FinanceMethod, Split, WeightsSpec};
use crate::params::{self, FinanceParams, ProteinParams, VolRegime, Window};
use crate::protein::{self, HmmerMode, ProteinJob, ProteinMethod};
use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use satool::Precision;
use std::io::Write;
use std::path::PathBuf;

// The groups of `-h`/`--help`: every option of `protein` and `finance` names one with
// `help_heading` (a test fails on an option left in the untitled group, which is for the global ones).
const INPUT: &str = "Input";
const GENERATION: &str = "Generation";
const EVALUATION: &str = "Evaluation";
const HMMER: &str = "HMMER";
const RISK: &str = "Risk and backtest";
const OUTPUT: &str = "Output";

const EXIT_CODES: &str = "Exit codes: 0 success, 2 bad input or usage (the message names the file, line and problem), \
1 internal error, 130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP (partial output removed).\nResults go to stdout (a table, or JSON with --json); progress and warnings go to stderr.";

#[derive(Debug, Parser)]
#[command(
    name = "satool",
    version,
    about = "Stochastic attention: new, faithful examples from a few stored ones, without training",
    long_about = "Stochastic attention samples the Boltzmann law of the modern Hopfield energy built from your \
stored examples (Langevin dynamics whose gradient is one attention step; arXiv 2603.06875). \
`satool protein` turns a Pfam seed alignment into novel family sequences; `satool finance` turns a price \
history into synthetic return scenarios. Each run prints a comparison table against honest baselines.",
    after_help = EXIT_CODES,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// No progress messages on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Worker threads of every parallel step; the numbers do not depend on it.
    ///
    /// Default: RAYON_NUM_THREADS, else one per core.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate protein family sequences from a Stockholm seed alignment and compare methods.
    #[command(after_help = crate::help::SEE_LONG, after_long_help = crate::help::protein_long(&ProteinMethod::id_list(), EXIT_CODES))]
    Protein(ProteinArgs),
    /// Generate multi-asset daily return scenarios from a price history and compare methods.
    #[command(after_help = crate::help::SEE_LONG, after_long_help = crate::help::finance_long(&FinanceMethod::id_list(), EXIT_CODES))]
    Finance(FinanceArgs),
    /// Measure sampler throughput and end-to-end run times against a NumPy reference.
    ///
    /// Run from the repository root.
    #[command(after_help = "Example:\n  cargo run --release -- bench\n\n\
Shapes: protein (d=59, K=68), image-like (d=784, K=100), finance (d=424, K=2766), 30 chains each. \
The NumPy reference (bench/numpy_ref.py) runs the same ULA loop one chain at a time and batched; \
ratios against it are what to compare across machines.")]
    Bench(BenchArgs),
    /// Print a shell completion script to stdout.
    #[command(after_help = "Install (once; new shells then complete satool's commands and options):\n  \
satool completions bash > ~/.local/share/bash-completion/completions/satool\n  \
satool completions zsh > ~/.zfunc/_satool   # with fpath+=~/.zfunc before compinit in ~/.zshrc\n  \
satool completions fish > ~/.config/fish/completions/satool.fish")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout, or write every command's page with --dir.
    #[command(after_help = "Install:\n  mkdir -p ~/.local/share/man/man1\n  \
satool man --dir ~/.local/share/man/man1   # then: man satool, man satool-protein")]
    Man {
        /// Write satool.1 and one page per command (satool-protein.1, …) into this directory.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Fewer steps and repetitions, no finance end-to-end run (a smoke test).
    #[arg(long)]
    pub quick: bool,
    /// Skip the NumPy reference.
    #[arg(long)]
    pub no_numpy: bool,
    /// Skip the end-to-end runs.
    #[arg(long)]
    pub no_end_to_end: bool,
    /// Python interpreter with the satool package (`pip install ./python`) for the Python row
    /// (default: target/pyenv/bin/python, which scripts/test makes, else python3).
    #[arg(long, value_name = "PY")]
    pub python: Option<PathBuf>,
    /// Skip the Python package row.
    #[arg(long, conflicts_with = "python")]
    pub no_python: bool,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct FinanceArgs {
    #[command(subcommand)]
    pub action: Option<FinanceAction>,
    /// Daily prices: wide or long CSV, plain or gzip (- reads stdin).
    #[arg(help_heading = INPUT, long, value_name = "FILE", required = true)]
    pub prices: Option<PathBuf>,
    /// Long format: the date column (default: detected).
    #[arg(help_heading = INPUT, long, value_name = "NAME")]
    pub date_column: Option<String>,
    /// Long format: the ticker column (default: detected, e.g. Name, ticker, symbol).
    #[arg(help_heading = INPUT, long, value_name = "NAME")]
    pub ticker_column: Option<String>,
    /// Long format: the price column (default: adjusted close, else close).
    #[arg(help_heading = INPUT, long, value_name = "NAME")]
    pub price_column: Option<String>,
    /// First date read (YYYY-MM-DD); --window then chooses inside [--start, --end].
    #[arg(help_heading = INPUT, long, value_name = "DATE")]
    pub start: Option<chrono::NaiveDate>,
    /// Last date read (YYYY-MM-DD).
    #[arg(help_heading = INPUT, long, value_name = "DATE")]
    pub end: Option<chrono::NaiveDate>,
    /// Which dates to keep: longest, common or START..END.
    ///
    /// longest (the longest run of dates on which at least --min-tickers
    /// tickers have a price; the others are dropped and listed), common (every ticker kept, on the
    /// dates all of them cover; like pandas `dropna()`), or START..END (every date of that range;
    /// tickers incomplete on it are dropped).
    #[arg(help_heading = INPUT, long, value_name = "RULE", default_value = "longest", value_parser = Window::parse)]
    pub window: Window,
    /// --window longest: fewest tickers complete on the window (default: more than half of them).
    #[arg(help_heading = INPUT, long, value_name = "N", value_parser = whole::<usize>, allow_negative_numbers = true)]
    pub min_tickers: Option<usize>,
    /// Forward-fill gaps of at most N trading days inside a ticker's history.
    ///
    /// Like pandas
    /// `ffill(limit=N)` on whole gaps; counted in tickers.csv); longer gaps drop the ticker or the dates.
    #[arg(help_heading = INPUT, long, value_name = "N", default_value_t = 5, value_parser = whole::<usize>, allow_negative_numbers = true)]
    pub fill_limit: usize,
    /// A one-day |log return| above this is a jump.
    ///
    /// A jump on a day fewer than 3 tickers jump is a suspect.
    #[arg(help_heading = INPUT, long, value_name = "X", default_value_t = 0.5, allow_negative_numbers = true)]
    pub jump_threshold: f64,
    /// Drop tickers with a suspect one-day jump (likely an unadjusted split or spin-off).
    #[arg(help_heading = INPUT, long)]
    pub drop_suspect: bool,
    /// Inverse temperature of the i.i.d. pool and the exact sampler (1e-6 ≤ β ≤ 1e6).
    #[arg(help_heading = GENERATION, long, default_value_t = 25.0, value_parser = number(params::beta), allow_negative_numbers = true)]
    pub beta: f64,
    /// Inverse temperature of the sequential generator (1e-6 ≤ β ≤ 1e6).
    #[arg(help_heading = GENERATION, long, value_name = "BETA", default_value_t = 12.0, value_parser = number(params::beta), allow_negative_numbers = true)]
    pub beta_sequential: f64,
    /// MALA steps between consecutive generated days (sequential generator).
    #[arg(help_heading = GENERATION, long, value_name = "N", default_value_t = 200, value_parser = whole::<usize>, allow_negative_numbers = true)]
    pub inner_steps: usize,
    /// Independent warm-started chains the sequential series is split into (1 = Algorithm 3 as published).
    #[arg(help_heading = GENERATION, long, value_name = "N", default_value_t = 16, value_parser = whole::<usize>, allow_negative_numbers = true)]
    pub sequential_segments: usize,
    /// Volatility regimes of the regime-switching generator (quantile bins of smoothed volatility).
    #[arg(help_heading = GENERATION, long, value_name = "N", default_value_t = 4, value_parser = whole::<usize>, allow_negative_numbers = true)]
    pub regimes: usize,
    /// Window (trading days, centred) of the realised volatility that defines the regimes.
    ///
    /// At most the number of return days.
    #[arg(help_heading = GENERATION, long, value_name = "DAYS", default_value_t = 21, value_parser = whole::<usize>, allow_negative_numbers = true)]
    pub regime_window: usize,
    /// Generate from the days dated START..END only (YYYY-MM-DD..YYYY-MM-DD), e.g. a sell-off.
    #[arg(help_heading = GENERATION, long, value_name = "START..END", value_parser = params::parse_date_range, conflicts_with = "condition_regime")]
    pub condition_dates: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// Generate from the high- or low-volatility days only (see --regime-quantile).
    #[arg(help_heading = GENERATION, long, value_enum, value_name = "REGIME")]
    pub condition_regime: Option<VolRegime>,
    /// Share of days in the --condition-regime subset (top or bottom of daily realised volatility).
    #[arg(help_heading = GENERATION, long, value_name = "Q", default_value_t = 0.2, allow_negative_numbers = true)]
    pub regime_quantile: f64,
    /// Portfolio of the VaR/ES table and the backtest: `equal`, or a CSV of ticker,weight lines.
    ///
    /// The weights are normalised to sum 1; unlisted tickers weigh 0. A line naming a ticker the
    /// run dropped (e.g. one whose returns are constant over the training days) is refused with
    /// its reason, not renormalised away.
    #[arg(help_heading = RISK, long, value_name = "FILE|equal", default_value = "equal")]
    pub weights: String,
    /// Backtest the 1-day VaR on the return days from DATE, or after the first FRACTION of them.
    ///
    /// Hold out the return days from DATE (YYYY-MM-DD), or all but the first FRACTION of them:
    /// the memory is built from the days before, and each method's 1-day VaR is backtested on the rest.
    #[arg(help_heading = RISK, long, value_name = "DATE|FRACTION", conflicts_with_all = ["condition_dates", "condition_regime"])]
    pub backtest_split: Option<String>,
    /// Paths per method: N independent scenarios of --horizon days each.
    ///
    /// Default: the published
    /// protocol, 900 i.i.d. days or one series as long as the history). Without --methods, the
    /// generators that scale run: historical, bootstrap, block_bootstrap, garch_fhs, exact,
    /// sa_paths (sa, sa_sequential and sa_regime only when named).
    #[arg(help_heading = GENERATION, long, value_name = "N", requires = "horizon")]
    pub scenarios: Option<usize>,
    /// Days per path (with --scenarios).
    #[arg(help_heading = GENERATION, long, value_name = "H", requires = "scenarios")]
    pub horizon: Option<usize>,
    /// Paths as generated: without the per-ticker correction to the history's mean and sd.
    #[arg(help_heading = GENERATION, long, requires = "scenarios")]
    pub raw: bool,
    /// Generate only the paths A..B of the --scenarios run (a shard; see `finance gather`).
    ///
    /// Paths A..B are 0-based, B excluded: a shard
    /// whose files `satool finance gather` joins into the whole run's (see docs/scaling-out.md).
    /// A method whose paths are set to the history's mean and sd needs --raw or --moments FILE.
    #[arg(help_heading = GENERATION, long, value_name = "A..B", requires = "scenarios", value_parser = crate::params::parse_path_range)]
    pub paths: Option<(usize, usize)>,
    /// Write only the moments of the paths' correction to the history's mean and sd (moments.json).
    ///
    /// The first pass of a sharded run without --raw: each shard's exact per-ticker sums, which
    /// `satool finance moments DIR…` joins into the whole run's for --moments FILE.
    #[arg(help_heading = GENERATION, long, requires = "scenarios", conflicts_with_all = ["raw", "moments", "report"])]
    pub moments_only: bool,
    /// Set the paths to the history's mean and sd with the whole run's moments from FILE.
    ///
    /// FILE (or DIR/moments.json) is what `satool finance moments` wrote for this run: the shards
    /// of a run without --raw are then the single run's, bit for bit.
    #[arg(help_heading = GENERATION, long, value_name = "FILE", requires = "scenarios", conflicts_with = "raw")]
    pub moments: Option<PathBuf>,
    /// State of the sa_paths generator: ewma, ewma-blend, multiscale, ewma-leverage or runs.
    ///
    /// ewma (one EWMA of the cross-sectional g², λ = 0.94; each day a historical day of the
    /// state's neighbourhood, centred and scaled to the state), ewma-blend (the same state; each
    /// day the attention blend of the neighbourhood, the default before),
    /// multiscale (fast and slow EWMA of g² and an EWMA of the market's return: heavier multi-day
    /// tails, negative skew, volatility that decays as in history; docs/paths-and-risk.md) or
    /// ewma-leverage (ewma, a day the market fell counting 1 + γ times, γ fitted on the history
    /// and reported as paths_leverage; same mean level) or runs (ewma, each day after the first
    /// continuing history's sequence with probability 0.8: history's 20-day tails and its lag-1
    /// ACF; docs/paths-and-risk.md).
    /// With --backtest, sa_paths' forecasts are drawn from this state too; a forecast's first day
    /// draws from the 200 days nearest the state. ewma-blend and multiscale blend their days, so
    /// their forecasts (--backtest, --as-of) have thin tails, and a warning says so.
    #[arg(help_heading = GENERATION, long, value_enum, default_value_t = crate::finance::PathsState::Ewma, value_name = "STATE")]
    pub paths_state: crate::finance::PathsState,
    /// Write the long path files gzip-compressed (METHOD.paths.csv.gz).
    #[arg(help_heading = OUTPUT, long, requires = "scenarios")]
    pub gzip: bool,
    /// Start the paths from the volatility state after DATE, the last day (default), or unconditionally.
    ///
    /// The sa_paths, exact and garch_fhs paths start from the volatility state after DATE (the
    /// history ends there; no row dated later is read), or after the file's last day (`last`, the
    /// default; unconditional with --condition-* or --backtest-split), or from a state drawn from
    /// the history (`unconditional`). Conditional path files keep their scale.
    #[arg(help_heading = GENERATION, long, value_name = "DATE|last|unconditional", requires = "scenarios",
          conflicts_with_all = ["condition_dates", "condition_regime", "backtest_split"])]
    pub as_of: Option<String>,
    /// Rolling VaR backtest over the return days dated START..END.
    ///
    /// Each day's 1-day VaR forecast
    /// from the data up to the day before (the state moved daily, the memory and the GARCH fits
    /// refitted every --refit-every days), with Kupiec, Christoffersen and Basel results
    /// (methods: historical, garch_fhs, sa_paths). With --condition-dates or --condition-regime,
    /// every refit draws from the days before it that the condition keeps (judged on those days).
    #[arg(help_heading = RISK, long, value_name = "START..END", value_parser = params::parse_date_range,
          conflicts_with_all = ["backtest_split", "scenarios", "as_of"])]
    pub backtest: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    /// --backtest: refit the memory and the GARCH parameters every N backtest days.
    #[arg(help_heading = RISK, long, value_name = "N", default_value_t = 21, value_parser = whole::<usize>, requires = "backtest")]
    pub refit_every: usize,
    /// --backtest: also backtest the H-day VaR on the range's non-overlapping H-day blocks (1: the
    /// 1-day backtest only).
    #[arg(help_heading = RISK, long, value_name = "H", default_value_t = 10, value_parser = whole::<usize>, requires = "backtest")]
    pub backtest_horizon: usize,
    /// Tickers of the report's QQ and per-ticker ACF figures (default: the five with the largest variance).
    #[arg(help_heading = OUTPUT, long, value_delimiter = ',', value_name = "T1,T2,…", requires = "report")]
    pub qq_tickers: Option<Vec<String>>,
    /// Also print each method's label, rows, 1% / 5% VaR and ES and MALA acceptance.
    ///
    /// A third table, beside the two the run prints by default (which fit 120 columns); every
    /// number is in results.json either way. Not with --backtest, whose tables have no more columns.
    #[arg(help_heading = OUTPUT, long, conflicts_with = "backtest")]
    pub extended: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

/// A count or seed: a whole number ≥ 0, with a message that says so for "-1" or "2.5".
fn whole<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("'{s}' is not a whole number ≥ 0"))
}

/// Options every generating command shares.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Write results.json and the generated data to this directory (atomically).
    #[arg(help_heading = OUTPUT, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Allow --out (and --report) to be an existing, non-empty directory: it is replaced whole.
    #[arg(help_heading = OUTPUT, long)]
    pub force: bool,
    /// Seed of every random draw; the same seed gives the same output.
    #[arg(help_heading = GENERATION, long, default_value_t = 1, value_parser = whole::<u64>, allow_negative_numbers = true)]
    pub seed: u64,
    /// Write an analysis report to this directory: report.md with SVG figures (may equal --out).
    #[arg(help_heading = OUTPUT, long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Print results.json to stdout instead of the table.
    #[arg(help_heading = OUTPUT, long)]
    pub json: bool,
    /// Comma-separated method ids to run (default: all; finance --scenarios: see there).
    #[arg(help_heading = GENERATION, long, value_delimiter = ',', value_name = "ID,…")]
    pub methods: Option<Vec<String>>,
    /// Langevin step size α.
    #[arg(help_heading = GENERATION, long, default_value_t = 0.01, allow_negative_numbers = true)]
    pub alpha: f64,
    /// Working precision of the Langevin chains (f32 is about twice as fast; metrics stay f64).
    #[arg(help_heading = GENERATION, long, default_value_t = Precision::F64, value_parser = precision_parser())]
    pub precision: Precision,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ProteinArgs {
    #[command(subcommand)]
    pub action: Option<ProteinAction>,
    /// Seed alignment in Stockholm format (plain or gzip; - reads stdin), e.g. a Pfam seed.
    #[arg(help_heading = INPUT, long, value_name = "FILE", required = true)]
    pub stockholm: Option<PathBuf>,
    /// Run every record of a multi-alignment file in parallel.
    ///
    /// One summary row per family, one
    /// sub-directory per family under --out; a failing family reports its error in its row.
    #[arg(help_heading = INPUT, long, conflicts_with_all = ["family", "hmm", "evaluate", "condition_names", "condition_file"])]
    pub all_families: bool,
    /// Which alignment of a multi-record file to use: its #=GF ID, its AC, or #N for the N-th record.
    ///
    /// The AC may be given with or without its version; a name that matches several records is an error.
    #[arg(help_heading = INPUT, long, value_name = "ID_OR_AC")]
    pub family: Option<String>,
    /// Generate from the sequences whose name matches this regular expression only (a subfamily).
    #[arg(help_heading = INPUT, long, value_name = "REGEX", conflicts_with = "condition_file")]
    pub condition_names: Option<String>,
    /// Generate from the sequences named in this file only (one name per line; `#` comments).
    #[arg(help_heading = INPUT, long, value_name = "IDS.txt")]
    pub condition_file: Option<PathBuf>,
    /// Keep at most N cleaned sequences.
    ///
    /// When more remain, a random N (seeded), in their order.
    /// The published protocol's cap is 100; `all` keeps every sequence.
    #[arg(help_heading = INPUT, long, value_name = "N|all", default_value = "100", value_parser = protein::parse_max_sequences)]
    pub max_sequences: protein::MaxSequences,
    /// Weight each stored sequence by 1/(number of stored sequences at least X identical to it).
    ///
    /// Itself included; identity over all L columns with the gap as a state, the DCA/Pfam
    /// convention. The weights enter the energy as a logit bias ln w_k, so the attention, the
    /// exact law's mixture weights and β* use them; the header gives M_eff = Σ w_k. Off by default
    /// (the published table is unweighted); 0.8 is the usual choice.
    #[arg(help_heading = INPUT, long, value_name = "X", value_parser = number(params::reweight_threshold), allow_negative_numbers = true)]
    pub reweight: Option<f64>,
    /// Sequences per method.
    ///
    /// 150 is the published protocol (30 chains × 5 kept states); other
    /// counts keep ceil(N/30) states per chain, 100 steps apart after the 2000-step burn-in (the
    /// published thinning), so the chains run 2000 + 100·(ceil(N/30) − 1) + 1 steps.
    #[arg(help_heading = GENERATION, long, default_value_t = protein::N_SAMPLES, value_name = "N", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(params::SAMPLES_RANGE))]
    pub samples: usize,
    /// Generation inverse temperature, instead of round(2β*) (`sa_gen`, `mala_gen`, `exact_gen`).
    #[arg(help_heading = GENERATION, long, value_name = "BETA", value_parser = number(params::beta), allow_negative_numbers = true)]
    pub beta_gen: Option<f64>,
    /// Retrieval inverse temperature, instead of round(20β*) (`*_ret` and the energy column).
    #[arg(help_heading = GENERATION, long, value_name = "BETA", value_parser = number(params::beta), allow_negative_numbers = true)]
    pub beta_ret: Option<f64>,
    /// Drop generated sequences more than X identical to a stored sequence, and draw again.
    ///
    /// X is 0–1, gaps skipped; draw again, more, until --samples pass (at most 20 × that many draws; a warning says
    /// how many passed when fewer did); the header and results.json count the dropped per method.
    #[arg(help_heading = GENERATION, long, value_name = "X", value_parser = number(params::unit_fraction), allow_negative_numbers = true)]
    pub max_identity: Option<f64>,
    /// How memory-space samples become sequences: calibrated, norm, published, sample, attention.
    ///
    /// calibrated (the default: one of norm, norm:1, mix:0.5:C and attention:SEG:C chosen per
    /// family by an internal split of its members: the samples' identity to their nearest member
    /// as the members' own, and a low two-sample AUC; the header and results.json name the
    /// choice), norm or norm:λ (the default before: ξ scaled by λ × the attention-weighted norm of
    /// the stored codes, λ = 0.6, then per position the argmax of the 20 residues and the gap;
    /// closer to the stored members than they are to each other), published (the paper's:
    /// x = Pξ + μ, argmax; reproduces its table), sample, sample:T or sample:T:λ (one of the 21
    /// states drawn per position at decode temperature T, default 1), attention, attention:SEG or
    /// attention:SEG:C (per position the residue of a stored sequence drawn from the attention
    /// weights at C × the method's β), mix:Q or mix:Q:C (the norm sequence with a share Q of
    /// positions replaced by such draws). docs/decoding.md compares them.
    #[arg(help_heading = GENERATION, long, value_name = "DECODE", default_value = params::DEFAULT_DECODE, value_parser = decode_parser)]
    pub decode: satool_protein::DecodeMethod,
    /// Also score sequences from another generator (FASTA aligned to the cleaned columns); repeatable.
    #[arg(help_heading = EVALUATION, long, value_name = "FASTA")]
    pub evaluate: Vec<PathBuf>,
    /// Also print the extended metrics, as a second table.
    ///
    /// Per method: energy, MI r with APC, mean pairwise identity, the share of samples inside the
    /// natural nearest-identity band, the valid fraction, median HMMER bits, MALA acceptance (and
    /// with --holdout the held-out scores); with --all-families the columns C_ij r, MI r (APC) and
    /// > 90% identical. results.json has every one of them with or without it.
    #[arg(help_heading = EVALUATION, long)]
    pub extended: bool,
    /// Score these sequences instead of generating: one TSV line each on stdout, lowest energy first.
    ///
    /// FASTA aligned to the cleaned columns or the seed's, or unaligned (aligned with hmmalign, as
    /// --evaluate). One tab-separated line each
    /// on stdout, lowest energy at β_gen first (name, sequence, β, energy of the sequence's
    /// encoding: closeness to one stored sequence, state_energy (empty), nearest stored
    /// sequence, identity, novelty, HMMER bits and E-value when run, and fitness: the pair
    /// log-odds of the stored members in nats, higher = fitter — it ranks members the model never
    /// saw above column-shuffled members above random sequences); --json prints them as JSON.
    #[arg(help_heading = EVALUATION, long, value_name = "FASTA", conflicts_with_all = ["all_families", "evaluate", "out", "report", "methods", "max_identity"])]
    pub score: Option<PathBuf>,
    /// Keep this fraction F (0 < F < 1, e.g. 0.2) of the cleaned sequences out of the memory.
    ///
    /// Every row is scored against them too: identity to the nearest held-out member, C_ij r against
    /// the held-out members, and a classifier's AUC telling held-out members from the row's
    /// samples (0.5: indistinguishable); the training members scored the same way are the null.
    /// The held-out members are drawn from a fixed stream, the same whatever --seed. Shown in the
    /// extended table and results.json (`holdout`, each row's `held_out`).
    #[arg(help_heading = EVALUATION, long, value_name = "F", value_parser = number(params::open_fraction), allow_negative_numbers = true,
          conflicts_with_all = ["score", "condition_names", "condition_file"])]
    pub holdout: Option<f64>,
    /// With --holdout: repeat over this many disjoint held-out sets and report mean ± sd.
    ///
    /// Each held-out set is a full run of the methods. --evaluate rows are scored against the
    /// first set only (their sequences are aligned to its training members' columns).
    #[arg(help_heading = EVALUATION, long, value_name = "K", default_value_t = 1, requires = "holdout",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(params::HOLDOUT_FOLDS_RANGE))]
    pub holdout_folds: usize,
    /// Profile HMM for hmmsearch; without it, one is built from the seed with hmmbuild.
    #[arg(help_heading = HMMER, long, value_name = "FILE")]
    pub hmm: Option<PathBuf>,
    /// Use HMMER when installed (auto), insist on it (require), or skip it (off).
    #[arg(help_heading = HMMER, long, value_enum, default_value_t = HmmerMode::Auto, value_name = "MODE")]
    pub hmmer: HmmerMode,
    /// Time limit of each hmmbuild and hmmsearch run, in seconds.
    ///
    /// Default: 60 s plus 0.1 s per
    /// sequence the run reads. On expiry the tool and every process it started are stopped;
    /// --hmmer auto then warns and reports "not run (timeout after N s)", require exits with 2.
    #[arg(help_heading = HMMER, long, value_name = "SECONDS", value_parser = seconds)]
    pub hmmer_timeout: Option<f64>,
    /// Skip HMMER (same as --hmmer off).
    #[arg(help_heading = HMMER, long, conflicts_with = "hmmer")]
    pub no_hmmer: bool,
    /// Print every row's sequences to stdout as FASTA (as in its ID.fasta); the tables go to stderr.
    ///
    /// For a pipe into HMMER, e.g. `satool protein --stockholm F --methods sa_gen --fasta-stdout
    /// --no-hmmer | hmmsearch HMM -`. The headers carry the scores as key=value fields.
    #[arg(help_heading = OUTPUT, long, conflicts_with_all = ["score", "all_families", "json"])]
    pub fasta_stdout: bool,
    #[command(flatten)]
    pub run: RunArgs,
}

/// A number (`'x' is not a number` otherwise) that `rule` accepts, for clap: the rules are the
/// ones [`params`] checks typed values with.
fn number(rule: params::Rule<f64>) -> impl Fn(&str) -> Result<f64, String> + Clone + Send + Sync + 'static {
    move |s: &str| {
        let x: f64 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
        rule(x, s).map(|()| x)
    }
}

/// What `satool protein` does besides a run.
#[derive(Debug, Subcommand)]
pub enum ProteinAction {
    /// Index the records of a multi-record Stockholm file (as esl-afetch --index).
    ///
    /// Writes FILE.satool-idx (ordinal, ID, AC, byte offset and length, first line, raw K and columns,
    /// error) and prints it as TSV; `--family` then reads its record through the index. A gzip
    /// file is listed but not indexed (an index needs the decompressed file).
    #[command(
        after_help = "Example:\n  satool protein index Pfam-A.seed\n  satool protein --stockholm Pfam-A.seed --family PF00076 --out runs/PF00076"
    )]
    Index {
        /// The Stockholm file (plain; a gzip file is only listed).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// What `satool finance` does besides a run.
#[derive(Debug, Subcommand)]
pub enum FinanceAction {
    /// Join the shards of one --scenarios run (each made with --paths A..B --out DIR).
    ///
    /// Prints
    /// the whole run's VaR/ES/drawdown table, computed from the union of the shards' per-path
    /// portfolio returns, and with --out writes risk.json and each method's METHOD.paths.csv (the
    /// single run's file, byte for byte).
    #[command(
        after_help = "Example:\n  satool finance --prices P.csv --scenarios 2000 --horizon 20 --raw --paths 0..1000 --out s0\n  \
satool finance --prices P.csv --scenarios 2000 --horizon 20 --raw --paths 1000..2000 --out s1\n  \
satool finance gather s0 s1 --out whole"
    )]
    Gather {
        /// The shard directories (any order).
        #[arg(value_name = "DIR", required = true)]
        shards: Vec<PathBuf>,
        /// Write risk.json and the joined path files to this directory (atomically).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Replace an existing --out directory.
        #[arg(long)]
        force: bool,
        /// Write the joined path files gzip-compressed (METHOD.paths.csv.gz, as a single run with
        /// --gzip); the shards' own files may be plain or gzip either way.
        #[arg(long)]
        gzip: bool,
        /// Print the risk as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Join the moments of a run's shards (each made with --paths A..B --moments-only --out DIR).
    ///
    /// Checks that they are parts of one run covering its paths once and writes the whole run's
    /// moments to DIR/moments.json, which every shard's second pass reads with --moments.
    #[command(after_help = "Example:\n  \
RUN=\"--prices P.csv --scenarios 2000 --horizon 20\"\n  \
satool finance $RUN --paths 0..1000 --moments-only --out m0\n  \
satool finance $RUN --paths 1000..2000 --moments-only --out m1\n  \
satool finance moments m0 m1 --out m\n  \
satool finance $RUN --paths 0..1000 --moments m/moments.json --out s0")]
    Moments {
        /// The shards' moments (their --out directories or moments.json files, any order).
        #[arg(value_name = "DIR|FILE", required = true)]
        parts: Vec<PathBuf>,
        /// Write moments.json to this directory (atomically).
        #[arg(long, value_name = "DIR", required = true)]
        out: PathBuf,
        /// Replace an existing --out directory.
        #[arg(long)]
        force: bool,
    },
}

impl ProteinArgs {
    /// `--stockholm` (clap requires it unless a subcommand is given).
    pub fn stockholm(&self) -> Result<&std::path::Path> {
        self.stockholm.as_deref().ok_or_else(|| crate::input_err!("--stockholm FILE is required for a run"))
    }
}

/// `--decode` of `satool protein`.
fn decode_parser(s: &str) -> std::result::Result<satool_protein::DecodeMethod, String> {
    s.parse()
}

/// Parses arguments, runs, prints; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result =
        set_threads(cli.threads).and_then(|()| check_environment(cli.threads.is_some())).and_then(|()| run(&cli));
    crate::shutdown::wait_if_interrupted();
    match result {
        Ok(()) => 0,
        // The reader of stdout went away (`satool … | head`): stop quietly, as ripgrep does.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            0
        }
        Err(e) => {
            eprintln!("error: {}", crate::error::message(&e));
            crate::error::exit_code(&e)
        }
    }
}

/// `--threads N`: the global pool's size, set through `RAYON_NUM_THREADS` before any pool exists
/// (so it is checked and bounded as that variable is).
fn set_threads(threads: Option<usize>) -> Result<()> {
    match threads {
        None => Ok(()),
        Some(0) => Err(crate::input_err!("--threads 0: give at least 1 (without --threads: one per core)")),
        Some(n) => {
            // The tool is still single-threaded here.
            std::env::set_var("RAYON_NUM_THREADS", n.to_string());
            Ok(())
        }
    }
}

/// Every `SATOOL_*` variable the tool reads, checked before anything runs: a value it cannot use
/// is an input error (exit 2) naming the variable and the value, never silently the default.
fn check_environment(threads_flag: bool) -> Result<()> {
    satool_io::text::Limits::current().map_err(|e| crate::input_err!("{e}"))?;
    if std::env::var_os(crate::budget::MEMORY_VAR).is_some() {
        crate::budget::memory_budget()?;
    }
    let switches = satool::ENV_SWITCHES.iter().chain([&crate::bench::PEAK_RSS_ENV]);
    for name in switches {
        if let Some(v) = std::env::var_os(name).filter(|v| v != "0" && v != "1") {
            return Err(crate::input_err!("{name}={v:?} is not a switch: set it to 1 (on) or 0 (off)"));
        }
    }
    clamp_rayon_threads(threads_flag)?;
    if std::env::var_os(crate::bench::PYTHON_ENV).is_some_and(|v| v.is_empty()) {
        return Err(crate::input_err!("{} is empty: set it to a Python interpreter", crate::bench::PYTHON_ENV));
    }
    Ok(())
}

/// `RAYON_NUM_THREADS` (read by rayon's global pool, which every parallel step uses): a value that
/// is not a count is an input error, where rayon would silently fall back to its default; a count
/// above four threads per core buys nothing and, in the thousands, fails to spawn, so it is
/// lowered to that bound with a warning (naming `--threads` when the count came from it). 0 keeps
/// rayon's meaning (one thread per core).
fn clamp_rayon_threads(threads_flag: bool) -> Result<()> {
    const VAR: &str = "RAYON_NUM_THREADS";
    let Some(raw) = std::env::var_os(VAR) else { return Ok(()) };
    let Some(n) = raw.to_str().and_then(|v| v.trim().parse::<usize>().ok()) else {
        return Err(crate::input_err!(
            "{VAR}={raw:?} is not a thread count: set it to a whole number (0: one per core)"
        ));
    };
    let (bound, cores) = crate::budget::max_threads();
    if n > bound {
        let given = if threads_flag { format!("--threads {n}") } else { format!("{VAR}={n}") };
        eprintln!("warning: {given} lowered to {bound} (four threads per core on this machine's {cores})");
        // Before any pool exists: the tool is still single-threaded here.
        std::env::set_var(VAR, bound.to_string());
    }
    Ok(())
}

/// The command line as given (command.txt), each word quoted for a shell where it needs it.
fn command_line() -> String {
    std::env::args().map(|a| crate::report::shell_word(&a)).collect::<Vec<_>>().join(" ")
}

fn run(cli: &Cli) -> Result<()> {
    let progress = crate::progress::Progress::for_stderr(cli.quiet);
    match &cli.command {
        Command::Protein(a) => {
            let r = &a.run;
            if let Some(ProteinAction::Index { file }) = &a.action {
                return index(file, &progress);
            }
            let mut inputs = vec![("--stockholm", a.stockholm()?)];
            inputs.extend(a.hmm.as_deref().map(|p| ("--hmm", p)));
            inputs.extend(a.evaluate.iter().map(|p| ("--evaluate", p.as_path())));
            inputs.extend(a.condition_file.as_deref().map(|p| ("--condition-file", p)));
            inputs.extend(a.score.as_deref().map(|p| ("--score", p)));
            refuse_outputs_over_inputs(r, &inputs)?;
            let job = ProteinJob { out: r.out.clone(), force: r.force, report: r.report.clone(), ..a.params()?.job()? };
            if a.all_families {
                return all_families(&job, r.json, &progress);
            }
            if let Some(fasta) = &a.score {
                let (scores, beta) = protein::score::score_file(&job, fasta, &progress)?;
                progress.line(&format!(
                    "scored {} sequences of {} at β_gen = {beta}; lowest energy (most probable) first",
                    scores.len(),
                    fasta.display()
                ));
                if r.json {
                    println!("{}", crate::output::to_json(&scores)?);
                } else {
                    protein::per_sequence::write_tsv_to(std::io::stdout().lock(), &scores)?;
                }
                return Ok(());
            }
            let run = crate::commands::protein::run(&job, &command_line(), &progress)?;
            let tables = protein::render::tables(&run.results, job.extended);
            let header = protein::render::header(&run);
            if a.fasta_stdout {
                write_result(&mut std::io::stderr().lock(), false, &run.results, &header, &tables)?;
                return protein::render::write_fasta(Box::new(std::io::stdout()), &run);
            }
            print_result(r.json, &run.results, &header, &tables)
        }
        Command::Bench(a) => bench(a, &progress),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "satool", &mut std::io::stdout().lock());
            Ok(())
        }
        Command::Man { dir } => man(dir.as_deref(), &progress),
        Command::Finance(a) => {
            if let Some(FinanceAction::Gather { shards, out, force, gzip, json }) = &a.action {
                if let Some(out) = out {
                    refuse_out_over_parts(out, "shard", shards)?;
                }
                let risk = crate::finance::gather(shards, out.as_deref(), *force, *gzip)?;
                return print_result(*json, &risk, "", &crate::finance::risk_table(&risk));
            }
            if let Some(FinanceAction::Moments { parts, out, force }) = &a.action {
                refuse_out_over_parts(out, "part", parts)?;
                let summary = crate::finance::gather_moments(parts, out, *force)?;
                progress.line(&summary);
                return Ok(());
            }
            let r = &a.run;
            let weights = PathBuf::from(&a.weights);
            let prices = a.prices.as_deref().ok_or_else(|| crate::input_err!("--prices FILE is required for a run"))?;
            let mut inputs = vec![("--prices", prices)];
            if a.weights != "equal" {
                inputs.push(("--weights", weights.as_path()));
            }
            if let Some(moments) = &a.moments {
                inputs.push(("--moments", moments.as_path()));
            }
            refuse_outputs_over_inputs(r, &inputs)?;
            let job: FinanceJob = a.params()?.job()?;
            let outputs = FinanceOutputs {
                out: r.out.clone(),
                force: r.force,
                report: r.report.clone(),
                qq_tickers: a.qq_tickers.clone(),
                gzip: a.gzip,
                extended: a.extended,
            };
            if job.moments == crate::finance::MomentsMode::Only {
                progress.line(&crate::commands::finance::moments_only(&job, &outputs, &progress)?);
                return Ok(());
            }
            if job.rolling.is_some() {
                let out = crate::commands::finance::run_rolling(&job, &outputs, &command_line(), &progress)?;
                return print_result(r.json, &out.run.results, &out.header, &out.table);
            }
            let out = crate::commands::finance::run(&job, &outputs, &command_line(), &progress)?;
            print_result(r.json, &out.run.results, &out.header, &out.table)
        }
    }
}

/// `satool man`: the main page to stdout, or with `dir` every command's page written there.
fn man(dir: Option<&std::path::Path>, progress: &crate::progress::Progress) -> Result<()> {
    let cmd = <Cli as clap::CommandFactory>::command();
    match dir {
        None => std::io::stdout().lock().write_all(crate::help::man_page(cmd)?.as_bytes())?,
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| crate::input_err!("{}: cannot create: {e}", dir.display()))?;
            crate::help::write_man_pages(cmd, dir)
                .map_err(|e| crate::input_err!("{}: cannot write: {e}", dir.display()))?;
            progress.line(&format!("man pages written to {}", dir.display()));
        }
    }
    Ok(())
}

/// `satool protein index FILE`: writes the index, prints it.
fn index(file: &std::path::Path, progress: &crate::progress::Progress) -> Result<()> {
    let built = protein::index::build(file)?;
    std::io::stdout().lock().write_all(protein::index::table(&built.entries).as_bytes())?;
    match &built.written {
        Some(idx) => progress.line(&format!("{} records of {} indexed in {}", built.entries.len(), file.display(), idx.display())),
        None => eprintln!(
            "note: {} is gzip-compressed: its records are listed but no index is written (an index needs the decompressed file: gunzip it and index that, as esl-afetch does)",
            file.display()
        ),
    }
    Ok(())
}

/// `protein --all-families`: the summary, then exit 2 when no record ran. Some records failing is
/// a whole-database run's normal (their rows say why); none running is bad input, as for one family.
fn all_families(job: &ProteinJob, json: bool, progress: &crate::progress::Progress) -> Result<()> {
    let fam = crate::commands::protein::all_families(job, &command_line(), progress)?;
    print_result(json, &fam, "", &protein::families::render(&fam, job.hmmer))?;
    if fam.families.iter().all(|f| f.error.is_some()) {
        return Err(crate::input_err!(
            "{}: none of its {} record(s) ran (the error column says why)",
            job.stockholm.display(),
            fam.families.len()
        ));
    }
    Ok(())
}

/// Refuses a `gather`/`moments` `--out` directory that is or holds one of the directories or
/// files it joins (`what` names them: shard, part): `--force` would replace it with the join.
fn refuse_out_over_parts(out: &std::path::Path, what: &str, parts: &[PathBuf]) -> Result<()> {
    let inputs: Vec<(&str, &std::path::Path)> = parts.iter().map(|p| (what, p.as_path())).collect();
    crate::output::atomic::refuse_inputs_inside("--out", out, &inputs).map_err(|e| crate::input_err!("{e:#}"))
}

/// Refuses `--out` and `--report` directories that are or hold an input, before anything reads
/// or writes (see [`crate::output::atomic::refuse_inputs_inside`]), and more than one input read
/// from stdin (`-`).
fn refuse_outputs_over_inputs(r: &RunArgs, inputs: &[(&str, &std::path::Path)]) -> Result<()> {
    let from_stdin: Vec<&str> =
        inputs.iter().filter(|(_, p)| satool_io::text::is_stdin(p)).map(|(option, _)| *option).collect();
    if from_stdin.len() > 1 {
        return Err(crate::input_err!(
            "{} are all - (stdin): at most one input can be read from stdin",
            from_stdin.join(", ")
        ));
    }
    if from_stdin == ["--hmm"] {
        return Err(crate::input_err!("--hmm -: HMMER reads the profile by its file name; give a file"));
    }
    for (option, dir) in [("--out", &r.out), ("--report", &r.report)] {
        if let Some(dir) = dir {
            crate::output::atomic::refuse_inputs_inside(option, dir, inputs).map_err(|e| crate::input_err!("{e:#}"))?;
        }
    }
    Ok(())
}

impl RunArgs {
    /// The parameters of the job these options share.
    fn params(&self) -> params::RunParams {
        params::RunParams {
            seed: self.seed,
            alpha: self.alpha,
            precision: self.precision,
            methods: self.methods.clone(),
        }
    }
}

impl ProteinArgs {
    /// The job's parameters these arguments give (checked by [`ProteinParams::check`]).
    pub fn params(&self) -> Result<ProteinParams> {
        let (a, r) = (self, &self.run);
        Ok(ProteinParams {
            stockholm: a.stockholm()?.to_path_buf(),
            family: a.family.clone(),
            hmm: a.hmm.clone(),
            hmmer: if a.no_hmmer { HmmerMode::Off } else { a.hmmer },
            hmmer_timeout: a.hmmer_timeout,
            evaluate: a.evaluate.clone(),
            condition_names: a.condition_names.clone(),
            condition_file: a.condition_file.clone(),
            max_sequences: a.max_sequences.0,
            extended: a.extended,
            samples: a.samples,
            beta_gen: a.beta_gen,
            beta_ret: a.beta_ret,
            max_identity: a.max_identity,
            decode: a.decode,
            reweight: a.reweight,
            holdout: a.holdout,
            holdout_folds: a.holdout_folds,
            run: r.params(),
        })
    }
}

impl FinanceArgs {
    /// The job's parameters these arguments give (checked by [`FinanceParams::check`]); a
    /// `--backtest-split` that is neither a date nor a fraction is refused here.
    pub fn params(&self) -> Result<FinanceParams> {
        let (a, r) = (self, &self.run);
        Ok(FinanceParams {
            prices: a.prices.clone().ok_or_else(|| crate::input_err!("--prices FILE is required for a run"))?,
            date_column: a.date_column.clone(),
            ticker_column: a.ticker_column.clone(),
            price_column: a.price_column.clone(),
            start: a.start,
            end: a.end,
            window: a.window,
            min_tickers: a.min_tickers,
            fill_limit: a.fill_limit,
            jump_threshold: a.jump_threshold,
            drop_suspect: a.drop_suspect,
            beta: a.beta,
            beta_sequential: a.beta_sequential,
            inner_steps: a.inner_steps,
            sequential_segments: a.sequential_segments,
            regimes: a.regimes,
            regime_window: a.regime_window,
            condition_dates: a.condition_dates,
            condition_regime: a.condition_regime,
            regime_quantile: a.regime_quantile,
            weights: WeightsSpec::parse(&a.weights),
            backtest_split: a.backtest_split.as_deref().map(Split::parse).transpose()?,
            scenarios: a.scenarios,
            horizon: a.horizon,
            raw: a.raw,
            as_of: a.as_of.as_deref().map(crate::finance::AsOf::parse).transpose()?,
            backtest: a.backtest,
            refit_every: a.refit_every,
            backtest_horizon: a.backtest_horizon,
            paths_state: a.paths_state,
            run: r.params(),
            paths: a.paths,
            moments_only: a.moments_only,
            moments: a.moments.clone(),
        })
    }
}

/// Results to stdout: the JSON document, or the header and the table(s). A stdout that cannot
/// take them (a full disk) is named, as `--fasta-stdout` names it; a closed pipe is not an error.
fn print_result<T: serde::Serialize>(json: bool, results: &T, header: &str, table: &str) -> Result<()> {
    write_result(&mut std::io::stdout().lock(), json, results, header, table).map_err(|e| {
        match e.downcast_ref::<std::io::Error>() {
            Some(io) if io.kind() != std::io::ErrorKind::BrokenPipe => {
                crate::input_err!("<stdout>: cannot write: {io}")
            }
            _ => e,
        }
    })
}

/// [`print_result`] to `stdout`, which may be stderr.
fn write_result<T: serde::Serialize>(
    stdout: &mut dyn Write,
    json: bool,
    results: &T,
    header: &str,
    table: &str,
) -> Result<()> {
    if json {
        write!(stdout, "{}", crate::output::to_json(results)?)?;
    } else {
        if !header.is_empty() {
            writeln!(stdout, "{}", crate::error::escape_controls(header))?;
        }
        // A record ID or file name from the input cannot drive the terminal.
        writeln!(stdout, "{}", crate::error::escape_controls(table))?;
    }
    Ok(())
}

fn bench(a: &BenchArgs, progress: &crate::progress::Progress) -> Result<()> {
    let (numpy_script, fixtures) = crate::bench::default_paths();
    let job = crate::bench::BenchJob {
        quick: a.quick,
        numpy: !a.no_numpy,
        numpy_script,
        fixtures,
        end_to_end: !a.no_end_to_end,
        python: (!a.no_python).then(|| a.python.clone().unwrap_or_else(crate::bench::default_python)),
        python_script: "bench/python_api.py".into(),
    };
    let r = crate::bench::run(&job, progress)?;
    let mut stdout = std::io::stdout().lock();
    if a.json {
        write!(stdout, "{}", crate::output::to_json(&r)?)?;
    } else {
        write!(stdout, "{}", crate::bench::render(&r))?;
    }
    Ok(())
}

/// `--hmmer-timeout`: seconds, refused with one message whether not a number or out of range.
fn seconds(s: &str) -> Result<f64, String> {
    let x = s.trim().parse::<f64>().unwrap_or(f64::NAN);
    params::positive_seconds(x, s).map(|()| x)
}

/// `--precision f64|f32`, listed in `--help`.
fn precision_parser() -> impl clap::builder::TypedValueParser<Value = Precision> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(params::PRECISIONS)
        .map(|s| s.parse::<Precision>().expect("listed values parse"))
}
