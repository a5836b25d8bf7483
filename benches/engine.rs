//! Engine throughput: trials per second of `estimate` (compile, simulate,
//! summarise) on the v1 workload kept in crates/core/testdata/v1-default.toml (the old
//! default scenario, so figures compare across versions) at 1 and 2 threads,
//! and on today's default scenario (contract v2: exits, an attack, uncertain
//! inputs) at 2 threads; and the cost of loading (parsing and validating) the
//! default scenario.
//!
//! `cargo bench` (about a minute); figures in benches/README.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use guarantee_sim_app::{DEFAULT_SCENARIO, DEFAULT_SCENARIO_ORIGIN};
use guarantee_sim_core::{Resolved, estimate, load_str};
use std::hint::black_box;
use std::time::Duration;

const TRIALS: u64 = 200_000;
const V1_ORIGIN: &str = "crates/core/testdata/v1-default.toml";
const V1_SCENARIO: &str = include_str!("../crates/core/testdata/v1-default.toml");
const SEED: u64 = 20_250_819;

fn engine(c: &mut Criterion) {
    let loaded = load_str(V1_ORIGIN, V1_SCENARIO, &[]).expect("v1 scenario");
    let default =
        load_str(DEFAULT_SCENARIO_ORIGIN, DEFAULT_SCENARIO, &[]).expect("default scenario");
    let run = |threads| Resolved {
        seed: SEED,
        trials: TRIALS,
        threads,
        precision: None,
        outer: None,
    };

    let mut group = c.benchmark_group("simulate_v1");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(TRIALS));
    for threads in [1usize, 2] {
        let run = run(threads);
        group.bench_function(format!("{threads}_thread"), |b| {
            b.iter(|| black_box(estimate(&loaded, &run, &|_| {}).expect("estimate")))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("simulate_default");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(TRIALS));
    let run2 = run(2);
    group.bench_function("2_thread", |b| {
        b.iter(|| black_box(estimate(&default, &run2, &|_| {}).expect("estimate")))
    });
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
