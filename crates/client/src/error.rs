//! Errors of the Management API client.
//!
//! Configuration mistakes ([`ConfigError`]) are reported by
//! [`ManagementClientBuilder::build`](crate::ManagementClientBuilder::build) before any request
//! is made; everything that can go wrong while calling the Management API is an [`Error`].
//! No error message, `Debug` output or source ever contains the client secret or an access
//! token.

use std::fmt;
use std::time::{Duration, SystemTime};

use auth0_m2m_cache::ProviderError;
use auth0_m2m_management::ApiErrorBody;
use auth0_m2m_token::RateLimit;
use http::Method;

use crate::response::ResponseMeta;

/// The longest excerpt of a non-JSON error body kept in an [`ApiError`]: 300 characters.
pub const ERROR_EXCERPT_CHARS: usize = 300;

/// A configuration value was rejected by
/// [`ManagementClientBuilder::build`](crate::ManagementClientBuilder::build).
///
/// `Debug` is short and reads like `Display`, so that `main` returning this error prints
/// something a person can act on: `ConfigError { kind: MissingCredentials, message: "no client
/// credentials: …" }`.
#[non_exhaustive]
pub enum ConfigError {
    /// The token client configuration was rejected (domain, token URL, credentials, audience,
    /// scopes, certificates, timeouts).
    Token(auth0_m2m_token::ConfigError),
    /// The token provider configuration was rejected (cache key prefix, refresh policy).
    Provider(ProviderError),
    /// The shared token cache could not be set up (file directory, Redis URL).
    Cache(auth0_m2m_cache::CacheError),
    /// Neither client credentials nor a token provider were given.
    MissingCredentials,
    /// A plain `http://` base URL was given without opting in to insecure HTTP.
    InsecureHttp {
        /// The rejected URL.
        url: String,
    },
    /// The custom domain given to
    /// [`with_custom_domain`](crate::ManagementClientBuilder::with_custom_domain) (or
    /// `AUTH0_CUSTOM_DOMAIN`) is not a host name.
    InvalidCustomDomain {
        /// The rejected value.
        domain: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A value is present but unusable.
    Invalid {
        /// The name of the rejected value.
        field: &'static str,
        /// What is wrong with it and how to fix it.
        reason: String,
    },
}

impl ConfigError {
    /// The name of the variant, for `Debug`.
    fn variant(&self) -> &'static str {
        match self {
            ConfigError::Token(_) => "Token",
            ConfigError::Provider(_) => "Provider",
            ConfigError::Cache(_) => "Cache",
            ConfigError::MissingCredentials => "MissingCredentials",
            ConfigError::InsecureHttp { .. } => "InsecureHttp",
            ConfigError::InvalidCustomDomain { .. } => "InvalidCustomDomain",
            ConfigError::Invalid { .. } => "Invalid",
        }
    }
}

impl fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigError")
            .field("kind", &format_args!("{}", self.variant()))
            .field("message", &self.to_string())
            .finish()
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Token(e) => fmt::Display::fmt(e, f),
            ConfigError::Provider(e) => write!(f, "invalid token provider configuration: {e}"),
            ConfigError::Cache(e) => write!(f, "the token cache could not be set up: {e}"),
            ConfigError::MissingCredentials => f.write_str(
                "no client credentials: call `with_client_secret(client_id, secret)` (or \
                 `with_client_auth`) on the builder, or build from a token provider",
            ),
            ConfigError::InsecureHttp { url } => write!(
                f,
                "refusing plain HTTP base URL {url:?}: use https, or opt in with \
                 `allow_insecure_http(true)` for local testing only"
            ),
            ConfigError::InvalidCustomDomain { domain, reason } => write!(
                f,
                "invalid custom domain {domain:?}: {reason}; give the host name alone, such as \
                 `login.example.com`"
            ),
            ConfigError::Invalid { field, reason } => write!(f, "invalid {field}: {reason}"),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            // The token crate's error stands for this one: its source is this one's.
            ConfigError::Token(e) => e.source(),
            ConfigError::Provider(e) => Some(e),
            ConfigError::Cache(e) => Some(e),
            _ => None,
        }
    }
}

impl From<auth0_m2m_token::ConfigError> for ConfigError {
    fn from(e: auth0_m2m_token::ConfigError) -> Self {
        ConfigError::Token(e)
    }
}

