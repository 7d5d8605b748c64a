//! [`ManagementClient`]: executes [`Endpoint`]s with a token that takes care of itself.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use auth0_m2m_cache::TokenProvider;
use auth0_m2m_management::{Body, CUSTOM_DOMAIN_HEADER, Endpoint, Part};
use auth0_m2m_token::{AccessToken, HttpClient, HttpRequest, RetryPolicy};
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method};

use crate::builder::ManagementClientBuilder;
use crate::error::{ApiError, Error};
use crate::response::{CallOptions, Response, ResponseMeta};

pub(crate) struct Inner {
    pub(crate) provider: TokenProvider,
    pub(crate) http: Arc<dyn HttpClient>,
    pub(crate) base_url: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    /// The whole-call deadline of every call that sets none of its own.
    pub(crate) deadline: Option<Duration>,
    /// The scopes given to `with_scopes`, when the client narrowed its token.
    pub(crate) narrowed_scopes: Option<Vec<String>>,
    pub(crate) max_response_bytes: usize,
    pub(crate) headers: HeaderMap,
    /// The DPoP key that DPoP-bound tokens are bound to.
    pub(crate) dpop: Option<auth0_m2m_token::DpopKey>,
    /// The `auth0-custom-domain` header value, sent on the operations that accept it.
    pub(crate) custom_domain: Option<HeaderValue>,
    /// The rate budget every attempt goes through.
    pub(crate) budget: crate::budget::Gate,
}

/// An Auth0 Management API client whose access token takes care of itself.
///
/// Cheap to clone (an `Arc` inside), `Send + Sync`; clones share one token provider and one
/// connection pool. `Debug` never shows the client secret or a token.
///
/// Every call ([`execute`](Self::execute), the resource handles such as
/// [`clients`](Self::clients), the streams, [`request`](Self::request)):
///
/// - reads a token from the caching provider before each attempt and sends it as
///   `Authorization: Bearer …`;
/// - on HTTP 401 invalidates exactly the token it sent and retries once with a fresh one (if
///   the token of that retry had been requested before the first 401 arrived — it may be as
///   stale as the first, say after a signing-key rotation — and is rejected too, it is
///   invalidated as well and one more token is tried);
/// - on HTTP 429, and on HTTP 5xx or a timeout or lost connection for idempotent methods
///   (`GET`, `HEAD`, `PUT`, `DELETE`, `OPTIONS`), retries with exponential backoff and jitter;
///   the server's wait is honoured up to the policy's cap by one rule: `Retry-After` on a 429
///   or 503, `X-RateLimit-Reset` on a 429 only (Auth0 sends it on every answer, so it says
///   nothing about when a 5xx is over);
/// - never retries `POST` or `PATCH` after the request may have been processed (only after a
///   429, or when the connection could not be established at all);
/// - bounds each attempt by its timeout ([`with_timeout`](ManagementClientBuilder::with_timeout),
///   [`CallOptions::timeout`]) and, when one is set, the whole call (token fetch, attempts,
///   waits) by its deadline ([`with_deadline`](ManagementClientBuilder::with_deadline),
///   [`CallOptions::deadline`]), without starting a wait that would end past it.
#[derive(Clone)]
pub struct ManagementClient {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for ManagementClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagementClient")
            .field("base_url", &self.inner.base_url)
            .field("provider", &self.inner.provider)
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .field("deadline", &self.inner.deadline)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .finish_non_exhaustive()
    }
}

/// A request ready to be sent (but for the token).
pub(crate) struct Prepared {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) body: Option<(Bytes, HeaderValue)>,
    /// Whether the operation accepts the custom-domain header.
    pub(crate) custom_domain: bool,
}

impl ManagementClient {
    /// Starts a builder for the tenant at `domain` (a bare host such as
    /// `tenant.eu.auth0.com`, or `host:port`). Set the credentials with
    /// [`with_client_secret`](ManagementClientBuilder::with_client_secret) (or
    /// [`with_client_auth`](ManagementClientBuilder::with_client_auth)).
    pub fn builder(domain: impl Into<String>) -> ManagementClientBuilder {
        ManagementClientBuilder::new(domain.into(), None)
    }

