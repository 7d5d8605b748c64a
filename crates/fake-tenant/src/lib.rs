//! A local Auth0 tenant for tests, benchmarks and examples.
//!
//! The fake tenant serves the client-credentials grant at `POST /oauth/token`
//! (`client_secret_post`, `client_secret_basic` and `private_key_jwt`), its
//! signing keys at `/.well-known/jwks.json`, and every operation of the Management
//! API v2 description (the central resources, such as clients, client grants,
//! resource servers, users, roles, organizations, logs and jobs, by hand-written
//! handlers) with Auth0's response shapes, error bodies, pagination styles and
//! rate-limit headers (on every answer, injected faults included). It speaks TLS by
//! default with a freshly generated CA, and offers test controls: counters,
//! fault injection, token revocation, added latency and a freezable rate-limit
//! window. Log events are kept for a retention window and up to a maximum
//! count, and records of issued tokens are dropped once the tokens expire, so
//! a long-running tenant does not grow without bound.
//!
//! ```
//! use auth0_m2m_fake::FakeTenant;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), auth0_m2m_fake::Error> {
//! let tenant = FakeTenant::builder()
//!     .client("my-id", "my-secret", &["read:clients"])
//!     .start()
//!     .await?;
//! assert!(tenant.base_url().starts_with("https://127.0.0.1:"));
//! assert_eq!(tenant.audience(), format!("{}/api/v2/", tenant.base_url()));
//! assert_eq!(tenant.stats().tokens_issued, 0);
//! tenant.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Test controls
//!
//! Besides the methods of [`FakeTenant`], the same controls are served over
//! HTTP, need no token, and are neither counted nor rate-limited:
//!
//! - `GET /__fake/stats`: the counters, as [`Stats`] JSON;
//! - `POST /__fake/faults`: queues a [`Fault`] (JSON; 400 when invalid);
//! - `DELETE /__fake/faults`: removes every queued fault and answers
//!   `{"cleared": faults, "requests": requests they had left}`;
//! - `POST /__fake/revoke`: revokes every token issued so far (answers `{"revoked": N}`, the
//!   number of unexpired tokens revoked);
//! - `POST /__fake/latency`: `{"token_ms": N}`, the delay of every token answer;
//! - `POST /__fake/rate-buckets`: replaces the Management API's token buckets with a
//!   [`RateBuckets`] JSON document, as [`FakeTenant::set_rate_buckets`] (`GET` reads them);
//! - `POST /__fake/rate-window`: `{"action": "freeze" | "next" | "release"}`,
//!   as [`FakeTenant::freeze_rate_limit_window`],
//!   [`FakeTenant::next_rate_limit_window`] and
//!   [`FakeTenant::release_rate_limit_window`];
//! - `GET /__fake/routes`: every served route as a JSON array of
//!   `{"method", "path", "scopes"}` (path templates as in Auth0's OpenAPI
//!   description; a token needs any one of the scopes); Management API routes add
//!   `"handler"` (`"hand-written"` or `"generic"`), and generic ones their `"operation"` id and
//!   a `"sample_path"` that a tenant with [schema samples](FakeTenantBuilder::schema_samples) answers,
//!   and operations that take a JSON body a `"body_sample"` valid against the description;
//! - `POST /__fake/reset`: returns the tenant to the state it had when it started fresh, as
//!   [`FakeTenant::reset`] (answers `200 {"reset": true}`);
//! - `GET /__fake/state`: the tenant's whole store as a versioned JSON document, as
//!   [`FakeTenant::state`] (the one a [state file](FakeTenantBuilder::state_file) holds).
//!
//! Every request's body is read before it is answered, early refusals included, so a client
//! that keeps its connection alive can send any number of requests over it.
//!
//! Every operation of the Management API description is answered: the central resources by
//! hand-written handlers, every other operation by a generic handler over an in-memory store,
//! from a route table generated from the description (see the README).
//!
//! Searches (`q` on users and logs) that the fake cannot evaluate, such as a
//! leading wildcard (which Auth0 refuses too), `OR`, `NOT`, grouping or
//! ranges, answer Auth0's 400 error body instead of silently matching nothing.

mod api;
mod buckets;
mod conn;
mod dpop;
mod json_form;
mod jwt;
mod keys;
mod overrides;
mod persist;
mod resp;
mod seed;
mod server;
mod state;
mod store;
mod tls;
mod token;
mod util;

pub use buckets::{BucketLimit, EndpointClass, RateBuckets};
use seed::ClientSpec;
pub use seed::MANAGEMENT_SCOPES;

