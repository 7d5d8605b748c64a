//! Where tokens come from: the [`TokenSource`] trait, and the clock the provider reads.

use std::fmt;
use std::time::SystemTime;

use async_trait::async_trait;
use auth0_m2m_token::{AccessToken, Error};

use crate::key::CacheKeyParts;

/// Something that obtains new access tokens: the client-credentials exchange in production,
/// a fake in tests.
#[async_trait]
pub trait TokenSource: Send + Sync + 'static {
    /// Requests a new token from the token endpoint.
    async fn fetch_token(&self) -> Result<AccessToken, Error>;

    /// The values that identify the tokens of this source (never the secret), from which the
    /// cache key is derived.
    fn cache_key_parts(&self) -> CacheKeyParts;
}

/// The wall clock the provider reads to decide whether a token is fresh.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock ([`SystemTime::now`], a cheap vDSO read on Linux). The default.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A wall clock that advances with tokio's clock: the system time when it was created plus the
/// tokio time elapsed since. With tokio's paused clock (`start_paused = true`) it moves only
/// when the test advances time, which makes every time rule of the provider testable.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    base: SystemTime,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// A clock that starts at the current system time.
    pub fn new() -> Self {
        Self::starting_at(SystemTime::now())
    }

    /// A clock that starts at `base`.
    pub fn starting_at(base: SystemTime) -> Self {
        Self {
            base,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> SystemTime {
        self.base + self.start.elapsed()
    }
}

#[async_trait]
impl TokenSource for auth0_m2m_token::TokenClient {
    async fn fetch_token(&self) -> Result<AccessToken, Error> {
        auth0_m2m_token::TokenClient::fetch_token(self).await
    }

    fn cache_key_parts(&self) -> CacheKeyParts {
        CacheKeyParts {
            token_url: self.token_url().to_owned(),
            client_id: self.client_id().to_owned(),
            audience: self.audience().map(str::to_owned),
            scopes: self.scopes().to_vec(),
            organization: self.organization().map(str::to_owned),
        }
    }
}
