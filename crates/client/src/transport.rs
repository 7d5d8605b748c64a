//! The HTTP transport of the Management API calls: a small internal trait with a reqwest
//! implementation, so that retry rules can be tested with a scripted transport.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, Method};

/// One HTTP request, fully prepared (URL with query, headers with the bearer token, body).
#[derive(Clone)]
pub(crate) struct HttpRequest {
    pub(crate) method: Method,
    pub(crate) url: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// One HTTP answer with its body read (up to the cap).
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// Why a request produced no answer.
#[derive(Debug)]
pub(crate) enum TransportError {
    /// The connection could not be established: the request was never sent.
    Connect(String, Box<dyn std::error::Error + Send + Sync>),
    /// The request timed out (it may have been processed).
    Timeout,
    /// The answer's body exceeded the cap.
    TooLarge(usize),
    /// Anything else after the connection was made (it may have been processed).
    Other(String, Box<dyn std::error::Error + Send + Sync>),
}

#[async_trait]
pub(crate) trait Transport: Send + Sync + fmt::Debug {
    async fn send(
        &self,
        request: HttpRequest,
        max_body: usize,
    ) -> Result<HttpResponse, TransportError>;
}

/// The default transport: a shared `reqwest::Client` (one connection pool for every clone).
#[derive(Debug, Clone)]
pub(crate) struct ReqwestTransport {
    pub(crate) client: reqwest::Client,
    pub(crate) timeout: Option<Duration>,
}

fn root_cause(e: &reqwest::Error) -> String {
    let mut last = None;
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = source {
        last = Some(s.to_string());
        source = s.source();
    }
    last.unwrap_or_default()
}

fn map_error(e: reqwest::Error) -> TransportError {
    // `without_url` drops the query string, which may carry user data.
    let e = e.without_url();
    if e.is_timeout() {
        return TransportError::Timeout;
    }
    let cause = root_cause(&e);
    let with_cause = |what: &str| {
        if cause.is_empty() {
            what.to_owned()
        } else {
            format!("{what}: {cause}")
        }
    };
    if e.is_connect() {
        TransportError::Connect(
            with_cause("could not connect to the Management API"),
            Box::new(e),
        )
    } else if e.is_body() || e.is_decode() {
        TransportError::Other(with_cause("could not read the answer"), Box::new(e))
    } else if e.is_redirect() {
        TransportError::Other("the Management API redirected".to_owned(), Box::new(e))
    } else {
        TransportError::Other(with_cause("could not send the request"), Box::new(e))
    }
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(
        &self,
        request: HttpRequest,
        max_body: usize,
    ) -> Result<HttpResponse, TransportError> {
        let mut builder = self
            .client
            .request(request.method, &request.url)
            .headers(request.headers);
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        if let Some(t) = self.timeout {
            builder = builder.timeout(t);
        }
        let mut response = builder.send().await.map_err(map_error)?;
        let status = response.status().as_u16();
        let headers = std::mem::take(response.headers_mut());
        if response
            .content_length()
            .is_some_and(|len| len > max_body as u64)
        {
            return Err(TransportError::TooLarge(max_body));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(map_error)? {
            if body.len() + chunk.len() > max_body {
                return Err(TransportError::TooLarge(max_body));
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
