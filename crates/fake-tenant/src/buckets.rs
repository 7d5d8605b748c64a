//! Auth0's Management API rate limits as token buckets: one per tenant and, on the plans that
//! have them, one per endpoint class; each a bucket of `burst` calls refilled continuously at
//! `per_second`. The tenant's bucket is checked first, then the endpoint's. Every answer
//! carries the `x-ratelimit-*` headers of the bucket that decided (the one with the fewest
//! calls left): `limit` its size, `remaining` the whole calls left, `reset` the Unix second
//! (rounded up) at which it is full again; a refusal is Auth0's 429 with `Retry-After`, the
//! seconds until one call is back (rounded up).
//!
//! Configured with [`FakeTenantBuilder::rate_buckets`](crate::FakeTenantBuilder::rate_buckets),
//! [`FakeTenantBuilder::endpoint_rate_bucket`](crate::FakeTenantBuilder::endpoint_rate_bucket),
//! `--rate-limit BURST/PER_SECOND` and `--endpoint-rate-limit CLASS=BURST/PER_MINUTE`, and at
//! run time with [`FakeTenant::set_rate_buckets`](crate::FakeTenant::set_rate_buckets) or
//! `POST /__fake/rate-buckets`. Without buckets the per-second window of
//! [`FakeTenantBuilder::rate_limit`](crate::FakeTenantBuilder::rate_limit) applies.

use crate::util::IntoObject;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use http::Method;
use serde_json::Value;

use crate::json_form::{self as form, Fields, serde_through_json};

use crate::util::lock;

/// The endpoint classes of Auth0's per-endpoint limits (Essentials and Professional plans).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum EndpointClass {
    /// `GET` of `/api/v2/users…` and `/api/v2/users-by-email`.
    ReadUsers,
    /// Any other method on those paths.
    WriteUsers,
    /// `GET /api/v2/logs…`.
    ReadLogs,
    /// `GET /api/v2/clients…`.
    ReadClients,
    /// Every other endpoint.
    Other,
}

impl EndpointClass {
    /// The class of a request.
    pub fn of(method: &Method, path: &str) -> Self {
        let first = path
            .strip_prefix("/api/v2/")
            .unwrap_or(path)
            .split('/')
            .next()
            .unwrap_or_default();
        let read = method == Method::GET || method == Method::HEAD;
        match (first, read) {
            ("users" | "users-by-email", true) => Self::ReadUsers,
            ("users" | "users-by-email", false) => Self::WriteUsers,
            ("logs", true) => Self::ReadLogs,
            ("clients", true) => Self::ReadClients,
            _ => Self::Other,
        }
    }

    /// Every class, in the order of their names in messages.
    const ALL: [Self; 5] = [
        Self::ReadUsers,
        Self::WriteUsers,
        Self::ReadLogs,
        Self::ReadClients,
        Self::Other,
    ];

    /// Reads a class name: `read-users`, `write-users`, `read-logs`, `read-clients`, `other`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|class| class.name() == name)
    }
}

/// The size and refill rate of one bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketLimit {
    /// The bucket size (at least 1).
    pub burst: u64,
    /// Calls refilled per second (above zero).
    pub per_second: f64,
}

impl BucketLimit {
    /// A limit, or `None` when the burst is zero or the rate not above zero.
    pub fn new(burst: u64, per_second: f64) -> Option<Self> {
        (burst > 0 && per_second.is_finite() && per_second > 0.0)
            .then_some(Self { burst, per_second })
    }

    /// Reads `BURST/PER_SECOND` (`50/40`, `10/2.5`).
    pub fn parse(spec: &str) -> Option<Self> {
        let (burst, rate) = spec.split_once('/')?;
        Self::new(burst.trim().parse().ok()?, rate.trim().parse().ok()?)
    }
}

/// The buckets of a tenant: tenant-wide and per endpoint class (JSON of
/// `POST /__fake/rate-buckets`: `{"tenant": {"burst": 50, "per_second": 40}, "endpoints":
/// {"read-users": {"burst": 40, "per_second": 8.33}}}`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RateBuckets {
    /// The tenant-wide bucket.
    pub tenant: Option<BucketLimit>,
    /// The per-endpoint buckets.
    pub endpoints: BTreeMap<EndpointClass, BucketLimit>,
}

impl RateBuckets {
    /// Whether any bucket is configured.
    pub fn is_empty(&self) -> bool {
        self.tenant.is_none() && self.endpoints.is_empty()
    }
}

/// One bucket's fill.
#[derive(Debug, Clone, Copy)]
struct Fill {
    tokens: f64,
    at: Instant,
}

impl Fill {
    fn full(limit: BucketLimit, now: Instant) -> Self {
        Self {
            tokens: limit.burst as f64,
            at: now,
        }
    }

