//! Timing policies of the provider and its circuit breaker.

use std::time::{Duration, SystemTime};

use auth0_m2m_token::AccessToken;
use ring::digest::{Context, SHA256};

use crate::provider::ProviderError;

/// When tokens are refreshed, and how failures are retried.
///
/// | Setting | Default |
/// |---|---|
/// | soft refresh point | 50 % of the lifetime |
/// | soft jitter | ± 5 % of the lifetime, at most ± 5 min |
/// | hard margin | 10 % of the lifetime, at most 60 s, before expiry |
/// | failure backoff | 1 s doubling to 5 min, with jitter (server `Retry-After` wins if longer) |
/// | refresh lease | held at most 30 s |
/// | waiting for another process's refresh | at most 10 s, polling the cache every 50 ms doubling to 1 s |
///
/// From the soft refresh point callers still get the current token at once while one refresh runs
/// in the background; inside the hard margin callers wait for that refresh.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshPolicy {
    pub(crate) soft_fraction: f64,
    pub(crate) jitter_fraction: f64,
    pub(crate) jitter_max: Duration,
    pub(crate) hard_fraction: f64,
    pub(crate) hard_max: Duration,
    pub(crate) backoff_initial: Duration,
    pub(crate) backoff_max: Duration,
    pub(crate) lease_ttl: Duration,
    pub(crate) lease_wait: Duration,
    pub(crate) poll_initial: Duration,
    pub(crate) poll_max: Duration,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            soft_fraction: 0.5,
            jitter_fraction: 0.05,
            jitter_max: Duration::from_secs(300),
            hard_fraction: 0.10,
            hard_max: Duration::from_secs(60),
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(300),
            lease_ttl: Duration::from_secs(30),
            lease_wait: Duration::from_secs(10),
            poll_initial: Duration::from_millis(50),
            poll_max: Duration::from_secs(1),
        }
    }
}

/// The refresh points computed for one token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Windows {
    pub(crate) soft_at: SystemTime,
    pub(crate) hard_at: SystemTime,
}

impl RefreshPolicy {
    /// The soft refresh point as a fraction of the lifetime (default `0.5`). Must be in `0..=1`.
    pub fn with_soft_refresh_at(mut self, fraction_of_lifetime: f64) -> Self {
        self.soft_fraction = fraction_of_lifetime;
        self
    }

    /// The jitter of the soft refresh point: spread uniformly over ± `fraction_of_lifetime` of
    /// the lifetime, capped at ± `max` (default `0.05`, 5 min).
    ///
    /// The offset is derived from the token itself (a hash of its value and expiry), not drawn
    /// at random: every process holding the same shared token picks the same refresh point, so
    /// a fleet refreshes it once per period instead of whenever its most impatient process
    /// would; different tokens (other clients, or processes that each fetch their own) still
    /// spread their refreshes over the window.
    pub fn with_soft_jitter(mut self, fraction_of_lifetime: f64, max: Duration) -> Self {
        self.jitter_fraction = fraction_of_lifetime;
        self.jitter_max = max;
        self
    }

    /// The hard margin before expiry: `fraction_of_lifetime` of the lifetime, capped at `max`
    /// (default `0.10`, 60 s). Inside it, callers wait for the refresh.
    pub fn with_hard_margin(mut self, fraction_of_lifetime: f64, max: Duration) -> Self {
        self.hard_fraction = fraction_of_lifetime;
        self.hard_max = max;
        self
    }