/// Every scope some served Management API operation accepts, sorted: [`MANAGEMENT_SCOPES`] (the
/// hand-written routes'), those of the operations the generic handler answers, and those of the
/// routes Auth0 serves that the description lacks. The default
/// client of a [`FakeTenantBuilder`] and of the `auth0-m2m-fake` binary holds them all, so that
/// every operation answers; a test of scopes adds a narrower client with
/// [`FakeTenantBuilder::client`].
///
/// ```
/// let scopes = auth0_m2m_fake::served_scopes();
/// assert!(scopes.contains(&"read:users") && scopes.contains(&"read:actions"));
/// ```
pub fn served_scopes() -> Vec<&'static str> {
    let mut scopes: Vec<&'static str> = MANAGEMENT_SCOPES.to_vec();
    scopes.extend(api::generic::generic_operations().flat_map(|op| op.scopes.iter().copied()));
    scopes.extend(
        overrides::UNDESCRIBED_ROUTES
            .iter()
            .flat_map(|r| [r.read_scope, r.write_scope]),
    );
    scopes.sort_unstable();
    scopes.dedup();
    scopes
}
use state::{App, Counters, RateClock, Registry, Window, lock};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Errors starting a fake tenant.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Binding the listener or writing the CA file failed.
    Io(std::io::Error),
    /// Generating keys or certificates, or configuring TLS, failed.
    Crypto(String),
    /// The builder was given an unusable value.
    Config(String),
    /// The state file ([`FakeTenantBuilder::state_file`]) could not be loaded or saved. The
    /// reason never quotes the file's content, which holds client secrets.
    State {
        /// The state file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::Crypto(reason) => write!(f, "TLS or key setup failed: {reason}"),
            Error::Config(reason) => write!(f, "invalid configuration: {reason}"),
            Error::State { path, reason } => {
                write!(f, "state file {}: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

/// Request counters of one tenant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests to `POST /oauth/token`.
    pub token_requests: u64,
    /// Access tokens issued.
    pub tokens_issued: u64,
    /// Requests to `/api/v2/...`.
    pub api_requests: u64,
    /// Management API answers with status 401.
    pub api_401: u64,
    /// Management API answers with status 429.
    pub api_429: u64,
    /// Token endpoint answers with status 429 (rate limit or quota).
    pub token_429: u64,
    /// Injected 5xx answers on the token endpoint.
    pub token_5xx_injected: u64,
    /// Injected 5xx answers on the Management API.
    pub api_5xx_injected: u64,
    /// Connections closed without an answer by an injected fault.
    pub dropped_connections: u64,
    /// Requests a queued [`Fault`] applied to (latency-only faults included).
    pub faults_injected: u64,
    /// TCP connections accepted (those of the mTLS alias included): a client that keeps its
    /// connection alive opens one for any number of requests.
    pub connections_accepted: u64,
}

/// Which routes a [`Fault`] applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FaultTarget {
    /// `POST /oauth/token`.
    #[default]
    Token,
    /// `/api/v2/...`.
    Api,
}

/// A fault injected into the next `count` requests of `target`.
///
/// The added latency comes first; then the connection is dropped
/// (`drop_connection`), or the request is answered with `status`, or, with
/// neither, the request proceeds normally after the delay.
///
/// An answer with `status` carries Auth0's error body for that status and,
/// like every answer of the tenant, the `X-RateLimit-Limit`,
/// `X-RateLimit-Remaining` and `X-RateLimit-Reset` headers of the route's
/// current one-second window (of the tenant's token bucket, when
/// [`FakeTenantBuilder::rate_buckets`] are set). The other fields change those headers:
/// `rate_limit_reset_in` and `rate_limit_remaining` replace the reset time and
/// the remaining count, `retry_after` adds `Retry-After`, and `headers` adds
/// or replaces any other header (names that are not valid header names, and
/// values that are not valid header values, are refused by
/// `POST /__fake/faults` and skipped by [`FakeTenant::inject_fault`]).
///
/// Over HTTP every field is optional (`count` defaults to 0, which queues
/// nothing):
///
/// ```json
/// {"target": "api", "count": 2, "status": 503, "retry_after": 1,
///  "rate_limit_reset_in": 3600, "rate_limit_remaining": 0,
///  "headers": {"x-request-id": "abc"},
///  "body": "{\"error\": \"bad token {TOKEN} for secret {SECRET}\"}"}
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fault {
    /// The routes the fault applies to (default: the token endpoint).
    pub target: FaultTarget,
    /// How many requests the fault affects.
    pub count: u64,
    /// The status code to answer with.
    pub status: Option<u16>,
    /// Added delay in milliseconds.
    pub latency_ms: Option<u64>,
    /// Close the TCP connection without an HTTP answer.
    pub drop_connection: bool,
    /// `Retry-After` seconds to send with `status`.
    pub retry_after: Option<u64>,
    /// `X-RateLimit-Reset` to send with `status`, as seconds from now (the
    /// header carries the Unix time); default: the end of the current window.
    pub rate_limit_reset_in: Option<u64>,
    /// `X-RateLimit-Remaining` to send with `status`; default: what the
    /// current window has left.
    pub rate_limit_remaining: Option<u64>,
    /// Further headers to send with `status`, by name; each replaces a header
    /// of the same name.
    pub headers: BTreeMap<String, String>,
    /// A body to send with `status` instead of Auth0's error body, with `{TOKEN}` replaced by
    /// the bearer token the request carried and `{SECRET}` by the client secret it sent (the
    /// token request's `client_secret`, or the password of its HTTP Basic credentials); each
    /// is replaced by nothing where the request carried none. A tenant that echoes credentials
    /// back: for tests that prove a client never shows what it receives.
    pub body: Option<String>,
}

impl Fault {
    /// Checks that every header of `headers` is a valid HTTP header.
    fn check_headers(&self) -> Result<(), String> {
        for (name, value) in &self.headers {
            http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("{name:?} is not a valid header name"))?;
            http::HeaderValue::from_str(value)
                .map_err(|_| format!("the value of header {name:?} is not a valid header value"))?;
        }
        Ok(())
    }
}

