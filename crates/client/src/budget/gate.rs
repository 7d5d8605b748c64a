//! The budget at work: [`Gate`] reserves a slot before each attempt, waits for it, learns
//! limits and pauses from each answer, and falls back to the process's own budget while the
//! shared store is unreachable.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use auth0_m2m_cache::{CellLimit, MemoryRateStore, RateRequest, RateStore, Throttle};
use auth0_m2m_token::{HttpClient, HttpRequest, HttpResponse, RateLimit};
use http::{HeaderMap, Method};
use tokio::sync::Notify;
use tokio::time::Instant;

use super::{Class, Limits, Priority, RateBudget, RateBudgetSnapshot};

/// How long one operation of the shared store may take before the call uses the in-process
/// budget instead: 250 ms.
const SHARED_TIMEOUT: Duration = Duration::from_millis(250);

/// How long the shared store is left alone after a failure before it is tried again: 1 s.
const SHARED_RETRY: Duration = Duration::from_secs(1);

/// Added to a pause computed from `x-ratelimit-reset`, whose one-second precision (and the
/// clocks' drift) can make it early: 1 s.
const RESET_PAD: Duration = Duration::from_secs(1);

/// The largest per-process jitter added to the end of a pause: 250 ms.
const MAX_PAUSE_JITTER_MS: u64 = 250;

/// The share of a bucket's sustained rate the budget lets out: 95 %. Calls reserved at
/// exactly the bucket's rate would reach Auth0 with the jitter of the network, and one that
/// arrives a little early finds the bucket a fraction of a call short; running slightly below
/// the rate lets the bucket recover that margin.
const RATE_HEADROOM: f64 = 0.95;

/// The limit the budget enforces for a bucket's `limit`: one call of a burst above two kept
/// in reserve for calls in flight, and [`RATE_HEADROOM`] of the rate.
fn with_headroom(limit: CellLimit) -> Option<CellLimit> {
    let burst = if limit.burst() > 2 {
        limit.burst() - 1
    } else {
        limit.burst()
    };
    CellLimit::new(burst, limit.per_second() * RATE_HEADROOM)
}

/// Why a call was not sent.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) bucket: &'static str,
    pub(crate) retry_after: Duration,
}

/// What the answers taught about the limit (learned mode).
#[derive(Debug, Default, Clone, Copy)]
struct Learned {
    limit: Option<u32>,
    per_second: Option<f64>,
    /// Whether an answer showed the bucket at most a fifth full: until then the rate
    /// estimate comes from a nearly full bucket, says little, and is not enforced (a tenant far
    /// below its limit is never slowed down by a guess).
    seen_low: bool,
}

#[derive(Debug, Default)]
struct Health {
    /// When the shared store may be tried again after a failure.
    retry_at: Option<Instant>,
    /// Whether the current outage has been logged.
    warned: bool,
    /// Whether the last reservation went through the shared store.
    last_shared: bool,
}

#[derive(Debug, Default)]
struct Counters {
    waits: AtomicU64,
    waited_us: AtomicU64,
    refused: AtomicU64,
    rate_limited: AtomicU64,
    pauses: AtomicU64,
    shared_failures: AtomicU64,
}

/// The rate budget of one client.
#[derive(Debug)]
pub(crate) struct Gate {
    budget: RateBudget,
    shared: Option<Arc<dyn RateStore>>,
    local: MemoryRateStore,
    /// `{cache key prefix}rate:{tenant}:`, followed by the bucket's name.
    key_prefix: String,
    /// This process's jitter, added to the end of every pause.
    jitter: Duration,
    learned: Mutex<Learned>,
    health: Mutex<Health>,
    /// The last `(limit, per_second, remaining)` seen.
    last: Mutex<(Option<u32>, Option<f64>, Option<u32>)>,
    interactive_waiting: AtomicUsize,
    interactive_done: Notify,
    /// Background calls of this process take turns, in order: only the first polls the store.
    background_turn: tokio::sync::Mutex<()>,
    counters: Counters,
}

/// Counts a waiting interactive call for as long as it lives.
struct InteractiveGuard<'a>(&'a Gate);

