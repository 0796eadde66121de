fn main() {
    let code = pvelint::cli::main(std::env::args_os());
    std::process::exit(code);
}
