//! The `guarantee-sim` command line on top of `guarantee_sim_core`:
//! `cli` (flags -> options) -> `commands` (one per command) -> `render`
//! (JSON, console tables, charts, reports: bytes) -> `publish` (the only
//! module that writes files).

pub mod cli;
pub mod commands;
pub mod publish;
pub mod render;

/// The built-in default scenario (also shipped as a file).
pub const DEFAULT_SCENARIO: &str = include_str!("../scenarios/coalition-aug-2025.toml");
pub const DEFAULT_SCENARIO_ORIGIN: &str = "(built-in default: scenarios/coalition-aug-2025.toml)";
