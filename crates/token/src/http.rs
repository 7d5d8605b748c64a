//! The HTTP transport behind a small async trait, and its default reqwest implementation.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::error::{ConfigError, Error};

/// The largest response body the token client reads: 64 KiB. A token response is a few
/// kilobytes at most; anything larger is refused with [`Error::BodyTooLarge`] without being
/// buffered.
pub const MAX_RESPONSE_BODY_BYTES: usize = 64 * 1024;

/// An HTTP request, as handed to an [`HttpClient`].
///
/// `Debug` shows the method, the URL and the header names only: the body and the header values
/// may carry the client secret or a client assertion.
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The HTTP method (the token client always uses `POST`).
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// The request headers. Values carrying credentials are marked sensitive.
    pub headers: HeaderMap,
    /// The request body.
    pub body: Bytes,
    /// The total time allowed for this request, if the caller has one in mind. The token client
    /// also enforces it around the call.
    pub timeout: Option<Duration>,
    /// The largest answer body to read (default [`MAX_RESPONSE_BODY_BYTES`], the token
    /// endpoint's cap; the Management API client sets its own). A larger body is refused with
    /// [`Error::BodyTooLarge`] without being buffered.
    pub max_response_bytes: usize,
}

impl HttpRequest {
    /// Builds a request.
    pub fn new(method: Method, url: impl Into<String>, headers: HeaderMap, body: Bytes) -> Self {
        Self {
            method,
            url: url.into(),
            headers,
            body,
            timeout: None,
            max_response_bytes: MAX_RESPONSE_BODY_BYTES,
        }
    }

    /// Sets the total time allowed for the request.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets the largest answer body to read.
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

/// An HTTP response, as returned by an [`HttpClient`].
///
/// `Debug` shows the status, the header names and the body length only: the body of a
/// successful answer is an access token.
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The response body (at most [`MAX_RESPONSE_BODY_BYTES`] for the default transport).
    pub body: Bytes,
}

impl HttpResponse {
    /// Builds a response.
    pub fn new(status: u16, headers: HeaderMap, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            headers,
            body: body.into(),
        }
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .finish()
    }
}

/// A boxed, `Send` future borrowing for `'a`: what the methods of this workspace's async
/// traits ([`HttpClient`] here, `TokenSource`, `TokenCache` and `RateStore` in
/// `auth0-m2m-cache`) return.
///
/// It is the type the [`async-trait`](https://docs.rs/async-trait) crate writes, and each
/// method's lifetimes are the ones that crate gives it. So an implementation may be written
/// either way:
///
/// - with `#[async_trait::async_trait]` on the `impl` block and `async fn` methods, as if the
///   trait itself carried the attribute;
/// - without it, naming the lifetimes and returning `Box::pin(async move { … })`, as in the
///   example on [`HttpClient`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The transport used to reach the token endpoint.
///
/// Implement it to use another HTTP stack or to fake the token endpoint in tests. An
/// implementation must not follow redirects (a redirect would resend the credentials
/// elsewhere), should refuse bodies larger than [`MAX_RESPONSE_BODY_BYTES`] with
/// [`Error::BodyTooLarge`], should map timeouts to [`Error::Timeout`] and connection failures
/// to [`Error::Transport`], and must never put the request body or credential headers into
/// an error.
///
/// The method returns a [`BoxFuture`]. An implementation may use `#[async_trait]` and write
/// `async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, Error>`, or write
/// the boxed future itself:
///
/// ```
/// use auth0_m2m_token::{BoxFuture, Error, HttpClient, HttpRequest, HttpResponse};
///
/// /// Answers every request with `503 Service Unavailable`.
/// struct Unavailable;
///
/// impl HttpClient for Unavailable {
///     fn execute<'a, 'fut>(
///         &'a self,
///         _request: HttpRequest,
///     ) -> BoxFuture<'fut, Result<HttpResponse, Error>>
///     where
///         'a: 'fut,
///         Self: 'fut,
///     {
///         Box::pin(async move {
///             Ok(HttpResponse::new(503, http::HeaderMap::new(), bytes::Bytes::new()))
///         })
///     }
/// }
/// ```
pub trait HttpClient: Send + Sync {
    /// Sends the request and returns the answer, whatever its status.
    fn execute<'a, 'fut>(
        &'a self,
        request: HttpRequest,
    ) -> BoxFuture<'fut, Result<HttpResponse, Error>>
    where
        'a: 'fut,
        Self: 'fut;
}

