//! Stampedes: 8 processes × 500 tasks start together against an empty shared cache and a
//! token endpoint that takes 200 ms to answer. The whole fleet must send exactly one token
//! request, and every task must get the same token.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use auth0_m2m_fake::FakeTenant;
use auth0_m2m_reliability::unique_prefix;
use serde_json::Value;

const PROCESSES: usize = 8;
const TASKS: usize = 500;

async fn tenant() -> FakeTenant {
    FakeTenant::builder()
        .client(
            "stampede-client",
            "stampede-secret-0123456789",
            &["read:clients"],
        )
        .token_latency(Duration::from_millis(200))
        .start()
        .await
        .expect("fake tenant starts")
}

/// Runs the fleet against `cache` (`redis:<url>` or `file:<dir>`) and returns the reports.
fn run_fleet(t: &FakeTenant, cache: &str, prefix: &str) -> Vec<Value> {
    let work = tempfile::tempdir().expect("tempdir");
    let barrier = work.path().join("go");
    let mut children = Vec::new();
    for _ in 0..PROCESSES {
        let child = Command::new(env!("CARGO_BIN_EXE_stampede-worker"))
            .env("STAMPEDE_TOKEN_URL", t.token_url())
            .env("STAMPEDE_AUDIENCE", t.audience())
            .env("STAMPEDE_CLIENT_ID", t.client_id())
            .env("STAMPEDE_CLIENT_SECRET", t.client_secret())
            .env("STAMPEDE_CA_PEM_PATH", t.ca_cert_path())
            .env("STAMPEDE_CACHE", cache)
            .env("STAMPEDE_PREFIX", prefix)
            .env("STAMPEDE_TASKS", TASKS.to_string())
            .env("STAMPEDE_BARRIER", &barrier)
            .stdout(Stdio::piped())
            .spawn()
            .expect("worker starts");
        children.push(child);
    }
    // Wait until every worker is set up, then release them all at once.
    let mut readers = Vec::new();
    for child in &mut children {
        let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        reader.read_line(&mut line).expect("read ready");
        assert_eq!(line.trim(), "ready", "worker did not get ready");
        readers.push(reader);
    }
    std::fs::write(&barrier, b"go").expect("open the barrier");
    let mut reports = Vec::new();
    for (mut child, mut reader) in children.into_iter().zip(readers) {
        let mut line = String::new();
        reader.read_line(&mut line).expect("read report");
        let status = child.wait().expect("worker exits");
        assert!(status.success(), "worker failed: {status}");
        reports.push(serde_json::from_str(&line).expect("JSON report"));
    }
    reports
}

fn check(t: &FakeTenant, reports: &[Value]) {
    assert_eq!(reports.len(), PROCESSES);
    let mut fingerprints = Vec::new();
    let mut fetches = 0;
    for r in reports {
        assert_eq!(r["ok_calls"], TASKS, "every call returned a token: {r}");
        assert_eq!(r["errors"], serde_json::json!([]), "{r}");
        fetches += r["fetches"].as_u64().expect("fetches");
        fingerprints.extend(r["fingerprints"].as_array().expect("fingerprints").clone());
    }
    fingerprints.sort_by_key(|v| v.as_u64());
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), 1, "every task gets the same token");
    assert_eq!(fetches, 1, "one provider in the fleet fetched");
    let stats = t.stats();
    assert_eq!(stats.token_requests, 1, "{stats:?}");
    assert_eq!(stats.tokens_issued, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stampede_over_redis_sends_one_token_request() {
    let t = tenant().await;
    let prefix = unique_prefix("stampede");
    let reports = {
        let t = &t;
        let prefix = prefix.clone();
        tokio::task::block_in_place(|| run_fleet(t, "redis:redis://127.0.0.1:6379", &prefix))
    };
    check(&t, &reports);
    // Clean up the shared Redis.
    let mut conn = redis::Client::open("redis://127.0.0.1:6379")
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .expect("keys");
    assert_eq!(keys.len(), 1, "one record, no lease left behind: {keys:?}");
    let _: () = redis::cmd("DEL")
        .arg(&keys)
        .query_async(&mut conn)
        .await
        .expect("del");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stampede_over_file_cache_sends_one_token_request() {
    let t = tenant().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = format!("file:{}", dir.path().display());
    let reports = tokio::task::block_in_place(|| run_fleet(&t, &cache, "stampede:"));
    check(&t, &reports);
}
