//! The budget on a scripted transport with tokio's paused clock: waits, refusals, the
//! background share, learning from headers, pauses.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use auth0_m2m_cache::{CacheKeyParts, TokenProvider, TokenSource};
use auth0_m2m_token::{AccessToken, HttpClient, HttpRequest, HttpResponse};
use bytes::Bytes;
use http::{HeaderMap, Method};
use tokio::time::Instant;

use crate::{CallOptions, Error, ErrorKind, ManagementClient, Priority, RateBudget};

struct Source;

#[async_trait]
impl TokenSource for Source {
    async fn fetch_token(&self) -> Result<AccessToken, auth0_m2m_token::Error> {
        let now = SystemTime::now();
        Ok(AccessToken::new(
            "tok",
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

type Answer = dyn Fn(usize) -> (u16, Vec<(&'static str, String)>) + Send + Sync;

/// Answers every request with what `answer` says for its index, and notes when it came.
struct Transport {
    start: Instant,
    sent: Mutex<Vec<(Duration, String)>>,
    answer: Box<Answer>,
}

#[async_trait]
impl HttpClient for Transport {
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, auth0_m2m_token::Error> {
        let n = {
            let mut sent = self.sent.lock().unwrap();
            let tag = request
                .headers
                .get("x-tag")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            sent.push((self.start.elapsed(), tag));
            sent.len() - 1
        };
        let (status, headers) = (self.answer)(n);
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(k, v.parse().unwrap());
        }
        Ok(HttpResponse::new(status, h, Bytes::from_static(b"{}")))
    }
}

fn client(budget: RateBudget, answer: Box<Answer>) -> (ManagementClient, Arc<Transport>) {
    let transport = Arc::new(Transport {
        start: Instant::now(),
        sent: Mutex::new(Vec::new()),
        answer,
    });
    let provider = TokenProvider::builder(Source).build().unwrap();
    let client = ManagementClient::builder_with_provider(provider, "https://t.example")
        .with_http_client(Arc::clone(&transport) as Arc<dyn HttpClient>)
        .with_rate_budget(budget)
        .build()
        .unwrap();
    (client, transport)
}

fn ok() -> Box<Answer> {
    Box::new(|_| (200, Vec::new()))
}

async fn get(client: &ManagementClient, options: CallOptions) -> Result<(), Error> {
    client
        .request(Method::GET, "/api/v2/stats/active-users")
        .options(options)
        .send::<serde_json::Value>()
        .await
        .map(drop)
}

fn times(t: &Transport) -> Vec<Duration> {
    t.sent.lock().unwrap().iter().map(|(d, _)| *d).collect()
}

#[tokio::test(start_paused = true)]
async fn calls_beyond_the_burst_wait_for_the_refill() {
    let (client, transport) = client(RateBudget::fixed(2, 1.0), ok());
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            get(&client, CallOptions::new()).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let mut sent = times(&transport);
    sent.sort();
    // A burst of two, then one call per 1 / 0.95 s (the budget keeps 5 % of the rate).
    let tenths: Vec<u64> = sent.iter().map(|d| d.as_millis() as u64 / 100).collect();
    assert_eq!(tenths, [0, 0, 10, 21, 31], "{sent:?}");
    let snapshot = client.rate_budget();
    assert_eq!(snapshot.waits, 3);
    let waited = snapshot.waited.as_secs_f64();
    assert!((6.3..6.35).contains(&waited), "{waited}");
    assert_eq!(snapshot.limit, Some(2));
    assert_eq!(snapshot.refused, 0);
}

#[tokio::test(start_paused = true)]
async fn a_call_whose_slot_is_beyond_its_timeout_fails_at_once_without_sending() {
    let (client, transport) = client(RateBudget::fixed(1, 0.1), ok());
    get(&client, CallOptions::new()).await.unwrap();
    let started = Instant::now();
    let err = get(&client, CallOptions::new().timeout(Duration::from_secs(2)))
        .await
        .unwrap_err();
    assert_eq!(started.elapsed(), Duration::ZERO, "failed at once");
    assert!(
        matches!(
            err,
            Error::RateBudget {
                bucket: "tenant",
                ..
            }
        ),
        "{err:?}"
    );
    let ErrorKind::RateLimited {
        retry_after: Some(retry_after),
    } = err.kind()
    else {
        panic!("{err:?}");
    };
    assert!(
        // 1 / 0.095 s to the next slot, plus this process's few milliseconds of jitter.
        retry_after > Duration::from_secs(10) && retry_after <= Duration::from_millis(10_535),
        "{retry_after:?}"
    );
    assert_eq!(err.retry_after(), Some(retry_after));
    assert!(err.is_retryable() && err.is_rate_limited());
    assert_eq!(transport.sent.lock().unwrap().len(), 1, "nothing sent");
    assert_eq!(client.rate_budget().refused, 1);
    // Within its timeout it waits instead.
    get(&client, CallOptions::new().timeout(Duration::from_secs(15)))
        .await
        .unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    assert!((10.52..10.53).contains(&elapsed), "{elapsed}");
}

#[tokio::test(start_paused = true)]
async fn background_calls_use_their_share_and_interactive_calls_do_not_queue_behind_them() {
    let (client, transport) = client(RateBudget::fixed(10, 10.0), ok());
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            get(
                &client,
                CallOptions::new()
                    .priority(Priority::Background)
                    .header("x-tag", "bg"),
            )
            .await
        }));
    }
    // One second in, the background flood is under way: an interactive call goes at once.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = Instant::now();
    get(&client, CallOptions::new().header("x-tag", "fg"))
        .await
        .unwrap();
    assert!(
        before.elapsed() < Duration::from_millis(5),
        "interactive waited {:?}",
        before.elapsed()
    );
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let sent = transport.sent.lock().unwrap().clone();
    let background: Vec<Duration> = sent
        .iter()
        .filter(|(_, tag)| tag == "bg")
        .map(|(d, _)| *d)
        .collect();
    // Half the burst at once, then half the rate, less the headroom (a burst of 9, 9.5 a
    // second): 30 calls take (30 - 4) / 4.75 = 5.47 s.
    let last = background.iter().max().unwrap().as_secs_f64();
    assert!((5.4..5.6).contains(&last), "{last}");
    let first_second = background
        .iter()
        .filter(|d| **d < Duration::from_secs(1))
        .count();
    assert!(
        first_second <= 10,
        "{first_second} background calls in the first second"
    );
}

fn headers(limit: u64, remaining: u64, reset_in: u64) -> Vec<(&'static str, String)> {
    let reset = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + reset_in;
    vec![
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-reset", reset.to_string()),
    ]
}

/// Asserts that request `i` went after a pause for a reset that answer `i - 1` put 2 s ahead:
/// the header's whole second, 1 to 2 s away by the wall clock, plus the 1 s pad plus this
/// process's jitter of at most 250 ms.
fn assert_sent_after_the_padded_reset(sent: &[Duration], i: usize) {
    assert!(
        sent[i] >= Duration::from_secs(2) && sent[i] <= Duration::from_millis(3250),
        "{sent:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn remaining_zero_pauses_until_the_padded_reset_and_the_limit_is_learned() {
    // The third answer says the bucket is empty and refills in 2 s.
    let (client, transport) = client(
        RateBudget::learned(),
        Box::new(|n| match n {
            0 => (200, headers(10, 9, 1)),
            1 => (200, headers(10, 4, 2)),
            2 => (200, headers(10, 0, 2)),
            _ => (200, headers(10, 9, 1)),
        }),
    );
    for _ in 0..4 {
        get(&client, CallOptions::new()).await.unwrap();
    }
    let sent = times(&transport);
    assert_eq!(sent[2], Duration::ZERO);
    assert_sent_after_the_padded_reset(&sent, 3);
    let snapshot = client.rate_budget();
    assert_eq!(snapshot.limit, Some(10));
    // 10 - 0 = 10 slots refill by the reset, 1 to 2 s away: at least 5 a second.
    let rate = snapshot.per_second.unwrap();
    assert!((5.0..=10.0).contains(&rate), "{rate}");
    assert_eq!(snapshot.pauses, 1);
    assert_eq!(snapshot.remaining, Some(9));
}

#[tokio::test(start_paused = true)]
async fn a_last_call_that_went_a_moment_early_pauses_only_until_one_call_is_back() {
    // The budget lets out its burst of 9 (one of 10 kept in reserve); the tenant counts the
    // ninth as its last call, as when calls reach it bunched.
    let (client, transport) = client(
        RateBudget::fixed(10, 10.0),
        Box::new(|n| match n {
            0..8 => (200, headers(10, 9 - n as u64, 1)),
            8 => (200, headers(10, 0, 2)),
            _ => (200, headers(10, 9, 1)),
        }),
    );
    for _ in 0..10 {
        get(&client, CallOptions::new()).await.unwrap();
    }
    let sent = times(&transport);
    assert_eq!(sent[8], Duration::ZERO);
    // One call back at 10 a second is 100 ms, plus this process's jitter of at most 250 ms;
    // not the reset 1 to 2 s away plus its pad.
    assert!(
        sent[9] >= Duration::from_millis(100) && sent[9] <= Duration::from_millis(350),
        "{sent:?}"
    );
    assert_eq!(client.rate_budget().pauses, 1);
}

#[tokio::test(start_paused = true)]
async fn a_bucket_empty_while_the_budget_counted_it_full_pauses_until_the_padded_reset() {
    // Something else drained the tenant's bucket: the first answer already says 0 left.
    let (client, transport) = client(
        RateBudget::fixed(10, 10.0),
        Box::new(|n| match n {
            0 => (200, headers(10, 0, 2)),
            _ => (200, headers(10, 9, 1)),
        }),
    );
    get(&client, CallOptions::new()).await.unwrap();
    get(&client, CallOptions::new()).await.unwrap();
    let sent = times(&transport);
    assert_sent_after_the_padded_reset(&sent, 1);
    assert_eq!(client.rate_budget().pauses, 1);
}

#[tokio::test(start_paused = true)]
async fn a_learned_limit_is_not_enforced_while_the_bucket_stays_nearly_full() {
    // A tenant far below its limit: each answer says a few of 1000 slots are used.
    let (client, transport) = client(
        RateBudget::learned(),
        Box::new(|n| (200, headers(1000, 1000 - 1 - (n as u64 % 50), 1))),
    );
    let mut tasks = Vec::new();
    for _ in 0..2000 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            get(&client, CallOptions::new()).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert!(
        times(&transport).iter().all(|d| d.is_zero()),
        "no call waited"
    );
    assert_eq!(client.rate_budget().waits, 0);
}

#[tokio::test(start_paused = true)]
async fn a_429_is_counted_pauses_the_bucket_and_is_retried_after_it() {
    let (client, transport) = client(
        RateBudget::learned(),
        Box::new(|n| match n {
            0 => {
                let mut h = headers(2, 0, 1);
                h.push(("retry-after", "1".to_owned()));
                (429, h)
            }
            _ => (200, headers(2, 1, 1)),
        }),
    );
    get(&client, CallOptions::new()).await.unwrap();
    let sent = times(&transport);
    assert_eq!(sent.len(), 2);
    assert!(sent[1] >= Duration::from_secs(2), "{sent:?}");
    let snapshot = client.rate_budget();
    assert_eq!(snapshot.rate_limited_answers, 1);
    assert_eq!(snapshot.pauses, 1);
}

#[tokio::test(start_paused = true)]
async fn with_the_budget_off_calls_go_at_once() {
    let (client, transport) = client(RateBudget::off(), ok());
    for _ in 0..20 {
        get(&client, CallOptions::new()).await.unwrap();
    }
    assert!(times(&transport).iter().all(|d| d.is_zero()));
    let snapshot = client.rate_budget();
    assert_eq!((snapshot.waits, snapshot.refused), (0, 0));
    assert!(!snapshot.budget.is_enabled());
}

#[tokio::test(start_paused = true)]
async fn per_endpoint_plans_keep_one_bucket_per_class() {
    let (client, transport) = client(RateBudget::plan(crate::Plan::Essentials), ok());
    // Read clients (5 at once, 100 a minute, less the headroom): 4 at once, then one per
    // 0.63 s.
    for _ in 0..6 {
        client
            .request(Method::GET, "/api/v2/clients")
            .send::<serde_json::Value>()
            .await
            .unwrap();
    }
    // Another class is not held up by that one.
    client
        .request(Method::GET, "/api/v2/users")
        .send::<serde_json::Value>()
        .await
        .unwrap();
    let ms: Vec<u128> = times(&transport).iter().map(|d| d.as_millis()).collect();
    assert_eq!(ms, [0, 0, 0, 0, 632, 1264, 1264]);
}
