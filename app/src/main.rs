fn main() {
    let code = satool_app::cli::main();
    satool_app::bench::report_peak_rss();
    std::process::exit(code);
}
