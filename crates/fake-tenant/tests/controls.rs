//! Rate limits, quota, faults, latency, stats, the binary and curl.

mod common;

use auth0_m2m_fake::{FakeTenant, Fault, FaultTarget, Stats};
use common::{api, http_client, token};
use reqwest::Method;
use serde_json::{Value, json};
use std::io::BufRead;
use std::time::{Duration, Instant};

fn form(t: &FakeTenant) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".into()),
        ("client_id", t.client_id()),
        ("client_secret", t.client_secret()),
        ("audience", t.audience()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_429_with_retry_after() {
    let t = FakeTenant::builder()
        .rate_limit(3)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    // Align to the start of a second so the window does not roll mid-test.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time");
    tokio::time::sleep(Duration::from_millis(
        1000 - u64::from(now.subsec_millis()) % 1000 + 20,
    ))
    .await;
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let r = http
            .post(t.token_url())
            .form(&form(&t))
            .send()
            .await
            .expect("send");
        assert!(r.headers().contains_key("x-ratelimit-limit"));
        assert_eq!(r.headers()["x-ratelimit-limit"], "3");
        statuses.push(r.status().as_u16());
        last = Some(r);
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
    let r = last.expect("response");
    assert_eq!(r.headers()["x-ratelimit-remaining"], "0");
    let reset: u64 = r.headers()["x-ratelimit-reset"]
        .to_str()
        .expect("s")
        .parse()
        .expect("num");
    assert!(reset > 1_600_000_000);
    assert!(r.headers().contains_key("retry-after"));
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        v,
        json!({"error": "too_many_requests", "error_description": "Global limit has been reached"})
    );
    assert_eq!(t.stats().token_429, 2);

    // The API limit is separate and answers with the Management API body.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let tok = token(&t, &http).await;
    let mut codes = Vec::new();
    let mut body = Value::Null;
    for _ in 0..5 {
        let (s, h, v) = api(&t, &http, &tok, Method::GET, "clients", None).await;
        assert!(h.contains_key("x-ratelimit-reset"));
        if s == 429 {
            assert!(h.contains_key("retry-after"));
            body = v;
        }
        codes.push(s);
    }
    assert!(codes.contains(&429), "{codes:?}");
    assert_eq!(
        body,
        json!({"statusCode": 429, "error": "Too Many Requests",
        "message": "Global limit has been reached", "errorCode": "too_many_requests"})
    );
    // Control routes are never limited nor counted.
    for _ in 0..10 {
        let r = http
            .get(format!("{}/__fake/stats", t.base_url()))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 200);
    }
    let s: Stats = http
        .get(format!("{}/__fake/stats", t.base_url()))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("stats");
    assert_eq!(s.api_requests, 5);
    assert_eq!(s, t.stats());
}

#[tokio::test]
async fn quota_adds_the_client_quota_header() {
    let t = FakeTenant::builder()
        .http(true)
        .quota(Some(2))
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let r = http
        .post(t.token_url())
        .form(&form(&t))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let h = r.headers()["auth0-client-quota-limit"]
        .to_str()
        .expect("hdr")
        .to_string();
    assert!(h.starts_with("b=per_hour;q=2;r=1;t="), "{h}");
    assert_eq!(
        http.post(t.token_url())
            .form(&form(&t))
            .send()
            .await
            .expect("send")
            .status(),
        200
    );
    let r = http
        .post(t.token_url())
        .form(&form(&t))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 429);
    let h = r.headers()["auth0-client-quota-limit"]
        .to_str()
        .expect("hdr")
        .to_string();
    assert!(h.starts_with("b=per_hour;q=2;r=0;t="), "{h}");
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["error"], "too_many_requests");
    assert!(
        v["error_description"]
            .as_str()
            .expect("d")
            .starts_with("Quota exceeded")
    );
    assert_eq!(t.stats().tokens_issued, 2);
    assert_eq!(t.stats().token_429, 1);
}

#[tokio::test]
async fn status_faults_on_token_and_api() {
    let t = common::tenant().await;
    let http = http_client(&t);
    t.inject_fault(Fault {
        target: FaultTarget::Token,
        count: 2,
        status: Some(503),
        latency_ms: None,
        drop_connection: false,
        retry_after: Some(1),
    });
    for _ in 0..2 {
        let r = http
            .post(t.token_url())
            .form(&form(&t))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()["retry-after"], "1");
        assert!(r.headers().contains_key("x-ratelimit-limit"));
        let v: Value = r.json().await.expect("json");
        assert!(v["error"].is_string());
    }
    let tok = token(&t, &http).await;
    // Over HTTP, with serde defaults and lowercase target names.
    let r = http
        .post(format!("{}/__fake/faults", t.base_url()))
        .json(&json!({"target": "api", "count": 1, "status": 500}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 204);
    let (s, _, v) = api(&t, &http, &tok, Method::GET, "clients", None).await;
    assert_eq!((s, v["statusCode"].as_u64()), (500, Some(500)));
    assert_eq!(
        api(&t, &http, &tok, Method::GET, "clients", None).await.0,
        200
    );
    let r = http
        .post(format!("{}/__fake/faults", t.base_url()))
        .body("{\"target\": \"nowhere\"}")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 400);
    let s = t.stats();
    assert_eq!(
        (
            s.token_5xx_injected,
            s.api_5xx_injected,
            s.token_requests,
            s.tokens_issued
        ),
        (2, 1, 3, 1)
    );
}

