//! One process of the chaos fleet, driven by `cargo xtask chaos`.
//!
//! ```text
//! chaos-worker run --domain HOST:PORT --ca PATH --client-id ID --client-secret SECRET \
//!     --redis URL --prefix PREFIX --seconds N --tasks N [--pause-ms N]
//! chaos-worker control --base-url URL --ca PATH METHOD PATH [JSON]
//! ```
//!
//! `run` calls the Management API through the `ManagementClient` facade from `--tasks` tasks
//! for `--seconds` seconds, sharing the token through Redis, prints `ready` when it starts and
//! one JSON line at the end: `{"user_calls", "failed_calls", "errors", "provider": {..}}`.
//!
//! `control` sends one request to the fake tenant's `/__fake/` controls (which need no
//! token) over TLS and prints the answer's body; it exits with failure on a non-2xx answer.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use auth0_m2m::ManagementClient;
use auth0_m2m::management::clients::ListClients;
use auth0_m2m::management::{PageRequest, Paginated};

/// Reads `--name value` pairs; positional arguments are returned in order.
fn parse(args: &[String]) -> (BTreeMap<String, String>, Vec<String>) {
    let mut named = BTreeMap::new();
    let mut positional = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if let Some(name) = a.strip_prefix("--") {
            named.insert(name.to_owned(), it.next().cloned().unwrap_or_default());
        } else {
            positional.push(a.clone());
        }
    }
    (named, positional)
}

fn get<'a>(named: &'a BTreeMap<String, String>, name: &str) -> Result<&'a str, String> {
    named
        .get(name)
        .map(String::as_str)
        .ok_or_else(|| format!("--{name} is required"))
}

fn number(named: &BTreeMap<String, String>, name: &str, default: u64) -> Result<u64, String> {
    match named.get(name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| format!("--{name} must be a number")),
    }
}

async fn run(named: BTreeMap<String, String>) -> Result<serde_json::Value, String> {
    let ca = std::fs::read(get(&named, "ca")?).map_err(|e| format!("reading the CA: {e}"))?;
    let seconds = number(&named, "seconds", 60)?;
    let tasks = number(&named, "tasks", 16)?;
    let pause = Duration::from_millis(number(&named, "pause-ms", 250)?);
    let client = ManagementClient::builder(get(&named, "domain")?)
        .with_client_secret(get(&named, "client-id")?, get(&named, "client-secret")?)
        .with_root_certificate_pem(ca)
        .with_redis_cache(get(&named, "redis")?)
        .with_cache_key_prefix(get(&named, "prefix")?)
        .build()
        .map_err(|e| e.to_string())?;

    println!("ready");
    std::io::stdout().flush().map_err(|e| e.to_string())?;

    let calls = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(std::sync::Mutex::new(BTreeMap::<String, u64>::new()));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let list = ListClients::new()
        .with_page(PageRequest::offset(5).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let mut handles = Vec::new();
    for task in 0..tasks {
        let client = client.clone();
        let calls = Arc::clone(&calls);
        let failed = Arc::clone(&failed);
        let errors = Arc::clone(&errors);
        let list = list.clone();
        handles.push(tokio::spawn(async move {
            // Spread the tasks over the first pause so that they do not move in lockstep.
            tokio::time::sleep(pause.mul_f64(task as f64 / tasks.max(1) as f64)).await;
            while Instant::now() < deadline {
                calls.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = client.execute(&list).await {
                    failed.fetch_add(1, Ordering::Relaxed);
                    let mut map = errors.lock().unwrap_or_else(|p| p.into_inner());
                    *map.entry(e.to_string()).or_default() += 1;
                }
                tokio::time::sleep(pause).await;
            }
        }));
    }
    for h in handles {
        h.await.map_err(|e| format!("a task panicked: {e}"))?;
    }
    let stats = client.token_provider().stats();
    let errors = errors.lock().unwrap_or_else(|p| p.into_inner()).clone();
    Ok(serde_json::json!({
        "user_calls": calls.load(Ordering::Relaxed),
        "failed_calls": failed.load(Ordering::Relaxed),
        "errors": errors,
        "provider": {
            "fetches": stats.fetches,
            "refresh_failures": stats.refresh_failures,
            "shared_cache_adoptions": stats.shared_cache_adoptions,
            "shared_cache_errors": stats.shared_cache_errors,
            "shared_cache_skipped": stats.shared_cache_skipped,
        },
    }))
}

async fn control(
    named: BTreeMap<String, String>,
    positional: Vec<String>,
) -> Result<String, String> {
    let ca = std::fs::read(get(&named, "ca")?).map_err(|e| format!("reading the CA: {e}"))?;
    let cert = reqwest::Certificate::from_pem(&ca).map_err(|e| e.to_string())?;
    let http = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(cert)
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let [method, path, rest @ ..] = positional.as_slice() else {
        return Err("control needs METHOD PATH [JSON]".into());
    };
    let url = format!("{}{path}", get(&named, "base-url")?);
    let method: reqwest::Method = method.parse().map_err(|_| format!("bad method {method}"))?;
    let mut req = http.request(method, &url);
    if let Some(body) = rest.first() {
        req = req
            .header("content-type", "application/json")
            .body(body.clone());
    }
    let resp = req.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status();
    let text = resp.text().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(text)
    } else {
        Err(format!("{url}: HTTP {status}: {text}"))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("chaos-worker: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (named, positional) = parse(args.get(1..).unwrap_or_default());
    let result = match args.first().map(String::as_str) {
        Some("run") => runtime.block_on(run(named)).map(|v| v.to_string()),
        Some("control") => runtime.block_on(control(named, positional)),
        _ => Err("usage: chaos-worker run … | chaos-worker control …".into()),
    };
    match result {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("chaos-worker: {e}");
            ExitCode::FAILURE
        }
    }
}
