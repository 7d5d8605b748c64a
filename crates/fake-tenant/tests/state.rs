//! `POST /__fake/reset`, `GET /__fake/state` and state files (`--state`, `state_file`).

mod common;

use auth0_m2m_fake::{FakeTenant, Fault, FaultTarget, Stats};
use common::{api, http_client, token};
use reqwest::Method;
use serde_json::{Value, json};
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A fresh directory for one test's files.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "fake-state-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The values of `key` of every object of a list answer, sorted.
fn sorted(list: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = list
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|v| v[key].as_str().map(str::to_owned))
        .collect();
    out.sort();
    out
}

/// What a fresh tenant holds, by name: clients, roles, organizations, connections, APIs.
async fn inventory(t: &FakeTenant, http: &reqwest::Client, tok: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (path, key) in [
        ("clients", "client_id"),
        ("roles", "name"),
        ("organizations", "name"),
        ("connections", "name"),
        ("resource-servers", "identifier"),
        ("client-grants", "client_id"),
    ] {
        let (s, _, v) = api(t, http, tok, Method::GET, path, None).await;
        assert_eq!(s, 200, "{path}: {v}");
        out.push(sorted(&v, key));
    }
    out
}

#[tokio::test]
async fn reset_brings_back_the_fresh_tenant() {
    let t = FakeTenant::builder()
        .http(true)
        .seed_users(3)
        .token_latency(Duration::from_millis(0))
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let fresh = inventory(&t, &http, &tok).await;
    let (_, _, users) = api(&t, &http, &tok, Method::GET, "users", None).await;
    let fresh_user_ids = sorted(&users, "user_id");
    assert_eq!(fresh_user_ids.len(), 3);

    // Create, change and delete things, by hand-written and generic routes.
    let (s, _, client) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "clients",
        Some(json!({"name": "made by the test"})),
    )
    .await;
    assert_eq!(s, 201, "{client}");
    let made = client["client_id"].as_str().expect("client_id").to_owned();
    let (s, _, _) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "roles",
        Some(json!({"name": "made-role"})),
    )
    .await;
    assert!(s == 200 || s == 201, "{s}");
    let victim = users[0]["user_id"].as_str().expect("user_id").to_owned();
    let (s, _, _) = api(
        &t,
        &http,
        &tok,
        Method::DELETE,
        &format!("users/{victim}"),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _, _) = api(
        &t,
        &http,
        &tok,
        Method::PATCH,
        "branding",
        Some(json!({"logo_url": "https://made.example.com/logo.png"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_ne!(inventory(&t, &http, &tok).await, fresh);
    t.inject_fault(Fault {
        target: FaultTarget::Api,
        count: 5,
        status: Some(503),
        ..Fault::default()
    });
    t.set_token_latency(Duration::from_millis(700));

    let r = http
        .post(format!("{}/__fake/reset", t.base_url()))
        .send()
        .await
        .expect("reset");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<Value>().await.expect("json"),
        json!({"reset": true})
    );

    // Counters start over, the faults and the latency are gone.
    assert_eq!(t.stats(), Stats::default());
    assert!(t.clear_faults().is_empty());
    let started = std::time::Instant::now();
    // The token issued before the reset still serves (same keys, same client), and a new one
    // is issued at once.
    let fresh_token = token(&t, &http).await;
    assert!(started.elapsed() < Duration::from_millis(700));
    for tok in [&tok, &fresh_token] {
        let (s, _, v) = api(
            &t,
            &http,
            tok,
            Method::GET,
            &format!("clients/{made}"),
            None,
        )
        .await;
        assert_eq!(s, 404, "the client made before the reset is gone: {v}");
    }
    // The same kinds and numbers of objects as when it started, the default ones by name.
    let after = inventory(&t, &http, &tok).await;
    assert_eq!(after, fresh);
    let (_, _, users) = api(&t, &http, &tok, Method::GET, "users", None).await;
    assert_eq!(sorted(&users, "user_id").len(), 3);
    let (_, _, branding) = api(&t, &http, &tok, Method::GET, "branding", None).await;
    assert_ne!(branding["logo_url"], "https://made.example.com/logo.png");
    // Two reads of the client, six of the inventory, the users and the branding.
    assert_eq!(t.stats().api_requests, 10);

    // The library's reset does the same.
    let (s, _, _) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "roles",
        Some(json!({"name": "made-again"})),
    )
    .await;
    assert!(s == 200 || s == 201, "{s}");
    t.reset();
    assert_eq!(inventory(&t, &http, &tok).await, fresh);
}

#[tokio::test]
async fn state_answers_the_whole_store_as_a_versioned_document() {
    let t = FakeTenant::builder()
        .http(true)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (s, _, role) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "roles",
        Some(json!({"name": "in-the-state"})),
    )
    .await;
    assert!(s == 200 || s == 201, "{s}");
    let r = http
        .get(format!("{}/__fake/state", t.base_url()))
        .send()
        .await
        .expect("state");
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.expect("json");
    assert_eq!(doc["version"], 2);
    assert_eq!(doc["audience"], t.audience());
    assert_eq!(doc["client_id"], t.client_id());
    let roles = &doc["store"]["collections"]["/roles"];
    assert!(
        roles
            .as_array()
            .expect("roles")
            .iter()
            .any(|r| r["id"] == role["id"] && r["name"] == "in-the-state"),
        "{roles}"
    );
    assert!(
        doc["store"]["collections"]["/clients"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );
    assert_eq!(doc, t.state());
}

#[tokio::test]
async fn a_state_file_round_trips_through_the_library() {
    let dir = temp_dir("lib");
    let path = dir.join("tenant.json");
    let t = FakeTenant::builder()
        .http(true)
        .state_file(Some(path.clone()))
        .start()
        .await
        .expect("start");
    // No file yet: a fresh tenant, and nothing written until asked.
    assert!(!path.exists());
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (s, _, user) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "users",
        Some(json!({"email": "kept@example.com", "password": "Secret-123!", "connection": "Username-Password-Authentication"})),
    )
    .await;
    assert_eq!(s, 201, "{user}");
    let (id, secret) = (t.client_id(), t.client_secret());
    t.save_state().expect("save");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    t.shutdown().await;

    // Loaded on another port: the same client, the user, and the Management API moved.
    let t = FakeTenant::builder()
        .http(true)
        .state_file(Some(path.clone()))
        .start()
        .await
        .expect("start from the file");
    assert_eq!((t.client_id(), t.client_secret()), (id, secret));
    let tok = token(&t, &http).await;
    let (s, _, got) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        &format!("users/{}", user["user_id"].as_str().expect("user_id")),
        None,
    )
    .await;
    assert_eq!((s, &got["email"]), (200, &json!("kept@example.com")));
    let (_, _, apis) = api(&t, &http, &tok, Method::GET, "resource-servers", None).await;
    assert!(sorted(&apis, "identifier").contains(&t.audience()));
    // Reset returns to a fresh tenant, not to the file.
    t.reset();
    let (s, _, _) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        &format!("users/{}", user["user_id"].as_str().expect("user_id")),
        None,
    )
    .await;
    assert_eq!(s, 404);
    t.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A state file written before tenants held a next signing key (one key, current): the tenant
