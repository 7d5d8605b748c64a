//! Time rules of the provider, with tokio's paused clock and a source under test control.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use auth0_m2m_cache::{
    CacheError, CacheKey, CacheKeyParts, Lease, MemoryCache, ProviderError, RefreshPolicy,
    SharedCachePolicy, StoreOutcome, TokenCache, TokenProvider, TokenSource, TokioClock,
};
use auth0_m2m_token::{AccessToken, Error};
use tokio::time::{advance, sleep};

const LIFETIME: Duration = Duration::from_secs(1000);

#[derive(Debug)]
struct MockSource {
    clock: TokioClock,
    lifetime: Duration,
    latency: Duration,
    fetches: AtomicU64,
    down: AtomicBool,
    client_id: String,
}

impl MockSource {
    fn new(clock: TokioClock) -> Arc<Self> {
        Self::with(clock, LIFETIME, Duration::ZERO)
    }

    fn with(clock: TokioClock, lifetime: Duration, latency: Duration) -> Arc<Self> {
        Arc::new(Self {
            clock,
            lifetime,
            latency,
            fetches: AtomicU64::new(0),
            down: AtomicBool::new(false),
            client_id: format!("client-{}", rand_suffix()),
        })
    }

    fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::SeqCst)
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::Instant::now())
}

#[async_trait]
impl TokenSource for MockSource {
    async fn fetch_token(&self) -> Result<AccessToken, Error> {
        use auth0_m2m_cache::Clock;
        let started = self.clock.now();
        let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
        if !self.latency.is_zero() {
            sleep(self.latency).await;
        }
        if self.down.load(Ordering::SeqCst) {
            return Err(Error::transport("connection refused", None));
        }
        Ok(AccessToken::new(
            format!("secret-token-{n}"),
            "Bearer",
            vec!["read:clients".into()],
            started + self.lifetime,
            started,
        ))
    }

    fn cache_key_parts(&self) -> CacheKeyParts {
        CacheKeyParts::new("https://tenant.test/oauth/token", &self.client_id)
    }
}

fn no_jitter() -> RefreshPolicy {
    RefreshPolicy::default().with_soft_jitter(0.0, Duration::ZERO)
}

fn provider(source: &Arc<MockSource>, clock: TokioClock, policy: RefreshPolicy) -> TokenProvider {
    TokenProvider::builder(Arc::clone(source))
        .with_clock(Arc::new(clock))
        .with_refresh_policy(policy)
        .build()
        .unwrap()
}

/// Lets spawned tasks run without moving the clock.
async fn settle() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn fetches_once_then_serves_the_in_process_copy() {
    let clock = TokioClock::new();
    let src = MockSource::new(clock);
    let p = provider(&src, clock, no_jitter());
    let a = p.token().await.unwrap();
    for _ in 0..100 {
        assert!(p.token().await.unwrap().same_secret(&a));
    }
    let s = p.stats();
    assert_eq!((s.fetches, s.misses, s.hits), (1, 1, 100));
    assert!(s.last_fetch_at.is_some());
    assert_eq!(src.fetches(), 1);
}

#[tokio::test(start_paused = true)]
async fn soft_window_serves_current_token_and_refreshes_once_in_background() {
    let clock = TokioClock::new();
    let src = MockSource::with(clock, LIFETIME, Duration::from_secs(2));
    let p = provider(&src, clock, no_jitter());
    let first = p.token().await.unwrap();
    advance(Duration::from_secs(497)).await; // 499 s after the request was sent
    p.token().await.unwrap();
    settle().await;
    assert_eq!(src.fetches(), 1, "no refresh before half the lifetime");

    advance(Duration::from_secs(2)).await; // 501 s
    for _ in 0..50 {
        let t = p.token().await.unwrap();
        assert!(
            t.same_secret(&first),
            "callers get the current token at once"
        );
    }
    settle().await;
    assert_eq!(src.fetches(), 2, "exactly one background refresh");
    advance(Duration::from_secs(3)).await;
    settle().await;
    let t = p.token().await.unwrap();
    assert!(!t.same_secret(&first), "the refreshed token is served");
    assert_eq!(src.fetches(), 2);
    assert_eq!(p.stats().misses, 1, "nobody waited");
}

