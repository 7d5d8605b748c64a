//! [`TokenProvider`]: the caching, refreshing token provider.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwapOption;
use auth0_m2m_token::BoxFuture;
use auth0_m2m_token::{AccessToken, Error};
use tokio::sync::watch;
use tracing::Instrument;

use crate::cache::{CacheError, Lease, TokenCache};
use crate::key::{CacheKey, DEFAULT_KEY_PREFIX};
use crate::memory::MemoryCache;
use crate::policy::{RefreshPolicy, SharedCachePolicy};
use crate::record;
use crate::source::TokenSource;
use auth0_m2m_token::{Clock, SystemClock};

/// An error of the provider.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProviderError {
    /// No valid token is available and the token request failed.
    Fetch(Error),
    /// No valid token is available and the last token request failed recently; the provider
    /// waits before asking the endpoint again.
    BackingOff {
        /// How long until the next attempt.
        retry_in: Duration,
        /// The message of the last failure.
        last_error: String,
        /// Whether the last failure was transient (a timeout, a 5xx…). `false` for a failure
        /// that waiting will not fix (bad credentials, an untrusted certificate): the caller
        /// should stop and fix the configuration.
        last_error_retryable: bool,
    },
    /// A configuration value was rejected by the builder.
    Config {
        /// The rejected setting.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The provider was used outside a tokio runtime.
    NoRuntime,
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProviderError::Fetch(e) => write!(f, "no valid token: {e}"),
            ProviderError::BackingOff {
                retry_in,
                last_error,
                ..
            } => write!(
                f,
                "no valid token: the last token request failed ({last_error}); retrying in {retry_in:?}"
            ),
            ProviderError::Config { field, reason } => {
                write!(f, "invalid provider configuration: {field}: {reason}")
            }
            ProviderError::NoRuntime => f.write_str(
                "the token provider needs a tokio runtime (call it from within a tokio runtime)",
            ),
        }
    }
}

impl std::error::Error for ProviderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProviderError::Fetch(e) => Some(e),
            _ => None,
        }
    }
}

impl ProviderError {
    /// Whether asking again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            ProviderError::Fetch(e) => e.is_retryable(),
            ProviderError::BackingOff {
                last_error_retryable,
                ..
            } => *last_error_retryable,
            ProviderError::Config { .. } | ProviderError::NoRuntime => false,
        }
    }
}

impl<T: TokenSource + ?Sized> TokenSource for Arc<T> {
    fn fetch_token<'a, 'fut>(&'a self) -> BoxFuture<'fut, Result<AccessToken, Error>>
    where
        'a: 'fut,
        Self: 'fut,
    {
        // The inner source's future is already boxed: handed on, not wrapped in another box.
        (**self).fetch_token()
    }

    fn cache_key_parts(&self) -> crate::CacheKeyParts {
        (**self).cache_key_parts()
    }
}

/// A snapshot of the provider's counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderStats {
    /// Calls answered from the in-process copy without waiting.
    pub hits: u64,
    /// Calls that had to wait for a refresh (no token, or inside the hard margin).
    pub misses: u64,
    /// Tokens adopted from the shared cache (written by another provider or process).
    pub shared_cache_adoptions: u64,
    /// Token requests sent to the token endpoint.
    pub fetches: u64,
    /// Token requests that failed.
    pub refresh_failures: u64,
    /// Shared-cache operations that failed or timed out.
    pub shared_cache_errors: u64,
    /// Shared-cache operations skipped because the circuit breaker was open.
    pub shared_cache_skipped: u64,
    /// Whether the circuit breaker is currently open.
    pub circuit_open: bool,
    /// When the last token request was sent successfully.
    pub last_fetch_at: Option<SystemTime>,
    /// The client's M2M token quota as Auth0 last reported it (`Auth0-Client-Quota-Limit`, on
    /// a token answer or a 429), when the tenant has quotas.
    pub last_quota: Option<auth0_m2m_token::Quota>,
}

/// A counter split over cache-line-sized stripes, so that threads counting hits on the hot
/// path do not contend on one cache line.
struct StripedCounter {
    stripes: [PaddedCounter; STRIPES],
}

const STRIPES: usize = 16;

#[repr(align(128))]
#[derive(Default)]
struct PaddedCounter(AtomicU64);

impl Default for StripedCounter {
    fn default() -> Self {
        Self {
            stripes: std::array::from_fn(|_| PaddedCounter::default()),
        }
    }
}

