//! [`ManagementClientBuilder`]: configuration of a [`ManagementClient`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use auth0_m2m_cache::{RefreshPolicy, TokenCache, TokenProvider};
use auth0_m2m_token::{
    ClientAuth, HttpClient, ReqwestHttpClient, RetryPolicy, TokenClient, TokenEndpoint,
};
use http::header::{ACCEPT, USER_AGENT};
use http::{HeaderMap, HeaderValue};

use crate::client::{Inner, ManagementClient};
use crate::error::ConfigError;

/// Default time allowed to establish a connection: 5 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Default total time allowed for one request attempt (connect, send, receive): 30 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Default cap on the body of a Management API answer: 16 MiB. Larger answers are refused
/// with [`Error::BodyTooLarge`](crate::Error::BodyTooLarge) without being buffered.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// The telemetry header sent to Auth0 unless switched off with
/// [`with_telemetry(false)`](ManagementClientBuilder::with_telemetry).
pub const TELEMETRY_HEADER: &str = "Auth0-Client";

const USER_AGENT_VALUE: &str = concat!("auth0-m2m/", env!("CARGO_PKG_VERSION"));

enum CacheChoice {
    Memory,
    Shared(Arc<dyn TokenCache>),
    #[cfg(feature = "file")]
    File(Option<std::path::PathBuf>),
    #[cfg(feature = "redis")]
    Redis(String),
}

impl fmt::Debug for CacheChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheChoice::Memory => f.write_str("memory"),
            CacheChoice::Shared(c) => write!(f, "{c:?}"),
            #[cfg(feature = "file")]
            CacheChoice::File(dir) => write!(f, "file({dir:?})"),
            // The URL may carry a password.
            #[cfg(feature = "redis")]
            CacheChoice::Redis(_) => f.write_str("redis"),
        }
    }
}

enum Credentials {
    None,
    Client { id: String, auth: ClientAuth },
    Provider(TokenProvider),
}

/// Builds a [`ManagementClient`]. Obtain one with [`ManagementClient::builder`] or
/// [`ManagementClient::builder_with_provider`].
///
/// Defaults:
///
/// | setting | default |
/// | --- | --- |
/// | base URL | `https://{domain}` |
/// | token URL | `https://{domain}/oauth/token` |
/// | audience | `https://{domain}/api/v2/` |
/// | scopes | none requested (Auth0 grants every scope of the client grant) |
/// | token cache | a private in-memory cache ([`MemoryCache`](auth0_m2m_cache::MemoryCache)) |
/// | cache key prefix | `auth0-m2m:` |
/// | refresh policy | [`RefreshPolicy::default`]: soft refresh from half the lifetime, hard margin the last 10 % (at most 60 s) |
/// | keep-warm task | off |
/// | connect timeout | 5 s ([`DEFAULT_CONNECT_TIMEOUT`]) |
/// | total timeout per attempt | 30 s ([`DEFAULT_TIMEOUT`]) |
/// | deadline of a whole call (token, attempts, waits) | none ([`with_deadline`](Self::with_deadline)) |
/// | retries | [`RetryPolicy::default`]: 3 retries, backoff 200 ms doubling up to 5 s with jitter, server waits honoured up to 30 s |
/// | response body cap | 16 MiB ([`DEFAULT_MAX_RESPONSE_BYTES`]) |
/// | telemetry header | on (`Auth0-Client`) |
/// | custom domain | none: no `auth0-custom-domain` header ([`with_custom_domain`](Self::with_custom_domain)) |
/// | rate budget | [`RateBudget::learned`](crate::RateBudget::learned), background share 50 %, shared through the cache when it can share one (Redis), else in process ([`with_rate_budget`](Self::with_rate_budget)) |
/// | plain HTTP | refused |
/// | TLS | rustls with the Mozilla (webpki) roots, plus roots added with [`with_root_certificate_pem`](Self::with_root_certificate_pem) |
///
/// `Debug` never shows the client secret or the private key.
pub struct ManagementClientBuilder {
    domain: String,
    base_url: Option<String>,
    token_url: Option<String>,
    credentials: Credentials,
    audience: Option<String>,
    scopes: Vec<String>,
    cache: CacheChoice,
    key_prefix: Option<String>,
    refresh_policy: Option<RefreshPolicy>,
    keep_warm: bool,
    connect_timeout: Duration,
    timeout: Duration,
    deadline: Option<Duration>,
    root_certificates: Vec<Vec<u8>>,
    reqwest_client: Option<reqwest::Client>,
    http_client: Option<Arc<dyn HttpClient>>,
    retry: RetryPolicy,
    telemetry: bool,
    allow_insecure_http: bool,
    max_response_bytes: usize,
    dpop: Option<auth0_m2m_token::DpopKey>,
    client_certificate: Option<auth0_m2m_token::ClientCertificate>,
    mtls_endpoint: Option<String>,
    custom_domain: Option<String>,
    rate_budget: crate::RateBudget,
    rate_store: Option<Arc<dyn auth0_m2m_cache::RateStore>>,
}