/// A non-2xx answer of the Management API.
///
/// `Debug` is short: the method, path, status, Auth0's `errorCode` and `message` (or the
/// excerpt of a body that is not an error body) and the request id; every header, the rate
/// limit and the quotas stay in [`meta`](Self::meta) and [`rate_limit`](Self::rate_limit).
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// The HTTP method of the request.
    pub method: Method,
    /// The request path (percent-encoded, without the query string).
    pub path: String,
    /// The HTTP status code.
    pub status: u16,
    /// The Management API error body (`{"statusCode", "error", "message", "errorCode"}`), when
    /// the answer carried one.
    pub body: Option<ApiErrorBody>,
    /// A short excerpt of a body that is not a Management API error (an HTML page from a
    /// proxy, say); `None` when [`body`](Self::body) is set or the body was empty.
    pub excerpt: Option<String>,
    /// Rate-limit headers sent with the answer.
    pub rate_limit: RateLimit,
    /// The request id (`x-request-id` or `x-auth0-requestid`), when the server sent one.
    pub request_id: Option<String>,
    /// The answer's metadata: every header, the rate limit and the quotas.
    pub meta: ResponseMeta,
    /// The scopes this client asked for with
    /// [`with_scopes`](crate::ManagementClientBuilder::with_scopes), when it narrowed them
    /// (`None`: it asked for every scope its grant allows).
    pub requested_scopes: Option<Vec<String>>,
}

impl ApiError {
    /// The machine-readable `errorCode` of the body, e.g. `inexistent_user` or
    /// `insufficient_scope`.
    pub fn error_code(&self) -> Option<&str> {
        self.body.as_ref().and_then(|b| b.error_code.as_deref())
    }

    /// The human-readable `message` of the body.
    pub fn message(&self) -> Option<&str> {
        self.body.as_ref().and_then(|b| b.message.as_deref())
    }

