//! The [`TokenCache`] trait that every backend implements.

use std::any::Any;
use std::fmt;
use std::time::Duration;

use auth0_m2m_token::AccessToken;
use auth0_m2m_token::BoxFuture;

use crate::key::CacheKey;

/// An error of a cache backend. Never contains a token or a key material.
#[derive(Debug)]
#[non_exhaustive]
pub enum CacheError {
    /// A file-system operation failed.
    Io {
        /// The operation (`read`, `write`, `rename`, `lock`…).
        op: &'static str,
        /// The path involved.
        path: std::path::PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The backend (Redis, or a custom store) reported an error.
    Backend {
        /// The backend name, e.g. `redis`.
        backend: &'static str,
        /// A secret-free description of the failure.
        message: String,
        /// The underlying error, if any.
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
    /// The operation did not finish in time.
    Timeout {
        /// The operation.
        op: &'static str,
        /// The time limit.
        timeout: Duration,
    },
    /// The cache is configured wrongly (bad URL, bad key, missing directory…).
    Config(String),
}

impl fmt::Display for CacheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheError::Io { op, path, source } => write!(
                f,
                "cache file operation `{op}` failed on {}: {source}",
                path.display()
            ),
            CacheError::Backend {
                backend, message, ..
            } => write!(f, "{backend} cache error: {message}"),
            CacheError::Timeout { op, timeout } => {
                write!(f, "cache operation `{op}` timed out after {timeout:?}")
            }
            CacheError::Config(reason) => write!(f, "invalid cache configuration: {reason}"),
        }
    }
}

impl std::error::Error for CacheError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CacheError::Io { source, .. } => Some(source),
            CacheError::Backend { source, .. } => source.as_deref().map(|e| e as _),
            _ => None,
        }
    }
}

impl CacheError {
    /// A backend error with a message and no source, for custom backends.
    pub fn backend(backend: &'static str, message: impl Into<String>) -> Self {
        CacheError::Backend {
            backend,
            message: message.into(),
            source: None,
        }
    }
}

/// What [`TokenCache::store_if_newer`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOutcome {
    /// The token was stored (nothing was there, the stored record was unreadable, or older).
    Stored,
    /// A record that expires at the same time or later is already stored; nothing changed.
    NotNewer,
}

/// A held refresh lease. Give it back with [`TokenCache::release_lease`]; if it is lost (a
/// crashed process), it ends by itself (the backend's time limit, or the end of the process).
pub struct Lease {
    id: String,
    guard: Option<Box<dyn Any + Send + Sync>>,
}

impl Lease {
    /// A lease identified by `id` (a random value that only the holder knows).
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            guard: None,
        }
    }

    /// A lease that also owns a backend resource (an open lock file, say) released when the
    /// lease is dropped.
    pub fn with_guard(id: impl Into<String>, guard: Box<dyn Any + Send + Sync>) -> Self {
        Self {
            id: id.into(),
            guard: Some(guard),
        }
    }

    /// A fresh random lease id (128 bits, hex).
    pub fn random_id() -> String {
        hex(random_bytes::<16>())
    }

    /// The lease id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The backend resource, if any.
    pub fn guard(&self) -> Option<&(dyn Any + Send + Sync)> {
        self.guard.as_deref()
    }
}

impl fmt::Debug for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease")
            .field("id", &self.id)
            .field("has_guard", &self.guard.is_some())
            .finish()
    }
}

