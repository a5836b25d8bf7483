//! Input that cannot be used, as data.

use crate::input::diagnostic::Diagnostics;

/// Input that cannot be used: a scenario file that cannot be read, or one
/// (with its overrides) that does not validate. `Display` renders it like
/// cargo reports a bad manifest: file, line, column, a snippet, hints.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    #[error("error: cannot read scenario file `{path}`: {reason}")]
    Unreadable { path: String, reason: String },
    #[error(
        "error: scenario file `{path}` is larger than {limit_mb} MB, the most a scenario file may be"
    )]
    TooLarge { path: String, limit_mb: u64 },
    #[error(
        "error: scenario file `{path}` is not valid UTF-8\n --> {path}:{line}:{column}\n  = help: save it as UTF-8 text"
    )]
    NotUtf8 {
        path: String,
        line: usize,
        column: usize,
    },
    /// A number of outer samples (docs/model.md 8) the run cannot have.
    #[error("error: {0}")]
    Outer(String),
    /// Errors found in the text or the overrides, as data.
    #[error("{}", .0.render())]
    Invalid(Box<Diagnostics>),
}
