//! Errors of the client-credentials exchange.
//!
//! Configuration mistakes ([`ConfigError`]) are reported by builders before any request is made;
//! everything that can go wrong while talking to the token endpoint is an [`Error`].
//! No error message, `Debug` output or source ever contains the client secret, a client
//! assertion or an access token.

use std::time::{Duration, SystemTime};

use crate::limits::RateLimit;

/// A configuration value was rejected before any request was made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The Auth0 domain is not a bare host (or `host:port`).
    InvalidDomain {
        /// The rejected value.
        domain: String,
        /// What is wrong with it and how to fix it.
        reason: String,
    },
    /// The token URL is not a valid absolute URL.
    InvalidUrl {
        /// The rejected value.
        url: String,
        /// What is wrong with it and how to fix it.
        reason: String,
    },
    /// A plain `http://` URL was given without opting in to insecure HTTP.
    InsecureHttp {
        /// The rejected URL.
        url: String,
    },
    /// A required value is empty.
    Empty {
        /// The name of the empty value.
        field: &'static str,
    },
    /// A `private_key_jwt` assertion would be larger than the token endpoint accepts (Auth0:
    /// 2,048 bytes), so it is refused before it is sent.
    AssertionTooLarge {
        /// The size of the assertion.
        bytes: usize,
        /// The largest size accepted.
        limit: usize,
    },
    /// A value is present but unusable.
    Invalid {
        /// The name of the rejected value.
        field: &'static str,
        /// What is wrong with it and how to fix it.
        reason: String,
    },
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::InvalidDomain { domain, reason } => {
                write!(f, "invalid Auth0 domain {domain:?}: {reason}")
            }
            ConfigError::InvalidUrl { url, reason } => {
                write!(f, "invalid token URL {url:?}: {reason}")
            }
            ConfigError::InsecureHttp { url } => write!(
                f,
                "refusing plain HTTP token URL {url:?}: use https, or opt in with `allow_insecure_http(true)` for local testing only"
            ),
            ConfigError::Empty { field } => write!(f, "{field} must not be empty"),
            ConfigError::AssertionTooLarge { bytes, limit } => write!(
                f,
                "the client assertion would be {bytes} bytes, over Auth0's limit of {limit} bytes: use an RSA key of 2,048 to 4,096 bits, a shorter key id or a shorter client id"
            ),
            ConfigError::Invalid { field, reason } => write!(f, "invalid {field}: {reason}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// An OAuth 2.0 error answer (`{"error": …, "error_description": …}`) from the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthError {
    /// The HTTP status code.
    pub status: u16,
    /// The `error` code, e.g. `access_denied`, `too_many_requests`, `invalid_request`.
    pub error: String,
    /// The `error_description`, if any.
    pub error_description: Option<String>,
    /// Rate-limit headers sent with the answer.
    pub rate_limit: RateLimit,
}

impl OAuthError {
    /// Whether this is Auth0's "Client is not authorized to access … create a client-grant" answer.
    pub fn is_missing_client_grant(&self) -> bool {
        self.status == 403
            && self
                .error_description
                .as_deref()
                .is_some_and(|d| d.contains("client-grant"))
    }
}

