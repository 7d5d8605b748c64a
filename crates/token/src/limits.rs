//! What Auth0 says about its limits on every answer: the rate-limit headers, the M2M token
//! quota headers, and the one rule that turns them into a wait before a retry.

use std::time::{Duration, SystemTime};

use http::HeaderMap;

/// The longest quota header value that is parsed; longer values are ignored.
const MAX_QUOTA_HEADER_CHARS: usize = 512;

/// Rate-limit and quota information that Auth0 sends with its answers.
///
/// Auth0 sends `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` on every
/// answer of the Management API and of `/oauth/token`, successful or not; `Retry-After` on
/// some 429 and 503 answers; and the M2M quota headers (`Auth0-Client-Quota-Limit`,
/// `Auth0-Organization-Quota-Limit`) when the tenant has quotas.
///
/// ```
/// use auth0_m2m_token::RateLimit;
/// use http::HeaderMap;
/// use std::time::{Duration, SystemTime};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("x-ratelimit-remaining", "3".parse().unwrap());
/// headers.insert("x-ratelimit-reset", "1700000060".parse().unwrap());
/// headers.insert(
///     "auth0-client-quota-limit",
///     "b=per_hour;q=10;r=7;t=3540,b=per_day;q=100;r=97;t=86340".parse().unwrap(),
/// );
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let limits = RateLimit::from_headers(&headers, now);
/// assert_eq!(limits.remaining, Some(3));
/// let hourly = limits.client_quota.as_ref().and_then(|q| q.per_hour()).unwrap();
/// assert_eq!((hourly.quota, hourly.remaining), (10, 7));
/// // A 429 waits for the window to reset; a 503 does not wait on the rate-limit clock.
/// assert_eq!(limits.server_wait(429, now), Some(Duration::from_secs(60)));
/// assert_eq!(limits.server_wait(503, now), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimit {
    /// `X-RateLimit-Limit`: requests allowed in the current window.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`: requests left in the current window.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Reset`: when the window resets (Unix seconds in the header).
    pub reset: Option<SystemTime>,
    /// `Retry-After`: how long to wait before trying again (seconds or an HTTP date in the
    /// header), relative to when the answer was read.
    pub retry_after: Option<Duration>,
    /// `Auth0-Client-Quota-Limit`: the client's M2M token quota, per bucket.
    pub client_quota: Option<Quota>,
    /// `Auth0-Organization-Quota-Limit`: the organization's M2M token quota, per bucket.
    pub organization_quota: Option<Quota>,
}

impl RateLimit {
    /// Reads the headers of an answer received at `now`. Missing or unparsable values are
    /// `None`; nothing here fails.
    pub fn from_headers(headers: &HeaderMap, now: SystemTime) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let num = |name: &str| text(name).and_then(|v| v.parse::<u64>().ok());
        let retry_after = text("retry-after").and_then(|v| {
            if let Ok(secs) = v.parse::<u64>() {
                Some(Duration::from_secs(secs))
            } else {
                httpdate::parse_http_date(v)
                    .ok()
                    .map(|at| at.duration_since(now).unwrap_or_default())
            }
        });
        RateLimit {
            limit: num("x-ratelimit-limit"),
            remaining: num("x-ratelimit-remaining"),
            reset: num("x-ratelimit-reset")
                .and_then(|s| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(s))),
            retry_after,
            client_quota: text("auth0-client-quota-limit").and_then(Quota::parse),
            organization_quota: text("auth0-organization-quota-limit").and_then(Quota::parse),
        }
    }

    /// The wait the server asks for before retrying an answer with `status`, relative to
    /// `now`. This is the retry rule of every layer of this workspace:
    ///
    /// - **429**: `Retry-After`, else the time until `X-RateLimit-Reset`;
    /// - **503**: `Retry-After` only: Auth0 sends `X-RateLimit-Reset` on every answer, and it
    ///   says when the rate-limit window resets, not when the service is back;
    /// - anything else: no server wait (the caller backs off exponentially).
    ///
    /// A wait of zero (a `Retry-After: 0`, a reset already past) is returned as zero; the
    /// [`RetryPolicy`](crate::RetryPolicy) then backs off as if there were no hint.
    pub fn server_wait(&self, status: u16, now: SystemTime) -> Option<Duration> {
        match status {
            429 => self.retry_after.or_else(|| {
                self.reset
                    .map(|r| r.duration_since(now).unwrap_or_default())
            }),
            503 => self.retry_after,
            _ => None,
        }
    }
}

