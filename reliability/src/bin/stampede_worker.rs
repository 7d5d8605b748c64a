//! One process of the stampede test: builds a token provider over a shared cache, waits for
//! the start signal (a file appearing), then asks for a token from many tasks at once.
//!
//! Configuration comes from environment variables (all required):
//! `STAMPEDE_TOKEN_URL`, `STAMPEDE_AUDIENCE`, `STAMPEDE_CLIENT_ID`, `STAMPEDE_CLIENT_SECRET`,
//! `STAMPEDE_CA_PEM_PATH`, `STAMPEDE_CACHE` (`redis:<url>` or `file:<dir>`),
//! `STAMPEDE_PREFIX`, `STAMPEDE_TASKS`, `STAMPEDE_BARRIER` (a path).
//!
//! It prints `ready` once set up, then one JSON line:
//! `{"ok_calls", "errors", "fetches", "fingerprints": [..]}` where `ok_calls` counts the calls
//! that returned a token and fingerprints are distinct hashes of the tokens received (never
//! the tokens).

use std::collections::BTreeSet;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use auth0_m2m_cache::{FileCache, RedisCache, TokenCache, TokenProvider};
use auth0_m2m_token::{ClientAuth, TokenClient, TokenEndpoint};

fn var(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is not set"))
}

fn fingerprint(token: &str) -> u64 {
    let mut h = DefaultHasher::new();
    token.hash(&mut h);
    h.finish()
}

async fn run() -> Result<serde_json::Value, String> {
    let ca = std::fs::read(var("STAMPEDE_CA_PEM_PATH")?).map_err(|e| e.to_string())?;
    let client = TokenClient::builder(
        TokenEndpoint::url(&var("STAMPEDE_TOKEN_URL")?).map_err(|e| e.to_string())?,
        var("STAMPEDE_CLIENT_ID")?,
        ClientAuth::client_secret_post(var("STAMPEDE_CLIENT_SECRET")?),
    )
    .with_audience(var("STAMPEDE_AUDIENCE")?)
    .with_root_certificate_pem(ca)
    .build()
    .map_err(|e| e.to_string())?;
    let spec = var("STAMPEDE_CACHE")?;
    let cache: Arc<dyn TokenCache> = if let Some(url) = spec.strip_prefix("redis:") {
        Arc::new(
            RedisCache::builder(url)
                .build()
                .map_err(|e| e.to_string())?,
        )
    } else if let Some(dir) = spec.strip_prefix("file:") {
        Arc::new(FileCache::in_dir(dir).map_err(|e| e.to_string())?)
    } else {
        return Err(format!("unknown cache {spec:?}"));
    };
    let tasks: usize = var("STAMPEDE_TASKS")?
        .parse()
        .map_err(|_| "STAMPEDE_TASKS is not a number".to_owned())?;
    let provider = TokenProvider::builder(client)
        .with_cache(cache)
        .with_key_prefix(var("STAMPEDE_PREFIX")?)
        .build()
        .map_err(|e| e.to_string())?;
    let barrier = std::path::PathBuf::from(var("STAMPEDE_BARRIER")?);

    println!("ready");
    std::io::stdout().flush().map_err(|e| e.to_string())?;
    while !barrier.exists() {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }

    let mut handles = Vec::with_capacity(tasks);
    for _ in 0..tasks {
        let p = provider.clone();
        handles.push(tokio::spawn(async move {
            p.token().await.map(|t| fingerprint(t.expose_secret()))
        }));
    }
    let mut errors = Vec::new();
    let mut fingerprints = BTreeSet::new();
    let mut ok_calls = 0_u64;
    for h in handles {
        match h.await {
            Ok(Ok(f)) => {
                ok_calls += 1;
                fingerprints.insert(f);
            }
            Ok(Err(e)) => errors.push(e.to_string()),
            Err(e) => errors.push(e.to_string()),
        }
    }
    errors.sort();
    errors.dedup();
    Ok(serde_json::json!({
        "ok_calls": ok_calls,
        "errors": errors,
        "fetches": provider.stats().fetches,
        "fingerprints": fingerprints.into_iter().collect::<Vec<_>>(),
    }))
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("stampede-worker: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("stampede-worker: {e}");
            ExitCode::FAILURE
        }
    }
}
