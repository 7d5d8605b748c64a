//! [`MemoryCache`]: an in-process cache.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use auth0_m2m_token::AccessToken;
use tokio::time::Instant;

use crate::cache::{CacheError, Lease, StoreOutcome, TokenCache};
use crate::key::CacheKey;
use crate::record;

/// A cache in the memory of one process: the default of the
/// [`TokenProvider`](crate::TokenProvider). Providers of the same process that share one
/// `MemoryCache` (behind an `Arc`) share their tokens and their refresh lease.
#[derive(Default)]
pub struct MemoryCache {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    tokens: HashMap<CacheKey, AccessToken>,
    leases: HashMap<CacheKey, (String, Instant)>,
}

impl MemoryCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the maps half-updated (every update is a
        // single insert or remove), so a poisoned lock is safe to reuse.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.state();
        f.debug_struct("MemoryCache")
            .field("entries", &s.tokens.len())
            .field("leases", &s.leases.len())
            .finish()
    }
}

#[async_trait]
impl TokenCache for MemoryCache {
    async fn get(&self, key: &CacheKey) -> Result<Option<AccessToken>, CacheError> {
        Ok(self.state().tokens.get(key).cloned())
    }

    async fn store_if_newer(
        &self,
        key: &CacheKey,
        token: &AccessToken,
    ) -> Result<StoreOutcome, CacheError> {
        let mut s = self.state();
        if let Some(current) = s.tokens.get(key)
            && !record::is_newer(token, current)
        {
            return Ok(StoreOutcome::NotNewer);
        }
        s.tokens.insert(key.clone(), token.clone());
        Ok(StoreOutcome::Stored)
    }

    async fn remove_if_matches(
        &self,
        key: &CacheKey,
        token: &AccessToken,
    ) -> Result<bool, CacheError> {
        let mut s = self.state();
        if s.tokens.get(key).is_some_and(|t| t.same_secret(token)) {
            s.tokens.remove(key);
            return Ok(true);
        }
        Ok(false)
    }

    async fn try_acquire_lease(
        &self,
        key: &CacheKey,
        ttl: Duration,
    ) -> Result<Option<Lease>, CacheError> {
        let mut s = self.state();
        let now = Instant::now();
        if s.leases.get(key).is_some_and(|(_, until)| *until > now) {
            return Ok(None);
        }
        let id = Lease::random_id();
        s.leases.insert(key.clone(), (id.clone(), now + ttl));
        Ok(Some(Lease::new(id)))
    }

    async fn release_lease(&self, key: &CacheKey, lease: Lease) -> Result<(), CacheError> {
        let mut s = self.state();
        if s.leases.get(key).is_some_and(|(id, _)| id == lease.id()) {
            s.leases.remove(key);
        }
        Ok(())
    }

    fn backend_name(&self) -> &'static str {
        "memory"
    }
}
