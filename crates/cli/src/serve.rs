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
    served: AtomicU64,
    unauthorized: AtomicU64,
    unavailable: AtomicU64,
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
}

/// Runs the agent until SIGTERM or Ctrl-C.
pub(crate) async fn run(global: &GlobalArgs, args: &ServeArgs) -> Result<(), CliError> {
    init_logging();
    let target = Target::resolve(global).await?;
    let client = target.settings.builder()?.with_keep_warm(true).build()?;
    let provider = client.token_provider().clone();

    let key = new_key();
    let key_digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
    let agent = Arc::new(Agent {
        provider,
        key_digest,
        served: AtomicU64::new(0),
        unauthorized: AtomicU64::new(0),
        unavailable: AtomicU64::new(0),
        health: Mutex::new(Health::default()),
    });
    let router = Router::new()
        .route("/token", get(token))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(agent.clone());

    let (listener, ready, socket_path) = match args.listen {
        Some(addr) => {
            let (listener, bound) = bind_tcp(addr).await?;
            (
                Listener::Tcp(listener),
                json!({ "listen": bound.to_string() }),
                None,
            )
        }
        None => {
            let path = match &args.socket {
                Some(p) => p.clone(),
                None => default_dir()?.join("agent.sock"),
            };
            let listener = bind_unix(&path)?;
            (
                Listener::Unix(listener),
                json!({ "socket": path.display().to_string() }),
                Some(path),
            )
        }
    };
    let socket_id = socket_path.as_deref().and_then(file_id);
    let key_path = match (&args.key_file, &socket_path) {
        (Some(p), _) => p.clone(),
        (None, Some(socket)) => socket.with_file_name("agent.key"),
        (None, None) => default_dir()?.join("agent.key"),
    };
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
        "token agent listening"
    );

    let served = match listener {
        Listener::Tcp(l) => {
            axum::serve(l, router)
                .with_graceful_shutdown(shutdown_signal())
                .await
        }
        Listener::Unix(l) => {
            axum::serve(l, router)
                .with_graceful_shutdown(shutdown_signal())
                .await
        }
    };
    monitor.abort();
    remove_if_ours(socket_path.as_deref(), socket_id);
    remove_if_ours(Some(&key_path), key_id);
    tracing::info!("token agent stopped");
    served.map_err(|e| CliError::failure(format!("the agent stopped serving: {e}")))
}

enum Listener {
    Tcp(tokio::net::TcpListener),
    Unix(tokio::net::UnixListener),
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
    if !agent.authorized(&headers) {
        agent.unauthorized.fetch_add(1, Ordering::Relaxed);
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
        return response;
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

/// `GET /healthz`: 200 while a valid token is held, 503 otherwise.
async fn healthz(State(agent): State<Arc<Agent>>) -> Response {
    let now = SystemTime::now();
    let token = agent
        .provider
        .current_token()
        .filter(|t| !t.is_expired_at(now));
    let error = agent.health().last_refresh_error.clone();
    let body = json!({
        "status": if token.is_some() { "ok" } else { "unavailable" },
        "token_held": token.is_some(),
        "expires_in": token.as_ref().map(|t| t.remaining_at(now).as_secs()),
        "last_refresh_error": error,
    });
    let status = if token.is_some() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    json_response(status, body)
}

/// `GET /metrics`: Prometheus text format.
async fn metrics(State(agent): State<Arc<Agent>>) -> Response {
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

fn create_private_dir(dir: &Path) -> Result<(), CliError> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| CliError::usage(format!("cannot create {}: {e}", dir.display())))
}

async fn bind_tcp(addr: SocketAddr) -> Result<(tokio::net::TcpListener, SocketAddr), CliError> {
    if !addr.ip().is_loopback() {
        return Err(CliError::usage(format!(
            "--listen {addr}: the agent serves tokens on loopback addresses only (127.0.0.1 or \
             ::1)"
        )));
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| CliError::usage(format!("cannot listen on {addr}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| CliError::failure(format!("cannot read the bound address: {e}")))?;
    Ok((listener, bound))
}

/// Binds the Unix socket at `path` (mode 0600). A socket file another process listens on is
/// never touched; a stale one (nobody listening) is replaced; any other file is refused.
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
                return Err(CliError::usage(format!(
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
    let listener = tokio::net::UnixListener::bind(path)
        .map_err(|e| CliError::usage(format!("cannot listen on {}: {e}", path.display())))?;
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

    #[test]
    fn the_key_is_checked_whatever_the_scheme_case() {
        let key = "k".repeat(64);
        let agent = Agent {
            provider: fake_provider(),
            key_digest: Sha256::digest(key.as_bytes()).into(),
            served: AtomicU64::new(0),
            unauthorized: AtomicU64::new(0),
            unavailable: AtomicU64::new(0),
            health: Mutex::new(Health::default()),
        };
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
        assert_eq!(e.exit_code(), 2);
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
