//! Retry and token rules on a scripted transport, with tokio's paused clock.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use auth0_m2m_cache::{CacheKeyParts, TokenProvider, TokenSource};
use auth0_m2m_management::{Endpoint, Part, RawEndpoint, clients::GetClient};
use auth0_m2m_token::{AccessToken, RetryPolicy};
use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::transport::{HttpRequest, HttpResponse, Transport, TransportError};
use crate::{Error, ManagementClient};

/// Issues `tok-1`, `tok-2`… and counts the fetches.
struct Source(AtomicU64);

#[async_trait]
impl TokenSource for Source {
    async fn fetch_token(&self) -> Result<AccessToken, auth0_m2m_token::Error> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        let now = SystemTime::now();
        Ok(AccessToken::new(
            format!("tok-{n}"),
            "Bearer",
            vec![],
            now + Duration::from_secs(86_400),
            now,
        ))
    }
    fn cache_key_parts(&self) -> CacheKeyParts {
        CacheKeyParts::new("https://t.example/oauth/token", "id")
    }
}

type Step = Box<dyn FnOnce(&Script) -> Result<HttpResponse, TransportError> + Send>;

#[derive(Default)]
struct Script {
    steps: Mutex<VecDeque<Step>>,
    /// (method, url, authorization) of every request.
    seen: Mutex<Vec<(Method, String, String)>>,
    provider: Mutex<Option<TokenProvider>>,
}

impl std::fmt::Debug for Script {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Script")
    }
}

#[derive(Debug, Clone)]
struct Mock(Arc<Script>);

#[async_trait]
impl Transport for Mock {
    async fn send(
        &self,
        request: HttpRequest,
        _max_body: usize,
    ) -> Result<HttpResponse, TransportError> {
        let auth = request
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        self.0
            .seen
            .lock()
            .unwrap()
            .push((request.method.clone(), request.url.clone(), auth));
        let step = self.0.steps.lock().unwrap().pop_front();
        match step {
            Some(step) => step(&self.0),
            None => Ok(response(500, &[], "no scripted answer left")),
        }
    }
}

