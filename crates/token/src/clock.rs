//! The wall clock read by the token client and the caching provider above it.

use std::fmt;
use std::time::SystemTime;

/// The wall clock read to stamp tokens (`obtained_at`, `expires_at`) and to turn
/// `X-RateLimit-Reset` into a wait.
///
/// The token client ([`TokenClientBuilder::with_clock`](crate::TokenClientBuilder::with_clock))
/// and the caching provider of `auth0-m2m-cache` read the same trait, so a test can move both
/// with one clock.
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
/// when the test advances time, which makes every time rule testable without sleeping.
///
/// ```
/// use auth0_m2m_token::{Clock, TokioClock};
/// use std::time::{Duration, SystemTime};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let clock = TokioClock::starting_at(start);
/// tokio::time::advance(Duration::from_secs(90)).await;
/// assert_eq!(clock.now(), start + Duration::from_secs(90));
/// # }
/// ```
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
