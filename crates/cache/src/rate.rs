//! Rate budgets kept next to the tokens: the generic cell rate algorithm (GCRA) and the
//! [`RateStore`] trait whose backends keep its state (in-process [`MemoryRateStore`], and the
//! Redis cache with the `redis` feature).
//!
//! A *bucket* (Auth0's tenant-wide limit, or one of its per-endpoint classes) is a token
//! bucket of `burst` slots refilled at `per_second`. The GCRA keeps one number per bucket,
//! its theoretical arrival time (TAT): the moment the bucket would be full again if nothing
//! else were sent. A call at `now` is allowed when `max(tat, now) + interval - burst ×
//! interval ≤ now`; it then moves the TAT on by one interval. This is what redis-cell's
//! `CL.THROTTLE` computes, answering "allowed, remaining, retry after".
//!
//! Two additions serve the client's priorities and its reaction to Auth0's answers:
//!
//! - an optional second cell, the *background share* (a smaller burst and rate), which a
//!   background call must pass as well as the bucket itself, so that background work never
//!   takes more than its share and live traffic always finds room;
//! - a *pause*: after a 429 or `remaining: 0`, every reservation of the bucket is refused until
//!   the pause ends, for every process sharing the store.
//!
//! A reservation may also be granted for a moment shortly ahead (up to
//! [`RateRequest::max_wait`]): the slot is then taken and the caller sleeps until it comes,
//! which queues callers in order without polling.
//!
//! Times are the store's own clock (tokio's clock in process, Redis's `TIME` for Redis), so
//! processes with different clocks share one timeline; a TAT or pause further ahead than
//! possible (the store's clock went back) is cut down to the longest legitimate value, so a
//! clock that jumps never stalls the fleet.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use auth0_m2m_token::BoxFuture;

use crate::cache::CacheError;

/// The longest a reservation may be granted ahead of time, and so the furthest a TAT can
/// legitimately be beyond a full bucket: 60 seconds.
pub const MAX_RESERVATION_AHEAD: Duration = Duration::from_secs(60);

/// The longest pause a store keeps: 120 seconds (Auth0's per-minute buckets reset within 60).
pub const MAX_PAUSE: Duration = Duration::from_secs(120);

/// One GCRA cell: a bucket of `burst` slots refilled at `per_second` slots a second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellLimit {
    burst: u32,
    per_second: f64,
}

impl CellLimit {
    /// A cell of `burst` slots (at least 1) refilled at `per_second` (finite, above zero);
    /// `None` for values outside those bounds.
    pub fn new(burst: u32, per_second: f64) -> Option<Self> {
        (burst > 0 && per_second.is_finite() && per_second > 0.0)
            .then_some(Self { burst, per_second })
    }

    /// The bucket size.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// The refill rate, in slots per second.
    pub fn per_second(&self) -> f64 {
        self.per_second
    }

    /// The emission interval (time to refill one slot) in microseconds, at least 1.
    pub fn interval_micros(&self) -> i64 {
        ((1_000_000.0 / self.per_second).round() as i64).max(1)
    }

    /// The cell a share of `fraction` (above 0, at most 1) of this one may use: the burst
    /// scaled and rounded down (at least 1), the rate scaled.
    pub fn share(&self, fraction: f64) -> Self {
        let fraction = fraction.clamp(f64::MIN_POSITIVE, 1.0);
        Self {
            burst: ((f64::from(self.burst) * fraction).floor() as u32).max(1),
            per_second: self.per_second * fraction,
        }
    }
}

/// One reservation asked of a [`RateStore`].
#[derive(Debug, Clone, PartialEq)]
pub struct RateRequest {
    /// The store key of the bucket (tenant and bucket name, with the cache's key prefix).
    pub key: String,
    /// The bucket's limit; `None` when it is not known yet (only a pause is then checked).
    pub limit: Option<CellLimit>,
    /// The background share the call must also fit in, for a background call.
    pub share: Option<CellLimit>,
    /// How far ahead a slot may be granted; zero asks for a slot now or a refusal.
    pub max_wait: Duration,
}

/// The answer to a reservation, as `CL.THROTTLE` gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    /// Whether a slot was taken.
    pub allowed: bool,
    /// When allowed, how long until the slot comes (zero: now); when refused, how long until
    /// a slot may be free (the retry-after).
    pub wait: Duration,
    /// The bucket size (0 when the limit is not known).
    pub limit: u32,
    /// The slots of the bucket still free after this reservation.
    pub remaining: u32,
    /// Whether the refusal comes from a pause (a 429 or `remaining: 0` seen by someone).
    pub paused: bool,
}

