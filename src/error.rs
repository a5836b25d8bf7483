//! The two kinds of failure the command line distinguishes (MODEL.md 5).

/// An error of the user's input (bad scenario, bad flag value, missing file):
/// exit status 2. The message is fully rendered (file, line, column, snippet).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Input(#[from] InputError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) => 2,
            Error::Other(_) => 1,
        }
    }
}