    /// The scopes an `insufficient_scope` answer says the call needs (Auth0's message reads
    /// "Insufficient scope, expected any of: read:users,read:user_idp_tokens"); empty for
    /// other answers or when the message names none.
    pub fn missing_scopes(&self) -> Vec<String> {
        if self.error_code() != Some("insufficient_scope") {
            return Vec::new();
        }
        let Some(message) = self.message() else {
            return Vec::new();
        };
        let lower = message.to_ascii_lowercase();
        ["expected any of:", "expected all of:", "expected:"]
            .iter()
            .find_map(|marker| lower.find(marker).map(|i| &message[i + marker.len()..]))
            .map(|list| {
                list.split([',', ' '])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(crate) fn from_response(
        method: Method,
        path: String,
        meta: ResponseMeta,
        body: &[u8],
        token: &str,
    ) -> Self {
        let parsed = ApiErrorBody::parse(body);
        let excerpt = match &parsed {
            Some(_) => None,
            None if body.iter().all(u8::is_ascii_whitespace) => None,
            None => Some(excerpt(body, token)),
        };
        // Every text the server sent back is scrubbed of the token: the message, the error,
        // and whatever else the body holds.
        let parsed = parsed.map(|mut b| {
            b.message = b.message.map(|m| scrub(&m, token));
            b.error = b.error.map(|e| scrub(&e, token));
            b.error_code = b.error_code.map(|c| scrub(&c, token));
            for value in b.extra.values_mut() {
                scrub_json(value, token);
            }
            b
        });
        ApiError {
            method,
            path,
            status: meta.status(),
            body: parsed,
            excerpt,
            rate_limit: meta.rate_limit().clone(),
            request_id: meta.request_id().map(str::to_owned),
            meta,
            requested_scopes: None,
        }
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ApiError");
        d.field("method", &format_args!("{}", self.method))
            .field("path", &self.path)
            .field("status", &self.status);
        if let Some(code) = self.error_code() {
            d.field("error_code", &code);
        }
        if let Some(message) = self.message() {
            d.field("message", &message);
        } else if let Some(excerpt) = &self.excerpt {
            d.field("excerpt", excerpt);
        }
        if let Some(id) = &self.request_id {
            d.field("request_id", id);
        }
        d.finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Management API answered {} {} with HTTP {}",
            self.method, self.path, self.status
        )?;
        if let Some(body) = &self.body {
            write!(f, ": {body}")?;
        } else if let Some(excerpt) = &self.excerpt {
            write!(f, ": {excerpt}")?;
        }
        if self.error_code() == Some("insufficient_scope") {
            let missing = self.missing_scopes();
            let narrowed_without = self.requested_scopes.as_ref().filter(|requested| {
                missing.is_empty() || !missing.iter().any(|m| requested.contains(m))
            });
            match narrowed_without {
                Some(requested) => write!(
                    f,
                    " (this client narrowed its token to the scopes [{}] with `with_scopes`; \
                     add {} there, and make sure the application's grant includes it)",
                    requested.join(" "),
                    if missing.is_empty() {
                        "the scope this call needs".to_owned()
                    } else {
                        missing.join(" or ")
                    }
                )?,
                None => f.write_str(
                    " (grant the missing scope to this application in the Auth0 dashboard: \
                     Applications > APIs > Auth0 Management API > Machine to Machine Applications)",
                )?,
            }
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// An error while calling the Management API.
///
/// `Debug` is short and says what `Display` says, so that a `main` returning
/// `Result<(), Box<dyn std::error::Error>>` prints a readable line:
/// `Error { kind: NotFound { error_code: Some("inexistent_user") }, status: 404, message:
/// "Management API answered GET … with HTTP 404: …", request_id: "…" }` (the status and the
/// request id only when there was an answer). Match on the variants, or on
/// [`kind`](Self::kind), for the details.
#[non_exhaustive]
pub enum Error {
    /// The Management API answered with a non-2xx status.
    Api(Box<ApiError>),
    /// No access token could be obtained.
    Token(ProviderError),
    /// The request could not be described (a body that does not serialize, an unsupported
    /// pagination style, a page size out of range).
    Request(auth0_m2m_management::Error),
    /// A raw request path does not start with `/api/v2/` or is not a valid path.
    InvalidPath {
        /// The rejected path.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The request uses a feature this client does not support (a new kind of body).
    Unsupported(&'static str),
    /// A successful answer whose body does not deserialize into the response type.
    Decode {
        /// The HTTP method of the request.
        method: Method,
        /// The request path.
        path: String,
        /// The HTTP status code.
        status: u16,
        /// The deserialization error.
        source: auth0_m2m_management::Error,
        /// The answer's metadata.
        meta: Box<ResponseMeta>,
    },
    /// A per-call option was rejected ([`CallOptions`](crate::CallOptions)); nothing was sent.
    InvalidOptions {
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// A paging walk did not end: a checkpoint cursor came back that had been seen before,
    /// or an offset walk went on far past Auth0's 1,000-result window (pages that are always
    /// full with no `total`). The items streamed so far were real; the rest is unknown.
    Pagination {
        /// The list's path.
        path: String,
        /// What was seen.
        reason: String,
    },
    /// The TLS handshake failed on the server's certificate or the TLS configuration (an
    /// untrusted CA, a name mismatch). Not retryable: the message says how to trust a
    /// private CA.
    Tls {
        /// The HTTP method of the request.
        method: Method,
        /// The request path.
        path: String,
        /// What failed and how to fix it.
        message: String,
    },
    /// The answer's body exceeded the size cap.
    BodyTooLarge {
        /// The HTTP method of the request.
        method: Method,
        /// The request path.
        path: String,
        /// The cap in bytes.
        limit: usize,
    },
    /// An attempt of the request outlasted its per-attempt timeout
    /// ([`CallOptions::timeout`](crate::CallOptions::timeout) or
    /// [`with_timeout`](crate::ManagementClientBuilder::with_timeout)), and the retries, if
    /// any, did too. A call that ran out of its whole-call deadline is
    /// [`Error::DeadlineExceeded`] instead.
    Timeout {
        /// The HTTP method of the request.
        method: Method,
        /// The request path.
        path: String,
        /// The per-attempt timeout that ran out, when known.
        timeout: Option<Duration>,
    },
    /// The call ran out of its deadline ([`CallOptions::deadline`](crate::CallOptions::deadline)
    /// or [`with_deadline`](crate::ManagementClientBuilder::with_deadline)), the limit on the
    /// whole call: token fetch, every attempt and every wait between attempts. The token
    /// fetch or the attempt under way when it ran out was abandoned.
    DeadlineExceeded {
        /// The HTTP method of the request.
        method: Method,
        /// The request path.
        path: String,
        /// The deadline that ran out.
        deadline: Duration,
        /// The attempts sent before it ran out, the abandoned one included (0: the token
        /// fetch took the whole deadline).
        attempts: u32,
    },
    /// Auth0 could not build an action (its `status` is `failed`), found by
    /// `client.actions().wait_until_built(id)` (feature `actions`).
    /// Fix the action's code or dependencies and update it; it cannot be deployed as it is.
    ActionBuildFailed {
        /// The action's id.
        id: String,
        /// The status Auth0 reported (`failed`).
        status: String,
        /// The build errors Auth0 sent, as received (each usually `{"id", "msg", "url"}`);
        /// empty when it sent none. At most 20 are kept.
        errors: Vec<serde_json::Value>,
    },
    /// The rate budget had no slot for the call within its timeout, so it was not sent
    /// (see [`RateBudget`](crate::RateBudget)). `kind()` is
    /// [`ErrorKind::RateLimited`] with this `retry_after`.
    RateBudget {
        /// The HTTP method of the request.
        method: Method,
        /// The request path.
        path: String,
        /// The bucket that had no slot (`tenant`, or an endpoint class such as `read-users`).
        bucket: &'static str,
        /// How long until a slot may be free.
        retry_after: Duration,
    },
    /// The request could not be sent or the answer could not be read (connection refused,
    /// TLS failure, connection reset…).
    Transport {
        /// The HTTP method of the request.
        method: Method,
        /// The request path.
        path: String,
        /// A description of the failure, free of secrets.
        message: String,
        /// The underlying error.
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => fmt::Display::fmt(e, f),
            Error::Token(e) => {
                write!(f, "could not obtain a Management API access token: {e}")
            }
            Error::Request(e) => write!(f, "invalid request: {e}"),
            Error::InvalidPath { path, reason } => {
                write!(f, "invalid Management API path {path:?}: {reason}")
            }
            Error::Unsupported(what) => write!(f, "unsupported request: {what}"),
            Error::Decode {
                method,
                path,
                status,
                source,
                ..
            } => write!(
                f,
                "could not read the answer of {method} {path} (HTTP {status}): {source}"
            ),
            Error::InvalidOptions { reason } => write!(f, "invalid call options: {reason}"),
            Error::Pagination { path, reason } => {
                write!(f, "paging {path} does not end: {reason}")
            }
            Error::Tls {
                method,
                path,
                message,
            }
            | Error::Transport {
                method,
                path,
                message,
                ..
            } => write!(f, "{method} {path} failed: {message}"),
            Error::BodyTooLarge {
                method,
                path,
                limit,
            } => write!(
                f,
                "the answer of {method} {path} exceeds {limit} bytes; refusing to read it"
            ),
            Error::Timeout {
                method,
                path,
                timeout,
            } => {
                write!(f, "{method} {path} timed out")?;
                match timeout {
                    Some(t) => write!(f, " (per-attempt timeout of {t:?})"),
                    None => Ok(()),
                }
            }
            Error::DeadlineExceeded {
                method,
                path,
                deadline,
                attempts,
            } => write!(
                f,
                "{method} {path} did not complete within its deadline of {deadline:?} ({attempts} {} sent)",
                if *attempts == 1 {
                    "attempt"
                } else {
                    "attempts"
                }
            ),
            Error::ActionBuildFailed { id, status, errors } => write!(
                f,
                "the build of action {id} failed (status {status}){}",
                describe_build_errors(errors)
            ),
            Error::RateBudget {
                method,
                path,
                bucket,
                retry_after,
            } => write!(
                f,
                "{method} {path} was not sent: the rate budget's {bucket} bucket has no slot within \
                 the call's timeout (retry after {retry_after:?})"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Token(e) => Some(e),
            Error::Request(e) | Error::Decode { source: e, .. } => Some(e),
            Error::Transport { source, .. } => source.as_deref().map(|e| e as _),
            _ => None,
        }
    }
}

/// What kind of failure an [`Error`] is, for a `match` that needs no status codes or string
/// compares; from [`Error::kind`].
///
/// ```no_run
/// # async fn run(client: auth0_m2m::ManagementClient) {
/// use auth0_m2m::ErrorKind;
/// match client.users().get("auth0|123").await {
///     Ok(user) => println!("{}", user.user_id()),
///     Err(e) => match e.kind() {
///         ErrorKind::NotFound { .. } => println!("no such user"),
///         ErrorKind::RateLimited { retry_after } => println!("slow down: {retry_after:?}"),
///         ErrorKind::InsufficientScope { missing } => println!("grant {missing:?}"),
///         ErrorKind::Token { .. } => println!("no token: {e}"),
///         ErrorKind::DeadlineExceeded => println!("out of time: {e}"),
///         _ => println!("failed: {e}"),
///     },
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// HTTP 404: the resource does not exist (`errorCode` such as `inexistent_user`).
    NotFound {
        /// Auth0's `errorCode`, when it sent one.
        error_code: Option<String>,
    },
    /// HTTP 409: the resource exists already, or conflicts with another.
    Conflict {
        /// Auth0's `errorCode`, when it sent one.
        error_code: Option<String>,
    },
    /// HTTP 400: the request was refused as invalid (a bad query, an unknown field…).
    BadRequest {
        /// Auth0's `errorCode`, when it sent one.
        error_code: Option<String>,
    },
    /// HTTP 401 after the client already retried with a fresh token.
    Unauthorized,
    /// HTTP 403 `insufficient_scope`: the token lacks a scope the call needs.
    InsufficientScope {
        /// The scopes Auth0 says the call needs, when it said (any one of them is enough).
        missing: Vec<String>,
    },
    /// HTTP 403 for another reason.
    Forbidden {
        /// Auth0's `errorCode`, when it sent one.
        error_code: Option<String>,
    },
    /// HTTP 429 that outlasted the retries, or asked for a longer wait than the policy allows.
    RateLimited {
        /// How long Auth0 asked to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// HTTP 5xx that outlasted the retries (or of a call that cannot be retried).
    Server {
        /// The status.
        status: u16,
    },
    /// Another non-2xx answer.
    OtherStatus {
        /// The status.
        status: u16,
    },
    /// No access token could be obtained (bad credentials, a missing grant, the token
    /// endpoint down…).
    Token {
        /// Whether waiting may help (a timeout, a 5xx, a 429), as opposed to a configuration
        /// that must be fixed.
        retryable: bool,
    },
    /// The request could not be sent or its answer read (connection refused, reset…).
    Transport,
    /// An attempt outlasted its per-attempt timeout ([`Error::Timeout`]).
    Timeout,
    /// The call outlasted its whole-call deadline ([`Error::DeadlineExceeded`]).
    DeadlineExceeded,
    /// The server's certificate was not trusted, or TLS is misconfigured: a configuration
    /// problem, not retried.
    Tls,
    /// A 2xx answer whose body is not the expected type, or a body over the size cap.
    Decode,
    /// The call was refused before it was sent: an invalid path, an empty id, bad per-call
    /// options, a page size or style the endpoint does not accept.
    Config,
    /// A paging walk that could not end.
    Pagination,
    /// An action whose build failed ([`Error::ActionBuildFailed`]).
    ActionBuildFailed,
}

impl Error {
    /// What kind of failure this is. See [`ErrorKind`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Api(e) => {
                let error_code = e.error_code().map(str::to_owned);
                match e.status {
                    400 => ErrorKind::BadRequest { error_code },
                    401 => ErrorKind::Unauthorized,
                    403 if e.error_code() == Some("insufficient_scope") => {
                        ErrorKind::InsufficientScope {
                            missing: e.missing_scopes(),
                        }
                    }
                    403 => ErrorKind::Forbidden { error_code },
                    404 => ErrorKind::NotFound { error_code },
                    409 => ErrorKind::Conflict { error_code },
                    429 => ErrorKind::RateLimited {
                        retry_after: self.retry_after(),
                    },
                    status @ 500..=599 => ErrorKind::Server { status },
                    status => ErrorKind::OtherStatus { status },
                }
            }
            Error::Token(e) => ErrorKind::Token {
                retryable: e.is_retryable(),
            },
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::DeadlineExceeded { .. } => ErrorKind::DeadlineExceeded,
            Error::RateBudget { retry_after, .. } => ErrorKind::RateLimited {
                retry_after: Some(*retry_after),
            },
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Tls { .. } => ErrorKind::Tls,
            Error::Decode { .. } | Error::BodyTooLarge { .. } => ErrorKind::Decode,
            Error::Pagination { .. } => ErrorKind::Pagination,
            Error::ActionBuildFailed { .. } => ErrorKind::ActionBuildFailed,
            Error::Request(_)
            | Error::InvalidPath { .. }
            | Error::InvalidOptions { .. }
            | Error::Unsupported(_) => ErrorKind::Config,
        }
    }

    /// Whether this is a 404 answer.
    pub fn is_not_found(&self) -> bool {
        matches!(self.kind(), ErrorKind::NotFound { .. })
    }

    /// Whether this is a 409 answer.
    pub fn is_conflict(&self) -> bool {
        matches!(self.kind(), ErrorKind::Conflict { .. })
    }

    /// Whether this is a 429 answer.
    pub fn is_rate_limited(&self) -> bool {
        matches!(self.kind(), ErrorKind::RateLimited { .. })
    }

    /// Whether this is a 403 `insufficient_scope` answer.
    pub fn is_insufficient_scope(&self) -> bool {
        matches!(self.kind(), ErrorKind::InsufficientScope { .. })
    }

    /// Whether no access token could be obtained.
    pub fn is_token(&self) -> bool {
        matches!(self, Error::Token(_))
    }

    /// Whether an attempt outlasted its per-attempt timeout ([`Error::Timeout`]); `false` for
    /// a call that ran out of its deadline (see
    /// [`is_deadline_exceeded`](Self::is_deadline_exceeded)).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Whether the call ran out of its whole-call deadline ([`Error::DeadlineExceeded`]).
    pub fn is_deadline_exceeded(&self) -> bool {
        matches!(self, Error::DeadlineExceeded { .. })
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } => Some(*status),
            Error::Token(ProviderError::Fetch(e)) => e.status(),
            _ => None,
        }
    }

    /// The Management API error answer, when this is one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The Management API error body, when the answer carried one.
    pub fn api_error_body(&self) -> Option<&ApiErrorBody> {
        self.api_error().and_then(|e| e.body.as_ref())
    }

    /// The rate-limit headers of the answer, when there was one.
    pub fn rate_limit(&self) -> Option<&RateLimit> {
        match self {
            Error::Api(e) => Some(&e.rate_limit),
            Error::Decode { meta, .. } => Some(meta.rate_limit()),
            Error::Token(ProviderError::Fetch(e)) => e.rate_limit(),
            _ => None,
        }
    }

    /// The request id of the answer, when the server sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.response_meta().and_then(ResponseMeta::request_id)
    }

    /// The metadata (status, headers, rate limit, quotas) of the Management API answer that
    /// caused this error, when there was one.
    pub fn response_meta(&self) -> Option<&ResponseMeta> {
        match self {
            Error::Api(e) => Some(&e.meta),
            Error::Decode { meta, .. } => Some(meta),
            _ => None,
        }
    }

    /// Whether sending the same request later may succeed: timeouts, transport failures,
    /// HTTP 429 and 5xx answers, and transient token failures. Note that the client has
    /// already retried what it safely could before returning the error.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.status == 429 || (500..=599).contains(&e.status),
            Error::Token(e) => e.is_retryable(),
            Error::Timeout { .. }
            | Error::DeadlineExceeded { .. }
            | Error::Transport { .. }
            | Error::RateBudget { .. } => true,
            Error::Request(_)
            | Error::InvalidOptions { .. }
            | Error::Pagination { .. }
            | Error::ActionBuildFailed { .. }
            | Error::Tls { .. }
            | Error::InvalidPath { .. }
            | Error::Unsupported(_)
            | Error::Decode { .. }
            | Error::BodyTooLarge { .. } => false,
        }
    }