/// A store of rate-budget state, shared by the processes that use the same backend.
///
/// Both operations are atomic with respect to every other user of the store: a
/// reservation reads and writes the bucket's state in one step (one Lua script in Redis).
///
/// The async methods return a [`BoxFuture`]: implement them with
/// `#[async_trait::async_trait]` and `async fn`s, or return `Box::pin(async move { … })`
/// yourself.
pub trait RateStore: Send + Sync + fmt::Debug {
    /// Reserves one slot of the bucket (and of its background share, when given), or says
    /// how long to wait. Nothing is taken when the answer is a refusal.
    fn reserve<'a, 'b, 'fut>(
        &'a self,
        request: &'b RateRequest,
    ) -> BoxFuture<'fut, Result<Throttle, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut;

    /// Refuses every reservation of the bucket `key` for `duration` from now (on the store's
    /// clock); a longer pause already set is kept. Capped at [`MAX_PAUSE`].
    fn pause<'a, 'b, 'fut>(
        &'a self,
        key: &'b str,
        duration: Duration,
    ) -> BoxFuture<'fut, Result<(), CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut;

    /// A short name for logs and snapshots (`memory`, `redis`…).
    fn backend_name(&self) -> &'static str {
        "custom"
    }
}

/// The state of one bucket, in microseconds of the store's clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BucketState {
    /// The bucket's theoretical arrival time.
    pub tat: i64,
    /// The background share's theoretical arrival time.
    pub background_tat: i64,
    /// The end of the pause (in the past when there is none).
    pub pause_until: i64,
    /// The latest `now` this state was used at: a later `now` below it means the clock went
    /// back, and every time above is moved back by as much.
    pub seen: i64,
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

fn duration(us: i64) -> Duration {
    Duration::from_micros(u64::try_from(us).unwrap_or(0))
}

impl BucketState {
    /// The GCRA step: reserves a slot for `request` at `now` (microseconds), updating the
    /// state when it is allowed. The Redis script computes the same, line by line.
    pub fn reserve(&mut self, now: i64, request: &RateRequest) -> Throttle {
        self.follow_clock(now);
        let ahead = micros(MAX_RESERVATION_AHEAD);
        self.pause_until = self.pause_until.min(now + micros(MAX_PAUSE));
        let limit_value = request.limit.map_or(0, |l| l.burst);
        if self.pause_until > now {
            return Throttle {
                allowed: false,
                wait: duration(self.pause_until - now),
                limit: limit_value,
                remaining: 0,
                paused: true,
            };
        }
        let Some(limit) = request.limit else {
            return Throttle {
                allowed: true,
                wait: Duration::ZERO,
                limit: 0,
                remaining: 0,
                paused: false,
            };
        };
        let t = limit.interval_micros();
        let tau = t * i64::from(limit.burst);
        // A TAT beyond what any reservation could have made: the clock went back.
        self.tat = self.tat.min(now + tau + ahead);
        let mut at = (self.tat.max(now) + t - tau).max(now);
        let share = request.share.map(|s| {
            let tb = s.interval_micros();
            let taub = tb * i64::from(s.burst);
            self.background_tat = self.background_tat.min(now + taub + ahead);
            (tb, taub)
        });
        if let Some((tb, taub)) = share {
            at = at.max(self.background_tat.max(now) + tb - taub);
        }
        let wait = at - now;
        if wait > micros(request.max_wait) {
            let remaining = ((now + tau - self.tat.max(now)) / t).max(0);
            return Throttle {
                allowed: false,
                wait: duration(wait),
                limit: limit.burst,
                remaining: u32::try_from(remaining).unwrap_or(0),
                paused: false,
            };
        }
        self.tat = self.tat.max(at) + t;
        if let Some((tb, _)) = share {
            self.background_tat = self.background_tat.max(at) + tb;
        }
        let remaining = ((now + tau - self.tat) / t).max(0);
        Throttle {
            allowed: true,
            wait: duration(wait),
            limit: limit.burst,
            remaining: u32::try_from(remaining).unwrap_or(0),
            paused: false,
        }
    }

    /// Moves every time back by as much as the clock went back since the last use.
    fn follow_clock(&mut self, now: i64) {
        if now < self.seen {
            let back = self.seen - now;
            self.tat -= back;
            self.background_tat -= back;
            self.pause_until -= back;
        }
        self.seen = now;
    }