/// One Management API answer of the tenant, with the request it answered, kept when
/// [`FakeTenantBuilder::record_answers`] is on. Its `Debug` shows the lengths of the bodies and
/// the names of the query's parameters only: bodies and query values can hold secrets.
#[derive(Clone)]
#[non_exhaustive]
pub struct Answer {
    /// The `operationId` of the description's operation at this method and path (`get_clients`),
    /// or `None` for a path the description does not have.
    pub operation: Option<&'static str>,
    /// The request's method (`GET`).
    pub method: String,
    /// The request's path (`/api/v2/clients/abc`), without the query.
    pub path: String,
    /// The request's query string as sent, without the `?` (empty when there is none).
    pub query: String,
    /// The request's `Content-Type`, if it had one.
    pub request_content_type: Option<String>,
    /// The request's body as sent (empty when there is none).
    pub request_body: bytes::Bytes,
    /// The answer's status code.
    pub status: u16,
    /// The answer's body as sent (JSON for every body the Management API sends).
    pub body: bytes::Bytes,
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answer")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.path)
            .field(
                "query_names",
                &self
                    .query
                    .split('&')
                    .filter(|p| !p.is_empty())
                    .map(|p| p.split('=').next().unwrap_or(p))
                    .collect::<Vec<_>>(),
            )
            .field("request_content_type", &self.request_content_type)
            .field("request_body_len", &self.request_body.len())
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Configures and starts a [`FakeTenant`]; see [`FakeTenant::builder`].
#[derive(Clone)]
pub struct FakeTenantBuilder {
    http: bool,
    clients: Vec<ClientSpec>,
    token_lifetime: Duration,
    token_latency: Duration,
    seed_clients: usize,
    seed_users: usize,
    schema_samples: bool,
    rate_limit: u64,
    rate_buckets: RateBuckets,
    quota: Option<u64>,
    max_logs: usize,
    log_retention: Duration,
    ca_out: Option<PathBuf>,
    addr: SocketAddr,
    record_answers: bool,
    dpop_nonce: bool,
    mtls: bool,
    state_file: Option<PathBuf>,
}

impl fmt::Debug for FakeTenantBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.clients.iter().map(|c| c.id.as_str()).collect();
        f.debug_struct("FakeTenantBuilder")
            .field("http", &self.http)
            .field("client_ids", &ids)
            .field("token_lifetime", &self.token_lifetime)
            .field("token_latency", &self.token_latency)
            .field("seed_clients", &self.seed_clients)
            .field("seed_users", &self.seed_users)
            .field("schema_samples", &self.schema_samples)
            .field("rate_limit", &self.rate_limit)
            .field("rate_buckets", &self.rate_buckets)
            .field("quota", &self.quota)
            .field("max_logs", &self.max_logs)
            .field("log_retention", &self.log_retention)
            .field("ca_out", &self.ca_out)
            .field("addr", &self.addr)
            .field("record_answers", &self.record_answers)
            .field("state_file", &self.state_file)
            .finish_non_exhaustive()
    }
}

impl Default for FakeTenantBuilder {
    fn default() -> Self {
        FakeTenantBuilder {
            http: false,
            clients: Vec::new(),
            token_lifetime: Duration::from_secs(86_400),
            token_latency: Duration::ZERO,
            seed_clients: 0,
            seed_users: 0,
            schema_samples: false,
            rate_limit: 0,
            rate_buckets: RateBuckets::default(),
            quota: None,
            max_logs: store::DEFAULT_MAX_LOGS,
            log_retention: Duration::from_millis(store::DEFAULT_LOG_RETENTION_MS),
            ca_out: None,
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            record_answers: false,
            dpop_nonce: false,
            mtls: false,
            state_file: None,
        }
    }
}

fn owned_scopes(scopes: &[&str]) -> Vec<String> {
    scopes.iter().map(|s| s.to_string()).collect()
}

impl FakeTenantBuilder {
    /// Serves plain HTTP instead of TLS (default: `false`, TLS).
    pub fn http(mut self, http: bool) -> Self {
        self.http = http;
        self
    }

    /// Adds a client authenticating with a secret, with a grant for the
    /// Management API carrying `scopes`. Repeatable; the first client added is
    /// the one [`FakeTenant::client_id`] returns. Without any client, a
    /// default client with a random id and secret and every scope a served
    /// operation accepts ([`served_scopes`]) is created; add a client with
    /// fewer scopes to test what a narrower grant is refused.
    pub fn client(mut self, id: &str, secret: &str, scopes: &[&str]) -> Self {
        self.clients.push(ClientSpec {
            id: id.into(),
            secret: Some(secret.into()),
            public_key_pem: None,
            certificate_pem: None,
            scopes: Some(owned_scopes(scopes)),
        });
        self
    }

    /// Adds a client that exists but has no grant for the Management API
    /// (its token requests get Auth0's 403 client-grant answer).
    pub fn client_without_grant(mut self, id: &str, secret: &str) -> Self {
        self.clients.push(ClientSpec {
            id: id.into(),
            secret: Some(secret.into()),
            public_key_pem: None,
            certificate_pem: None,
            scopes: None,
        });
        self
    }