thread_local! {
    static STRIPE: usize = {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        (NEXT.fetch_add(1, Ordering::Relaxed) as usize) % STRIPES
    };
}

impl StripedCounter {
    fn bump(&self) {
        let i = STRIPE.try_with(|s| *s).unwrap_or(0);
        self.stripes[i].0.fetch_add(1, Ordering::Relaxed);
    }

    fn sum(&self) -> u64 {
        self.stripes
            .iter()
            .map(|s| s.0.load(Ordering::Relaxed))
            .fold(0, u64::wrapping_add)
    }
}

#[derive(Default)]
struct Counters {
    hits: StripedCounter,
    misses: AtomicU64,
    adoptions: AtomicU64,
    fetches: AtomicU64,
    failures: AtomicU64,
    cache_errors: AtomicU64,
    cache_skipped: AtomicU64,
    /// Milliseconds since the epoch, 0 = never.
    last_fetch_ms: AtomicU64,
    /// The quota last reported by the token endpoint.
    last_quota: Mutex<Option<auth0_m2m_token::Quota>>,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// The in-process copy of the current token with its precomputed refresh points.
struct Slot {
    token: Arc<AccessToken>,
    soft_at: SystemTime,
    hard_at: SystemTime,
}

#[derive(Default)]
struct FailureState {
    consecutive: u32,
    retry_at: Option<SystemTime>,
    last_error: Option<String>,
    last_error_retryable: bool,
}

#[derive(Default)]
struct BreakerState {
    consecutive_failures: u32,
    open_until: Option<tokio::time::Instant>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The caller has a token outside the hard margin: never wait long, never fetch without
    /// the lease.
    Background,
    /// The caller has no token it may use: it waits for the refresh.
    Blocking,
}

struct Inner {
    source: Box<dyn TokenSource>,
    cache: Arc<dyn TokenCache>,
    key: CacheKey,
    policy: RefreshPolicy,
    cache_policy: SharedCachePolicy,
    clock: Arc<dyn Clock>,
    slot: ArcSwapOption<Slot>,
    refresh_lock: tokio::sync::Mutex<()>,
    background_running: AtomicBool,
    failure: Mutex<FailureState>,
    breaker: Mutex<BreakerState>,
    revoked: Mutex<Option<AccessToken>>,
    stats: Counters,
    /// Dropped with the provider, which ends the keep-warm task.
    _shutdown: watch::Sender<()>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section below only assigns plain values, so a poisoned lock holds
    // consistent data.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Returns a valid access token, fetching it at most once per refresh across tasks, processes
/// and hosts that share its cache.
///
/// Cloning is cheap and clones share everything (the in-process copy, the counters, the
/// refresh). See the [crate documentation](crate) for the behaviour.
#[derive(Clone)]
pub struct TokenProvider {
    inner: Arc<Inner>,
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProvider")
            .field("key", &self.inner.key)
            .field("cache", &self.inner.cache)
            .field("policy", &self.inner.policy)
            .field("has_token", &self.inner.slot.load().is_some())
            .finish_non_exhaustive()
    }
}

/// Builds a [`TokenProvider`]. Created by [`TokenProvider::builder`].
///
/// | Setting | Default |
/// |---|---|
/// | cache | a new [`MemoryCache`] |
/// | key prefix | [`DEFAULT_KEY_PREFIX`] (`auth0-m2m:`) |
/// | refresh policy | [`RefreshPolicy::default`] |
/// | shared cache policy | [`SharedCachePolicy::default`] |
/// | keep-warm | off |
/// | clock | [`SystemClock`] |
pub struct TokenProviderBuilder {
    source: Box<dyn TokenSource>,
    cache: Option<Arc<dyn TokenCache>>,
    prefix: String,
    policy: RefreshPolicy,
    cache_policy: SharedCachePolicy,
    keep_warm: bool,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for TokenProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProviderBuilder")
            .field("cache", &self.cache)
            .field("prefix", &self.prefix)
            .field("policy", &self.policy)
            .field("cache_policy", &self.cache_policy)
            .field("keep_warm", &self.keep_warm)
            .finish_non_exhaustive()
    }
}

