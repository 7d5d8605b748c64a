//! The one store of the tenant: every collection, sub-collection and singleton of the
//! Management API as JSON records keyed by their concrete path, the relations the hand-written
//! behaviours keep (role permissions, user roles, organization members, blocks), client
//! credentials and the log. Every route, generated or hand-written, reads and writes it. It
//! imports nothing of the routes: the route table and behaviours import it.

use crate::json_form::{self as form, Fields};
use crate::util::json;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// The collection of applications (`client_id` identifies one).
pub(crate) const CLIENTS: &str = "/clients";
/// The collection of client grants.
pub(crate) const GRANTS: &str = "/client-grants";
/// The collection of APIs.
pub(crate) const RESOURCE_SERVERS: &str = "/resource-servers";
/// The tenant's signing keys (`GET /keys/signing`).
pub(crate) const SIGNING_KEYS: &str = "/keys/signing";
/// The collection of users (`user_id` identifies one).
pub(crate) const USERS: &str = "/users";
/// The collection of roles.
pub(crate) const ROLES: &str = "/roles";
/// The collection of organizations.
pub(crate) const ORGANIZATIONS: &str = "/organizations";
/// The collection of connections.
pub(crate) const CONNECTIONS: &str = "/connections";
/// The collection of jobs (exports, imports, verification emails).
pub(crate) const JOBS: &str = "/jobs";
/// The factors of multi-factor authentication, each named by its `name`.
pub(crate) const GUARDIAN_FACTORS: &str = "/guardian/factors";
/// The tenant settings singleton.
pub(crate) const TENANT_SETTINGS: &str = "/tenants/settings";

/// The collections a behaviour fills from the tenant's own data: a fresh tenant holds exactly
/// what the seed put there, never a sample of the schema.
pub(crate) const OWNED: &[&str] = &[
    CLIENTS,
    GRANTS,
    RESOURCE_SERVERS,
    USERS,
    ROLES,
    ORGANIZATIONS,
    CONNECTIONS,
    JOBS,
    GUARDIAN_FACTORS,
];

/// Everything the Management API serves, as JSON objects in creation order. Its serde form is
/// the `store` of a state document (see `persist`).
#[derive(Default)]
pub(crate) struct Store {
    /// The items of every collection, by concrete collection path (`/clients`,
    /// `/organizations/org_1/enabled_connections`), in creation order.
    pub(crate) collections: BTreeMap<String, Vec<Value>>,
    /// Whether a collection nothing filled gets one item of its schema when first read.
    pub(crate) schema_samples: bool,
    /// Every singleton, by concrete path (`/tenants/settings`, `/hooks/h1/secrets`).
    pub(crate) singletons: BTreeMap<String, Value>,
    /// The permissions of each role, by role id.
    pub(crate) role_permissions: HashMap<String, Vec<Value>>,
    pub(crate) user_roles: HashMap<String, Vec<String>>,
    pub(crate) user_permissions: HashMap<String, Vec<Value>>,
    /// The members of each organization (user ids), by organization id.
    pub(crate) org_members: HashMap<String, Vec<String>>,
    pub(crate) logs: LogStore,
    /// Brute-force protection blocks, by `user_id`.
    pub(crate) user_blocks: HashMap<String, Vec<Value>>,
    /// The `private_key_jwt` credentials of each client, by client id (at most two each).
    pub(crate) credentials: HashMap<String, Vec<Credential>>,
    /// `jti` values of client assertions already used, with their `exp`.
    pub(crate) used_jti: HashMap<String, u64>,
    pub(crate) log_seq: u64,
    /// Ids handed out so far by the generic handlers (a counter for ids without a format).
    pub(crate) next_id: u64,
}

/// A client credential: a registered public key that verifies the client's assertions.
#[derive(Debug, Clone)]
pub(crate) struct Credential {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) kid: String,
    pub(crate) alg: String,
    /// `public_key` (private_key_jwt), `x509_cert` (self_signed_tls_client_auth) or
    /// `cert_subject_dn` (tls_client_auth).
    pub(crate) credential_type: String,
    /// The public key (SPKI or PKCS#1 PEM) or the certificate; never part of an answer.
    pub(crate) pem: String,
    /// The certificate's SHA-256 thumbprint (base64url), for `x509_cert` credentials.
    pub(crate) thumbprint: Option<String>,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
    pub(crate) expires_at: Option<String>,
    /// The certificate subject a `cert_subject_dn` credential accepts.
    pub(crate) subject_dn: Option<String>,
}