impl fmt::Debug for ManagementClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials: &dyn fmt::Debug = match &self.credentials {
            Credentials::None => &"none",
            Credentials::Client { auth, .. } => auth,
            Credentials::Provider(p) => p,
        };
        let client_id = match &self.credentials {
            Credentials::Client { id, .. } => Some(id.as_str()),
            _ => None,
        };
        f.debug_struct("ManagementClientBuilder")
            .field("domain", &self.domain)
            .field("base_url", &self.base_url)
            .field("token_url", &self.token_url)
            .field("client_id", &client_id)
            .field("credentials", credentials)
            .field("audience", &self.audience)
            .field("scopes", &self.scopes)
            .field("cache", &self.cache)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("root_certificates", &self.root_certificates.len())
            .field("custom_reqwest_client", &self.reqwest_client.is_some())
            .field("custom_http_client", &self.http_client.is_some())
            .field("retry", &self.retry)
            .field("telemetry", &self.telemetry)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("custom_domain", &self.custom_domain)
            .field("rate_budget", &self.rate_budget)
            .field("rate_store", &self.rate_store)
            .finish_non_exhaustive()
    }
}

impl ManagementClientBuilder {
    pub(crate) fn new(domain: String, credentials: Option<TokenProvider>) -> Self {
        Self {
            domain,
            base_url: None,
            token_url: None,
            credentials: match credentials {
                Some(p) => Credentials::Provider(p),
                None => Credentials::None,
            },
            audience: None,
            scopes: Vec::new(),
            cache: CacheChoice::Memory,
            key_prefix: None,
            refresh_policy: None,
            keep_warm: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            deadline: None,
            root_certificates: Vec::new(),
            reqwest_client: None,
            http_client: None,
            retry: RetryPolicy::default(),
            telemetry: true,
            allow_insecure_http: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            dpop: None,
            client_certificate: None,
            mtls_endpoint: None,
            custom_domain: None,
            rate_budget: crate::RateBudget::default(),
            rate_store: None,
        }
    }

    pub(crate) fn with_base_url_unchecked(mut self, base_url: String) -> Self {
        self.base_url = Some(base_url);
        self
    }

    /// Authenticates with a client id and secret (`client_secret_post`, as in Auth0's
    /// documentation).
    pub fn with_client_secret(
        self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.with_client_auth(client_id, ClientAuth::client_secret_post(client_secret))
    }

    /// Authenticates with a client id and any [`ClientAuth`] method (`client_secret_basic`,
    /// `private_key_jwt`…).
    pub fn with_client_auth(mut self, client_id: impl Into<String>, auth: ClientAuth) -> Self {
        self.credentials = Credentials::Client {
            id: client_id.into(),
            auth,
        };
        self
    }

    /// Asks for DPoP-bound tokens (RFC 9449) and proves possession of `key` on every call:
    /// `Authorization: DPoP <token>` with a fresh `DPoP` proof carrying the token's hash
    /// (`ath`), retried once with the server's nonce after a `401` that asks for one. Tokens
    /// are cached under the key's thumbprint, so processes sharing a cache share a token only
    /// when they hold the same key. Default: none (Bearer tokens).
    ///
    /// With [`ManagementClient::builder_with_provider`], give the provider's token
    /// client the same key (`TokenClientBuilder::with_dpop`).
    pub fn with_dpop(mut self, key: auth0_m2m_token::DpopKey) -> Self {
        self.dpop = Some(key);
        self
    }

    /// Presents `certificate` in TLS handshakes (RFC 8705): the credential of
    /// `tls_client_auth` / `self_signed_tls_client_auth` (see [`with_mtls`](Self::with_mtls)),
    /// and what certificate-bound tokens are bound to, so every call with such a token presents
    /// it too. Tokens are cached under the certificate's thumbprint. Applies to the default
    /// HTTP client; configure your own client with it yourself.
    pub fn with_client_certificate(
        mut self,
        certificate: auth0_m2m_token::ClientCertificate,
    ) -> Self {
        self.client_certificate = Some(certificate);
        self
    }