    /// Adds a `private_key_jwt` client with one `RS256` credential, `public_key_pem` (an RSA
    /// SubjectPublicKeyInfo or PKCS#1 PEM), whose `kid` is the key's RFC 7638 thumbprint (as
    /// Auth0 assigns it when none is given), and a grant for the Management API carrying
    /// `scopes`. More credentials (at most two) are added, changed and deleted through the
    /// Management API's client-credentials operations.
    pub fn private_key_client(mut self, id: &str, public_key_pem: &str, scopes: &[&str]) -> Self {
        self.clients.push(ClientSpec {
            id: id.into(),
            secret: None,
            public_key_pem: Some(public_key_pem.into()),
            certificate_pem: None,
            scopes: Some(owned_scopes(scopes)),
        });
        self
    }

    /// Lifetime of issued access tokens (default: 86400 s; whole seconds, at least 1).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// Delay added to every `/oauth/token` answer (default: none).
    pub fn token_latency(mut self, latency: Duration) -> Self {
        self.token_latency = latency;
        self
    }

    /// Number of generated extra clients (default: 0).
    pub fn seed_clients(mut self, n: usize) -> Self {
        self.seed_clients = n;
        self
    }

    /// Number of generated users (default: 0). Seeded users come with the roles,
    /// organizations, memberships and login events of a tenant in use.
    pub fn seed_users(mut self, n: usize) -> Self {
        self.seed_users = n;
        self
    }

    /// Gives every collection that nothing else fills (rules, hooks, forms, flows, log
    /// streams…) one item built from its schema in Auth0's description, the first time it is
    /// read, so that every operation of the description has an object to act on (default: off).
    ///
    /// This is for checking a client against the whole description, not for a test that
    /// expects a tenant: such items hold placeholder values (strings such as `"sample"`) that
    /// no real tenant has. A fresh tenant without it holds only what a new Auth0 tenant holds.
    pub fn schema_samples(mut self, on: bool) -> Self {
        self.schema_samples = on;
        self
    }

    /// Limits the Management API as Auth0 does, with a tenant-wide token bucket of `burst`
    /// calls refilled at `per_second` (Enterprise production: 50 / 16; free: 2 / 2), and
    /// the `x-ratelimit-*` headers of the buckets on every answer; a refusal is Auth0's 429
    /// body with `Retry-After`. A zero burst or a rate not above zero removes it. Default:
    /// no buckets (the per-second window of [`rate_limit`](Self::rate_limit) applies).
    pub fn rate_buckets(mut self, burst: u64, per_second: f64) -> Self {
        self.rate_buckets.tenant = BucketLimit::new(burst, per_second);
        self
    }

    /// Adds a bucket for one endpoint class (Auth0's Essentials and Professional plans give
    /// each class its own: read users 40 / 500 per minute, write users 20 / 200, read logs
    /// 10 / 100, read clients 5 / 100, others 10 / 150), checked after the tenant's bucket.
    /// A zero burst or a rate not above zero removes it.
    pub fn endpoint_rate_bucket(
        mut self,
        class: EndpointClass,
        burst: u64,
        per_second: f64,
    ) -> Self {
        match BucketLimit::new(burst, per_second) {
            Some(limit) => self.rate_buckets.endpoints.insert(class, limit),
            None => self.rate_buckets.endpoints.remove(&class),
        };
        self
    }

    /// Requests per second allowed, separately for the token endpoint and
    /// the Management API; `0` means unlimited (default: 0). A simpler model than Auth0's
    /// buckets: [`rate_buckets`](Self::rate_buckets) replaces it on the Management API.
    pub fn rate_limit(mut self, per_second: u64) -> Self {
        self.rate_limit = per_second;
        self
    }

    /// `Some(n)`: only `n` tokens are issued per hour, then the token endpoint
    /// answers 429 with `Auth0-Client-Quota-Limit` (default: `None`, no quota).
    pub fn quota(mut self, tokens: Option<u64>) -> Self {
        self.quota = tokens;
        self
    }

    /// The most log events kept (default: 10,000); older events are dropped
    /// first, as Auth0 drops events past a tenant's log retention.
    pub fn max_logs(mut self, events: usize) -> Self {
        self.max_logs = events;
        self
    }

    /// How long log events are kept (default: 30 days, the longest retention
    /// Auth0 offers).
    pub fn log_retention(mut self, retention: Duration) -> Self {
        self.log_retention = retention;
        self
    }

    /// Where to write the CA certificate PEM. Default (`None`): a file in the
    /// system temporary directory, removed when the tenant is dropped.
    pub fn ca_out(mut self, path: Option<PathBuf>) -> Self {
        self.ca_out = path;
        self
    }

    /// Address to listen on (default: `127.0.0.1:0`, a free port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Keeps every answer of a Management API operation (its operation, method, path, status
    /// and body) with the request it answered (query and body) for [`FakeTenant::answers`]
    /// (default: `false`): for tests that check what the tenant sent and what the client sent,
    /// such as validating both against Auth0's API description. The record grows
    /// with every request; leave it off for long runs.
    pub fn record_answers(mut self, record: bool) -> Self {
        self.record_answers = record;
        self
    }

