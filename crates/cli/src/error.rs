//! The command's errors and their exit statuses.

use std::fmt;

/// Exit status of a Management API or token failure.
pub(crate) const EXIT_FAILURE: u8 = 1;
/// Exit status of a usage or configuration error.
pub(crate) const EXIT_USAGE: u8 = 2;

/// Why a command failed; the message never contains a secret.
#[derive(Debug)]
pub(crate) enum CliError {
    /// Bad arguments, configuration or input (exit status 2).
    Usage(String),
    /// The Management API, the token endpoint or the system failed (exit status 1).
    Failure(String),
}

impl CliError {
    /// A usage or configuration error.
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::Usage(message.into())
    }

    /// A runtime failure.
    pub(crate) fn failure(message: impl Into<String>) -> Self {
        Self::Failure(message.into())
    }

    /// The process exit status for this error.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => EXIT_USAGE,
            Self::Failure(_) => EXIT_FAILURE,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(m) | Self::Failure(m) => f.write_str(m),
        }
    }
}

impl From<auth0_m2m::ConfigError> for CliError {
    fn from(e: auth0_m2m::ConfigError) -> Self {
        Self::Usage(e.to_string())
    }
}

impl From<auth0_m2m::Error> for CliError {
    fn from(e: auth0_m2m::Error) -> Self {
        match e {
            // A path or a body the client refused before sending is the caller's mistake.
            auth0_m2m::Error::InvalidPath { .. }
            | auth0_m2m::Error::InvalidOptions { .. }
            | auth0_m2m::Error::Request(_) => Self::Usage(e.to_string()),
            _ => Self::Failure(e.to_string()),
        }
    }
}