/// A store for tokens shared by the [`TokenProvider`](crate::TokenProvider)s of one process, one
/// host or a fleet.
///
/// Implementations must be safe to call concurrently from many tasks and (for shared backends)
/// many processes. A stored record that cannot be read is reported as a miss (`Ok(None)`), never
/// as an error, and is replaced by the next store.
///
/// # Implementing a backend
///
/// The async methods return a [`BoxFuture`]: write the `impl` block with
/// `#[async_trait::async_trait]` and `async fn`s, as below, or return
/// `Box::pin(async move { … })` with the lifetimes the trait names (see
/// [`HttpClient`](auth0_m2m_token::HttpClient) for an example of that form).
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::Mutex;
/// use std::time::Duration;
///
/// use async_trait::async_trait;
/// use auth0_m2m_cache::{record, CacheError, CacheKey, Lease, StoreOutcome, TokenCache};
/// use auth0_m2m_token::AccessToken;
///
/// /// Keeps encoded records in a map; a real backend would talk to a database.
/// #[derive(Debug, Default)]
/// struct MapCache {
///     records: Mutex<HashMap<String, Vec<u8>>>,
///     leases: Mutex<HashMap<String, String>>,
/// }
///
/// #[async_trait]
/// impl TokenCache for MapCache {
///     async fn get(&self, key: &CacheKey) -> Result<Option<AccessToken>, CacheError> {
///         let map = self.records.lock().map_err(|_| CacheError::backend("map", "poisoned"))?;
///         Ok(map.get(key.as_str()).and_then(|b| record::decode(b)))
///     }
///     async fn store_if_newer(&self, key: &CacheKey, token: &AccessToken)
///         -> Result<StoreOutcome, CacheError> {
///         let mut map = self.records.lock().map_err(|_| CacheError::backend("map", "poisoned"))?;
///         if let Some(current) = map.get(key.as_str()).and_then(|b| record::decode(b)) {
///             if !record::is_newer(token, &current) {
///                 return Ok(StoreOutcome::NotNewer);
///             }
///         }
///         map.insert(key.as_str().to_owned(), record::encode(token));
///         Ok(StoreOutcome::Stored)
///     }
///     async fn remove_if_matches(&self, key: &CacheKey, token: &AccessToken)
///         -> Result<bool, CacheError> {
///         let mut map = self.records.lock().map_err(|_| CacheError::backend("map", "poisoned"))?;
///         let matches = map.get(key.as_str()).and_then(|b| record::decode(b))
///             .is_some_and(|t| t.same_secret(token));
///         if matches {
///             map.remove(key.as_str());
///         }
///         Ok(matches)
///     }
///     async fn try_acquire_lease(&self, key: &CacheKey, _ttl: Duration)
///         -> Result<Option<Lease>, CacheError> {
///         let mut leases = self.leases.lock().map_err(|_| CacheError::backend("map", "poisoned"))?;
///         if leases.contains_key(key.as_str()) {
///             return Ok(None);
///         }
///         let id = Lease::random_id();
///         leases.insert(key.as_str().to_owned(), id.clone());
///         Ok(Some(Lease::new(id)))
///     }
///     async fn release_lease(&self, key: &CacheKey, lease: Lease) -> Result<(), CacheError> {
///         let mut leases = self.leases.lock().map_err(|_| CacheError::backend("map", "poisoned"))?;
///         if leases.get(key.as_str()).is_some_and(|id| id == lease.id()) {
///             leases.remove(key.as_str());
///         }
///         Ok(())
///     }
/// }
/// ```
pub trait TokenCache: Send + Sync + fmt::Debug {
    /// The stored token, if any (it may be expired: callers check). Unreadable records are
    /// `Ok(None)`.
    fn get<'a, 'b, 'fut>(
        &'a self,
        key: &'b CacheKey,
    ) -> BoxFuture<'fut, Result<Option<AccessToken>, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut;

    /// Stores `token` unless the stored record expires at the same time or later. Atomic with
    /// respect to other writers of the same backend.
    fn store_if_newer<'a, 'b, 'c, 'fut>(
        &'a self,
        key: &'b CacheKey,
        token: &'c AccessToken,
    ) -> BoxFuture<'fut, Result<StoreOutcome, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        'c: 'fut,
        Self: 'fut;

    /// Removes the record only if it still holds `token` (compared by value). Returns whether
    /// something was removed.
    fn remove_if_matches<'a, 'b, 'c, 'fut>(
        &'a self,
        key: &'b CacheKey,
        token: &'c AccessToken,
    ) -> BoxFuture<'fut, Result<bool, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        'c: 'fut,
        Self: 'fut;

    /// Tries to take the refresh lease of `key` for at most `ttl`, without waiting. `Ok(None)`
    /// when someone else holds it.
    fn try_acquire_lease<'a, 'b, 'fut>(
        &'a self,
        key: &'b CacheKey,
        ttl: Duration,
    ) -> BoxFuture<'fut, Result<Option<Lease>, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut;

    /// Gives a lease back. Releasing a lease that has already ended (or was taken over) is not
    /// an error and never releases someone else's lease.
    fn release_lease<'a, 'b, 'fut>(
        &'a self,
        key: &'b CacheKey,
        lease: Lease,
    ) -> BoxFuture<'fut, Result<(), CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut;

    /// A short name for logs and metrics (`memory`, `file`, `redis`…).
    fn backend_name(&self) -> &'static str {
        "custom"
    }

    /// The [`RateStore`](crate::RateStore) that shares a rate budget through the same backend,
    /// when it has one (Redis does; the memory and file caches do not, and a client then keeps
    /// its budget in process). The default is `None`.
    fn rate_store(self: std::sync::Arc<Self>) -> Option<std::sync::Arc<dyn crate::RateStore>> {
        None
    }
}

