//! A `private_key_jwt` key rotation with a fleet of processes on a shared file cache: the
//! operator adds a second credential, switches, and deletes the first, while every process
//! keeps calling the Management API. No call may fail, and the token requests stay within the
//! fleet's economy bound.
//!
//! The worker processes are this test binary started again with `ROTATION_WORKER_DIR` set:
//! each one runs [`rotation_worker`], which reads its configuration from the same `AUTH0_*`
//! variables as `ManagementClient::builder_from_env`.
#![cfg(all(feature = "file", feature = "private-key-jwt", feature = "clients"))]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use auth0_m2m::ManagementClient;
use auth0_m2m_fake::FakeTenant;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};

const WORKERS: usize = 3;
const LIFETIME: Duration = Duration::from_secs(4);
const PHASE: Duration = Duration::from_secs(3);
const RESULT_PREFIX: &str = "ROTATION_RESULT ";

fn key_pair() -> (String, String) {
    let k = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("RSA key");
    (
        k.to_pkcs8_pem(LineEnding::LF).expect("PEM").to_string(),
        k.to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("PEM"),
    )
}

/// Writes a file the way an operator's deployment tool should: a new file renamed over the
/// old one, so a reader never sees half a key.
fn replace(path: &Path, contents: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, contents).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

/// The operator's Management API calls (with a fresh token for each: tokens live 4 s here).
struct Admin {
    http: reqwest::Client,
    base: String,
    token_url: String,
    audience: String,
    requests: std::sync::atomic::AtomicU64,
}

impl Admin {
    fn new(t: &FakeTenant) -> Self {
        let http = reqwest::Client::builder()
            .add_root_certificate(
                reqwest::Certificate::from_pem(t.ca_cert_pem().as_bytes()).expect("CA"),
            )
            .build()
            .expect("http");
        Self {
            http,
            base: format!("{}/api/v2/clients/fleet/credentials", t.base_url()),
            token_url: t.token_url(),
            audience: t.audience(),
            requests: std::sync::atomic::AtomicU64::new(0),
        }
    }

