//! Reliability checks of auth0-m2m.
//!
//! This package is not published. It holds the helpers shared by its tests and binaries:
//!
//! - [`ScriptedTransport`]: an [`HttpClient`] that answers token requests with canned
//!   responses, for driving hostile token responses through `TokenClient` without a network.
//! - [`StubServer`]: a tiny HTTP/1.1 server on a loopback port answering canned raw
//!   responses in order, for the Management API and the real (reqwest) transport.
//! - [`LogCapture`]: a `tracing` writer that collects every formatted event in memory, so a
//!   test can assert that no secret was ever logged.
//! - [`unique_prefix`]: cache key prefixes that never collide with other users of a shared
//!   Redis.
//!
//! A hostile token response driven through a real `TokenClient`:
//!
//! ```
//! use auth0_m2m_reliability::{Reply, ScriptedTransport};
//! use auth0_m2m_token::{ClientAuth, TokenClient, TokenEndpoint};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let transport = ScriptedTransport::always(Reply::status(200, "<html>gateway</html>"));
//! let client = TokenClient::builder(
//!     TokenEndpoint::auth0_domain("tenant.example.com").unwrap(),
//!     "client-id",
//!     ClientAuth::client_secret_post("client-secret"),
//! )
//! .with_http_client(transport.clone())
//! .build()
//! .unwrap();
//! let err = client.fetch_token().await.unwrap_err();
//! assert!(err.to_string().contains("invalid token response"), "{err}");
//! assert_eq!(transport.calls(), 1);
//! # }
//! ```

use std::collections::VecDeque;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use auth0_m2m_token::{Error, HttpClient, HttpRequest, HttpResponse};
use http::{HeaderMap, HeaderName, HeaderValue};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A cache key prefix unique to this process and call, e.g. `rel-stampede-1234-1700000000123:`.
pub fn unique_prefix(tag: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("rel-{tag}-{}-{ms}-{n}:", std::process::id())
}

/// One canned answer of a [`ScriptedTransport`].
#[derive(Clone, Debug)]
pub enum Reply {
    /// An HTTP answer.
    Http {
        /// The status code.
        status: u16,
        /// Header names and values.
        headers: Vec<(String, String)>,
        /// The body bytes.
        body: Vec<u8>,
    },
    /// A connection failure ([`Error::Transport`]).
    ConnectionReset,
}

