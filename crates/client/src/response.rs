//! What comes back with every answer ([`Response`], [`ResponseMeta`]) and what a single call can
//! change ([`CallOptions`]).

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use auth0_m2m_token::{Quota, RateLimit};
use http::header::{HOST, PROXY_AUTHORIZATION};
use http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::Error;

/// The metadata of one Management API answer: status, headers, request id, rate limit and
/// M2M quota. Available on success ([`Response::meta`]) and on failure
/// ([`Error::response_meta`]).
///
/// ```no_run
/// # async fn run(client: auth0_m2m::ManagementClient) -> Result<(), auth0_m2m::Error> {
/// let response = client
///     .request(http::Method::GET, "/api/v2/stats/active-users")
///     .send_with_response::<serde_json::Value>()
///     .await?;
/// let meta = response.meta();
/// println!(
///     "HTTP {} ({:?} calls left in this window, request id {:?})",
///     meta.status(),
///     meta.rate_limit().remaining,
///     meta.request_id()
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ResponseMeta {
    status: u16,
    headers: HeaderMap,
    received_at: SystemTime,
    /// Parsed on first use: a call whose caller never looks pays nothing for it.
    rate_limit: OnceLock<RateLimit>,
}

impl PartialEq for ResponseMeta {
    fn eq(&self, other: &Self) -> bool {
        self.status == other.status
            && self.headers == other.headers
            && self.received_at == other.received_at
    }
}

impl ResponseMeta {
    /// The metadata of an answer received at `now` (headers are read when asked for).
    pub fn from_parts(status: u16, headers: HeaderMap, now: SystemTime) -> Self {
        Self {
            status,
            headers,
            received_at: now,
            rate_limit: OnceLock::new(),
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Every header of the answer.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The request id (`x-request-id`, else `x-auth0-requestid`), to quote to Auth0 support.
    pub fn request_id(&self) -> Option<&str> {
        ["x-request-id", "x-auth0-requestid"]
            .iter()
            .find_map(|name| self.headers.get(*name).and_then(|v| v.to_str().ok()))
            .map(|v| match v.char_indices().nth(200) {
                Some((cut, _)) => &v[..cut],
                None => v,
            })
    }

    /// The rate limit of the answer: `limit`, `remaining`, `reset` (a time) and
    /// `retry_after`, with the quota headers parsed.
    pub fn rate_limit(&self) -> &RateLimit {
        self.rate_limit
            .get_or_init(|| RateLimit::from_headers(&self.headers, self.received_at))
    }

    /// The client's M2M token quota (`Auth0-Client-Quota-Limit`), when Auth0 sent it.
    pub fn client_quota(&self) -> Option<&Quota> {
        self.rate_limit().client_quota.as_ref()
    }

    /// The organization's M2M token quota (`Auth0-Organization-Quota-Limit`), when Auth0 sent
    /// it.
    pub fn organization_quota(&self) -> Option<&Quota> {
        self.rate_limit().organization_quota.as_ref()
    }
}

impl fmt::Debug for ResponseMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values are left out: a proxy may echo something it should not.
        f.debug_struct("ResponseMeta")
            .field("status", &self.status)
            .field("request_id", &self.request_id())
            .field("rate_limit", self.rate_limit())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A successful answer: the body read as `T`, and its [`ResponseMeta`].
///
/// Returned by [`ManagementClient::execute_with`](crate::ManagementClient::execute_with),
/// [`RawRequest::send_with_response`](crate::RawRequest::send_with_response) and
/// [`List::responses`](crate::List::responses).
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    body: T,
    meta: ResponseMeta,
}

impl<T> Response<T> {
    pub(crate) fn new(body: T, meta: ResponseMeta) -> Self {
        Self { body, meta }
    }

    /// The metadata: status, headers, request id, rate limit, quota.
    pub fn meta(&self) -> &ResponseMeta {
        &self.meta
    }

    /// The body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The body, without the metadata.
    pub fn into_body(self) -> T {
        self.body
    }

    /// The body and the metadata.
    pub fn into_parts(self) -> (T, ResponseMeta) {
        (self.body, self.meta)
    }

    /// Reads the body as something else, keeping the metadata.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            body: f(self.body),
            meta: self.meta,
        }
    }
}