    /// Sends token requests to the token endpoint's mTLS alias
    /// (`mtls_endpoint_aliases.token_endpoint` of the tenant's discovery document) instead of
    /// the token URL. Default: the token URL.
    pub fn with_mtls_endpoint(mut self, url: impl Into<String>) -> Self {
        self.mtls_endpoint = Some(url.into());
        self
    }

    /// Authenticates `client_id` with mTLS (`auth` is [`ClientAuth::tls_client_auth`] or
    /// [`ClientAuth::self_signed_tls_client_auth`]) and `certificate`; token requests go to
    /// `mtls_token_url`, the token endpoint's mTLS alias
    /// (`mtls_endpoint_aliases.token_endpoint` of the tenant's discovery document).
    pub fn with_mtls(
        self,
        client_id: impl Into<String>,
        auth: ClientAuth,
        certificate: auth0_m2m_token::ClientCertificate,
        mtls_token_url: impl Into<String>,
    ) -> Self {
        self.with_client_auth(client_id, auth)
            .with_client_certificate(certificate)
            .with_mtls_endpoint(mtls_token_url)
    }

    /// Authenticates with a client id and a private key (`private_key_jwt`).
    #[cfg(feature = "private-key-jwt")]
    pub fn with_private_key(
        self,
        client_id: impl Into<String>,
        key: auth0_m2m_token::PrivateKey,
    ) -> Self {
        self.with_client_auth(client_id, ClientAuth::private_key_jwt(key))
    }

    /// Sets the `audience` of the token (default `https://{domain}/api/v2/`).
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Sets the scopes requested with the token (default: none requested, which grants every
    /// scope of the client grant).
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Uses another token URL (default `https://{domain}/oauth/token`), e.g. a custom domain.
    pub fn with_token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// Sends the Management API calls to another base URL (default `https://{domain}`),
    /// such as a local fake tenant. The path of each call (`/api/v2/…`) is appended.
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Shares tokens through this cache (default: a private in-memory cache). Any
    /// [`TokenCache`] works: [`MemoryCache`](auth0_m2m_cache::MemoryCache) shared between
    /// clients, a file cache, a Redis cache, or your own.
    pub fn with_cache(mut self, cache: Arc<dyn TokenCache>) -> Self {
        self.cache = CacheChoice::Shared(cache);
        self
    }

    /// Keeps tokens in a private in-memory cache (the default).
    pub fn with_memory_cache(mut self) -> Self {
        self.cache = CacheChoice::Memory;
        self
    }

    /// Shares tokens with the other processes of this host through files in `dir` (created
    /// with mode 0700 if missing).
    #[cfg(feature = "file")]
    pub fn with_file_cache(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.cache = CacheChoice::File(Some(dir.into()));
        self
    }

    /// Shares tokens with the other processes of this host through files in the default
    /// directory ([`FileCache::default_dir`](auth0_m2m_cache::FileCache::default_dir)).
    #[cfg(feature = "file")]
    pub fn with_default_file_cache(mut self) -> Self {
        self.cache = CacheChoice::File(None);
        self
    }

    /// Shares tokens across a fleet through Redis at `url` (`redis://…` or `rediss://…`).
    /// For encryption at rest or a cluster, build a
    /// [`RedisCache`](auth0_m2m_cache::RedisCache) and pass it to
    /// [`with_cache`](Self::with_cache).
    #[cfg(feature = "redis")]
    pub fn with_redis_cache(mut self, url: impl Into<String>) -> Self {
        self.cache = CacheChoice::Redis(url.into());
        self
    }

    /// Sets the prefix of the cache key (default `auth0-m2m:`).
    pub fn with_cache_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = Some(prefix.into());
        self
    }

