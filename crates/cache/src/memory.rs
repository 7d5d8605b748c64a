//! [`MemoryCache`]: an in-process cache.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use auth0_m2m_token::AccessToken;
use auth0_m2m_token::BoxFuture;
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

impl TokenCache for MemoryCache {
    fn get<'a, 'b, 'fut>(
        &'a self,
        key: &'b CacheKey,
    ) -> BoxFuture<'fut, Result<Option<AccessToken>, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut,
    {
        Box::pin(async move { Ok(self.state().tokens.get(key).cloned()) })
    }

    fn store_if_newer<'a, 'b, 'c, 'fut>(
        &'a self,
        key: &'b CacheKey,
        token: &'c AccessToken,
    ) -> BoxFuture<'fut, Result<StoreOutcome, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        'c: 'fut,
        Self: 'fut,
    {
        Box::pin(async move {
            let mut s = self.state();
            if let Some(current) = s.tokens.get(key)
                && !record::is_newer(token, current)
            {
                return Ok(StoreOutcome::NotNewer);
            }
            s.tokens.insert(key.clone(), token.clone());
            Ok(StoreOutcome::Stored)
        })
    }

    fn remove_if_matches<'a, 'b, 'c, 'fut>(
        &'a self,
        key: &'b CacheKey,
        token: &'c AccessToken,
    ) -> BoxFuture<'fut, Result<bool, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        'c: 'fut,
        Self: 'fut,
    {
        Box::pin(async move {
            let mut s = self.state();
            if s.tokens.get(key).is_some_and(|t| t.same_secret(token)) {
                s.tokens.remove(key);
                return Ok(true);
            }
            Ok(false)
        })
    }

    fn try_acquire_lease<'a, 'b, 'fut>(
        &'a self,
        key: &'b CacheKey,
        ttl: Duration,
    ) -> BoxFuture<'fut, Result<Option<Lease>, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut,
    {
        Box::pin(async move {
            let mut s = self.state();
            let now = Instant::now();
            if s.leases.get(key).is_some_and(|(_, until)| *until > now) {
                return Ok(None);
            }
            let id = Lease::random_id();
            s.leases.insert(key.clone(), (id.clone(), now + ttl));
            Ok(Some(Lease::new(id)))
        })
    }

    fn release_lease<'a, 'b, 'fut>(
        &'a self,
        key: &'b CacheKey,
        lease: Lease,
    ) -> BoxFuture<'fut, Result<(), CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut,
    {
        Box::pin(async move {
            let mut s = self.state();
            if s.leases.get(key).is_some_and(|(id, _)| id == lease.id()) {
                s.leases.remove(key);
            }
            Ok(())
        })
    }

    fn backend_name(&self) -> &'static str {
        "memory"
    }
}
