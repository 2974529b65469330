fn main() {
    std::process::exit(satool::cli::main());
}
