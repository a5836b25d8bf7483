//! The `guarantee-sim` binary: all logic lives in the libraries.

fn main() {
    std::process::exit(guarantee_sim_app::main(std::env::args_os()));
}
