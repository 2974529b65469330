fn main() {
    std::process::exit(satool_app::cli::main());
}
