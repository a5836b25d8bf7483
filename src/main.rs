//! The `guarantee-sim` binary: all logic lives in the library.

fn main() {
    std::process::exit(guarantee_sim::cli::main(std::env::args_os()));
}
