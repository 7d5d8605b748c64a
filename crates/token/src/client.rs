//! The token client and its builder.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method};

use crate::auth::{AuthKind, ClientAuth, basic_credentials};
use crate::clock::{Clock, SystemClock};
use crate::dpop::DpopKey;
use crate::endpoint::TokenEndpoint;
use crate::error::{ConfigError, Error};
use crate::http::{HttpClient, HttpRequest, ReqwestHttpClient};
use crate::mtls::ClientCertificate;
use crate::response::{Scrub, interpret};
use crate::retry::RetryPolicy;
use crate::token::AccessToken;

#[cfg(feature = "private-key-jwt")]
type SigningKey = crate::jwt::PrivateKey;
#[cfg(not(feature = "private-key-jwt"))]
type SigningKey = std::convert::Infallible;

/// Whether an answer says the server did not accept the client's credentials: `401
/// invalid_client` (RFC 6749 §5.2), or Auth0's `401 access_denied`.
fn rejects_client(e: &Error) -> bool {
    matches!(e, Error::OAuth(o) if o.status == 401 && (o.error == "invalid_client" || o.error == "access_denied"))
        || matches!(e, Error::OAuth(o) if o.status == 400 && o.error == "invalid_client")
}

/// Default time allowed to establish a connection: 5 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Default total time allowed for one request attempt (connect, send, receive): 30 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The telemetry header sent to Auth0 (switch it off with
/// [`with_telemetry(false)`](TokenClientBuilder::with_telemetry)).
pub const TELEMETRY_HEADER: &str = "Auth0-Client";

const USER_AGENT_VALUE: &str = concat!("auth0-m2m/", env!("CARGO_PKG_VERSION"));

/// Parameter names the client sets itself; extra parameters cannot override them.
const RESERVED_PARAMS: &[&str] = &[
    "grant_type",
    "client_id",
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "audience",
    "scope",
    "organization",
];

enum Transport {
    Default,
    Reqwest(reqwest::Client),
    Custom(Arc<dyn HttpClient>),
}

/// Builds a [`TokenClient`]. Obtain one with [`TokenClient::builder`].
///
/// Defaults:
///
/// | setting | default |
/// | --- | --- |
/// | audience | `https://{domain}/api/v2/` for [`TokenEndpoint::auth0_domain`], none for [`TokenEndpoint::url`] |
/// | scopes | none (no `scope` parameter; Auth0 grants all scopes of the client grant) |
/// | organization | none |
/// | body encoding | `application/x-www-form-urlencoded` (JSON with [`with_json_body(true)`](Self::with_json_body)) |
/// | transport | reqwest with rustls and the Mozilla (webpki) root certificates, no redirects |
/// | connect timeout | 5 s ([`DEFAULT_CONNECT_TIMEOUT`]) |
/// | total timeout per attempt | 30 s ([`DEFAULT_TIMEOUT`]) |
/// | retries | [`RetryPolicy::default`]: 3 retries, 200 ms doubling to 5 s, server waits up to 30 s |
/// | telemetry header | on (`Auth0-Client`) |
/// | plain HTTP | refused |
pub struct TokenClientBuilder {
    endpoint: TokenEndpoint,
    client_id: String,
    auth: ClientAuth,
    audience: Option<String>,
    scopes: Vec<String>,
    organization: Option<String>,
    extra_params: Vec<(String, String)>,
    json_body: bool,
    root_certificates: Vec<Vec<u8>>,
    transport: Transport,
    allow_insecure_http: bool,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    telemetry: bool,
    clock: Arc<dyn Clock>,
    #[cfg(feature = "private-key-jwt")]
    assertion_audience: Option<String>,
    #[cfg(feature = "private-key-jwt")]
    assertion_lifetime: Duration,
    dpop: Option<DpopKey>,
    client_certificate: Option<ClientCertificate>,
    mtls_endpoint: Option<String>,
}

impl TokenClientBuilder {
    /// Presents `certificate` in the TLS handshake with the token endpoint (RFC 8705): the
    /// credential of `tls_client_auth` and `self_signed_tls_client_auth`, and what
    /// certificate-bound tokens (`cnf.x5t#S256`) are bound to. Tokens are cached under the
    /// certificate's thumbprint. With the default transport the certificate is configured on
    /// it; with your own transport, configure the same certificate on it. Default: none.
    pub fn with_client_certificate(mut self, certificate: ClientCertificate) -> Self {
        self.client_certificate = Some(certificate);
        self
    }

