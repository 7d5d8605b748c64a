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

use crate::{Error, ManagementClient};
use auth0_m2m_token::{Error as TransportError, HttpClient, HttpRequest, HttpResponse};

/// Issues `tok-1`, `tok-2`… and counts the fetches; each fetch takes the time in the second
/// field (none by default).
struct Source(AtomicU64, Mutex<Duration>);

#[async_trait]
impl TokenSource for Source {
    async fn fetch_token(&self) -> Result<AccessToken, auth0_m2m_token::Error> {
        let delay = *self.1.lock().unwrap();
        tokio::time::sleep(delay).await;
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
    /// Every request as it was handed to the transport.
    requests: Mutex<Vec<HttpRequest>>,
    provider: Mutex<Option<TokenProvider>>,
    /// How long the tenant takes to answer each request (none by default). A request whose
    /// timeout is shorter fails with a transport timeout when it runs out, as reqwest does.
    latency: Mutex<Duration>,
}

impl std::fmt::Debug for Script {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Script")
    }
}

#[derive(Debug, Clone)]
struct Mock(Arc<Script>);

#[async_trait]
impl HttpClient for Mock {
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
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
        self.0.requests.lock().unwrap().push(request.clone());
        let step = self.0.steps.lock().unwrap().pop_front();
        let latency = *self.0.latency.lock().unwrap();
        match request.timeout {
            Some(timeout) if timeout < latency => {
                tokio::time::sleep(timeout).await;
                return Err(TransportError::Timeout(timeout));
            }
            _ => tokio::time::sleep(latency).await,
        }
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
    HttpResponse::new(status, h, Bytes::from(body.to_owned()))
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
    setup_with(policy, steps, |builder| builder)
}

/// [`setup`], with more builder settings.
fn setup_with(
    policy: RetryPolicy,
    steps: Vec<Step>,
    configure: impl FnOnce(crate::ManagementClientBuilder) -> crate::ManagementClientBuilder,
) -> Setup {
    let source = Arc::new(Source(AtomicU64::new(0), Mutex::new(Duration::ZERO)));
    let provider = TokenProvider::builder(Arc::clone(&source)).build().unwrap();
    let script = Arc::new(Script::default());
    *script.steps.lock().unwrap() = steps.into();
    *script.provider.lock().unwrap() = Some(provider.clone());
    let mock = Mock(Arc::clone(&script));
    // These tests time the retry policy alone; the rate budget has tests of its own.
    let builder = ManagementClient::builder_with_provider(provider, "https://t.example")
        .with_retry_policy(policy)
        .with_rate_budget(crate::RateBudget::off())
        .with_http_client(Arc::new(mock));
    let client = configure(builder).build().unwrap();
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

    let s = setup(
        exact(),
        vec![Box::new(|_| {
            Err(TransportError::Timeout(Duration::from_secs(30)))
        })],
    );
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
                Err(TransportError::Connect {
                    message: "could not connect".into(),
                    source: Some(Box::new(std::io::Error::other("refused"))),
                })
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
            Box::new(|_| Err(TransportError::Timeout(Duration::from_secs(30)))),
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
        vec![Box::new(|_| {
            Err(TransportError::BodyTooLarge { limit: 10 })
        })],
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

/// What Auth0 sends on every answer: a rate-limit window whose reset lies an hour ahead.
fn reset_one_hour_ahead() -> &'static [(&'static str, &'static str)] {
    let reset = (SystemTime::now() + Duration::from_secs(3600))
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let reset: &'static str = Box::leak(reset.into_boxed_str());
    Box::leak(
        vec![
            ("x-ratelimit-limit", "50"),
            ("x-ratelimit-remaining", "49"),
            ("x-ratelimit-reset", reset),
        ]
        .into_boxed_slice(),
    )
}