    /// The backoff after a failed refresh: `initial`, doubling per consecutive failure up to
    /// `max`, with jitter (default 1 s, 5 min).
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.backoff_initial = initial;
        self.backoff_max = max;
        self
    }

    /// How long a refresh lease is held at most (`ttl`, default 30 s) and how long a process
    /// that lost the lease waits for the holder's token before fetching itself (`wait`, default
    /// 10 s).
    pub fn with_lease(mut self, ttl: Duration, wait: Duration) -> Self {
        self.lease_ttl = ttl;
        self.lease_wait = wait;
        self
    }

    /// The polling of the shared cache while another process refreshes: `initial` doubling to
    /// `max` (default 50 ms, 1 s).
    pub fn with_poll_interval(mut self, initial: Duration, max: Duration) -> Self {
        self.poll_initial = initial;
        self.poll_max = max;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), ProviderError> {
        let fraction = |name: &'static str, v: f64| {
            if v.is_finite() && (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(ProviderError::Config {
                    field: name,
                    reason: format!("must be a fraction between 0 and 1, got {v}"),
                })
            }
        };
        fraction("soft refresh point", self.soft_fraction)?;
        fraction("soft jitter", self.jitter_fraction)?;
        fraction("hard margin", self.hard_fraction)?;
        let positive = |name: &'static str, v: Duration| {
            if v.is_zero() {
                Err(ProviderError::Config {
                    field: name,
                    reason: "must be greater than zero".into(),
                })
            } else {
                Ok(())
            }
        };
        positive("backoff initial delay", self.backoff_initial)?;
        positive("lease ttl", self.lease_ttl)?;
        positive("poll interval", self.poll_initial)?;
        if self.backoff_max < self.backoff_initial {
            return Err(ProviderError::Config {
                field: "backoff maximum delay",
                reason: "must not be shorter than the initial delay".into(),
            });
        }
        if self.poll_max < self.poll_initial {
            return Err(ProviderError::Config {
                field: "poll interval maximum",
                reason: "must not be shorter than the initial interval".into(),
            });
        }
        Ok(())
    }

    /// The largest jitter applied to a token of `lifetime`.
    pub fn max_jitter(&self, lifetime: Duration) -> Duration {
        lifetime.mul_f64(self.jitter_fraction).min(self.jitter_max)
    }

    /// The hard margin of a token of `lifetime`.
    pub fn hard_margin(&self, lifetime: Duration) -> Duration {
        lifetime.mul_f64(self.hard_fraction).min(self.hard_max)
    }

    pub(crate) fn windows(&self, token: &AccessToken) -> Windows {
        let lifetime = token.lifetime();
        let hard_at = token
            .expires_at()
            .checked_sub(self.hard_margin(lifetime))
            .unwrap_or(token.obtained_at());
        let base = token.obtained_at() + lifetime.mul_f64(self.soft_fraction);
        let jitter = self.max_jitter(lifetime);
        let soft_at = if jitter.is_zero() {
            base
        } else {
            let offset = token_spread(token) * jitter.as_secs_f64();
            if offset >= 0.0 {
                base + Duration::from_secs_f64(offset)
            } else {
                base.checked_sub(Duration::from_secs_f64(-offset))
                    .unwrap_or(base)
            }
        };
        Windows {
            soft_at: soft_at.min(hard_at),
            hard_at,
        }
    }

    /// The delay before retrying after `consecutive` failures (1-based), with "equal jitter":
    /// between half and all of the exponential delay; at least `server_hint` when the server
    /// asked to wait.
    pub(crate) fn backoff(&self, consecutive: u32, server_hint: Option<Duration>) -> Duration {
        let exp = consecutive.saturating_sub(1).min(30);
        let base = self
            .backoff_initial
            .saturating_mul(1u32 << exp)
            .min(self.backoff_max);
        let half = base / 2;
        let jittered = half
            + half.mul_f64(unit_interval(u64::from_le_bytes(
                crate::cache::random_bytes(),
            )));
        match server_hint {
            Some(hint) => jittered.max(hint.min(Duration::from_secs(3600))),
            None => jittered,
        }
    }
}

/// A number in `-1.0..=1.0`, uniformly spread over tokens, that is the same in every process
/// holding `token`: derived from a SHA-256 hash of its value and its expiry.
fn token_spread(token: &AccessToken) -> f64 {
    let expires = token
        .expires_at()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let mut context = Context::new(&SHA256);
    context.update(token.expose_secret().as_bytes());
    context.update(&expires.to_le_bytes());
    let digest = context.finish();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest.as_ref()[..8]);
    // The top 53 bits give an exact f64 in [0, 1].
    let unit = (u64::from_le_bytes(first) >> 11) as f64 / ((1u64 << 53) - 1) as f64;
    unit * 2.0 - 1.0
}