/// An error while obtaining an access token.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The client configuration is invalid.
    Config(ConfigError),

    /// The token endpoint answered with an OAuth error body.
    OAuth(Box<OAuthError>),

    /// The token endpoint answered with a status and a body that is not an OAuth error
    /// (an HTML page from a proxy, say).
    UnexpectedStatus {
        /// The HTTP status code.
        status: u16,
        /// A short, secret-free excerpt of the body.
        excerpt: String,
        /// Rate-limit headers sent with the answer.
        rate_limit: Box<RateLimit>,
    },

    /// A successful (2xx) answer whose body is not a usable token response.
    InvalidResponse {
        /// What is wrong with the body (never the token itself).
        reason: String,
    },

    /// The response body exceeded the size cap.
    BodyTooLarge {
        /// The cap in bytes.
        limit: usize,
    },

    /// The request timed out (connect or total timeout).
    Timeout(Duration),

    /// No connection could be established (refused, unreachable, DNS failure): the request
    /// was never sent, so retrying it is always safe.
    Connect {
        /// A description of the failure, free of secrets.
        message: String,
        /// The underlying error.
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },

    /// The TLS handshake failed on the certificate or the TLS configuration (an untrusted
    /// issuer, a name mismatch, an expired certificate…). Not retryable: it is a
    /// configuration problem, and the message says how to trust a private CA.
    Tls {
        /// A description of the failure with the fix, free of secrets.
        message: String,
        /// The underlying error.
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },

    /// The request could not be sent or the answer could not be read after the connection
    /// was made (connection reset, a broken answer…); the request may have been processed.
    Transport {
        /// A description of the failure, free of secrets.
        message: String,
        /// The underlying error.
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Config(e) => std::fmt::Display::fmt(e, f),
            Error::OAuth(e) => f.write_str(&oauth_message(e)),
            Error::UnexpectedStatus {
                status, excerpt, ..
            } => write!(
                f,
                "token endpoint answered HTTP {status} with an unexpected body: {excerpt}"
            ),
            Error::InvalidResponse { reason } => write!(f, "invalid token response: {reason}"),
            Error::BodyTooLarge { limit } => write!(
                f,
                "token endpoint response exceeds {limit} bytes; refusing to read it"
            ),
            Error::Timeout(after) => write!(f, "token request timed out after {after:?}"),
            Error::Connect { message, .. } => write!(f, "could not connect: {message}"),
            Error::Tls { message, .. } => write!(f, "TLS failure: {message}"),
            Error::Transport { message, .. } => write!(f, "request failed: {message}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The configuration error stands for this one: its source is this one's.
            Error::Config(e) => e.source(),
            Error::Connect { source, .. }
            | Error::Tls { source, .. }
            | Error::Transport { source, .. } => source.as_deref().map(|e| e as _),
            _ => None,
        }
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

fn oauth_message(e: &OAuthError) -> String {
    let mut msg = format!("token endpoint answered HTTP {}: {}", e.status, e.error);
    if let Some(d) = &e.error_description {
        msg.push_str(": ");
        msg.push_str(d);
    }
    if e.is_missing_client_grant() {
        msg.push_str(
            " (fix: in the Auth0 dashboard, open Applications > APIs > the API for this audience > \
             Machine to Machine Applications, and authorize this client with the scopes it needs)",
        );
    } else if e.status == 401 {
        msg.push_str(" (check the client id and the client secret or private key)");
    }
    msg
}

impl Error {
    /// Builds a transport error from a message and an optional source.
    pub fn transport(
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Error::Transport {
            message: message.into(),
            source,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::OAuth(e) => Some(e.status),
            Error::UnexpectedStatus { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Rate-limit information of the answer, when there was one.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        match self {
            Error::OAuth(e) => Some(&e.rate_limit),
            Error::UnexpectedStatus { rate_limit, .. } => Some(rate_limit),
            _ => None,
        }
    }

    /// Whether retrying the same request later may succeed: timeouts, transport failures,
    /// HTTP 429 and 5xx. Configuration errors, other 4xx answers and invalid responses are final.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Timeout(_) | Error::Transport { .. } | Error::Connect { .. } => true,
            Error::Tls { .. } => false,
            Error::OAuth(_) | Error::UnexpectedStatus { .. } => {
                matches!(self.status(), Some(429) | Some(500..=599))
            }
            Error::Config(_) | Error::InvalidResponse { .. } | Error::BodyTooLarge { .. } => false,
        }
    }

    /// How long the server asked to wait before retrying, by the rule of
    /// [`RateLimit::server_wait`]: `Retry-After` for 429 and 503, else `X-RateLimit-Reset` for
    /// 429 only, relative to now.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after_at(SystemTime::now())
    }

    /// [`retry_after`](Self::retry_after) relative to `now`.
    pub fn retry_after_at(&self, now: SystemTime) -> Option<Duration> {
        let status = self.status()?;
        self.rate_limit()?.server_wait(status, now)
    }
}
