//! `auth0-m2m-fake`: runs a local Auth0 tenant until killed.

use auth0_m2m_fake::{BucketLimit, EndpointClass, FakeTenant};
use clap::Parser;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A local Auth0 tenant: token endpoint, every Management API operation, test controls.
#[derive(Parser, Debug)]
#[command(name = "auth0-m2m-fake", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Serve plain HTTP instead of TLS.
    #[arg(long)]
    http: bool,
    /// Where to write the CA certificate PEM (default: a file in the temp directory).
    #[arg(long)]
    ca_out: Option<PathBuf>,
    /// A client `ID:SECRET[:SCOPES]` with a Management API grant (SCOPES comma- or
    /// space-separated; without SCOPES, or with `*`, every scope a served operation accepts).
    /// Repeatable; without any, a default client with every such scope is created.
    #[arg(long = "client", value_name = "ID:SECRET[:SCOPES]")]
    clients: Vec<String>,
    /// Access token lifetime in seconds.
    #[arg(long, default_value_t = 86_400)]
    token_lifetime: u64,
    /// Delay added to every token answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    token_latency_ms: u64,
    /// Number of generated extra clients.
    #[arg(long, default_value_t = 0)]
    seed_clients: usize,
    /// Number of generated users (with roles, organizations and login events).
    #[arg(long, default_value_t = 0)]
    seed_users: usize,
    /// Give every collection nothing else fills one item built from its schema, for checking a
    /// client against every operation (its values are placeholders no real tenant holds).
    #[arg(long)]
    schema_samples: bool,
    /// The Management API's limit: `BURST/PER_SECOND`, a tenant-wide token bucket as Auth0's
    /// (`50/16`), or a plain number, requests per second allowed on the token and API routes
    /// in one-second windows (0 = unlimited).
    #[arg(long, default_value = "0")]
    rate_limit: String,
    /// A per-endpoint bucket, `CLASS=BURST/PER_MINUTE` (classes: read-users, write-users,
    /// read-logs, read-clients, other), as Auth0's Essentials and Professional plans have;
    /// repeat for each class.
    #[arg(long = "endpoint-rate-limit", value_name = "CLASS=BURST/PER_MINUTE")]
    endpoint_rate_limits: Vec<String>,
    /// Tokens allowed per hour before 429 with Auth0-Client-Quota-Limit.
    #[arg(long)]
    quota: Option<u64>,
    /// The most log events kept; older events are dropped first.
    #[arg(long, default_value_t = 10_000)]
    max_logs: usize,
    /// How long log events are kept, in seconds (default: 30 days).
    #[arg(long, default_value_t = 30 * 86_400)]
    log_retention_secs: u64,
    /// A state file: when it exists at start, the tenant is loaded from it (a file that is not
    /// a state document of this version is refused, and left as it is); on Ctrl-C or SIGTERM
    /// the tenant's store is written to it atomically, readable by its owner only. It holds
    /// client secrets. `POST /__fake/reset` still returns to a fresh tenant.
    #[arg(long = "state", value_name = "FILE")]
    state: Option<PathBuf>,
}