#[tokio::test(start_paused = true)]
async fn hard_margin_makes_callers_wait_for_the_single_refresh() {
    let clock = TokioClock::new();
    let src = MockSource::with(clock, LIFETIME, Duration::from_secs(5));
    // Soft point at the end: only the hard margin (min(60 s, 10 %) = 60 s) applies.
    let p = provider(&src, clock, no_jitter().with_soft_refresh_at(1.0));
    let first = p.token().await.unwrap();
    advance(Duration::from_secs(930)).await; // 935 s after the request; the margin starts at 940 s
    assert!(p.token().await.unwrap().same_secret(&first));
    settle().await;
    assert_eq!(src.fetches(), 1);
    advance(Duration::from_secs(6)).await;
    let mut calls = Vec::new();
    for _ in 0..20 {
        let p = p.clone();
        calls.push(tokio::spawn(async move { p.token().await }));
    }
    for c in calls {
        let t = c.await.unwrap().unwrap();
        assert!(!t.same_secret(&first), "waiters get the new token");
    }
    assert_eq!(src.fetches(), 2);
}

#[tokio::test(start_paused = true)]
async fn jitter_spreads_the_soft_point_within_bounds() {
    // ±5 % of 1000 s = ±50 s around 500 s.
    let clock = TokioClock::new();
    let mut points = Vec::new();
    for _ in 0..8 {
        let src = MockSource::new(clock);
        let p = provider(&src, clock, RefreshPolicy::default());
        let start = tokio::time::Instant::now();
        p.token().await.unwrap();
        // Step through the window one second at a time until a refresh starts.
        loop {
            advance(Duration::from_secs(1)).await;
            p.token().await.unwrap();
            settle().await;
            if src.fetches() == 2 {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(600),
                "no refresh by 600 s"
            );
        }
        let at = start.elapsed().as_secs();
        assert!((450..=551).contains(&at), "soft refresh at {at} s");
        points.push(at);
        // Reset the clock base for the next provider.
        advance(Duration::from_secs(1)).await;
    }
    points.sort_unstable();
    points.dedup();
    assert!(points.len() > 1, "jitter must spread refreshes: {points:?}");
}

#[tokio::test(start_paused = true)]
async fn failures_back_off_with_growing_delays_and_recover() {
    let clock = TokioClock::new();
    let src = MockSource::new(clock);
    src.down.store(true, Ordering::SeqCst);
    let p = provider(
        &src,
        clock,
        no_jitter().with_backoff(Duration::from_secs(10), Duration::from_secs(40)),
    );
    assert!(matches!(p.token().await, Err(ProviderError::Fetch(_))));
    // Within the backoff nobody hits the endpoint.
    for _ in 0..10 {
        match p.token().await {
            Err(ProviderError::BackingOff {
                retry_in,
                last_error,
                last_error_retryable,
            }) => {
                assert!(retry_in <= Duration::from_secs(10) && retry_in >= Duration::from_secs(4));
                assert!(last_error.contains("connection refused"));
                assert!(last_error_retryable);
            }
            other => panic!("expected backoff, got {other:?}"),
        }
    }
    assert_eq!(src.fetches(), 1);
    // Delays: [5, 10] s, then [10, 20] s, then [20, 40] s, then capped at [20, 40] s.
    let bounds = [(5, 10), (10, 20), (20, 40), (20, 40)];
    for (i, (lo, hi)) in bounds.iter().enumerate() {
        let before = src.fetches();
        let mut waited = 0;
        while src.fetches() == before {
            advance(Duration::from_secs(1)).await;
            waited += 1;
            let _ = p.token().await;
            assert!(waited <= *hi + 1, "attempt {i}: no retry after {waited} s");
        }
        assert!(
            waited >= *lo,
            "attempt {i}: retried after {waited} s < {lo} s"
        );
    }
    assert!(p.stats().refresh_failures >= 5);
    src.down.store(false, Ordering::SeqCst);
    advance(Duration::from_secs(41)).await;
    assert!(p.token().await.is_ok());
    assert_eq!(p.stats().refresh_failures, 5);
}