    /// Also serves an mTLS alias (default: `false`): a second TLS listener, at
    /// [`FakeTenant::mtls_base_url`], that asks clients for a certificate. Token requests there
    /// authenticate `self_signed_tls_client_auth` clients by their certificate and get tokens
    /// bound to it (`cnf.x5t#S256`); the protected resource route serves certificate-bound
    /// tokens only over connections presenting that certificate. Ignored with [`http`](Self::http).
    pub fn mtls(mut self, mtls: bool) -> Self {
        self.mtls = mtls;
        self
    }

    /// Adds a `self_signed_tls_client_auth` client whose credential is the self-signed
    /// certificate `certificate_pem`, with a grant for the Management API carrying `scopes`.
    pub fn self_signed_tls_client(
        mut self,
        id: &str,
        certificate_pem: &str,
        scopes: &[&str],
    ) -> Self {
        self.clients.push(ClientSpec {
            id: id.into(),
            secret: None,
            public_key_pem: None,
            certificate_pem: Some(certificate_pem.into()),
            scopes: Some(owned_scopes(scopes)),
        });
        self
    }

    /// Requires a server nonce in DPoP proofs (default: `false`): a proof without the current
    /// nonce is answered `400 use_dpop_nonce` by the token endpoint and `401` with
    /// `WWW-Authenticate: DPoP error="use_dpop_nonce"` by the APIs, each with a `DPoP-Nonce`
    /// header. [`FakeTenant::rotate_dpop_nonce`] changes the nonce.
    pub fn dpop_nonce(mut self, required: bool) -> Self {
        self.dpop_nonce = required;
        self
    }

    /// A state file (default: `None`). When `path` exists at [`start`](Self::start), the
    /// tenant's store is loaded from it instead of being seeded: a file that is not a state
    /// document of this version is refused with [`Error::State`] and left as it is. Without
    /// clients of the builder's own, the tenant names the client the file names
    /// ([`FakeTenant::client_id`]), so a tenant saved and loaded again keeps its credentials.
    /// [`FakeTenant::save_state`] writes the store to `path` (the `auth0-m2m-fake` binary does
    /// so when it stops); [`FakeTenant::reset`] still returns to a freshly seeded store.
    ///
    /// The document is the one `GET /__fake/state` answers (version 2):
    /// `{"version": 2, "audience": "…", "client_id": "…", "store": {…}}`. It holds the
    /// clients' secrets; the file is created readable by its owner only (on Unix). A tenant
    /// loading a document written by a tenant on another port moves the Management API and its
    /// grants to its own audience.
    pub fn state_file(mut self, path: Option<PathBuf>) -> Self {
        self.state_file = path;
        self
    }