    /// How long the server asked to wait before retrying, by the rule of
    /// [`RateLimit::server_wait`]: `Retry-After` for 429 and 503, `X-RateLimit-Reset` for 429
    /// only (Auth0 sends it on every answer), relative to now.
    pub fn retry_after(&self) -> Option<Duration> {
        if let Error::RateBudget { retry_after, .. } = self {
            return Some(*retry_after);
        }
        let status = self.status()?;
        self.rate_limit()?.server_wait(status, SystemTime::now())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind());
        if let Some(status) = self.status() {
            d.field("status", &status);
        }
        d.field("message", &self.to_string());
        if let Some(id) = self.request_id() {
            d.field("request_id", &id);
        }
        d.finish()
    }
}

impl From<ProviderError> for Error {
    fn from(e: ProviderError) -> Self {
        Error::Token(e)
    }
}

impl From<auth0_m2m_management::Error> for Error {
    /// A request that could not be described (page sizes, pagination styles, bodies).
    fn from(e: auth0_m2m_management::Error) -> Self {
        Error::Request(e)
    }
}

/// The messages of an action's build errors for a `Display`: `: first; second`, each the
/// error's `msg` (else its JSON) cut to 300 characters; empty without errors.
fn describe_build_errors(errors: &[serde_json::Value]) -> String {
    let messages: Vec<String> = errors
        .iter()
        .map(|e| {
            let text = match e.get("msg").and_then(serde_json::Value::as_str) {
                Some(msg) => msg.to_owned(),
                None => e.to_string(),
            };
            let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
            match one_line.char_indices().nth(ERROR_EXCERPT_CHARS) {
                Some((cut, _)) => format!("{}…", &one_line[..cut]),
                None => one_line,
            }
        })
        .collect();
    if messages.is_empty() {
        String::new()
    } else {
        format!(": {}", messages.join("; "))
    }
}