impl Credential {
    /// The credential as the Management API shows it (without the key).
    pub(crate) fn to_json(&self) -> Value {
        let mut v = crate::util::json!({
            "id": self.id,
            "name": self.name,
            "credential_type": self.credential_type,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        });
        if self.credential_type == "public_key" {
            v["kid"] = Value::String(self.kid.clone());
            v["alg"] = Value::String(self.alg.clone());
        }
        if let Some(t) = &self.thumbprint {
            v["thumbprint_sha256"] = Value::String(t.clone());
        }
        if let Some(e) = &self.expires_at {
            v["expires_at"] = Value::String(e.clone());
        } else if self.credential_type == "public_key" {
            // A key without an expiry reads `null` (recordings/go-auth0/
            // TestClient_GetCredentials.json); its create answers without it.
            v["expires_at"] = Value::Null;
        }
        if let Some(dn) = &self.subject_dn {
            v["subject_dn"] = Value::String(dn.clone());
        }
        v
    }
}

/// Default for the most log events kept.
pub(crate) const DEFAULT_MAX_LOGS: usize = 10_000;
/// Default for how long log events are kept: 30 days, the longest retention Auth0 offers.
pub(crate) const DEFAULT_LOG_RETENTION_MS: u64 = 30 * 86_400 * 1000;

/// Log events, oldest first, kept for a retention window and up to a maximum count. Its JSON
/// form holds the events only: the caps are the tenant's configuration.
pub(crate) struct LogStore {
    /// `(Unix milliseconds, event)`.
    events: VecDeque<(u64, Value)>,
    pub(crate) max_events: usize,
    pub(crate) retention_ms: u64,
}

impl Default for LogStore {
    fn default() -> Self {
        LogStore {
            events: VecDeque::new(),
            max_events: DEFAULT_MAX_LOGS,
            retention_ms: DEFAULT_LOG_RETENTION_MS,
        }
    }
}

impl LogStore {
    /// Appends an event that happened at `at_ms`, then drops what the caps exclude.
    pub(crate) fn push(&mut self, at_ms: u64, event: Value) {
        self.events.push_back((at_ms, event));
        self.prune(at_ms);
    }

    /// Drops events older than the retention window, then the oldest beyond the count.
    pub(crate) fn prune(&mut self, now_ms: u64) {
        let oldest_kept = now_ms.saturating_sub(self.retention_ms);
        while self.events.front().is_some_and(|(at, _)| *at < oldest_kept) {
            self.events.pop_front();
        }
        while self.events.len() > self.max_events {
            self.events.pop_front();
        }
    }

    /// The events kept, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Value> {
        self.events.iter().map(|(_, v)| v)
    }

    /// How many events are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }
}

impl Store {
    /// Mirrors the client's credentials into its `client_authentication_methods`, as Auth0 shows
    /// them on the client: public keys under `private_key_jwt`, certificates under
    /// `self_signed_tls_client_auth`, subject names under `tls_client_auth`.
    pub(crate) fn sync_client_credentials(&mut self, client_id: &str) {
        let mut methods = Map::new();
        for c in self.credentials.get(client_id).into_iter().flatten() {
            let method = match c.credential_type.as_str() {
                "x509_cert" => "self_signed_tls_client_auth",
                "cert_subject_dn" => "tls_client_auth",
                _ => "private_key_jwt",
            };
            let entry = methods
                .entry(method)
                .or_insert_with(|| json!({"credentials": []}));
            if let Some(list) = entry["credentials"].as_array_mut() {
                list.push(json!({"id": c.id}));
            }
        }
        if let Some(c) = self
            .items_mut(CLIENTS)
            .iter_mut()
            .find(|c| c["client_id"].as_str() == Some(client_id))
            && let Some(o) = c.as_object_mut()
        {
            if methods.is_empty() {
                o.remove("client_authentication_methods");
            } else {
                o.insert(
                    "client_authentication_methods".into(),
                    Value::Object(methods),
                );
            }
        }
    }

    /// A client's `signing_keys`: the certificate of the key that signs the tenant's tokens
    /// (`GET /keys/signing` lists it), with its PKCS#7 form, as Auth0 answers them on every
    /// client (recordings/ruby-auth0 read `{cert, pkcs7, subject: "deprecated"}`).
    pub(crate) fn client_signing_keys(&self) -> Value {
        let keys = self.items(SIGNING_KEYS);
        let key = keys.iter().find(|k| k["current"] == true).or(keys.first());
        json!([{
            "cert": key.map_or(Value::Null, |k| k["cert"].clone()),
            "pkcs7": key.map_or(Value::Null, |k| k["pkcs7"].clone()),
            "subject": "deprecated",
        }])
    }

    /// Gives every client the `signing_keys` of the tenant's current key (after the keys were
    /// seeded, rotated or carried over a reset).
    pub(crate) fn show_signing_keys_on_clients(&mut self) {
        let shown = self.client_signing_keys();
        for client in self.items_mut(CLIENTS) {
            client["signing_keys"] = shown.clone();
        }
    }