    /// Sends token requests to the token endpoint's mTLS alias, the
    /// `mtls_endpoint_aliases.token_endpoint` of the server's discovery document (RFC 8705
    /// §5), instead of the token URL. Default: the token URL.
    pub fn with_mtls_endpoint(mut self, url: impl Into<String>) -> Self {
        self.mtls_endpoint = Some(url.into());
        self
    }

    /// Sets the `audience` parameter (the API the token is for).
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Sets the requested scopes (sent as a space-separated `scope` parameter, sorted and
    /// without duplicates).
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the `organization` parameter (an Auth0 organization id or name).
    pub fn with_organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }

    /// Adds an extra body parameter. The parameters the client sets itself (`grant_type`,
    /// `client_id`, `client_secret`, `client_assertion`, `client_assertion_type`, `audience`,
    /// `scope`, `organization`) cannot be overridden this way.
    pub fn with_extra_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_params.push((name.into(), value.into()));
        self
    }

    /// Sends a JSON body instead of the default form body.
    pub fn with_json_body(mut self, json: bool) -> Self {
        self.json_body = json;
        self
    }

    /// Trusts an extra root certificate (PEM; a bundle of several is fine), in addition to the
    /// built-in roots. Repeatable. Not combinable with a user-provided transport.
    pub fn with_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates.push(pem.as_ref().to_vec());
        self
    }

    /// Uses a configured `reqwest::Client` (proxies, mTLS, custom roots…). Its own timeouts and
    /// redirect policy apply; the total timeout of this builder is enforced on top.
    pub fn with_reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.transport = Transport::Reqwest(client);
        self
    }

    /// Uses a custom transport (another HTTP stack, or a fake in tests).
    pub fn with_http_client(mut self, client: Arc<dyn HttpClient>) -> Self {
        self.transport = Transport::Custom(client);
        self
    }

    /// Accepts a plain `http://` token URL (default `false`). Meant for local testing only:
    /// credentials and tokens then travel unencrypted.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Sets the connect timeout of the default transport (default 5 s).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the total time allowed for one attempt (default 30 s). Retries get their own.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the retry policy (default [`RetryPolicy::default`]).
    pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The wall clock that stamps tokens and turns `X-RateLimit-Reset` into a wait (default
    /// [`SystemClock`]). Tests pass a [`TokioClock`](crate::TokioClock) so that tokio's paused
    /// clock moves it.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sends the `Auth0-Client` telemetry header (default `true`): base64 of
    /// `{"name":"auth0-m2m","version":"<crate version>","env":{"rust":"<rustc version>"}}`.
    pub fn with_telemetry(mut self, telemetry: bool) -> Self {
        self.telemetry = telemetry;
        self
    }

    /// Sets the `aud` claim of `private_key_jwt` assertions. Default: the issuer URL of the
    /// token host with its trailing slash (`https://{tenant or custom domain}/`), as Auth0
    /// documents it; the token URL for an endpoint declared
    /// [`not_auth0`](TokenEndpoint::not_auth0).
    #[cfg(feature = "private-key-jwt")]
    pub fn with_assertion_audience(mut self, audience: impl Into<String>) -> Self {
        self.assertion_audience = Some(audience.into());
        self
    }

    /// Sets how long each `private_key_jwt` assertion is valid (`exp` - `iat`): default 60 s
    /// ([`ASSERTION_LIFETIME`](crate::ASSERTION_LIFETIME), Auth0's recommendation), between 1 s
    /// and 5 minutes ([`MAX_ASSERTION_LIFETIME`](crate::MAX_ASSERTION_LIFETIME), the most
    /// Auth0 accepts), whole seconds.
    #[cfg(feature = "private-key-jwt")]
    pub fn with_assertion_lifetime(mut self, lifetime: Duration) -> Self {
        self.assertion_lifetime = lifetime;
        self
    }

    /// Asks for DPoP-bound tokens (RFC 9449): every token request carries a proof signed with
    /// `key`, a `400 use_dpop_nonce` answer is retried once with the server's nonce, and the
    /// answer may be `token_type: DPoP` (a server may still answer `Bearer`). Default: none.
    pub fn with_dpop(mut self, key: DpopKey) -> Self {
        self.dpop = Some(key);
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<TokenClient, ConfigError> {
        if self.endpoint.is_insecure() && !self.allow_insecure_http {
            return Err(ConfigError::InsecureHttp {
                url: self.endpoint.as_str().to_owned(),
            });
        }
        check_text("client id", &self.client_id)?;
        if self.auth.secret().is_some_and(str::is_empty) {
            return Err(ConfigError::Empty {
                field: "client secret",
            });
        }
        let audience = match self.audience {
            Some(a) => {
                check_text("audience", &a)?;
                Some(a)
            }
            None => self.endpoint.default_audience().map(str::to_owned),
        };
        if let Some(org) = &self.organization {
            check_text("organization", org)?;
        }
        let mut scopes = BTreeSet::new();
        for scope in &self.scopes {
            if scope.is_empty() {
                return Err(ConfigError::Invalid {
                    field: "scope",
                    reason: "a scope is empty".to_owned(),
                });
            }
            // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
            if !scope
                .bytes()
                .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
            {
                return Err(ConfigError::Invalid {
                    field: "scope",
                    reason: format!(
                        "{scope:?} contains a space, quote, backslash, control or non-ASCII character; pass each scope separately"
                    ),
                });
            }
            scopes.insert(scope.clone());
        }
        let scopes: Vec<String> = scopes.into_iter().collect();
        for (name, _) in &self.extra_params {
            if name.is_empty() {
                return Err(ConfigError::Invalid {
                    field: "extra parameter",
                    reason: "the name is empty".to_owned(),
                });
            }
            if RESERVED_PARAMS.contains(&name.as_str()) {
                return Err(ConfigError::Invalid {
                    field: "extra parameter",
                    reason: format!(
                        "{name:?} is set by the client itself; use the dedicated builder method"
                    ),
                });
            }
        }
        if self.timeout.is_zero() {
            return Err(ConfigError::Invalid {
                field: "timeout",
                reason: "must be greater than zero".to_owned(),
            });
        }
        if self.connect_timeout.is_zero() {
            return Err(ConfigError::Invalid {
                field: "connect timeout",
                reason: "must be greater than zero".to_owned(),
            });
        }

        if self.auth.is_mtls() && self.client_certificate.is_none() {
            return Err(ConfigError::Invalid {
                field: "client certificate",
                reason: format!(
                    "{} needs a client certificate and its key; give them with with_client_certificate (AUTH0_CLIENT_CERT and AUTH0_CLIENT_KEY)",
                    self.auth.method_name()
                ),
            });
        }
        let token_url = match &self.mtls_endpoint {
            Some(u) => {
                let e = TokenEndpoint::url(u)?;
                if e.is_insecure() && !self.allow_insecure_http {
                    return Err(ConfigError::InsecureHttp { url: u.clone() });
                }
                e.as_str().to_owned()
            }
            None => self.endpoint.as_str().to_owned(),
        };
        let http: Arc<dyn HttpClient> = match self.transport {
            Transport::Default => {
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
            Transport::Reqwest(client) => {
                reject_roots_with_own_transport(&self.root_certificates)?;
                Arc::new(ReqwestHttpClient::new(client))
            }
            Transport::Custom(client) => {
                reject_roots_with_own_transport(&self.root_certificates)?;
                client
            }
        };

        #[cfg(feature = "private-key-jwt")]
        let assertion_audience = match self.assertion_audience {
            Some(a) => {
                check_text("assertion audience", &a)?;
                a
            }
            None if self.endpoint.is_auth0() => self.endpoint.issuer_url(),
            None => self.endpoint.as_str().to_owned(),
        };
        #[cfg(feature = "private-key-jwt")]
        if let AuthKind::PrivateKeyJwt(keys) = &self.auth.kind {
            check_assertion_config(
                keys,
                &self.endpoint,
                &self.client_id,
                &assertion_audience,
                self.assertion_lifetime,
            )?;
        }

        let telemetry = self.telemetry.then(telemetry_header_value);

        Ok(TokenClient {
            inner: Arc::new(Inner {
                token_url,
                endpoint: self.endpoint,
                client_id: self.client_id,
                auth: self.auth,
                audience,
                scopes,
                organization: self.organization,
                extra_params: self.extra_params,
                json_body: self.json_body,
                http,
                timeout: self.timeout,
                retry: self.retry,
                telemetry,
                clock: self.clock,
                #[cfg(feature = "private-key-jwt")]
                assertion_audience,
                #[cfg(feature = "private-key-jwt")]
                assertion_lifetime: self.assertion_lifetime,
                dpop: self.dpop,
                client_certificate: self.client_certificate,
            }),
        })
    }
}

/// Checks what Auth0 checks of the assertions before any is sent: the algorithms it can
/// register, the lifetime, and the size of an assertion signed now with each key.
#[cfg(feature = "private-key-jwt")]
fn check_assertion_config(
    keys: &crate::jwt::KeyRing,
    endpoint: &TokenEndpoint,
    client_id: &str,
    audience: &str,
    lifetime: Duration,
) -> Result<(), ConfigError> {
    if lifetime.is_zero()
        || lifetime > crate::jwt::MAX_ASSERTION_LIFETIME
        || lifetime.subsec_nanos() != 0
    {
        return Err(ConfigError::Invalid {
            field: "assertion lifetime",
            reason: format!(
                "{lifetime:?} is not a whole number of seconds between 1 s and 5 minutes (Auth0 refuses an `exp` more than five minutes ahead; one minute is recommended)"
            ),
        });
    }
    if endpoint.is_auth0() {
        for alg in keys.algorithms() {
            if !alg.is_auth0_credential_algorithm() {
                return Err(ConfigError::Invalid {
                    field: "private key algorithm",
                    reason: format!(
                        "Auth0 cannot register a {alg} credential: it accepts RS256, RS384 or PS256 only; use an RSA key with one of them, or declare the token endpoint not Auth0's with TokenEndpoint::not_auth0() if it belongs to another OAuth server"
                    ),
                });
            }
        }
    }
    for (_, key) in keys.candidates() {
        let probe = key
            .sign_assertion(
                client_id,
                audience,
                SystemTime::now(),
                lifetime,
                endpoint.is_auth0(),
            )
            .map_err(|reason| ConfigError::Invalid {
                field: "private key",
                reason: format!("cannot sign a client assertion: {reason}"),
            })?;
        check_assertion_size(probe.len(), endpoint)?;
    }
    Ok(())
}

/// Auth0 refuses client assertions over 2,048 bytes.
#[cfg(feature = "private-key-jwt")]
fn check_assertion_size(bytes: usize, endpoint: &TokenEndpoint) -> Result<(), ConfigError> {
    if endpoint.is_auth0() && bytes > crate::jwt::MAX_ASSERTION_BYTES {
        return Err(ConfigError::AssertionTooLarge {
            bytes,
            limit: crate::jwt::MAX_ASSERTION_BYTES,
        });
    }
    Ok(())
}

fn check_text(field: &'static str, value: &str) -> Result<(), ConfigError> {
    if value.is_empty() {
        return Err(ConfigError::Empty { field });
    }
    if value.chars().any(char::is_control) {
        return Err(ConfigError::Invalid {
            field,
            reason: "contains control characters".to_owned(),
        });
    }
    Ok(())
}

fn reject_roots_with_own_transport(roots: &[Vec<u8>]) -> Result<(), ConfigError> {
    if roots.is_empty() {
        Ok(())
    } else {
        Err(ConfigError::Invalid {
            field: "root certificate",
            reason: "extra root certificates apply to the default transport only; add them to your own client instead".to_owned(),
        })
    }
}

/// The value of the `Auth0-Client` telemetry header that every layer of this workspace sends:
/// base64 of `{"name":"auth0-m2m","version":…,"env":{"rust":…}}` (no host, user or
/// configuration data).
///
/// ```
/// let value = auth0_m2m_token::telemetry_header_value();
/// assert!(!value.is_empty());
/// ```
pub fn telemetry_header_value() -> HeaderValue {
    use base64::Engine as _;
    let json = serde_json::json!({
        "name": "auth0-m2m",
        "version": env!("CARGO_PKG_VERSION"),
        "env": { "rust": env!("AUTH0_M2M_RUSTC_VERSION") },
    });
    let encoded = base64::engine::general_purpose::STANDARD.encode(json.to_string());
    // Base64 output is always a valid header value.
    HeaderValue::from_str(&encoded).unwrap_or_else(|_| HeaderValue::from_static("e30="))
}

struct Inner {
    endpoint: TokenEndpoint,
    token_url: String,
    client_id: String,
    auth: ClientAuth,
    audience: Option<String>,
    scopes: Vec<String>,
    organization: Option<String>,
    extra_params: Vec<(String, String)>,
    json_body: bool,
    http: Arc<dyn HttpClient>,
    timeout: Duration,
    retry: RetryPolicy,
    telemetry: Option<HeaderValue>,
    clock: Arc<dyn Clock>,
    #[cfg(feature = "private-key-jwt")]
    assertion_audience: String,
    #[cfg(feature = "private-key-jwt")]
    assertion_lifetime: Duration,
    dpop: Option<DpopKey>,
    client_certificate: Option<ClientCertificate>,
}

/// Obtains access tokens with the OAuth 2.0 client-credentials grant.
///
/// Cheap to clone (the configuration is shared), `Send + Sync`. It does not cache: every
/// [`fetch_token`](Self::fetch_token) asks the token endpoint for a new token. `Debug` never
/// shows the secret or the key.
#[derive(Clone)]
pub struct TokenClient {
    inner: Arc<Inner>,
}

impl TokenClient {
    /// Starts a builder with the required values: where to ask, who asks, and how the client
    /// authenticates.
    pub fn builder(
        endpoint: TokenEndpoint,
        client_id: impl Into<String>,
        auth: ClientAuth,
    ) -> TokenClientBuilder {
        TokenClientBuilder {
            endpoint,
            client_id: client_id.into(),
            auth,
            audience: None,
            scopes: Vec::new(),
            organization: None,
            extra_params: Vec::new(),
            json_body: false,
            root_certificates: Vec::new(),
            transport: Transport::Default,
            allow_insecure_http: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            telemetry: true,
            clock: Arc::new(SystemClock),
            #[cfg(feature = "private-key-jwt")]
            assertion_audience: None,
            #[cfg(feature = "private-key-jwt")]
            assertion_lifetime: crate::jwt::ASSERTION_LIFETIME,
            dpop: None,
            client_certificate: None,
            mtls_endpoint: None,
        }
    }

    /// The URL token requests go to: the token URL, or the mTLS alias when one was set.
    pub fn token_url(&self) -> &str {
        &self.inner.token_url
    }

    /// The token endpoint.
    pub fn endpoint(&self) -> &TokenEndpoint {
        &self.inner.endpoint
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The audience sent with each request, if any.
    pub fn audience(&self) -> Option<&str> {
        self.inner.audience.as_deref()
    }

    /// The requested scopes, sorted and without duplicates (empty: no `scope` parameter).
    pub fn scopes(&self) -> &[String] {
        &self.inner.scopes
    }

    /// The organization sent with each request, if any.
    pub fn organization(&self) -> Option<&str> {
        self.inner.organization.as_deref()
    }

    /// The client authentication method name (`client_secret_post`, …).
    pub fn auth_method(&self) -> &'static str {
        self.inner.auth.method_name()
    }

    /// The client certificate presented to the token endpoint, if any.
    pub fn client_certificate(&self) -> Option<&ClientCertificate> {
        self.inner.client_certificate.as_ref()
    }

    /// The DPoP key, when tokens are requested DPoP-bound.
    pub fn dpop_key(&self) -> Option<&DpopKey> {
        self.inner.dpop.as_ref()
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Requests a new access token, retrying transient failures as the
    /// [`RetryPolicy`] allows.
    ///
    /// `expires_at` of the token is computed from the moment the successful attempt was sent.
    /// Every attempt emits a `tracing` event (target `auth0_m2m_token`) with the URL, client
    /// id, attempt number, status and duration; never a secret, an assertion or a token.
    pub async fn fetch_token(&self) -> Result<AccessToken, Error> {
        let inner = &*self.inner;
        let mut retry = 0u32;
        loop {
            let attempt = retry + 1;
            let result = self.attempt(attempt).await;
            let err = match result {
                Ok(token) => return Ok(token),
                Err(e) => e,
            };
            if !err.is_retryable() || retry >= inner.retry.max_retries() {
                tracing::warn!(
                    url = %inner.token_url,
                    client_id = %inner.client_id,
                    attempt,
                    retryable = err.is_retryable(),
                    error = %err,
                    "token request failed"
                );
                return Err(err);
            }
            let hint = err.retry_after_at(inner.clock.now());
            let Some(wait) = inner.retry.wait(retry, hint) else {
                tracing::warn!(
                    url = %inner.token_url,
                    client_id = %inner.client_id,
                    attempt,
                    server_wait_ms = hint.map(|h| h.as_millis() as u64),
                    error = %err,
                    "token request failed; the server asks for a longer wait than the retry policy allows"
                );
                return Err(err);
            };
            tracing::info!(
                url = %inner.token_url,
                client_id = %inner.client_id,
                attempt,
                wait_ms = wait.as_millis() as u64,
                server_hint = hint.is_some(),
                error = %err,
                "token request failed; retrying"
            );
            tokio::time::sleep(wait).await;
            retry += 1;
        }
    }

    async fn attempt(&self, attempt: u32) -> Result<AccessToken, Error> {
        let inner = &*self.inner;
        let keys = self.signing_keys()?;
        let mut key_pos = 0usize;
        let mut nonce_retried = false;
        loop {
            let key = keys.get(key_pos);
            let result = self.send_once(attempt, key).await;
            match result {
                Ok(token) => {
                    #[cfg(feature = "private-key-jwt")]
                    if let (Some((slot, _)), AuthKind::PrivateKeyJwt(ring)) =
                        (key, &inner.auth.kind)
                    {
                        ring.prefer(*slot);
                    }
                    return Ok(token);
                }
                Err(Error::OAuth(e))
                    if !nonce_retried
                        && inner.dpop.is_some()
                        && e.status == 400
                        && e.error == "use_dpop_nonce" =>
                {
                    // The nonce came with the answer and is kept by the key; send once more.
                    tracing::debug!(url = %inner.token_url, attempt, "the token endpoint asks for a DPoP nonce; sending the proof again with it");
                    nonce_retried = true;
                }
                Err(e) if key_pos + 1 < keys.len() && rejects_client(&e) => {
                    tracing::warn!(
                        url = %inner.token_url,
                        client_id = %inner.client_id,
                        attempt,
                        error = %e,
                        "the token endpoint rejected the client assertion; trying the other signing key"
                    );
                    key_pos += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The signing keys available now, preferred first (none without `private_key_jwt`).
    fn signing_keys(&self) -> Result<Vec<(usize, SigningKey)>, Error> {
        #[cfg(feature = "private-key-jwt")]
        if let AuthKind::PrivateKeyJwt(ring) = &self.inner.auth.kind {
            let keys = ring.candidates();
            if keys.is_empty() {
                return Err(Error::Config(ConfigError::Invalid {
                    field: "private key",
                    reason: format!(
                        "no signing key is available: the key files {ring:?} are all missing; put the key back"
                    ),
                }));
            }
            return Ok(keys);
        }
        Ok(Vec::new())
    }

    async fn send_once(
        &self,
        attempt: u32,
        key: Option<&(usize, SigningKey)>,
    ) -> Result<AccessToken, Error> {
        let inner = &*self.inner;
        let sent_at = inner.clock.now();
        let started = tokio::time::Instant::now();
        let (request, assertion) = self.build_request(sent_at, key.map(|(_, k)| k))?;
        tracing::debug!(
            url = %inner.token_url,
            client_id = %inner.client_id,
            auth = inner.auth.method_name(),
            attempt,
            "sending token request"
        );
        let outcome = tokio::time::timeout(inner.timeout, inner.http.execute(request)).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let response = match outcome {
            Err(_) => Err(Error::Timeout(inner.timeout)),
            Ok(Err(Error::Timeout(d))) if d.is_zero() => Err(Error::Timeout(inner.timeout)),
            Ok(r) => r,
        };
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(url = %inner.token_url, attempt, elapsed_ms, error = %e, "token request got no answer");
                return Err(e);
            }
        };
        tracing::debug!(
            url = %inner.token_url,
            attempt,
            status = response.status,
            elapsed_ms,
            body_bytes = response.body.len(),
            "token endpoint answered"
        );
        if let Some(d) = &inner.dpop {
            d.remember_nonce(&inner.token_url, &response.headers);
        }
        let mut secrets = Vec::new();
        if let Some(s) = inner.auth.secret() {
            secrets.push(s);
        }
        if let Some(a) = assertion.as_deref() {
            secrets.push(a);
        }
        let scrub = Scrub { secrets };
        let token = interpret(
            &response,
            &inner.scopes,
            sent_at,
            inner.clock.now(),
            &scrub,
            inner.dpop.is_some(),
        )?;
        tracing::debug!(
            url = %inner.token_url,
            client_id = %inner.client_id,
            attempt,
            expires_in_s = token.lifetime().as_secs(),
            scopes = %token.scope_string(),
            "token obtained"
        );
        Ok(token)
    }

    /// Builds the HTTP request; also returns the assertion (if any) so answers can be scrubbed.
    fn build_request(
        &self,
        now: SystemTime,
        key: Option<&SigningKey>,
    ) -> Result<(HttpRequest, Option<String>), Error> {
        let inner = &*self.inner;
        let mut params: Vec<(&str, &str)> = vec![
            ("grant_type", "client_credentials"),
            ("client_id", &inner.client_id),
        ];
        let mut headers = HeaderMap::new();
        #[allow(unused_mut)]
        let mut assertion: Option<String> = None;
        #[cfg(feature = "private-key-jwt")]
        if let Some(key) = key {
            let signed = key
                .sign_assertion(
                    &inner.client_id,
                    &inner.assertion_audience,
                    now,
                    inner.assertion_lifetime,
                    inner.endpoint.is_auth0(),
                )
                .map_err(|reason| {
                    Error::Config(ConfigError::Invalid {
                        field: "private key",
                        reason: format!("could not sign the client assertion: {reason}"),
                    })
                })?;
            check_assertion_size(signed.len(), &inner.endpoint)?;
            assertion = Some(signed);
        }
        #[cfg(not(feature = "private-key-jwt"))]
        let _ = (now, key);
        let secret_post = match &inner.auth.kind {
            AuthKind::SecretPost(_) => inner.auth.secret(),
            _ => None,
        };
        if let Some(secret) = secret_post {
            params.push(("client_secret", secret));
        }
        if let AuthKind::SecretBasic(_) = &inner.auth.kind {
            let secret = inner.auth.secret().unwrap_or_default();
            let mut value = HeaderValue::from_str(&basic_credentials(&inner.client_id, secret))
                .map_err(|_| {
                    Error::Config(ConfigError::Invalid {
                        field: "client secret",
                        reason: "cannot be encoded in an Authorization header".to_owned(),
                    })
                })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        if let Some(a) = assertion.as_deref() {
            #[cfg(feature = "private-key-jwt")]
            params.push(("client_assertion_type", crate::jwt::ASSERTION_TYPE));
            params.push(("client_assertion", a));
        }
        if let Some(aud) = &inner.audience {
            params.push(("audience", aud));
        }
        let scope = inner.scopes.join(" ");
        if !scope.is_empty() {
            params.push(("scope", &scope));
        }
        if let Some(org) = &inner.organization {
            params.push(("organization", org));
        }
        for (k, v) in &inner.extra_params {
            params.push((k, v));
        }

        let body = if inner.json_body {
            let map: serde_json::Map<String, serde_json::Value> = params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).to_owned())))
                .collect();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            serde_json::to_vec(&map).map_err(|_| {
                Error::Config(ConfigError::Invalid {
                    field: "request body",
                    reason: "could not be encoded as JSON".to_owned(),
                })
            })?
        } else {
            headers.insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params.iter())
                .finish()
                .into_bytes()
        };
        if let Some(d) = &inner.dpop {
            let proof = d.proof_at(&Method::POST, &inner.token_url, None, now)?;
            let mut value = HeaderValue::from_str(&proof).map_err(|_| {
                Error::Config(ConfigError::Invalid {
                    field: "DPoP key",
                    reason: "the proof cannot be sent in a header".to_owned(),
                })
            })?;
            value.set_sensitive(true);
            headers.insert(crate::dpop::DPOP_HEADER, value);
        }
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        if let Some(t) = &inner.telemetry {
            headers.insert(TELEMETRY_HEADER, t.clone());
        }
        let request = HttpRequest::new(
            Method::POST,
            inner.token_url.clone(),
            headers,
            Bytes::from(body),
        )
        .with_timeout(inner.timeout);
        Ok((request, assertion))
    }
}

impl fmt::Debug for TokenClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &*self.inner;
        f.debug_struct("TokenClient")
            .field("token_url", &i.token_url)
            .field("client_id", &i.client_id)
            .field("auth", &i.auth)
            .field("audience", &i.audience)
            .field("scopes", &i.scopes)
            .field("organization", &i.organization)
            .field(
                "extra_params",
                &i.extra_params.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("json_body", &i.json_body)
            .field("timeout", &i.timeout)
            .field("retry", &i.retry)
            .field("telemetry", &i.telemetry.is_some())
            .field("dpop", &i.dpop)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for TokenClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .field("auth", &self.auth)
            .field("audience", &self.audience)
            .field("scopes", &self.scopes)
            .field("organization", &self.organization)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