    /// Sets when tokens are refreshed (default [`RefreshPolicy::default`]).
    pub fn with_refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.refresh_policy = Some(policy);
        self
    }

    /// Refreshes the token in the background even without traffic (default off). Needs a
    /// tokio runtime when [`build`](Self::build) is called.
    pub fn with_keep_warm(mut self, keep_warm: bool) -> Self {
        self.keep_warm = keep_warm;
        self
    }

    /// Sets the connect timeout (default 5 s). Ignored with a custom reqwest client.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the time allowed for **one attempt** of a call: connect, send, receive (default
    /// 30 s, [`DEFAULT_TIMEOUT`]). Each retry gets its own, so a retried call may take several
    /// times as long; bound the whole call with [`with_deadline`](Self::with_deadline). A call
    /// overrides it with [`CallOptions::timeout`](crate::CallOptions::timeout).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the time allowed for **a whole call**: the token fetch, every attempt and every
    /// wait between attempts (backoff, `Retry-After`, `X-RateLimit-Reset`). Default: none, a
    /// call is bounded only by the per-attempt timeout times the attempts of the
    /// [`RetryPolicy`] plus their waits, because a good value depends on what the caller is
    /// doing (a web request handler and a nightly job want very different ones). A call
    /// overrides it with [`CallOptions::deadline`](crate::CallOptions::deadline), which
    /// describes what happens when it runs out ([`Error::DeadlineExceeded`](crate::Error::DeadlineExceeded)).
    /// On a [`List`](crate::List), it applies to each page's call. Must be above zero.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Trusts an extra root certificate (PEM; a bundle of several is fine), in addition to the
    /// built-in roots. Repeatable. Not combinable with a custom reqwest client.
    pub fn with_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates.push(pem.as_ref().to_vec());
        self
    }

    /// Uses a configured `reqwest::Client` (proxies, mTLS…) for the token requests and the
    /// Management API calls. Configure it not to follow redirects. The total timeout of this
    /// builder is applied to every request.
    pub fn with_reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.reqwest_client = Some(client);
        self
    }

    /// Sends the token requests and the Management API calls through your own
    /// [`HttpClient`] (another HTTP stack, a proxy, a custom TLS setup, or a fake in tests).
    /// The same transport serves both, so it sees every request this client makes.
    ///
    /// The client still enforces its timeout around each request and hands each request its
    /// body cap ([`HttpRequest::max_response_bytes`](auth0_m2m_token::HttpRequest)); see
    /// [`HttpClient`] for what an implementation must do. Not combinable with
    /// [`with_reqwest_client`](Self::with_reqwest_client) or
    /// [`with_root_certificate_pem`](Self::with_root_certificate_pem).
    pub fn with_http_client(mut self, http: Arc<dyn HttpClient>) -> Self {
        self.http_client = Some(http);
        self
    }

    /// Sets how failed calls and token requests are retried (default
    /// [`RetryPolicy::default`]: 3 retries, 200 ms doubling up to 5 s with jitter, server
    /// waits honoured up to 30 s). A server wait longer than the policy's maximum is not
    /// waited for: the error is returned with its [`retry_after`](crate::Error::retry_after).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sends the `Auth0-Client` telemetry header (default `true`): base64 of
    /// `{"name":"auth0-m2m","version":"<crate version>"}`.
    pub fn with_telemetry(mut self, telemetry: bool) -> Self {
        self.telemetry = telemetry;
        self
    }

    /// Accepts plain `http://` base and token URLs (default `false`). Meant for local testing
    /// only: tokens then travel unencrypted.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Sets the largest answer body read (default 16 MiB).
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Sends `auth0-custom-domain: {domain}` (default: not sent) on exactly the operations
    /// whose Auth0 API description accepts that header, so that the links and emails they
    /// make (password-change and email-verification tickets, organization invitations, the
    /// verification email of a new or updated user…) use the tenant's custom domain; no other
    /// request carries it. Those operations are
    /// [`management::CUSTOM_DOMAIN_OPERATIONS`](crate::management::CUSTOM_DOMAIN_OPERATIONS),
    /// and [`Endpoint::accepts_custom_domain`](crate::management::Endpoint::accepts_custom_domain)
    /// says it for an endpoint. A header of that name set with
    /// [`CallOptions::header`](crate::CallOptions::header) takes precedence on its call.
    ///
    /// `domain` is a host name alone (`login.example.com`): [`build`](Self::build) refuses a
    /// scheme, a port, a path or anything else that is not a DNS name with
    /// [`ConfigError::InvalidCustomDomain`]. It changes neither the API's base URL nor the
    /// token URL (see [`with_base_url`](Self::with_base_url) and
    /// [`with_token_url`](Self::with_token_url) for those).
    ///
    /// ```
    /// use auth0_m2m::ManagementClient;
    /// # fn main() -> Result<(), auth0_m2m::ConfigError> {
    /// let client = ManagementClient::builder("tenant.eu.auth0.com")
    ///     .with_client_secret("client-id", "client-secret")
    ///     .with_custom_domain("login.example.com")
    ///     .build()?;
    /// # drop(client);
    /// let refused = ManagementClient::builder("tenant.eu.auth0.com")
    ///     .with_client_secret("client-id", "client-secret")
    ///     .with_custom_domain("https://login.example.com/")
    ///     .build();
    /// assert!(matches!(refused, Err(auth0_m2m::ConfigError::InvalidCustomDomain { .. })));
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_custom_domain(mut self, domain: impl Into<String>) -> Self {
        self.custom_domain = Some(domain.into());
        self
    }

    /// Sets the rate budget (default: [`RateBudget::learned`](crate::RateBudget::learned)
    /// with a background share of 50 %): a plan's limits, an explicit burst and rate, or
    /// [`RateBudget::off`](crate::RateBudget::off). Zero or negative limits and a share
    /// outside (0, 100] % make [`build`](Self::build) fail with [`ConfigError::Invalid`].
    pub fn with_rate_budget(mut self, budget: crate::RateBudget) -> Self {
        self.rate_budget = budget;
        self
    }

    /// Shares the rate budget through `store` instead of the one the token cache provides
    /// (a Redis cache shares its own; the memory and file caches have none, so the budget
    /// is then kept in process). Useful with
    /// [`builder_with_provider`](ManagementClient::builder_with_provider), whose cache the
    /// builder cannot see, or to share the budget through a Redis cache used for nothing
    /// else.
    pub fn with_rate_store(mut self, store: Arc<dyn auth0_m2m_cache::RateStore>) -> Self {
        self.rate_store = Some(store);
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// Must be called within a tokio runtime when keep-warm is on.
    pub fn build(self) -> Result<ManagementClient, ConfigError> {
        let custom_domain = match &self.custom_domain {
            Some(domain) => Some(custom_domain_header(domain)?),
            None => None,
        };
        if self.timeout.is_zero() {
            return Err(ConfigError::Invalid {
                field: "timeout",
                reason: "must be greater than zero".to_owned(),
            });
        }
        if self.deadline.is_some_and(|d| d.is_zero()) {
            return Err(ConfigError::Invalid {
                field: "deadline",
                reason: "must be greater than zero".to_owned(),
            });
        }
        if self.connect_timeout.is_zero() {
            return Err(ConfigError::Invalid {
                field: "connect timeout",
                reason: "must be greater than zero".to_owned(),
            });
        }
        self.rate_budget.check()?;
        if self.max_response_bytes == 0 {
            return Err(ConfigError::Invalid {
                field: "max response bytes",
                reason: "must be greater than zero".to_owned(),
            });
        }
        if matches!(self.credentials, Credentials::Provider(_))
            && !matches!(self.cache, CacheChoice::Memory)
        {
            return Err(ConfigError::Invalid {
                field: "token cache",
                reason: "the cache belongs to the token provider given to the builder; \
                         configure it there"
                    .to_owned(),
            });
        }
        let base_url = match &self.base_url {
            Some(url) => check_base_url(url, self.allow_insecure_http)?,
            None => {
                // Validates the domain (bare host or host:port).
                TokenEndpoint::auth0_domain(&self.domain).map_err(domain_hint)?;
                format!("https://{}", self.domain)
            }
        };

        let own_transport = match (self.http_client, self.reqwest_client) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::Invalid {
                    field: "HTTP client",
                    reason:
                        "both `with_http_client` and `with_reqwest_client` were called; keep one"
                            .to_owned(),
                });
            }
            (Some(http), None) => Some(http),
            (None, Some(client)) => {
                Some(Arc::new(ReqwestHttpClient::new(client)) as Arc<dyn HttpClient>)
            }
            (None, None) => None,
        };
        let http: Arc<dyn HttpClient> = match own_transport {
            Some(http) => {
                if !self.root_certificates.is_empty() {
                    return Err(ConfigError::Invalid {
                        field: "root certificate",
                        reason: "extra root certificates apply to the default HTTP client only; \
                                 add them to your own reqwest client or HTTP client instead"
                            .to_owned(),
                    });
                }
                http
            }
            None => {
                let mut builder = ReqwestHttpClient::builder()
                    .with_connect_timeout(self.connect_timeout)
                    .with_timeout(self.timeout)
                    .allow_insecure_http(self.allow_insecure_http);
                for pem in &self.root_certificates {
                    builder = builder.with_root_certificate_pem(pem);
                }
                if let Some(c) = &self.client_certificate {
                    builder = builder.with_client_certificate(c.clone());
                }
                Arc::new(builder.build()?)
            }
        };

        // The scopes given to `with_scopes`, as the token client keeps them (sorted, checked).
        let mut narrowed_scopes = None;
        // The rate store of the token cache, when it has one.
        let mut cache_rate_store = None;
        let provider = match self.credentials {
            Credentials::Provider(p) => p,
            Credentials::None => return Err(ConfigError::MissingCredentials),
            Credentials::Client { id, auth } => {
                let endpoint = match &self.token_url {
                    Some(url) => TokenEndpoint::url(url)?,
                    None => TokenEndpoint::auth0_domain(&self.domain).map_err(domain_hint)?,
                };
                let audience = match self.audience {
                    Some(a) => a,
                    None if self.domain.is_empty() => {
                        return Err(ConfigError::Invalid {
                            field: "audience",
                            reason: "no domain to derive it from; set it with `with_audience`"
                                .to_owned(),
                        });
                    }
                    None => format!("https://{}/api/v2/", self.domain),
                };
                let token_client = TokenClient::builder(endpoint, id, auth)
                    .with_audience(audience)
                    .with_scopes(self.scopes)
                    .with_http_client(Arc::clone(&http))
                    .with_timeout(self.timeout)
                    .with_connect_timeout(self.connect_timeout)
                    .with_retry_policy(self.retry.clone())
                    .with_telemetry(self.telemetry)
                    .allow_insecure_http(self.allow_insecure_http);
                let token_client = match &self.dpop {
                    Some(key) => token_client.with_dpop(key.clone()),
                    None => token_client,
                };
                let token_client = match &self.client_certificate {
                    Some(c) => token_client.with_client_certificate(c.clone()),
                    None => token_client,
                };
                let token_client = match &self.mtls_endpoint {
                    Some(u) => token_client.with_mtls_endpoint(u.clone()),
                    None => token_client,
                }
                .build()?;
                if !token_client.scopes().is_empty() {
                    narrowed_scopes = Some(token_client.scopes().to_vec());
                }
                let cache: Arc<dyn TokenCache> = match self.cache {
                    CacheChoice::Memory => Arc::new(auth0_m2m_cache::MemoryCache::new()),
                    CacheChoice::Shared(c) => c,
                    #[cfg(feature = "file")]
                    CacheChoice::File(dir) => {
                        let cache = match dir {
                            Some(dir) => auth0_m2m_cache::FileCache::in_dir(dir),
                            None => auth0_m2m_cache::FileCache::new(),
                        };
                        Arc::new(cache.map_err(ConfigError::Cache)?)
                    }
                    #[cfg(feature = "redis")]
                    CacheChoice::Redis(url) => Arc::new(
                        auth0_m2m_cache::RedisCache::builder(url)
                            .build()
                            .map_err(ConfigError::Cache)?,
                    ),
                };
                cache_rate_store = Arc::clone(&cache).rate_store();
                let mut builder = TokenProvider::builder(token_client)
                    .with_cache(cache)
                    .with_keep_warm(self.keep_warm);
                if let Some(prefix) = self.key_prefix.clone() {
                    builder = builder.with_key_prefix(prefix);
                }
                if let Some(policy) = self.refresh_policy {
                    builder = builder.with_refresh_policy(policy);
                }
                builder.build().map_err(ConfigError::Provider)?
            }
        };

        let tenant = base_url
            .split_once("://")
            .map_or(base_url.as_str(), |(_, rest)| rest)
            .to_owned();
        let budget = crate::budget::Gate::new(
            self.rate_budget,
            self.rate_store.or(cache_rate_store),
            self.key_prefix
                .as_deref()
                .unwrap_or(auth0_m2m_cache::DEFAULT_KEY_PREFIX),
            &tenant,
        );
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        if self.telemetry {
            headers.insert(TELEMETRY_HEADER, auth0_m2m_token::telemetry_header_value());
        }
        Ok(ManagementClient {
            inner: Arc::new(Inner {
                provider,
                http,
                base_url,
                retry: self.retry,
                timeout: self.timeout,
                deadline: self.deadline,
                narrowed_scopes,
                max_response_bytes: self.max_response_bytes,
                headers,
                dpop: self.dpop,
                custom_domain,
                budget,
            }),
        })
    }
}

