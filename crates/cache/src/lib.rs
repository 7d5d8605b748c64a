//! Token caches and the caching, refreshing token provider of auth0-m2m.
//!
//! [`TokenProvider`] turns a [`TokenSource`] (the client-credentials exchange) into an access
//! token that never seems to expire: it is fetched once, shared through a [`TokenCache`] by the
//! tasks of a process ([`MemoryCache`]), the processes of a host ([`FileCache`]) or a fleet
//! ([`RedisCache`]), and refreshed before it expires.
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, SystemTime};
//!
//! use async_trait::async_trait;
//! use auth0_m2m_cache::{CacheKeyParts, MemoryCache, TokenProvider, TokenSource};
//! use auth0_m2m_token::{AccessToken, Error};
//!
//! /// A stand-in for the token endpoint.
//! struct Source;
//!
//! #[async_trait]
//! impl TokenSource for Source {
//!     async fn fetch_token(&self) -> Result<AccessToken, Error> {
//!         let now = SystemTime::now();
//!         Ok(AccessToken::new("eyJ…", "Bearer", vec![], now + Duration::from_secs(86_400), now))
//!     }
//!     fn cache_key_parts(&self) -> CacheKeyParts {
//!         CacheKeyParts::new("https://tenant.example/oauth/token", "client-id")
//!             .with_audience("https://tenant.example/api/v2/")
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let provider = TokenProvider::builder(Source)
//!     .with_cache(Arc::new(MemoryCache::new()))
//!     .build()?;
//! let token = provider.token().await?; // fetched
//! let again = provider.token().await?; // from the in-process copy
//! assert!(token.same_secret(&again));
//! assert_eq!(provider.stats().fetches, 1);
//! # Ok(())
//! # }
//! ```
//!
//! # Behaviour
//!
//! - **Hot path**: while the in-process token is before its soft refresh point, `token()` reads
//!   the clock and clones an `Arc`: no lock, no I/O.
//! - **Soft refresh window** (from half the lifetime, jittered): callers get the current token
//!   at once and one background task refreshes it.
//! - **Hard margin** (the last 10 % of the lifetime, at most 60 s): callers wait for the one
//!   refresh in flight.
//! - **Single flight**: within a process a lock, across processes the cache's refresh lease.
//!   Before fetching, the provider re-reads the shared cache (another process may have
//!   refreshed); a process that loses the lease keeps serving its token and adopts the new one.
//! - **Failures**: a failed refresh never replaces a valid token; retries back off with jitter
//!   and honour `Retry-After`; a failing shared cache is bypassed by a circuit breaker.
//! - **401 handling**: [`TokenProvider::invalidate`] removes exactly the rejected token.
//!
//! Timings are documented on [`RefreshPolicy`] and [`SharedCachePolicy`].
//!
//! # Features
//!
//! - `file`: [`FileCache`], a directory of token files shared by the processes of one host
//!   and kept across restarts.
//! - `redis`: [`RedisCache`], a Redis (or Redis Cluster) cache shared by a fleet, with
//!   optional AES-256-GCM encryption at rest. `rediss://` (TLS) URLs are supported through
//!   rustls with the ring provider; the platform's root certificates are trusted by default,
//!   a private CA with [`RedisCacheBuilder::with_root_certificates_pem`], and a client
//!   certificate for mutual TLS can be presented with
//!   [`RedisCacheBuilder::with_client_certificate_pem`]. Redis Cluster is supported through
//!   [`RedisCache::cluster_builder`] (every operation touches one key, so nothing crosses
//!   hash slots). See [`RedisCache`] for the details.
//!
//! No feature is enabled by default.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod cache;
#[cfg(feature = "file")]
mod file;
mod key;
mod memory;
mod policy;
mod provider;
pub mod rate;
pub mod record;

#[cfg(feature = "redis")]
mod redis;
mod source;

pub use cache::{CacheError, Lease, StoreOutcome, TokenCache};
#[cfg(feature = "file")]
pub use file::FileCache;
pub use key::{CacheKey, CacheKeyParts, DEFAULT_KEY_PREFIX, KEY_VERSION};
pub use memory::MemoryCache;
pub use policy::{RefreshPolicy, SharedCachePolicy};
pub use provider::{ProviderError, ProviderStats, TokenProvider, TokenProviderBuilder};
pub use rate::{CellLimit, MemoryRateStore, RateRequest, RateStore, Throttle};

pub use auth0_m2m_token::{BoxFuture, Clock, SystemClock, TokioClock};
#[cfg(feature = "redis")]
pub use redis::{EncryptionKey, RedisCache, RedisCacheBuilder};
pub use source::TokenSource;
