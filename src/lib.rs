//! guarantee-sim: Monte Carlo estimates of whether pledges to a security
//! guarantee cover what it needs, by when, and who makes or breaks it.
//!
//! Data flows one way:
//! `load` (parse -> overrides -> validate) -> `compile` -> `simulate` (chunks,
//! accumulators in `stats`) -> `summarise` -> `export` / `chart` / `report`.

pub mod artifacts;
pub mod chart;
pub mod cli;
pub mod compare;
pub mod compile;
pub mod console;
pub mod diagnostic;
pub mod dist;
pub mod error;
pub mod export;
pub mod font;
pub mod load;
pub mod output;
pub mod overrides;
pub mod parse;
pub mod provenance;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod sensitivity;
pub mod simulate;
pub mod stats;
pub mod summarise;
pub mod summary;
pub mod sweep;
pub mod validate;

/// The built-in default scenario (also shipped as a file).
pub const DEFAULT_SCENARIO: &str = include_str!("../scenarios/coalition-aug-2025.toml");
pub const DEFAULT_SCENARIO_ORIGIN: &str = "(built-in default: scenarios/coalition-aug-2025.toml)";