/// An M2M token quota as Auth0 reports it in `Auth0-Client-Quota-Limit` or
/// `Auth0-Organization-Quota-Limit` (`b=per_hour;q=10;r=7;t=3540,b=per_day;q=100;r=97;t=86340`):
/// one [`QuotaBucket`] per period.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Quota {
    /// The buckets in the order of the header.
    pub buckets: Vec<QuotaBucket>,
}

/// One bucket of a [`Quota`]: a period with its quota, what remains of it and when it resets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QuotaBucket {
    /// The period (`b=`): `per_hour`, `per_day`, or another name Auth0 may add.
    pub period: String,
    /// Tokens allowed in the period (`q=`).
    pub quota: u64,
    /// Tokens left in the period (`r=`).
    pub remaining: u64,
    /// Time until the period resets (`t=`, seconds).
    pub resets_in: Duration,
}

impl Quota {
    /// Parses a quota header value. Buckets that lack a field or carry a malformed number are
    /// skipped; `None` when no bucket is usable.
    ///
    /// ```
    /// let quota = auth0_m2m_token::Quota::parse("b=per_day;q=100;r=97;t=86340").unwrap();
    /// assert_eq!(quota.per_day().unwrap().remaining, 97);
    /// assert!(auth0_m2m_token::Quota::parse("garbage").is_none());
    /// ```
    pub fn parse(value: &str) -> Option<Quota> {
        if value.len() > MAX_QUOTA_HEADER_CHARS {
            return None;
        }
        let buckets: Vec<QuotaBucket> = value
            .split(',')
            .filter_map(|bucket| {
                let (mut period, mut quota, mut remaining, mut resets_in) =
                    (None, None, None, None);
                for field in bucket.split(';') {
                    let (key, val) = field.trim().split_once('=')?;
                    let val = val.trim();
                    match key.trim() {
                        "b" if !val.is_empty() => period = Some(val.to_owned()),
                        "q" => quota = Some(val.parse::<u64>().ok()?),
                        "r" => remaining = Some(val.parse::<u64>().ok()?),
                        "t" => resets_in = Some(Duration::from_secs(val.parse::<u64>().ok()?)),
                        _ => {}
                    }
                }
                Some(QuotaBucket {
                    period: period?,
                    quota: quota?,
                    remaining: remaining?,
                    resets_in: resets_in?,
                })
            })
            .collect();
        (!buckets.is_empty()).then_some(Quota { buckets })
    }

    /// The bucket of `period` (`per_hour`, `per_day`, …).
    pub fn bucket(&self, period: &str) -> Option<&QuotaBucket> {
        self.buckets.iter().find(|b| b.period == period)
    }

    /// The hourly bucket.
    pub fn per_hour(&self) -> Option<&QuotaBucket> {
        self.bucket("per_hour")
    }

    /// The daily bucket.
    pub fn per_day(&self) -> Option<&QuotaBucket> {
        self.bucket("per_day")
    }