    /// Binds, generates the CA and the server certificate (over TLS), and serves on the
    /// current Tokio runtime. Tokens are signed with fixed RS256 keys shared by every tenant
    /// (its JWKS is the same everywhere until it rotates its keys; a token names its tenant's
    /// issuer and audience).
    pub async fn start(self) -> Result<FakeTenant, Error> {
        // A state file is checked first: a refused one stops the start before anything is
        // bound or written.
        let loaded = match &self.state_file {
            Some(path) => persist::load(path)?,
            None => None,
        };
        let key = keys::signing_key().map_err(Error::Crypto)?;
        let lifetime = self.token_lifetime.as_secs();
        if lifetime == 0 {
            return Err(Error::Config(
                "token lifetime must be at least one second".into(),
            ));
        }
        for c in &self.clients {
            if c.id.is_empty() || c.id.contains(':') {
                return Err(Error::Config(format!(
                    "client id {:?} must be non-empty and contain no ':'",
                    c.id
                )));
            }
            if let Some(pem) = &c.public_key_pem
                && keys::rsa_public_thumbprint(pem).is_none()
            {
                return Err(Error::Config(format!(
                    "public key of client {:?} is not an RSA public key PEM (Auth0 registers \
                     RS256, RS384 and PS256 credentials only)",
                    c.id
                )));
            }
        }
        let listener = tokio::net::TcpListener::bind(self.addr).await?;
        let local = listener.local_addr()?;
        let host_ip = if local.ip().is_unspecified() {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            local.ip()
        };
        let domain = SocketAddr::new(host_ip, local.port()).to_string();
        let scheme = if self.http { "http" } else { "https" };
        let base_url = format!("{scheme}://{domain}");
        let audience = format!("{base_url}/api/v2/");

        let (ca_pem, acceptor, mtls_acceptor) = if self.http {
            (String::new(), None, None)
        } else {
            let t = tls::generate(host_ip).map_err(Error::Crypto)?;
            (
                t.ca_pem,
                Some(tokio_rustls::TlsAcceptor::from(t.config)),
                Some(tokio_rustls::TlsAcceptor::from(t.mtls_config)),
            )
        };
        let mtls_listener = match (&mtls_acceptor, self.mtls) {
            (Some(_), true) => {
                Some(tokio::net::TcpListener::bind(SocketAddr::new(host_ip, 0)).await?)
            }
            _ => None,
        };
        let mtls_base_url = match &mtls_listener {
            Some(l) => Some(format!(
                "https://{}",
                SocketAddr::new(host_ip, l.local_addr()?.port())
            )),
            None => None,
        };
        for c in &self.clients {
            if let Some(pem) = &c.certificate_pem
                && keys::pem_certificate_x5t(pem).is_none()
            {
                return Err(Error::Config(format!(
                    "certificate of client {:?} is not a PEM certificate",
                    c.id
                )));
            }
        }
        let (ca_path, owns_ca) = match &self.ca_out {
            Some(p) => (p.clone(), false),
            None => (
                std::env::temp_dir().join(format!(
                    "auth0-m2m-fake-ca-{}-{}.pem",
                    std::process::id(),
                    util::random_alnum(12)
                )),
                true,
            ),
        };
        if !self.http {
            std::fs::write(&ca_path, &ca_pem)?;
        }

        let mut clients = self.clients.clone();
        if clients.is_empty() {
            // The default client: the one a loaded state names, else a new one.
            let named = loaded.as_ref().and_then(|doc| {
                doc.store
                    .items(crate::store::CLIENTS)
                    .iter()
                    .find(|c| c["client_id"].as_str() == Some(doc.client_id.as_str()))
                    .and_then(|c| c["client_secret"].as_str())
                    .map(|secret| (doc.client_id.clone(), secret.to_owned()))
            });
            let (id, secret) = named.unwrap_or_else(|| (seed::client_id(), seed::client_secret()));
            clients.push(ClientSpec {
                id,
                secret: Some(secret),
                public_key_pem: None,
                certificate_pem: None,
                scopes: Some(owned_scopes(&served_scopes())),
            });
        }
        let fresh = seed::Fresh {
            clients,
            seed_clients: self.seed_clients,
            seed_users: self.seed_users,
            schema_samples: self.schema_samples,
            default_app: (seed::client_id(), seed::client_secret()),
            max_logs: self.max_logs,
            log_retention_ms: u64::try_from(self.log_retention.as_millis()).unwrap_or(u64::MAX),
            token_latency_ms: u64::try_from(self.token_latency.as_millis()).unwrap_or(u64::MAX),
        };
        let store = match loaded {
            Some(doc) => {
                let mut store = doc.store;
                store.logs.max_events = fresh.max_logs;
                store.logs.retention_ms = fresh.log_retention_ms;
                store.logs.prune(util::now_ms());
                persist::rebase(&mut store, &doc.audience, &audience);
                store
            }
            None => seed::fresh_store(&fresh, &audience, &domain),
        };
        let app = Arc::new(App {
            issuer: format!("{base_url}/"),
            token_url: format!("{base_url}/oauth/token"),
            base_url: base_url.clone(),
            audience,
            domain: domain.clone(),
            store: Mutex::new(store),
            counters: Counters::default(),
            faults: Mutex::new(VecDeque::new()),
            token_latency_ms: AtomicU64::new(fresh.token_latency_ms),
            rate_limit: self.rate_limit,
            token_window: Mutex::new(Window::default()),
            api_window: Mutex::new(Window::default()),
            buckets: buckets::Buckets::new(self.rate_buckets.clone()),
            rate_clock: RateClock::default(),
            quota: self.quota,
            quota_used: AtomicU64::new(0),
            quota_started: AtomicU64::new(util::now_secs()),
            token_lifetime_secs: lifetime,
            key,
            registry: Mutex::new(Registry::default()),
            answers: self.record_answers.then(|| Mutex::new(Vec::new())),
            dpop_nonce: self.dpop_nonce.then(|| Mutex::new(util::random_alnum(24))),
            dpop_jti: Mutex::new(std::collections::HashMap::new()),
            mtls_base_url,
            fresh,
        });
        let (tx, rx) = watch::channel(false);
        if let Some(l) = mtls_listener {
            server::spawn(Box::pin(server::serve(
                l,
                mtls_acceptor,
                app.clone(),
                rx.clone(),
            )));
        }
        let task = server::spawn(Box::pin(server::serve(listener, acceptor, app.clone(), rx)));
        let (client_id, client_secret) = match app.fresh.clients.first() {
            Some(first) => (first.id.clone(), first.secret.clone().unwrap_or_default()),
            None => (String::new(), String::new()),
        };
        Ok(FakeTenant {
            app,
            state_file: self.state_file,
            client_id,
            client_secret,
            ca_pem,
            ca_path,
            owns_ca: owns_ca && !self.http,
            shutdown: tx,
            task: Mutex::new(Some(task)),
        })
    }
}

/// A running fake tenant. Dropping it stops the server.
pub struct FakeTenant {
    app: Arc<App>,
    state_file: Option<PathBuf>,
    client_id: String,
    client_secret: String,
    ca_pem: String,
    ca_path: PathBuf,
    owns_ca: bool,
    shutdown: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl fmt::Debug for FakeTenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeTenant")
            .field("base_url", &self.app.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("ca_cert_path", &self.ca_path)
            .finish_non_exhaustive()
    }
}

impl FakeTenant {
    /// A builder with the defaults documented on each method.
    pub fn builder() -> FakeTenantBuilder {
        FakeTenantBuilder::default()
    }

    /// `127.0.0.1:PORT`.
    pub fn domain(&self) -> String {
        self.app.domain.clone()
    }

    /// `https://127.0.0.1:PORT` (`http://` when serving plain HTTP).
    pub fn base_url(&self) -> String {
        self.app.base_url.clone()
    }

    /// Replaces the DPoP nonce (when the tenant requires one): proofs carrying the old one are
    /// answered with a nonce challenge from now on. Returns the new nonce, or `None` when the
    /// tenant requires none.
    pub fn rotate_dpop_nonce(&self) -> Option<String> {
        let n = self.app.dpop_nonce.as_ref()?;
        let fresh = util::random_alnum(24);
        *state::lock(n) = fresh.clone();
        Some(fresh)
    }