impl TokenProviderBuilder {
    /// The cache shared with other providers, processes or hosts (default: a private
    /// [`MemoryCache`]).
    pub fn with_cache(mut self, cache: Arc<dyn TokenCache>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// The prefix of the cache key (default `auth0-m2m:`). At most 128 visible ASCII characters.
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// When to refresh and how to retry (default [`RefreshPolicy::default`]).
    pub fn with_refresh_policy(mut self, policy: RefreshPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Time limits and circuit breaker of the shared cache (default
    /// [`SharedCachePolicy::default`]).
    pub fn with_shared_cache_policy(mut self, policy: SharedCachePolicy) -> Self {
        self.cache_policy = policy;
        self
    }

    /// Whether a background task refreshes the token without traffic (default off). The task
    /// stops when the last clone of the provider is dropped. Needs a tokio runtime at `build()`.
    pub fn with_keep_warm(mut self, keep_warm: bool) -> Self {
        self.keep_warm = keep_warm;
        self
    }

    /// The wall clock (default [`SystemClock`]); tests use [`TokioClock`](crate::TokioClock)
    /// with tokio's paused time.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Validates the settings and builds the provider (starting the keep-warm task if asked).
    pub fn build(self) -> Result<TokenProvider, ProviderError> {
        if self.prefix.len() > 128 || self.prefix.chars().any(|c| !c.is_ascii_graphic()) {
            return Err(ProviderError::Config {
                field: "key prefix",
                reason: "must be at most 128 visible ASCII characters (no spaces)".into(),
            });
        }
        self.policy.validate()?;
        self.cache_policy.validate()?;
        let runtime = tokio::runtime::Handle::try_current();
        if self.keep_warm && runtime.is_err() {
            return Err(ProviderError::NoRuntime);
        }
        let parts = self.source.cache_key_parts();
        let key = CacheKey::derive(&self.prefix, &parts);
        let (shutdown, shutdown_rx) = watch::channel(());
        let inner = Arc::new(Inner {
            source: self.source,
            cache: self
                .cache
                .unwrap_or_else(|| Arc::new(MemoryCache::new()) as Arc<dyn TokenCache>),
            key,
            policy: self.policy,
            cache_policy: self.cache_policy,
            clock: self.clock,
            slot: ArcSwapOption::empty(),
            refresh_lock: tokio::sync::Mutex::new(()),
            background_running: AtomicBool::new(false),
            failure: Mutex::default(),
            breaker: Mutex::default(),
            revoked: Mutex::new(None),
            stats: Counters::default(),
            _shutdown: shutdown,
        });
        if self.keep_warm
            && let Ok(handle) = runtime
        {
            handle.spawn(keep_warm(Arc::downgrade(&inner), shutdown_rx));
        }
        Ok(TokenProvider { inner })
    }
}

impl TokenProvider {
    /// Starts building a provider that obtains its tokens from `source`.
    pub fn builder(source: impl TokenSource) -> TokenProviderBuilder {
        TokenProviderBuilder {
            source: Box::new(source),
            cache: None,
            prefix: DEFAULT_KEY_PREFIX.to_owned(),
            policy: RefreshPolicy::default(),
            cache_policy: SharedCachePolicy::default(),
            keep_warm: false,
            clock: Arc::new(SystemClock),
        }
    }

    /// A valid token.
    ///
    /// With a fresh in-process copy this is a clock read and an `Arc` clone. In the soft refresh
    /// window it also starts one background refresh; with no token, or inside the hard margin,
    /// it waits for the single refresh in flight.
    pub async fn token(&self) -> Result<Arc<AccessToken>, ProviderError> {
        let inner = &self.inner;
        let now = inner.clock.now();
        {
            let guard = inner.slot.load();
            if let Some(slot) = guard.as_ref() {
                if now < slot.soft_at {
                    inner.stats.hits.bump();
                    return Ok(Arc::clone(&slot.token));
                }
                if now < slot.hard_at {
                    inner.stats.hits.bump();
                    let token = Arc::clone(&slot.token);
                    drop(guard);
                    self.spawn_background_refresh();
                    return Ok(token);
                }
            }
        }
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(ProviderError::NoRuntime);
        }
        bump(&inner.stats.misses);
        let span = tracing::debug_span!(
            "auth0_m2m_token_refresh",
            mode = "blocking",
            backend = inner.cache.backend_name(),
            key = %inner.key
        );
        inner.refresh(Mode::Blocking).instrument(span).await
    }

    /// Invalidates `token` after the API rejected it (HTTP 401): removes it from the in-process
    /// copy and from the shared cache, but only where it is still the stored token, so a newer
    /// token stored meanwhile is kept. The next [`token`](Self::token) call fetches (or adopts)
    /// a different token. Returns whether the shared cache held it.
    pub async fn invalidate(&self, token: &AccessToken) -> bool {
        let inner = &self.inner;
        *lock(&inner.revoked) = Some(token.clone());
        let current = inner.slot.load_full();
        if let Some(slot) = &current
            && slot.token.same_secret(token)
        {
            inner.slot.compare_and_swap(&current, None);
        }
        tracing::info!(key = %inner.key, "access token invalidated");
        inner
            .cache_call(
                "remove_if_matches",
                inner.cache.remove_if_matches(&inner.key, token),
            )
            .await
            .unwrap_or(false)
    }

    /// The in-process token, if any, without any I/O (it may be expired).
    pub fn current_token(&self) -> Option<Arc<AccessToken>> {
        self.inner
            .slot
            .load()
            .as_ref()
            .map(|s| Arc::clone(&s.token))
    }

    /// The cache key of this provider's tokens.
    pub fn cache_key(&self) -> &CacheKey {
        &self.inner.key
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> ProviderStats {
        let c = &self.inner.stats;
        let ms = c.last_fetch_ms.load(Ordering::Relaxed);
        ProviderStats {
            hits: c.hits.sum(),
            misses: c.misses.load(Ordering::Relaxed),
            shared_cache_adoptions: c.adoptions.load(Ordering::Relaxed),
            fetches: c.fetches.load(Ordering::Relaxed),
            refresh_failures: c.failures.load(Ordering::Relaxed),
            shared_cache_errors: c.cache_errors.load(Ordering::Relaxed),
            shared_cache_skipped: c.cache_skipped.load(Ordering::Relaxed),
            circuit_open: self.inner.circuit_open(),
            last_fetch_at: (ms != 0).then(|| UNIX_EPOCH + Duration::from_millis(ms)),
            last_quota: lock(&c.last_quota).clone(),
        }
    }

    fn spawn_background_refresh(&self) {
        let inner = &self.inner;
        if inner.background_running.load(Ordering::Relaxed)
            || inner.background_running.swap(true, Ordering::AcqRel)
        {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                let weak = Arc::downgrade(inner);
                let span = tracing::debug_span!(
                    "auth0_m2m_token_refresh",
                    mode = "background",
                    backend = inner.cache.backend_name(),
                    key = %inner.key
                );
                handle.spawn(background_refresh(weak).instrument(span));
            }
            Err(_) => inner.background_running.store(false, Ordering::Release),
        }
    }
}

/// Refreshes until a fresh token is in place, the token has expired (the next caller then
/// refreshes) or the provider is dropped. Never ends because of one error.
async fn background_refresh(weak: Weak<Inner>) {
    loop {
        let Some(inner) = weak.upgrade() else { return };
        let _ = inner.refresh(Mode::Background).await;
        let now = inner.clock.now();
        let (fresh, valid) = match inner.slot.load().as_ref() {
            Some(s) => (now < s.soft_at, now < s.token.expires_at()),
            None => (false, false),
        };
        if fresh || !valid {
            inner.background_running.store(false, Ordering::Release);
            return;
        }
        let delay = inner.retry_delay(now);
        drop(inner);
        tokio::time::sleep(delay).await;
    }
}

/// Keeps the token fresh without traffic; ends when the provider is dropped.
async fn keep_warm(weak: Weak<Inner>, mut shutdown: watch::Receiver<()>) {
    let mut last_attempt_failed = false;
    loop {
        let delay = {
            let Some(inner) = weak.upgrade() else { return };
            let now = inner.clock.now();
            let mut delay = match inner.slot.load().as_ref() {
                Some(s) => s.soft_at.duration_since(now).unwrap_or_default(),
                None => Duration::ZERO,
            };
            if last_attempt_failed {
                delay = delay.max(inner.retry_delay(now));
            }
            delay
        };
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.changed() => return,
        }
        let Some(inner) = weak.upgrade() else { return };
        let span = tracing::debug_span!(
            "auth0_m2m_token_refresh",
            mode = "keep-warm",
            backend = inner.cache.backend_name(),
            key = %inner.key
        );
        let _ = inner.refresh(Mode::Background).instrument(span).await;
        let now = inner.clock.now();
        last_attempt_failed = inner.slot.load().as_ref().is_none_or(|s| now >= s.soft_at);
    }
}

/// How a refresh that lost the lease ended.
enum Wait {
    Adopted(Arc<AccessToken>),
    Acquired(Lease),
    /// The cache failed: proceed without a lease.
    NoLease,
    /// The holder did not deliver in time.
    TimedOut,
}

impl Inner {
    fn circuit_open(&self) -> bool {
        lock(&self.breaker)
            .open_until
            .is_some_and(|until| tokio::time::Instant::now() < until)
    }

