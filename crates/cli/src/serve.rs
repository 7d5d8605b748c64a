//! `auth0-m2m serve`: the token agent.
//!
//! The agent holds the token of one [`TokenProvider`] with keep-warm on and hands it to local
//! processes over HTTP on a Unix socket (or a loopback TCP port). Answers come from the
//! provider's in-process copy, so once a token is held no caller waits on the network.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use auth0_m2m::cache::{ProviderError, TokenProvider};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::cli::{GlobalArgs, ServeArgs};
use crate::config::Target;
use crate::error::CliError;
use crate::files::create_private_dir;

/// The longest a `GET /token` waits when no valid token is held (before the first one, or
/// after every refresh failed) before it answers 503.
const MAX_WAIT: Duration = Duration::from_secs(20);

/// How often the agent checks the provider's health.
const MONITOR_INTERVAL: Duration = Duration::from_secs(1);

/// What the handlers share.
struct Agent {
    provider: TokenProvider,
    /// SHA-256 of the agent key; compared in constant time.
    key_digest: [u8; 32],
    /// Whether the agent listens on a TCP port, where web pages could reach it: the `Host` and
    /// `Origin` headers are checked then.
    tcp: bool,
    served: AtomicU64,
    unauthorized: AtomicU64,
    unavailable: AtomicU64,
    /// Requests refused for their `Host` or `Origin`.
    refused: AtomicU64,
    health: Mutex<Health>,
}

/// What the monitor and the handlers learned about refreshes.
#[derive(Default)]
struct Health {
    last_refresh_error: Option<String>,
    failures_seen: u64,
    last_fetch_seen: Option<SystemTime>,
}

impl Agent {
    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        // A panic while holding this lock leaves plain data behind; keep using it.
        self.health
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn record_error(&self, e: &ProviderError) {
        self.health().last_refresh_error = Some(e.to_string());
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(presented) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, key)| key)
        else {
            return false;
        };
        let digest: [u8; 32] = Sha256::digest(presented.trim().as_bytes()).into();
        digest.ct_eq(&self.key_digest).into()
    }

    /// On TCP, the 403 answer for a request a web page could have sent: a `Host` that is not a
    /// loopback name (DNS rebinding), or an `Origin` (or `Sec-Fetch-Site`) of another site.
    fn refuse_foreign(&self, headers: &HeaderMap) -> Option<Response> {
        if !self.tcp {
            return None;
        }
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let reason = match host {
            None => Some("a Host header is required"),
            Some(host) if !is_loopback_host(host) => {
                Some("the Host header must name a loopback address or localhost")
            }
            Some(host) => {
                let origin = headers
                    .get(header::ORIGIN)
                    .map(|v| v.to_str().unwrap_or(""));
                let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
                let same_origin = |o: &str| {
                    o.strip_prefix("http://")
                        .is_some_and(|rest| rest.eq_ignore_ascii_case(host))
                };
                if origin.is_some_and(|o| !same_origin(o))
                    || site.is_some_and(|s| s != "same-origin" && s != "none")
                {
                    Some("cross-site requests are refused")
                } else {
                    None
                }
            }
        }?;
        self.refused.fetch_add(1, Ordering::Relaxed);
        Some(json_response(
            StatusCode::FORBIDDEN,
            json!({ "error": "forbidden", "error_description": reason }),
        ))
    }
}

/// Whether `host` (a `Host` header value) is `localhost`, a loopback IP address, or one of
/// them with a port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((ip, tail)) if tail.is_empty() || is_port(tail) => ip,
            _ => return false,
        },
        None => match host.rsplit_once(':') {
            Some((name, port)) if is_port(&format!(":{port}")) => name,
            Some(_) => return false,
            None => host,
        },
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether `tail` is `:` followed by a port number.
fn is_port(tail: &str) -> bool {
    tail.strip_prefix(':')
        .is_some_and(|p| !p.is_empty() && p.parse::<u16>().is_ok())
}

