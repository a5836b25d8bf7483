//! From text to a validated scenario: `parse` (TOML with spans) ->
//! `overrides` (`--set`) -> `validate` (a `Scenario`), with `diagnostic`
//! collecting and rendering errors; `load` runs the steps.

pub mod diagnostic;
pub mod error;
pub mod load;
pub(crate) mod overrides;
pub(crate) mod parse;
pub mod scenario;
pub(crate) mod validate;
