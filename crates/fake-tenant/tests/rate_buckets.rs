//! Auth0's token buckets on the Management API: the headers on every answer, Auth0's 429 body
//! with `Retry-After`, per-endpoint classes, and the `/__fake/rate-buckets` control.

mod common;

use auth0_m2m_fake::{EndpointClass, FakeTenant, RateBuckets};
use common::{api, http_client, token};
use reqwest::Method;
use serde_json::{Value, json};

fn num(h: &reqwest::header::HeaderMap, name: &str) -> u64 {
    h[name].to_str().unwrap().parse().unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn the_tenant_bucket_counts_down_then_answers_auth0s_429() {
    // One call back every 100 s: the test's own time refills nothing.
    let t = FakeTenant::builder()
        .rate_buckets(3, 0.01)
        .start()
        .await
        .unwrap();
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        let (status, h, body) = api(&t, &http, &tok, Method::GET, "clients", None).await;
        seen.push((
            status,
            num(&h, "x-ratelimit-limit"),
            num(&h, "x-ratelimit-remaining"),
        ));
        if status == 429 {
            assert_eq!(
                body,
                json!({"statusCode": 429, "error": "Too Many Requests",
                       "message": "Global limit has been reached", "errorCode": "too_many_requests"})
            );
            assert_eq!(num(&h, "retry-after"), 100);
            let reset = num(&h, "x-ratelimit-reset");
            assert!((now() + 299..=now() + 301).contains(&reset), "{reset}");
        }
    }
    assert_eq!(seen, [(200, 3, 2), (200, 3, 1), (200, 3, 0), (429, 3, 0)]);
    assert_eq!(t.stats().api_429, 1);
    // A reset fills the buckets again.
    t.reset();
    let (status, _, _) = api(&t, &http, &tok, Method::GET, "clients", None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn per_endpoint_buckets_and_the_control_endpoint() {
    let t = FakeTenant::builder()
        .rate_buckets(100, 0.01)
        .endpoint_rate_bucket(EndpointClass::ReadClients, 1, 0.01)
        .start()
        .await
        .unwrap();
    assert_eq!(t.rate_buckets().endpoints.len(), 1);
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (status, h, _) = api(&t, &http, &tok, Method::GET, "clients", None).await;
    assert_eq!((status, num(&h, "x-ratelimit-limit")), (200, 1));
    let (status, _, _) = api(&t, &http, &tok, Method::GET, "clients", None).await;
    assert_eq!(status, 429);
    let (status, h, _) = api(&t, &http, &tok, Method::GET, "roles", None).await;
    assert_eq!((status, num(&h, "x-ratelimit-limit")), (200, 100));

    // The control replaces the buckets, full; it refuses a zero burst.
    let url = format!("{}/__fake/rate-buckets", t.base_url());
    let r = http
        .post(&url)
        .json(&json!({"tenant": {"burst": 0, "per_second": 1}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let r = http
        .post(&url)
        .json(&json!({"tenant": {"burst": 2, "per_second": 0.01}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let read: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(read["tenant"]["burst"], 2);
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(api(&t, &http, &tok, Method::GET, "clients", None).await.0);
        }
        v
    };
    assert_eq!(statuses, [200, 200, 429]);
    // No buckets: the per-second window (unlimited here) is back.
    t.set_rate_buckets(RateBuckets::default());
    let (status, h, _) = api(&t, &http, &tok, Method::GET, "clients", None).await;
    assert_eq!(status, 200);
    assert_eq!(num(&h, "x-ratelimit-limit"), 1000);
}

#[tokio::test]
async fn an_injected_fault_counts_against_the_bucket_and_carries_its_headers() {
    use auth0_m2m_fake::{Fault, FaultTarget};
    let t = FakeTenant::builder()
        .rate_buckets(5, 0.01)
        .start()
        .await
        .unwrap();
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    t.inject_fault(Fault {
        target: FaultTarget::Api,
        count: 1,
        status: Some(503),
        ..Fault::default()
    });
    let (status, h, _) = api(&t, &http, &tok, Method::GET, "clients", None).await;
    assert_eq!(status, 503);
    assert_eq!(
        (
            num(&h, "x-ratelimit-limit"),
            num(&h, "x-ratelimit-remaining")
        ),
        (5, 4)
    );
    let (status, h, _) = api(&t, &http, &tok, Method::GET, "clients", None).await;
    assert_eq!((status, num(&h, "x-ratelimit-remaining")), (200, 3));
}