    fn refill(&mut self, limit: BucketLimit, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * limit.per_second).min(limit.burst as f64);
        self.at = now;
    }

    /// The answer's headers for this bucket: `allowed` says whether the call got a token.
    fn info(&self, limit: BucketLimit, allowed: bool, wall: f64) -> RateInfo {
        let to_full = (limit.burst as f64 - self.tokens).max(0.0) / limit.per_second;
        let to_one = (1.0 - self.tokens).max(0.0) / limit.per_second;
        RateInfo {
            allowed,
            limit: limit.burst,
            remaining: self.tokens.floor().max(0.0) as u64,
            reset: (wall + to_full).ceil() as u64,
            retry_after: Some((to_one.ceil() as u64).max(1)),
        }
    }
}

/// The configured buckets and their fills.
#[derive(Debug, Default)]
pub(crate) struct Buckets {
    inner: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    config: RateBuckets,
    tenant: Option<Fill>,
    endpoints: BTreeMap<EndpointClass, Fill>,
}

impl Buckets {
    pub(crate) fn new(config: RateBuckets) -> Self {
        Self {
            inner: Mutex::new(State {
                config,
                ..State::default()
            }),
        }
    }

    /// Replaces the configuration; every bucket starts full.
    pub(crate) fn set(&self, config: RateBuckets) {
        *lock(&self.inner) = State {
            config,
            ..State::default()
        };
    }

    /// The configuration.
    pub(crate) fn config(&self) -> RateBuckets {
        lock(&self.inner).config.clone()
    }

    /// Fills every bucket again.
    pub(crate) fn refill_all(&self) {
        let mut state = lock(&self.inner);
        state.tenant = None;
        state.endpoints.clear();
    }

    /// Takes one call from the tenant's bucket, then from the endpoint's; `None` when no
    /// bucket is configured.
    pub(crate) fn hit(&self, method: &Method, path: &str) -> Option<RateInfo> {
        let mut guard = lock(&self.inner);
        let state = &mut *guard;
        if state.config.is_empty() {
            return None;
        }
        let now = Instant::now();
        let wall = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        let mut decided: Option<RateInfo> = None;
        if let Some(limit) = state.config.tenant {
            let fill = state.tenant.get_or_insert_with(|| Fill::full(limit, now));
            fill.refill(limit, now);
            let allowed = fill.tokens >= 1.0;
            if allowed {
                fill.tokens -= 1.0;
            }
            let info = fill.info(limit, allowed, wall);
            if !allowed {
                return Some(info);
            }
            decided = Some(info);
        }
        let class = EndpointClass::of(method, path);
        if let Some(limit) = state.config.endpoints.get(&class).copied() {
            let fill = state
                .endpoints
                .entry(class)
                .or_insert_with(|| Fill::full(limit, now));
            fill.refill(limit, now);
            let allowed = fill.tokens >= 1.0;
            if allowed {
                fill.tokens -= 1.0;
            }
            let info = fill.info(limit, allowed, wall);
            if !allowed || decided.is_none_or(|d| info.remaining < d.remaining) {
                decided = Some(info);
            }
        }
        decided
    }
}

/// The outcome of counting one request against a window.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RateInfo {
    pub(crate) allowed: bool,
    pub(crate) limit: u64,
    pub(crate) remaining: u64,
    pub(crate) reset: u64,
    /// The seconds until a call is allowed again, when known (token buckets); else the
    /// time to `reset`.
    pub(crate) retry_after: Option<u64>,
}

impl EndpointClass {
    /// The class's name in JSON and on the command line (`read-users`…).
    pub fn name(&self) -> &'static str {
        match self {
            Self::ReadUsers => "read-users",
            Self::WriteUsers => "write-users",
            Self::ReadLogs => "read-logs",
            Self::ReadClients => "read-clients",
            Self::Other => "other",
        }
    }

    fn from_name(name: String) -> Result<Self, String> {
        Self::parse(&name).ok_or_else(|| {
            let names: Vec<String> = Self::ALL
                .iter()
                .map(|c| format!("`{}`", c.name()))
                .collect();
            format!(
                "unknown variant `{name}`, expected one of {}",
                names.join(", ")
            )
        })
    }

    fn from_json(value: Value) -> Result<Self, String> {
        Self::from_name(form::string(value)?)
    }
}

impl serde::Serialize for EndpointClass {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for EndpointClass {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = <Value as serde::Deserialize>::deserialize(deserializer)?;
        Self::from_json(value).map_err(<D::Error as serde::de::Error>::custom)
    }
}

impl BucketLimit {
    fn json(&self) -> Value {
        crate::util::json!({"burst": self.burst, "per_second": self.per_second})
    }

    fn from_json(value: Value) -> Result<Self, String> {
        let mut f = Fields::of(value, "a bucket")?;
        Ok(Self {
            burst: f.required("burst", form::u64_)?,
            per_second: f.required("per_second", form::f64_)?,
        })
    }
}