#[tokio::test(start_paused = true)]
async fn endpoint_down_until_after_expiry() {
    let clock = TokioClock::new();
    let src = MockSource::new(clock);
    let p = provider(
        &src,
        clock,
        no_jitter().with_backoff(Duration::from_secs(1), Duration::from_secs(30)),
    );
    let first = p.token().await.unwrap();
    src.down.store(true, Ordering::SeqCst);
    // Through the soft window and the hard margin the valid token keeps being served.
    for _ in 0..99 {
        advance(Duration::from_secs(10)).await;
        let t = p
            .token()
            .await
            .expect("a valid token is served while the endpoint is down");
        assert!(t.same_secret(&first));
        settle().await;
    }
    assert!(
        src.fetches() > 2,
        "the refresher kept trying: {}",
        src.fetches()
    );
    assert!(src.fetches() < 150, "with backoff: {}", src.fetches());
    // After expiry: errors, but never a flood of requests.
    advance(Duration::from_secs(11)).await;
    let before = src.fetches();
    let mut errors = 0;
    for _ in 0..100 {
        if p.token().await.is_err() {
            errors += 1;
        }
    }
    assert_eq!(errors, 100);
    assert!(src.fetches() - before <= 1);
    // The endpoint comes back: a new token after the backoff.
    src.down.store(false, Ordering::SeqCst);
    advance(Duration::from_secs(31)).await;
    let t = p.token().await.unwrap();
    assert!(!t.same_secret(&first));
}

#[tokio::test(start_paused = true)]
async fn keep_warm_refreshes_without_traffic_and_stops_on_drop() {
    let clock = TokioClock::new();
    let src = MockSource::new(clock);
    let p = TokenProvider::builder(Arc::clone(&src))
        .with_clock(Arc::new(clock))
        .with_refresh_policy(no_jitter())
        .with_keep_warm(true)
        .build()
        .unwrap();
    settle().await;
    assert_eq!(src.fetches(), 1, "keep-warm fetches the first token");
    for expected in 2..6 {
        advance(Duration::from_secs(500)).await;
        settle().await;
        assert_eq!(src.fetches(), expected);
    }
    assert_eq!(p.stats().hits + p.stats().misses, 0, "no caller was needed");
    let t = p.current_token().unwrap();
    assert!(!t.is_expired_at(auth0_m2m_cache::Clock::now(&clock)));
    drop(p);
    settle().await;
    advance(Duration::from_secs(5000)).await;
    settle().await;
    assert_eq!(src.fetches(), 5);
    assert_eq!(
        Arc::strong_count(&src),
        1,
        "the keep-warm task released the provider"
    );
}

#[tokio::test(start_paused = true)]
async fn keep_warm_retries_after_failures() {
    let clock = TokioClock::new();
    let src = MockSource::new(clock);
    src.down.store(true, Ordering::SeqCst);
    let p = TokenProvider::builder(Arc::clone(&src))
        .with_clock(Arc::new(clock))
        .with_refresh_policy(
            no_jitter().with_backoff(Duration::from_secs(2), Duration::from_secs(8)),
        )
        .with_keep_warm(true)
        .build()
        .unwrap();
    settle().await;
    for _ in 0..10 {
        advance(Duration::from_secs(8)).await;
        settle().await;
    }
    let tries = src.fetches();
    assert!((5..=41).contains(&tries), "{tries}");
    src.down.store(false, Ordering::SeqCst);
    advance(Duration::from_secs(9)).await;
    settle().await;
    assert!(p.current_token().is_some());
}

#[tokio::test(start_paused = true)]
async fn thousand_concurrent_callers_cause_one_fetch() {
    let clock = TokioClock::new();
    let src = MockSource::with(clock, LIFETIME, Duration::from_millis(200));
    let p = provider(&src, clock, no_jitter());
    let mut tasks = Vec::new();
    for _ in 0..1000 {
        let p = p.clone();
        tasks.push(tokio::spawn(async move { p.token().await }));
    }
    let mut first: Option<Arc<AccessToken>> = None;
    for t in tasks {
        let tok = t.await.unwrap().unwrap();
        if let Some(f) = &first {
            assert!(f.same_secret(&tok));
        }
        first = Some(tok);
    }
    assert_eq!(src.fetches(), 1);
}