    /// Runs one shared-cache operation through the circuit breaker and the time limit. `None`
    /// when it failed or was skipped (the error is logged and counted).
    async fn cache_call<T>(
        &self,
        op: &'static str,
        fut: impl Future<Output = Result<T, CacheError>>,
    ) -> Option<T> {
        {
            let mut b = lock(&self.breaker);
            if let Some(until) = b.open_until {
                let now = tokio::time::Instant::now();
                if now < until {
                    bump(&self.stats.cache_skipped);
                    return None;
                }
                // Half-open: let this call through as the probe, and keep the circuit open for
                // everyone else until it succeeds.
                b.open_until = Some(now + self.cache_policy.cooldown);
            }
        }
        let timeout = self.cache_policy.op_timeout;
        let result = match tokio::time::timeout(timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(CacheError::Timeout { op, timeout }),
        };
        let mut b = lock(&self.breaker);
        match result {
            Ok(v) => {
                if b.open_until.is_some() {
                    tracing::info!(backend = self.cache.backend_name(), "shared cache is back");
                }
                *b = BreakerState::default();
                Some(v)
            }
            Err(e) => {
                bump(&self.stats.cache_errors);
                b.consecutive_failures += 1;
                if b.consecutive_failures >= self.cache_policy.failure_threshold {
                    if b.open_until.is_none() {
                        tracing::warn!(
                            backend = self.cache.backend_name(),
                            cooldown = ?self.cache_policy.cooldown,
                            "shared cache keeps failing; using the in-process token only"
                        );
                    }
                    b.open_until = Some(tokio::time::Instant::now() + self.cache_policy.cooldown);
                }
                tracing::warn!(op, error = %e, backend = self.cache.backend_name(), "shared cache operation failed");
                None
            }
        }
    }