    /// The URL of the protected resource route, `{base}/__fake/resource`: any method; it
    /// answers `200` with the token's `sub`, `scope` and `cnf` when the request presents a valid
    /// token of the tenant the way it is bound (a DPoP-bound token with the `DPoP` scheme and a
    /// proof for this method and URL signed with its key; a certificate-bound token over a
    /// connection presenting that certificate), and `401` with a `WWW-Authenticate` challenge
    /// otherwise.
    pub fn resource_url(&self) -> String {
        format!("{}/__fake/resource", self.app.base_url)
    }

    /// The base URL of the mTLS alias, when the tenant serves one ([`FakeTenantBuilder::mtls`]).
    pub fn mtls_base_url(&self) -> Option<String> {
        self.app.mtls_base_url.clone()
    }

    /// The token endpoint of the mTLS alias (`mtls_endpoint_aliases.token_endpoint`), when the
    /// tenant serves one.
    pub fn mtls_token_url(&self) -> Option<String> {
        self.app
            .mtls_base_url
            .as_ref()
            .map(|b| format!("{b}/oauth/token"))
    }

    /// The issuer URL, base URL + `/`: the `aud` the tenant expects in client assertions.
    pub fn issuer(&self) -> String {
        self.app.issuer.clone()
    }

    /// The token endpoint: base URL + `/oauth/token`.
    pub fn token_url(&self) -> String {
        self.app.token_url.clone()
    }

    /// The Management API audience: base URL + `/api/v2/`.
    pub fn audience(&self) -> String {
        self.app.audience.clone()
    }

    /// The id of the first configured client (or of the default client).
    pub fn client_id(&self) -> String {
        self.client_id.clone()
    }

    /// The secret of the first configured client (empty for a
    /// `private_key_jwt` client).
    pub fn client_secret(&self) -> String {
        self.client_secret.clone()
    }

    /// The CA certificate PEM clients must trust (empty when serving HTTP).
    pub fn ca_cert_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// Where the CA certificate PEM was written (nothing is written when
    /// serving HTTP).
    pub fn ca_cert_path(&self) -> PathBuf {
        self.ca_path.clone()
    }

    /// A snapshot of the request counters.
    pub fn stats(&self) -> Stats {
        self.app.counters.snapshot()
    }

    /// Injects a fault into the next `fault.count` requests of `fault.target`
    /// (headers of `fault.headers` that are not valid HTTP headers are skipped).
    pub fn inject_fault(&self, mut fault: Fault) {
        fault.headers.retain(|name, value| {
            http::HeaderName::from_bytes(name.as_bytes()).is_ok()
                && http::HeaderValue::from_str(value).is_ok()
        });
        self.app.add_fault(fault);
    }

    /// Removes every queued fault and returns them, each with the count of
    /// requests it had left.
    pub fn clear_faults(&self) -> Vec<Fault> {
        self.app.clear_faults()
    }

    /// Freezes the clock of the per-second rate limits (see
    /// [`FakeTenantBuilder::rate_limit`]): the current one-second window lasts
    /// until [`next_rate_limit_window`](Self::next_rate_limit_window), so a
    /// test can count requests against it without racing the wall clock.
    /// `X-RateLimit-Reset` then names the end of the frozen window.
    pub fn freeze_rate_limit_window(&self) {
        self.app.rate_clock.freeze();
    }

    /// Starts the next rate-limit window of both the token endpoint and the
    /// Management API: with a frozen clock, the clock moves one second ahead;
    /// otherwise the counts of the current second are reset.
    pub fn next_rate_limit_window(&self) {
        self.app.next_rate_window();
    }

    /// Replaces the Management API's token buckets (see
    /// [`FakeTenantBuilder::rate_buckets`]); every bucket starts full. Empty buckets bring
    /// the per-second window back.
    pub fn set_rate_buckets(&self, buckets: RateBuckets) {
        self.app.buckets.set(buckets);
    }

    /// The Management API's token buckets.
    pub fn rate_buckets(&self) -> RateBuckets {
        self.app.buckets.config()
    }

    /// Lets the rate limits follow the wall clock again.
    pub fn release_rate_limit_window(&self) {
        self.app.rate_clock.release();
    }

    /// Records a brute-force protection block of the user `user_id` from `ip`,
    /// as `GET /api/v2/user-blocks/{id}` then lists it; returns `false` when no
    /// such user exists.
    pub fn block_user(&self, user_id: &str, ip: &str) -> bool {
        let mut store = lock(&self.app.store);
        let Some(user) = store
            .items(crate::store::USERS)
            .iter()
            .find(|u| u["user_id"].as_str() == Some(user_id))
        else {
            return false;
        };
        let identifier = user["email"]
            .as_str()
            .or_else(|| user["username"].as_str())
            .unwrap_or(user_id)
            .to_string();
        let connection = user["identities"][0]["connection"].clone();
        let mut block = crate::util::json!({"identifier": identifier, "ip": ip});
        if let (Some(o), Some(c)) = (block.as_object_mut(), connection.as_str()) {
            o.insert("connection".into(), c.into());
        }
        store
            .user_blocks
            .entry(user_id.to_string())
            .or_default()
            .push(block);
        true
    }

