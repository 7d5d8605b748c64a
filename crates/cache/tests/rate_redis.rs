//! The rate budget's Redis script against the real Redis at 127.0.0.1:6379: the GCRA
//! answers, the background share, pauses, atomicity under concurrent reservations, and the
//! same answers as the in-process algorithm.
#![cfg(feature = "redis")]

use std::sync::Arc;
use std::time::Duration;

use auth0_m2m_cache::rate::BucketState;
use auth0_m2m_cache::{CellLimit, RateRequest, RateStore, RedisCache, TokenCache};

const REDIS_URL: &str = "redis://127.0.0.1:6379";

fn store() -> Arc<dyn RateStore> {
    let cache: Arc<dyn TokenCache> = Arc::new(RedisCache::builder(REDIS_URL).build().unwrap());
    cache
        .rate_store()
        .expect("the Redis cache shares a rate budget")
}

fn key(name: &str) -> String {
    format!("auth0-m2m-test:rate:{}:{name}", uuid_like())
}

fn uuid_like() -> String {
    auth0_m2m_cache::Lease::random_id()
}

fn request(key: &str, burst: u32, per_second: f64, max_wait: Duration) -> RateRequest {
    RateRequest {
        key: key.to_owned(),
        limit: CellLimit::new(burst, per_second),
        share: None,
        max_wait,
    }
}

#[tokio::test]
async fn the_script_answers_allowed_remaining_and_retry_after() {
    let store = store();
    assert_eq!(store.backend_name(), "redis");
    let k = key("tenant");
    // A slow refill (1 per 100 s) so that the test's own duration cannot refill a slot.
    let r = request(&k, 3, 0.01, Duration::ZERO);
    let mut answers = Vec::new();
    for _ in 0..4 {
        let t = store.reserve(&r).await.unwrap();
        answers.push((t.allowed, t.remaining, t.limit));
    }
    assert_eq!(
        answers,
        [(true, 2, 3), (true, 1, 3), (true, 0, 3), (false, 0, 3)]
    );
    let refused = store.reserve(&r).await.unwrap();
    assert!(!refused.allowed && !refused.paused);
    assert!(
        refused.wait > Duration::from_secs(99) && refused.wait <= Duration::from_secs(100),
        "{refused:?}"
    );
}

#[tokio::test]
async fn slots_ahead_queue_in_order_and_refill_on_redis_time() {
    let store = store();
    let k = key("tenant");
    let r = request(&k, 1, 20.0, Duration::from_millis(200));
    let mut waits = Vec::new();
    for _ in 0..6 {
        let t = store.reserve(&r).await.unwrap();
        waits.push(t.allowed.then_some(t.wait));
    }
    let granted: Vec<Duration> = waits.iter().flatten().copied().collect();
    assert!((4..=5).contains(&granted.len()), "{waits:?}");
    assert!(granted.windows(2).all(|w| w[0] < w[1]), "{waits:?}");
    assert!(waits.last().unwrap().is_none(), "{waits:?}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(store.reserve(&r).await.unwrap().allowed);
}

#[tokio::test]
async fn the_background_share_and_pauses_are_shared() {
    let a = store();
    let b = store();
    let k = key("tenant");
    let limit = CellLimit::new(10, 0.01).unwrap();
    let background = RateRequest {
        key: k.clone(),
        limit: Some(limit),
        share: Some(limit.share(0.5)),
        max_wait: Duration::ZERO,
    };
    let interactive = RateRequest {
        share: None,
        ..background.clone()
    };
    let mut bg = 0;
    for store in [&a, &b, &a, &b, &a, &b, &a, &b] {
        if store.reserve(&background).await.unwrap().allowed {
            bg += 1;
        }
    }
    assert_eq!(
        bg, 5,
        "two processes share one background share of half the burst"
    );
    let mut fg = 0;
    for _ in 0..10 {
        if b.reserve(&interactive).await.unwrap().allowed {
            fg += 1;
        }
    }
    assert_eq!(fg, 5);

    let k2 = key("tenant");
    let r = request(&k2, 50, 40.0, Duration::from_secs(5));
    assert!(a.reserve(&r).await.unwrap().allowed);
    a.pause(&k2, Duration::from_secs(3)).await.unwrap();
    let t = b.reserve(&r).await.unwrap();
    assert!(
        !t.allowed && t.paused,
        "a pause set by one is seen by the other: {t:?}"
    );
    assert!(t.wait > Duration::from_millis(2500) && t.wait <= Duration::from_secs(3));
    // A shorter pause keeps the longer one.
    b.pause(&k2, Duration::from_millis(10)).await.unwrap();
    assert!(a.reserve(&r).await.unwrap().wait > Duration::from_millis(2500));
}

#[tokio::test]
async fn concurrent_reservations_never_exceed_the_burst() {
    let k = key("tenant");
    let r = request(&k, 25, 0.01, Duration::ZERO);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store();
        let r = r.clone();
        tasks.push(tokio::spawn(async move {
            let mut allowed = 0;
            for _ in 0..10 {
                if store.reserve(&r).await.unwrap().allowed {
                    allowed += 1;
                }
            }
            allowed
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(
        total, 25,
        "80 attempts from 8 connections, exactly the burst allowed"
    );
}

#[tokio::test]
async fn the_script_and_the_in_process_algorithm_agree() {
    // Without refill between calls (a rate of one per 1000 s), Redis's answers depend on the
    // sequence only, and must be those of `BucketState::reserve`.
    let store = store();
    let k = key("tenant");
    let limit = CellLimit::new(7, 0.001).unwrap();
    let mut local = BucketState::default();
    let now = 1_000_000_000_000;
    for (i, background) in [
        true, false, true, true, false, true, true, false, false, true,
    ]
    .into_iter()
    .enumerate()
    {
        let r = RateRequest {
            key: k.clone(),
            limit: Some(limit),
            share: background.then(|| limit.share(0.4)),
            max_wait: Duration::ZERO,
        };
        let remote = store.reserve(&r).await.unwrap();
        let expected = local.reserve(now, &r);
        assert_eq!(
            (remote.allowed, remote.remaining, remote.limit),
            (expected.allowed, expected.remaining, expected.limit),
            "call {i}"
        );
    }
}

#[test]
fn the_rate_store_of_a_cache_with_a_password_never_shows_it() {
    let cache: Arc<dyn TokenCache> = Arc::new(
        RedisCache::builder("redis://user:hunter2-secret@127.0.0.1:6379")
            .build()
            .unwrap(),
    );
    let store = cache.rate_store().unwrap();
    let printed = format!("{store:?}");
    assert!(!printed.contains("hunter2-secret"), "{printed}");
    assert!(!printed.contains("user:"), "{printed}");
}
