//! OAuth 2.0 client-credentials exchange for Auth0 (and any standards-compliant OAuth server).
//!
//! [`TokenClient`] asks a token endpoint for an access token with the client-credentials
//! grant and returns a typed [`AccessToken`] whose value is kept secret and whose expiry is
//! an absolute time. It does not cache; the `auth0-m2m-cache` crate builds the caching,
//! refreshing provider on top of it.
//!
//! ```no_run
//! use auth0_m2m_token::{ClientAuth, TokenClient, TokenEndpoint};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = TokenClient::builder(
//!     TokenEndpoint::auth0_domain("tenant.eu.auth0.com")?,
//!     "my-client-id",
//!     ClientAuth::client_secret_post(std::env::var("AUTH0_CLIENT_SECRET")?),
//! )
//! // The default audience is the Management API: https://tenant.eu.auth0.com/api/v2/
//! .with_scopes(["read:clients", "read:users"])
//! .build()?;
//!
//! let token = client.fetch_token().await?;
//! println!("token expires at {:?}", token.expires_at());
//! // Use `token.bearer_header_value()` for the `Authorization` header; never log it.
//! # Ok(())
//! # }
//! ```
//!
//! # Request
//!
//! `POST {token URL}` with `grant_type=client_credentials`, `client_id`, `audience`, and,
//! when set, `scope` (sorted, space-separated), `organization` and extra parameters. The body
//! is form-encoded by default, as in Auth0's documentation, or JSON with
//! [`TokenClientBuilder::with_json_body`]. Client authentication is chosen with
//! [`ClientAuth`]: `client_secret_post` (default), `client_secret_basic`, `private_key_jwt`
//! (feature `private-key-jwt`), or mTLS (`tls_client_auth`, `self_signed_tls_client_auth`)
//! with a [`ClientCertificate`]. With a [`DpopKey`] every request carries a DPoP proof and the
//! token is bound to the key (RFC 9449).
//!
//! # Response
//!
//! A 2xx answer must be a JSON object with a non-empty `access_token`, a `token_type` equal to
//! `Bearer` (any case; or `DPoP` when the request carried a DPoP proof), and an `expires_in` between 1 second and one year
//! ([`MAX_EXPIRES_IN`]); anything else is an [`Error::InvalidResponse`] that says what is wrong
//! without quoting the token. When `scope` is absent, the requested scopes are assumed.
//! Bodies larger than 64 KiB ([`MAX_RESPONSE_BODY_BYTES`]) are refused without being buffered.
//!
//! # Errors and retries
//!
//! Every failure is an [`Error`]; [`Error::is_retryable`] tells transient failures (timeouts,
//! connection failures, 429, 5xx) from final ones. OAuth error answers keep `error`,
//! `error_description`, the status and the rate-limit headers ([`RateLimit`]). Transient
//! failures are retried with exponential backoff and jitter. The server's wait is honoured up
//! to a cap ([`RetryPolicy`]) by one rule ([`RateLimit::server_wait`]): `Retry-After` for 429
//! and 503, `X-RateLimit-Reset` for 429 only (Auth0 sends it on every answer, so it says
//! nothing about when a 5xx is over). A certificate the client does not trust is an
//! [`Error::Tls`], which is not retried. Waiting uses `tokio::time`.
//!
//! # HTTP
//!
//! Requests go through the [`HttpClient`] trait; [`ReqwestHttpClient`] (reqwest with rustls)
//! is the default, and the Management API client of the `auth0-m2m` crate sends its calls
//! through the same trait and implementation, so a custom transport (a proxy, your own TLS
//! setup, a fake in tests) serves both.
//!
//! # Defaults
//!
//! | setting | default |
//! | --- | --- |
//! | audience | `https://{domain}/api/v2/` with [`TokenEndpoint::auth0_domain`], none with [`TokenEndpoint::url`] |
//! | body | `application/x-www-form-urlencoded` |
//! | connect timeout | 5 s ([`DEFAULT_CONNECT_TIMEOUT`]) |
//! | total timeout per attempt | 30 s ([`DEFAULT_TIMEOUT`]) |
//! | retries | 3 retries, backoff 200 ms doubling up to 5 s with jitter, server waits honoured up to 30 s |
//! | response body cap | 64 KiB |
//! | longest accepted `expires_in` | one year (31,536,000 s) |
//! | telemetry | `Auth0-Client` header on |
//! | plain HTTP | refused unless [`TokenClientBuilder::allow_insecure_http`] |
//! | TLS | rustls with the Mozilla (webpki) roots, plus roots added with [`TokenClientBuilder::with_root_certificate_pem`] |
//!
//! # Secrets
//!
//! The client secret, private keys, client assertions and access tokens never appear in a
//! `Debug` or `Display` output, an error message or a `tracing` event.
//!
//! # Features
//!
//! - `private-key-jwt` (off by default): `private_key_jwt` client authentication with
//!   `PrivateKey` (RS256, RS384 and PS256 keys read from PEM, the algorithms Auth0 registers;
//!   ES256 too for servers declared [`TokenEndpoint::not_auth0`]), up to two keys for a
//!   rotation without a failed call, and key files read again when they change.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod client;
mod clock;
mod dpop;
mod endpoint;
mod error;
mod http;
mod jws;
#[cfg(feature = "private-key-jwt")]
mod jwt;
mod limits;
mod mtls;
mod pem;
mod response;
mod retry;
mod token;

pub use auth::ClientAuth;
pub use client::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, TELEMETRY_HEADER, TokenClient, TokenClientBuilder,
    telemetry_header_value,
};
pub use clock::{Clock, SystemClock, TokioClock};
pub use dpop::{DPOP_HEADER, DPOP_NONCE_HEADER, DpopKey};
pub use endpoint::TokenEndpoint;
pub use error::{ConfigError, Error, OAuthError};
pub use http::{
    BoxFuture, HttpClient, HttpRequest, HttpResponse, MAX_RESPONSE_BODY_BYTES, ReqwestHttpClient,
    ReqwestHttpClientBuilder,
};
pub use jws::{AUTH0_CREDENTIAL_ALGORITHMS, Algorithm};
#[cfg(feature = "private-key-jwt")]
pub use jwt::{
    ASSERTION_LIFETIME, MAX_ASSERTION_BYTES, MAX_ASSERTION_LIFETIME, MAX_JTI_CHARS,
    MAX_SIGNING_KEYS, PrivateKey, PrivateKeyFile,
};
pub use limits::{Quota, QuotaBucket, RateLimit};
pub use mtls::ClientCertificate;
pub use response::{EXCERPT_CHARS, MAX_EXPIRES_IN, body_excerpt};
pub use retry::RetryPolicy;
pub use token::AccessToken;
