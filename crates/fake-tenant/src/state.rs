//! Shared tenant state: data store, counters, rate limits, faults, revocation.

pub(crate) use crate::buckets::RateInfo;
use crate::keys::SigningKey;
pub(crate) use crate::store::Store;
pub(crate) use crate::util::lock;
use crate::{Fault, FaultTarget, Stats};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Monotonic counters exposed as [`Stats`].
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) token_requests: AtomicU64,
    pub(crate) tokens_issued: AtomicU64,
    pub(crate) api_requests: AtomicU64,
    pub(crate) api_401: AtomicU64,
    pub(crate) api_429: AtomicU64,
    pub(crate) token_429: AtomicU64,
    pub(crate) token_5xx_injected: AtomicU64,
    pub(crate) api_5xx_injected: AtomicU64,
    pub(crate) dropped_connections: AtomicU64,
    pub(crate) faults_injected: AtomicU64,
    pub(crate) connections_accepted: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> Stats {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Stats {
            token_requests: g(&self.token_requests),
            tokens_issued: g(&self.tokens_issued),
            api_requests: g(&self.api_requests),
            api_401: g(&self.api_401),
            api_429: g(&self.api_429),
            token_429: g(&self.token_429),
            token_5xx_injected: g(&self.token_5xx_injected),
            api_5xx_injected: g(&self.api_5xx_injected),
            dropped_connections: g(&self.dropped_connections),
            faults_injected: g(&self.faults_injected),
            connections_accepted: g(&self.connections_accepted),
        }
    }
}

/// Increments a counter.
pub(crate) fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// A fixed one-second window.
#[derive(Default)]
pub(crate) struct Window {
    second: u64,
    count: u64,
}

/// The limit advertised when no limit is enforced.
const ADVERTISED_UNLIMITED: u64 = 1000;

impl Window {
    /// Counts one request at second `now` against `limit` (0: unlimited).
    pub(crate) fn hit(&mut self, limit: u64, now: u64) -> RateInfo {
        if now != self.second {
            self.second = now;
            self.count = 0;
        }
        let shown = if limit == 0 {
            ADVERTISED_UNLIMITED
        } else {
            limit
        };
        let allowed = limit == 0 || self.count < limit;
        if allowed {
            self.count += 1;
        }
        let remaining = if limit == 0 {
            shown.saturating_sub(self.count).max(1)
        } else {
            limit.saturating_sub(self.count)
        };
        RateInfo {
            allowed,
            limit: shown,
            remaining,
            reset: now + 1,
            retry_after: None,
        }
    }

    /// Empties the window (the next request starts a new one).
    pub(crate) fn clear(&mut self) {
        self.count = 0;
    }
}

/// The clock of the per-second rate-limit windows: the wall clock, or a second frozen by a test.
#[derive(Default)]
pub(crate) struct RateClock {
    /// The frozen Unix second; 0 while following the wall clock.
    frozen: AtomicU64,
}

impl RateClock {
    /// The current second of the rate-limit windows.
    pub(crate) fn now(&self) -> u64 {
        match self.frozen.load(Ordering::SeqCst) {
            0 => crate::util::now_secs(),
            s => s,
        }
    }

    /// Stops the windows from rolling over: the current second lasts until advanced.
    pub(crate) fn freeze(&self) {
        let _ = self.frozen.compare_exchange(
            0,
            crate::util::now_secs().max(1),
            Ordering::SeqCst,
            Ordering::SeqCst,
        );
    }

    /// Follows the wall clock again.
    pub(crate) fn release(&self) {
        self.frozen.store(0, Ordering::SeqCst);
    }

    /// Moves a frozen clock one second ahead; returns whether it was frozen.
    pub(crate) fn advance(&self) -> bool {
        self.frozen
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |s| {
                (s != 0).then_some(s + 1)
            })
            .is_ok()
    }

    /// Whether the clock is frozen.
    #[cfg(test)]
    pub(crate) fn is_frozen(&self) -> bool {
        self.frozen.load(Ordering::SeqCst) != 0
    }
}

/// Issued and revoked access tokens: `jti` and expiry (Unix seconds). Records of expired
/// tokens are dropped: an expired token is refused for its expiry anyway.
#[derive(Default)]
pub(crate) struct Registry {
    issued: HashMap<String, u64>,
    revoked: HashMap<String, u64>,
    /// The second of the last sweep for expired records.
    swept_at: u64,
}

impl Registry {
    /// Records an issued token, sweeping expired records at most once a second.
    pub(crate) fn issue(&mut self, jti: String, exp: u64, now: u64) {
        if now != self.swept_at {
            self.sweep(now);
        }
        self.issued.insert(jti, exp);
    }

    /// Drops the records of tokens expired at `now`.
    pub(crate) fn sweep(&mut self, now: u64) {
        self.swept_at = now;
        self.issued.retain(|_, exp| *exp > now);
        self.revoked.retain(|_, exp| *exp > now);
    }

