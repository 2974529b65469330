fn main() {
    // Signals (SIGINT/TERM/HUP) stop children and remove partial output; see shutdown.rs.
    satool_app::shutdown::install();
    // A panic has printed its message; it still must not leave temporary files.
    let code = std::panic::catch_unwind(satool_app::cli::main).unwrap_or(101);
    satool_app::bench::report_peak_rss();
    satool_app::shutdown::finish();
    std::process::exit(code);
}