    /// The items of the collection at `path` (none when it was never written).
    pub(crate) fn items(&self, path: &str) -> &[Value] {
        self.collections.get(path).map_or(&[], Vec::as_slice)
    }

    /// The items of the collection at `path`, for writing.
    pub(crate) fn items_mut(&mut self, path: &str) -> &mut Vec<Value> {
        self.collections.entry(path.to_owned()).or_default()
    }

    /// Whether `path` lies below an item the tenant holds in one of its [`OWNED`] collections
    /// (`/organizations/org_1/enabled_connections` when `org_1` is an organization of the
    /// tenant): the sub-collections of a real object start empty.
    pub(crate) fn under_held_item(&self, path: &str) -> bool {
        OWNED.iter().any(|owned| {
            path.strip_prefix(owned)
                .and_then(|rest| rest.strip_prefix('/'))
                .and_then(|rest| rest.split_once('/'))
                .is_some_and(|(id, _)| {
                    self.items(owned).iter().any(|item| {
                        ["id", "client_id", "user_id"]
                            .iter()
                            .any(|k| item[*k].as_str() == Some(id))
                    })
                })
        })
    }

    /// The singleton at `path`, if it was written.
    pub(crate) fn singleton(&self, path: &str) -> Option<&Value> {
        self.singletons.get(path)
    }

    /// The singleton at `path`, for writing (`null` until written).
    pub(crate) fn singleton_mut(&mut self, path: &str) -> &mut Value {
        self.singletons
            .entry(path.to_owned())
            .or_insert(Value::Null)
    }

    /// Appends a log event; `fields` holds the type-specific values.
    pub(crate) fn log(&mut self, kind: &str, description: &str, fields: Value) {
        self.log_at(crate::util::now_ms(), kind, description, fields);
    }

    /// Appends a log event dated `now` (Unix milliseconds).
    pub(crate) fn log_at(&mut self, now: u64, kind: &str, description: &str, mut fields: Value) {
        self.log_seq += 1;
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
            for key in crate::overrides::LOG_EVENT_KEYS {
                o.entry(*key).or_insert(Value::Null);
            }
            self.logs.push(now, fields);
        }
    }
}

impl Store {
    /// The store as the `store` of a state document: every field, `schema_samples` only when set.
    pub(crate) fn to_state(&self) -> Value {
        let lists = |m: &HashMap<String, Vec<Value>>| form::object(m, |v| form::values(v));
        let ids = |m: &HashMap<String, Vec<String>>| form::object(m, |v| form::strings_value(v));
        let mut map = Map::new();
        map.insert(
            "collections".into(),
            form::object(&self.collections, |v| form::values(v)),
        );
        if self.schema_samples {
            map.insert("schema_samples".into(), Value::Bool(true));
        }
        map.insert(
            "singletons".into(),
            form::object(&self.singletons, Value::clone),
        );
        map.insert("role_permissions".into(), lists(&self.role_permissions));
        map.insert("user_roles".into(), ids(&self.user_roles));
        map.insert("user_permissions".into(), lists(&self.user_permissions));
        map.insert("org_members".into(), ids(&self.org_members));
        map.insert("logs".into(), self.logs.to_state());
        map.insert("user_blocks".into(), lists(&self.user_blocks));
        map.insert(
            "credentials".into(),
            form::object(&self.credentials, |cs| {
                Value::Array(cs.iter().map(Credential::to_state).collect())
            }),
        );
        map.insert(
            "used_jti".into(),
            form::object(&self.used_jti, |exp| Value::from(*exp)),
        );
        map.insert("log_seq".into(), Value::from(self.log_seq));
        map.insert("next_id".into(), Value::from(self.next_id));
        Value::Object(map)
    }

    /// Reads the `store` of a state document; every field is required but `schema_samples`, and
    /// a field this version does not know is refused.
    pub(crate) fn from_state(value: Value) -> Result<Self, String> {
        let lists: form::Read<HashMap<String, Vec<Value>>> = |v| form::hash_map(v, form::array);
        let ids: form::Read<HashMap<String, Vec<String>>> = |v| form::hash_map(v, form::strings);
        let mut f = Fields::of(value, "a store")?;
        let store = Store {
            collections: f.required("collections", |v| form::btree_map(v, form::array))?,
            schema_samples: f.or_default("schema_samples", form::bool_)?,
            singletons: f.required("singletons", |v| form::btree_map(v, form::any))?,
            role_permissions: f.required("role_permissions", lists)?,
            user_roles: f.required("user_roles", ids)?,
            user_permissions: f.required("user_permissions", lists)?,
            org_members: f.required("org_members", ids)?,
            logs: f.required("logs", LogStore::from_state)?,
            user_blocks: f.required("user_blocks", lists)?,
            credentials: f.required("credentials", |v| {
                form::hash_map(v, |cs| form::list_of(cs, Credential::from_state))
            })?,
            used_jti: f.required("used_jti", |v| form::hash_map(v, form::u64_))?,
            log_seq: f.required("log_seq", form::u64_)?,
            next_id: f.required("next_id", form::u64_)?,
        };
        f.deny_unknown()?;
        Ok(store)
    }
}

