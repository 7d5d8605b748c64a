//! Rate limits, quota, faults, latency, stats, the binary and curl.

mod common;

use auth0_m2m_fake::{FakeTenant, Fault, FaultTarget, Stats};
use common::{api, http_client, token};
use reqwest::Method;
use serde_json::{Value, json};
use std::io::BufRead;
use std::time::Duration;

fn form(t: &FakeTenant) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "client_credentials".into()),
        ("client_id", t.client_id()),
        ("client_secret", t.client_secret()),
        ("audience", t.audience()),
    ]
}

fn header_u64(h: &reqwest::header::HeaderMap, name: &str) -> u64 {
    h[name]
        .to_str()
        .expect("text header")
        .parse()
        .expect("numeric header")
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let t = FakeTenant::builder()
        .rate_limit(3)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    // The window stays put until the test moves it: no race with the wall clock.
    t.freeze_rate_limit_window();
    let mut statuses = Vec::new();
    let mut remaining = Vec::new();
    let mut resets = Vec::new();
    let mut last = None;
    for _ in 0..5 {
        let r = http
            .post(t.token_url())
            .form(&form(&t))
            .send()
            .await
            .expect("send");
        assert_eq!(r.headers()["x-ratelimit-limit"], "3");
        statuses.push(r.status().as_u16());
        remaining.push(header_u64(r.headers(), "x-ratelimit-remaining"));
        resets.push(header_u64(r.headers(), "x-ratelimit-reset"));
        last = Some(r);
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
    assert_eq!(remaining, vec![2, 1, 0, 0, 0]);
    assert!(resets.windows(2).all(|w| w[0] == w[1]), "{resets:?}");
    assert!(resets[0] > 1_600_000_000);
    let r = last.expect("response");
    assert_eq!(r.headers()["retry-after"], "1");
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        v,
        json!({"error": "too_many_requests", "error_description": "Global limit has been reached"})
    );
    assert_eq!(t.stats().token_429, 2);

    // The next window admits requests again and resets one second later.
    t.next_rate_limit_window();
    let tok = token(&t, &http).await;
    // The API limit is separate and answers with the Management API body.
    let mut codes = Vec::new();
    let mut body = Value::Null;
    for _ in 0..5 {
        let (s, h, v) = api(&t, &http, &tok, Method::GET, "clients", None).await;
        assert_eq!(header_u64(&h, "x-ratelimit-reset"), resets[0] + 1);
        if s == 429 {
            assert_eq!(h["retry-after"], "1");
            body = v;
        }
        codes.push(s);
    }
    assert_eq!(codes, vec![200, 200, 200, 429, 429]);
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
    assert_eq!(s.api_429, 2);
    assert_eq!(s, t.stats());
}