/// Options of one call, over the client's own settings: a per-attempt timeout, a whole-call
/// deadline, extra headers, a retry budget and an application name for the `User-Agent`.
///
/// Two limits bound a call's time, and they are independent:
///
/// - [`timeout`](Self::timeout) bounds **each attempt** (one request and its answer); a call
///   that is retried may take several times as long. When it runs out the call fails (or is
///   retried) with [`Error::Timeout`].
/// - [`deadline`](Self::deadline) bounds **the whole call**: the token fetch, every attempt,
///   and every wait between attempts (backoff, `Retry-After`, `X-RateLimit-Reset`). When it
///   runs out the call fails with [`Error::DeadlineExceeded`].
///
/// Every option is checked when the call is sent; a bad one fails the call with
/// [`Error::InvalidOptions`] before anything goes out.
///
/// ```no_run
/// # async fn run(client: auth0_m2m::ManagementClient) -> Result<(), auth0_m2m::Error> {
/// use auth0_m2m::CallOptions;
/// use std::time::Duration;
///
/// let options = CallOptions::new()
///     .timeout(Duration::from_secs(5))
///     .deadline(Duration::from_secs(12))
///     .max_retries(0)
///     .header("x-correlation-id", "job-42")
///     .app_name("nightly-sync/1.2");
/// let stats: serde_json::Value = client
///     .request(http::Method::GET, "/api/v2/stats/active-users")
///     .options(options)
///     .send()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct CallOptions {
    pub(crate) timeout: Option<Duration>,
    pub(crate) deadline: Option<Duration>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) max_retries: Option<u32>,
    pub(crate) app_name: Option<String>,
    pub(crate) priority: crate::Priority,
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may carry anything the caller chose to send: names only.
        f.debug_struct("CallOptions")
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("max_retries", &self.max_retries)
            .field("app_name", &self.app_name)
            .field("priority", &self.priority)
            .finish()
    }
}

/// Headers a call may not set: the client owns them.
const RESERVED_HEADERS: [HeaderName; 3] = [http::header::AUTHORIZATION, HOST, PROXY_AUTHORIZATION];

impl CallOptions {
    /// No options: the client's settings apply.
    pub fn new() -> Self {
        Self::default()
    }

