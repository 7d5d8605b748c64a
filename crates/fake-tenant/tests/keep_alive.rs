//! A kept-alive connection survives every answer, early ones included: requests with bodies
//! that the tenant refuses before looking at the body (unknown routes, wrong methods, bad
//! tokens, injected faults) leave the connection usable for the next request.

mod common;

use auth0_m2m_fake::{FakeTenant, Fault, FaultTarget};
use reqwest::Method;

/// Body sizes cycled through: empty, small, around the server's read buffer, and larger than
/// anything read in one go.
const SIZES: &[usize] = &[0, 1, 100, 4_095, 8_193, 16_385, 65_536, 200_003];

/// One kind of request the tenant answers before it needs the body, with the status expected.
struct Case {
    method: Method,
    path: &'static str,
    bearer: Option<&'static str>,
    status: u16,
}

const CASES: &[Case] = &[
    // The router's fallback: no such route at all.
    Case {
        method: Method::POST,
        path: "/no-such-route",
        bearer: None,
        status: 404,
    },
    // Below /api/v2, a path the description does not have.
    Case {
        method: Method::PUT,
        path: "/api/v2/no-such-thing",
        bearer: Some("bad"),
        status: 404,
    },
    // A served route with a token that is not one.
    Case {
        method: Method::POST,
        path: "/api/v2/clients",
        bearer: Some("not.a.token"),
        status: 401,
    },
    // A generic route without any token.
    Case {
        method: Method::PATCH,
        path: "/api/v2/branding",
        bearer: None,
        status: 401,
    },
    // The protected resource without a token.
    Case {
        method: Method::POST,
        path: "/__fake/resource",
        bearer: None,
        status: 401,
    },
    // A method a served path does not have.
    Case {
        method: Method::PUT,
        path: "/oauth/token",
        bearer: None,
        status: 405,
    },
    Case {
        method: Method::POST,
        path: "/__fake/stats",
        bearer: None,
        status: 405,
    },
];

/// Sends `n` requests over one kept-alive connection and checks each answer; returns the
/// requests that failed at the connection level.
async fn run(tenant: &FakeTenant, n: usize) -> Vec<String> {
    let mut b = reqwest::Client::builder()
        .http1_only()
        .pool_max_idle_per_host(1);
    let pem = tenant.ca_cert_pem();
    if !pem.is_empty() {
        b = b.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).expect("CA"));
    }
    let http = b.build().expect("client");
    let mut failures = Vec::new();
    for i in 0..n {
        let size = SIZES[i % SIZES.len()];
        // Every ninth request meets an injected fault of the Management API instead.
        let (case, fault) = if i % 9 == 8 {
            tenant.inject_fault(Fault {
                target: FaultTarget::Api,
                count: 1,
                status: Some(503),
                ..Fault::default()
            });
            (
                &Case {
                    method: Method::POST,
                    path: "/api/v2/roles",
                    bearer: Some("whatever"),
                    status: 503,
                },
                true,
            )
        } else {
            (&CASES[i % CASES.len()], false)
        };
        let mut req = http
            .request(
                case.method.clone(),
                format!("{}{}", tenant.base_url(), case.path),
            )
            .header("content-type", "application/json")
            .body(vec![b'x'; size]);
        if let Some(token) = case.bearer {
            req = req.bearer_auth(token);
        }
        match req.send().await {
            Ok(r) => {
                assert_eq!(
                    r.status().as_u16(),
                    case.status,
                    "{} {} with {size} bytes (fault: {fault})",
                    case.method,
                    case.path
                );
                r.bytes().await.expect("answer body");
            }
            Err(e) => failures.push(format!(
                "request {i}: {} {} with {size} bytes: {e:?}",
                case.method, case.path
            )),
        }
    }
    failures
}

#[tokio::test]
async fn early_answers_keep_the_connection_alive_over_http() {
    let t = FakeTenant::builder()
        .http(true)
        .start()
        .await
        .expect("start");
    let failures = run(&t, 400).await;
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        t.stats().connections_accepted,
        1,
        "every request went over the one kept-alive connection"
    );
}

#[tokio::test]
async fn early_answers_keep_the_connection_alive_over_tls() {
    let t = common::tenant().await;
    let failures = run(&t, 200).await;
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(t.stats().connections_accepted, 1);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_413() {
    let t = FakeTenant::builder()
        .http(true)
        .start()
        .await
        .expect("start");
    let http = reqwest::Client::builder()
        .http1_only()
        .build()
        .expect("client");
    let r = http
        .post(format!("{}/no-such-route", t.base_url()))
        .body(vec![b'x'; 17 * 1024 * 1024])
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 413);
    let v: serde_json::Value = r.json().await.expect("json");
    assert_eq!(v["statusCode"], 413);
    // The connection (or a new one) still serves.
    let r = http
        .post(format!("{}/no-such-route", t.base_url()))
        .body("{}")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 404);
}