    /// Starts a builder that uses an existing token `provider` and sends the calls to
    /// `base_url` (such as `https://tenant.eu.auth0.com`, or a local test server with
    /// [`allow_insecure_http`](ManagementClientBuilder::allow_insecure_http)). The
    /// credential, audience, scope and cache settings of the builder do not apply: they are
    /// the provider's.
    pub fn builder_with_provider(
        provider: TokenProvider,
        base_url: impl Into<String>,
    ) -> ManagementClientBuilder {
        ManagementClientBuilder::new(String::new(), Some(provider))
            .with_base_url_unchecked(base_url.into())
    }

    /// The base URL the calls go to (`https://{domain}` by default), without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The token provider (shared by every clone), for its statistics or to share it.
    pub fn token_provider(&self) -> &TokenProvider {
        &self.inner.provider
    }

    /// Executes an endpoint and reads its answer as `E::Response`.
    ///
    /// ```no_run
    /// # async fn run(client: auth0_m2m::ManagementClient) -> Result<(), auth0_m2m::Error> {
    /// use auth0_m2m::management::users::GetUser;
    /// let user = client.execute(&GetUser::new("auth0|123")).await?;
    /// println!("{:?}", user.email);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute<E: Endpoint>(&self, endpoint: &E) -> Result<E::Response, Error> {
        self.execute_with(endpoint, &CallOptions::default())
            .await
            .map(Response::into_body)
    }

    /// Executes an endpoint with per-call `options` and returns its answer with the
    /// [`ResponseMeta`] (status, headers, request id, rate limit, quotas).
    ///
    /// ```no_run
    /// # async fn run(client: auth0_m2m::ManagementClient) -> Result<(), auth0_m2m::Error> {
    /// use auth0_m2m::CallOptions;
    /// use auth0_m2m::management::users::GetUser;
    ///
    /// let response = client
    ///     .execute_with(&GetUser::new("auth0|123"), &CallOptions::new().max_retries(0))
    ///     .await?;
    /// eprintln!("{:?} calls left", response.meta().rate_limit().remaining);
    /// println!("{:?}", response.body().email);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute_with<E: Endpoint>(
        &self,
        endpoint: &E,
        options: &CallOptions,
    ) -> Result<Response<E::Response>, Error> {
        let prepared = prepare(endpoint)?;
        let method = prepared.method.clone();
        let path = prepared.path.clone();
        let (body, meta) = self.send(prepared, options).await?;
        match endpoint.parse_response(&body) {
            Ok(value) => Ok(Response::new(value, meta)),
            Err(source) => Err(Error::Decode {
                method,
                path,
                status: meta.status(),
                source,
                meta: Box::new(meta),
            }),
        }
    }

    /// Sends a prepared request with the token, the 401 rule and the retries, within the
    /// call's deadline.
    pub(crate) async fn send(
        &self,
        req: Prepared,
        options: &CallOptions,
    ) -> Result<(Bytes, ResponseMeta), Error> {
        let inner = &self.inner;
        let own_headers = options.apply(&inner.headers)?;
        let base_headers = own_headers.as_ref().unwrap_or(&inner.headers);
        let max_retries = options.max_retries.unwrap_or(inner.retry.max_retries());
        let timeout = options.timeout.unwrap_or(inner.timeout);
        let deadline = Deadline::start(options.deadline.or(inner.deadline));
        let idempotent = matches!(
            req.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        let mut url = format!("{}{}", inner.base_url, req.path);
        if !req.query.is_empty() {
            url.push('?');
            url.push_str(&req.query);
        }
        let mut retries: u32 = 0;
        let mut attempts: u32 = 0;
        // When the first 401 arrived. A token requested before that moment may predate the same
        // revocation or signing-key rotation, so it does not count as the fresh token the 401
        // rule promises: if it is rejected too, it is invalidated and one more fresh token is
        // tried. A token requested after the first 401 that is rejected ends the call.
        let mut rejected_at: Option<SystemTime> = None;
        let mut reauthentications: u32 = 0;
        let mut nonce_retried = false;
        loop {
            // Read the token again for every attempt: another task may have refreshed it.
            let token = deadline
                .bound(inner.provider.token())
                .await
                .ok_or_else(|| deadline.exceeded(&req, attempts))??;
            let mut headers = base_headers.clone();
            authorize(&mut headers, &token, inner.dpop.as_ref(), &req.method, &url).map_err(
                |message| Error::Transport {
                    method: req.method.clone(),
                    path: req.path.clone(),
                    message,
                    source: None,
                },
            )?;
            if let Some(domain) = inner.custom_domain.as_ref().filter(|_| req.custom_domain) {
                // A header of the call's own options wins.
                if !headers.contains_key(CUSTOM_DOMAIN_HEADER) {
                    headers.insert(CUSTOM_DOMAIN_HEADER, domain.clone());
                }
            }
            let body = match &req.body {
                Some((bytes, content_type)) => {
                    headers.insert(CONTENT_TYPE, content_type.clone());
                    bytes.clone()
                }
                None => Bytes::new(),
            };
            let request = HttpRequest::new(req.method.clone(), url.clone(), headers, body)
                .with_timeout(timeout)
                .with_max_response_bytes(inner.max_response_bytes);
            attempts += 1;
            // The budget may wait for a slot as long as the attempt may take, and never past
            // the call's deadline.
            let max_wait = deadline
                .remaining()
                .map_or(timeout, |left| left.min(timeout));
            let result = deadline
                .bound(inner.budget.send(
                    &*inner.http,
                    request,
                    &req.method,
                    &req.path,
                    options.priority,
                    max_wait,
                ))
                .await
                .ok_or_else(|| deadline.exceeded(&req, attempts))?
                .map_err(|refusal| Error::RateBudget {
                    method: req.method.clone(),
                    path: req.path.clone(),
                    bucket: refusal.bucket,
                    retry_after: refusal.retry_after,
                })?;
            if let (Ok(r), Some(key)) = (&result, &inner.dpop) {
                key.remember_nonce(&url, &r.headers);
            }
            let (wait, error) = match result {
                Ok(response)
                    if token.is_dpop()
                        && !nonce_retried
                        && auth0_m2m_token::DpopKey::is_nonce_challenge(
                            response.status,
                            &response.headers,
                        ) =>
                {
                    // Not a rejected token: the server wants a proof with its nonce.
                    nonce_retried = true;
                    tracing::debug!(method = %req.method, path = %req.path, "the API asks for a DPoP nonce; sending the proof again with it");
                    continue;
                }
                Ok(response) if (200..300).contains(&response.status) => {
                    tracing::debug!(method = %req.method, path = %req.path, status = response.status, retries, "Management API call succeeded");
                    let meta = ResponseMeta::from_parts(
                        response.status,
                        response.headers,
                        SystemTime::now(),
                    );
                    return Ok((response.body, meta));
                }
                Ok(response)
                    if response.status == 401
                        && may_reauthenticate(rejected_at, reauthentications, &token) =>
                {
                    rejected_at.get_or_insert_with(SystemTime::now);
                    reauthentications += 1;
                    tracing::info!(method = %req.method, path = %req.path, reauthentications, "Management API rejected the token (401); retrying with a fresh one");
                    inner.provider.invalidate(&token).await;
                    continue;
                }
                Ok(response) => {
                    let now = SystemTime::now();
                    let status = response.status;
                    let meta = ResponseMeta::from_parts(status, response.headers, now);
                    let mut error = ApiError::from_response(
                        req.method.clone(),
                        req.path.clone(),
                        meta,
                        &response.body,
                        token.expose_secret(),
                    );
                    error.requested_scopes.clone_from(&inner.narrowed_scopes);
                    let retryable = status == 429 || (idempotent && (500..=599).contains(&status));
                    let wait = if retryable && retries < max_retries {
                        inner
                            .retry
                            .wait(retries, error.rate_limit.server_wait(status, now))
                    } else {
                        None
                    };
                    (wait, Error::Api(Box::new(error)))
                }
                Err(e) => {
                    // The transport's own timeout may fire at the very moment the deadline
                    // runs out: the deadline is what ended the call.
                    if matches!(e, auth0_m2m_token::Error::Timeout(_)) && deadline.is_over() {
                        return Err(deadline.exceeded(&req, attempts));
                    }
                    let not_sent = matches!(e, auth0_m2m_token::Error::Connect { .. });
                    let wait =
                        (e.is_retryable() && (idempotent || not_sent) && retries < max_retries)
                            .then(|| inner.retry.backoff(retries));
                    (wait, transport_error(&req, e, timeout))
                }
            };
            let Some(wait) = wait else {
                return Err(error);
            };
            if !deadline.leaves_time_after(wait) {
                // Waiting would use up the deadline: end with the failure now, while its
                // `retry_after` is still worth something to the caller.
                tracing::warn!(method = %req.method, path = %req.path, error = %error, retry_in = ?wait, "Management API call failed; the wait before a retry would outlast the call's deadline");
                return Err(error);
            }
            tracing::warn!(method = %req.method, path = %req.path, error = %error, retry_in = ?wait, "Management API call failed; retrying");
            retries += 1;
            tokio::time::sleep(wait).await;
        }
    }
}

