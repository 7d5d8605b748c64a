//! Against the local fake tenant: single flight in one process, across OS processes, and a
//! Redis outage.
#![cfg(all(feature = "file", feature = "redis"))]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use auth0_m2m_cache::{
    CacheKeyParts, FileCache, Lease, ProviderStats, RedisCache, SharedCachePolicy, TokenCache,
    TokenProvider, TokenSource,
};
use auth0_m2m_fake::FakeTenant;
use auth0_m2m_token::{ClientAuth, TokenClient, TokenEndpoint};
use sha2::{Digest, Sha256};

#[path = "support/private_redis.rs"]
mod private_redis;
use private_redis::PrivateRedis;

const CHILD_ENV: &str = "AUTH0_M2M_CACHE_TEST_CHILD";

async fn tenant(latency: Duration) -> FakeTenant {
    FakeTenant::builder()
        .client("cache-test-client", "cache-test-secret", &["read:clients"])
        .token_lifetime(Duration::from_secs(3600))
        .token_latency(latency)
        .start()
        .await
        .expect("fake tenant starts")
}

fn client(token_url: &str, id: &str, secret: &str, audience: &str, ca_pem: &str) -> TokenClient {
    let builder = TokenClient::builder(
        TokenEndpoint::url(token_url).unwrap(),
        id,
        ClientAuth::client_secret_post(secret),
    )
    .with_audience(audience);
    let builder = if ca_pem.is_empty() {
        builder
    } else {
        builder.with_root_certificate_pem(ca_pem.as_bytes())
    };
    builder.build().unwrap()
}

fn tenant_client(t: &FakeTenant) -> TokenClient {
    client(
        &t.token_url(),
        &t.client_id(),
        &t.client_secret(),
        &t.audience(),
        &t.ca_cert_pem(),
    )
}

fn sha(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_concurrent_calls_send_one_token_request() {
    let t = tenant(Duration::from_millis(200)).await;
    let provider = TokenProvider::builder(tenant_client(&t)).build().unwrap();
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let p = provider.clone();
        tasks.push(tokio::spawn(async move {
            p.token().await.map(|t| sha(t.expose_secret()))
        }));
    }
    let mut hashes = Vec::new();
    for task in tasks {
        hashes.push(task.await.unwrap().unwrap());
    }
    hashes.dedup();
    assert_eq!(hashes.len(), 1);
    assert_eq!(t.stats().token_requests, 1);
    assert_eq!(provider.stats().fetches, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalidate_fetches_a_different_token() {
    let t = tenant(Duration::ZERO).await;
    let provider = TokenProvider::builder(tenant_client(&t)).build().unwrap();
    let first = provider.token().await.unwrap();
    provider.invalidate(&first).await;
    let second = provider.token().await.unwrap();
    assert!(!second.same_secret(&first));
    assert_eq!(t.stats().token_requests, 2);
}

#[test]
fn token_client_cache_key_parts_are_those_of_the_client() {
    let c = client(
        "https://tenant.example/oauth/token",
        "id",
        "the-secret",
        "https://tenant.example/api/v2/",
        "",
    );
    let parts = c.cache_key_parts();
    let expected = CacheKeyParts::new("https://tenant.example/oauth/token", "id")
        .with_audience("https://tenant.example/api/v2/");
    assert_eq!(parts, expected);
    assert!(!format!("{parts:?}").contains("the-secret"));
}

/// What a child prints once its provider is built, before it waits for the start signal.
const CHILD_READY: &str = "CHILD_READY";

/// Starts 8 copies of this test binary running [`child_process`] and returns their outputs (one
/// token hash each). A barrier makes the token calls concurrent: every child builds its
/// provider, says so on its standard output and blocks reading its standard input; only when
/// all 8 have said so does the parent release them, by closing their standard input.
fn run_children(t: &FakeTenant, cache: &str) -> Vec<String> {
    let exe = std::env::current_exe().unwrap();
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca.path(), t.ca_cert_pem()).unwrap();
    let mut children: Vec<_> = (0..8)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "child_process",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_ENV, cache)
                .env("CHILD_TOKEN_URL", t.token_url())
                .env("CHILD_CLIENT_ID", t.client_id())
                .env("CHILD_CLIENT_SECRET", t.client_secret())
                .env("CHILD_AUDIENCE", t.audience())
                .env("CHILD_CA", ca.path())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut readers = Vec::new();
    for child in &mut children {
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut before = String::new();
        loop {
            let mut line = String::new();
            let n = reader.read_line(&mut line).unwrap();
            assert!(n > 0, "a child ended before it was ready: {before}");
            if line.trim() == CHILD_READY {
                break;
            }
            before.push_str(&line);
        }
        readers.push(reader);
    }
    // Every child is blocked on its standard input: release them together.
    for child in &mut children {
        drop(child.stdin.take());
    }
    children
        .into_iter()
        .zip(readers)
        .map(|(mut c, mut reader)| {
            let mut stdout = String::new();
            reader.read_to_string(&mut stdout).unwrap();
            let mut stderr = String::new();
            c.stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            let status = c.wait().unwrap();
            assert!(status.success(), "child failed: {stdout}\n{stderr}");
            stdout
                .lines()
                .find_map(|l| l.split("CHILD_TOKEN_SHA256=").nth(1))
                .unwrap_or_else(|| panic!("no token line in {stdout}"))
                .to_owned()
        })
        .collect()
}