    /// The time allowed for **each attempt** of this call: one request and its answer
    /// (instead of the client's
    /// [`with_timeout`](crate::ManagementClientBuilder::with_timeout), 30 s by default). A
    /// retried call may take several times as long; bound the whole call with
    /// [`deadline`](Self::deadline). An attempt that runs out of it is an
    /// [`Error::Timeout`] (retried when the call may be). Must be above zero.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The time allowed for **the whole call** (instead of the client's
    /// [`with_deadline`](crate::ManagementClientBuilder::with_deadline); no deadline by
    /// default): the token fetch, every attempt and every wait between attempts (backoff,
    /// `Retry-After`, `X-RateLimit-Reset`). Must be above zero.
    ///
    /// - When it runs out during the token fetch or an attempt, that work is abandoned and
    ///   the call fails at once with [`Error::DeadlineExceeded`]
    ///   ([`ErrorKind::DeadlineExceeded`](crate::ErrorKind::DeadlineExceeded)).
    /// - A wait before a retry that would end at or after the deadline is not waited for:
    ///   the call fails at once with the failure it would have retried (a 429 with its
    ///   [`retry_after`](Error::retry_after), a 5xx, a per-attempt [`Error::Timeout`]…), so the
    ///   caller still learns what went wrong and how long the server asked to wait.
    ///
    /// The per-attempt [`timeout`](Self::timeout) still applies inside it. On a
    /// [`List`](crate::List), the deadline applies to each page's call, not to the walk.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Adds a header to every attempt of this call. `Authorization`, `Host` and
    /// `Proxy-Authorization` are refused (the client sets them).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The number of retries allowed for this call (instead of the client's
    /// [`RetryPolicy`](crate::RetryPolicy)); `0` sends it once. The 401 rule (one attempt
    /// with a fresh token) is not counted.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Appends `name` (such as `nightly-sync/1.2`) to the `User-Agent` of this call, so that
    /// Auth0's logs tell your programs apart.
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = Some(name.into());
        self
    }

    /// How much this call matters to the [rate budget](crate::RateBudget): interactive (the
    /// default) or background, which may use only the budget's background share and yields
    /// to interactive calls.
    pub fn priority(mut self, priority: crate::Priority) -> Self {
        self.priority = priority;
        self
    }

    /// Checks the options and turns them into headers over `base`; `None` when they add no
    /// header (`base` is sent as it is).
    pub(crate) fn apply(&self, base: &HeaderMap) -> Result<Option<HeaderMap>, Error> {
        let invalid = |reason: String| Error::InvalidOptions { reason };
        if self.timeout.is_some_and(|t| t.is_zero()) {
            return Err(invalid("the timeout must be greater than zero".to_owned()));
        }
        if self.deadline.is_some_and(|d| d.is_zero()) {
            return Err(invalid("the deadline must be greater than zero".to_owned()));
        }
        if self.headers.is_empty() && self.app_name.is_none() {
            return Ok(None);
        }
        let mut headers = base.clone();
        for (name, value) in &self.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(format!("{name:?} is not a valid header name")))?;
            if RESERVED_HEADERS.contains(&header) {
                return Err(invalid(format!(
                    "the {header} header is set by the client and cannot be replaced"
                )));
            }
            let value = HeaderValue::from_str(value).map_err(|_| {
                invalid(format!(
                    "the value of {header} is not a valid header value (control or non-ASCII characters)"
                ))
            })?;
            headers.append(header, value);
        }
        if let Some(app) = &self.app_name {
            if app.is_empty() || app.len() > 100 || app.chars().any(|c| !c.is_ascii_graphic()) {
                return Err(invalid(format!(
                    "the application name {:?} must be 1 to 100 visible ASCII characters without spaces",
                    app.chars().take(100).collect::<String>()
                )));
            }
            let agent = headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let combined = if agent.is_empty() {
                app.clone()
            } else {
                format!("{agent} {app}")
            };
            // Checked above: visible ASCII only.
            if let Ok(value) = HeaderValue::from_str(&combined) {
                headers.insert(http::header::USER_AGENT, value);
            }
        }
        Ok(Some(headers))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::USER_AGENT,
            HeaderValue::from_static("auth0-m2m/0.1.0"),
        );
        h
    }

    #[test]
    fn headers_and_app_name_are_added() {
        let h = CallOptions::new()
            .header("x-correlation-id", "42")
            .app_name("sync/1.0")
            .apply(&base())
            .unwrap()
            .unwrap();
        assert_eq!(h["x-correlation-id"], "42");
        assert_eq!(h[http::header::USER_AGENT], "auth0-m2m/0.1.0 sync/1.0");
    }

    #[test]
    fn no_options_add_no_headers() {
        assert!(CallOptions::new().apply(&base()).unwrap().is_none());
    }

    #[test]
    fn reserved_and_malformed_options_are_refused() {
        for options in [
            CallOptions::new().header("Authorization", "Bearer x"),
            CallOptions::new().header("host", "evil.example"),
            CallOptions::new().header("proxy-authorization", "x"),
            CallOptions::new().header("bad name", "x"),
            CallOptions::new().header("x-ok", "line\nbreak"),
            CallOptions::new().app_name("has space"),
            CallOptions::new().app_name(""),
            CallOptions::new().timeout(Duration::ZERO),
            CallOptions::new().deadline(Duration::ZERO),
        ] {
            let err = options.apply(&base()).unwrap_err();
            assert!(matches!(err, Error::InvalidOptions { .. }), "{err:?}");
        }
    }

    #[test]
    fn debug_shows_header_names_only() {
        let o = CallOptions::new().header("x-api-key", "very-secret-header-value");
        let printed = format!("{o:?}");
        assert!(printed.contains("x-api-key"));
        assert!(!printed.contains("very-secret-header-value"), "{printed}");
    }

    #[test]
    fn meta_reads_request_id_rate_limit_and_quotas() {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("x-request-id", "req-1"),
            ("x-ratelimit-remaining", "9"),
            ("auth0-client-quota-limit", "b=per_hour;q=10;r=7;t=3540"),
            (
                "auth0-organization-quota-limit",
                "b=per_day;q=100;r=97;t=86340",
            ),
        ] {
            h.insert(k, v.parse().unwrap());
        }
        let meta = ResponseMeta::from_parts(200, h, SystemTime::now());
        assert_eq!(meta.request_id(), Some("req-1"));
        assert_eq!(meta.rate_limit().remaining, Some(9));
        assert_eq!(
            meta.client_quota().unwrap().per_hour().unwrap().remaining,
            7
        );
        assert_eq!(
            meta.organization_quota().unwrap().per_day().unwrap().quota,
            100
        );
        assert!(!format!("{meta:?}").contains("req-1-secret"));
    }
}