/// The whole-call limit of one call: when it started, how long it may take, and when it ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline(Option<(Duration, tokio::time::Instant)>);

impl Deadline {
    /// A deadline of `limit` from now; no limit for `None`.
    pub(crate) fn start(limit: Option<Duration>) -> Self {
        Self(limit.map(|d| (d, tokio::time::Instant::now() + d)))
    }

    /// Runs `future` until it completes (`Some`) or the deadline runs out (`None`, the future
    /// dropped).
    pub(crate) async fn bound<F: std::future::Future>(&self, future: F) -> Option<F::Output> {
        match self.0 {
            None => Some(future.await),
            Some((_, at)) => tokio::time::timeout_at(at, future).await.ok(),
        }
    }

    /// The time left before the deadline (zero once it has run out); `None` without one.
    #[cfg_attr(not(feature = "actions"), allow(dead_code))]
    pub(crate) fn remaining(&self) -> Option<Duration> {
        self.0
            .map(|(_, at)| at.saturating_duration_since(tokio::time::Instant::now()))
    }

    /// Whether the deadline has run out.
    pub(crate) fn is_over(&self) -> bool {
        self.0
            .is_some_and(|(_, at)| tokio::time::Instant::now() >= at)
    }

    /// Whether some time would be left after waiting `wait` from now.
    pub(crate) fn leaves_time_after(&self, wait: Duration) -> bool {
        self.0
            .is_none_or(|(_, at)| tokio::time::Instant::now() + wait < at)
    }