/// One process of the multi-process tests, which start it with its configuration in the
/// environment; not a test of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a child process of the multi-process tests, which run it with --ignored"]
async fn child_process() {
    let cache_spec = std::env::var(CHILD_ENV)
        .unwrap_or_else(|_| panic!("{CHILD_ENV} is not set: run by the multi-process tests"));
    let var = |n: &str| std::env::var(n).unwrap();
    let pem = std::fs::read_to_string(var("CHILD_CA")).unwrap();
    let source = client(
        &var("CHILD_TOKEN_URL"),
        &var("CHILD_CLIENT_ID"),
        &var("CHILD_CLIENT_SECRET"),
        &var("CHILD_AUDIENCE"),
        &pem,
    );
    let (cache, prefix): (Arc<dyn TokenCache>, String) =
        if let Some(dir) = cache_spec.strip_prefix("file:") {
            (
                Arc::new(FileCache::in_dir(dir).unwrap()),
                "auth0-m2m:".into(),
            )
        } else {
            let (url, prefix) = cache_spec.split_once('#').unwrap();
            (
                Arc::new(RedisCache::builder(url).build().unwrap()),
                prefix.into(),
            )
        };
    let provider = TokenProvider::builder(source)
        .with_cache(cache)
        .with_key_prefix(prefix)
        // A loaded test machine can be slow; the single-flight rule must not depend on it.
        .with_shared_cache_policy(
            SharedCachePolicy::default().with_op_timeout(Duration::from_secs(10)),
        )
        .build()
        .unwrap();
    println!("\n{CHILD_READY}");
    std::io::stdout().flush().unwrap();
    // The barrier: the parent closes the standard input once every child is ready.
    tokio::task::block_in_place(|| std::io::stdin().read_to_end(&mut Vec::new())).unwrap();
    let token = provider.token().await.unwrap();
    println!("\nCHILD_TOKEN_SHA256={}", sha(token.expose_secret()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_sharing_a_file_cache_send_one_token_request() {
    let t = tenant(Duration::from_millis(200)).await;
    let dir = tempfile::tempdir().unwrap();
    let spec = format!("file:{}", dir.path().join("cache").display());
    let t = Arc::new(t);
    let hashes = {
        let t = Arc::clone(&t);
        tokio::task::spawn_blocking(move || run_children(&t, &spec))
            .await
            .unwrap()
    };
    assert_eq!(hashes.len(), 8);
    assert!(hashes.windows(2).all(|w| w[0] == w[1]), "{hashes:?}");
    assert_eq!(t.stats().token_requests, 1);
    // The next run (a cron job's next invocation) reuses the stored token.
    let spec = format!("file:{}", dir.path().join("cache").display());
    let again = {
        let t = Arc::clone(&t);
        tokio::task::spawn_blocking(move || run_children(&t, &spec))
            .await
            .unwrap()
    };
    assert_eq!(again[0], hashes[0]);
    assert_eq!(t.stats().token_requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_processes_sharing_a_redis_cache_send_one_token_request() {
    let t = Arc::new(tenant(Duration::from_millis(200)).await);
    let prefix = format!("auth0-m2m-test:multi:{}:", Lease::random_id());
    let spec = format!("redis://127.0.0.1:6379#{prefix}");
    let hashes = {
        let t = Arc::clone(&t);
        tokio::task::spawn_blocking(move || run_children(&t, &spec))
            .await
            .unwrap()
    };
    assert_eq!(hashes.len(), 8);
    assert!(hashes.windows(2).all(|w| w[0] == w[1]), "{hashes:?}");
    assert_eq!(t.stats().token_requests, 1);
}

// The cool-down is measured on tokio's clock, which the test moves past it: a cool-down of an
// hour can never pass in real time, so the shared cache is used again only because the
// cool-down elapsed. (`tokio::time::pause` needs the current-thread runtime.)
#[tokio::test(flavor = "current_thread")]
async fn redis_outage_degrades_to_the_in_process_token_and_recovers() {
    let t = tenant(Duration::ZERO).await;
    let mut redis = PrivateRedis::start();
    let cache = Arc::new(
        RedisCache::builder(redis.url())
            .with_timeouts(Duration::from_millis(300), Duration::from_millis(300))
            .build()
            .unwrap(),
    );
    let cooldown = Duration::from_secs(3600);
    let provider = TokenProvider::builder(tenant_client(&t))
        .with_cache(cache.clone())
        .with_shared_cache_policy(
            SharedCachePolicy::default()
                .with_op_timeout(Duration::from_millis(400))
                .with_failure_threshold(2)
                .with_cooldown(cooldown),
        )
        .build()
        .unwrap();
    let first = provider.token().await.unwrap();
    assert!(
        cache
            .get(provider.cache_key())
            .await
            .unwrap()
            .unwrap()
            .same_secret(&first)
    );

    redis.kill();
    // Calls keep succeeding from the in-process copy.
    for _ in 0..100 {
        assert!(provider.token().await.unwrap().same_secret(&first));
    }
    // A 401 forces a refresh while Redis is down: the endpoint is used directly.
    provider.invalidate(&first).await;
    let second = provider.token().await.unwrap();
    assert!(!second.same_secret(&first));
    let s: ProviderStats = provider.stats();
    assert!(s.shared_cache_errors >= 1, "{s:?}");
    assert!(s.circuit_open, "{s:?}");
    // While the circuit is open, a refresh does not wait for Redis: it skips the shared
    // cache instead of trying it and timing out.
    let before = provider.stats();
    provider.invalidate(&second).await;
    let third = provider.token().await.unwrap();
    assert!(!third.same_secret(&second));
    let after = provider.stats();
    assert!(after.circuit_open, "{after:?}");
    assert_eq!(
        after.shared_cache_errors, before.shared_cache_errors,
        "no shared-cache operation was attempted: {after:?}"
    );
    assert!(
        after.shared_cache_skipped > before.shared_cache_skipped,
        "{before:?} -> {after:?}"
    );
    assert_eq!(after.fetches, before.fetches + 1);
    assert_eq!(t.stats().token_requests, 3);

    // Redis comes back on the same port. Before the cool-down has passed the circuit stays
    // open: a refresh still skips the shared cache.
    redis.restart();
    let before = provider.stats();
    provider.invalidate(&third).await;
    let fourth = provider.token().await.unwrap();
    let after = provider.stats();
    assert!(after.circuit_open, "{after:?}");
    assert!(
        after.shared_cache_skipped > before.shared_cache_skipped,
        "{before:?} -> {after:?}"
    );
    assert!(
        !matches!(cache.get(provider.cache_key()).await, Ok(Some(stored)) if stored.same_secret(&fourth)),
        "the shared cache was used while the circuit was open"
    );
    // Once the cool-down has passed, the shared cache is used again. The probe may meet the
    // connection that Redis's restart broke and open the circuit again; each attempt moves the
    // clock past the cool-down once more and gives the client a moment to reconnect.
    let mut latest = fourth;
    let mut attempts = 0;
    loop {
        tokio::time::pause();
        tokio::time::advance(cooldown).await;
        tokio::time::resume();
        provider.invalidate(&latest).await;
        latest = provider.token().await.unwrap();
        if let Ok(Some(stored)) = cache.get(provider.cache_key()).await
            && stored.same_secret(&latest)
        {
            break;
        }
        attempts += 1;
        assert!(attempts < 100, "the shared cache was not used again");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!provider.stats().circuit_open);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_are_honoured() {
    let t = tenant(Duration::ZERO).await;
    t.inject_fault(auth0_m2m_fake::Fault {
        target: auth0_m2m_fake::FaultTarget::Token,
        count: 5,
        status: Some(429),
        retry_after: Some(30),
        ..Default::default()
    });
    let source = TokenClient::builder(
        TokenEndpoint::url(&t.token_url()).unwrap(),
        t.client_id(),
        ClientAuth::client_secret_post(t.client_secret()),
    )
    .with_audience(t.audience())
    .with_root_certificate_pem(t.ca_cert_pem().as_bytes())
    .with_retry_policy(auth0_m2m_token::RetryPolicy::none())
    .build()
    .unwrap();
    let provider = TokenProvider::builder(source).build().unwrap();
    match provider.token().await {
        Err(auth0_m2m_cache::ProviderError::Fetch(e)) => assert_eq!(e.status(), Some(429)),
        other => panic!("expected a 429, got {other:?}"),
    }
    for _ in 0..10 {
        match provider.token().await {
            Err(auth0_m2m_cache::ProviderError::BackingOff { retry_in, .. }) => {
                assert!(retry_in >= Duration::from_secs(25), "{retry_in:?}");
            }
            other => panic!("expected backoff, got {other:?}"),
        }
    }
    assert_eq!(t.stats().token_requests, 1, "no request before Retry-After");
}