    /// Sets a pause of `duration` from `now`, keeping a longer one.
    pub fn pause(&mut self, now: i64, duration: Duration) {
        self.follow_clock(now);
        let until = now + micros(duration.min(MAX_PAUSE));
        self.pause_until = self.pause_until.max(until);
    }
}

/// An in-process [`RateStore`] on tokio's clock (so that tests can pause time): the budget
/// of one process, and what a process falls back to while its shared store is unreachable.
pub struct MemoryRateStore {
    start: tokio::time::Instant,
    buckets: Mutex<HashMap<String, BucketState>>,
}

impl fmt::Debug for MemoryRateStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let buckets = self.buckets.lock().map(|b| b.len()).unwrap_or_default();
        f.debug_struct("MemoryRateStore")
            .field("buckets", &buckets)
            .finish()
    }
}

impl Default for MemoryRateStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryRateStore {
    /// An empty store: every bucket starts full.
    pub fn new() -> Self {
        Self {
            start: tokio::time::Instant::now(),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Microseconds since the store was made, offset so that a new bucket (all zeros) is full.
    fn now(&self) -> i64 {
        micros(self.start.elapsed()) + micros(MAX_PAUSE) + micros(MAX_RESERVATION_AHEAD)
    }

    /// Reserves synchronously (the in-process store never waits on I/O).
    pub fn reserve_now(&self, request: &RateRequest) -> Throttle {
        let now = self.now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        buckets
            .entry(request.key.clone())
            .or_default()
            .reserve(now, request)
    }

    /// Pauses synchronously.
    pub fn pause_now(&self, key: &str, duration: Duration) {
        let now = self.now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        buckets
            .entry(key.to_owned())
            .or_default()
            .pause(now, duration);
    }
}

impl RateStore for MemoryRateStore {
    fn reserve<'a, 'b, 'fut>(
        &'a self,
        request: &'b RateRequest,
    ) -> BoxFuture<'fut, Result<Throttle, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut,
    {
        Box::pin(async move { Ok(self.reserve_now(request)) })
    }

    fn pause<'a, 'b, 'fut>(
        &'a self,
        key: &'b str,
        duration: Duration,
    ) -> BoxFuture<'fut, Result<(), CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut,
    {
        Box::pin(async move {
            self.pause_now(key, duration);
            Ok(())
        })
    }