    fn is_revoked(&self, token: &AccessToken) -> bool {
        lock(&self.revoked)
            .as_ref()
            .is_some_and(|r| r.same_secret(token))
    }

    /// Installs `token` as the in-process copy unless the current copy is newer.
    fn install(&self, token: Arc<AccessToken>) -> Arc<Slot> {
        let current = self.slot.load_full();
        if let Some(cur) = &current
            && (cur.token.same_secret(&token) || !record::is_newer(&token, &cur.token))
        {
            return Arc::clone(cur);
        }
        let w = self.policy.windows(&token);
        let slot = Arc::new(Slot {
            token,
            soft_at: w.soft_at,
            hard_at: w.hard_at,
        });
        self.slot.store(Some(Arc::clone(&slot)));
        slot
    }

    /// Reads the shared cache and adopts a usable token from it. Returns the token when it is
    /// fresh (before its soft refresh point).
    async fn adopt_from_cache(&self) -> Option<Arc<AccessToken>> {
        let cached = self
            .cache_call("get", self.cache.get(&self.key))
            .await
            .flatten()?;
        let now = self.clock.now();
        if cached.is_expired_at(now) || self.is_revoked(&cached) {
            return None;
        }
        let is_new = self
            .slot
            .load()
            .as_ref()
            .is_none_or(|s| !s.token.same_secret(&cached));
        let slot = self.install(Arc::new(cached));
        if now < slot.soft_at {
            if is_new {
                bump(&self.stats.adoptions);
                tracing::debug!(key = %self.key, "adopted a token from the shared cache");
            }
            return Some(Arc::clone(&slot.token));
        }
        None
    }

    fn retry_delay(&self, now: SystemTime) -> Duration {
        lock(&self.failure)
            .retry_at
            .and_then(|at| at.duration_since(now).ok())
            .unwrap_or_default()
            .max(self.policy.poll_max)
    }

    fn record_failure(&self, e: &Error) -> Duration {
        bump(&self.stats.failures);
        let mut f = lock(&self.failure);
        f.consecutive = f.consecutive.saturating_add(1);
        let delay = self.policy.backoff(f.consecutive, e.retry_after());
        f.retry_at = Some(self.clock.now() + delay);
        f.last_error = Some(e.to_string());
        f.last_error_retryable = e.is_retryable();
        tracing::warn!(error = %e, retry_in = ?delay, failures = f.consecutive, "token refresh failed");
        delay
    }

    async fn release(&self, lease: Option<Lease>) {
        if let Some(lease) = lease {
            self.cache_call("release_lease", self.cache.release_lease(&self.key, lease))
                .await;
        }
    }