/// How the provider protects itself from a slow or failing shared cache.
///
/// | Setting | Default |
/// |---|---|
/// | time limit of one cache operation | 500 ms |
/// | consecutive failures that open the circuit | 3 |
/// | cool-down before a probe call | 30 s |
///
/// While the circuit is open, the provider does not call the shared cache at all: it serves
/// its in-process token and fetches from the token endpoint itself (one request per process).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedCachePolicy {
    pub(crate) op_timeout: Duration,
    pub(crate) failure_threshold: u32,
    pub(crate) cooldown: Duration,
}

impl Default for SharedCachePolicy {
    fn default() -> Self {
        Self {
            op_timeout: Duration::from_millis(500),
            failure_threshold: 3,
            cooldown: Duration::from_secs(30),
        }
    }
}

impl SharedCachePolicy {
    /// The time limit of one cache operation (default 500 ms).
    pub fn with_op_timeout(mut self, timeout: Duration) -> Self {
        self.op_timeout = timeout;
        self
    }

    /// The number of consecutive failures that opens the circuit (default 3).
    pub fn with_failure_threshold(mut self, failures: u32) -> Self {
        self.failure_threshold = failures;
        self
    }

    /// The cool-down after which one probe call is let through an open circuit (default 30 s).
    pub fn with_cooldown(mut self, cooldown: Duration) -> Self {
        self.cooldown = cooldown;
        self
    }