#[tokio::test(start_paused = true)]
async fn providers_sharing_a_cache_fetch_once_and_adopt() {
    let clock = TokioClock::new();
    let src = MockSource::with(clock, LIFETIME, Duration::from_millis(200));
    let cache: Arc<dyn TokenCache> = Arc::new(MemoryCache::new());
    let mk = || {
        TokenProvider::builder(Arc::clone(&src))
            .with_clock(Arc::new(clock))
            .with_refresh_policy(no_jitter())
            .with_cache(Arc::clone(&cache))
            .build()
            .unwrap()
    };
    let providers: Vec<_> = (0..8).map(|_| mk()).collect();
    let mut tasks = Vec::new();
    for p in &providers {
        let p = p.clone();
        tasks.push(tokio::spawn(async move { p.token().await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(src.fetches(), 1);
    let adopted: u64 = providers
        .iter()
        .map(|p| p.stats().shared_cache_adoptions)
        .sum();
    assert_eq!(adopted, 7);
    // A refresh by one of them is adopted by the others in their soft window.
    advance(Duration::from_secs(501)).await;
    for p in &providers {
        p.token().await.unwrap();
        settle().await;
        advance(Duration::from_millis(300)).await;
        settle().await;
    }
    assert_eq!(src.fetches(), 2);
}

#[tokio::test(start_paused = true)]
async fn lease_loser_adopts_the_holders_token() {
    let clock = TokioClock::new();
    let src = MockSource::new(clock);
    let cache = Arc::new(MemoryCache::new());
    let p = TokenProvider::builder(Arc::clone(&src))
        .with_clock(Arc::new(clock))
        .with_cache(cache.clone())
        .build()
        .unwrap();
    let key = p.cache_key().clone();
    let lease = cache
        .try_acquire_lease(&key, Duration::from_secs(30))
        .await
        .unwrap()
        .unwrap();
    let waiter = {
        let p = p.clone();
        tokio::spawn(async move { p.token().await })
    };
    advance(Duration::from_secs(2)).await;
    let now = auth0_m2m_cache::Clock::now(&clock);
    let other = AccessToken::new(
        "from-another-process",
        "Bearer",
        vec![],
        now + LIFETIME,
        now,
    );
    cache.store_if_newer(&key, &other).await.unwrap();
    cache.release_lease(&key, lease).await.unwrap();
    let t = waiter.await.unwrap().unwrap();
    assert!(t.same_secret(&other));
    assert_eq!(src.fetches(), 0);
}

#[tokio::test(start_paused = true)]
async fn lease_loser_without_token_fetches_after_the_bound() {
    let clock = TokioClock::new();
    let src = MockSource::new(clock);
    let cache = Arc::new(MemoryCache::new());
    let p = TokenProvider::builder(Arc::clone(&src))
        .with_clock(Arc::new(clock))
        .with_cache(cache.clone())
        .with_refresh_policy(
            no_jitter().with_lease(Duration::from_secs(30), Duration::from_secs(5)),
        )
        .build()
        .unwrap();
    let _held = cache
        .try_acquire_lease(p.cache_key(), Duration::from_secs(30))
        .await
        .unwrap()
        .unwrap();
    let start = tokio::time::Instant::now();
    p.token().await.unwrap();
    assert!(start.elapsed() >= Duration::from_secs(5));
    assert!(start.elapsed() < Duration::from_secs(7));
    assert_eq!(src.fetches(), 1);
}

#[tokio::test(start_paused = true)]
async fn invalidate_removes_only_the_rejected_token() {
    let clock = TokioClock::new();
    let src = MockSource::new(clock);
    let cache = Arc::new(MemoryCache::new());
    let p = TokenProvider::builder(Arc::clone(&src))
        .with_clock(Arc::new(clock))
        .with_cache(cache.clone())
        .build()
        .unwrap();
    let first = p.token().await.unwrap();
    assert!(p.invalidate(&first).await);
    assert!(p.current_token().is_none());
    let second = p.token().await.unwrap();
    assert!(!second.same_secret(&first));
    assert_eq!(src.fetches(), 2);
    // A stale token (already replaced) does not remove the current one.
    assert!(!p.invalidate(&first).await);
    assert!(p.current_token().unwrap().same_secret(&second));
    assert!(
        cache
            .get(p.cache_key())
            .await
            .unwrap()
            .unwrap()
            .same_secret(&second)
    );
    assert!(p.token().await.unwrap().same_secret(&second));
}

/// A cache that can be switched to failing or hanging, counting its calls.
#[derive(Debug, Default)]
struct FlakyCache {
    inner: MemoryCache,
    failing: AtomicBool,
    hanging: AtomicBool,
    calls: AtomicUsize,
}

impl FlakyCache {
    async fn check(&self) -> Result<(), CacheError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.hanging.load(Ordering::SeqCst) {
            sleep(Duration::from_secs(3600)).await;
        }
        if self.failing.load(Ordering::SeqCst) {
            return Err(CacheError::backend("flaky", "connection refused"));
        }
        Ok(())
    }
}

#[async_trait]
impl TokenCache for FlakyCache {
    async fn get(&self, key: &CacheKey) -> Result<Option<AccessToken>, CacheError> {
        self.check().await?;
        self.inner.get(key).await
    }
    async fn store_if_newer(
        &self,
        key: &CacheKey,
        t: &AccessToken,
    ) -> Result<StoreOutcome, CacheError> {
        self.check().await?;
        self.inner.store_if_newer(key, t).await
    }
    async fn remove_if_matches(&self, key: &CacheKey, t: &AccessToken) -> Result<bool, CacheError> {
        self.check().await?;
        self.inner.remove_if_matches(key, t).await
    }
    async fn try_acquire_lease(
        &self,
        key: &CacheKey,
        ttl: Duration,
    ) -> Result<Option<Lease>, CacheError> {
        self.check().await?;
        self.inner.try_acquire_lease(key, ttl).await
    }
    async fn release_lease(&self, key: &CacheKey, lease: Lease) -> Result<(), CacheError> {
        self.check().await?;
        self.inner.release_lease(key, lease).await
    }
}

#[tokio::test(start_paused = true)]
async fn circuit_breaker_bypasses_a_failing_cache_and_returns_to_it() {
    let clock = TokioClock::new();
    let src = MockSource::new(clock);
    let cache = Arc::new(FlakyCache::default());
    cache.hanging.store(true, Ordering::SeqCst);
    let p = TokenProvider::builder(Arc::clone(&src))
        .with_clock(Arc::new(clock))
        .with_cache(cache.clone())
        .with_refresh_policy(
            no_jitter()
                .with_soft_refresh_at(0.0)
                .with_hard_margin(1.0, LIFETIME),
        )
        .with_shared_cache_policy(
            SharedCachePolicy::default()
                .with_op_timeout(Duration::from_millis(100))
                .with_failure_threshold(3)
                .with_cooldown(Duration::from_secs(30)),
        )
        .build()
        .unwrap();
    // Every call waits (the whole lifetime is the hard margin), so every call refreshes.
    let start = tokio::time::Instant::now();
    p.token().await.unwrap();
    assert!(p.stats().circuit_open);
    let opened_after = cache.calls.load(Ordering::SeqCst);
    assert_eq!(opened_after, 3, "the circuit opens after 3 failures");
    for _ in 0..20 {
        p.token().await.unwrap();
    }
    assert_eq!(cache.calls.load(Ordering::SeqCst), 3, "no calls while open");
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "calls are not slowed by timeouts"
    );
    assert!(p.stats().shared_cache_skipped > 0);
    // The cache recovers; after the cool-down a probe closes the circuit.
    cache.hanging.store(false, Ordering::SeqCst);
    advance(Duration::from_secs(31)).await;
    p.token().await.unwrap();
    assert!(!p.stats().circuit_open);
    assert!(cache.calls.load(Ordering::SeqCst) > 3);
    assert!(
        cache.inner.get(p.cache_key()).await.unwrap().is_some(),
        "stored again"
    );
}

#[tokio::test(start_paused = true)]
async fn failing_cache_still_serves_tokens_without_a_fetch_per_call() {
    let clock = TokioClock::new();
    let src = MockSource::new(clock);
    let cache = Arc::new(FlakyCache::default());
    cache.failing.store(true, Ordering::SeqCst);
    let p = TokenProvider::builder(Arc::clone(&src))
        .with_clock(Arc::new(clock))
        .with_cache(cache.clone())
        .build()
        .unwrap();
    for _ in 0..100 {
        p.token().await.unwrap();
    }
    assert_eq!(src.fetches(), 1);
    assert!(p.stats().shared_cache_errors >= 1);
}

#[test]
fn keep_warm_without_runtime_is_an_error_not_a_panic() {
    let src = Arc::new(MockSource {
        clock: TokioClock::starting_at(std::time::SystemTime::now()),
        lifetime: LIFETIME,
        latency: Duration::ZERO,
        fetches: AtomicU64::new(0),
        down: AtomicBool::new(false),
        client_id: "c".into(),
    });
    let r = TokenProvider::builder(src).with_keep_warm(true).build();
    assert!(matches!(r, Err(ProviderError::NoRuntime)));
}

#[tokio::test]
async fn bad_configuration_is_a_typed_error() {
    let src = MockSource::new(TokioClock::new());
    for bad in [
        TokenProvider::builder(Arc::clone(&src))
            .with_key_prefix("has space")
            .build(),
        TokenProvider::builder(Arc::clone(&src))
            .with_key_prefix("x".repeat(129))
            .build(),
        TokenProvider::builder(Arc::clone(&src))
            .with_refresh_policy(RefreshPolicy::default().with_hard_margin(-0.1, Duration::ZERO))
            .build(),
    ] {
        let e = bad.unwrap_err();
        assert!(matches!(e, ProviderError::Config { .. }), "{e}");
    }
}

#[tokio::test(start_paused = true)]
async fn debug_output_never_contains_the_token() {
    let clock = TokioClock::new();
    let src = MockSource::new(clock);
    let p = provider(&src, clock, no_jitter());
    let t = p.token().await.unwrap();
    let dbg = format!("{p:?} {p:#?} {t:?} {:?}", p.stats());
    assert!(!dbg.contains("secret-token"), "{dbg}");
    let builder = TokenProvider::builder(Arc::clone(&src));
    assert!(!format!("{builder:?}").contains("secret-token"));
}

/// Issues tokens that carry the client's quota, as the token client does with Auth0's
/// `Auth0-Client-Quota-Limit` header.
#[derive(Debug)]
struct QuotaSource {
    remaining: AtomicU64,
}

#[async_trait]
impl TokenSource for QuotaSource {
    async fn fetch_token(&self) -> Result<AccessToken, Error> {
        let now = std::time::SystemTime::now();
        let remaining = self.remaining.fetch_sub(1, Ordering::SeqCst) - 1;
        let quota = auth0_m2m_token::Quota::parse(&format!(
            "b=per_hour;q=10;r={remaining};t=3540,b=per_day;q=100;r=97;t=86340"
        ));
        Ok(
            AccessToken::new("quota-token", "Bearer", vec![], now + LIFETIME, now)
                .with_quota(quota),
        )
    }

    fn cache_key_parts(&self) -> CacheKeyParts {
        CacheKeyParts::new(
            "https://tenant.test/oauth/token",
            format!("quota-{}", rand_suffix()),
        )
    }
}

#[tokio::test]
async fn stats_show_the_last_quota_seen() {
    let provider = TokenProvider::builder(QuotaSource {
        remaining: AtomicU64::new(10),
    })
    .build()
    .unwrap();
    assert_eq!(provider.stats().last_quota, None);
    provider.token().await.unwrap();
    let quota = provider.stats().last_quota.expect("quota after a fetch");
    assert_eq!(quota.per_hour().unwrap().remaining, 9);
    assert_eq!(quota.per_day().unwrap().quota, 100);
}

/// A source whose every request fails the way an untrusted certificate does.
#[derive(Debug)]
struct UntrustedCertificate;

#[async_trait]
impl TokenSource for UntrustedCertificate {
    async fn fetch_token(&self) -> Result<AccessToken, Error> {
        Err(Error::Tls {
            message:
                "the server's certificate was refused: invalid peer certificate: UnknownIssuer"
                    .into(),
            source: None,
        })
    }

    fn cache_key_parts(&self) -> CacheKeyParts {
        CacheKeyParts::new(
            "https://tenant.test/oauth/token",
            format!("tls-{}", rand_suffix()),
        )
    }
}

#[tokio::test(start_paused = true)]
async fn a_configuration_failure_stays_not_retryable_while_backing_off() {
    let provider = TokenProvider::builder(UntrustedCertificate)
        .build()
        .unwrap();
    let first = provider.token().await.unwrap_err();
    assert!(!first.is_retryable(), "{first:?}");
    let again = provider.token().await.unwrap_err();
    assert!(
        matches!(
            again,
            ProviderError::BackingOff {
                last_error_retryable: false,
                ..
            }
        ),
        "{again:?}"
    );
    assert!(!again.is_retryable());
}