    fn backend_name(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(burst: u32, per_second: f64, max_wait: Duration) -> RateRequest {
        RateRequest {
            key: "k".into(),
            limit: CellLimit::new(burst, per_second),
            share: None,
            max_wait,
        }
    }

    #[test]
    fn limits_refuse_zero_negative_and_infinite_values() {
        assert!(CellLimit::new(0, 1.0).is_none());
        assert!(CellLimit::new(1, 0.0).is_none());
        assert!(CellLimit::new(1, -2.0).is_none());
        assert!(CellLimit::new(1, f64::NAN).is_none());
        assert!(CellLimit::new(1, f64::INFINITY).is_none());
        let l = CellLimit::new(50, 16.0).unwrap();
        assert_eq!(l.interval_micros(), 62_500);
        assert_eq!(l.share(0.5), CellLimit::new(25, 8.0).unwrap());
        assert_eq!(CellLimit::new(1, 2.0).unwrap().share(0.1).burst(), 1);
    }

    #[test]
    fn a_full_bucket_allows_its_burst_then_one_per_interval() {
        let mut s = BucketState::default();
        let now = 10_000_000_000;
        let r = request(3, 2.0, Duration::ZERO);
        let answers: Vec<(bool, u32)> = (0..4)
            .map(|_| {
                let t = s.reserve(now, &r);
                (t.allowed, t.remaining)
            })
            .collect();
        assert_eq!(answers, [(true, 2), (true, 1), (true, 0), (false, 0)]);
        let refused = s.reserve(now, &r);
        assert_eq!(refused.wait, Duration::from_millis(500));
        // Half a second later one slot is back, and only one.
        let later = now + 500_000;
        assert!(s.reserve(later, &r).allowed);
        assert!(!s.reserve(later, &r).allowed);
        // A long idle time refills the bucket to its burst, not beyond.
        let idle = later + 60_000_000;
        let allowed = (0..10).filter(|_| s.reserve(idle, &r).allowed).count();
        assert_eq!(allowed, 3);
    }

    #[test]
    fn a_slot_ahead_is_granted_within_max_wait_and_queues_in_order() {
        let mut s = BucketState::default();
        let now = 10_000_000_000;
        let r = request(1, 10.0, Duration::from_millis(250));
        let waits: Vec<Option<Duration>> = (0..5)
            .map(|_| {
                let t = s.reserve(now, &r);
                t.allowed.then_some(t.wait)
            })
            .collect();
        assert_eq!(
            waits,
            [
                Some(Duration::ZERO),
                Some(Duration::from_millis(100)),
                Some(Duration::from_millis(200)),
                None,
                None
            ]
        );
    }

    #[test]
    fn the_background_share_caps_background_calls_and_leaves_room_for_others() {
        let mut s = BucketState::default();
        let now = 10_000_000_000;
        let limit = CellLimit::new(10, 10.0).unwrap();
        let background = RateRequest {
            key: "k".into(),
            limit: Some(limit),
            share: Some(limit.share(0.5)),
            max_wait: Duration::ZERO,
        };
        let interactive = RateRequest {
            share: None,
            ..background.clone()
        };
        let bg = (0..10)
            .filter(|_| s.reserve(now, &background).allowed)
            .count();
        assert_eq!(bg, 5, "background takes half the burst");
        let fg = (0..10)
            .filter(|_| s.reserve(now, &interactive).allowed)
            .count();
        assert_eq!(fg, 5, "the other half is left for interactive calls");
        // Over ten seconds of steady polling, background gets half the rate.
        let mut bg_allowed = 0;
        for ms in (0..10_000).step_by(10) {
            if s.reserve(now + ms * 1000, &background).allowed {
                bg_allowed += 1;
            }
        }
        assert!((49..=51).contains(&bg_allowed), "{bg_allowed}");
    }

    #[test]
    fn a_pause_refuses_everything_until_it_ends() {
        let mut s = BucketState::default();
        let now = 10_000_000_000;
        s.pause(now, Duration::from_secs(2));
        let r = request(5, 5.0, Duration::from_secs(10));
        let t = s.reserve(now, &r);
        assert!(!t.allowed && t.paused);
        assert_eq!(t.wait, Duration::from_secs(2));
        // A shorter pause does not shorten it.
        s.pause(now, Duration::from_secs(1));
        assert_eq!(s.reserve(now, &r).wait, Duration::from_secs(2));
        // An unknown limit checks the pause only.
        let unknown = RateRequest {
            limit: None,
            ..r.clone()
        };
        assert!(!s.reserve(now, &unknown).allowed);
        assert!(s.reserve(now + 2_000_000, &unknown).allowed);
        assert!(s.reserve(now + 2_000_000, &r).allowed);
    }

    #[test]
    fn a_clock_that_jumps_back_does_not_stall_the_bucket() {
        let mut s = BucketState::default();
        let now = 10_000_000_000;
        let r = request(2, 1.0, Duration::ZERO);
        assert!(s.reserve(now, &r).allowed);
        s.pause(now, Duration::from_secs(1));
        // The store's clock goes back an hour: the state looks an hour ahead.
        let back = now - 3_600_000_000;
        let t = s.reserve(back, &r);
        assert_eq!(
            t.wait,
            Duration::from_secs(1),
            "the pause still ends a second after it was set: {t:?}"
        );
        let after = back + 1_000_000;
        let t = s.reserve(after, &r);
        assert!(t.allowed, "{t:?}");
        // State written by a clock that was far ahead (no earlier use on this clock) is cut
        // down to what a reservation could have made.
        let mut ahead = BucketState {
            tat: now + 3_600_000_000,
            background_tat: 0,
            pause_until: now + 3_600_000_000,
            seen: 0,
        };
        let t = ahead.reserve(now, &r);
        assert_eq!(t.wait, MAX_PAUSE);
        let t = ahead.reserve(now + micros(MAX_PAUSE), &r);
        assert!(
            t.wait <= MAX_RESERVATION_AHEAD + Duration::from_secs(2),
            "{t:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_memory_store_follows_tokio_time() {
        let store = MemoryRateStore::new();
        let r = request(2, 4.0, Duration::ZERO);
        assert!(store.reserve(&r).await.unwrap().allowed);
        assert!(store.reserve(&r).await.unwrap().allowed);
        let refused = store.reserve(&r).await.unwrap();
        assert_eq!(refused.wait, Duration::from_millis(250));
        tokio::time::advance(Duration::from_millis(250)).await;
        assert!(store.reserve(&r).await.unwrap().allowed);
        store.pause("k", Duration::from_secs(3)).await.unwrap();
        assert!(store.reserve(&r).await.unwrap().paused);
        tokio::time::advance(Duration::from_secs(3)).await;
        assert!(store.reserve(&r).await.unwrap().allowed);
        assert_eq!(store.backend_name(), "memory");
    }
}
