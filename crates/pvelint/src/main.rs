/// mimalloc: the model is many small allocations; measured in docs/performance.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let code = pvelint::cli::main(std::env::args_os());
    std::process::exit(code);
}
