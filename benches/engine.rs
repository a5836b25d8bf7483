//! Engine throughput on the built-in default scenario: trials per second of
//! `simulate` at 1 and 2 threads, the cost of compiling the model, and the
//! cost of one PERT quantile table (the bulk of a first compile).
//!
//! `cargo bench` (about a minute). Compare with benches/numpy_reference.py
//! as described in benches/README.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use guarantee_sim::compile::Model;
use guarantee_sim::dist::Sampler;
use guarantee_sim::load::load_str;
use guarantee_sim::scenario::Dist;
use guarantee_sim::simulate::simulate;
use guarantee_sim::{DEFAULT_SCENARIO, DEFAULT_SCENARIO_ORIGIN};
use std::hint::black_box;
use std::time::Duration;

const TRIALS: u64 = 200_000;
const SEED: u64 = 20_250_819;

fn engine(c: &mut Criterion) {
    let loaded =
        load_str(DEFAULT_SCENARIO_ORIGIN, DEFAULT_SCENARIO, &[]).expect("default scenario");
    let scenario = &loaded.scenario;
    let model = Model::compile(scenario);

    let mut group = c.benchmark_group("simulate_default");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(TRIALS));
    for threads in [1usize, 2] {
        group.bench_function(format!("{threads}_thread"), |b| {
            b.iter(|| {
                black_box(simulate(&model, SEED, TRIALS, threads, &|_| {}).expect("simulate"))
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("compile_default");
    group.sample_size(20);
    group.bench_function("model_compile", |b| {
        b.iter(|| black_box(Model::compile(black_box(scenario))))
    });
    group.finish();

    // A new shape at every iteration (tables are cached per shape), so
    // this is what a first compile pays per distinct PERT shape.
    let mut group = c.benchmark_group("pert_table");
    group.sample_size(20);
    let mut shape = 0u64;
    group.bench_function("new_shape", |b| {
        b.iter(|| {
            shape += 1;
            let mode = (shape % 100_003) as f64 / 100_003.0;
            black_box(Sampler::new(&Dist::Pert {
                min: 0.0,
                mode,
                max: 1.0,
            }))
        })
    });
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