#[tokio::test(start_paused = true)]
async fn a_503_is_retried_on_the_backoff_not_on_the_rate_limit_reset() {
    let s = setup(
        exact(),
        vec![
            answer(503, reset_one_hour_ahead(), ERR_503),
            answer(200, reset_one_hour_ahead(), OK_CLIENT),
        ],
    );
    let start = tokio::time::Instant::now();
    s.client.execute(&GetClient::new("abc")).await.unwrap();
    // The first backoff of the policy (200 ms without jitter), not the hour to the reset.
    assert_eq!(start.elapsed(), Duration::from_millis(200));
    assert_eq!(seen(&s).len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_503_honours_retry_after_and_a_zero_wait_backs_off() {
    let s = setup(
        exact(),
        vec![
            answer(503, &[("retry-after", "3")], ERR_503),
            answer(429, &[("retry-after", "0")], "{}"),
            answer(200, &[], OK_CLIENT),
        ],
    );
    let start = tokio::time::Instant::now();
    s.client.execute(&GetClient::new("abc")).await.unwrap();
    // 3 s asked by the 503, then the second backoff (400 ms) for the zero wait.
    assert_eq!(start.elapsed(), Duration::from_millis(3400));
}

#[tokio::test(start_paused = true)]
async fn empty_ids_are_refused_before_any_request() {
    use auth0_m2m_management::users::{DeleteUser, GetUser};
    let s = setup(exact(), vec![]);
    for id in ["", "  "] {
        let e = s.client.execute(&GetUser::new(id)).await.unwrap_err();
        assert!(
            matches!(
                e,
                Error::Request(auth0_m2m_management::Error::EmptyPathParameter { .. })
            ),
            "{e:?}"
        );
        let e = s.client.execute(&DeleteUser::new(id)).await.unwrap_err();
        assert!(e.to_string().contains("empty path parameter"), "{e}");
    }
    assert!(seen(&s).is_empty());
    assert_eq!(s.source.0.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn a_checkpoint_cursor_seen_before_anywhere_in_the_walk_stops_it() {
    use auth0_m2m_management::PageRequest;
    use futures::StreamExt;
    // a → b → a: the repeat is not the last cursor, so comparing with the last one misses it.
    let s = setup(
        exact(),
        vec![
            answer(200, &[], r#"{"clients":[{"client_id":"1"}],"next":"a"}"#),
            answer(200, &[], r#"{"clients":[{"client_id":"2"}],"next":"b"}"#),
            answer(200, &[], r#"{"clients":[{"client_id":"3"}],"next":"a"}"#),
            answer(200, &[], r#"{"clients":[{"client_id":"4"}]}"#),
        ],
    );
    let pages: Vec<_> = s
        .client
        .clients()
        .list()
        .page(PageRequest::checkpoint(1).unwrap())
        .unwrap()
        .pages()
        .collect()
        .await;
    // Three real pages, then the error instead of a fourth request.
    assert_eq!(pages.len(), 4, "{pages:?}");
    assert!(pages[..3].iter().all(Result::is_ok));
    let e = pages[3].as_ref().unwrap_err();
    assert!(matches!(e, Error::Pagination { .. }), "{e:?}");
    assert!(e.to_string().contains("a second time"), "{e}");
    assert_eq!(seen(&s).len(), 3);
}

#[tokio::test(start_paused = true)]
async fn an_offset_walk_of_always_full_pages_without_total_is_bounded() {
    use auth0_m2m_management::PageRequest;
    use futures::StreamExt;
    let steps: Vec<Step> = (0..crate::MAX_OFFSET_PAGES + 5)
        .map(|_| answer(200, &[], r#"{"roles":[{"id":"rol_1"}]}"#))
        .collect();
    let s = setup(exact(), steps);
    let mut pages = s
        .client
        .roles()
        .list()
        .page(PageRequest::offset(1).unwrap())
        .unwrap()
        .pages();
    let mut ok = 0u64;
    let mut last = None;
    while let Some(page) = pages.next().await {
        match page {
            Ok(_) => ok += 1,
            Err(e) => {
                last = Some(e);
                break;
            }
        }
    }
    assert_eq!(ok, crate::MAX_OFFSET_PAGES);
    assert!(matches!(last, Some(Error::Pagination { .. })), "{last:?}");
}

#[tokio::test(start_paused = true)]
async fn call_options_reach_the_request_and_bound_the_retries() {
    use crate::CallOptions;
    let s = setup(
        exact(),
        vec![
            answer(503, &[], ERR_503),
            answer(
                200,
                &[("x-request-id", "req-9"), ("x-ratelimit-remaining", "7")],
                OK_CLIENT,
            ),
        ],
    );
    let options = CallOptions::new()
        .timeout(Duration::from_secs(3))
        .header("x-correlation-id", "job-42")
        .app_name("nightly-sync/1.2")
        .max_retries(0);
    let e = s
        .client
        .execute_with(&GetClient::new("abc"), &options)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(seen(&s).len(), 1, "max_retries(0) sends once");
    {
        let requests = s.script.requests.lock().unwrap();
        let r = &requests[0];
        assert_eq!(r.timeout, Some(Duration::from_secs(3)));
        assert_eq!(r.headers["x-correlation-id"], "job-42");
        let agent = r.headers[http::header::USER_AGENT].to_str().unwrap();
        assert!(agent.starts_with("auth0-m2m/"), "{agent}");
        assert!(agent.ends_with(" nightly-sync/1.2"), "{agent}");
    }
    // The metadata comes with the error and with the answer.
    assert_eq!(e.response_meta().unwrap().status(), 503);
    let ok = s
        .client
        .execute_with(&GetClient::new("abc"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(ok.meta().status(), 200);
    assert_eq!(ok.meta().request_id(), Some("req-9"));
    assert_eq!(ok.meta().rate_limit().remaining, Some(7));
    assert_eq!(ok.body().client_id.as_deref(), Some("abc"));
}

#[tokio::test(start_paused = true)]
async fn forbidden_call_options_send_nothing() {
    use crate::CallOptions;
    let s = setup(exact(), vec![answer(200, &[], OK_CLIENT)]);
    for options in [
        CallOptions::new().header("Authorization", "Bearer stolen"),
        CallOptions::new().header("Host", "evil.example"),
    ] {
        let e = s
            .client
            .execute_with(&GetClient::new("abc"), &options)
            .await
            .unwrap_err();
        assert!(matches!(e, Error::InvalidOptions { .. }), "{e:?}");
    }
    let e = s
        .client
        .request(Method::GET, "/api/v2/clients")
        .options(CallOptions::new().header("authorization", "x"))
        .send::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidOptions { .. }), "{e:?}");
    assert!(seen(&s).is_empty());
}

/// The request of step `i`, as handed to the transport.
fn request(s: &Setup, i: usize) -> HttpRequest {
    s.script.requests.lock().unwrap()[i].clone()
}

#[tokio::test(start_paused = true)]
async fn a_facade_call_is_sent_when_awaited_with_its_path_and_query_setters() {
    let s = setup(
        exact(),
        vec![answer(
            200,
            &[],
            r#"{"id":"act 1","name":"post-login hook"}"#,
        )],
    );
    let call = s.client.actions().get("act 1");
    assert!(
        seen(&s).is_empty(),
        "nothing is sent before the call is awaited"
    );
    let action = call.await.unwrap();
    assert_eq!(action.name.as_deref(), Some("post-login hook"));
    assert_eq!(
        seen(&s)[0].1,
        "https://t.example/api/v2/actions/actions/act%201"
    );
}

#[tokio::test(start_paused = true)]
async fn per_call_options_reach_the_wire_and_the_metadata_comes_back() {
    use crate::CallOptions;
    let s = setup(
        exact(),
        vec![answer(
            200,
            &[("x-request-id", "req-7"), ("x-ratelimit-remaining", "41")],
            r#"{"actions":[],"total":0,"page":0,"per_page":50}"#,
        )],
    );
    let response = s
        .client
        .actions()
        .list()
        .deployed(true)
        .options(
            CallOptions::new()
                .timeout(Duration::from_secs(3))
                .header("x-correlation-id", "job-42")
                .app_name("facade-test/1"),
        )
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(response.meta().request_id(), Some("req-7"));
    assert_eq!(response.meta().rate_limit().remaining, Some(41));
    let sent = request(&s, 0);
    assert_eq!(
        sent.url,
        "https://t.example/api/v2/actions/actions?deployed=true"
    );
    assert_eq!(sent.timeout, Some(Duration::from_secs(3)));
    assert_eq!(sent.headers["x-correlation-id"], "job-42");
    let agent = sent.headers[http::header::USER_AGENT].to_str().unwrap();
    assert!(agent.ends_with(" facade-test/1"), "{agent}");
}

#[tokio::test(start_paused = true)]
async fn a_retry_budget_of_zero_sends_a_call_once() {
    use crate::CallOptions;
    let s = setup(
        exact(),
        vec![
            answer(503, &[], ERR_503),
            answer(200, &[], r#"{"id":"act_1"}"#),
        ],
    );
    let e = s
        .client
        .actions()
        .get("act_1")
        .options(CallOptions::new().max_retries(0))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503), "{e:?}");
    assert_eq!(seen(&s).len(), 1);
    // Without the option the client's policy retries the same call.
    let action = s.client.actions().get("act_1").send().await.unwrap();
    assert_eq!(action.id.as_deref(), Some("act_1"));
}

#[tokio::test(start_paused = true)]
async fn awaiting_a_list_reads_one_page_and_options_apply_to_every_page() {
    use crate::CallOptions;
    use auth0_m2m_management::PageRequest;
    let role = |id: &str| format!(r#"{{"id":"{id}","name":"{id}","description":"d"}}"#);
    let page = |start: u64, id: &str| {
        let body = format!(
            r#"{{"roles":[{}],"start":{start},"limit":1,"total":2}}"#,
            role(id)
        );
        Box::new(move |_: &Script| Ok(response(200, &[], &body))) as Step
    };
    let s = setup(
        exact(),
        vec![
            Box::new(move |_: &Script| Ok(response(200, &[], &format!("[{}]", role("rol_0"))))),
            page(0, "rol_1"),
            page(1, "rol_2"),
        ],
    );
    let first = s.client.roles().list().name_filter("adm").await.unwrap();
    assert_eq!(first.items().len(), 1);
    assert_eq!(
        request(&s, 0).url,
        "https://t.example/api/v2/roles?name_filter=adm"
    );
    let all = s
        .client
        .roles()
        .list()
        .page(PageRequest::offset(1).unwrap())
        .unwrap()
        .options(CallOptions::new().header("x-correlation-id", "walk"))
        .collect_all()
        .await
        .unwrap();
    let ids: Vec<&str> = all.iter().filter_map(|r| r.id.as_deref()).collect();
    assert_eq!(ids, ["rol_1", "rol_2"]);
    for i in 1..3 {
        assert_eq!(request(&s, i).headers["x-correlation-id"], "walk");
    }
}

#[tokio::test(start_paused = true)]
async fn a_write_call_sends_its_body_and_a_deletion_reads_no_content() {
    use auth0_m2m_management::roles::CreateRoleRequestContent;
    let s = setup(
        exact(),
        vec![
            answer(
                200,
                &[],
                r#"{"id":"rol_1","name":"auditor","description":"d"}"#,
            ),
            answer(204, &[], ""),
        ],
    );
    let role = s
        .client
        .roles()
        .create(CreateRoleRequestContent::new("auditor").with_description("d"))
        .await
        .unwrap();
    assert_eq!(role.id.as_deref(), Some("rol_1"));
    let sent = request(&s, 0);
    assert_eq!(sent.method, Method::POST);
    let body: serde_json::Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"name": "auditor", "description": "d"})
    );
    s.client.roles().delete("rol_1").await.unwrap();
    assert_eq!(seen(&s)[1].0, Method::DELETE);
}

/// Makes the scripted tenant take `latency` to answer every request.
fn slow_tenant(s: &Setup, latency: Duration) {
    *s.script.latency.lock().unwrap() = latency;
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[tokio::test(start_paused = true)]
async fn a_deadline_ends_a_call_to_a_slow_tenant_on_time() {
    use crate::{CallOptions, ErrorKind};
    let s = setup(exact(), vec![answer(200, &[], OK_CLIENT)]);
    slow_tenant(&s, secs(6));
    let start = tokio::time::Instant::now();
    let e = s
        .client
        .execute_with(
            &GetClient::new("abc"),
            &CallOptions::new().deadline(secs(5)),
        )
        .await
        .unwrap_err();
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(4500) && took <= Duration::from_millis(5500),
        "{took:?}"
    );
    assert_eq!(e.kind(), ErrorKind::DeadlineExceeded);
    assert!(e.is_deadline_exceeded() && !e.is_timeout(), "{e:?}");
    assert!(e.is_retryable());
    assert!(
        matches!(e, Error::DeadlineExceeded { deadline, attempts: 1, .. } if deadline == secs(5)),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(text.contains("deadline of 5s"), "{text}");
    assert!(text.contains("GET /api/v2/clients/abc"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn the_client_deadline_applies_to_every_call_and_a_call_may_change_it() {
    use crate::CallOptions;
    let s = setup_with(
        exact(),
        vec![answer(200, &[], OK_CLIENT), answer(200, &[], OK_CLIENT)],
        |b| b.with_deadline(secs(2)),
    );
    slow_tenant(&s, secs(3));
    let start = tokio::time::Instant::now();
    let e = s.client.clients().get("abc").await.unwrap_err();
    assert!(e.is_deadline_exceeded(), "{e:?}");
    assert_eq!(start.elapsed(), secs(2));
    assert!(e.to_string().contains("deadline of 2s"), "{e}");
    // A call's own deadline replaces the client's.
    let start = tokio::time::Instant::now();
    let c = s
        .client
        .clients()
        .get("abc")
        .options(CallOptions::new().deadline(secs(4)))
        .await
        .unwrap();
    assert_eq!(c.client_id.as_deref(), Some("abc"));
    assert_eq!(start.elapsed(), secs(3));
}

#[tokio::test(start_paused = true)]
async fn retries_and_backoff_stop_at_the_deadline() {
    use crate::CallOptions;
    let policy = exact().with_max_retries(10);
    let options = CallOptions::new().deadline(secs(3));
    // Each 503 takes a second: 0–1 s, wait 200 ms, 1.2–2.2 s, wait 400 ms, then the attempt
    // from 2.6 s is cut off at 3 s.
    let s = setup(
        policy.clone(),
        (0..10).map(|_| answer(503, &[], ERR_503)).collect(),
    );
    slow_tenant(&s, secs(1));
    let start = tokio::time::Instant::now();
    let e = s
        .client
        .execute_with(&GetClient::new("abc"), &options)
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), secs(3));
    assert!(
        matches!(e, Error::DeadlineExceeded { attempts: 3, .. }),
        "{e:?}"
    );
    assert_eq!(seen(&s).len(), 3);

    // Immediate 503s: waits of 200 ms and 400 ms fit in a 1 s deadline; the next (800 ms,
    // ending at 1.4 s) does not, so the 503 is returned at 0.6 s instead of sleeping past it.
    let s = setup(policy, (0..10).map(|_| answer(503, &[], ERR_503)).collect());
    let start = tokio::time::Instant::now();
    let e = s
        .client
        .execute_with(
            &GetClient::new("abc"),
            &CallOptions::new().deadline(secs(1)),
        )
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_millis(600));
    assert_eq!(e.status(), Some(503), "{e:?}");
    assert_eq!(seen(&s).len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_longer_than_the_remaining_deadline_is_not_waited_for() {
    use crate::{CallOptions, ErrorKind};
    let s = setup(
        exact(),
        vec![
            answer(429, &[("retry-after", "4")], "{}"),
            answer(200, &[], OK_CLIENT),
        ],
    );
    slow_tenant(&s, secs(2));
    let start = tokio::time::Instant::now();
    // The 4 s asked for are shorter than the 5 s deadline, but not than the 3 s left of it
    // when the 429 arrives at 2 s.
    let e = s
        .client
        .execute_with(
            &GetClient::new("abc"),
            &CallOptions::new().deadline(secs(5)),
        )
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), secs(2), "not waited for");
    assert_eq!(
        e.kind(),
        ErrorKind::RateLimited {
            retry_after: Some(secs(4))
        }
    );
    assert_eq!(seen(&s).len(), 1);
    // Without the deadline the same answer is waited for.
    let s = setup(
        exact(),
        vec![
            answer(429, &[("retry-after", "4")], "{}"),
            answer(200, &[], OK_CLIENT),
        ],
    );
    slow_tenant(&s, secs(2));
    let start = tokio::time::Instant::now();
    s.client.execute(&GetClient::new("abc")).await.unwrap();
    assert_eq!(start.elapsed(), secs(8));
}

#[tokio::test(start_paused = true)]
async fn a_slow_token_fetch_counts_against_the_deadline() {
    use crate::CallOptions;
    let s = setup(exact(), vec![answer(200, &[], OK_CLIENT)]);
    *s.source.1.lock().unwrap() = secs(6);
    let start = tokio::time::Instant::now();
    let e = s
        .client
        .execute_with(
            &GetClient::new("abc"),
            &CallOptions::new().deadline(secs(5)),
        )
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), secs(5));
    assert!(
        matches!(e, Error::DeadlineExceeded { attempts: 0, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("0 attempts sent"), "{e}");
    assert!(seen(&s).is_empty());

    // 3 s for the token and 3 s for the answer: the answer is cut off at 5 s.
    let s = setup(exact(), vec![answer(200, &[], OK_CLIENT)]);
    *s.source.1.lock().unwrap() = secs(3);
    slow_tenant(&s, secs(3));
    let start = tokio::time::Instant::now();
    let e = s
        .client
        .execute_with(
            &GetClient::new("abc"),
            &CallOptions::new().deadline(secs(5)),
        )
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), secs(5));
    assert!(
        matches!(e, Error::DeadlineExceeded { attempts: 1, .. }),
        "{e:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_per_attempt_timeout_alone_bounds_each_attempt() {
    use crate::{CallOptions, ErrorKind};
    let s = setup(
        exact(),
        (0..4).map(|_| answer(200, &[], OK_CLIENT)).collect(),
    );
    slow_tenant(&s, secs(6));
    let start = tokio::time::Instant::now();
    let e = s
        .client
        .execute_with(&GetClient::new("abc"), &CallOptions::new().timeout(secs(5)))
        .await
        .unwrap_err();
    // Four attempts of 5 s, and backoffs of 200, 400 and 800 ms between them.
    assert_eq!(start.elapsed(), Duration::from_millis(21_400));
    assert_eq!(seen(&s).len(), 4);
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.is_timeout() && !e.is_deadline_exceeded(), "{e:?}");
    assert!(e.to_string().contains("per-attempt timeout of 5s"), "{e}");
}

#[tokio::test(start_paused = true)]
async fn a_deadline_applies_to_each_page_of_a_walk() {
    use crate::CallOptions;
    use auth0_m2m_management::PageRequest;
    let page = |start: u64, id: &'static str| {
        let body = format!(
            r#"{{"roles":[{{"id":"{id}","name":"{id}"}}],"start":{start},"limit":1,"total":3}}"#
        );
        Box::new(move |_: &Script| Ok(response(200, &[], &body))) as Step
    };
    let s = setup(
        exact(),
        vec![page(0, "rol_1"), page(1, "rol_2"), page(2, "rol_3")],
    );
    slow_tenant(&s, secs(2));
    let start = tokio::time::Instant::now();
    // Three pages of 2 s each: 6 s in all, but each page within its 3 s.
    let all = s
        .client
        .roles()
        .list()
        .page(PageRequest::offset(1).unwrap())
        .unwrap()
        .options(CallOptions::new().deadline(secs(3)))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(start.elapsed(), secs(6));
}

#[tokio::test(start_paused = true)]
async fn the_pages_of_several_lists_are_sent_together() {
    let s = setup(
        exact(),
        vec![
            answer(200, &[], r#"[{"id":"rol_1","name":"a"}]"#),
            answer(200, &[], r#"[{"id":"rol_2","name":"b"}]"#),
            answer(200, &[], r#"[{"id":"rol_3","name":"c"}]"#),
        ],
    );
    slow_tenant(&s, secs(1));
    let lists = ["a", "b", "c"].map(|name| s.client.roles().list().name_filter(name));
    let start = tokio::time::Instant::now();
    let pages = futures::future::join_all(lists.map(|list| list.send())).await;
    // Sent together: one second for the three, not three.
    assert_eq!(start.elapsed(), secs(1));
    let mut ids: Vec<String> = pages
        .into_iter()
        .flat_map(|page| page.unwrap().into_items())
        .filter_map(|role| role.id)
        .collect();
    ids.sort();
    assert_eq!(ids, ["rol_1", "rol_2", "rol_3"]);
    let mut urls: Vec<String> = seen(&s).into_iter().map(|(_, url, _)| url).collect();
    urls.sort();
    assert_eq!(
        urls,
        ["a", "b", "c"].map(|name| format!("https://t.example/api/v2/roles?name_filter={name}"))
    );
    // `send_with_response` takes the list too.
    let s = setup(
        exact(),
        vec![answer(200, &[("x-request-id", "req-1")], "[]")],
    );
    let responses =
        futures::future::join_all([s.client.roles().list()].map(|list| list.send_with_response()))
            .await;
    assert_eq!(
        responses[0].as_ref().unwrap().meta().request_id(),
        Some("req-1")
    );
}

/// An action whose `status` is `status`, as `GET /api/v2/actions/actions/{id}` answers.
fn action_with_status(status: &'static str) -> Step {
    let body = format!(r#"{{"id":"act_1","name":"add-claim","status":"{status}"}}"#);
    Box::new(move |_: &Script| Ok(response(200, &[], &body)))
}

#[tokio::test(start_paused = true)]
async fn waiting_for_a_build_polls_with_backoff_until_it_is_built() {
    let s = setup(
        exact(),
        vec![
            action_with_status("pending"),
            action_with_status("building"),
            action_with_status("built"),
        ],
    );
    let wait = s.client.actions().wait_until_built("act_1");
    assert!(
        seen(&s).is_empty(),
        "nothing is sent before the wait is awaited"
    );
    let start = tokio::time::Instant::now();
    let action = wait.await.unwrap();
    assert_eq!(action.id(), "act_1");
    // Pauses of 500 ms, then 1 s.
    assert_eq!(start.elapsed(), Duration::from_millis(1500));
    let seen = seen(&s);
    assert_eq!(seen.len(), 3);
    assert!(seen.iter().all(|(method, url, _)| *method == Method::GET
        && url == "https://t.example/api/v2/actions/actions/act_1"));
}

#[tokio::test(start_paused = true)]
async fn a_build_status_in_capitals_or_absent_counts_as_built() {
    let s = setup(
        exact(),
        vec![
            action_with_status("BUILDING"),
            action_with_status("BUILT"),
            answer(200, &[], r#"{"id":"act_1"}"#),
        ],
    );
    let action = s.client.actions().wait_until_built("act_1").await.unwrap();
    assert_eq!(action.status.unwrap().as_str(), "BUILT");
    assert_eq!(seen(&s).len(), 2);
    let action = s.client.actions().wait_until_built("act_1").await.unwrap();
    assert!(action.status.is_none());
    assert_eq!(seen(&s).len(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_failed_build_is_a_typed_error_with_the_build_errors() {
    use crate::ErrorKind;
    let failed = r#"{"id":"act_1","status":"failed","current_version":{"status":"FAILED","errors":[{"id":"BUILD_ERR","msg":"Cannot find module 'lodahs'","url":"https://example.com/e"}]}}"#;
    let s = setup(
        exact(),
        vec![
            action_with_status("building"),
            answer(200, &[], failed),
            answer(
                200,
                &[],
                r#"{"id":"act_2","status":"failed","errors":[{"msg":"syntax error\non line 2"}]}"#,
            ),
            answer(200, &[], r#"{"id":"act_3","status":"failed"}"#),
        ],
    );
    let start = tokio::time::Instant::now();
    let e = s
        .client
        .actions()
        .wait_until_built("act_1")
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_millis(500));
    assert_eq!(e.kind(), ErrorKind::ActionBuildFailed);
    assert!(!e.is_retryable());
    match &e {
        Error::ActionBuildFailed { id, status, errors } => {
            assert_eq!(id, "act_1");
            assert_eq!(status, "failed");
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0]["id"], "BUILD_ERR");
        }
        other => panic!("not a build failure: {other:?}"),
    }
    assert_eq!(
        e.to_string(),
        "the build of action act_1 failed (status failed): Cannot find module 'lodahs'"
    );
    // The action's own errors, on one line.
    let e = s
        .client
        .actions()
        .wait_until_built("act_2")
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .ends_with("failed (status failed): syntax error on line 2"),
        "{e}"
    );
    // No errors sent: the status alone.
    let e = s
        .client
        .actions()
        .wait_until_built("act_3")
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the build of action act_3 failed (status failed)"
    );
}

#[tokio::test(start_paused = true)]
async fn waiting_for_a_build_stops_at_the_deadline() {
    use crate::CallOptions;
    // Immediate answers: reads at 0, 0.5 s and 1.5 s; the next pause (2 s) would end past the
    // 3 s deadline, so the wait ends at 1.5 s without sleeping past it.
    let s = setup(
        exact(),
        (0..10).map(|_| action_with_status("building")).collect(),
    );
    let start = tokio::time::Instant::now();
    let e = s
        .client
        .actions()
        .wait_until_built("act_1")
        .options(CallOptions::new().deadline(secs(3)))
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), Duration::from_millis(1500));
    assert!(
        matches!(&e, Error::DeadlineExceeded { deadline, attempts: 3, .. } if *deadline == secs(3)),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("/api/v2/actions/actions/act_1"),
        "{e}"
    );

    // A slow tenant: the read from 2.5 s is cut off at the deadline, 3 s.
    let s = setup(
        exact(),
        (0..10).map(|_| action_with_status("building")).collect(),
    );
    slow_tenant(&s, secs(2));
    let start = tokio::time::Instant::now();
    let e = s
        .client
        .actions()
        .wait_until_built("act_1")
        .options(CallOptions::new().deadline(secs(3)))
        .await
        .unwrap_err();
    assert_eq!(start.elapsed(), secs(3));
    assert!(
        matches!(&e, Error::DeadlineExceeded { deadline, attempts: 2, .. } if *deadline == secs(3)),
        "{e:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_build_wait_without_a_deadline_is_bounded_by_the_client_or_the_default() {
    let s = setup_with(
        exact(),
        (0..20).map(|_| action_with_status("pending")).collect(),
        |b| b.with_deadline(secs(10)),
    );
    let start = tokio::time::Instant::now();
    let e = s
        .client
        .actions()
        .wait_until_built("act_1")
        .await
        .unwrap_err();
    // Reads at 0, 0.5, 1.5, 3.5 and 7.5 s; the next pause (5 s) would end past 10 s.
    assert_eq!(start.elapsed(), Duration::from_millis(7500));
    assert!(
        matches!(&e, Error::DeadlineExceeded { deadline, attempts: 5, .. } if *deadline == secs(10)),
        "{e:?}"
    );

    let s = setup(
        exact(),
        (0..100).map(|_| action_with_status("pending")).collect(),
    );
    let start = tokio::time::Instant::now();
    let e = s
        .client
        .actions()
        .wait_until_built("act_1")
        .await
        .unwrap_err();
    assert!(
        start.elapsed() <= crate::DEFAULT_BUILD_WAIT,
        "{:?}",
        start.elapsed()
    );
    assert!(
        start.elapsed() > crate::DEFAULT_BUILD_WAIT - secs(5),
        "{:?}",
        start.elapsed()
    );
    assert!(
        matches!(&e, Error::DeadlineExceeded { deadline, .. } if *deadline == crate::DEFAULT_BUILD_WAIT),
        "{e:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_read_ends_the_build_wait_with_its_error() {
    let s = setup(
        exact(),
        vec![
            action_with_status("building"),
            answer(
                404,
                &[],
                r#"{"statusCode":404,"error":"Not Found","message":"The action does not exist.","errorCode":"inexistent_action"}"#,
            ),
        ],
    );
    let e = s
        .client
        .actions()
        .wait_until_built("act_1")
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
    let e = s.client.actions().wait_until_built(" ").await.unwrap_err();
    assert!(matches!(e, Error::Request(_)), "{e:?}");
    assert_eq!(seen(&s).len(), 2);
}
