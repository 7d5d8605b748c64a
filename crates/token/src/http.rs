//! The HTTP transport behind a small async trait, and its default reqwest implementation.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::error::Error;

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
        }
    }

    /// Sets the total time allowed for the request.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
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

/// The transport used to reach the token endpoint.
///
/// Implement it to use another HTTP stack or to fake the token endpoint in tests. An
/// implementation must not follow redirects (a redirect would resend the credentials
/// elsewhere), should refuse bodies larger than [`MAX_RESPONSE_BODY_BYTES`] with
/// [`Error::BodyTooLarge`], should map timeouts to [`Error::Timeout`] and connection failures
/// to [`Error::Transport`], and must never put the request body or credential headers into
/// an error.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait HttpClient: Send + Sync {
    /// Sends the request and returns the answer, whatever its status.
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, Error>;
}

/// The default transport: [`reqwest`](https://docs.rs/reqwest) with rustls.
///
/// Reads the body chunk by chunk and stops as soon as it exceeds [`MAX_RESPONSE_BODY_BYTES`].
#[derive(Clone, Debug)]
pub struct ReqwestHttpClient {
    client: reqwest::Client,
}

impl ReqwestHttpClient {
    /// Wraps a configured `reqwest::Client`. Configure it not to follow redirects
    /// (`redirect::Policy::none()`): the token client never expects one.
    pub fn new(client: reqwest::Client) -> Self {
        Self { client }
    }
}

fn map_reqwest_error(e: reqwest::Error, timeout: Option<Duration>) -> Error {
    // `without_url` keeps error messages short; token URLs carry no secrets either way.
    let e = e.without_url();
    if e.is_timeout() {
        return Error::Timeout(timeout.unwrap_or_default());
    }
    let what = if e.is_connect() {
        "could not connect to the token endpoint"
    } else if e.is_body() || e.is_decode() {
        "could not read the token endpoint's answer"
    } else if e.is_redirect() {
        "the token endpoint redirected"
    } else {
        "could not send the token request"
    };
    let mut message = what.to_owned();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    // Append the root cause (TLS, DNS, connection refused…), which is the useful part.
    let mut last = None;
    while let Some(s) = source {
        last = Some(s.to_string());
        source = s.source();
    }
    if let Some(cause) = last {
        message.push_str(": ");
        message.push_str(&cause);
    }
    Error::transport(message, Some(Box::new(e)))
}

#[async_trait]
impl HttpClient for ReqwestHttpClient {
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let timeout = request.timeout;
        let mut builder = self
            .client
            .request(request.method, &request.url)
            .headers(request.headers)
            .body(request.body);
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
            .is_some_and(|len| len > MAX_RESPONSE_BODY_BYTES as u64)
        {
            return Err(Error::BodyTooLarge {
                limit: MAX_RESPONSE_BODY_BYTES,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| map_reqwest_error(e, timeout))?
        {
            if body.len() + chunk.len() > MAX_RESPONSE_BODY_BYTES {
                return Err(Error::BodyTooLarge {
                    limit: MAX_RESPONSE_BODY_BYTES,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            headers,
            body: Bytes::from(body),
        })
    }
}
