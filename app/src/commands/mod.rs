//! Commands end to end: run a job, then turn what it returns into stdout text, `--out` files
//! and a `--report`. Jobs write nothing themselves, so they never depend on the reports.

pub mod finance;
