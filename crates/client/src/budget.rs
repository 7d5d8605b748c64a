//! The rate budget: how many Management API calls the client lets out, shared with every
//! process that uses the same Redis cache, so that a fleet stays under the tenant's limit and
//! background work yields to live traffic.
//!
//! Auth0 limits the Management API with token buckets per tenant and, on some plans, per
//! endpoint: the burst is the bucket's size, the sustained rate its refill. Without a budget,
//! every process discovers the limit by hitting it (HTTP 429) and retries on its own. With
//! one, each call first reserves a slot of its bucket (a generic cell rate algorithm, the
//! way redis-cell's `CL.THROTTLE` answers "allowed, remaining, retry after"), waits for it up
//! to the call's timeout, or fails at once with [`Error::RateBudget`](crate::Error::RateBudget)
//! without sending.
//!
//! ```no_run
//! # fn run() -> Result<(), auth0_m2m::ConfigError> {
//! use auth0_m2m::{ManagementClient, Plan, RateBudget};
//!
//! let client = ManagementClient::builder("tenant.eu.auth0.com")
//!     .with_client_secret("client-id", "client-secret")
//!     .with_rate_budget(RateBudget::plan(Plan::EnterpriseProduction).with_background_share(25.0))
//!     .build()?;
//! # drop(client);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use auth0_m2m_cache::CellLimit;

use crate::error::ConfigError;

mod gate;

pub(crate) use gate::Gate;

/// The default share of the budget that background calls may use: 50 %.
pub const DEFAULT_BACKGROUND_SHARE: f64 = 50.0;

/// How much a call matters, set per call with [`CallOptions::priority`](crate::CallOptions::priority).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Priority {
    /// Live traffic (a login path, a user's request): the whole budget is open to it, and
    /// within a process it never queues behind background calls. The default.
    #[default]
    Interactive,
    /// Bulk work (an import, a nightly sync): it may use at most the budget's background
    /// share ([`RateBudget::with_background_share`], default 50 %), and waits while an
    /// interactive call of the same process is waiting.
    Background,
}

/// Auth0's subscription plans, whose Management API limits the budget can be set to with
/// [`RateBudget::plan`].
///
/// | plan | buckets (burst / sustained rate) |
/// | --- | --- |
/// | [`Free`](Self::Free) | one per tenant: 2 / 2 per second |
/// | [`EnterpriseProduction`](Self::EnterpriseProduction) | one per tenant: 50 / 16 per second |
/// | [`EnterpriseNonProduction`](Self::EnterpriseNonProduction) | one per tenant: 10 / 2 per second |
/// | [`Essentials`](Self::Essentials), [`Professional`](Self::Professional) | per endpoint class, per minute: read users 40 / 500, write users 20 / 200, read logs 10 / 100, read clients 5 / 100, every other endpoint 10 / 150 |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Plan {
    /// The free plan.
    Free,
    /// An Enterprise production tenant.
    EnterpriseProduction,
    /// An Enterprise non-production (development, staging) tenant.
    EnterpriseNonProduction,
    /// The Essentials plan (per-endpoint buckets).
    Essentials,
    /// The Professional plan (per-endpoint buckets, as Essentials).
    Professional,
}

impl Plan {
    /// The name `AUTH0_RATE_BUDGET` accepts for this plan.
    pub fn name(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::EnterpriseProduction => "enterprise",
            Plan::EnterpriseNonProduction => "enterprise-non-production",
            Plan::Essentials => "essentials",
            Plan::Professional => "professional",
        }
    }
}

/// The endpoint classes of the per-endpoint plans, in the order they are matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    ReadUsers,
    WriteUsers,
    ReadLogs,
    ReadClients,
    Other,
}