serde_through_json!(BucketLimit);

impl RateBuckets {
    fn json(&self) -> Value {
        let mut map = serde_json::Map::new();
        map.insert(
            "tenant".into(),
            self.tenant.as_ref().map_or(Value::Null, BucketLimit::json),
        );
        map.insert(
            "endpoints".into(),
            Value::Object(
                self.endpoints
                    .iter()
                    .map(|(class, limit)| (class.name().to_owned(), limit.json()))
                    .into_object(),
            ),
        );
        Value::Object(map)
    }

    fn from_json(value: Value) -> Result<Self, String> {
        let mut f = Fields::of(value, "rate buckets")?;
        Ok(Self {
            tenant: f.optional("tenant", BucketLimit::from_json)?,
            endpoints: f.or_default("endpoints", |v| {
                form::map_of(v, EndpointClass::from_name, BucketLimit::from_json)
            })?,
        })
    }
}

serde_through_json!(RateBuckets);

#[cfg(test)]
mod tests {
    use super::*;

    fn buckets(tenant: Option<(u64, f64)>, endpoints: &[(EndpointClass, u64, f64)]) -> Buckets {
        Buckets::new(RateBuckets {
            tenant: tenant.and_then(|(b, r)| BucketLimit::new(b, r)),
            endpoints: endpoints
                .iter()
                .filter_map(|(c, b, r)| Some((*c, BucketLimit::new(*b, *r)?)))
                .collect(),
        })
    }

    #[test]
    fn the_tenant_bucket_allows_its_burst_and_counts_down() {
        // A slow refill, so that the test's own time cannot add a call.
        let b = buckets(Some((3, 0.01)), &[]);
        let infos: Vec<(bool, u64, u64)> = (0..4)
            .map(|_| {
                let i = b.hit(&Method::GET, "/api/v2/clients").unwrap();
                (i.allowed, i.limit, i.remaining)
            })
            .collect();
        assert_eq!(
            infos,
            [(true, 3, 2), (true, 3, 1), (true, 3, 0), (false, 3, 0)]
        );
        let refused = b.hit(&Method::GET, "/api/v2/clients").unwrap();
        assert_eq!(refused.retry_after, Some(100), "one call back in 100 s");
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(
            refused.reset >= now + 299 && refused.reset <= now + 301,
            "{refused:?}"
        );
        b.refill_all();
        assert!(b.hit(&Method::GET, "/api/v2/clients").unwrap().allowed);
    }

    #[test]
    fn the_bucket_refills_at_its_rate() {
        let b = buckets(Some((1, 50.0)), &[]);
        assert!(b.hit(&Method::GET, "/api/v2/roles").unwrap().allowed);
        assert!(!b.hit(&Method::GET, "/api/v2/roles").unwrap().allowed);
        std::thread::sleep(std::time::Duration::from_millis(30));
        assert!(b.hit(&Method::GET, "/api/v2/roles").unwrap().allowed);
    }

    #[test]
    fn endpoint_buckets_apply_per_class_after_the_tenant() {
        let b = buckets(Some((100, 0.01)), &[(EndpointClass::ReadClients, 2, 0.01)]);
        assert!(b.hit(&Method::GET, "/api/v2/clients").unwrap().allowed);
        let second = b.hit(&Method::GET, "/api/v2/clients").unwrap();
        assert_eq!(
            (second.limit, second.remaining),
            (2, 0),
            "the endpoint decides"
        );
        assert!(!b.hit(&Method::GET, "/api/v2/clients/abc").unwrap().allowed);
        // Other classes are not held up.
        let users = b.hit(&Method::GET, "/api/v2/users").unwrap();
        assert!(users.allowed);
        assert_eq!(users.limit, 100);
        assert_eq!(
            EndpointClass::of(&Method::PATCH, "/api/v2/users/x"),
            EndpointClass::WriteUsers
        );
        assert!(
            buckets(None, &[])
                .hit(&Method::GET, "/api/v2/users")
                .is_none()
        );
    }

    #[test]
    fn limits_parse_and_refuse_zero_and_negative_values() {
        assert_eq!(BucketLimit::parse("50/40"), BucketLimit::new(50, 40.0));
        for bad in ["0/1", "5/0", "5/-1", "x/1", "5"] {
            assert_eq!(BucketLimit::parse(bad), None, "{bad}");
        }
        assert_eq!(
            EndpointClass::parse("read-logs"),
            Some(EndpointClass::ReadLogs)
        );
        let json: RateBuckets = serde_json::from_str(
            r#"{"tenant":{"burst":50,"per_second":40},"endpoints":{"read-users":{"burst":40,"per_second":8}}}"#,
        )
        .unwrap();
        assert_eq!(json.tenant, BucketLimit::new(50, 40.0));
        assert_eq!(json.endpoints.len(), 1);
    }
}