impl Drop for InteractiveGuard<'_> {
    fn drop(&mut self) {
        if self.0.interactive_waiting.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.interactive_done.notify_waiters();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Gate {
    /// A gate for `budget` on the tenant `tenant`, sharing through `shared` when given.
    pub(crate) fn new(
        budget: RateBudget,
        shared: Option<Arc<dyn RateStore>>,
        key_prefix: &str,
        tenant: &str,
    ) -> Self {
        Self {
            budget,
            shared,
            local: MemoryRateStore::new(),
            key_prefix: format!("{key_prefix}rate:{tenant}:"),
            jitter: Duration::from_millis(random_u64() % (MAX_PAUSE_JITTER_MS + 1)),
            learned: Mutex::new(Learned::default()),
            health: Mutex::new(Health::default()),
            last: Mutex::new((None, None, None)),
            interactive_waiting: AtomicUsize::new(0),
            interactive_done: Notify::new(),
            background_turn: tokio::sync::Mutex::new(()),
            counters: Counters::default(),
        }
    }

    /// The bucket a request draws on, and the limit the budget enforces for it when known.
    fn bucket(&self, method: &Method, path: &str) -> (&'static str, Option<CellLimit>) {
        let (bucket, limit) = self.bucket_limit(method, path);
        (bucket, limit.and_then(with_headroom))
    }

    /// The bucket a request draws on, and its limit (configured or learned) when known.
    fn bucket_limit(&self, method: &Method, path: &str) -> (&'static str, Option<CellLimit>) {
        match self.budget.limits {
            Limits::PerEndpoint => {
                let class = Class::of(method, path);
                (class.bucket(), self.budget.configured_limit(class))
            }
            Limits::Learned => {
                let l = *lock(&self.learned);
                let cell = l
                    .limit
                    .zip(l.per_second)
                    .filter(|_| l.seen_low)
                    .and_then(|(b, r)| CellLimit::new(b, r));
                ("tenant", cell)
            }
            _ => ("tenant", self.budget.configured_limit(Class::Other)),
        }
    }

    /// Sends `request` when the budget allows: reserves a slot first (waiting for it up to
    /// `max_wait`), then learns from the answer. A refusal sends nothing.
    pub(crate) async fn send(
        &self,
        http: &dyn HttpClient,
        request: HttpRequest,
        method: &Method,
        path: &str,
        priority: Priority,
        max_wait: Duration,
    ) -> Result<Result<HttpResponse, auth0_m2m_token::Error>, Refusal> {
        if !self.budget.is_enabled() {
            return Ok(http.execute(request).await);
        }
        let expected = self.admit(method, path, priority, max_wait).await?;
        let result = http.execute(request).await;
        if let Ok(response) = &result {
            self.observe(method, path, response.status, &response.headers, expected)
                .await;
        }
        Ok(result)
    }

    /// Waits for a slot of the request's bucket, at most `max_wait`. Returns the calls the
    /// budget counts left in the bucket after this one, when it enforced a limit.
    async fn admit(
        &self,
        method: &Method,
        path: &str,
        priority: Priority,
        max_wait: Duration,
    ) -> Result<Option<u32>, Refusal> {
        let started = Instant::now();
        let deadline = started + max_wait;
        let (bucket, _) = self.bucket(method, path);
        let key = format!("{}{bucket}", self.key_prefix);
        let refuse = |retry_after: Duration| {
            self.counters.refused.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                bucket,
                ?retry_after,
                ?priority,
                "rate budget: no slot within the call's timeout; not sent"
            );
            Refusal {
                bucket,
                retry_after,
            }
        };
        // Interactive calls are counted while they wait; background calls of this process
        // let them go first and take turns among themselves.
        let _interactive;
        let _turn;
        match priority {
            Priority::Interactive => {
                self.interactive_waiting.fetch_add(1, Ordering::SeqCst);
                _interactive = InteractiveGuard(self);
            }
            Priority::Background => {
                loop {
                    let done = self.interactive_done.notified();
                    if self.interactive_waiting.load(Ordering::SeqCst) == 0 {
                        break;
                    }
                    if tokio::time::timeout_at(deadline, done).await.is_err() {
                        return Err(refuse(Duration::from_millis(100)));
                    }
                }
                match tokio::time::timeout_at(deadline, self.background_turn.lock()).await {
                    Ok(turn) => _turn = turn,
                    Err(_) => return Err(refuse(Duration::from_millis(100))),
                }
            }
        }
        let mut waited = false;
        loop {
            let (_, limit) = self.bucket(method, path);
            let (_, bucket_limit) = self.bucket_limit(method, path);
            let now = Instant::now();
            let request = RateRequest {
                key: key.clone(),
                limit,
                share: match priority {
                    Priority::Background => {
                        limit.map(|l| l.share(self.budget.background_share / 100.0))
                    }
                    Priority::Interactive => None,
                },
                // Interactive calls take a slot ahead and sleep until it comes; background
                // calls take one only when it is free now, so they never hold slots that an
                // interactive call could have used.
                max_wait: match priority {
                    Priority::Interactive => deadline.saturating_duration_since(now),
                    Priority::Background => Duration::ZERO,
                },
            };
            let throttle = self.reserve(&request).await;
            {
                let mut last = lock(&self.last);
                if let Some(l) = bucket_limit {
                    *last = (
                        Some(l.burst()),
                        Some(l.per_second()),
                        Some(throttle.remaining),
                    );
                }
            }
            let wait = if throttle.allowed {
                throttle.wait
            } else if throttle.paused {
                throttle.wait + self.jitter
            } else {
                // A few milliseconds of this process's jitter spread the fleet's retries.
                throttle.wait + self.jitter / 50
            };
            if !throttle.allowed && now + wait > deadline {
                return Err(refuse(wait));
            }
            if !wait.is_zero() {
                if !waited {
                    self.counters.waits.fetch_add(1, Ordering::Relaxed);
                    waited = true;
                }
                self.counters.waited_us.fetch_add(
                    u64::try_from(wait.as_micros()).unwrap_or(u64::MAX),
                    Ordering::Relaxed,
                );
                tracing::debug!(
                    bucket,
                    ?wait,
                    ?priority,
                    paused = throttle.paused,
                    "rate budget: waiting for a slot"
                );
                tokio::time::sleep(wait).await;
            }
            if throttle.allowed {
                return Ok(limit.map(|_| throttle.remaining));
            }
        }
    }

    /// Reserves through the shared store, or this process's own while it is unreachable.
    async fn reserve(&self, request: &RateRequest) -> Throttle {
        if let Some(shared) = self.shared_store() {
            match tokio::time::timeout(SHARED_TIMEOUT, shared.reserve(request)).await {
                Ok(Ok(t)) => {
                    self.shared_ok();
                    return t;
                }
                Ok(Err(e)) => self.shared_failed(&e.to_string()),
                Err(_) => self.shared_failed("timed out"),
            }
        }
        self.local.reserve_now(request)
    }

    /// The shared store, unless it failed less than [`SHARED_RETRY`] ago.
    fn shared_store(&self) -> Option<&Arc<dyn RateStore>> {
        let shared = self.shared.as_ref()?;
        let mut health = lock(&self.health);
        match health.retry_at {
            Some(at) if Instant::now() < at => {
                health.last_shared = false;
                None
            }
            _ => Some(shared),
        }
    }

    fn shared_ok(&self) {
        let mut health = lock(&self.health);
        health.retry_at = None;
        health.last_shared = true;
        if health.warned {
            health.warned = false;
            tracing::info!(
                backend = self.backend_name(),
                "rate budget: the shared store answers again; sharing the budget"
            );
        }
    }

    fn shared_failed(&self, reason: &str) {
        self.counters
            .shared_failures
            .fetch_add(1, Ordering::Relaxed);
        let mut health = lock(&self.health);
        health.retry_at = Some(Instant::now() + SHARED_RETRY);
        health.last_shared = false;
        if !health.warned {
            health.warned = true;
            tracing::warn!(
                backend = self.backend_name(),
                reason,
                "rate budget: the shared store failed; this process keeps its own budget until it answers again"
            );
        }
    }

    /// Learns from an answer: the limit and rate (learned mode), and a pause after a 429 or
    /// `remaining: 0` (on an answer that is not a server error), set in this process and in
    /// the shared store. `expected` is what the budget counted left in the bucket after the
    /// call, when it enforced a limit.
    async fn observe(
        &self,
        method: &Method,
        path: &str,
        status: u16,
        headers: &HeaderMap,
        expected: Option<u32>,
    ) {
        let now = SystemTime::now();
        let rate = RateLimit::from_headers(headers, now);
        let (bucket, _) = self.bucket(method, path);
        let until_reset = rate
            .reset
            .map(|r| r.duration_since(now).unwrap_or_default());
        if self.budget.limits == Limits::Learned && status < 500 {
            let limit = rate
                .limit
                .and_then(|l| u32::try_from(l).ok())
                .filter(|l| *l > 0);
            if let Some(limit) = limit {
                let mut learned = lock(&self.learned);
                learned.limit = Some(limit);
                if rate
                    .remaining
                    .is_some_and(|r| r.saturating_mul(5) <= u64::from(limit))
                {
                    learned.seen_low = true;
                }
                // The bucket refills its deficit by the reset at the latest: the rate is at
                // least deficit / time to reset (at least a second, the header's precision,
                // and at most the burst per second).
                let deficit = rate
                    .remaining
                    .map(|remaining| u64::from(limit).saturating_sub(remaining))
                    .filter(|d| *d > 0);
                if let (Some(deficit), Some(to_reset)) = (deficit, until_reset) {
                    let secs = to_reset.as_secs_f64().max(1.0);
                    let estimate = (deficit as f64 / secs).min(f64::from(limit));
                    if learned.per_second.is_none_or(|r| estimate > r) {
                        learned.per_second = Some(estimate);
                        tracing::debug!(
                            limit,
                            per_second = estimate,
                            "rate budget: learned the rate"
                        );
                    }
                }
            }
        }
        if let Some(remaining) = rate.remaining.and_then(|r| u32::try_from(r).ok()) {
            let mut last = lock(&self.last);
            last.2 = Some(remaining);
            if let Some(limit) = rate.limit.and_then(|l| u32::try_from(l).ok()) {
                last.0 = Some(limit);
            }
        }
        if status == 429 {
            self.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        // A server error's rate-limit headers are not the bucket's state (Auth0 sends a reset
        // up to an hour ahead with a 503): only a 429 or another answer saying the bucket is
        // empty pauses it.
        if status == 429 || (rate.remaining == Some(0) && status < 500) {
            let to_reset = if status == 429 {
                rate.server_wait(429, now)
            } else {
                until_reset
            }
            .unwrap_or(Duration::from_secs(1))
                + RESET_PAD;
            let pause = match self.one_call_back(method, path, status, expected) {
                Some(one_call) => {
                    let pause = one_call.min(to_reset);
                    tracing::debug!(
                        bucket,
                        ?pause,
                        "rate budget: the bucket's last call went a moment early; pausing it until one call is back"
                    );
                    pause
                }
                None => {
                    tracing::warn!(
                        bucket,
                        status,
                        pause = ?to_reset,
                        "rate budget: the bucket is empty; pausing it until the reset"
                    );
                    to_reset
                }
            };
            self.counters.pauses.fetch_add(1, Ordering::Relaxed);
            let key = format!("{}{bucket}", self.key_prefix);
            self.local.pause_now(&key, pause);
            if let Some(shared) = self.shared_store() {
                match tokio::time::timeout(SHARED_TIMEOUT, shared.pause(&key, pause)).await {
                    Ok(Ok(())) => self.shared_ok(),
                    Ok(Err(e)) => self.shared_failed(&e.to_string()),
                    Err(_) => self.shared_failed("timed out"),
                }
            }
        }
    }

    /// The pause after an answer other than a 429 that took the bucket's last call, when the
    /// budget already spaces calls at the bucket's known rate and counted the bucket as nearly
    /// empty too: the time one call takes to come back. Calls reserved at the budget's pace can
    /// still reach Auth0 bunched (a busy host, the network), and the bucket then reads 0 a
    /// moment early; waiting until it is full again would idle the whole fleet for seconds.
    /// `None` (pause until the reset) after a 429, when no limit is enforced, or when the
    /// budget thought the bucket fuller: something else draws on it, and only the reset tells
    /// when it has room.
    fn one_call_back(
        &self,
        method: &Method,
        path: &str,
        status: u16,
        expected: Option<u32>,
    ) -> Option<Duration> {
        if status == 429 || expected? > 1 {
            return None;
        }
        let (_, limit) = self.bucket_limit(method, path);
        Duration::try_from_secs_f64(1.0 / limit?.per_second()).ok()
    }

    fn backend_name(&self) -> &'static str {
        self.shared.as_ref().map_or("memory", |s| s.backend_name())
    }

    /// What the budget has done so far.
    pub(crate) fn snapshot(&self) -> RateBudgetSnapshot {
        let (limit, per_second, remaining) = *lock(&self.last);
        let learned = *lock(&self.learned);
        let c = &self.counters;
        RateBudgetSnapshot {
            budget: self.budget,
            backend: self.backend_name(),
            shared: self.shared.is_some() && lock(&self.health).last_shared,
            limit: limit.or(learned.limit),
            per_second: per_second.or(learned.per_second),
            remaining,
            waits: c.waits.load(Ordering::Relaxed),
            waited: Duration::from_micros(c.waited_us.load(Ordering::Relaxed)),
            refused: c.refused.load(Ordering::Relaxed),
            rate_limited_answers: c.rate_limited.load(Ordering::Relaxed),
            pauses: c.pauses.load(Ordering::Relaxed),
            shared_failures: c.shared_failures.load(Ordering::Relaxed),
        }
    }
}

/// A random number from the operating system; 0 (no jitter) if it has none to give.
fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    match getrandom::getrandom(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => 0,
    }
}