    pub(crate) fn validate(&self) -> Result<(), ProviderError> {
        if self.op_timeout.is_zero() {
            return Err(ProviderError::Config {
                field: "cache operation timeout",
                reason: "must be greater than zero".into(),
            });
        }
        if self.failure_threshold == 0 {
            return Err(ProviderError::Config {
                field: "circuit breaker failure threshold",
                reason: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

/// A number in `[0, 1)` from 64 random bits (their top 53, a double's precision).
fn unit_interval(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(lifetime: Duration) -> AccessToken {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        AccessToken::new("t", "Bearer", vec![], now + lifetime, now)
    }

    #[test]
    fn defaults_for_a_day_long_token() {
        let p = RefreshPolicy::default();
        let day = Duration::from_secs(86_400);
        let t = token(day);
        assert_eq!(p.hard_margin(day), Duration::from_secs(60));
        assert_eq!(p.max_jitter(day), Duration::from_secs(300));
        for _ in 0..200 {
            let w = p.windows(&t);
            let soft = w.soft_at.duration_since(t.obtained_at()).unwrap();
            assert!(soft >= Duration::from_secs(43_200 - 300), "{soft:?}");
            assert!(soft <= Duration::from_secs(43_200 + 300), "{soft:?}");
            assert_eq!(w.hard_at, t.expires_at() - Duration::from_secs(60));
        }
    }

    #[test]
    fn every_holder_of_a_token_picks_the_same_soft_point() {
        let p = RefreshPolicy::default();
        let lifetime = Duration::from_secs(1000);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let a = AccessToken::new("shared-token", "Bearer", vec![], now + lifetime, now);
        let a_elsewhere = AccessToken::new("shared-token", "Bearer", vec![], now + lifetime, now);
        assert_eq!(p.windows(&a).soft_at, p.windows(&a_elsewhere).soft_at);

        // Different tokens spread over the whole ±50 s window around 500 s.
        let offsets: Vec<f64> = (0..400)
            .map(|i| {
                let t =
                    AccessToken::new(format!("token-{i}"), "Bearer", vec![], now + lifetime, now);
                let soft = p.windows(&t).soft_at.duration_since(now).unwrap();
                soft.as_secs_f64() - 500.0
            })
            .collect();
        assert!(
            offsets.iter().all(|o| (-50.0..=50.0).contains(o)),
            "{offsets:?}"
        );
        let below = offsets.iter().filter(|o| **o < -25.0).count();
        let above = offsets.iter().filter(|o| **o > 25.0).count();
        assert!(
            below > 60 && above > 60,
            "spread: {below} below -25 s, {above} above 25 s"
        );
    }

    #[test]
    fn short_tokens_use_fractions() {
        let p = RefreshPolicy::default();
        let l = Duration::from_secs(100);
        assert_eq!(p.hard_margin(l), Duration::from_secs(10));
        assert_eq!(p.max_jitter(l), Duration::from_secs(5));
    }

    #[test]
    fn soft_point_never_after_hard_point() {
        let p = RefreshPolicy::default().with_soft_refresh_at(1.0);
        let t = token(Duration::from_secs(100));
        let w = p.windows(&t);
        assert!(w.soft_at <= w.hard_at);
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_server_hint() {
        let p = RefreshPolicy::default();
        for n in 1..40 {
            let d = p.backoff(n, None);
            let base = Duration::from_secs(1u64 << (n - 1).min(20)).min(Duration::from_secs(300));
            assert!(d >= base / 2 && d <= base, "{n}: {d:?}");
        }
        assert!(p.backoff(1, Some(Duration::from_secs(42))) >= Duration::from_secs(42));
    }

    #[test]
    fn invalid_values_are_rejected() {
        assert!(
            RefreshPolicy::default()
                .with_soft_refresh_at(1.5)
                .validate()
                .is_err()
        );
        assert!(
            RefreshPolicy::default()
                .with_soft_refresh_at(f64::NAN)
                .validate()
                .is_err()
        );
        assert!(
            RefreshPolicy::default()
                .with_backoff(Duration::from_secs(2), Duration::from_secs(1))
                .validate()
                .is_err()
        );
        assert!(
            SharedCachePolicy::default()
                .with_failure_threshold(0)
                .validate()
                .is_err()
        );
        assert!(RefreshPolicy::default().validate().is_ok());
    }

    #[test]
    fn a_maximum_equal_to_its_initial_value_is_valid_and_a_shorter_one_is_not() {
        let s = Duration::from_secs;
        assert!(
            RefreshPolicy::default()
                .with_backoff(s(2), s(2))
                .validate()
                .is_ok()
        );
        assert!(
            RefreshPolicy::default()
                .with_backoff(s(2), s(3))
                .validate()
                .is_ok()
        );
        assert!(
            RefreshPolicy::default()
                .with_backoff(s(2), s(1))
                .validate()
                .is_err()
        );
        let ms = Duration::from_millis;
        assert!(
            RefreshPolicy::default()
                .with_poll_interval(ms(50), ms(50))
                .validate()
                .is_ok()
        );
        assert!(
            RefreshPolicy::default()
                .with_poll_interval(ms(50), ms(60))
                .validate()
                .is_ok()
        );
        let err = RefreshPolicy::default()
            .with_poll_interval(ms(50), ms(40))
            .validate()
            .unwrap_err();
        assert!(err.to_string().contains("poll interval maximum"), "{err}");
        assert!(
            RefreshPolicy::default()
                .with_poll_interval(Duration::ZERO, ms(40))
                .validate()
                .is_err()
        );
    }

    #[test]
    fn the_poll_interval_is_kept() {
        let p = RefreshPolicy::default()
            .with_poll_interval(Duration::from_millis(7), Duration::from_millis(70));
        assert_eq!(p.poll_initial, Duration::from_millis(7));
        assert_eq!(p.poll_max, Duration::from_millis(70));
    }

    #[test]
    fn the_spread_of_tokens_covers_minus_one_to_one() {
        let now = SystemTime::now();
        let spreads: Vec<f64> = (0..400)
            .map(|i| {
                let t = AccessToken::new(
                    format!("token-{i}"),
                    "Bearer",
                    vec![],
                    now + Duration::from_secs(60),
                    now,
                );
                token_spread(&t)
            })
            .collect();
        assert!(
            spreads.iter().all(|s| (-1.0..=1.0).contains(s)),
            "{spreads:?}"
        );
        assert!(spreads.iter().any(|s| *s < -0.5), "{spreads:?}");
        assert!(spreads.iter().any(|s| *s > 0.5), "{spreads:?}");
    }
}
