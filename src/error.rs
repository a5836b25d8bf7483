//! The two kinds of failure the command line tells apart: the user's input
//! (exit status 2) and anything else (exit status 1).

use guarantee_sim_core::error::InputError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Scenario files that cannot be used, each rendered with file, line
    /// and column.
    #[error("{}", render_inputs(.0))]
    Input(Vec<InputError>),
    /// A flag whose value cannot be used (the message is complete).
    #[error("{0}")]
    Usage(String),
    #[error("error: {0:#}")]
    Other(#[from] anyhow::Error),
}

fn render_inputs(errors: &[InputError]) -> String {
    let texts: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    texts.join("\n")
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Self {
        Error::Input(vec![e])
    }
}

impl From<guarantee_sim_core::error::Error> for Error {
    fn from(e: guarantee_sim_core::error::Error) -> Self {
        match e {
            guarantee_sim_core::error::Error::Input(e) => e.into(),
            guarantee_sim_core::error::Error::Request(message) => Error::Usage(message),
            other => Error::Other(other.into()),
        }
    }
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) | Error::Usage(_) => 2,
            Error::Other(_) => 1,
        }
    }
}