/// The 401 answer to a request without the agent key.
fn unauthorized() -> Response {
    let mut response = json_response(
        StatusCode::UNAUTHORIZED,
        json!({
            "error": "unauthorized",
            "error_description": "send the agent key: Authorization: Bearer <key file contents>",
        }),
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

/// Runs the agent until SIGTERM or Ctrl-C.
pub(crate) async fn run(global: &GlobalArgs, args: &ServeArgs) -> Result<(), CliError> {
    init_logging();
    let target = Target::resolve(global).await?;
    let client = target.settings.builder()?.with_keep_warm(true).build()?;
    let provider = client.token_provider().clone();

    // The key file is locked before anything is bound or written, so that a second agent
    // meant for the same files stops without touching the first one's.
    let (listener, ready, socket_path, key_path, lock) = match args.listen {
        Some(addr) => {
            let (listener, bound) = bind_tcp(addr).await?;
            let key_path = match &args.key_file {
                Some(p) => p.clone(),
                None => default_dir()?.join(format!("agent-{}.key", bound.port())),
            };
            let lock = lock_key_file(&key_path)?;
            (
                Listener::Tcp(listener),
                json!({ "listen": bound.to_string() }),
                None,
                key_path,
                lock,
            )
        }
        None => {
            let path = match &args.socket {
                Some(p) => p.clone(),
                None => default_dir()?.join("agent.sock"),
            };
            let key_path = match &args.key_file {
                Some(p) => p.clone(),
                None => path.with_extension("key"),
            };
            if key_path == path {
                return Err(CliError::usage(format!(
                    "--key-file {} is the socket's own path; choose another",
                    key_path.display()
                )));
            }
            let lock = lock_key_file(&key_path)?;
            let listener = bind_unix(&path)?;
            (
                Listener::Unix(listener),
                json!({ "socket": path.display().to_string() }),
                Some(path),
                key_path,
                lock,
            )
        }
    };
    let socket_id = socket_path.as_deref().and_then(file_id);

    let key = new_key();
    let key_digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
    let agent = Arc::new(Agent {
        provider,
        key_digest,
        tcp: args.listen.is_some(),
        served: AtomicU64::new(0),
        unauthorized: AtomicU64::new(0),
        unavailable: AtomicU64::new(0),
        refused: AtomicU64::new(0),
        health: Mutex::new(Health::default()),
    });
    let router = Router::new()
        .route("/token", get(token))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(agent.clone());

    if let Err(e) = write_key(&key_path, &key) {
        remove_if_ours(socket_path.as_deref(), socket_id);
        return Err(e);
    }
    let key_id = file_id(&key_path);

    let monitor = tokio::spawn(monitor(agent.clone()));
    let mut ready = ready;
    ready["key_file"] = json!(key_path.display().to_string());
    // Scripts and tests wait for this line; a closed stdout is no reason to stop serving.
    if let Err(e) = crate::output::print_line(&ready.to_string()) {
        tracing::warn!(error = %e, "could not print the ready line");
    }
    tracing::info!(
        socket = ?socket_path,
        listen = ?args.listen,
        key_file = %key_path.display(),
        cache = %target.settings.cache_description(),
        max_connections = args.max_connections,
        "token agent listening"
    );

    let limits = Limits {
        max_connections: args.max_connections.max(1),
        header_read_timeout: HEADER_READ_TIMEOUT,
        shutdown_grace: SHUTDOWN_GRACE,
    };
    serve(listener, router, limits, shutdown_signal()).await;
    monitor.abort();
    remove_if_ours(socket_path.as_deref(), socket_id);
    remove_if_ours(Some(&key_path), key_id);
    drop(lock);
    tracing::info!("token agent stopped");
    Ok(())
}

/// How long a connection may take to send a request's headers. hyper starts this clock
/// whenever the connection waits for a request, so it also closes idle keep-alive
/// connections.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the agent waits, once told to stop, for the requests in progress to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// The bounds on what clients can hold.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Connections served at once; more are closed as soon as they are accepted.
    max_connections: usize,
    header_read_timeout: Duration,
    shutdown_grace: Duration,
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting, asks every
/// connection to finish its request in progress and waits at most `limits.shutdown_grace`
/// before dropping the rest.
async fn serve(
    listener: Listener,
    router: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    let mut refused_logged = false;
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok(stream) => stream,
            Err(e) => {
                // Out of file descriptors, say: wait a little instead of spinning.
                tracing::warn!(error = %e, "could not accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            if !refused_logged {
                tracing::warn!(
                    max_connections = limits.max_connections,
                    "connection limit reached; closing new connections until some end"
                );
                refused_logged = true;
            }
            drop(stream);
            continue;
        };
        refused_logged = false;
        let router = router.clone();
        let stopping = stopping.clone();
        match stream {
            Stream::Tcp(s) => {
                connections.spawn(connection(s, router, limits, stopping, permit));
            }
            Stream::Unix(s) => {
                connections.spawn(connection(s, router, limits, stopping, permit));
            }
        }
    }
    drop(listener);
    let _ = stop.send(true);
    let open = connections.len();
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            connections = connections.len(),
            of = open,
            "closing the connections still open after the shutdown grace period"
        );
        connections.shutdown().await;
    }
}