impl Class {
    /// The class of a request: its method and the first segment of its path below `/api/v2/`.
    pub(crate) fn of(method: &http::Method, path: &str) -> Self {
        let first = path
            .strip_prefix("/api/v2/")
            .unwrap_or(path)
            .split(['/', '?'])
            .next()
            .unwrap_or_default();
        let read = method == http::Method::GET || method == http::Method::HEAD;
        match (first, read) {
            ("users" | "users-by-email", true) => Class::ReadUsers,
            ("users" | "users-by-email", false) => Class::WriteUsers,
            ("logs", true) => Class::ReadLogs,
            ("clients", true) => Class::ReadClients,
            _ => Class::Other,
        }
    }

    /// The bucket's name in the store and in logs.
    pub(crate) fn bucket(self) -> &'static str {
        match self {
            Class::ReadUsers => "read-users",
            Class::WriteUsers => "write-users",
            Class::ReadLogs => "read-logs",
            Class::ReadClients => "read-clients",
            Class::Other => "other",
        }
    }

    /// The Essentials/Professional limit of the class.
    fn per_minute_limit(self) -> Option<CellLimit> {
        let (burst, per_minute) = match self {
            Class::ReadUsers => (40, 500.0),
            Class::WriteUsers => (20, 200.0),
            Class::ReadLogs => (10, 100.0),
            Class::ReadClients => (5, 100.0),
            Class::Other => (10, 150.0),
        };
        CellLimit::new(burst, per_minute / 60.0)
    }
}

/// Where the limits come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Limits {
    /// No budget: calls go out at once, a 429 is retried as the retry policy says.
    Off,
    /// Learned from the answers' `x-ratelimit-*` headers (the default).
    Learned,
    /// One tenant-wide bucket.
    Tenant { burst: u32, per_second: f64 },
    /// Per-endpoint buckets (Essentials, Professional).
    PerEndpoint,
}

/// The rate budget of a client: off, learned from Auth0's answers (the default), a plan's
/// limits, or an explicit burst and rate; and the share background calls may use.
///
/// Set it with [`with_rate_budget`](crate::ManagementClientBuilder::with_rate_budget) or
/// `AUTH0_RATE_BUDGET` (a plan name, `BURST/PER_SECOND`, `learned` or `off`). It is shared
/// through the client's cache when the cache can share it (Redis): every process using the
/// same Redis and tenant draws on one budget.
///
/// **Learned** (the default): the bucket's size is the `x-ratelimit-limit` Auth0 sends, its
/// rate the lowest rate consistent with the `x-ratelimit-remaining` and `x-ratelimit-reset`
/// seen so far. They are enforced once an answer has shown the bucket at most a fifth full
/// (before that the estimate comes from a nearly full bucket, and a client far below its
/// limit is never slowed down by a guess); until then only pauses apply. In every mode a 429 or a
/// `remaining: 0` pauses the bucket, for every process that shares it, until the reset
/// (padded by a second for the header's one-second precision, and each process adds its
/// own jitter of up to 250 ms so that a fleet does not resume in the same millisecond).
/// One exception: an answer other than a 429 (or a server error) with `remaining: 0` to a
/// call that the budget itself counted as one of the bucket's last two, while it enforces a
/// known limit, pauses the bucket only for the time one call takes to come back (`1 / rate`,
/// plus the jitter). Calls let out at the budget's pace can reach Auth0 bunched by a busy host or the network, and the
/// bucket then reads empty a moment early; it is not empty for long.
///
/// The budget keeps a little headroom for the time requests spend in flight: one call of a
/// burst above two, and 5 % of the sustained rate. Without it, calls let out at exactly the
/// bucket's rate reach Auth0 with the network's jitter, and one that arrives a millisecond
/// early finds the bucket a fraction of a call short.
#[derive(Clone, Copy, PartialEq)]
pub struct RateBudget {
    pub(crate) limits: Limits,
    pub(crate) plan: Option<Plan>,
    pub(crate) background_share: f64,
}

impl fmt::Debug for RateBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string())
    }
}