/// `bytes` as lowercase hexadecimal, two digits a byte.
pub(crate) fn hex(bytes: impl AsRef<[u8]>) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let bytes = bytes.as_ref();
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// `N` random bytes from the operating system.
///
/// # Panics
///
/// When the operating system has no random numbers to give (as a userspace generator
/// seeded from it would).
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes)
        .expect("the operating system's random number generator failed");
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_two_lowercase_digits_a_byte() {
        assert_eq!(hex([0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex([]), "");
    }

    #[test]
    fn lease_ids_are_random_128_bit_hex() {
        let a = Lease::random_id();
        let b = Lease::random_id();
        assert_eq!(a.len(), 32, "{a}");
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{a}"
        );
        assert_ne!(a, b, "two leases never share an id");
    }

    #[test]
    fn a_lease_keeps_its_id_and_its_guard() {
        let plain = Lease::new("lease-1");
        assert_eq!(plain.id(), "lease-1");
        assert!(plain.guard().is_none());
        let guarded = Lease::with_guard("lease-2", Box::new(7u32));
        assert_eq!(guarded.id(), "lease-2");
        assert_eq!(
            guarded.guard().and_then(|g| g.downcast_ref::<u32>()),
            Some(&7)
        );
        // Debug names the id and whether a resource is held, not the resource.
        assert_eq!(
            format!("{plain:?}"),
            r#"Lease { id: "lease-1", has_guard: false }"#
        );
        assert_eq!(
            format!("{guarded:?}"),
            r#"Lease { id: "lease-2", has_guard: true }"#
        );
    }

    /// A backend that implements only what it must.
    #[derive(Debug)]
    struct Minimal;

    #[async_trait::async_trait]
    impl TokenCache for Minimal {
        async fn get(&self, _: &CacheKey) -> Result<Option<AccessToken>, CacheError> {
            Ok(None)
        }
        async fn store_if_newer(
            &self,
            _: &CacheKey,
            _: &AccessToken,
        ) -> Result<StoreOutcome, CacheError> {
            Ok(StoreOutcome::NotNewer)
        }
        async fn remove_if_matches(
            &self,
            _: &CacheKey,
            _: &AccessToken,
        ) -> Result<bool, CacheError> {
            Ok(false)
        }
        async fn try_acquire_lease(
            &self,
            _: &CacheKey,
            _: Duration,
        ) -> Result<Option<Lease>, CacheError> {
            Ok(None)
        }
        async fn release_lease(&self, _: &CacheKey, _: Lease) -> Result<(), CacheError> {
            Ok(())
        }
    }

    #[test]
    fn a_backend_without_a_name_is_custom() {
        assert_eq!(Minimal.backend_name(), "custom");
        let dynamic: &dyn TokenCache = &Minimal;
        assert_eq!(dynamic.backend_name(), "custom");
    }
}
