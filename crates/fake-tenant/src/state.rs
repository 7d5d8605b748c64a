//! Shared tenant state: data store, counters, rate limits, faults, revocation.

use crate::keys::SigningKey;
use crate::{Fault, FaultTarget, Stats};
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Everything the Management API serves, as JSON objects in creation order.
#[derive(Default)]
pub(crate) struct Store {
    pub(crate) clients: Vec<Value>,
    pub(crate) grants: Vec<Value>,
    pub(crate) resource_servers: Vec<Value>,
    pub(crate) users: Vec<Value>,
    pub(crate) roles: Vec<Value>,
    pub(crate) role_permissions: HashMap<String, Vec<Value>>,
    pub(crate) user_roles: HashMap<String, Vec<String>>,
    pub(crate) user_permissions: HashMap<String, Vec<Value>>,
    pub(crate) organizations: Vec<Value>,
    pub(crate) org_members: HashMap<String, Vec<String>>,
    pub(crate) connections: Vec<Value>,
    pub(crate) logs: Vec<Value>,
    pub(crate) jobs: Vec<Value>,
    pub(crate) tenant_settings: Value,
    /// Public keys (SubjectPublicKeyInfo PEM) of `private_key_jwt` clients.
    pub(crate) client_keys: HashMap<String, String>,
    /// `jti` values of client assertions already used, with their `exp`.
    pub(crate) used_jti: HashMap<String, u64>,
    pub(crate) log_seq: u64,
}

impl Store {
    /// Appends a log event; `fields` holds the type-specific values.
    pub(crate) fn log(&mut self, kind: &str, description: &str, mut fields: Value) {
        self.log_seq += 1;
        let now = crate::util::now_ms();
        let id = format!("900{}{:036}", crate::util::compact_date(now), self.log_seq);
        let obj = fields.as_object_mut();
        if let Some(o) = obj {
            o.insert("_id".into(), Value::String(id.clone()));
            o.insert("log_id".into(), Value::String(id));
            o.insert("date".into(), Value::String(crate::util::iso8601(now)));
            o.insert("type".into(), Value::String(kind.into()));
            o.insert("description".into(), Value::String(description.into()));
            o.entry("ip").or_insert(Value::String("127.0.0.1".into()));
            o.entry("user_agent")
                .or_insert(Value::String("auth0-m2m-fake".into()));
            o.entry("isMobile").or_insert(Value::Bool(false));
            self.logs.push(fields);
        }
    }
}

/// Monotonic counters exposed as [`Stats`].
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) token_requests: AtomicU64,
    pub(crate) tokens_issued: AtomicU64,
    pub(crate) api_requests: AtomicU64,
    pub(crate) api_401: AtomicU64,
    pub(crate) api_429: AtomicU64,
    pub(crate) token_429: AtomicU64,
    pub(crate) token_5xx_injected: AtomicU64,
    pub(crate) api_5xx_injected: AtomicU64,
    pub(crate) dropped_connections: AtomicU64,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> Stats {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Stats {
            token_requests: g(&self.token_requests),
            tokens_issued: g(&self.tokens_issued),
            api_requests: g(&self.api_requests),
            api_401: g(&self.api_401),
            api_429: g(&self.api_429),
            token_429: g(&self.token_429),
            token_5xx_injected: g(&self.token_5xx_injected),
            api_5xx_injected: g(&self.api_5xx_injected),
            dropped_connections: g(&self.dropped_connections),
        }
    }
}

/// Increments a counter.
pub(crate) fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// A fixed one-second window.
#[derive(Default)]
pub(crate) struct Window {
    second: u64,
    count: u64,
}

/// The outcome of counting one request against a window.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RateInfo {
    pub(crate) allowed: bool,
    pub(crate) limit: u64,
    pub(crate) remaining: u64,
    pub(crate) reset: u64,
}

/// The limit advertised when no limit is enforced.
const ADVERTISED_UNLIMITED: u64 = 1000;

impl Window {
    pub(crate) fn hit(&mut self, limit: u64) -> RateInfo {
        let now = crate::util::now_secs();
        if now != self.second {
            self.second = now;
            self.count = 0;
        }
        let shown = if limit == 0 {
            ADVERTISED_UNLIMITED
        } else {
            limit
        };
        let allowed = limit == 0 || self.count < limit;
        if allowed {
            self.count += 1;
        }
        let remaining = if limit == 0 {
            shown.saturating_sub(self.count).max(1)
        } else {
            limit.saturating_sub(self.count)
        };
        RateInfo {
            allowed,
            limit: shown,
            remaining,
            reset: now + 1,
        }
    }
}

/// Issued and revoked access tokens, by `jti`.
#[derive(Default)]
pub(crate) struct Registry {
    pub(crate) issued: HashSet<String>,
    pub(crate) revoked: HashSet<String>,
}

/// The state shared by every connection of one tenant.
pub(crate) struct App {
    pub(crate) base_url: String,
    pub(crate) issuer: String,
    pub(crate) audience: String,
    pub(crate) token_url: String,
    pub(crate) domain: String,
    pub(crate) store: Mutex<Store>,
    pub(crate) counters: Counters,
    pub(crate) faults: Mutex<VecDeque<Fault>>,
    pub(crate) token_latency_ms: AtomicU64,
    pub(crate) rate_limit: u64,
    pub(crate) token_window: Mutex<Window>,
    pub(crate) api_window: Mutex<Window>,
    pub(crate) quota: Option<u64>,
    pub(crate) quota_used: AtomicU64,
    pub(crate) quota_started: u64,
    pub(crate) token_lifetime_secs: u64,
    pub(crate) key: &'static SigningKey,
    pub(crate) registry: Mutex<Registry>,
}

/// Locks a mutex, recovering the data if a holder panicked.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl App {
    /// Takes one request's worth of the first pending fault for `target`.
    pub(crate) fn take_fault(&self, target: FaultTarget) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let idx = faults.iter().position(|f| f.target == target)?;
        let f = faults.get_mut(idx)?;
        let one = f.clone();
        f.count = f.count.saturating_sub(1);
        if f.count == 0 {
            faults.remove(idx);
        }
        Some(one)
    }

    /// Queues a fault (a fault with `count` 0 is ignored).
    pub(crate) fn add_fault(&self, fault: Fault) {
        if fault.count > 0 {
            lock(&self.faults).push_back(fault);
        }
    }

    /// Revokes every token issued so far.
    pub(crate) fn revoke_all(&self) {
        let mut r = lock(&self.registry);
        let issued: Vec<String> = r.issued.drain().collect();
        r.revoked.extend(issued);
    }
}