    async fn wait_for_holder(&self) -> Wait {
        let deadline = tokio::time::Instant::now() + self.policy.lease_wait;
        let mut delay = self.policy.poll_initial;
        loop {
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Wait::TimedOut;
            }
            tokio::time::sleep(delay.min(deadline - now)).await;
            delay = (delay * 2).min(self.policy.poll_max);
            if let Some(t) = self.adopt_from_cache().await {
                return Wait::Adopted(t);
            }
            match self
                .cache_call(
                    "try_acquire_lease",
                    self.cache
                        .try_acquire_lease(&self.key, self.policy.lease_ttl),
                )
                .await
            {
                Some(Some(lease)) => return Wait::Acquired(lease),
                Some(None) => {}
                None => return Wait::NoLease,
            }
        }
    }

    async fn refresh(&self, mode: Mode) -> Result<Arc<AccessToken>, ProviderError> {
        let _guard = self.refresh_lock.lock().await;
        let now = self.clock.now();
        let current = self.slot.load_full();
        if let Some(s) = &current {
            // Another task refreshed while this one waited for the lock.
            if now < s.soft_at || (mode == Mode::Blocking && now < s.hard_at) {
                return Ok(Arc::clone(&s.token));
            }
        }
        let valid = current.filter(|s| now < s.token.expires_at());

        // Back off after failures: keep serving a valid token, or report the last error.
        {
            let f = lock(&self.failure);
            if let Some(retry_in) = f.retry_at.and_then(|at| at.duration_since(now).ok()) {
                if let Some(s) = &valid {
                    return Ok(Arc::clone(&s.token));
                }
                return Err(ProviderError::BackingOff {
                    retry_in,
                    last_error: f.last_error.clone().unwrap_or_default(),
                    last_error_retryable: f.last_error_retryable,
                });
            }
        }

        // Another process may have refreshed already.
        if let Some(t) = self.adopt_from_cache().await {
            return Ok(t);
        }

        let mut lease = match self
            .cache_call(
                "try_acquire_lease",
                self.cache
                    .try_acquire_lease(&self.key, self.policy.lease_ttl),
            )
            .await
        {
            Some(Some(lease)) => Some(lease),
            Some(None) => match self.wait_for_holder().await {
                Wait::Adopted(t) => return Ok(t),
                Wait::Acquired(lease) => Some(lease),
                Wait::NoLease => None,
                Wait::TimedOut => {
                    let now = self.clock.now();
                    let usable = self.slot.load_full().filter(|s| now < s.hard_at);
                    if let (Mode::Background, Some(s)) = (mode, usable) {
                        // Keep serving; the lease holder's token is adopted later.
                        return Ok(Arc::clone(&s.token));
                    }
                    tracing::info!(key = %self.key, "lease holder did not deliver a token in time; fetching");
                    None
                }
            },
            None => None,
        };

        // Re-check after taking the lease: the previous holder may have stored a token.
        if lease.is_some()
            && let Some(t) = self.adopt_from_cache().await
        {
            self.release(lease.take()).await;
            return Ok(t);
        }

        bump(&self.stats.fetches);
        let started = self.clock.now();
        let result = self.source.fetch_token().await;
        match result {
            Ok(token) => {
                {
                    let mut f = lock(&self.failure);
                    *f = FailureState::default();
                }
                let ms = started
                    .duration_since(UNIX_EPOCH)
                    .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                    .unwrap_or(1)
                    .max(1);
                self.stats.last_fetch_ms.store(ms, Ordering::Relaxed);
                if let Some(quota) = token.quota() {
                    *lock(&self.stats.last_quota) = Some(quota.clone());
                }
                tracing::info!(
                    key = %self.key,
                    expires_in = ?token.remaining_at(self.clock.now()),
                    "fetched a new access token"
                );
                self.cache_call(
                    "store_if_newer",
                    self.cache.store_if_newer(&self.key, &token),
                )
                .await;
                self.release(lease).await;
                let slot = self.install(Arc::new(token));
                Ok(Arc::clone(&slot.token))
            }
            Err(e) => {
                self.release(lease).await;
                if let Some(quota) = e.rate_limit().and_then(|r| r.client_quota.clone()) {
                    *lock(&self.stats.last_quota) = Some(quota);
                }
                self.record_failure(&e);
                let now = self.clock.now();
                match self.slot.load_full().filter(|s| now < s.token.expires_at()) {
                    Some(s) => Ok(Arc::clone(&s.token)),
                    None => Err(ProviderError::Fetch(e)),
                }
            }
        }
    }
}