impl Credential {
    /// The credential as a state document keeps it (with its key).
    fn to_state(&self) -> Value {
        let text = |s: &str| Value::String(s.to_owned());
        let maybe = |s: &Option<String>| s.as_deref().map_or(Value::Null, text);
        let mut map = Map::new();
        map.insert("id".into(), text(&self.id));
        map.insert("name".into(), text(&self.name));
        map.insert("kid".into(), text(&self.kid));
        map.insert("alg".into(), text(&self.alg));
        map.insert("credential_type".into(), text(&self.credential_type));
        map.insert("pem".into(), text(&self.pem));
        map.insert("thumbprint".into(), maybe(&self.thumbprint));
        map.insert("created_at".into(), text(&self.created_at));
        map.insert("updated_at".into(), text(&self.updated_at));
        map.insert("expires_at".into(), maybe(&self.expires_at));
        if let Some(dn) = &self.subject_dn {
            map.insert("subject_dn".into(), text(dn));
        }
        Value::Object(map)
    }

    fn from_state(value: Value) -> Result<Self, String> {
        let mut f = Fields::of(value, "a credential")?;
        let credential = Credential {
            id: f.required("id", form::string)?,
            name: f.required("name", form::string)?,
            kid: f.required("kid", form::string)?,
            alg: f.required("alg", form::string)?,
            credential_type: f.required("credential_type", form::string)?,
            pem: f.required("pem", form::string)?,
            thumbprint: f.optional("thumbprint", form::string)?,
            created_at: f.required("created_at", form::string)?,
            updated_at: f.required("updated_at", form::string)?,
            expires_at: f.optional("expires_at", form::string)?,
            subject_dn: f.optional("subject_dn", form::string)?,
        };
        f.deny_unknown()?;
        Ok(credential)
    }
}

impl LogStore {
    /// `{"events": [[ms, event], …]}`.
    fn to_state(&self) -> Value {
        let events = self
            .events
            .iter()
            .map(|(at, event)| Value::Array(vec![Value::from(*at), event.clone()]))
            .collect();
        let mut map = Map::new();
        map.insert("events".into(), Value::Array(events));
        Value::Object(map)
    }

    /// The events of a state document; the caps are zero until the tenant sets its own.
    fn from_state(value: Value) -> Result<Self, String> {
        let mut f = Fields::of(value, "a log store")?;
        let events = f.required("events", form::timed_events)?;
        f.deny_unknown()?;
        Ok(LogStore {
            events,
            max_events: 0,
            retention_ms: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn logs_keep_at_most_the_maximum_count_newest_last() {
        let mut store = Store::default();
        store.logs.max_events = 3;
        for i in 0..10u64 {
            store.log_at(1_000_000 + i, "sapi", &format!("event {i}"), json!({}));
        }
        assert_eq!(store.logs.len(), 3);
        let kept: Vec<&str> = store
            .logs
            .iter()
            .filter_map(|v| v["description"].as_str())
            .collect();
        assert_eq!(kept, ["event 7", "event 8", "event 9"]);
    }

    #[test]
    fn logs_older_than_the_retention_window_are_dropped() {
        let mut store = Store::default();
        store.logs.retention_ms = 1000;
        store.log_at(10_000, "sapi", "old", json!({}));
        store.log_at(10_500, "sapi", "middle", json!({}));
        assert_eq!(store.logs.len(), 2);
        store.log_at(11_200, "sapi", "new", json!({}));
        let kept: Vec<&str> = store
            .logs
            .iter()
            .filter_map(|v| v["description"].as_str())
            .collect();
        assert_eq!(kept, ["middle", "new"]);
        store.logs.prune(20_000);
        assert_eq!(store.logs.len(), 0);
    }

    #[test]
    fn the_default_log_caps_are_bounded() {
        let mut store = Store::default();
        for i in 0..(DEFAULT_MAX_LOGS as u64 + 50) {
            store.log_at(5_000_000 + i, "seccft", "x", json!({}));
        }
        assert_eq!(store.logs.len(), DEFAULT_MAX_LOGS);
    }
}
