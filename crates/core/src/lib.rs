//! guarantee-sim-core: Monte Carlo estimates of whether the pledges to a
//! security guarantee cover what it needs, by when, and who makes or breaks
//! it. The model (scenario format, semantics of a trial, outputs) is
//! described in the repository's `docs/model.md`.
//!
//! Data flows one way: [`input`] (parse -> overrides -> validate) ->
//! `compile` -> `simulate` (chunks, merged in order) -> [`summarise`];
//! [`analysis`] runs a scenario and its variants on common random numbers
//! (estimate, compare, sweep, solve, sensitivity).
//!
//! ```
//! use guarantee_sim_core::{RunConfig, estimate, load_str};
//!
//! let text = r#"
//!     [scenario]
//!     name = "One member, one capability"
//!     horizon_months = 12
//!
//!     [[capability]]
//!     id = "training"
//!     need = 1000
//!
//!     [[phase]]
//!     id = "p1"
//!
//!     [[member]]
//!     id = "uk"
//!     join = 0.75
//!
//!     [[member.pledge]]
//!     capability = "training"
//!     phase = "p1"
//!     amount = 1000
//! "#;
//! let loaded = load_str("example.toml", text, &[]).unwrap();
//! let config = RunConfig { seed: Some(7), trials: Some(20_000), ..RunConfig::default() };
//! let run = config.resolve(&loaded.scenario);
//! let summary = estimate(&loaded, &run, &|_done| {}).unwrap();
//! // The guarantee is met exactly when the UK joins: P(met) = 0.75.
//! assert!((summary.guarantee.p_met - 0.75).abs() < 0.02);
//! ```
//!
//! Bad input comes back as data ([`InputError`], with the diagnostics'
//! spans), and renders like cargo's messages:
//!
//! ```
//! use guarantee_sim_core::{InputError, load_str};
//!
//! let err = load_str("bad.toml", "[scenario]\nname = 3\n", &[]).unwrap_err();
//! let InputError::Invalid(diagnostics) = &err else { panic!() };
//! let first = &diagnostics.list()[0];
//! assert_eq!(diagnostics.line_column(first.span), Some((2, 8)));
//! assert!(err.to_string().contains("bad.toml:2:8"));
//! ```

pub mod analysis;
pub mod error;
pub mod input;
pub mod summarise;

pub(crate) mod compile;
pub(crate) mod rng;
pub(crate) mod simulate;
pub(crate) mod stats;

pub use analysis::compare::compare;
pub use analysis::estimate::{RunConfig, estimate};
pub use analysis::sensitivity::sensitivity;
pub use analysis::solve::solve;
pub use analysis::sweep::sweep;
pub use analysis::variants::Resolved;
pub use error::{Error, InputError};
pub use input::load::{Loaded, load_file, load_str};
pub use input::scenario::Scenario;
pub use summarise::summary::Summary;

/// Shipped scenarios the unit tests run.
#[cfg(test)]
pub(crate) mod test_scenarios {
    pub const DEFAULT: &str = include_str!("../../../scenarios/coalition-aug-2025.toml");
    pub const PARIS: &str = include_str!("../../../scenarios/paris-jan-2026.toml");
    /// The v1 scenarios as shipped before their recalibration: fixed
    /// workloads for checks that need many trials in which the guarantee is met.
    pub const V1_DEFAULT: &str = include_str!("../testdata/v1-default.toml");
    pub const V1_PARIS: &str = include_str!("../testdata/v1-paris.toml");
}
