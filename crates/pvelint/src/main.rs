/// Optional (`--features mimalloc`); the trade-off is measured in docs/performance.md.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = pvelint::cli::main(std::env::args_os());
    std::process::exit(code);
}
