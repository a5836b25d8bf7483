//! The library's errors: bad input (the caller's to fix; a command line
//! exits with status 2; defined by `input`), requests that do not fit the
//! scenario (also the caller's to fix) and failures of the machine.

pub use crate::input::error::InputError;

/// Any failure of a library call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] InputError),
    /// A request that does not fit the scenario or cannot be answered
    /// (e.g. a `solve` range or metric), the caller's to fix; a command
    /// line exits with status 2. The message is complete.
    #[error("{0}")]
    Request(String),
    /// The worker threads could not be started.
    #[error("error: cannot start worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}
