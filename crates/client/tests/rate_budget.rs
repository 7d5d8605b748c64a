//! The rate budget against the fake tenant's token buckets: a fleet of real processes
//! sharing it through the real Redis at 127.0.0.1:6379 stays within the tenant's limit, and a
//! private Redis stopped and restarted mid-test fails no call and delays none past its
//! timeout.
#![cfg(all(feature = "redis", feature = "clients"))]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use auth0_m2m::{CallOptions, ManagementClient, Priority, RateBudget};
use auth0_m2m_fake::FakeTenant;
use serde_json::{Value, json};

#[path = "../../cache/tests/support/private_redis.rs"]
mod private_redis;
use private_redis::PrivateRedis;

const REDIS_URL: &str = "redis://127.0.0.1:6379";
const WORKERS: usize = 4;
const CALLS_PER_WORKER: usize = 25;
const RESULT_PREFIX: &str = "RATE-WORKER-RESULT ";

fn unique_prefix() -> String {
    format!("auth0-m2m-test:{}:", uuid::Uuid::new_v4())
}

fn wait_for(path: &Path, limit: Duration) -> bool {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_of_processes_sharing_the_budget_stays_within_the_tenant_limit() {
    // A tenant bucket of 20 calls refilled at 20 a second; the fleet shares a budget of the
    // same limits through Redis.
    let t = FakeTenant::builder()
        .rate_buckets(20, 20.0)
        .start()
        .await
        .expect("tenant");
    let dir = tempfile::tempdir().expect("dir");
    let prefix = unique_prefix();
    let exe = std::env::current_exe().expect("test binary");
    let workers: Vec<_> = (0..WORKERS)
        .map(|i| {
            Command::new(&exe)
                .args(["--exact", "rate_worker", "--ignored", "--nocapture"])
                .env("RATE_WORKER_DIR", dir.path())
                .env("RATE_WORKER_ID", i.to_string())
                .env("RATE_WORKER_PREFIX", &prefix)
                .env("RATE_WORKER_DOMAIN", t.domain())
                .env("RATE_WORKER_CLIENT_ID", t.client_id())
                .env("RATE_WORKER_CLIENT_SECRET", t.client_secret())
                .env("RATE_WORKER_CA", t.ca_cert_path())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("worker starts")
        })
        .collect();
    // The barrier: every worker has its token and its connections, then all start at once.
    let ready = (0..WORKERS).all(|i| {
        wait_for(
            &dir.path().join(format!("ready-{i}")),
            Duration::from_secs(60),
        )
    });
    assert!(ready, "every worker got ready");
    let before = t.stats();
    std::fs::write(dir.path().join("go"), "").expect("go");
    let started = Instant::now();
    let mut calls = 0;
    for w in workers {
        let out = w.wait_with_output().expect("worker ends");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix(RESULT_PREFIX))
            .unwrap_or_else(|| {
                panic!(
                    "worker gave no result: {stdout}\n{}",
                    String::from_utf8_lossy(&out.stderr)
                )
            });
        let v: Value = serde_json::from_str(line).expect("result json");
        assert_eq!(v["failed"], 0, "{v}");
        assert_eq!(
            v["shared"], true,
            "the worker shared the budget through Redis: {v}"
        );
        calls += v["calls"].as_u64().unwrap_or(0);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after = t.stats();
    let answered_429 = after.api_429 - before.api_429;
    let requests = after.api_requests - before.api_requests;
    // The physical limit: the calls beyond the burst at the sustained rate.
    let physical = (calls as f64 - 20.0) / 20.0;
    println!(
        "fleet: {WORKERS} processes, {calls} calls, {requests} requests, {answered_429} answered 429, {elapsed:.2} s (physical limit {physical:.2} s)"
    );
    assert_eq!(calls, (WORKERS * CALLS_PER_WORKER) as u64);
    assert_eq!(
        answered_429, 0,
        "the fleet never went over the tenant's limit"
    );
    assert_eq!(requests, calls, "no call needed a retry");
    assert!(
        elapsed >= physical * 0.95,
        "the fleet cannot have gone faster than the limit: {elapsed} s"
    );
    assert!(elapsed < physical * 1.6 + 1.0, "{elapsed} s");
}

/// One process of the fleet: gets its token, says it is ready, waits for the go, then makes
/// its calls and prints how many failed and whether the budget was shared.
#[tokio::test(flavor = "current_thread")]
#[ignore = "a worker process of a_fleet_of_processes_sharing_the_budget_stays_within_the_tenant_limit"]
async fn rate_worker() {
    let Some(dir) = std::env::var_os("RATE_WORKER_DIR").map(PathBuf::from) else {
        return;
    };
    let var = |name: &str| std::env::var(name).expect(name);
    let ca = std::fs::read(var("RATE_WORKER_CA")).expect("CA");
    let client = ManagementClient::builder(var("RATE_WORKER_DOMAIN"))
        .with_client_secret(
            var("RATE_WORKER_CLIENT_ID"),
            var("RATE_WORKER_CLIENT_SECRET"),
        )
        .with_root_certificate_pem(ca)
        .with_redis_cache(REDIS_URL)
        .with_cache_key_prefix(var("RATE_WORKER_PREFIX"))
        .with_rate_budget(RateBudget::fixed(20, 20.0))
        .build()
        .expect("client");
    client.token_provider().token().await.expect("token");
    let id = var("RATE_WORKER_ID");
    std::fs::write(dir.join(format!("ready-{id}")), "").expect("ready");
    let go = dir.join("go");
    tokio::task::spawn_blocking(move || wait_for(&go, Duration::from_secs(60)))
        .await
        .expect("barrier");
    let (mut calls, mut failed) = (0u64, 0u64);
    let mut errors = Vec::new();
    for _ in 0..CALLS_PER_WORKER {
        calls += 1;
        let call = client
            .clients()
            .get(&var("RATE_WORKER_CLIENT_ID"))
            .options(CallOptions::new().timeout(Duration::from_secs(30)));
        if let Err(e) = call.await {
            failed += 1;
            errors.push(e.to_string());
        }
    }
    let budget = client.rate_budget();
    println!(
        "{RESULT_PREFIX}{}",
        json!({"calls": calls, "failed": failed, "errors": errors, "shared": budget.shared,
               "waits": budget.waits, "answers_429": budget.rate_limited_answers})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stopped_mid_run_fails_no_call_and_sharing_resumes_when_it_returns() {
    let t = FakeTenant::builder()
        .rate_buckets(50, 40.0)
        .start()
        .await
        .expect("tenant");
    let mut redis = PrivateRedis::start();
    let client = ManagementClient::builder(t.domain())
        .with_client_secret(t.client_id(), t.client_secret())
        .with_root_certificate_pem(t.ca_cert_pem())
        .with_retry_policy(common::quick_retries())
        .with_redis_cache(redis.url())
        .with_cache_key_prefix(unique_prefix())
        .with_rate_budget(RateBudget::fixed(50, 40.0))
        .build()
        .expect("client");
    let timeout = Duration::from_secs(2);
    let call = |priority: Priority| {
        let client = client.clone();
        let id = t.client_id().to_owned();
        async move {
            let started = Instant::now();
            let result = client
                .clients()
                .get(&id)
                .options(CallOptions::new().timeout(timeout).priority(priority))
                .await;
            (result.map(drop), started.elapsed())
        }
    };
    for priority in [Priority::Interactive, Priority::Background] {
        let (result, _) = call(priority).await;
        result.expect("call with Redis up");
    }
    assert!(client.rate_budget().shared, "{:?}", client.rate_budget());

    redis.kill();
    let mut slowest = Duration::ZERO;
    for i in 0..30 {
        let priority = if i % 3 == 0 {
            Priority::Interactive
        } else {
            Priority::Background
        };
        let (result, took) = call(priority).await;
        result.unwrap_or_else(|e| panic!("call {i} with Redis down: {e}"));
        slowest = slowest.max(took);
    }
    let down = client.rate_budget();
    assert!(!down.shared, "{down:?}");
    assert!(down.shared_failures >= 1, "{down:?}");
    assert!(
        slowest < timeout,
        "no call waited past its timeout: {slowest:?}"
    );

    redis.restart();
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let (result, took) = call(Priority::Interactive).await;
        result.expect("call after Redis returned");
        assert!(took < timeout, "{took:?}");
        if client.rate_budget().shared {
            break;
        }
        assert!(
            Instant::now() < until,
            "sharing resumed: {:?}",
            client.rate_budget()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(t.stats().api_429, 0);
}