/// Removes the access token from a text that came back from the server.
fn scrub(text: &str, token: &str) -> String {
    if token.is_empty() {
        text.to_owned()
    } else {
        text.replace(token, "[REDACTED]")
    }
}

/// Removes the access token from every string of a JSON value.
fn scrub_json(value: &mut serde_json::Value, token: &str) {
    match value {
        serde_json::Value::String(s) => *s = scrub(s, token),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| scrub_json(v, token)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| scrub_json(v, token)),
        _ => {}
    }
}

/// A single-line excerpt of a body that is not a Management API error, without the token.
fn excerpt(body: &[u8], token: &str) -> String {
    auth0_m2m_token::body_excerpt(body, &[token], ERROR_EXCERPT_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderMap;

    fn meta(status: u16, h: HeaderMap) -> ResponseMeta {
        ResponseMeta::from_parts(status, h, SystemTime::now())
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header value"));
        }
        h
    }

    #[test]
    fn api_error_keeps_body_headers_and_request_id() {
        let h = headers(&[
            ("x-ratelimit-limit", "50"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000060"),
            ("retry-after", "3"),
            ("x-auth0-requestid", "req-1"),
        ]);
        let e = ApiError::from_response(
            Method::GET,
            "/api/v2/users/x".into(),
            meta(429, h),
            br#"{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}"#,
            "tok",
        );
        assert_eq!(e.error_code(), Some("too_many_requests"));
        assert_eq!(e.rate_limit.limit, Some(50));
        assert_eq!(e.rate_limit.remaining, Some(0));
        assert_eq!(e.rate_limit.retry_after, Some(Duration::from_secs(3)));
        assert_eq!(e.request_id.as_deref(), Some("req-1"));
        let text = e.to_string();
        assert!(text.contains("HTTP 429"), "{text}");
        assert!(text.contains("request id req-1"), "{text}");
        let err = Error::Api(Box::new(e));
        assert!(err.is_retryable());
        assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
    }

    #[test]
    fn non_json_body_is_an_excerpt_without_the_token() {
        let body = format!("<html>bad gateway {}{}</html>", "tok-123", "x".repeat(400));
        let e = ApiError::from_response(
            Method::POST,
            "/api/v2/clients".into(),
            meta(502, HeaderMap::new()),
            body.as_bytes(),
            "tok-123",
        );
        assert!(e.body.is_none());
        let ex = e.excerpt.as_deref().expect("excerpt");
        assert!(!ex.contains("tok-123"));
        assert!(ex.contains("[REDACTED]"));
        assert!(ex.chars().count() <= ERROR_EXCERPT_CHARS + 1);
        assert!(e.request_id.is_none());
    }

    #[test]
    fn retry_after_http_date_and_classification() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let date = httpdate::fmt_http_date(now + Duration::from_secs(7));
        let r = RateLimit::from_headers(&headers(&[("retry-after", &date)]), now);
        assert_eq!(r.retry_after, Some(Duration::from_secs(7)));
        let e = Error::Api(Box::new(ApiError::from_response(
            Method::GET,
            "/api/v2/x".into(),
            meta(404, HeaderMap::new()),
            b"",
            "",
        )));
        assert!(!e.is_retryable());
        assert_eq!(e.status(), Some(404));
        assert!(e.api_error_body().is_none());
    }

    #[test]
    fn the_token_is_scrubbed_from_every_field_of_an_error_body() {
        let token = "eyJ.the-access-token.sig";
        let body = format!(
            r#"{{"statusCode":401,"error":"Bad token {token}","message":"Invalid token {token}","errorCode":"x","attributes":{{"sent":"{token}","list":["{token}"]}}}}"#
        );
        let e = ApiError::from_response(
            Method::GET,
            "/api/v2/clients".into(),
            meta(401, HeaderMap::new()),
            body.as_bytes(),
            token,
        );
        let printed = format!("{e} {e:?}");
        assert!(!printed.contains("the-access-token"), "{printed}");
        let b = e.body.as_ref().unwrap();
        assert_eq!(b.error.as_deref(), Some("Bad token [REDACTED]"));
        assert_eq!(b.extra["attributes"]["list"][0], "[REDACTED]");
    }

    #[test]
    fn debug_is_short_and_says_what_display_says_without_secrets() {
        let token = "eyJ.the-access-token.sig";
        let h = headers(&[
            ("x-request-id", "req-42"),
            ("x-ratelimit-limit", "50"),
            ("x-ratelimit-remaining", "49"),
            ("x-ratelimit-reset", "1700000060"),
            ("auth0-client-quota-limit", "b=per_hour;q=10;r=7;t=3540"),
            (
                "set-cookie",
                "did=s%3Av0%3Along-cookie-value-that-should-not-be-printed",
            ),
        ]);
        let body = format!(
            r#"{{"statusCode":404,"error":"Not Found","message":"The user does not exist (sent {token}).","errorCode":"inexistent_user"}}"#
        );
        let api = ApiError::from_response(
            Method::GET,
            "/api/v2/users/auth0%7C1".into(),
            meta(404, h),
            body.as_bytes(),
            token,
        );
        let api_debug = format!("{api:?}");
        assert!(
            api_debug.len() <= 300,
            "{} chars: {api_debug}",
            api_debug.len()
        );
        assert!(api_debug.contains("status: 404"), "{api_debug}");
        assert!(api_debug.contains("inexistent_user"), "{api_debug}");
        assert!(api_debug.contains("req-42"), "{api_debug}");
        assert!(!api_debug.contains("long-cookie-value"), "{api_debug}");

        let e = Error::Api(Box::new(api));
        let debug = format!("{e:?}");
        assert!(debug.len() <= 400, "{} chars: {debug}", debug.len());
        assert!(debug.starts_with("Error { kind: NotFound"), "{debug}");
        assert!(debug.contains("status: 404"), "{debug}");
        assert!(debug.contains("The user does not exist"), "{debug}");
        assert!(debug.contains(r#"request_id: "req-42""#), "{debug}");
        assert!(!debug.contains("the-access-token"), "{debug}");
        assert!(!debug.contains("quota"), "{debug}");
        assert!(!debug.contains("long-cookie-value"), "{debug}");
        // The same facts as Display.
        assert!(debug.contains(&format!("{:?}", e.to_string())), "{debug}");

        // An error without an answer: no status, no request id.
        let e = Error::DeadlineExceeded {
            method: Method::GET,
            path: "/api/v2/clients".into(),
            deadline: Duration::from_secs(5),
            attempts: 2,
        };
        assert_eq!(
            format!("{e:?}"),
            r#"Error { kind: DeadlineExceeded, message: "GET /api/v2/clients did not complete within its deadline of 5s (2 attempts sent)" }"#
        );
    }

    #[test]
    fn config_error_debug_is_its_message() {
        let e = ConfigError::Invalid {
            field: "deadline",
            reason: "must be greater than zero".to_owned(),
        };
        assert_eq!(
            format!("{e:?}"),
            r#"ConfigError { kind: Invalid, message: "invalid deadline: must be greater than zero" }"#
        );
    }

    #[test]
    fn a_503_does_not_wait_on_the_rate_limit_reset() {
        let reset = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 3600;
        let h = headers(&[("x-ratelimit-reset", &reset.to_string())]);
        let e = Error::Api(Box::new(ApiError::from_response(
            Method::GET,
            "/api/v2/x".into(),
            meta(503, h.clone()),
            b"",
            "",
        )));
        assert_eq!(e.retry_after(), None);
        let e = Error::Api(Box::new(ApiError::from_response(
            Method::GET,
            "/api/v2/x".into(),
            meta(429, h),
            b"",
            "",
        )));
        assert!(e.retry_after().unwrap() > Duration::from_secs(3500));
    }
}
