//! `sweep` (MODEL.md 4).

use crate::cli::{OutputOptions, RunOptions};
use crate::error::Error;

pub fn command(
    _: &std::path::Path,
    _: &str,
    _: &str,
    _: &RunOptions,
    _: &OutputOptions,
) -> Result<(), Error> {
    Err(anyhow::anyhow!("not yet").into())
}