#[tokio::test]
async fn dropped_connection_fault_closes_without_answer() {
    let t = common::tenant().await;
    let http = http_client(&t);
    t.inject_fault(Fault {
        target: FaultTarget::Token,
        count: 1,
        drop_connection: true,
        ..Fault::default()
    });
    let err = http
        .post(t.token_url())
        .form(&form(&t))
        .send()
        .await
        .expect_err("dropped");
    assert!(!err.is_status(), "{err}");
    assert_eq!(t.stats().dropped_connections, 1);
    // The next request is served normally.
    token(&t, &http).await;

    let tok = token(&t, &http).await;
    t.inject_fault(Fault {
        target: FaultTarget::Api,
        count: 1,
        drop_connection: true,
        ..Fault::default()
    });
    let r = http
        .get(format!("{}/api/v2/clients", t.base_url()))
        .bearer_auth(&tok)
        .send()
        .await;
    assert!(r.is_err());
    assert_eq!(t.stats().dropped_connections, 2);
    assert_eq!(
        api(&t, &http, &tok, Method::GET, "clients", None).await.0,
        200
    );
}

#[tokio::test]
async fn latency_fault_and_token_latency() {
    let t = FakeTenant::builder()
        .http(true)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    t.inject_fault(Fault {
        target: FaultTarget::Token,
        count: 1,
        latency_ms: Some(150),
        ..Fault::default()
    });
    let start = Instant::now();
    let r = http
        .post(t.token_url())
        .form(&form(&t))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    assert!(start.elapsed() >= Duration::from_millis(150));

    t.set_token_latency(Duration::from_millis(120));
    let start = Instant::now();
    token(&t, &http).await;
    assert!(start.elapsed() >= Duration::from_millis(120));
    let r = http
        .post(format!("{}/__fake/latency", t.base_url()))
        .json(&json!({"token_ms": 0}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 204);
    let start = Instant::now();
    token(&t, &http).await;
    assert!(start.elapsed() < Duration::from_millis(120));
}

#[test]
fn works_on_a_multi_threaded_runtime_and_shuts_down_on_drop() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async {
        let t = FakeTenant::builder().start().await.expect("start");
        let http = http_client(&t);
        let tok = token(&t, &http).await;
        assert_eq!(
            api(&t, &http, &tok, Method::GET, "clients", None).await.0,
            200
        );
        let ca = t.ca_cert_path();
        assert!(ca.exists());
        let url = t.token_url();
        drop(t);
        assert!(!ca.exists(), "owned CA file removed");
        tokio::time::sleep(Duration::from_millis(50)).await;
        let fresh = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .build()
            .expect("client");
        assert!(fresh.post(url).send().await.is_err(), "listener closed");
    });
}

#[tokio::test]
async fn binary_prints_one_json_line_and_serves() {
    let ca = std::env::temp_dir().join(format!("fake-bin-ca-{}.pem", std::process::id()));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_auth0-m2m-fake"))
        .args([
            "--client",
            "bin-id:bin-secret:read:clients,read:users",
            "--seed-clients",
            "3",
            "--ca-out",
            ca.to_str().expect("path"),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map(|_| line)
    })
    .await
    .expect("join")
    .expect("line");
    let v: Value = serde_json::from_str(&line).expect("json line");
    let domain = v["domain"].as_str().expect("domain").to_string();
    assert!(domain.starts_with("127.0.0.1:"));
    assert_eq!(v["base_url"], format!("https://{domain}"));
    assert_eq!(v["audience"], format!("https://{domain}/api/v2/"));
    assert_eq!(
        (v["client_id"].as_str(), v["client_secret"].as_str()),
        (Some("bin-id"), Some("bin-secret"))
    );
    assert_eq!(v["ca_cert"], ca.to_str().expect("path"));
    let pem = std::fs::read(&ca).expect("ca file");
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).expect("cert"))
        .build()
        .expect("client");
    let r = http
        .post(format!("https://{domain}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "bin-id"),
            ("client_secret", "bin-secret"),
            ("audience", &format!("https://{domain}/api/v2/")),
        ])
        .send()
        .await
        .expect("send");
    let status = r.status();
    let body: Value = r.json().await.expect("json");
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(&ca);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "read:clients read:users");
}

#[tokio::test]
async fn curl_form_body_from_auth0_docs() {
    if !std::path::Path::new("/usr/bin/curl").exists() {
        println!("curl not found at /usr/bin/curl; skipping the curl test");
        return;
    }
    let t = FakeTenant::builder()
        .seed_clients(2)
        .start()
        .await
        .expect("start");
    let ca = t.ca_cert_path();
    let (id, secret, aud, url) = (
        t.client_id(),
        t.client_secret(),
        t.audience(),
        t.token_url(),
    );
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("/usr/bin/curl")
            .args([
                "-sS",
                "--cacert",
                ca.to_str().unwrap_or_default(),
                "-d",
                "grant_type=client_credentials",
                "-d",
                &format!("client_id={id}"),
                "-d",
                &format!("client_secret={secret}"),
                "-d",
                &format!("audience={aud}"),
                &url,
            ])
            .output()
    })
    .await
    .expect("join")
    .expect("curl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let tok = v["access_token"].as_str().expect("token").to_string();
    assert_eq!(v["token_type"], "Bearer");

    let ca = t.ca_cert_path();
    let list_url = format!("{}/api/v2/clients", t.base_url());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("/usr/bin/curl")
            .args([
                "-sS",
                "--cacert",
                ca.to_str().unwrap_or_default(),
                "-H",
                &format!("authorization: Bearer {tok}"),
                &list_url,
            ])
            .output()
    })
    .await
    .expect("join")
    .expect("curl runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v.as_array().map(Vec::len), Some(3));
}
