//! Transport-level retries with exponential backoff and jitter.

use std::time::Duration;

/// How [`TokenClient::fetch_token`](crate::TokenClient::fetch_token) retries a failed request.
///
/// Retried: connection failures, timeouts, HTTP 5xx and HTTP 429. Never retried: any other
/// 4xx, invalid responses and configuration errors.
///
/// The wait before retry *n* (starting at 0) is `initial_backoff * 2^n`, capped at
/// `max_backoff`, with "equal jitter" (a random value between half and all of it). When the
/// server says how long to wait ([`RateLimit::server_wait`](crate::RateLimit::server_wait):
/// `Retry-After` on a 429 or 503, else `X-RateLimit-Reset` on a 429 only), that wait is used
/// instead (a zero wait backs off as usual), unless it is longer than `max_server_wait`: then
/// no retry is made and the error is returned at once (with its
/// [`retry_after`](crate::Error::retry_after) hint) so the caller can decide.
///
/// Defaults ([`RetryPolicy::default`]): 3 retries (4 attempts), initial backoff 200 ms,
/// maximum backoff 5 s, maximum server-requested wait 30 s, jitter on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_server_wait: Duration,
    jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_server_wait: Duration::from_secs(30),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// No retries: one attempt only.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// Sets the number of retries after the first attempt (default 3).
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the first backoff (default 200 ms).
    pub fn with_initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the longest backoff (default 5 s).
    pub fn with_max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Sets the longest server-requested wait (`Retry-After` / `X-RateLimit-Reset`) that is
    /// honoured by waiting and retrying (default 30 s).
    pub fn with_max_server_wait(mut self, wait: Duration) -> Self {
        self.max_server_wait = wait;
        self
    }

    /// Turns jitter on or off (default on). Without jitter the waits are exact, which makes
    /// tests deterministic.
    pub fn with_jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// The number of retries after the first attempt.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The first backoff.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The longest backoff.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The longest server-requested wait that is honoured.
    pub fn max_server_wait(&self) -> Duration {
        self.max_server_wait
    }

    /// Whether jitter is applied.
    pub fn jitter(&self) -> bool {
        self.jitter
    }

    /// The backoff before retry number `retry` (0-based), without a server hint.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(31));
        let base = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        if self.jitter && !base.is_zero() {
            let half = base / 2;
            let extra = random_at_most(half.as_millis().min(u64::MAX as u128) as u64);
            half + Duration::from_millis(extra)
        } else {
            base
        }
    }

    /// The wait before retry number `retry` (0-based), given the server's hint (see
    /// [`RateLimit::server_wait`](crate::RateLimit::server_wait)): `None` means "do not retry"
    /// (the hint exceeds [`max_server_wait`](Self::max_server_wait)). A hint of zero, or none,
    /// gives the exponential [`backoff`](Self::backoff), so a `Retry-After: 0` or a reset that
    /// has already passed never makes a retry loop spin.
    pub fn wait(&self, retry: u32, server_hint: Option<Duration>) -> Option<Duration> {
        match server_hint {
            Some(hint) if hint > self.max_server_wait => None,
            Some(hint) if !hint.is_zero() => Some(hint),
            _ => Some(self.backoff(retry)),
        }
    }
}

/// A uniformly random number in `0..=max`, from the operating system's random numbers.
fn random_at_most(max: u64) -> u64 {
    let draw = || {
        let mut bytes = [0u8; 8];
        getrandom::getrandom(&mut bytes)
            .expect("the operating system's random number generator failed");
        u64::from_le_bytes(bytes)
    };
    let Some(span) = max.checked_add(1) else {
        return draw();
    };
    // Rejects the draws of the incomplete last block of `span` values (no modulo bias).
    let limit = u64::MAX - u64::MAX % span;
    loop {
        let x = draw();
        if x < limit {
            return x % span;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_and_capped_without_jitter() {
        let p = RetryPolicy::default().with_jitter(false);
        assert_eq!(p.backoff(0), Duration::from_millis(200));
        assert_eq!(p.backoff(1), Duration::from_millis(400));
        assert_eq!(p.backoff(2), Duration::from_millis(800));
        assert_eq!(p.backoff(10), Duration::from_secs(5));
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(5));
    }

    #[test]
    fn jitter_stays_between_half_and_full() {
        let p = RetryPolicy::default();
        for retry in 0..6 {
            let full = RetryPolicy::default().with_jitter(false).backoff(retry);
            for _ in 0..50 {
                let d = p.backoff(retry);
                assert!(d >= full / 2 && d <= full, "{d:?} vs {full:?}");
            }
        }
    }

    #[test]
    fn server_hint_wins_unless_too_long() {
        let p = RetryPolicy::default().with_jitter(false);
        assert_eq!(
            p.wait(0, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(p.wait(0, Some(Duration::from_secs(31))), None);
        assert_eq!(p.wait(1, None), Some(Duration::from_millis(400)));
        // A zero hint backs off like no hint.
        assert_eq!(
            p.wait(2, Some(Duration::ZERO)),
            Some(Duration::from_millis(800))
        );
        assert_eq!(RetryPolicy::none().max_retries(), 0);
        // A hint of exactly the longest honoured wait is still honoured.
        assert_eq!(
            p.wait(0, Some(Duration::from_secs(30))),
            Some(Duration::from_secs(30))
        );
    }

    #[test]
    fn every_setting_is_kept_and_read_back() {
        let p = RetryPolicy::default()
            .with_max_retries(7)
            .with_initial_backoff(Duration::from_millis(30))
            .with_max_backoff(Duration::from_millis(90))
            .with_max_server_wait(Duration::from_secs(4))
            .with_jitter(false);
        assert_eq!(p.max_retries(), 7);
        assert_eq!(p.initial_backoff(), Duration::from_millis(30));
        assert_eq!(p.max_backoff(), Duration::from_millis(90));
        assert_eq!(p.max_server_wait(), Duration::from_secs(4));
        assert!(!p.jitter());
        assert!(RetryPolicy::default().jitter());
        let d = RetryPolicy::default();
        assert_eq!(d.initial_backoff(), Duration::from_millis(200));
        assert_eq!(d.max_backoff(), Duration::from_secs(5));
        assert_eq!(d.max_server_wait(), Duration::from_secs(30));
        // The settings drive the waits.
        assert_eq!(p.backoff(0), Duration::from_millis(30));
        assert_eq!(p.backoff(5), Duration::from_millis(90));
        assert_eq!(p.wait(0, Some(Duration::from_secs(5))), None);
        assert_eq!(
            p.wait(0, Some(Duration::from_secs(4))),
            Some(Duration::from_secs(4))
        );
    }

    #[test]
    fn jitter_varies_the_wait_and_without_it_the_wait_is_exact() {
        let jittered = RetryPolicy::default().with_initial_backoff(Duration::from_secs(1));
        let waits: std::collections::BTreeSet<Duration> =
            (0..64).map(|_| jittered.backoff(0)).collect();
        // 64 draws from 501 values: all equal only if the jitter is not applied.
        assert!(waits.len() > 1, "{waits:?}");
        let exact = jittered.clone().with_jitter(false);
        assert!((0..16).all(|_| exact.backoff(0) == Duration::from_secs(1)));
        // A zero backoff stays zero, with or without jitter.
        let zero = RetryPolicy::default().with_initial_backoff(Duration::ZERO);
        assert_eq!(zero.backoff(3), Duration::ZERO);
    }
}