impl fmt::Display for RateBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.limits, self.plan) {
            (Limits::Off, _) => f.write_str("off")?,
            (Limits::Learned, _) => f.write_str("learned")?,
            (_, Some(plan)) => f.write_str(plan.name())?,
            (Limits::Tenant { burst, per_second }, None) => write!(f, "{burst}/{per_second}")?,
            (Limits::PerEndpoint, None) => f.write_str("per-endpoint")?,
        }
        if self.limits != Limits::Off {
            write!(f, " (background share {} %)", self.background_share)?;
        }
        Ok(())
    }
}

impl Default for RateBudget {
    fn default() -> Self {
        Self::learned()
    }
}

impl RateBudget {
    /// No budget: calls are sent at once and a 429 is retried as the
    /// [`RetryPolicy`](crate::RetryPolicy) says.
    pub fn off() -> Self {
        Self {
            limits: Limits::Off,
            plan: None,
            background_share: DEFAULT_BACKGROUND_SHARE,
        }
    }

    /// Limits learned from the answers' headers (the default).
    pub fn learned() -> Self {
        Self {
            limits: Limits::Learned,
            ..Self::off()
        }
    }

    /// The limits of an Auth0 plan (see [`Plan`]).
    pub fn plan(plan: Plan) -> Self {
        let limits = match plan {
            Plan::Free => Limits::Tenant {
                burst: 2,
                per_second: 2.0,
            },
            Plan::EnterpriseProduction => Limits::Tenant {
                burst: 50,
                per_second: 16.0,
            },
            Plan::EnterpriseNonProduction => Limits::Tenant {
                burst: 10,
                per_second: 2.0,
            },
            Plan::Essentials | Plan::Professional => Limits::PerEndpoint,
        };
        Self {
            limits,
            plan: Some(plan),
            ..Self::off()
        }
    }

    /// One tenant-wide bucket of `burst` calls refilled at `per_second` calls a second (a
    /// contract's own limits, or a share of the tenant's that this fleet may use). Zero,
    /// negative and non-finite values are refused by
    /// [`build`](crate::ManagementClientBuilder::build).
    pub fn fixed(burst: u32, per_second: f64) -> Self {
        Self {
            limits: Limits::Tenant { burst, per_second },
            plan: None,
            ..Self::off()
        }
    }

    /// The share of the budget, in percent (above 0, at most 100), that
    /// [background](Priority::Background) calls may use; default 50
    /// ([`DEFAULT_BACKGROUND_SHARE`]). Out-of-range values are refused by
    /// [`build`](crate::ManagementClientBuilder::build).
    pub fn with_background_share(mut self, percent: f64) -> Self {
        self.background_share = percent;
        self
    }

    /// Whether calls are metered at all.
    pub fn is_enabled(&self) -> bool {
        self.limits != Limits::Off
    }

    /// The plan these limits come from, when they come from one.
    pub fn plan_name(&self) -> Option<Plan> {
        self.plan
    }

    /// The configured burst and rate of the tenant-wide bucket, when the limits are fixed
    /// (a single-bucket plan or [`fixed`](Self::fixed)).
    pub fn tenant_limit(&self) -> Option<(u32, f64)> {
        match self.limits {
            Limits::Tenant { burst, per_second } => Some((burst, per_second)),
            _ => None,
        }
    }

    /// The background share, in percent.
    pub fn background_share(&self) -> f64 {
        self.background_share
    }

    /// Checks the values: a burst and rate above zero, a share above 0 and at most 100 %.
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
        if let Limits::Tenant { burst, per_second } = self.limits {
            if burst == 0 {
                return Err(invalid("the burst must be at least 1".to_owned()));
            }
            if !(per_second.is_finite() && per_second > 0.0) {
                return Err(invalid(format!(
                    "the sustained rate must be a number of calls per second above zero, not {per_second}"
                )));
            }
        }
        let share = self.background_share;
        if !(share.is_finite() && share > 0.0 && share <= 100.0) {
            return Err(ConfigError::Invalid {
                field: "rate budget background share",
                reason: format!("must be above 0 and at most 100 (percent), not {share}"),
            });
        }
        Ok(())
    }

    /// The limit of the bucket a request of `class` draws on, when it is known in advance.
    pub(crate) fn configured_limit(&self, class: Class) -> Option<CellLimit> {
        match self.limits {
            Limits::Tenant { burst, per_second } => CellLimit::new(burst, per_second),
            Limits::PerEndpoint => class.per_minute_limit(),
            Limits::Off | Limits::Learned => None,
        }
    }
}