    /// The fewest tokens left in any bucket: what the next token request may use.
    pub fn remaining(&self) -> Option<u64> {
        self.buckets.iter().map(|b| b.remaining).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn reset_is_a_wait_only_for_429() {
        // What Auth0 sends on every answer: a reset up to 4321 s ahead.
        let now = at(1_700_000_000);
        let rl = RateLimit::from_headers(
            &headers(&[
                ("x-ratelimit-limit", "50"),
                ("x-ratelimit-remaining", "49"),
                ("x-ratelimit-reset", "1700004321"),
            ]),
            now,
        );
        assert_eq!(rl.server_wait(429, now), Some(Duration::from_secs(4321)));
        for status in [500, 502, 503, 504, 400, 401] {
            assert_eq!(rl.server_wait(status, now), None, "{status}");
        }
    }

    #[test]
    fn retry_after_counts_for_429_and_503_only() {
        let now = at(1_700_000_000);
        let rl = RateLimit::from_headers(
            &headers(&[("retry-after", "7"), ("x-ratelimit-reset", "1700003600")]),
            now,
        );
        assert_eq!(rl.server_wait(429, now), Some(Duration::from_secs(7)));
        assert_eq!(rl.server_wait(503, now), Some(Duration::from_secs(7)));
        assert_eq!(rl.server_wait(500, now), None);
        assert_eq!(rl.server_wait(502, now), None);
    }

    #[test]
    fn a_past_reset_is_a_zero_wait() {
        let now = at(1_700_000_000);
        let rl = RateLimit::from_headers(&headers(&[("x-ratelimit-reset", "1699999990")]), now);
        assert_eq!(rl.server_wait(429, now), Some(Duration::ZERO));
    }

    #[test]
    fn quota_buckets() {
        let q = Quota::parse("b=per_hour;q=10;r=7;t=3540,b=per_day;q=100;r=97;t=86340").unwrap();
        assert_eq!(q.buckets.len(), 2);
        let h = q.per_hour().unwrap();
        assert_eq!(
            (h.quota, h.remaining, h.resets_in),
            (10, 7, Duration::from_secs(3540))
        );
        let d = q.per_day().unwrap();
        assert_eq!(
            (d.quota, d.remaining, d.resets_in),
            (100, 97, Duration::from_secs(86340))
        );
        assert_eq!(q.remaining(), Some(7));
        assert!(q.bucket("per_week").is_none());
    }

    #[test]
    fn quota_tolerates_spaces_unknown_fields_and_skips_broken_buckets() {
        let q = Quota::parse(" b=per_hour; q=10 ;r=0;t=5;x=1 , b=per_day;q=abc;r=1;t=1").unwrap();
        assert_eq!(q.buckets.len(), 1);
        assert_eq!(q.per_hour().unwrap().remaining, 0);
        for bad in [
            "",
            "b=per_hour",
            "q=1;r=1;t=1",
            "b=;q=1;r=1;t=1",
            "b=x;q=-1;r=1;t=1",
        ] {
            assert!(Quota::parse(bad).is_none(), "{bad:?}");
        }
        assert!(Quota::parse(&"b=per_hour;q=1;r=1;t=1,".repeat(100)).is_none());
    }

    #[test]
    fn a_quota_header_of_exactly_the_longest_length_is_read() {
        let bucket = "b=per_hour;q=1;r=1;t=1";
        let mut value = bucket.to_owned();
        value.push_str(&" ".repeat(MAX_QUOTA_HEADER_CHARS - value.len()));
        assert_eq!(value.len(), MAX_QUOTA_HEADER_CHARS);
        assert_eq!(Quota::parse(&value).unwrap().remaining(), Some(1));
        value.push(' ');
        assert!(Quota::parse(&value).is_none(), "one character too long");
    }

    #[test]
    fn both_quota_headers_are_read() {
        let rl = RateLimit::from_headers(
            &headers(&[
                ("auth0-client-quota-limit", "b=per_hour;q=10;r=7;t=3540"),
                (
                    "auth0-organization-quota-limit",
                    "b=per_day;q=100;r=97;t=86340",
                ),
            ]),
            at(0),
        );
        assert_eq!(rl.client_quota.unwrap().per_hour().unwrap().remaining, 7);
        assert_eq!(
            rl.organization_quota.unwrap().per_day().unwrap().remaining,
            97
        );
    }
}
