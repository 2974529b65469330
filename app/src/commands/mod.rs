//! The command layer between the command line and the jobs: it prepares the output directories,
//! runs a job, hands what the job returned to the report builder, and commits the directories.
//! Jobs never draw reports; reports never run jobs.

pub mod protein;
