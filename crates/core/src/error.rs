//! The library's errors: bad input (the caller's to fix; a command line
//! exits with status 2; defined by `input`) and failures of the machine.

pub use crate::input::error::InputError;

/// Any failure of a library call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] InputError),
    /// The worker threads could not be started.
    #[error("error: cannot start worker threads: {0}")]
    Threads(#[from] rayon::ThreadPoolBuildError),
}
