//! The command layer between the command line and the jobs: it prepares the output directories,
//! runs a job, turns what the job returned into stdout text, `--out` files and a `--report`, and
//! commits the directories. Jobs write nothing themselves, so they never depend on the reports.

pub mod finance;
pub mod protein;
