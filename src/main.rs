//! The `guarantee-sim` binary: all logic lives in the library.

fn main() {
    // Built for x86-64-v3 (`.cargo/config.toml`): say so on a CPU without
    // it, instead of dying of an illegal instruction mid-run.
    #[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
    {
        use std::arch::is_x86_feature_detected as has;
        if !(has!("avx2") && has!("bmi2") && has!("fma") && has!("lzcnt") && has!("movbe")) {
            eprintln!(
                "error: this build of guarantee-sim needs an x86-64-v3 CPU (AVX2, BMI2, FMA); \
                 rebuild it here with `RUSTFLAGS= cargo build --release`"
            );
            std::process::exit(2);
        }
    }
    std::process::exit(guarantee_sim::cli::main(std::env::args_os()));
}