/// loads it, keeps signing with that key, and its first rotation readies a next key to make
/// current.
#[tokio::test]
async fn a_state_file_without_a_next_signing_key_still_rotates() {
    let dir = temp_dir("keys");
    let path = dir.join("tenant.json");
    let t = FakeTenant::builder()
        .http(true)
        .state_file(Some(path.clone()))
        .start()
        .await
        .expect("start");
    t.save_state().expect("save");
    t.shutdown().await;
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(&path).expect("read")).expect("a JSON document");
    let keys = doc["store"]["collections"]["/keys/signing"]
        .as_array_mut()
        .expect("the signing keys");
    keys.retain(|k| k["current"] == true);
    let current = keys[0]["kid"].clone();
    std::fs::write(&path, serde_json::to_vec(&doc).expect("json")).expect("write");

    let t = FakeTenant::builder()
        .http(true)
        .state_file(Some(path.clone()))
        .start()
        .await
        .expect("start from the file");
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (s, _, rotated) = api(&t, &http, &tok, Method::POST, "keys/signing/rotate", None).await;
    assert_eq!(s, 201, "{rotated}");
    assert_ne!(rotated["kid"], current);
    assert_eq!(rotated["current"], true);
    let (_, _, keys) = api(&t, &http, &tok, Method::GET, "keys/signing", None).await;
    let flags = common::signing_key_states(&keys);
    assert_eq!(
        flags,
        vec![
            (true, false, false),
            (false, true, false),
            (false, false, true)
        ]
    );
    // The token of the key loaded from the file still verifies.
    let (s, _, _) = api(&t, &http, &tok, Method::GET, "clients", None).await;
    assert_eq!(s, 200);
    t.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A running `auth0-m2m-fake` binary.
struct Binary {
    child: Child,
    line: Value,
}

