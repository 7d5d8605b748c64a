//! The rate budget kept in Redis: one hash per tenant and bucket (`tat`, `btat`, `pause`,
//! `seen`), read and written by one Lua script per reservation on Redis's own clock, so a
//! fleet shares one timeline whatever its hosts' clocks say. The scripts compute what
//! [`BucketState::reserve`](crate::rate::BucketState::reserve) and
//! [`BucketState::pause`](crate::rate::BucketState::pause) compute, step by step.

use std::sync::LazyLock;
use std::time::Duration;

use auth0_m2m_token::BoxFuture;
use redis::Script;

use super::RedisCache;
use crate::cache::CacheError;
use crate::rate::{MAX_PAUSE, MAX_RESERVATION_AHEAD, RateRequest, RateStore, Throttle};

/// Common head of both scripts: `now` from Redis's clock, the bucket's state, and the clock
/// correction (a `now` below the last one seen moves every time back by the difference).
const LOAD: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local h = redis.call('HMGET', KEYS[1], 'tat', 'btat', 'pause', 'seen')
local tat = tonumber(h[1]) or 0
local btat = tonumber(h[2]) or 0
local pause = tonumber(h[3]) or 0
local seen = tonumber(h[4]) or 0
if now < seen then
  local back = seen - now
  tat = tat - back
  btat = btat - back
  pause = pause - back
end
local function save()
  local last = math.max(tat, btat, pause, now)
  redis.call('HSET', KEYS[1], 'tat', tat, 'btat', btat, 'pause', pause, 'seen', now)
  redis.call('PEXPIRE', KEYS[1], math.floor((last - now) / 1000) + 2000)
end
";

/// ARGV: max pause (µs), max ahead (µs), max wait (µs), burst (0: unknown), interval (µs),
/// share burst (0: none), share interval (µs). Returns {allowed, wait µs, limit, remaining,
/// paused}.
const RESERVE: &str = r"
local max_pause = tonumber(ARGV[1])
local ahead = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local interval = tonumber(ARGV[5])
local sburst = tonumber(ARGV[6])
local sinterval = tonumber(ARGV[7])
pause = math.min(pause, now + max_pause)
if pause > now then
  save()
  return {0, pause - now, burst, 0, 1}
end
if burst == 0 then
  save()
  return {1, 0, 0, 0, 0}
end
local tau = interval * burst
tat = math.min(tat, now + tau + ahead)
local at = math.max(math.max(tat, now) + interval - tau, now)
local staub = 0
if sburst > 0 then
  staub = sinterval * sburst
  btat = math.min(btat, now + staub + ahead)
  at = math.max(at, math.max(btat, now) + sinterval - staub)
end
local wait = at - now
if wait > max_wait then
  local remaining = math.max(math.floor((now + tau - math.max(tat, now)) / interval), 0)
  save()
  return {0, wait, burst, remaining, 0}
end
tat = math.max(tat, at) + interval
if sburst > 0 then
  btat = math.max(btat, at) + sinterval
end
save()
return {1, wait, burst, math.max(math.floor((now + tau - tat) / interval), 0), 0}
";

/// ARGV: pause (µs, already capped). Keeps a longer pause.
const PAUSE: &str = r"
pause = math.max(pause, now + tonumber(ARGV[1]))
save()
return 1
";

static RESERVE_SCRIPT: LazyLock<Script> =
    LazyLock::new(|| Script::new(&format!("{LOAD}{RESERVE}")));
static PAUSE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(&format!("{LOAD}{PAUSE}")));

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

fn duration(us: i64) -> Duration {
    Duration::from_micros(u64::try_from(us).unwrap_or(0))
}

impl RateStore for RedisCache {
    fn reserve<'a, 'b, 'fut>(
        &'a self,
        request: &'b RateRequest,
    ) -> BoxFuture<'fut, Result<Throttle, CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut,
    {
        Box::pin(async move {
            let (burst, interval) = request
                .limit
                .map_or((0, 1), |l| (l.burst(), l.interval_micros()));
            let (sburst, sinterval) = request
                .share
                .map_or((0, 1), |l| (l.burst(), l.interval_micros()));
            let mut inv = RESERVE_SCRIPT.key(&request.key);
            inv.arg(micros(MAX_PAUSE))
                .arg(micros(MAX_RESERVATION_AHEAD))
                .arg(micros(request.max_wait))
                .arg(burst)
                .arg(interval)
                .arg(sburst)
                .arg(sinterval);
            let (allowed, wait, limit, remaining, paused): (i64, i64, i64, i64, i64) =
                self.script("rate reserve", &inv).await?;
            Ok(Throttle {
                allowed: allowed == 1,
                wait: duration(wait),
                limit: u32::try_from(limit).unwrap_or(0),
                remaining: u32::try_from(remaining).unwrap_or(0),
                paused: paused == 1,
            })
        })
    }

    fn pause<'a, 'b, 'fut>(
        &'a self,
        key: &'b str,
        duration: Duration,
    ) -> BoxFuture<'fut, Result<(), CacheError>>
    where
        'a: 'fut,
        'b: 'fut,
        Self: 'fut,
    {
        Box::pin(async move {
            let mut inv = PAUSE_SCRIPT.key(key);
            inv.arg(micros(duration.min(MAX_PAUSE)));
            let _: i64 = self.script("rate pause", &inv).await?;
            Ok(())
        })
    }

    fn backend_name(&self) -> &'static str {
        "redis"
    }
}