    /// Every answer of a Management API operation sent so far, oldest first, when the builder's
    /// [`record_answers`](FakeTenantBuilder::record_answers) is on (empty otherwise). Injected
    /// faults and rate-limit refusals are not kept: they are not the operation's answers.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let tenant = auth0_m2m_fake::FakeTenant::builder().record_answers(true).start().await?;
    /// // … let the code under test call the tenant …
    /// for answer in tenant.answers() {
    ///     assert!(answer.status < 500, "{} {} answered {}", answer.method, answer.path, answer.status);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn answers(&self) -> Vec<Answer> {
        self.app
            .answers
            .as_ref()
            .map(|a| lock(a).clone())
            .unwrap_or_default()
    }

    /// Revokes every token issued so far: the Management API answers 401 to them. Returns
    /// how many of the revoked tokens had not expired yet.
    pub fn revoke_all(&self) -> usize {
        self.app.revoke_all()
    }

    /// Returns the tenant to the state it had when it started fresh, as `POST /__fake/reset`
    /// does: the store seeded anew from the builder's configuration (the configured or default
    /// clients keep their ids and secrets; everything else, seeded objects included, gets new
    /// ids, and everything created since is gone), no queued faults, counters at zero, the
    /// configured token latency, the rate-limit windows and quota starting over on the wall
    /// clock, no recorded answers. A tenant loaded from a state file is reset to a fresh
    /// tenant, not to the file.
    ///
    /// Kept: the address, the CA and the signing keys, so a client under test keeps working
    /// and tokens issued before the reset stay valid until they expire, as Auth0's access
    /// tokens are self-contained JWTs that outlive changes to their client; revoked tokens
    /// stay revoked.
    pub fn reset(&self) {
        self.app.reset();
    }

    /// The tenant's whole store as a versioned JSON document, as `GET /__fake/state` answers
    /// it and [`save_state`](Self::save_state) writes it:
    /// `{"version": 2, "audience": "…", "client_id": "…", "store": {…}}`. It holds the
    /// clients' secrets.
    pub fn state(&self) -> serde_json::Value {
        persist::document(&self.app).unwrap_or(serde_json::Value::Null)
    }

    /// Writes [`state`](Self::state) to the builder's [state file](FakeTenantBuilder::state_file)
    /// atomically (a new file in the same directory, readable by its owner only on Unix,
    /// flushed to disk, then renamed over the old one). Without a state file, nothing is
    /// written.
    pub fn save_state(&self) -> Result<(), Error> {
        let Some(path) = &self.state_file else {
            return Ok(());
        };
        let failed = |reason: String| Error::State {
            path: path.clone(),
            reason,
        };
        let doc = persist::document(&self.app)
            .map_err(|e| failed(format!("the state could not be written as JSON: {e}")))?;
        let bytes = serde_json::to_vec(&doc)
            .map_err(|e| failed(format!("the state could not be written as JSON: {e}")))?;
        persist::write_atomic(path, &bytes)
            .map_err(|e| failed(format!("it could not be written: {e}")))
    }

    /// Changes the delay added to every `/oauth/token` answer.
    pub fn set_token_latency(&self, latency: Duration) {
        self.app
            .token_latency_ms
            .store(latency.as_millis() as u64, Ordering::Relaxed);
    }

    /// Stops serving and waits for the listener to close.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let task = lock(&self.task).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

impl Drop for FakeTenant {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if self.owns_ca {
            let _ = std::fs::remove_file(&self.ca_path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn tenant_is_send_and_sync() {
        assert_send_sync::<FakeTenant>();
        assert_send_sync::<FakeTenantBuilder>();
    }

    #[tokio::test]
    async fn debug_never_prints_secrets() {
        let b = FakeTenant::builder().http(true).client(
            "debug-id",
            "super-secret-value",
            &["read:clients"],
        );
        let text = format!("{b:?}");
        assert!(text.contains("debug-id"));
        assert!(!text.contains("super-secret-value"));
        let t = b.start().await.expect("start");
        let text = format!("{t:?}");
        assert!(text.contains("debug-id"));
        assert!(!text.contains("super-secret-value"));
        assert!(text.contains("[REDACTED]"));
    }

    #[tokio::test]
    async fn expired_token_is_rejected_with_auth0_message() {
        let t = FakeTenant::builder()
            .http(true)
            .start()
            .await
            .expect("start");
        let now = util::now_secs();
        let token = t
            .app
            .key
            .sign(
                &serde_json::json!({"iss": t.app.issuer, "aud": t.audience(),
                "sub": "x@clients", "scope": "read:clients", "iat": now - 100, "exp": now - 10}),
            )
            .expect("sign");
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
        );
        let req = http::Request::builder()
            .uri("/api/v2/clients")
            .header("authorization", format!("Bearer {token}"))
            .body(bytes::Bytes::new())
            .expect("request");
        let r = server::route(&t.app, req).await;
        assert_eq!(r.status(), http::StatusCode::UNAUTHORIZED);
        let v: serde_json::Value = serde_json::from_slice(r.body()).expect("json");
        assert_eq!(
            v,
            serde_json::json!({"statusCode": 401, "error": "Unauthorized",
                "message": "Expired token received for JSON Web Token validation"})
        );
        assert_eq!(t.stats().api_401, 1);
    }
}