#[cfg(test)]
mockall::mock! {
    /// A scripted transport for the token client's tests.
    pub(crate) HttpClient {}

    #[async_trait::async_trait]
    impl HttpClient for HttpClient {
        async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, Error>;
    }
}

/// The default transport: [`reqwest`](https://docs.rs/reqwest) with rustls, shared by the
/// token client and the Management API client so that they use one connection pool and one set
/// of rules.
///
/// - It never follows a redirect (a redirect would resend the credentials elsewhere).
/// - It reads the body chunk by chunk and stops as soon as it exceeds the request's
///   [`max_response_bytes`](HttpRequest::max_response_bytes).
/// - Failures are classified: [`Error::Connect`] (never sent), [`Error::Tls`] (certificate or
///   TLS configuration: not retryable, with a hint on how to trust a private CA),
///   [`Error::Timeout`] and [`Error::Transport`] (may have been processed).
///
/// ```
/// use auth0_m2m_token::ReqwestHttpClient;
/// use std::time::Duration;
///
/// let http = ReqwestHttpClient::builder()
///     .with_connect_timeout(Duration::from_secs(2))
///     .with_timeout(Duration::from_secs(10))
///     .build()?;
/// # Ok::<(), auth0_m2m_token::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ReqwestHttpClient {
    client: reqwest::Client,
}

/// Configures a [`ReqwestHttpClient`]; see [`ReqwestHttpClient::builder`].
///
/// | setting | default |
/// | --- | --- |
/// | connect timeout | 5 s |
/// | total timeout per request | 30 s (a request's own [`HttpRequest::timeout`] wins) |
/// | plain HTTP | refused |
/// | trusted roots | the Mozilla (webpki) roots, plus each [`with_root_certificate_pem`](Self::with_root_certificate_pem) |
#[derive(Debug, Clone)]
#[must_use]
pub struct ReqwestHttpClientBuilder {
    connect_timeout: Duration,
    timeout: Duration,
    allow_insecure_http: bool,
    root_certificates: Vec<Vec<u8>>,
    client_certificate: Option<crate::mtls::ClientCertificate>,
}

impl ReqwestHttpClientBuilder {
    /// Presents `certificate` when a server asks for one (mTLS, RFC 8705).
    pub fn with_client_certificate(mut self, certificate: crate::mtls::ClientCertificate) -> Self {
        self.client_certificate = Some(certificate);
        self
    }

    /// Sets the connect timeout (default 5 s).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the total timeout of a request that sets none itself (default 30 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Allows plain `http://` URLs (default: refused). For local testing only.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Trusts the certificates of a PEM bundle as roots, besides the default ones (for a
    /// private CA, such as the fake tenant's). Checked by [`build`](Self::build).
    pub fn with_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates.push(pem.as_ref().to_vec());
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<ReqwestHttpClient, ConfigError> {
        for (field, value) in [
            ("connect timeout", self.connect_timeout),
            ("timeout", self.timeout),
        ] {
            if value.is_zero() {
                return Err(ConfigError::Invalid {
                    field,
                    reason: "must be greater than zero".to_owned(),
                });
            }
        }
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout);
        if !self.allow_insecure_http {
            builder = builder.https_only(true);
        }
        for pem in &self.root_certificates {
            for cert in parse_root_certificates(pem)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        if let Some(c) = &self.client_certificate {
            builder = builder.identity(c.identity()?);
        }
        let client = builder.build().map_err(|e| ConfigError::Invalid {
            field: "HTTP client",
            reason: format!("could not be built: {e}"),
        })?;
        Ok(ReqwestHttpClient { client })
    }
}

impl ReqwestHttpClient {
    /// Wraps a configured `reqwest::Client` (proxies, mTLS…). Configure it not to follow
    /// redirects (`redirect::Policy::none()`): neither endpoint ever expects one.
    pub fn new(client: reqwest::Client) -> Self {
        Self { client }
    }

    /// Starts a builder for the default client.
    pub fn builder() -> ReqwestHttpClientBuilder {
        ReqwestHttpClientBuilder {
            connect_timeout: crate::DEFAULT_CONNECT_TIMEOUT,
            timeout: crate::DEFAULT_TIMEOUT,
            allow_insecure_http: false,
            root_certificates: Vec::new(),
            client_certificate: None,
        }
    }
}