/// Serves one connection: HTTP/1.1 with a header-read timeout, finished gracefully when the
/// agent stops.
async fn connection<IO>(
    io: IO,
    router: Router,
    limits: Limits,
    mut stopping: tokio::sync::watch::Receiver<bool>,
    _permit: tokio::sync::OwnedSemaphorePermit,
) where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper_util::service::TowerToHyperService::new(router);
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .serve_connection(hyper_util::rt::TokioIo::new(io), service);
    tokio::pin!(conn);
    let stop_requested = async {
        // A closed channel means the agent is gone too.
        while !*stopping.borrow_and_update() {
            if stopping.changed().await.is_err() {
                break;
            }
        }
    };
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended");
            }
        }
        () = stop_requested => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

enum Listener {
    Tcp(tokio::net::TcpListener),
    Unix(tokio::net::UnixListener),
}

enum Stream {
    Tcp(tokio::net::TcpStream),
    Unix(tokio::net::UnixStream),
}

impl Listener {
    async fn accept(&self) -> std::io::Result<Stream> {
        match self {
            Self::Tcp(l) => l.accept().await.map(|(s, _)| Stream::Tcp(s)),
            Self::Unix(l) => l.accept().await.map(|(s, _)| Stream::Unix(s)),
        }
    }
}

/// The lock held on `<key file>.lock` while the agent runs.
#[derive(Debug)]
struct KeyLock {
    _file: std::fs::File,
}

