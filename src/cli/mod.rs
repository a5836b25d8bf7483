//! The command line: raw flags as clap parses them (`flags`) -> checked
//! options (`options`). The commands (`crate::commands`) take options, never
//! flags.

pub mod flags;
pub mod options;
pub mod progress;