fn invalid(reason: String) -> ConfigError {
    ConfigError::Invalid {
        field: "rate budget",
        reason,
    }
}

impl FromStr for RateBudget {
    type Err = ConfigError;

    /// Reads what `AUTH0_RATE_BUDGET` holds: `off`, `learned`, a plan (`free`, `enterprise`
    /// or `enterprise-production`, `enterprise-non-production`, `essentials`,
    /// `professional`), or `BURST/PER_SECOND` (`50/16`, `10/2.5`). The result is checked as
    /// [`build`](crate::ManagementClientBuilder::build) checks it.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim().to_ascii_lowercase();
        let budget =
            match text.as_str() {
                "off" | "none" => Self::off(),
                "learned" | "auto" => Self::learned(),
                "free" => Self::plan(Plan::Free),
                "enterprise" | "enterprise-production" => Self::plan(Plan::EnterpriseProduction),
                "enterprise-non-production" | "non-production" => {
                    Self::plan(Plan::EnterpriseNonProduction)
                }
                "essentials" => Self::plan(Plan::Essentials),
                "professional" => Self::plan(Plan::Professional),
                other => {
                    let Some((burst, rate)) = other.split_once('/') else {
                        return Err(invalid(format!(
                            "{s:?} is not off, learned, a plan (free, enterprise, \
                         enterprise-non-production, essentials, professional) or BURST/PER_SECOND"
                        )));
                    };
                    let burst: i64 = burst.trim().parse().map_err(|_| {
                        invalid(format!("the burst of {s:?} is not a whole number"))
                    })?;
                    let per_second: f64 = rate.trim().parse().map_err(|_| {
                        invalid(format!("the sustained rate of {s:?} is not a number"))
                    })?;
                    if burst <= 0 {
                        return Err(invalid(format!("the burst of {s:?} must be at least 1")));
                    }
                    let burst = u32::try_from(burst)
                        .map_err(|_| invalid(format!("the burst of {s:?} is too large")))?;
                    Self::fixed(burst, per_second)
                }
            };
        budget.check()?;
        Ok(budget)
    }
}

impl crate::ManagementClient {
    /// A snapshot of the rate budget: its configuration, where it is kept, the limit and
    /// remaining slots last seen, and how many calls waited, were refused or were answered
    /// 429.
    ///
    /// ```no_run
    /// # fn run(client: auth0_m2m::ManagementClient) {
    /// let budget = client.rate_budget();
    /// println!(
    ///     "{} via {}: {:?} of {:?} left, {} waits, {} answers 429",
    ///     budget.budget, budget.backend, budget.remaining, budget.limit, budget.waits,
    ///     budget.rate_limited_answers
    /// );
    /// # }
    /// ```
    pub fn rate_budget(&self) -> RateBudgetSnapshot {
        self.inner.budget.snapshot()
    }
}