/// Takes the lock of the key file at `path`: a second agent meant for the same key file
/// (the same socket, or the same --key-file) stops here, naming the first one's process.
fn lock_key_file(path: &Path) -> Result<KeyLock, CliError> {
    use std::io::{Read, Seek, Write};
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock_path = PathBuf::from(lock_path);
    let fail =
        |e: std::io::Error| CliError::failure(format!("cannot lock {}: {e}", lock_path.display()));
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&lock_path)
        .map_err(fail)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(CliError::failure(format!(
                "another agent{} uses the key file {}; stop it, or give this one its own                  --socket (or --key-file)",
                if holder.is_empty() {
                    String::new()
                } else {
                    format!(" (process {holder})")
                },
                path.display()
            )));
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(fail(e)),
    }
    file.set_len(0).map_err(fail)?;
    file.rewind().map_err(fail)?;
    write!(file, "{}", std::process::id()).map_err(fail)?;
    Ok(KeyLock { _file: file })
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Fetches the first token, then keeps watching the provider: fetches again whenever no
/// valid token is held (the provider's keep-warm refreshes it before that in normal
/// operation) and turns refresh failures into the health report.
async fn monitor(agent: Arc<Agent>) {
    let mut backoff = MONITOR_INTERVAL;
    loop {
        let now = SystemTime::now();
        let held = agent
            .provider
            .current_token()
            .is_some_and(|t| !t.is_expired_at(now));
        if !held {
            match agent.provider.token().await {
                Ok(t) => {
                    tracing::info!(
                        fingerprint = %crate::output::fingerprint(t.expose_secret()),
                        expires_in = t.remaining_at(SystemTime::now()).as_secs(),
                        "token held"
                    );
                    agent.health().last_refresh_error = None;
                    backoff = MONITOR_INTERVAL;
                }
                Err(e) => {
                    tracing::warn!(error = %e, retry_in = ?backoff, "could not obtain a token");
                    agent.record_error(&e);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    continue;
                }
            }
        }
        let stats = agent.provider.stats();
        {
            let mut health = agent.health();
            if stats.refresh_failures > health.failures_seen {
                health.failures_seen = stats.refresh_failures;
                if health.last_refresh_error.is_none() {
                    health.last_refresh_error = Some(format!(
                        "a background refresh failed ({} failures so far; see the log)",
                        stats.refresh_failures
                    ));
                }
            }
            if stats.last_fetch_at != health.last_fetch_seen {
                // A successful token request since the last look: refreshes work again.
                health.last_fetch_seen = stats.last_fetch_at;
                health.last_refresh_error = None;
            }
        }
        tokio::time::sleep(MONITOR_INTERVAL).await;
    }
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /token`: Auth0's token answer, for callers that present the agent key.
async fn token(State(agent): State<Arc<Agent>>, headers: HeaderMap) -> Response {
    if let Some(refused) = agent.refuse_foreign(&headers) {
        return refused;
    }
    if !agent.authorized(&headers) {
        agent.unauthorized.fetch_add(1, Ordering::Relaxed);
        return unauthorized();
    }
    let now = SystemTime::now();
    let held = agent
        .provider
        .current_token()
        .filter(|t| !t.is_expired_at(now));
    let token = match held {
        Some(t) => t,
        // Only before the first token (or after every refresh failed): wait for one, for a
        // bounded time.
        None => match tokio::time::timeout(MAX_WAIT, agent.provider.token()).await {
            Ok(Ok(t)) => t,
            Ok(Err(e)) => {
                agent.record_error(&e);
                return unavailable(&agent, e.to_string());
            }
            Err(_) => {
                return unavailable(
                    &agent,
                    format!("no token yet after {} s", MAX_WAIT.as_secs()),
                );
            }
        },
    };
    agent.served.fetch_add(1, Ordering::Relaxed);
    json_response(
        StatusCode::OK,
        json!({
            "access_token": token.expose_secret(),
            "token_type": token.token_type(),
            "expires_in": token.remaining_at(SystemTime::now()).as_secs(),
            "scope": token.scope_string(),
        }),
    )
}

/// A 503 answer to `GET /token`.
fn unavailable(agent: &Agent, description: String) -> Response {
    agent.unavailable.fetch_add(1, Ordering::Relaxed);
    json_response(
        StatusCode::SERVICE_UNAVAILABLE,
        json!({
            "error": "temporarily_unavailable",
            "error_description": description,
        }),
    )
}

/// `GET /healthz`: 200 while a valid token is held, 503 otherwise. The body says only that
/// much, except to callers that present the agent key: they also get the seconds to expiry
/// and the last refresh error.
async fn healthz(State(agent): State<Arc<Agent>>, headers: HeaderMap) -> Response {
    if let Some(refused) = agent.refuse_foreign(&headers) {
        return refused;
    }
    let now = SystemTime::now();
    let token = agent
        .provider
        .current_token()
        .filter(|t| !t.is_expired_at(now));
    let status_text = if token.is_some() { "ok" } else { "unavailable" };
    let body = if agent.authorized(&headers) {
        let error = agent.health().last_refresh_error.clone();
        json!({
            "status": status_text,
            "token_held": token.is_some(),
            "expires_in": token.as_ref().map(|t| t.remaining_at(now).as_secs()),
            "last_refresh_error": error,
        })
    } else {
        json!({ "status": status_text })
    };
    let status = if token.is_some() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json_response(status, body)
}

/// `GET /metrics`: Prometheus text format, for callers that present the agent key.
async fn metrics(State(agent): State<Arc<Agent>>, headers: HeaderMap) -> Response {
    if let Some(refused) = agent.refuse_foreign(&headers) {
        return refused;
    }
    if !agent.authorized(&headers) {
        return unauthorized();
    }
    let stats = agent.provider.stats();
    let now = SystemTime::now();
    let expires_in = agent
        .provider
        .current_token()
        .map_or(0, |t| t.remaining_at(now).as_secs());
    let mut text = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, lines: &[(String, u64)]| {
        text.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        for (labels, value) in lines {
            text.push_str(&format!("{name}{labels} {value}\n"));
        }
    };
    metric(
        "auth0_m2m_agent_token_requests_total",
        "counter",
        "Token requests sent to the token endpoint by this agent.",
        &[(String::new(), stats.fetches)],
    );
    metric(
        "auth0_m2m_agent_shared_cache_adoptions_total",
        "counter",
        "Tokens adopted from the shared cache (fetched by another process or host).",
        &[(String::new(), stats.shared_cache_adoptions)],
    );
    metric(
        "auth0_m2m_agent_refresh_failures_total",
        "counter",
        "Token requests that failed.",
        &[(String::new(), stats.refresh_failures)],
    );
    metric(
        "auth0_m2m_agent_answers_total",
        "counter",
        "Answers to GET /token, by status.",
        &[
            (
                "{status=\"200\"}".to_owned(),
                agent.served.load(Ordering::Relaxed),
            ),
            (
                "{status=\"401\"}".to_owned(),
                agent.unauthorized.load(Ordering::Relaxed),
            ),
            (
                "{status=\"503\"}".to_owned(),
                agent.unavailable.load(Ordering::Relaxed),
            ),
        ],
    );
    metric(
        "auth0_m2m_agent_refused_requests_total",
        "counter",
        "Requests refused for a Host or Origin header a web page could have sent (TCP only).",
        &[(String::new(), agent.refused.load(Ordering::Relaxed))],
    );
    metric(
        "auth0_m2m_agent_token_expires_in_seconds",
        "gauge",
        "Seconds until the held token expires (0 without a token).",
        &[(String::new(), expires_in)],
    );
    if let Some(quota) = &stats.last_quota {
        let buckets: Vec<(String, u64)> = quota
            .buckets
            .iter()
            .map(|b| (format!("{{period=\"{}\"}}", label(&b.period)), b.remaining))
            .collect();
        metric(
            "auth0_m2m_agent_token_quota_remaining",
            "gauge",
            "Tokens left in the client's quota per period, as Auth0 last reported it.",
            &buckets,
        );
    }
    let mut response = (StatusCode::OK, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// `text` made safe as a Prometheus label value.
fn label(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(50)
        .collect()
}

/// A random agent key: 32 bytes, hexadecimal.
fn new_key() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// `auth0-m2m` in the user's runtime directory, else in the cache directory; created with
/// mode 0700.
fn default_dir() -> Result<PathBuf, CliError> {
    let base = dirs::runtime_dir()
        .or_else(dirs::cache_dir)
        .ok_or_else(|| {
            CliError::usage(
                "the user's runtime and cache directories are unknown; pass --socket and \
                 --key-file",
            )
        })?;
    Ok(base.join("auth0-m2m"))
}

async fn bind_tcp(addr: SocketAddr) -> Result<(tokio::net::TcpListener, SocketAddr), CliError> {
    if !addr.ip().is_loopback() {
        return Err(CliError::usage(format!(
            "--listen {addr}: the agent serves tokens on loopback addresses only (127.0.0.1 or \
             ::1)"
        )));
    }
    // A port in use or refused is a runtime failure, not a usage error.
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| CliError::failure(format!("cannot listen on {addr}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| CliError::failure(format!("cannot read the bound address: {e}")))?;
    Ok((listener, bound))
}

/// Binds the Unix socket at `path` (mode 0600 from its creation). Its directory must be
/// the user's own and closed to others. A socket file another process listens on is never
/// touched; a stale one (nobody listening) is replaced; any other file is refused.
fn bind_unix(path: &Path) -> Result<tokio::net::UnixListener, CliError> {
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(CliError::usage(format!(
                "cannot inspect {}: {e}",
                path.display()
            )));
        }
        Ok(meta) if !meta.file_type().is_socket() => {
            return Err(CliError::usage(format!(
                "{} exists and is not a socket; refusing to replace it",
                path.display()
            )));
        }
        Ok(_) => match std::os::unix::net::UnixStream::connect(path) {
            Ok(_) => {
                return Err(CliError::failure(format!(
                    "the socket {} is in use by a running process (another agent?); stop it \
                     or choose another path with --socket",
                    path.display()
                )));
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                tracing::info!(socket = %path.display(), "replacing a stale socket file");
                std::fs::remove_file(path).map_err(|e| {
                    CliError::usage(format!(
                        "cannot remove the stale socket {}: {e}",
                        path.display()
                    ))
                })?;
            }
            Err(e) => {
                return Err(CliError::usage(format!(
                    "cannot tell whether {} is in use ({e}); refusing to replace it",
                    path.display()
                )));
            }
        },
    }
    // The socket is created with the process's umask: closed to group and others from the
    // start rather than after a window.
    let previous = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o177));
    let bound = tokio::net::UnixListener::bind(path);
    rustix::process::umask(previous);
    let listener = bound
        .map_err(|e| CliError::failure(format!("cannot listen on {}: {e}", path.display())))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|e| {
        CliError::failure(format!(
            "cannot restrict the socket {} to its owner: {e}",
            path.display()
        ))
    })?;
    Ok(listener)
}

/// Writes the agent key to `path`, readable by its owner only.
fn write_key(path: &Path, key: &str) -> Result<(), CliError> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let fail = |e: std::io::Error| {
        CliError::usage(format!("cannot write the key file {}: {e}", path.display()))
    };
    // Replace rather than rewrite, so that a file someone else owns or opened keeps nothing.
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(fail(e)),
        _ => {}
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(fail)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(fail)?;
    file.write_all(key.as_bytes()).map_err(fail)?;
    file.flush().map_err(fail)
}

/// The device and inode of `path`.
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

/// Removes `path` if it is still the file this agent created.
fn remove_if_ours(path: Option<&Path>, id: Option<(u64, u64)>) {
    if let (Some(path), Some(id)) = (path, id)
        && file_id(path) == Some(id)
        && let Err(e) = std::fs::remove_file(path)
    {
        tracing::warn!(path = %path.display(), error = %e, "could not remove");
    }
}

async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot watch SIGTERM; stopping on Ctrl-C only");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(key: &str, tcp: bool) -> Agent {
        Agent {
            provider: fake_provider(),
            key_digest: Sha256::digest(key.as_bytes()).into(),
            tcp,
            served: AtomicU64::new(0),
            unauthorized: AtomicU64::new(0),
            unavailable: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            health: Mutex::new(Health::default()),
        }
    }

    #[test]
    fn the_key_is_checked_whatever_the_scheme_case() {
        let key = "k".repeat(64);
        let agent = agent(&key, false);
        let with = |value: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            agent.authorized(&h)
        };
        assert!(with(&format!("Bearer {key}")));
        assert!(with(&format!("bearer {key}")));
        assert!(with(&format!("BEARER {key}")));
        assert!(!with(&format!("Basic {key}")));
        assert!(!with(&format!("Bearer {key}x")));
        assert!(!with("Bearer "));
        assert!(!with(&key));
        assert!(!agent.authorized(&HeaderMap::new()));
    }

    /// A provider that is never asked for a token.
    fn fake_provider() -> TokenProvider {
        auth0_m2m::ManagementClient::builder("tenant.example.com")
            .with_client_secret("id", "secret")
            .build()
            .expect("client")
            .token_provider()
            .clone()
    }

    #[test]
    fn loopback_hosts_only() {
        for good in [
            "localhost",
            "LOCALHOST:7878",
            "127.0.0.1",
            "127.0.0.1:7878",
            "127.1.2.3:80",
            "[::1]",
            "[::1]:7878",
        ] {
            assert!(is_loopback_host(good), "{good}");
        }
        for bad in [
            "evil.example",
            "evil.example:7878",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "10.0.0.1:7878",
            "[::2]:1",
            "[::1]x",
            "localhost:",
            "localhost:99999",
            "",
        ] {
            assert!(!is_loopback_host(bad), "{bad}");
        }
    }

    #[tokio::test]
    async fn web_pages_cannot_reach_the_tcp_agent() {
        let tcp = agent("k", true);
        let with = |pairs: &[(&'static str, &str)]| {
            let mut h = HeaderMap::new();
            for (name, value) in pairs {
                h.insert(*name, HeaderValue::from_str(value).unwrap());
            }
            tcp.refuse_foreign(&h).map(|r| r.status())
        };
        assert_eq!(with(&[("host", "127.0.0.1:7878")]), None);
        assert_eq!(
            with(&[
                ("host", "localhost:7878"),
                ("origin", "http://localhost:7878")
            ]),
            None
        );
        assert_eq!(
            with(&[("host", "127.0.0.1:7878"), ("sec-fetch-site", "none")]),
            None
        );
        for refused in [
            &[][..],
            &[("host", "evil.example:7878")],
            &[
                ("host", "127.0.0.1:7878"),
                ("origin", "http://evil.example"),
            ],
            &[("host", "127.0.0.1:7878"), ("origin", "null")],
            &[("host", "127.0.0.1:7878"), ("sec-fetch-site", "cross-site")],
        ] {
            assert_eq!(with(refused), Some(StatusCode::FORBIDDEN), "{refused:?}");
        }
        assert_eq!(tcp.refused.load(Ordering::Relaxed), 5);
        // On a Unix socket, only processes of the user reach the agent: no check.
        assert!(
            agent("k", false)
                .refuse_foreign(&HeaderMap::new())
                .is_none()
        );
    }

    /// A client that sends part of a request and stops is closed after the header timeout;
    /// stopping waits for no one longer than the grace period; connections beyond the limit
    /// are closed at once.
    #[tokio::test(start_paused = true)]
    async fn stalled_clients_are_closed_and_shutdown_is_bounded() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sock");
        let listener = Listener::Unix(tokio::net::UnixListener::bind(&path).unwrap());
        let router = Router::new().route("/healthz", get(|| async { "ok" }));
        let limits = Limits {
            max_connections: 3,
            header_read_timeout: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(3),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, router, limits, async {
            let _ = stopped.await;
        }));

        let started = tokio::time::Instant::now();
        let mut stalled = tokio::net::UnixStream::connect(&path).await.unwrap();
        stalled
            .write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .unwrap();
        let mut rest = Vec::new();
        stalled.read_to_end(&mut rest).await.unwrap();
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(5) && waited < Duration::from_secs(6),
            "{waited:?}"
        );

        // Three connections fill the limit; a fourth is closed without an answer.
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(tokio::net::UnixStream::connect(&path).await.unwrap());
        }
        tokio::task::yield_now().await;
        let mut extra = tokio::net::UnixStream::connect(&path).await.unwrap();
        let _ = extra
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
            .await;
        let mut answer = Vec::new();
        let _ = extra.read_to_end(&mut answer).await;
        assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
        // A held connection still gets its answer.
        held[0]
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 64];
        let n = held[0].read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"), "{:?}", &buf[..n]);

        // One connection in the middle of its headers: stopping takes at most the grace period.
        held[1]
            .write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .unwrap();
        let stopping = tokio::time::Instant::now();
        stop.send(()).unwrap();
        server.await.unwrap();
        assert!(
            stopping.elapsed() <= Duration::from_secs(3),
            "{:?}",
            stopping.elapsed()
        );
    }

    #[test]
    fn labels_are_safe() {
        assert_eq!(label("per_hour"), "per_hour");
        assert_eq!(label("a\"b}\nc"), "abc");
    }

    #[test]
    fn keys_are_random_hex() {
        let (a, b) = (new_key(), new_key());
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[cfg(unix)]
    #[test]
    fn sockets_in_use_are_refused_and_stale_ones_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sock");
        let live = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let e = bind_unix(&path).unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(e.to_string().contains("in use"), "{e}");
        drop(live); // the file stays, nobody listens
        assert!(path.exists());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let _listener = bind_unix(&path).expect("a stale socket is replaced");
        });
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "x").unwrap();
        let e = bind_unix(&plain).unwrap_err();
        assert!(e.to_string().contains("not a socket"), "{e}");
        assert_eq!(std::fs::read_to_string(&plain).unwrap(), "x");
    }

    #[cfg(unix)]
    #[test]
    fn key_files_are_private_and_removed_only_when_ours() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("agent.key");
        write_key(&path, "k1").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let id = file_id(&path);
        // Replaced by someone else (a different file, created while ours existed): left alone.
        let other = dir.path().join("sub").join("other");
        std::fs::write(&other, "other").unwrap();
        std::fs::rename(&other, &path).unwrap();
        remove_if_ours(Some(&path), id);
        assert!(path.exists());
        let id = file_id(&path);
        remove_if_ours(Some(&path), id);
        assert!(!path.exists());
    }
}