/// The longest host name DNS allows, in characters.
const MAX_HOST_NAME: usize = 253;

/// `domain` as the value of the custom-domain header, when it is a DNS host name: labels of
/// letters, digits and inner hyphens, each 1 to 63 characters, separated by dots (one trailing
/// dot allowed), at most 253 characters, and at least two labels.
fn custom_domain_header(domain: &str) -> Result<HeaderValue, ConfigError> {
    let refuse = |reason: &'static str| ConfigError::InvalidCustomDomain {
        domain: domain.to_owned(),
        reason,
    };
    if domain.contains("://") {
        return Err(refuse("it has a scheme"));
    }
    if domain.contains(['/', '?', '#']) {
        return Err(refuse("it has a path"));
    }
    if domain.contains(':') {
        return Err(refuse("it has a port"));
    }
    if domain.contains('@') {
        return Err(refuse("it has user information"));
    }
    let host = domain.strip_suffix('.').unwrap_or(domain);
    if host.is_empty() {
        return Err(refuse("it is empty"));
    }
    if host.len() > MAX_HOST_NAME {
        return Err(refuse(
            "it is longer than the 253 characters of a host name",
        ));
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return Err(refuse("a custom domain has at least two labels"));
    }
    for label in labels {
        if label.is_empty() || label.len() > 63 {
            return Err(refuse("each label between dots has 1 to 63 characters"));
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(refuse(
                "a host name holds only letters, digits, hyphens and dots \
                 (write an internationalized name in its xn-- form)",
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(refuse("a label neither starts nor ends with a hyphen"));
        }
    }
    HeaderValue::from_str(host).map_err(|_| refuse("it is not a valid header value"))
}

/// Rewrites the token crate's domain error in the words of this builder: the user called
/// `ManagementClient::builder(domain)`, not `TokenEndpoint::url`.
fn domain_hint(e: auth0_m2m_token::ConfigError) -> ConfigError {
    match e {
        auth0_m2m_token::ConfigError::InvalidDomain { domain, .. } if domain.contains("://") => {
            ConfigError::Token(auth0_m2m_token::ConfigError::InvalidDomain {
                domain,
                reason: "`ManagementClient::builder` takes the bare host (e.g. \
                         `tenant.eu.auth0.com`, without `https://`); to send the calls or the \
                         token request to a full URL, use `with_base_url` or `with_token_url`"
                    .to_owned(),
            })
        }
        other => ConfigError::Token(other),
    }
}

/// Checks a base URL and returns it without a trailing slash.
fn check_base_url(url: &str, allow_insecure: bool) -> Result<String, ConfigError> {
    let parsed = reqwest::Url::parse(url);
    // The URL is quoted in errors without its user-info: a `user:password@` must not reach a
    // log line.
    let shown = match &parsed {
        Ok(u) if !u.username().is_empty() || u.password().is_some() => {
            let mut redacted = u.clone();
            let _ = redacted.set_username("");
            let _ = redacted.set_password(None);
            redacted.as_str().replacen("://", "://[REDACTED]@", 1)
        }
        Ok(u) => u.as_str().to_owned(),
        Err(_) => match url.rsplit_once('@') {
            Some((_, host)) => format!("[REDACTED]@{host}"),
            None => url.to_owned(),
        },
    };
    let invalid = |reason: &str| ConfigError::Invalid {
        field: "base URL",
        reason: format!("{shown:?} {reason}"),
    };
    let parsed = parsed.map_err(|e| invalid(&format!("is not a URL: {e}")))?;
    match parsed.scheme() {
        "https" => {}
        "http" if allow_insecure => {}
        "http" => {
            return Err(ConfigError::InsecureHttp { url: shown });
        }
        _ => return Err(invalid("must start with https://")),
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("has no host"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("must not have a query or a fragment"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid("must not carry credentials"));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        assert_eq!(
            check_base_url("https://t.example/", false).unwrap(),
            "https://t.example"
        );
        assert!(matches!(
            check_base_url("http://127.0.0.1:1", false),
            Err(ConfigError::InsecureHttp { .. })
        ));
        assert_eq!(
            check_base_url("http://127.0.0.1:1", true).unwrap(),
            "http://127.0.0.1:1"
        );
        assert!(check_base_url("ftp://x", true).is_err());
        assert!(check_base_url("https://x/?a=1", false).is_err());
        let e = check_base_url("https://user:hunter2-pw@x/", false).unwrap_err();
        let printed = format!("{e} {e:?}");
        assert!(printed.contains("credentials"), "{printed}");
        assert!(!printed.contains("hunter2-pw"), "{printed}");
        assert!(!printed.contains("user:"), "{printed}");
        let e = check_base_url("http://user:hunter2-pw@x/", false).unwrap_err();
        assert!(!format!("{e} {e:?}").contains("hunter2-pw"));
        let e = check_base_url("ht tp://user:hunter2-pw@x/", false).unwrap_err();
        assert!(!format!("{e} {e:?}").contains("hunter2-pw"));
        assert!(check_base_url("not a url", false).is_err());
    }

    #[test]
    fn custom_domains_are_host_names() {
        for good in [
            "login.example.com",
            "auth.example.co.uk",
            "LOGIN.Example.com",
            "a-b.example.com",
            "xn--bcher-kva.example",
            "login.example.com.",
        ] {
            let value = custom_domain_header(good).unwrap_or_else(|e| panic!("{good}: {e}"));
            assert_eq!(value, good.trim_end_matches('.'));
        }
        for (bad, reason) in [
            ("https://login.example.com", "scheme"),
            ("login.example.com/", "path"),
            ("login.example.com/path", "path"),
            ("login.example.com?x=1", "path"),
            ("login.example.com:443", "port"),
            ("user@login.example.com", "user information"),
            ("", "empty"),
            (".", "empty"),
            ("localhost", "two labels"),
            ("login..example.com", "1 to 63"),
            ("-login.example.com", "hyphen"),
            ("login-.example.com", "hyphen"),
            ("log in.example.com", "letters, digits"),
            ("bücher.example", "xn--"),
            ("login.example.com\n", "letters, digits"),
        ] {
            let e = custom_domain_header(bad).expect_err(bad);
            let text = e.to_string();
            assert!(
                matches!(&e, ConfigError::InvalidCustomDomain { domain, .. } if domain == bad),
                "{e:?}"
            );
            assert!(text.contains(reason), "{bad:?}: {text}");
            assert!(
                text.contains("login.example.com"),
                "says what to give: {text}"
            );
        }
        let long = format!("{}.example.com", "a.".repeat(130));
        assert!(
            custom_domain_header(&long)
                .unwrap_err()
                .to_string()
                .contains("253")
        );
        let label = format!("{}.example.com", "a".repeat(64));
        assert!(
            custom_domain_header(&label)
                .unwrap_err()
                .to_string()
                .contains("63")
        );

        // The builder refuses it in `build`, with the same error.
        let e = ManagementClient::builder("tenant.example.com")
            .with_client_secret("id", "secret")
            .with_custom_domain("https://login.example.com")
            .build()
            .unwrap_err();
        assert!(
            matches!(e, ConfigError::InvalidCustomDomain { .. }),
            "{e:?}"
        );
        let b = ManagementClient::builder("tenant.example.com")
            .with_client_secret("id", "secret")
            .with_custom_domain("login.example.com");
        assert!(format!("{b:?}").contains("login.example.com"));
        b.build().expect("a host name builds");
    }

    #[test]
    fn build_explains_errors() {
        let e = ManagementClient::builder("tenant.example.com")
            .build()
            .unwrap_err();
        assert!(matches!(e, ConfigError::MissingCredentials));
        assert!(e.to_string().contains("with_client_secret"));

        let e = ManagementClient::builder("https://tenant.example.com/")
            .with_client_secret("id", "s3cr3t")
            .build()
            .unwrap_err();
        assert!(matches!(e, ConfigError::Token(_)), "{e:?}");
        let text = e.to_string();
        assert!(text.contains("ManagementClient::builder"), "{text}");
        assert!(text.contains("with_base_url"), "{text}");
        assert!(!text.contains("TokenEndpoint"), "{text}");
        assert!(!format!("{e:?}{e}").contains("s3cr3t"));

        let e = ManagementClient::builder("tenant.example.com")
            .with_client_secret("id", "")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("client secret"), "{e}");

        let e = ManagementClient::builder("tenant.example.com")
            .with_client_secret("id", "s")
            .with_timeout(Duration::ZERO)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("timeout"), "{e}");

        let e = ManagementClient::builder("tenant.example.com")
            .with_client_secret("id", "s")
            .with_deadline(Duration::ZERO)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("invalid deadline"), "{e}");

        let e = ManagementClient::builder("tenant.example.com")
            .with_client_secret("id", "s")
            .with_root_certificate_pem("not pem")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("root certificate"), "{e}");

        let e = ManagementClient::builder("tenant.example.com")
            .with_client_secret("id", "s")
            .with_root_certificate_pem("x")
            .with_reqwest_client(reqwest::Client::new())
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("own reqwest client"), "{e}");

        let e = ManagementClient::builder("tenant.example.com")
            .with_client_secret("id", "s")
            .with_token_url("http://127.0.0.1:9/oauth/token")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("allow_insecure_http"), "{e}");
    }

    #[test]
    fn builds_with_defaults() {
        let client = ManagementClient::builder("tenant.example.com")
            .with_client_secret("id", "s3cr3t")
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "https://tenant.example.com");
        let debug = format!("{client:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
    }
}