#[tokio::test]
async fn rate_window_control_over_http() {
    let t = FakeTenant::builder()
        .http(true)
        .rate_limit(1)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let control = |action: &str| {
        http.post(format!("{}/__fake/rate-window", t.base_url()))
            .json(&json!({ "action": action }))
            .send()
    };
    assert_eq!(control("freeze").await.expect("send").status(), 204);
    let mut statuses = Vec::new();
    for round in 0..3 {
        for _ in 0..2 {
            let r = http
                .post(t.token_url())
                .form(&form(&t))
                .send()
                .await
                .expect("send");
            statuses.push(r.status().as_u16());
        }
        if round < 2 {
            assert_eq!(control("next").await.expect("send").status(), 204);
        }
    }
    assert_eq!(statuses, vec![200, 429, 200, 429, 200, 429]);
    assert_eq!(control("release").await.expect("send").status(), 204);
    assert_eq!(control("sideways").await.expect("send").status(), 400);
    assert_eq!(t.stats().tokens_issued, 3);
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
        retry_after: Some(1),
        ..Fault::default()
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

/// The tenant runs in the test's runtime, so its delays follow tokio's paused clock: the
/// time a request takes is exactly the delay the tenant added.
#[tokio::test(start_paused = true)]
async fn latency_fault_and_token_latency() {
    let t = FakeTenant::builder()
        .http(true)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let timed_token = || async {
        let start = tokio::time::Instant::now();
        token(&t, &http).await;
        start.elapsed()
    };
    assert_eq!(timed_token().await, Duration::ZERO);
    t.inject_fault(Fault {
        target: FaultTarget::Token,
        count: 1,
        latency_ms: Some(150),
        ..Fault::default()
    });
    assert_eq!(timed_token().await, Duration::from_millis(150));
    assert_eq!(
        timed_token().await,
        Duration::ZERO,
        "the fault applied once"
    );

    t.set_token_latency(Duration::from_millis(120));
    assert_eq!(timed_token().await, Duration::from_millis(120));
    let r = http
        .post(format!("{}/__fake/latency", t.base_url()))
        .json(&json!({"token_ms": 0}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 204);
    assert_eq!(timed_token().await, Duration::ZERO);
    let s = t.stats();
    assert_eq!((s.tokens_issued, s.faults_injected), (5, 1));
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
        let addr = t.domain();
        drop(t);
        assert!(!ca.exists(), "owned CA file removed");
        // The listener closes once the serving task sees the shutdown signal.
        let mut closed = false;
        for _ in 0..10_000 {
            if tokio::net::TcpStream::connect(&addr).await.is_err() {
                closed = true;
                break;
            }
            tokio::task::yield_now().await;
        }
        assert!(closed, "the listener was not closed");
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
        std::process::Command::new("curl")
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
    .expect("curl (on PATH) runs");
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
        std::process::Command::new("curl")
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
    .expect("curl (on PATH) runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    // The "Default App", the tenant's client and the two seeded ones.
    assert_eq!(v.as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn every_answer_carries_rate_limit_headers_faults_included() {
    let t = FakeTenant::builder()
        .http(true)
        .rate_limit(50)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    for target in [FaultTarget::Token, FaultTarget::Api] {
        for status in [400, 401, 429, 500, 503] {
            t.inject_fault(Fault {
                target,
                count: 1,
                status: Some(status),
                ..Fault::default()
            });
            let r = match target {
                FaultTarget::Token => http.post(t.token_url()).form(&form(&t)),
                FaultTarget::Api => http
                    .get(format!("{}/api/v2/clients", t.base_url()))
                    .bearer_auth(&tok),
            }
            .send()
            .await
            .expect("send");
            assert_eq!(r.status().as_u16(), status, "{target:?}");
            let h = r.headers();
            assert_eq!(h["x-ratelimit-limit"], "50", "{target:?} {status}");
            assert!(header_u64(h, "x-ratelimit-remaining") < 50, "{h:?}");
            assert!(header_u64(h, "x-ratelimit-reset") > 1_600_000_000, "{h:?}");
            assert!(!h.contains_key("retry-after"), "{target:?} {status}");
        }
    }
    assert_eq!(t.stats().faults_injected, 10);
}

#[tokio::test]
async fn a_fault_sets_its_own_rate_limit_headers_and_retry_after() {
    let t = FakeTenant::builder()
        .http(true)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    // Over HTTP: a 503 whose rate-limit window resets an hour from now.
    let r = http
        .post(format!("{}/__fake/faults", t.base_url()))
        .json(&json!({"target": "api", "count": 1, "status": 503,
            "rate_limit_reset_in": 3600, "rate_limit_remaining": 0,
            "headers": {"x-request-id": "fault-1"}}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 204);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs();
    let (s, h, v) = api(&t, &http, &tok, Method::GET, "clients", None).await;
    assert_eq!((s, v["statusCode"].as_u64()), (503, Some(503)));
    let reset = header_u64(&h, "x-ratelimit-reset");
    assert!(
        (before + 3600..=before + 3602).contains(&reset),
        "{reset} vs {before}"
    );
    assert_eq!(h["x-ratelimit-remaining"], "0");
    assert_eq!(h["x-request-id"], "fault-1");
    assert!(!h.contains_key("retry-after"));

    t.inject_fault(Fault {
        target: FaultTarget::Token,
        count: 1,
        status: Some(429),
        retry_after: Some(7),
        rate_limit_reset_in: Some(7),
        ..Fault::default()
    });
    let r = http
        .post(t.token_url())
        .form(&form(&t))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    assert!(header_u64(r.headers(), "x-ratelimit-reset") >= before + 7);

    // Invalid headers are refused over HTTP, and skipped by the library call.
    let r = http
        .post(format!("{}/__fake/faults", t.base_url()))
        .json(&json!({"target": "api", "count": 1, "status": 500,
            "headers": {"bad header": "x"}}))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.expect("json");
    assert!(
        v["error_description"]
            .as_str()
            .is_some_and(|d| d.contains("not a valid header name")),
        "{v}"
    );
    t.inject_fault(Fault {
        target: FaultTarget::Api,
        count: 1,
        status: Some(500),
        headers: [
            ("bad header".to_string(), "x".to_string()),
            ("x-good".to_string(), "yes".to_string()),
        ]
        .into(),
        ..Fault::default()
    });
    let (s, h, _) = api(&t, &http, &tok, Method::GET, "clients", None).await;
    assert_eq!(s, 500);
    assert_eq!(h["x-good"], "yes");
}

#[tokio::test]
async fn delete_faults_clears_the_queue_and_says_how_many() {
    let t = FakeTenant::builder()
        .http(true)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let url = format!("{}/__fake/faults", t.base_url());
    for (target, count) in [("token", 3), ("api", 2)] {
        let r = http
            .post(&url)
            .json(&json!({"target": target, "count": count, "status": 503}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status(), 204);
    }
    // One token request uses one of the three token faults.
    let r = http
        .post(t.token_url())
        .form(&form(&t))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 503);
    let r = http.delete(&url).send().await.expect("send");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v, json!({"cleared": 2, "requests": 4}));
    // Nothing is left: the next requests are served normally.
    let tok = token(&t, &http).await;
    assert_eq!(
        api(&t, &http, &tok, Method::GET, "clients", None).await.0,
        200
    );
    let v: Value = http
        .delete(&url)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(v, json!({"cleared": 0, "requests": 0}));
    // The library call returns the removed faults.
    t.inject_fault(Fault {
        target: FaultTarget::Api,
        count: 4,
        latency_ms: Some(5),
        ..Fault::default()
    });
    let removed = t.clear_faults();
    assert_eq!(removed.len(), 1);
    assert_eq!((removed[0].target, removed[0].count), (FaultTarget::Api, 4));
    assert!(t.clear_faults().is_empty());
    assert_eq!(t.stats().faults_injected, 1);
}

#[tokio::test]
async fn routes_lists_every_served_route_with_its_scopes() {
    let t = FakeTenant::builder()
        .http(true)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let r = http
        .get(format!("{}/__fake/routes", t.base_url()))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let routes: Vec<Value> = r.json().await.expect("json");
    let find = |method: &str, path: &str| {
        routes
            .iter()
            .find(|r| r["method"] == method && r["path"] == path)
            .unwrap_or_else(|| panic!("{method} {path} not listed"))
            .clone()
    };
    assert_eq!(find("POST", "/oauth/token")["scopes"], json!([]));
    for (method, path) in [
        ("GET", "/__fake/routes"),
        ("DELETE", "/__fake/faults"),
        ("POST", "/__fake/rate-window"),
        ("GET", "/.well-known/jwks.json"),
    ] {
        find(method, path);
    }
    assert_eq!(
        find("GET", "/api/v2/clients/{id}")["scopes"],
        json!(["read:clients"])
    );
    assert_eq!(
        find("GET", "/api/v2/stats/active-users")["scopes"],
        json!(["read:stats"])
    );
    assert_eq!(
        find("DELETE", "/api/v2/user-blocks/{id}")["scopes"],
        json!(["update:users"])
    );
    // Every listed Management API route is served: without a token it answers 401, where
    // an unknown route answers 404.
    let api_routes: Vec<&Value> = routes
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/api/v2/"))
        })
        .collect();
    assert!(api_routes.len() >= 50, "{}", api_routes.len());
    for r in &api_routes {
        let method =
            Method::from_bytes(r["method"].as_str().expect("method").as_bytes()).expect("method");
        let path = match r["sample_path"].as_str() {
            Some(sample) => sample.to_owned(),
            None => r["path"]
                .as_str()
                .expect("path")
                .replace("{id}", "x1")
                .replace("{name}", "n1"),
        };
        let scopes = r["scopes"].as_array().expect("scopes");
        assert!(!scopes.is_empty(), "{r}");
        // The default client holds every scope of the hand-written routes.
        if r["handler"] == "hand-written" {
            for s in scopes {
                let s = s.as_str().expect("scope");
                assert!(auth0_m2m_fake::MANAGEMENT_SCOPES.contains(&s), "{s}");
            }
        }
        let status = http
            .request(method, format!("{}{path}", t.base_url()))
            .send()
            .await
            .expect("send")
            .status();
        assert_eq!(status, 401, "{r}");
    }
    let status = http
        .get(format!("{}/api/v2/no-such-thing", t.base_url()))
        .send()
        .await
        .expect("send")
        .status();
    assert_eq!(status, 404);
}