    /// Revokes every token issued so far; returns how many of them had not expired at `now`.
    pub(crate) fn revoke_all(&mut self, now: u64) -> usize {
        let live = self.issued.values().filter(|exp| **exp > now).count();
        self.revoked.extend(self.issued.drain());
        live
    }

    /// Whether the token `jti` was revoked.
    pub(crate) fn is_revoked(&self, jti: &str) -> bool {
        self.revoked.contains_key(jti)
    }

    /// How many token records are kept: `(issued, revoked)`.
    #[cfg(test)]
    pub(crate) fn sizes(&self) -> (usize, usize) {
        (self.issued.len(), self.revoked.len())
    }
}

/// The state shared by every connection of one tenant.
pub(crate) struct App {
    pub(crate) base_url: String,
    pub(crate) issuer: String,
    pub(crate) audience: String,
    pub(crate) token_url: String,
    pub(crate) domain: String,
    pub(crate) store: Mutex<Store>,
    pub(crate) counters: Counters,
    pub(crate) faults: Mutex<VecDeque<Fault>>,
    pub(crate) token_latency_ms: AtomicU64,
    pub(crate) rate_limit: u64,
    pub(crate) token_window: Mutex<Window>,
    pub(crate) api_window: Mutex<Window>,
    /// Auth0's token buckets, when configured (they then replace `api_window`).
    pub(crate) buckets: crate::buckets::Buckets,
    pub(crate) rate_clock: RateClock,
    pub(crate) quota: Option<u64>,
    pub(crate) quota_used: AtomicU64,
    /// When the current quota hour started (Unix seconds).
    pub(crate) quota_started: AtomicU64,
    pub(crate) token_lifetime_secs: u64,
    pub(crate) key: &'static SigningKey,
    pub(crate) registry: Mutex<Registry>,
    /// Every Management API answer, when the builder asked to record them.
    pub(crate) answers: Option<Mutex<Vec<crate::Answer>>>,
    /// The nonce DPoP proofs must carry, when the tenant requires one.
    pub(crate) dpop_nonce: Option<Mutex<String>>,
    /// DPoP proof `jti`s already used (by key thumbprint), with when they can be forgotten.
    pub(crate) dpop_jti: Mutex<HashMap<String, u64>>,
    /// The base URL of the mTLS alias, when the tenant serves one.
    pub(crate) mtls_base_url: Option<String>,
    /// What a fresh tenant is made of, for [`App::reset`].
    pub(crate) fresh: crate::seed::Fresh,
}

