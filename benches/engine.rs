//! Engine throughput on the built-in default scenario: trials per second of
//! `estimate` (compile, simulate, summarise) at 1 and 2 threads, and the
//! cost of loading (parsing and validating) the scenario.
//!
//! `cargo bench` (about a minute); figures in benches/README.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use guarantee_sim_app::{DEFAULT_SCENARIO, DEFAULT_SCENARIO_ORIGIN};
use guarantee_sim_core::{Resolved, estimate, load_str};
use std::hint::black_box;
use std::time::Duration;

const TRIALS: u64 = 200_000;
const SEED: u64 = 20_250_819;

fn engine(c: &mut Criterion) {
    let loaded =
        load_str(DEFAULT_SCENARIO_ORIGIN, DEFAULT_SCENARIO, &[]).expect("default scenario");

    let mut group = c.benchmark_group("simulate_default");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(TRIALS));
    for threads in [1usize, 2] {
        let run = Resolved {
            seed: SEED,
            trials: TRIALS,
            threads,
            precision: None,
            outer: None,
        };
        group.bench_function(format!("{threads}_thread"), |b| {
            b.iter(|| black_box(estimate(&loaded, &run, &|_| {}).expect("estimate")))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("load_default");
    group.sample_size(20);
    group.bench_function("load_str", |b| {
        b.iter(|| {
            black_box(load_str(
                DEFAULT_SCENARIO_ORIGIN,
                black_box(DEFAULT_SCENARIO),
                &[],
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