impl Binary {
    /// Starts the binary with `args` and reads its JSON line.
    fn start(args: &[&str]) -> Binary {
        let mut child = Command::new(env!("CARGO_BIN_EXE_auth0-m2m-fake"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("line");
        let line: Value = serde_json::from_str(&line).unwrap_or_else(|e| {
            let _ = child.kill();
            panic!("no JSON line ({e}): {line:?}")
        });
        Binary { child, line }
    }

    /// Sends SIGTERM and waits (boundedly) for the exit; returns whether it exited successfully
    /// and what it wrote to stderr.
    fn terminate(mut self) -> (bool, String) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(sent.success());
        let status = wait_exit(&mut self.child);
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        (status.is_some_and(|s| s.success()), err)
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits up to ten seconds for `child` to exit, polling.
fn wait_exit(child: &mut Child) -> Option<std::process::ExitStatus> {
    for _ in 0..1000 {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    None
}

/// A token and a client for a binary serving plain HTTP.
async fn bin_token(line: &Value) -> (reqwest::Client, String) {
    let http = reqwest::Client::new();
    let r = http
        .post(format!(
            "{}/oauth/token",
            line["base_url"].as_str().expect("base_url")
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", line["client_id"].as_str().expect("client_id")),
            (
                "client_secret",
                line["client_secret"].as_str().expect("client_secret"),
            ),
            ("audience", line["audience"].as_str().expect("audience")),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    (http, v["access_token"].as_str().expect("token").to_owned())
}

#[tokio::test]
async fn the_binary_saves_on_sigterm_and_loads_at_start() {
    let dir = temp_dir("bin");
    let path = dir.join("state.json");
    let path_arg = path.to_str().expect("path").to_owned();
    let bin = Binary::start(&["--http", "--state", &path_arg]);
    let first_client = bin.line["client_id"].clone();
    let base = bin.line["base_url"].as_str().expect("base_url").to_owned();
    let (http, tok) = bin_token(&bin.line).await;
    let r = http
        .post(format!("{base}/api/v2/roles"))
        .bearer_auth(&tok)
        .json(&json!({"name": "survives-restarts"}))
        .send()
        .await
        .expect("create role");
    assert!(r.status().is_success(), "{}", r.status());
    let role: Value = r.json().await.expect("json");
    assert!(!path.exists(), "nothing is written before the tenant stops");
    let (ok, err) = tokio::task::spawn_blocking(move || bin.terminate())
        .await
        .expect("join");
    assert!(ok, "exit after SIGTERM: {err}");
    let text = std::fs::read_to_string(&path).expect("the state file was written");
    let doc: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(doc["version"], 2);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The secrets of the file never reach the output.
    let secret = bin_secret(&doc);
    assert!(!err.contains(&secret), "{err}");

    let bin = Binary::start(&["--http", "--state", &path_arg]);
    assert_eq!(
        bin.line["client_id"], first_client,
        "the same default client"
    );
    let base = bin.line["base_url"].as_str().expect("base_url").to_owned();
    let (http, tok) = bin_token(&bin.line).await;
    let r = http
        .get(format!(
            "{base}/api/v2/roles/{}",
            role["id"].as_str().expect("id")
        ))
        .bearer_auth(&tok)
        .send()
        .await
        .expect("read role");
    assert_eq!(r.status(), 200);
    let got: Value = r.json().await.expect("json");
    assert_eq!(got["name"], "survives-restarts");
    let (ok, err) = tokio::task::spawn_blocking(move || bin.terminate())
        .await
        .expect("join");
    assert!(ok, "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The secret of the client a state document names.
fn bin_secret(doc: &Value) -> String {
    doc["store"]["collections"]["/clients"]
        .as_array()
        .expect("clients")
        .iter()
        .find(|c| c["client_id"] == doc["client_id"])
        .and_then(|c| c["client_secret"].as_str())
        .expect("secret")
        .to_owned()
}

/// Runs the binary on a state file holding `content`; returns its stderr after checking that
/// it refused to start and left the file as it was.
fn refused(dir: &Path, content: &[u8]) -> String {
    let path = dir.join("corrupt.json");
    std::fs::write(&path, content).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_auth0-m2m-fake"))
        .args(["--http", "--state", path.to_str().expect("path")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let status = wait_exit(&mut child);
    let Some(status) = status else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("the binary started on a corrupt state file");
    };
    let mut out = String::new();
    let mut err = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("stdout");
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    assert!(!status.success(), "exit status {status}");
    assert!(out.is_empty(), "nothing announced: {out}");
    assert!(
        err.contains(path.to_str().expect("path")),
        "the error names the file: {err}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        content,
        "the file is left untouched"
    );
    err
}

#[test]
fn the_binary_refuses_a_corrupt_state_file_and_leaves_it_untouched() {
    let dir = temp_dir("corrupt");
    let err = refused(&dir, b"{\"version\": 1, \"store\": {\"clients\": [");
    assert!(err.contains("not valid JSON"), "{err}");
    let err = refused(&dir, b"not json at all, secret-looking-text");
    assert!(err.contains("not valid JSON"), "{err}");
    assert!(!err.contains("secret-looking-text"), "{err}");
    let err = refused(
        &dir,
        b"{\"version\": 7, \"audience\": \"x\", \"client_id\": \"y\", \"store\": {}}",
    );
    assert!(err.contains("version is 7"), "{err}");
    let err = refused(
        &dir,
        b"{\"version\": 2, \"audience\": \"x\", \"client_id\": \"y\", \"store\": {\"collections\": 3}}",
    );
    assert!(err.contains("not a tenant state"), "{err}");
    let err = refused(&dir, b"{\"version\": 2, \"audience\": \"x\"}");
    assert!(err.contains("missing field `client_id`"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