    async fn token(&self) -> String {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let v: Value = self
            .http
            .post(&self.token_url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "admin"),
                ("client_secret", "admin-secret"),
                ("audience", self.audience.as_str()),
            ])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("json");
        v["access_token"].as_str().expect("token").to_owned()
    }

    fn requests(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn list(&self) -> Vec<Value> {
        self.http
            .get(&self.base)
            .bearer_auth(self.token().await)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json")
    }

    async fn add(&self, public_pem: &str) {
        let r = self
            .http
            .post(&self.base)
            .bearer_auth(self.token().await)
            .json(&json!({"credential_type": "public_key", "name": "next", "pem": public_pem}))
            .send()
            .await
            .expect("add");
        assert_eq!(r.status(), 201);
    }

    async fn delete(&self, id: &str) {
        let r = self
            .http
            .delete(format!("{}/{id}", self.base))
            .bearer_auth(self.token().await)
            .send()
            .await
            .expect("delete");
        assert_eq!(r.status(), 204);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_rotates_its_key_without_a_failed_call() {
    let (old_private, old_public) = key_pair();
    let (new_private, new_public) = key_pair();
    let t = FakeTenant::builder()
        .client("admin", "admin-secret", &auth0_m2m_fake::served_scopes())
        .private_key_client("fleet", &old_public, &["read:clients"])
        .token_lifetime(LIFETIME)
        .start()
        .await
        .expect("tenant");
    let dir = tempfile::tempdir().expect("dir");
    let first = dir.path().join("key.pem");
    let second = dir.path().join("next.pem");
    let cache = dir.path().join("cache");
    let stop = dir.path().join("stop");
    replace(&first, &old_private);

    let exe = std::env::current_exe().expect("test binary");
    let started = Instant::now();
    let before = t.stats();
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            Command::new(&exe)
                .args(["--exact", "rotation_worker", "--ignored", "--nocapture"])
                .env("ROTATION_WORKER_DIR", dir.path())
                .env("AUTH0_DOMAIN", t.domain())
                .env("AUTH0_CLIENT_ID", "fleet")
                .env("AUTH0_AUTH_METHOD", "private_key_jwt")
                .env("AUTH0_PRIVATE_KEY", &first)
                .env("AUTH0_PRIVATE_KEY_2", &second)
                .env("AUTH0_CA_CERT", t.ca_cert_path())
                .env("AUTH0_CACHE", format!("file:{}", cache.display()))
                .env_remove("AUTH0_AUDIENCE")
                .env_remove("AUTH0_TOKEN_URL")
                .env_remove("AUTH0_CLIENT_SECRET")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("worker starts")
        })
        .collect();

    let admin = Admin::new(&t);
    let old_id = admin.list().await[0]["id"].as_str().expect("id").to_owned();

    // 1. Add: the new key goes to the second file and is registered with the tenant.
    tokio::time::sleep(PHASE).await;
    replace(&second, &new_private);
    admin.add(&new_public).await;
    // 2. Switch: the old credential is deleted; each process's next token request is
    //    rejected once with the old key and answered with the new one, which it then prefers.
    tokio::time::sleep(PHASE).await;
    admin.delete(&old_id).await;
    assert_eq!(admin.list().await.len(), 1);
    // 3. Tidy up: the new key moves into the first file and the second one goes.
    tokio::time::sleep(PHASE).await;
    replace(&first, &new_private);
    std::fs::remove_file(&second).expect("remove");
    tokio::time::sleep(PHASE).await;
    std::fs::write(&stop, "").expect("stop");

    let mut calls = 0u64;
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
        assert_eq!(v["failed"], 0, "a worker saw failed calls: {v}");
        assert!(v["calls"].as_u64().unwrap_or(0) > 10, "{v}");
        calls += v["calls"].as_u64().unwrap_or(0);
    }
    let elapsed = started.elapsed();
    // The operator's own token requests are not the fleet's.
    let after = t.stats();
    let requests = after.token_requests - before.token_requests - admin.requests();
    // Requests answered without a token: the old key, rejected once the credential is gone.
    let rejected = (after.token_requests - before.token_requests)
        - (after.tokens_issued - before.tokens_issued);
    // Economy bound: one token per refresh for the whole fleet, each refresh at the earliest
    // jittered point (45 % of the lifetime), plus the first token, plus one rejected request
    // per process when the old credential is deleted.
    let refreshes = (elapsed.as_secs_f64() / (LIFETIME.as_secs_f64() * 0.45)).ceil() as u64;
    let bound = refreshes + 1 + WORKERS as u64;
    println!(
        "rotation: {WORKERS} processes, {calls} calls, 0 failed, {requests} token requests ({rejected} rejected) in {:.1} s (bound {bound})",
        elapsed.as_secs_f64()
    );
    assert!(
        (1..=WORKERS as u64).contains(&rejected),
        "the switch went through the retry with the other key, at most once per process: {rejected}"
    );
    assert!(
        requests <= bound,
        "{requests} token requests > bound {bound}"
    );
    assert!(
        requests >= 3,
        "the fleet refreshed during the rotation: {requests}"
    );
}

/// One process of the fleet: calls `GET /api/v2/clients/fleet` in a loop until the stop file
/// appears, then prints how many calls it made and how many failed.
#[tokio::test(flavor = "current_thread")]
#[ignore = "a worker process of a_fleet_rotates_its_key_without_a_failed_call, started by it"]
async fn rotation_worker() {
    let Some(dir) = std::env::var_os("ROTATION_WORKER_DIR").map(PathBuf::from) else {
        return;
    };
    let client = ManagementClient::builder_from_env()
        .expect("configuration")
        .build()
        .expect("client");
    let stop = dir.join("stop");
    let (mut calls, mut failed) = (0u64, 0u64);
    let mut errors: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !stop.exists() && Instant::now() < deadline {
        calls += 1;
        if let Err(e) = client.clients().get("fleet").await {
            failed += 1;
            if errors.len() < 5 {
                errors.push(e.to_string());
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "{RESULT_PREFIX}{}",
        json!({"calls": calls, "failed": failed, "errors": errors})
    );
}