/// Parses `ID:SECRET[:SCOPES]`.
fn parse_client(spec: &str) -> Result<(String, String, Option<Vec<String>>), String> {
    let mut parts = spec.splitn(3, ':');
    let id = parts.next().unwrap_or("");
    let secret = parts.next().unwrap_or("");
    if id.is_empty() || secret.is_empty() {
        return Err(format!("--client {spec:?}: expected ID:SECRET[:SCOPES]"));
    }
    let scopes = parts.next().map(|s| {
        s.split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    });
    Ok((id.to_string(), secret.to_string(), scopes))
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(e) = run(args).await {
        eprintln!("auth0-m2m-fake: {e}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), String> {
    let mut b = FakeTenant::builder()
        .http(args.http)
        .addr(args.addr)
        .ca_out(args.ca_out)
        .token_lifetime(Duration::from_secs(args.token_lifetime))
        .token_latency(Duration::from_millis(args.token_latency_ms))
        .seed_clients(args.seed_clients)
        .seed_users(args.seed_users)
        .schema_samples(args.schema_samples)
        .quota(args.quota)
        .max_logs(args.max_logs)
        .log_retention(Duration::from_secs(args.log_retention_secs))
        .state_file(args.state.clone());
    b = match args.rate_limit.split_once('/') {
        Some(_) => {
            let limit = BucketLimit::parse(&args.rate_limit).ok_or_else(|| {
                format!(
                    "--rate-limit {:?}: expected BURST/PER_SECOND with a burst of at least 1 \
                     and a rate above zero",
                    args.rate_limit
                )
            })?;
            b.rate_buckets(limit.burst, limit.per_second)
        }
        None => b.rate_limit(args.rate_limit.trim().parse().map_err(|_| {
            format!(
                "--rate-limit {:?}: expected BURST/PER_SECOND or requests per second",
                args.rate_limit
            )
        })?),
    };
    for spec in &args.endpoint_rate_limits {
        let bad = || {
            format!(
                "--endpoint-rate-limit {spec:?}: expected CLASS=BURST/PER_MINUTE with a class of read-users, write-users, read-logs, read-clients or other"
            )
        };
        let (class, limit) = spec.split_once('=').ok_or_else(bad)?;
        let class = EndpointClass::parse(class.trim()).ok_or_else(bad)?;
        let limit = BucketLimit::parse(limit).ok_or_else(bad)?;
        b = b.endpoint_rate_bucket(class, limit.burst, limit.per_second / 60.0);
    }
    for spec in &args.clients {
        let (id, secret, scopes) = parse_client(spec)?;
        match scopes {
            Some(s) if s != ["*"] => {
                let refs: Vec<&str> = s.iter().map(String::as_str).collect();
                b = b.client(&id, &secret, &refs);
            }
            _ => b = b.client(&id, &secret, &auth0_m2m_fake::served_scopes()),
        }
    }
    // The signals are watched before the tenant is announced: a signal sent once the line is
    // read is handled.
    let stop = stop_signal().map_err(|e| format!("watching for signals failed: {e}"))?;
    let tenant = b.start().await.map_err(|e| e.to_string())?;
    let ca = if args.http {
        serde_json::Value::Null
    } else {
        serde_json::Value::String(tenant.ca_cert_path().display().to_string())
    };
    let line = serde_json::json!({
        "domain": tenant.domain(),
        "base_url": tenant.base_url(),
        "audience": tenant.audience(),
        "client_id": tenant.client_id(),
        "client_secret": tenant.client_secret(),
        "ca_cert": ca,
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    drop(out);
    stop.await;
    eprintln!("auth0-m2m-fake: shutting down");
    let saved = tenant.save_state();
    tenant.shutdown().await;
    saved.map_err(|e| e.to_string())
}

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM.
#[cfg(unix)]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// Resolves on Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

#[cfg(test)]
mod tests {
    use super::{Args, parse_client};
    use clap::Parser;

    #[test]
    fn log_caps_have_defaults_and_options() {
        let a = Args::try_parse_from(["auth0-m2m-fake"]).expect("defaults");
        assert_eq!((a.max_logs, a.log_retention_secs), (10_000, 2_592_000));
        let a = Args::try_parse_from([
            "auth0-m2m-fake",
            "--max-logs",
            "3",
            "--log-retention-secs",
            "60",
        ])
        .expect("options");
        assert_eq!((a.max_logs, a.log_retention_secs), (3, 60));
        assert!(Args::try_parse_from(["auth0-m2m-fake", "--max-logs", "-1"]).is_err());
    }

    #[test]
    fn parses_client_specs() {
        let (id, secret, scopes) = parse_client("a:b:read:clients,create:clients").expect("ok");
        assert_eq!((id.as_str(), secret.as_str()), ("a", "b"));
        assert_eq!(
            scopes,
            Some(vec![
                "read:clients".to_string(),
                "create:clients".to_string()
            ])
        );
        let (_, _, scopes) = parse_client("a:b:read:users update:users").expect("ok");
        assert_eq!(scopes.map(|s| s.len()), Some(2));
        assert_eq!(parse_client("a:b").expect("ok").2, None);
        assert!(parse_client("a").is_err());
        assert!(parse_client(":b").is_err());
    }
}