fn response(status: u16, headers: &[(&'static str, &str)], body: &str) -> HttpResponse {
    let mut h = HeaderMap::new();
    for (k, v) in headers {
        h.insert(*k, v.parse().unwrap());
    }
    HttpResponse {
        status,
        headers: h,
        body: Bytes::from(body.to_owned()),
    }
}

fn answer(
    status: u16,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
) -> Step {
    Box::new(move |_| Ok(response(status, headers, body)))
}

const OK_CLIENT: &str = r#"{"client_id":"abc","name":"App"}"#;
const ERR_503: &str = r#"{"statusCode":503,"error":"Service Unavailable","message":"down"}"#;

struct Setup {
    client: ManagementClient,
    script: Arc<Script>,
    source: Arc<Source>,
}

fn setup(policy: RetryPolicy, steps: Vec<Step>) -> Setup {
    let source = Arc::new(Source(AtomicU64::new(0)));
    let provider = TokenProvider::builder(Arc::clone(&source)).build().unwrap();
    let script = Arc::new(Script::default());
    *script.steps.lock().unwrap() = steps.into();
    *script.provider.lock().unwrap() = Some(provider.clone());
    let mock = Mock(Arc::clone(&script));
    let client = ManagementClient::builder_with_provider(provider, "https://t.example")
        .with_retry_policy(policy)
        .build_with(move |_, _| Arc::new(mock))
        .unwrap();
    Setup {
        client,
        script,
        source,
    }
}

fn exact() -> RetryPolicy {
    RetryPolicy::default().with_jitter(false)
}

fn seen(s: &Setup) -> Vec<(Method, String, String)> {
    s.script.seen.lock().unwrap().clone()
}

#[tokio::test(start_paused = true)]
async fn unauthorized_invalidates_the_sent_token_and_retries_once() {
    let s = setup(
        exact(),
        vec![
            answer(
                401,
                &[],
                r#"{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}"#,
            ),
            answer(200, &[], OK_CLIENT),
        ],
    );
    let c = s.client.execute(&GetClient::new("abc")).await.unwrap();
    assert_eq!(c.client_id.as_deref(), Some("abc"));
    let seen = seen(&s);
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].2, "Bearer tok-1");
    assert_eq!(seen[1].2, "Bearer tok-2");
    assert_eq!(s.source.0.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_second_unauthorized_is_returned() {
    let body = r#"{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}"#;
    let s = setup(
        exact(),
        vec![answer(401, &[], body), answer(401, &[], body)],
    );
    let e = s.client.execute(&GetClient::new("abc")).await.unwrap_err();
    assert_eq!(e.status(), Some(401));
    assert_eq!(seen(&s).len(), 2);
    assert!(!e.to_string().contains("tok-"), "{e}");
}

#[tokio::test(start_paused = true)]
async fn rate_limited_calls_wait_for_retry_after() {
    let s = setup(
        exact(),
        vec![
            answer(
                429,
                &[("retry-after", "2"), ("x-ratelimit-remaining", "0")],
                r#"{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}"#,
            ),
            answer(200, &[], OK_CLIENT),
        ],
    );
    let start = tokio::time::Instant::now();
    s.client.execute(&GetClient::new("abc")).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    assert_eq!(seen(&s).len(), 2);
}

#[tokio::test(start_paused = true)]
async fn rate_limit_reset_is_honoured_when_retry_after_is_missing() {
    let reset = (SystemTime::now() + Duration::from_secs(5))
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let reset: &'static str = Box::leak(reset.into_boxed_str());
    let headers: &'static [(&'static str, &'static str)] =
        Box::leak(vec![("x-ratelimit-reset", reset)].into_boxed_slice());
    let s = setup(
        exact(),
        vec![answer(429, headers, "{}"), answer(200, &[], OK_CLIENT)],
    );
    let start = tokio::time::Instant::now();
    s.client.execute(&GetClient::new("abc")).await.unwrap();
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(3) && waited <= Duration::from_secs(5),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_wait_longer_than_the_cap_is_not_waited_for() {
    let s = setup(
        exact().with_max_server_wait(Duration::from_secs(10)),
        vec![answer(429, &[("retry-after", "60")], "{}")],
    );
    let start = tokio::time::Instant::now();
    let e = s.client.execute(&GetClient::new("abc")).await.unwrap_err();
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(e.status(), Some(429));
    assert!(e.is_retryable());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
    assert_eq!(seen(&s).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn server_errors_of_gets_are_retried_with_exponential_backoff() {
    let s = setup(
        exact(),
        vec![
            answer(503, &[], ERR_503),
            answer(502, &[], "<html>bad gateway</html>"),
            answer(200, &[], OK_CLIENT),
        ],
    );
    let start = tokio::time::Instant::now();
    s.client.execute(&GetClient::new("abc")).await.unwrap();
    // 200 ms, then 400 ms.
    assert_eq!(start.elapsed(), Duration::from_millis(600));
    assert_eq!(seen(&s).len(), 3);
}

#[tokio::test(start_paused = true)]
async fn jittered_backoff_stays_within_bounds() {
    let s = setup(
        RetryPolicy::default(),
        vec![answer(503, &[], ERR_503), answer(200, &[], OK_CLIENT)],
    );
    let start = tokio::time::Instant::now();
    s.client.execute(&GetClient::new("abc")).await.unwrap();
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(100) && waited <= Duration::from_millis(200),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn retries_stop_after_the_policy_limit() {
    let s = setup(
        exact().with_max_retries(2),
        (0..5).map(|_| answer(503, &[], ERR_503)).collect(),
    );
    let e = s.client.execute(&GetClient::new("abc")).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(
        e.api_error_body().and_then(|b| b.message.as_deref()),
        Some("down")
    );
    assert_eq!(seen(&s).len(), 3);
}

#[tokio::test(start_paused = true)]
async fn posts_are_not_retried_after_a_server_error_or_timeout() {
    let s = setup(exact(), vec![answer(503, &[], ERR_503)]);
    let ep =
        RawEndpoint::new(Method::POST, &["clients"]).with_json(serde_json::json!({"name": "x"}));
    let e = s.client.execute(&ep).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(seen(&s).len(), 1);

    let s = setup(exact(), vec![Box::new(|_| Err(TransportError::Timeout))]);
    let ep = RawEndpoint::new(Method::PATCH, &["clients", "abc"]).with_json(serde_json::json!({}));
    let e = s.client.execute(&ep).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    assert_eq!(seen(&s).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn posts_are_retried_after_429_and_connection_failures() {
    let s = setup(
        exact(),
        vec![
            answer(429, &[("retry-after", "1")], "{}"),
            Box::new(|_| {
                Err(TransportError::Connect(
                    "could not connect".into(),
                    Box::new(std::io::Error::other("refused")),
                ))
            }),
            answer(201, &[], OK_CLIENT),
        ],
    );
    let ep =
        RawEndpoint::new(Method::POST, &["clients"]).with_json(serde_json::json!({"name": "x"}));
    let v = s.client.execute(&ep).await.unwrap();
    assert_eq!(v["client_id"], "abc");
    assert_eq!(seen(&s).len(), 3);
}

#[tokio::test(start_paused = true)]
async fn gets_are_retried_after_timeouts() {
    let s = setup(
        exact(),
        vec![
            Box::new(|_| Err(TransportError::Timeout)),
            answer(200, &[], OK_CLIENT),
        ],
    );
    s.client.execute(&GetClient::new("abc")).await.unwrap();
    assert_eq!(seen(&s).len(), 2);
}

#[tokio::test(start_paused = true)]
async fn every_attempt_reads_the_token_again() {
    let s = setup(
        exact(),
        vec![
            Box::new(|script: &Script| {
                // Another task invalidates the token while this attempt fails.
                let provider = script.provider.lock().unwrap().clone().unwrap();
                let token = provider.current_token().unwrap();
                tokio::spawn(async move { provider.invalidate(&token).await });
                Ok(response(503, &[], ERR_503))
            }),
            answer(200, &[], OK_CLIENT),
        ],
    );
    s.client.execute(&GetClient::new("abc")).await.unwrap();
    let seen = seen(&s);
    assert_eq!(seen[0].2, "Bearer tok-1");
    assert_eq!(seen[1].2, "Bearer tok-2");
}

#[tokio::test(start_paused = true)]
async fn oversized_answers_and_undecodable_bodies_are_errors() {
    let s = setup(
        exact(),
        vec![Box::new(|_| Err(TransportError::TooLarge(10)))],
    );
    let e = s.client.execute(&GetClient::new("abc")).await.unwrap_err();
    assert!(matches!(e, Error::BodyTooLarge { limit: 10, .. }), "{e:?}");
    assert!(!e.is_retryable());

    let s = setup(exact(), vec![answer(200, &[], "[1,2]")]);
    let e = s.client.execute(&GetClient::new("abc")).await.unwrap_err();
    assert!(matches!(e, Error::Decode { status: 200, .. }), "{e:?}");
}

#[tokio::test(start_paused = true)]
async fn the_url_carries_the_encoded_path_and_query() {
    let s = setup(exact(), vec![answer(200, &[], "{}")]);
    let ep = RawEndpoint::new(Method::GET, &["users", "auth0|1"]).with_query("fields", "a b");
    s.client.execute(&ep).await.unwrap();
    assert_eq!(
        seen(&s)[0].1,
        "https://t.example/api/v2/users/auth0%7C1?fields=a%20b"
    );
}

#[test]
fn multipart_bodies_are_encoded() {
    let ep = RawEndpoint::new(Method::POST, &["jobs", "users-imports"]).with_body(
        auth0_m2m_management::Body::Multipart(vec![
            Part::text("connection_id", "con_1"),
            Part::file("users", "users.json", "application/json", b"[{}]".to_vec()),
        ]),
    );
    let prepared = crate::client::prepare(&ep).unwrap();
    let (body, content_type) = prepared.body.unwrap();
    let content_type = content_type.to_str().unwrap().to_owned();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap();
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(text.starts_with(&format!("--{boundary}\r\n")));
    assert!(text.contains("name=\"connection_id\"\r\n\r\ncon_1\r\n"));
    assert!(text.contains(
        "name=\"users\"; filename=\"users.json\"\r\nContent-Type: application/json\r\n\r\n[{}]\r\n"
    ));
    assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    assert_eq!(ep.method(), Method::POST);
}