/// Reads the certificates of a PEM bundle and checks that each is usable as a trust anchor.
fn parse_root_certificates(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid {
        field: "root certificate",
        reason,
    };
    let text = std::str::from_utf8(pem)
        .map_err(|_| invalid("is not PEM text (binary data; DER is not accepted)".to_owned()))?;
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(invalid(
            "no `-----BEGIN CERTIFICATE-----` block found in the PEM".to_owned(),
        ));
    }
    let certs = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|e| invalid(format!("the PEM could not be read: {e}")))?;
    if certs.is_empty() {
        return Err(invalid("the PEM holds no certificate".to_owned()));
    }
    // Check that each certificate is usable as a trust anchor now rather than at build time.
    for cert in &certs {
        reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(cert.clone())
            .build()
            .map_err(|e| invalid(format!("a certificate is not valid: {e}")))?;
    }
    Ok(certs)
}

/// How to trust a private CA, appended to certificate failures.
pub(crate) const TRUST_HINT: &str = "if the server uses a private CA (the fake tenant does), trust it with `with_root_certificate_pem` on the builder, or point the AUTH0_CA_CERT variable at its PEM file";

/// Whether an error chain holds a certificate or TLS-configuration failure (not a lost
/// connection during the handshake, which is transient).
fn tls_failure(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(rustls_error) = s.downcast_ref::<rustls::Error>() {
            return !matches!(
                rustls_error,
                rustls::Error::FailedToGetCurrentTime | rustls::Error::FailedToGetRandomBytes
            );
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && tls_failure(inner)
        {
            return true;
        }
        source = s.source();
    }
    false
}

fn map_reqwest_error(e: reqwest::Error, timeout: Option<Duration>) -> Error {
    // `without_url` drops the URL (its query string may carry user data).
    let e = e.without_url();
    if e.is_timeout() {
        return Error::Timeout(timeout.unwrap_or_default());
    }
    let mut cause = None;
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    // The root cause (TLS, DNS, connection refused…) is the useful part.
    while let Some(s) = source {
        cause = Some(s.to_string());
        source = s.source();
    }
    let with_cause = |what: &str| match &cause {
        Some(cause) => format!("{what}: {cause}"),
        None => what.to_owned(),
    };
    if tls_failure(&e) {
        return Error::Tls {
            message: format!(
                "{} ({TRUST_HINT})",
                with_cause("the server's certificate was refused")
            ),
            source: Some(Box::new(e)),
        };
    }
    if e.is_connect() {
        Error::Connect {
            message: with_cause("could not connect to the server"),
            source: Some(Box::new(e)),
        }
    } else if e.is_body() || e.is_decode() {
        Error::transport(with_cause("could not read the answer"), Some(Box::new(e)))
    } else if e.is_redirect() {
        Error::transport("the server redirected", Some(Box::new(e)))
    } else {
        Error::transport(with_cause("could not send the request"), Some(Box::new(e)))
    }
}

impl HttpClient for ReqwestHttpClient {
    fn execute<'a, 'fut>(
        &'a self,
        request: HttpRequest,
    ) -> BoxFuture<'fut, Result<HttpResponse, Error>>
    where
        'a: 'fut,
        Self: 'fut,
    {
        Box::pin(async move {
            let timeout = request.timeout;
            let max_body = request.max_response_bytes;
            let sends_body = !request.body.is_empty()
                || matches!(request.method, Method::POST | Method::PUT | Method::PATCH);
            let mut builder = self
                .client
                .request(request.method, &request.url)
                .headers(request.headers);
            if sends_body {
                builder = builder.body(request.body);
            }
            if let Some(t) = timeout {
                builder = builder.timeout(t);
            }
            let mut response = builder
                .send()
                .await
                .map_err(|e| map_reqwest_error(e, timeout))?;
            let status = response.status().as_u16();
            let headers = std::mem::take(response.headers_mut());
            if response
                .content_length()
                .is_some_and(|len| len > max_body as u64)
            {
                return Err(Error::BodyTooLarge { limit: max_body });
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| map_reqwest_error(e, timeout))?
            {
                if body.len() + chunk.len() > max_body {
                    return Err(Error::BodyTooLarge { limit: max_body });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(HttpResponse {
                status,
                headers,
                body: Bytes::from(body),
            })
        })
    }
}