impl Reply {
    /// An answer with a status and a body, without headers.
    pub fn status(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Reply::Http {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// A `200 OK` JSON answer carrying `token` with the given lifetime in seconds.
    pub fn token(token: &str, expires_in: u64) -> Self {
        Reply::status(
            200,
            format!(
                r#"{{"access_token":"{token}","expires_in":{expires_in},"token_type":"Bearer","scope":"read:clients"}}"#
            ),
        )
    }

    /// Adds a header to an HTTP answer.
    pub fn with_header(self, name: &str, value: &str) -> Self {
        match self {
            Reply::Http {
                status,
                mut headers,
                body,
            } => {
                headers.push((name.to_owned(), value.to_owned()));
                Reply::Http {
                    status,
                    headers,
                    body,
                }
            }
            other => other,
        }
    }

    fn to_result(&self) -> Result<HttpResponse, Error> {
        match self {
            Reply::Http {
                status,
                headers,
                body,
            } => {
                let mut map = HeaderMap::new();
                for (n, v) in headers {
                    let name = HeaderName::from_bytes(n.as_bytes())
                        .map_err(|_| Error::transport("invalid scripted header name", None))?;
                    let value = HeaderValue::from_str(v)
                        .map_err(|_| Error::transport("invalid scripted header value", None))?;
                    map.append(name, value);
                }
                Ok(HttpResponse::new(*status, map, body.clone()))
            }
            Reply::ConnectionReset => Err(Error::transport("connection reset by peer", None)),
        }
    }
}

/// An [`HttpClient`] that answers with canned [`Reply`]s in order; the last one repeats.
/// It records every request it receives.
#[derive(Debug)]
pub struct ScriptedTransport {
    replies: Mutex<VecDeque<Reply>>,
    last: Mutex<Option<Reply>>,
    requests: Mutex<Vec<HttpRequest>>,
}

impl ScriptedTransport {
    /// A transport answering `replies` in order, repeating the last one forever.
    pub fn new(replies: Vec<Reply>) -> Arc<Self> {
        Arc::new(Self {
            replies: Mutex::new(replies.into()),
            last: Mutex::new(None),
            requests: Mutex::new(Vec::new()),
        })
    }

    /// A transport that always gives the same answer.
    pub fn always(reply: Reply) -> Arc<Self> {
        Self::new(vec![reply])
    }

    /// How many requests were received.
    pub fn calls(&self) -> usize {
        lock(&self.requests).len()
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<HttpRequest> {
        lock(&self.requests).clone()
    }
}

#[async_trait]
impl HttpClient for ScriptedTransport {
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        lock(&self.requests).push(request);
        let next = lock(&self.replies).pop_front();
        let reply = match next {
            Some(r) => {
                *lock(&self.last) = Some(r.clone());
                r
            }
            None => lock(&self.last)
                .clone()
                .unwrap_or_else(|| Reply::status(500, "no scripted reply")),
        };
        reply.to_result()
    }
}

/// One canned answer of a [`StubServer`].
#[derive(Clone, Debug)]
pub enum Canned {
    /// Raw bytes written back as the whole answer (status line, headers and body), after
    /// which the connection is closed.
    Raw(Vec<u8>),
    /// Close the connection without answering.
    Drop,
}

impl Canned {
    /// A complete HTTP/1.1 answer with a status, extra headers and a body
    /// (`Content-Length` and `Connection: close` are added).
    pub fn response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Self {
        let mut out = format!("HTTP/1.1 {status} Canned\r\n");
        for (n, v) in headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        out.push_str(&format!(
            "content-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        ));
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(body);
        Canned::Raw(bytes)
    }

    /// A JSON answer.
    pub fn json(status: u16, body: &str) -> Self {
        Self::response(
            status,
            &[("content-type", "application/json")],
            body.as_bytes(),
        )
    }
}

/// A request received by a [`StubServer`]: the request line, the headers and the body, as
/// text (lossy UTF-8).
#[derive(Clone, Debug)]
pub struct ReceivedRequest {
    /// The request line and headers.
    pub head: String,
    /// The body.
    pub body: String,
}

/// A tiny HTTP/1.1 server on `127.0.0.1` answering each connection's first request with the
/// next [`Canned`] answer (the last one repeats), then closing the connection.
#[derive(Debug)]
pub struct StubServer {
    addr: std::net::SocketAddr,
    received: Arc<Mutex<Vec<ReceivedRequest>>>,
    task: tokio::task::JoinHandle<()>,
}

impl StubServer {
    /// Starts the server on a free loopback port.
    pub async fn start(answers: Vec<Canned>) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let received = Arc::new(Mutex::new(Vec::new()));
        let queue = Arc::new(Mutex::new(VecDeque::from(answers)));
        let last: Arc<Mutex<Option<Canned>>> = Arc::new(Mutex::new(None));
        let rec = Arc::clone(&received);
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let rec = Arc::clone(&rec);
                let queue = Arc::clone(&queue);
                let last = Arc::clone(&last);
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut stream).await else {
                        return;
                    };
                    lock(&rec).push(request);
                    let next = lock(&queue).pop_front();
                    let answer = match next {
                        Some(a) => {
                            *lock(&last) = Some(a.clone());
                            a
                        }
                        None => lock(&last).clone().unwrap_or(Canned::Drop),
                    };
                    if let Canned::Raw(bytes) = answer {
                        let _ = stream.write_all(&bytes).await;
                        let _ = stream.flush().await;
                    }
                    let _ = stream.shutdown().await;
                });
            }
        });
        Ok(Self {
            addr,
            received,
            task,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:<port>`.
    pub fn authority(&self) -> String {
        self.addr.to_string()
    }

    /// The requests received so far.
    pub fn received(&self) -> Vec<ReceivedRequest> {
        lock(&self.received).clone()
    }
}

impl Drop for StubServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<ReceivedRequest> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        if buf.len() > 1 << 20 {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let end = buf.len().min(head_end + length);
    let body = String::from_utf8_lossy(&buf[head_end..end]).into_owned();
    Some(ReceivedRequest { head, body })
}

/// Collects formatted `tracing` output in memory.
///
/// ```
/// use auth0_m2m_reliability::LogCapture;
///
/// let capture = LogCapture::default();
/// let subscriber = tracing_subscriber::fmt()
///     .with_max_level(tracing::Level::TRACE)
///     .with_ansi(false)
///     .with_writer(capture.clone())
///     .finish();
/// tracing::subscriber::with_default(subscriber, || tracing::info!(answer = 42, "hello"));
/// assert!(capture.text().contains("answer=42"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct LogCapture {
    buffer: Arc<Mutex<Vec<u8>>>,
}

impl LogCapture {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&lock(&self.buffer)).into_owned()
    }
}

impl io::Write for LogCapture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        lock(&self.buffer).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogCapture {
    type Writer = LogCapture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