    /// The error of a call that ran out of this deadline after `attempts` attempts.
    pub(crate) fn exceeded(&self, req: &Prepared, attempts: u32) -> Error {
        Error::DeadlineExceeded {
            method: req.method.clone(),
            path: req.path.clone(),
            deadline: self.0.map(|(d, _)| d).unwrap_or_default(),
            attempts,
        }
    }
}

/// Sets `Authorization` for `token`: `Bearer <token>`, or `DPoP <token>` with a fresh `DPoP`
/// proof for `method` and `url` carrying the token's hash. The error is a secret-free reason.
pub(crate) fn authorize(
    headers: &mut http::HeaderMap,
    token: &auth0_m2m_token::AccessToken,
    dpop: Option<&auth0_m2m_token::DpopKey>,
    method: &Method,
    url: &str,
) -> Result<(), String> {
    let mut value = HeaderValue::from_str(&token.authorization_header_value())
        .map_err(|_| "the access token is not a valid header value".to_owned())?;
    value.set_sensitive(true);
    headers.insert(AUTHORIZATION, value);
    if token.is_dpop() {
        let key = dpop.ok_or_else(|| {
            "the token is DPoP-bound but no DPoP key is configured; set it with `with_dpop`"
                .to_owned()
        })?;
        let proof = key
            .proof(method, url, Some(token.expose_secret()))
            .map_err(|e| e.to_string())?;
        let mut value = HeaderValue::from_str(&proof)
            .map_err(|_| "the DPoP proof is not a valid header value".to_owned())?;
        value.set_sensitive(true);
        headers.insert(auth0_m2m_token::DPOP_HEADER, value);
    }
    Ok(())
}