impl Counters {
    /// Sets every counter back to zero.
    fn clear(&self) {
        for c in [
            &self.token_requests,
            &self.tokens_issued,
            &self.api_requests,
            &self.api_401,
            &self.api_429,
            &self.token_429,
            &self.token_5xx_injected,
            &self.api_5xx_injected,
            &self.dropped_connections,
            &self.faults_injected,
            &self.connections_accepted,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

impl App {
    /// The key that signs the tenant's new tokens: the current one of its signing keys
    /// (`GET /keys/signing`), read from `store`.
    pub(crate) fn current_key(&self, store: &Store) -> &'static SigningKey {
        store
            .items(crate::store::SIGNING_KEYS)
            .iter()
            .find(|k| k["current"] == true)
            .and_then(|k| k["kid"].as_str())
            .and_then(crate::keys::signing_key_by_kid)
            .unwrap_or(self.key)
    }

    /// The keys whose tokens the tenant accepts and whose JWKS it serves: each of its signing
    /// keys that is not revoked (current, next and previously used ones).
    pub(crate) fn valid_keys(&self) -> Vec<&'static SigningKey> {
        let store = lock(&self.store);
        let records = store.items(crate::store::SIGNING_KEYS);
        if records.is_empty() {
            return vec![self.key];
        }
        records
            .iter()
            .filter(|k| k["revoked"] != true)
            .filter_map(|k| k["kid"].as_str())
            .filter_map(crate::keys::signing_key_by_kid)
            .collect()
    }

    /// The JSON Web Key Set served at `/.well-known/jwks.json`.
    pub(crate) fn jwks(&self) -> serde_json::Value {
        crate::keys::jwks(&self.valid_keys())
    }

    /// Verifies an access token's signature (by the valid key its header names), `exp`, `iss`
    /// and `aud`; a token signed by a revoked key is refused as badly signed.
    pub(crate) fn verify_token(
        &self,
        token: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<serde_json::Value, crate::jwt::JwtError> {
        let kid = crate::keys::token_kid(token);
        let keys = self.valid_keys();
        let key = match kid {
            Some(kid) => keys.into_iter().find(|k| k.kid == kid),
            None => keys.into_iter().next(),
        };
        match key {
            Some(k) => k.verify(token, issuer, audience),
            None => Err(crate::jwt::JwtError::InvalidSignature),
        }
    }

    /// Returns the tenant to the state it started in when started fresh: a newly seeded store
    /// (the configured clients with their ids and secrets, new ids for everything else), no
    /// queued faults, counters at zero, the configured token latency, rate-limit windows and
    /// quota starting over on the wall clock, no recorded answers. Kept: the signing keys (as
    /// rotated and revoked) and the CA, so tokens issued before stay valid until they expire
    /// (Auth0's access tokens are self-contained JWTs that outlive changes to their client),
    /// and revoked tokens stay revoked.
    pub(crate) fn reset(&self) {
        let mut store = crate::seed::fresh_store(&self.fresh, &self.audience, &self.domain);
        let mut old = lock(&self.store);
        if let Some(keys) = old.collections.remove(crate::store::SIGNING_KEYS) {
            store
                .collections
                .insert(crate::store::SIGNING_KEYS.to_owned(), keys);
            store.show_signing_keys_on_clients();
        }
        *old = store;
        lock(&self.faults).clear();
        self.counters.clear();
        self.token_latency_ms
            .store(self.fresh.token_latency_ms, Ordering::Relaxed);
        self.rate_clock.release();
        lock(&self.token_window).clear();
        lock(&self.api_window).clear();
        self.buckets.refill_all();
        self.quota_used.store(0, Ordering::SeqCst);
        self.quota_started
            .store(crate::util::now_secs(), Ordering::SeqCst);
        lock(&self.dpop_jti).clear();
        if let Some(answers) = &self.answers {
            lock(answers).clear();
        }
    }

    /// Takes one request's worth of the first pending fault for `target`.
    pub(crate) fn take_fault(&self, target: FaultTarget) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let idx = faults.iter().position(|f| f.target == target)?;
        let f = faults.get_mut(idx)?;
        let one = f.clone();
        f.count = f.count.saturating_sub(1);
        if f.count == 0 {
            faults.remove(idx);
        }
        bump(&self.counters.faults_injected);
        Some(one)
    }

    /// Queues a fault (a fault with `count` 0 is ignored).
    pub(crate) fn add_fault(&self, fault: Fault) {
        if fault.count > 0 {
            lock(&self.faults).push_back(fault);
        }
    }

    /// Removes every queued fault; returns the faults removed.
    pub(crate) fn clear_faults(&self) -> Vec<Fault> {
        lock(&self.faults).drain(..).collect()
    }

    /// Revokes every token issued so far; returns how many of them had not expired.
    pub(crate) fn revoke_all(&self) -> usize {
        lock(&self.registry).revoke_all(crate::util::now_secs())
    }

    /// Counts one request against the token endpoint's window.
    pub(crate) fn hit_token_window(&self) -> RateInfo {
        let now = self.rate_clock.now();
        lock(&self.token_window).hit(self.rate_limit, now)
    }

    /// Counts one request against the Management API's window.
    pub(crate) fn hit_api_window(&self) -> RateInfo {
        let now = self.rate_clock.now();
        lock(&self.api_window).hit(self.rate_limit, now)
    }

    /// Starts a new rate-limit window for both routes: with a frozen clock, the next second;
    /// otherwise the counts of the current second are reset.
    pub(crate) fn next_rate_window(&self) {
        if !self.rate_clock.advance() {
            lock(&self.token_window).clear();
            lock(&self.api_window).clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_token_records_are_swept() {
        let mut r = Registry::default();
        r.issue("a".into(), 100, 50);
        r.issue("b".into(), 200, 50);
        assert_eq!(r.revoke_all(150), 1, "only b was still live at 150");
        r.issue("c".into(), 300, 60);
        assert_eq!(r.sizes(), (1, 2));
        assert!(r.is_revoked("a") && r.is_revoked("b") && !r.is_revoked("c"));
        // At 150 the first token has expired: its record goes at the next issue.
        r.issue("d".into(), 400, 150);
        assert_eq!(r.sizes(), (2, 1));
        assert!(!r.is_revoked("a") && r.is_revoked("b"));
        r.sweep(1000);
        assert_eq!(r.sizes(), (0, 0));
    }

    #[test]
    fn issuing_many_tokens_keeps_only_the_unexpired_records() {
        let mut r = Registry::default();
        // One token a second, each living 10 seconds: never more than 11 records.
        for now in 1..1000u64 {
            r.issue(format!("jti-{now}"), now + 10, now);
            assert!(r.sizes().0 <= 11, "{:?} at {now}", r.sizes());
        }
    }

    #[test]
    fn a_frozen_rate_clock_holds_the_window_until_advanced() {
        let clock = RateClock::default();
        assert!(!clock.is_frozen());
        assert!(!clock.advance());
        clock.freeze();
        assert!(clock.is_frozen());
        let second = clock.now();
        let mut w = Window::default();
        let infos: Vec<bool> = (0..4).map(|_| w.hit(2, clock.now()).allowed).collect();
        assert_eq!(infos, [true, true, false, false]);
        assert_eq!(w.hit(2, clock.now()).reset, second + 1);
        assert!(clock.advance());
        assert_eq!(clock.now(), second + 1);
        let info = w.hit(2, clock.now());
        assert!(info.allowed);
        assert_eq!((info.remaining, info.reset), (1, second + 2));
        clock.release();
        assert!(!clock.is_frozen());
    }
}