/// What the budget has done so far and what it knows of the limit, from
/// [`ManagementClient::rate_budget`](crate::ManagementClient::rate_budget).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RateBudgetSnapshot {
    /// The configuration (`learned`, a plan, `BURST/PER_SECOND`, `off`).
    pub budget: RateBudget,
    /// Where the budget is kept: `memory` (this process), `redis` (shared), or a custom
    /// store's name.
    pub backend: &'static str,
    /// Whether the last reservation went through the shared store (false while it is
    /// unreachable and the process keeps its own budget).
    pub shared: bool,
    /// The size of the bucket of the last call, configured or learned (`x-ratelimit-limit`).
    pub limit: Option<u32>,
    /// Its sustained rate in calls per second, configured or learned.
    pub per_second: Option<f64>,
    /// The slots left after the last reservation or answer.
    pub remaining: Option<u32>,
    /// Calls that waited for a slot.
    pub waits: u64,
    /// The total time calls waited for slots.
    pub waited: Duration,
    /// Calls refused without being sent (no slot within their timeout).
    pub refused: u64,
    /// HTTP 429 answers seen.
    pub rate_limited_answers: u64,
    /// Pauses set after a 429 or `remaining: 0`.
    pub pauses: u64,
    /// Failed or timed-out operations of the shared store (the call then used the
    /// in-process budget).
    pub shared_failures: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_and_rates_parse_and_bad_values_are_config_errors() {
        assert_eq!("off".parse::<RateBudget>().unwrap(), RateBudget::off());
        assert_eq!(
            " Enterprise ".parse::<RateBudget>().unwrap(),
            RateBudget::plan(Plan::EnterpriseProduction)
        );
        assert_eq!(
            "50/40".parse::<RateBudget>().unwrap(),
            RateBudget::fixed(50, 40.0)
        );
        assert_eq!(
            "10/2.5".parse::<RateBudget>().unwrap().tenant_limit(),
            Some((10, 2.5))
        );
        for bad in [
            "0/2", "-5/2", "5/0", "5/-1", "5/nan", "5/inf", "five/2", "gold", "5",
        ] {
            let e = bad.parse::<RateBudget>().unwrap_err();
            assert!(
                matches!(
                    e,
                    ConfigError::Invalid {
                        field: "rate budget",
                        ..
                    }
                ),
                "{bad}: {e:?}"
            );
        }
        for share in [0.0, -1.0, 100.5, f64::NAN] {
            let e = RateBudget::learned()
                .with_background_share(share)
                .check()
                .unwrap_err();
            assert!(
                matches!(
                    e,
                    ConfigError::Invalid {
                        field: "rate budget background share",
                        ..
                    }
                ),
                "{share}: {e:?}"
            );
        }
        assert!(
            RateBudget::learned()
                .with_background_share(100.0)
                .check()
                .is_ok()
        );
    }

    #[test]
    fn the_per_endpoint_plans_classify_requests() {
        use http::Method;
        let budget = RateBudget::plan(Plan::Professional);
        let limit = |m: Method, p: &str| budget.configured_limit(Class::of(&m, p)).unwrap();
        assert_eq!(limit(Method::GET, "/api/v2/users/auth0%7C1").burst(), 40);
        assert_eq!(limit(Method::PATCH, "/api/v2/users/auth0%7C1").burst(), 20);
        assert_eq!(limit(Method::GET, "/api/v2/users-by-email").burst(), 40);
        assert_eq!(limit(Method::GET, "/api/v2/logs").burst(), 10);
        assert_eq!(limit(Method::GET, "/api/v2/clients").burst(), 5);
        assert_eq!(limit(Method::POST, "/api/v2/clients").burst(), 10);
        let users = limit(Method::GET, "/api/v2/users");
        assert!((users.per_second() - 500.0 / 60.0).abs() < 1e-9);
        assert_eq!(
            RateBudget::plan(Plan::Free).configured_limit(Class::Other),
            CellLimit::new(2, 2.0)
        );
        assert_eq!(RateBudget::learned().configured_limit(Class::Other), None);
    }

    #[test]
    fn display_names_the_configuration() {
        assert_eq!(RateBudget::off().to_string(), "off");
        assert_eq!(
            RateBudget::plan(Plan::Free).to_string(),
            "free (background share 50 %)"
        );
        assert_eq!(
            RateBudget::fixed(50, 40.0)
                .with_background_share(25.0)
                .to_string(),
            "50/40 (background share 25 %)"
        );
    }
}

#[cfg(test)]
mod gate_tests;