/// The facade's error for a request that got no answer.
fn transport_error(req: &Prepared, e: auth0_m2m_token::Error, timeout: Duration) -> Error {
    use auth0_m2m_token::Error as T;
    let (method, path) = (req.method.clone(), req.path.clone());
    match e {
        T::Timeout(_) => Error::Timeout {
            method,
            path,
            timeout: Some(timeout),
        },
        T::BodyTooLarge { limit } => Error::BodyTooLarge {
            method,
            path,
            limit,
        },
        T::Tls { message, .. } => Error::Tls {
            method,
            path,
            message,
        },
        T::Connect { message, source } | T::Transport { message, source } => Error::Transport {
            method,
            path,
            message,
            source,
        },
        other => Error::Transport {
            method,
            path,
            message: other.to_string(),
            source: Some(Box::new(other)),
        },
    }
}

/// Whether a 401 answer to a request sent with `token` is followed by another attempt with a
/// fresh token: always after the first 401; after the second only when the rejected token was
/// requested before the first 401 arrived (it may be as stale as the first one); never after
/// that.
fn may_reauthenticate(
    rejected_at: Option<SystemTime>,
    reauthentications: u32,
    token: &AccessToken,
) -> bool {
    match rejected_at {
        None => true,
        Some(first_401) => reauthentications < 2 && token.obtained_at() < first_401,
    }
}

/// Describes an endpoint's request: method, path, encoded query and body.
pub(crate) fn prepare<E: Endpoint + ?Sized>(endpoint: &E) -> Result<Prepared, Error> {
    let body = match endpoint.body().map_err(Error::Request)? {
        None => None,
        Some(Body::Json(value)) => Some((
            Bytes::from(value.to_string()),
            HeaderValue::from_static("application/json"),
        )),
        Some(Body::Multipart(parts)) => Some(multipart(&parts)),
        Some(_) => {
            return Err(Error::Unsupported(
                "this kind of request body is not supported by this client",
            ));
        }
    };
    Ok(Prepared {
        method: endpoint.method(),
        path: endpoint.checked_path().map_err(Error::Request)?,
        query: endpoint.query().to_query_string(),
        body,
        custom_domain: endpoint.accepts_custom_domain(),
    })
}

/// Encodes a `multipart/form-data` body with a random boundary.
fn multipart(parts: &[Part]) -> (Bytes, HeaderValue) {
    let mut random = [0u8; 16];
    getrandom::getrandom(&mut random)
        .expect("the operating system's random number generator failed");
    let boundary = format!("auth0-m2m-{:032x}", u128::from_le_bytes(random));
    let quote = |s: &str| {
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace(['\r', '\n'], " ")
    };
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!(
            "Content-Disposition: form-data; name=\"{}\"",
            quote(&part.name)
        );
        if let Some(file) = &part.file_name {
            disposition.push_str(&format!("; filename=\"{}\"", quote(file)));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(ct) = &part.content_type {
            body.extend_from_slice(format!("Content-Type: {}\r\n", quote(ct)).as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&part.data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let content_type = HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}"))
        .unwrap_or_else(|_| HeaderValue::from_static("multipart/form-data"));
    (Bytes::from(body), content_type)
}

#[cfg(test)]
mod reauthentication_tests {
    use super::*;

    fn token_obtained_at(obtained_at: SystemTime) -> AccessToken {
        AccessToken::new(
            "token-value",
            "Bearer",
            Vec::new(),
            obtained_at + Duration::from_secs(3600),
            obtained_at,
        )
    }

    #[test]
    fn first_401_always_reauthenticates() {
        let token = token_obtained_at(SystemTime::now());
        assert!(may_reauthenticate(None, 0, &token));
    }

    #[test]
    fn a_second_401_reauthenticates_only_for_a_token_older_than_the_first_401() {
        let first_401 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let stale = token_obtained_at(first_401 - Duration::from_millis(1));
        let fresh = token_obtained_at(first_401 + Duration::from_millis(1));
        assert!(may_reauthenticate(Some(first_401), 1, &stale));
        assert!(!may_reauthenticate(Some(first_401), 1, &fresh));
        assert!(!may_reauthenticate(
            Some(first_401),
            1,
            &token_obtained_at(first_401)
        ));
    }

    #[test]
    fn never_more_than_two_reauthentications() {
        let first_401 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let stale = token_obtained_at(first_401 - Duration::from_secs(1));
        assert!(!may_reauthenticate(Some(first_401), 2, &stale));
    }
}
