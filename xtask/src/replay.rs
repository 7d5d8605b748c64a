//! `cargo xtask replay [--update-floor] [--only TEXT]`: real Auth0 traffic replayed against the
//! fake tenant, to measure how far the fake behaves like a real tenant.
//!
//! Every recording file of `../shared/auth0/recordings` (real requests made by Auth0's Go and
//! Ruby SDKs against real tenants, with the answers the real service gave) is replayed in the
//! order of its path, each against a fresh fake tenant, its interactions in the recorded order.
//! One tenant is started in-process and returned to its fresh state with `POST /__fake/reset`
//! before each file, then a token is fetched: what a fresh start and a first token give (the
//! store seeded anew, the token's issuance the only log event, counters and rate-limit windows
//! at zero) for less: every interaction's outcome is the same either way, and a fresh start
//! per file costs about a third more time. Only the Management API interactions (paths under `/api/v2/`) are sent;
//! the others (`/oauth/token`, `/dbconnections/…`, …) are counted by their first path segment
//! and skipped. Every request carries a token of the tenant's default client, which holds every
//! scope a served operation accepts, and the recorded `content-type`; a body is sent as JSON
//! (a JSON string included: `PUT /branding/templates/universal-login` takes one), except a
//! text body of another content type (a multipart upload), which is sent as it was.
//!
//! # Ids mapped from answers to later requests
//!
//! A recording uses in later requests the ids the real service gave in earlier answers, which
//! the fake never gave. After each interaction the recorded answer and the fake's answer are
//! walked side by side: the same key of two objects, the same index of two arrays. Where both
//! hold a string and the strings differ, the recorded string is taken for an id of the recorded
//! tenant, standing for the fake's string, when it looks like an id — a known prefix and an
//! underscore (`con_…`, `rol_…`, `org_…`, `cgr_…`), a UUID, `provider|…` (`auth0|…`), or at
//! least 16 letters and digits with a digit among them (client ids, resource server ids, hook
//! ids) — or when its key is `id` or ends in `_id` and it holds a digit. The first pairing of a
//! recorded id wins, and a fake id stands for one recorded id only. Before a request is sent,
//! each path segment (percent-decoded), query value and body string that is a mapped recorded
//! id is replaced by the fake's id; inside longer strings (a `q` search, a multipart body) the
//! mapped ids are replaced where they occur, longest first.
//!
//! # What a fresh tenant cannot have
//!
//! Some recordings use ids of things the recorded tenant already had: a `GET` of an id the file
//! never created. An interaction is marked *depends on prior state* when its request refers to
//! an id that is neither mapped nor known. A request refers to the id-like path parameters and
//! query values it sends, and to the id-like strings among its body's top-level values (and the
//! items of its top-level arrays, and their objects' top-level values: `{"roles": [id]}`,
//! `{"members": [{"user_id": id}]}`); deeper strings are settings the client chose, such as an
//! upstream provider's `client_id` in a connection's `options`. Known are the ids of the
//! recorded answers to earlier writes (`POST`, `PUT`, `PATCH`) of the same file that their own
//! request did not send. Those interactions are counted in every figure all the same, and
//! reported.
//!
//! # Figures
//!
//! Over all Management API interactions: the same status code as Auth0's; the same status class
//! (2xx, 4xx…). Over the interactions answered 2xx on both sides: the same top-level JSON type
//! (an empty body counts as `null`), and the answers lacking keys the recorded answer had (the
//! top-level keys of an object; of an array, the keys of its first object, an empty array
//! lacking them all). Every interaction that differs in one of these ways is a mismatch of its
//! route: the method and the path template of Auth0's API description the recorded path matches
//! (the one with the most literal segments, the leftmost first), or the recorded path with its
//! id-like segments replaced by `{id}` when no template matches. Over all answers: those
//! holding a schema placeholder (a string `"sample"`, or an id made from one), which no real
//! tenant answers.
//!
//! Before replaying, every recording that the fake's routes listing names under `recorded` (the
//! evidence of each override) must be one of the files: an override naming a file that is not
//! there fails the run.
//!
//! The whole report, every interaction with both answers for the mismatches, goes to
//! `target/replay-report.json`. The run fails when a figure is worse than the checked-in floor
//! of `xtask/replay-floor.json`; `--update-floor` writes the current figures there instead,
//! rounded to one decimal in the direction that lets the same run pass. `--only TEXT` replays
//! only the files whose path contains `TEXT` and prints every interaction, without the floor.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Value, json};

/// Where the reference data lives, relative to the workspace root.
const DATA_DIR: &str = "../shared/auth0";

/// The floor, relative to the workspace root.
const FLOOR_FILE: &str = "xtask/replay-floor.json";

/// How many routes the run prints, by mismatches.
const ROUTES_PRINTED: usize = 30;

/// How long a request may wait for its answer; one that waits longer counts as no answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest excerpt of an answer the report keeps.
const EXCERPT_CHARS: usize = 600;

/// What a path segment keeps unencoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

// ---------------------------------------------------------------------------------------------
// Ids

/// Whether `s` looks like an id Auth0 gives: `con_…`, a UUID, `auth0|…`, or a long run of
/// letters and digits with a digit among them.
pub(crate) fn looks_like_id(s: &str) -> bool {
    if s.is_empty() || s.len() > 200 || s.chars().any(char::is_whitespace) {
        return false;
    }
    // A known prefix: a short lowercase word, an underscore, then letters and digits, not all
    // of them lowercase (`change_password` is a word, not an id).
    if let Some((prefix, rest)) = s.split_once('_')
        && (2..=6).contains(&prefix.len())
        && prefix.bytes().all(|b| b.is_ascii_lowercase())
        && rest.len() >= 6
        && rest.bytes().all(|b| b.is_ascii_alphanumeric())
        && rest
            .bytes()
            .any(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return true;
    }
    if is_uuid(s) {
        return true;
    }
    // `provider|id`, as user ids and authentication method ids are.
    if let Some((provider, rest)) = s.split_once('|')
        && !provider.is_empty()
        && provider
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !rest.is_empty()
    {
        return true;
    }
    s.len() >= 16
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
        && s.bytes().any(|b| b.is_ascii_digit())
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether a key names an id: `id` or `…_id`.
fn is_id_key(key: Option<&str>) -> bool {
    key.is_some_and(|k| k == "id" || k.ends_with("_id"))
}

/// Whether a recorded string under `key` is taken for an id (see the module documentation).
fn is_recorded_id(key: Option<&str>, s: &str) -> bool {
    looks_like_id(s)
        || (is_id_key(key)
            && s.bytes().any(|b| b.is_ascii_digit())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'|' | b'.')))
}

/// Recorded ids and the fake's ids that stand for them.
#[derive(Debug, Default, Clone)]
pub(crate) struct IdMap {
    to_fake: BTreeMap<String, String>,
    fakes: BTreeSet<String>,
}

impl IdMap {
    /// The fake's id for a recorded id.
    pub(crate) fn get(&self, recorded: &str) -> Option<&str> {
        self.to_fake.get(recorded).map(String::as_str)
    }

    /// How many recorded ids are mapped.
    pub(crate) fn len(&self) -> usize {
        self.to_fake.len()
    }

    /// Learns the ids of a recorded answer from the fake's answer to the same request.
    pub(crate) fn learn(&mut self, recorded: &Value, ours: &Value) {
        self.walk(None, recorded, ours);
    }

    fn walk(&mut self, key: Option<&str>, recorded: &Value, ours: &Value) {
        match (recorded, ours) {
            (Value::Object(r), Value::Object(o)) => {
                for (k, rv) in r {
                    if let Some(ov) = o.get(k) {
                        self.walk(Some(k), rv, ov);
                    }
                }
            }
            (Value::Array(r), Value::Array(o)) => {
                for (rv, ov) in r.iter().zip(o) {
                    self.walk(key, rv, ov);
                }
            }
            (Value::String(r), Value::String(o))
                if r != o
                    && !o.is_empty()
                    && is_recorded_id(key, r)
                    && !self.to_fake.contains_key(r)
                    && !self.fakes.contains(o) =>
            {
                self.fakes.insert(o.clone());
                self.to_fake.insert(r.clone(), o.clone());
            }
            _ => {}
        }
    }

    /// A string with the recorded ids it holds replaced: the whole string when it is one, else
    /// every occurrence of a mapped id, longest first.
    pub(crate) fn substitute_str(&self, s: &str) -> String {
        if let Some(fake) = self.to_fake.get(s) {
            return fake.clone();
        }
        let mut ids: Vec<(&String, &String)> = self
            .to_fake
            .iter()
            .filter(|(r, _)| r.len() >= 6 && s.contains(r.as_str()))
            .collect();
        if ids.is_empty() {
            return s.to_owned();
        }
        ids.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(b.0)));
        // Replace through placeholders so an id put in is never replaced again.
        let mut out = s.to_owned();
        let marks: Vec<String> = (0..ids.len()).map(|i| format!("\u{0}{i}\u{0}")).collect();
        for ((recorded, _), mark) in ids.iter().zip(&marks) {
            out = out.replace(recorded.as_str(), mark);
        }
        for ((_, fake), mark) in ids.iter().zip(&marks) {
            out = out.replace(mark.as_str(), fake);
        }
        out
    }

    /// A JSON value with the recorded ids of its strings replaced.
    pub(crate) fn substitute_value(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.substitute_str(s)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|i| self.substitute_value(i)).collect())
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.substitute_value(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// A recorded path (percent-encoded, as sent) with each segment that is a mapped recorded
    /// id replaced by the fake's id.
    pub(crate) fn substitute_path(&self, path: &str) -> String {
        path.split('/')
            .map(|segment| {
                let decoded = percent_decode_str(segment).decode_utf8_lossy();
                match self.to_fake.get(decoded.as_ref()) {
                    Some(fake) => utf8_percent_encode(fake, SEGMENT).to_string(),
                    None => segment.to_owned(),
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// Every string of `v` taken for an id, with the key it is under.
fn ids_in(v: &Value, key: Option<&str>, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) if is_recorded_id(key, s) => {
            out.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|i| ids_in(i, key, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| ids_in(v, Some(k), out)),
        _ => {}
    }
}

/// The ids a request body refers to: the strings taken for ids among its top-level values,
/// the items of its top-level arrays and their objects' top-level values (`{"roles": [id]}`,
/// `{"connection_id": id}`, `{"members": [{"user_id": id}]}`). Deeper strings are settings the
/// client chose (an upstream provider's `client_id` in a connection's `options`), not
/// references to the tenant's objects.
fn referred_in_body(body: &Value, out: &mut BTreeSet<String>) {
    fn shallow(key: Option<&str>, v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::String(s) if is_recorded_id(key, s) => {
                out.insert(s.clone());
            }
            Value::Object(map) => {
                for (k, v) in map {
                    if let Value::String(s) = v
                        && is_recorded_id(Some(k), s)
                    {
                        out.insert(s.clone());
                    }
                }
            }
            _ => {}
        }
    }
    let top: Vec<(Option<&str>, &Value)> = match body {
        Value::Object(map) => map.iter().map(|(k, v)| (Some(k.as_str()), v)).collect(),
        Value::Array(items) => items.iter().map(|v| (None, v)).collect(),
        other => vec![(None, other)],
    };
    for (key, value) in top {
        match value {
            Value::Array(items) => items.iter().for_each(|item| shallow(key, item, out)),
            Value::String(_) => shallow(key, value, out),
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Routes

/// The path templates of Auth0's API description, relative to `/api/v2`.
#[derive(Debug, Default)]
pub(crate) struct Templates {
    templates: Vec<(String, Vec<String>)>,
}

/// A recorded path matched to a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route {
    /// The template (`/connections/{id}`), or the path with its ids as `{id}`.
    pub(crate) template: String,
    /// Whether the template is the description's.
    pub(crate) described: bool,
    /// The values of the path's parameters, percent-decoded.
    pub(crate) params: Vec<String>,
}

impl Templates {
    /// The templates of the description's `paths`.
    pub(crate) fn from_spec(spec: &Value) -> Result<Self, String> {
        let paths = spec
            .get("paths")
            .and_then(Value::as_object)
            .ok_or("management-api-oas.json has no `paths` object")?;
        Ok(Self::new(paths.keys().map(String::as_str)))
    }

    pub(crate) fn new<'a>(templates: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            templates: templates
                .into_iter()
                .map(|t| (t.to_owned(), segments(t).map(str::to_owned).collect()))
                .collect(),
        }
    }

    /// The route of a path relative to `/api/v2` (`/connections/con_1`): the matching template
    /// with the most literal segments (the leftmost literal first); without one, the path with
    /// its id-like segments as `{id}`.
    pub(crate) fn route(&self, path: &str) -> Route {
        let decoded: Vec<String> = segments(path)
            .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let mut best: Option<(Vec<bool>, &String, Vec<String>)> = None;
        for (template, parts) in &self.templates {
            if parts.len() != decoded.len() {
                continue;
            }
            let mut literal = Vec::with_capacity(parts.len());
            let mut params = Vec::new();
            let matched = parts.iter().zip(&decoded).all(|(part, seg)| {
                if part.starts_with('{') && part.ends_with('}') {
                    literal.push(false);
                    params.push(seg.clone());
                    true
                } else {
                    literal.push(true);
                    part == seg
                }
            });
            if matched && best.as_ref().is_none_or(|(l, _, _)| literal > *l) {
                best = Some((literal, template, params));
            }
        }
        match best {
            Some((_, template, params)) => Route {
                template: template.clone(),
                described: true,
                params,
            },
            None => {
                let mut params = Vec::new();
                let parts: Vec<String> = decoded
                    .into_iter()
                    .map(|s| {
                        if looks_like_id(&s) {
                            params.push(s);
                            "{id}".to_owned()
                        } else {
                            s
                        }
                    })
                    .collect();
                Route {
                    template: format!("/{}", parts.join("/")),
                    described: false,
                    params,
                }
            }
        }
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_matches('/').split('/').filter(|s| !s.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Comparison

/// The JSON type of a value, by name.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The keys of the recorded answer that ours lacks: the top-level keys of an object; of an
/// array, the keys of its first object (an answer without a first object lacks them all).
pub(crate) fn lacking_keys(recorded: &Value, ours: &Value) -> Vec<String> {
    let missing = |r: &serde_json::Map<String, Value>, o: Option<&Value>| -> Vec<String> {
        let o = o.and_then(Value::as_object);
        r.keys()
            .filter(|k| o.is_none_or(|o| !o.contains_key(*k)))
            .cloned()
            .collect()
    };
    match recorded {
        Value::Object(r) => missing(r, Some(ours)),
        Value::Array(items) => match items.first() {
            Some(Value::Object(first)) => missing(first, ours.as_array().and_then(|o| o.first())),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The status class: `2xx`, `4xx`…
fn class(status: u16) -> u16 {
    status / 100
}

// ---------------------------------------------------------------------------------------------
// Recordings

/// One recorded Management API interaction.
struct Recorded {
    method: String,
    /// As recorded, percent-encoded, starting with `/api/v2/`.
    path: String,
    query: Vec<(String, String)>,
    content_type: Option<String>,
    body: Value,
    status: u16,
    answer: Value,
}

/// A recording file: its Management API interactions in order, and the other paths' first
/// segments.
struct Recording {
    name: String,
    interactions: Vec<Recorded>,
    others: Vec<String>,
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The recording files, sorted by path.
fn recording_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let root = dir.join("recordings");
    let mut files = Vec::new();
    let sources = fs::read_dir(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    for source in sources {
        let source = source.map_err(|e| e.to_string())?.path();
        if !source.is_dir() {
            continue;
        }
        for entry in fs::read_dir(&source).map_err(|e| format!("{}: {e}", source.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().is_some_and(|ext| ext == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn read_recording(dir: &Path, file: &Path) -> Result<Recording, String> {
    let doc = read_json(file)?;
    let name = file
        .strip_prefix(dir.join("recordings"))
        .unwrap_or(file)
        .display()
        .to_string();
    let items = doc
        .get("interactions")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{name}: no `interactions` array"))?;
    let mut recording = Recording {
        name,
        interactions: Vec::new(),
        others: Vec::new(),
    };
    for (i, item) in items.iter().enumerate() {
        let what = |field: &str| format!("{}: interaction {i} has no {field}", recording.name);
        let request = &item["request"];
        let response = &item["response"];
        let method = request["method"].as_str().ok_or_else(|| what("method"))?;
        let path = request["path"].as_str().ok_or_else(|| what("path"))?;
        if !path.starts_with("/api/v2/") {
            let first = segments(path).next().unwrap_or("/").to_owned();
            recording.others.push(first);
            continue;
        }
        let status = response["status"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .ok_or_else(|| what("response status"))?;
        let query = request["query"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), v)
            })
            .collect();
        let content_type = request["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .and_then(|(_, v)| v.as_str())
            .map(str::to_owned);
        recording.interactions.push(Recorded {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            query,
            content_type,
            body: request.get("body").cloned().unwrap_or(Value::Null),
            status,
            answer: response.get("body").cloned().unwrap_or(Value::Null),
        });
    }
    Ok(recording)
}

// ---------------------------------------------------------------------------------------------
// The replay

/// The outcome of one interaction.
#[derive(Debug, Clone)]
struct Outcome {
    file: String,
    index: usize,
    method: String,
    route: String,
    path: String,
    sent: String,
    recorded_status: u16,
    /// 0 when no answer came.
    status: u16,
    error: Option<String>,
    recorded_type: &'static str,
    ours_type: &'static str,
    lacking: Vec<String>,
    prior_ids: Vec<String>,
    recorded_answer: Value,
    answer: Value,
}

impl Outcome {
    fn both_2xx(&self) -> bool {
        class(self.recorded_status) == 2 && class(self.status) == 2
    }

    fn same_status(&self) -> bool {
        self.status == self.recorded_status
    }

    fn same_type(&self) -> bool {
        !self.both_2xx() || self.recorded_type == self.ours_type
    }

    fn lacks_keys(&self) -> bool {
        self.both_2xx() && !self.lacking.is_empty()
    }

    fn mismatch(&self) -> bool {
        !self.same_status() || !self.same_type() || self.lacks_keys()
    }
}

/// A started tenant and a client trusting it.
struct Session {
    tenant: auth0_m2m_fake::FakeTenant,
    http: reqwest::Client,
}

async fn start_session() -> Result<Session, String> {
    let tenant = auth0_m2m_fake::FakeTenant::builder()
        .start()
        .await
        .map_err(|e| format!("the fake tenant did not start: {e}"))?;
    let ca = reqwest::Certificate::from_pem(tenant.ca_cert_pem().as_bytes())
        .map_err(|e| format!("the fake tenant's CA certificate is unusable: {e}"))?;
    let http = reqwest::Client::builder()
        .add_root_certificate(ca)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| format!("could not build an HTTP client: {e}"))?;
    Ok(Session { tenant, http })
}

/// The recordings the tenant's routes listing names under `recorded` (`go-auth0/Test….json`).
async fn named_recordings(session: &Session) -> Result<BTreeSet<String>, String> {
    let routes: Value = session
        .http
        .get(format!("{}/__fake/routes", session.tenant.base_url()))
        .send()
        .await
        .map_err(|e| format!("GET /__fake/routes failed: {e}"))?
        .json()
        .await
        .map_err(|e| format!("GET /__fake/routes is not JSON: {e}"))?;
    fn collect(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(o) => {
                for (k, v) in o {
                    match (k.as_str(), v) {
                        ("recording", Value::String(s)) => {
                            out.insert(s.clone());
                        }
                        _ => collect(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for route in routes.as_array().into_iter().flatten() {
        collect(&route["recorded"], &mut out);
    }
    if out.is_empty() {
        return Err("the routes listing names no recording under `recorded`".into());
    }
    Ok(out)
}

/// A token of the tenant's default client, which holds every scope a served operation accepts.
async fn token(session: &Session) -> Result<String, String> {
    let tenant = &session.tenant;
    let answer = session
        .http
        .post(tenant.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", tenant.client_id().as_str()),
            ("client_secret", tenant.client_secret().as_str()),
            ("audience", tenant.audience().as_str()),
        ])
        .send()
        .await
        .map_err(|e| format!("the token request failed: {e}"))?;
    let status = answer.status();
    let body: Value = answer
        .json()
        .await
        .map_err(|e| format!("the token answer ({status}) is not JSON: {e}"))?;
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("the token answer ({status}) has no access_token: {body}"))
}

/// Sends one recorded request, its ids mapped; returns the sent path and query, the status
/// (0 without an answer), the answer body (`null` when empty, a string when not JSON) and the
/// error, if any.
async fn send(
    session: &Session,
    token: &str,
    r: &Recorded,
    ids: &IdMap,
) -> (String, u16, Value, Option<String>) {
    let path = ids.substitute_path(&r.path);
    let query: Vec<(String, String)> = r
        .query
        .iter()
        .map(|(k, v)| (k.clone(), ids.substitute_str(v)))
        .collect();
    let mut sent = path.clone();
    if !query.is_empty() {
        let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        sent = format!("{sent}?{}", pairs.join("&"));
    }
    let method = match reqwest::Method::from_bytes(r.method.as_bytes()) {
        Ok(m) => m,
        Err(e) => return (sent, 0, Value::Null, Some(format!("method: {e}"))),
    };
    let mut request = session
        .http
        .request(method, format!("{}{path}", session.tenant.base_url()))
        .bearer_auth(token)
        .query(&query);
    let json_body = r
        .content_type
        .as_deref()
        .is_none_or(|ct| ct.contains("json"));
    match &r.body {
        Value::Null => {}
        Value::String(text) if !json_body => {
            request = request
                .header(
                    "content-type",
                    r.content_type.as_deref().unwrap_or("text/plain"),
                )
                .body(ids.substitute_str(text));
        }
        body => {
            request = request
                .header(
                    "content-type",
                    r.content_type.as_deref().unwrap_or("application/json"),
                )
                .body(ids.substitute_value(body).to_string());
        }
    }
    let answer = match request.send().await {
        Ok(a) => a,
        Err(e) => return (sent, 0, Value::Null, Some(e.to_string())),
    };
    let status = answer.status().as_u16();
    match answer.text().await {
        Ok(text) if text.trim().is_empty() => (sent, status, Value::Null, None),
        Ok(text) => {
            let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
            (sent, status, body, None)
        }
        Err(e) => (sent, status, Value::Null, Some(e.to_string())),
    }
}

/// Returns the tenant to its fresh state with `POST /__fake/reset`.
async fn reset(session: &Session) -> Result<(), String> {
    let answer = session
        .http
        .post(format!("{}/__fake/reset", session.tenant.base_url()))
        .send()
        .await
        .map_err(|e| format!("POST /__fake/reset failed: {e}"))?;
    let status = answer.status();
    let body: Value = answer.json().await.unwrap_or(Value::Null);
    if status.is_success() && body["reset"] == json!(true) {
        Ok(())
    } else {
        Err(format!(
            "POST /__fake/reset answered {status} {body} instead of 200 {{\"reset\": true}}"
        ))
    }
}

/// Replays one recording against the session's tenant, reset first and with a token issued
/// after the reset (as a fresh tenant's first request would be); returns the outcomes and how
/// many recorded ids were mapped.
async fn replay_file(
    session: &Session,
    recording: &Recording,
    templates: &Templates,
) -> Result<(Vec<Outcome>, usize), String> {
    reset(session).await?;
    let token = token(session).await?;
    let mut ids = IdMap::default();
    let mut known: BTreeSet<String> = BTreeSet::new();
    let mut outcomes = Vec::with_capacity(recording.interactions.len());
    for (index, r) in recording.interactions.iter().enumerate() {
        let relative = r.path.strip_prefix("/api/v2").unwrap_or(&r.path);
        let route = templates.route(relative);

        // The ids the request refers to, and those it neither learnt nor created.
        let mut referred = BTreeSet::new();
        for p in route.params.iter().filter(|p| looks_like_id(p)) {
            referred.insert(p.clone());
        }
        for (k, v) in &r.query {
            ids_in(&Value::String(v.clone()), Some(k), &mut referred);
        }
        referred_in_body(&r.body, &mut referred);
        let prior_ids: Vec<String> = referred
            .iter()
            .filter(|id| ids.get(id).is_none() && !known.contains(*id))
            .cloned()
            .collect();

        let (sent, status, answer, error) = send(session, &token, r, &ids).await;
        ids.learn(&r.answer, &answer);
        if matches!(r.method.as_str(), "POST" | "PUT" | "PATCH") && class(r.status) == 2 {
            let mut created = BTreeSet::new();
            ids_in(&r.answer, None, &mut created);
            known.extend(created.into_iter().filter(|id| !referred.contains(id)));
        }
        outcomes.push(Outcome {
            file: recording.name.clone(),
            index,
            method: r.method.clone(),
            route: format!("{} {}", r.method, route.template),
            path: r.path.clone(),
            sent,
            recorded_status: r.status,
            status,
            error,
            recorded_type: json_type(&r.answer),
            ours_type: json_type(&answer),
            lacking: lacking_keys(&r.answer, &answer),
            prior_ids,
            recorded_answer: r.answer.clone(),
            answer,
        });
    }
    Ok((outcomes, ids.len()))
}

// ---------------------------------------------------------------------------------------------
// Figures and the floor

/// The figures of a replay.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Figures {
    pub(crate) files: usize,
    pub(crate) interactions: usize,
    pub(crate) same_status: usize,
    pub(crate) same_class: usize,
    pub(crate) both_2xx: usize,
    pub(crate) same_type: usize,
    pub(crate) lacking_keys: usize,
    pub(crate) prior_state: usize,
    pub(crate) no_answer: usize,
    /// Answers holding a schema placeholder (`"sample"`) where Auth0 gives a real value.
    pub(crate) placeholders: usize,
    pub(crate) other_interactions: usize,
    pub(crate) ids_mapped: usize,
}

fn pct(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 * 100.0 / of as f64
    }
}

impl Figures {
    pub(crate) fn same_status_pct(&self) -> f64 {
        pct(self.same_status, self.interactions)
    }

    pub(crate) fn same_class_pct(&self) -> f64 {
        pct(self.same_class, self.interactions)
    }

    pub(crate) fn same_type_pct(&self) -> f64 {
        pct(self.same_type, self.both_2xx)
    }

    pub(crate) fn lacking_keys_pct(&self) -> f64 {
        pct(self.lacking_keys, self.both_2xx)
    }

    /// The floor these figures meet: the percentages at least reached rounded down, the one at
    /// most reached rounded up, to one decimal.
    pub(crate) fn as_floor(&self) -> Floor {
        let down = |p: f64| ((p * 10.0) + 1e-9).floor() / 10.0;
        let up = |p: f64| ((p * 10.0) - 1e-9).ceil() / 10.0;
        Floor {
            interactions: self.interactions,
            same_status_pct: down(self.same_status_pct()),
            same_type_pct: down(self.same_type_pct()),
            lacking_keys_pct: up(self.lacking_keys_pct()),
            placeholders: self.placeholders,
        }
    }
}

/// The checked-in floor of `xtask/replay-floor.json`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Floor {
    /// The least number of Management API interactions replayed.
    pub(crate) interactions: usize,
    /// The least percentage of interactions answered with Auth0's status code.
    pub(crate) same_status_pct: f64,
    /// The least percentage of both-2xx answers of Auth0's top-level JSON type.
    pub(crate) same_type_pct: f64,
    /// The most percentage of both-2xx answers lacking keys Auth0's answer had.
    pub(crate) lacking_keys_pct: f64,
    /// The most answers holding a schema placeholder.
    pub(crate) placeholders: usize,
}

impl Floor {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let v: Value =
            serde_json::from_str(text).map_err(|e| format!("{FLOOR_FILE} is not JSON: {e}"))?;
        let number = |k: &str| {
            v[k].as_f64()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .ok_or_else(|| format!("{FLOOR_FILE} has no non-negative number `{k}`"))
        };
        let interactions = v["interactions"]
            .as_u64()
            .ok_or_else(|| format!("{FLOOR_FILE} has no whole number `interactions`"))?;
        Ok(Self {
            interactions: usize::try_from(interactions).map_err(|e| e.to_string())?,
            same_status_pct: number("same_status_pct")?,
            same_type_pct: number("same_type_pct")?,
            lacking_keys_pct: number("lacking_keys_pct")?,
            placeholders: v["placeholders"]
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| format!("{FLOOR_FILE} has no whole number `placeholders`"))?,
        })
    }

    fn to_json(self) -> String {
        let doc = json!({
            "interactions": self.interactions,
            "same_status_pct": self.same_status_pct,
            "same_type_pct": self.same_type_pct,
            "lacking_keys_pct": self.lacking_keys_pct,
            "placeholders": self.placeholders,
        });
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }

    /// What of `figures` is worse than the floor, one sentence each.
    pub(crate) fn failures(&self, figures: &Figures) -> Vec<String> {
        let mut out = Vec::new();
        if figures.interactions < self.interactions {
            out.push(format!(
                "{} Management API interactions replayed, below the floor of {}",
                figures.interactions, self.interactions
            ));
        }
        if figures.same_status_pct() < self.same_status_pct {
            out.push(format!(
                "same status {:.1} %, below the floor of {:.1} %",
                figures.same_status_pct(),
                self.same_status_pct
            ));
        }
        if figures.same_type_pct() < self.same_type_pct {
            out.push(format!(
                "same top-level type {:.1} %, below the floor of {:.1} %",
                figures.same_type_pct(),
                self.same_type_pct
            ));
        }
        if figures.lacking_keys_pct() > self.lacking_keys_pct {
            out.push(format!(
                "answers lacking recorded keys {:.1} %, above the ceiling of {:.1} %",
                figures.lacking_keys_pct(),
                self.lacking_keys_pct
            ));
        }
        if figures.placeholders > self.placeholders {
            out.push(format!(
                "{} answers hold a schema placeholder, above the ceiling of {}",
                figures.placeholders, self.placeholders
            ));
        }
        out
    }
}

fn figures(outcomes: &[Outcome], files: usize, others: usize) -> Figures {
    let mut f = Figures {
        files,
        interactions: outcomes.len(),
        other_interactions: others,
        ..Figures::default()
    };
    for o in outcomes {
        f.same_status += usize::from(o.same_status());
        f.same_class += usize::from(class(o.status) == class(o.recorded_status));
        if o.both_2xx() {
            f.both_2xx += 1;
            f.same_type += usize::from(o.recorded_type == o.ours_type);
            f.lacking_keys += usize::from(!o.lacking.is_empty());
        }
        f.prior_state += usize::from(!o.prior_ids.is_empty());
        f.no_answer += usize::from(o.error.is_some());
        f.placeholders += usize::from(holds_placeholder(&o.answer));
    }
    f
}

/// Whether an answer holds a schema placeholder: a string `"sample"`, or an id made from one
/// (`sampl1`, `samplexxxx…`), which no real tenant answers.
fn holds_placeholder(v: &Value) -> bool {
    match v {
        Value::String(s) => {
            s == "sample"
                || s.strip_prefix("sampl").is_some_and(|rest| {
                    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit())
                })
                || s.starts_with("samplexxx")
        }
        Value::Array(items) => items.iter().any(holds_placeholder),
        Value::Object(o) => o.values().any(holds_placeholder),
        _ => false,
    }
}

/// Mismatches of one route.
#[derive(Debug, Default)]
struct RouteMismatches {
    interactions: usize,
    mismatches: usize,
    status_differs: usize,
    type_differs: usize,
    lacking_keys: usize,
    prior_state: usize,
    /// `Auth0's status → ours`, with counts.
    statuses: BTreeMap<String, usize>,
    /// `Auth0's type → ours`, with counts.
    types: BTreeMap<String, usize>,
    lacking: BTreeMap<String, usize>,
}

fn by_route(outcomes: &[Outcome]) -> Vec<(String, RouteMismatches)> {
    let mut routes: BTreeMap<String, RouteMismatches> = BTreeMap::new();
    for o in outcomes {
        let r = routes.entry(o.route.clone()).or_default();
        r.interactions += 1;
        r.prior_state += usize::from(!o.prior_ids.is_empty());
        if !o.mismatch() {
            continue;
        }
        r.mismatches += 1;
        if !o.same_status() {
            r.status_differs += 1;
            *r.statuses
                .entry(format!("{} → {}", o.recorded_status, o.status))
                .or_default() += 1;
        }
        if !o.same_type() {
            r.type_differs += 1;
            *r.types
                .entry(format!("{} → {}", o.recorded_type, o.ours_type))
                .or_default() += 1;
        }
        if o.lacks_keys() {
            r.lacking_keys += 1;
            for k in &o.lacking {
                *r.lacking.entry(k.clone()).or_default() += 1;
            }
        }
    }
    let mut routes: Vec<(String, RouteMismatches)> = routes
        .into_iter()
        .filter(|(_, r)| r.mismatches > 0)
        .collect();
    routes.sort_by(|a, b| b.1.mismatches.cmp(&a.1.mismatches).then(a.0.cmp(&b.0)));
    routes
}

fn counts(map: &BTreeMap<String, usize>) -> String {
    let mut items: Vec<(&String, &usize)> = map.iter().collect();
    items.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    items
        .iter()
        .map(|(k, n)| format!("{k} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn excerpt(v: &Value) -> Value {
    let text = v.to_string();
    if text.chars().count() <= EXCERPT_CHARS {
        v.clone()
    } else {
        Value::String(format!(
            "{}…",
            text.chars().take(EXCERPT_CHARS).collect::<String>()
        ))
    }
}

fn report(
    f: &Figures,
    floor: Option<Floor>,
    others: &BTreeMap<String, usize>,
    routes: &[(String, RouteMismatches)],
    outcomes: &[Outcome],
    seconds: f64,
) -> Value {
    let routes: Vec<Value> = routes
        .iter()
        .map(|(route, r)| {
            json!({
                "route": route,
                "interactions": r.interactions,
                "mismatches": r.mismatches,
                "status_differs": r.status_differs,
                "type_differs": r.type_differs,
                "lacking_keys": r.lacking_keys,
                "depends_on_prior_state": r.prior_state,
                "statuses": r.statuses,
                "types": r.types,
                "lacking": r.lacking,
            })
        })
        .collect();
    let interactions: Vec<Value> = outcomes
        .iter()
        .map(|o| {
            let mut v = json!({
                "file": o.file,
                "index": o.index,
                "route": o.route,
                "path": o.path,
                "sent": o.sent,
                "recorded_status": o.recorded_status,
                "status": o.status,
                "recorded_type": o.recorded_type,
                "type": o.ours_type,
                "lacking": o.lacking,
                "mismatch": o.mismatch(),
                "depends_on_prior_state": !o.prior_ids.is_empty(),
                "placeholder": holds_placeholder(&o.answer),
            });
            if !o.prior_ids.is_empty() {
                v["prior_ids"] = json!(o.prior_ids);
            }
            if let Some(e) = &o.error {
                v["error"] = json!(e);
            }
            if o.mismatch() || holds_placeholder(&o.answer) {
                v["recorded_answer"] = excerpt(&o.recorded_answer);
                v["answer"] = excerpt(&o.answer);
            }
            v
        })
        .collect();
    json!({
        "files": f.files,
        "interactions": f.interactions,
        "other_interactions": f.other_interactions,
        "other_interactions_by_path": others,
        "same_status": f.same_status,
        "same_status_pct": f.same_status_pct(),
        "same_class": f.same_class,
        "same_class_pct": f.same_class_pct(),
        "both_2xx": f.both_2xx,
        "same_type": f.same_type,
        "same_type_pct": f.same_type_pct(),
        "lacking_keys": f.lacking_keys,
        "lacking_keys_pct": f.lacking_keys_pct(),
        "depends_on_prior_state": f.prior_state,
        "no_answer": f.no_answer,
        "placeholders": f.placeholders,
        "ids_mapped": f.ids_mapped,
        "seconds": seconds,
        "floor": floor.map(|fl| json!({
            "interactions": fl.interactions,
            "same_status_pct": fl.same_status_pct,
            "same_type_pct": fl.same_type_pct,
            "lacking_keys_pct": fl.lacking_keys_pct,
            "placeholders": fl.placeholders,
        })),
        "routes": routes,
        "interaction_outcomes": interactions,
    })
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

struct Options {
    update_floor: bool,
    only: Option<String>,
}

fn parse_options(args: &[String]) -> Result<(Options, Vec<String>), String> {
    let mut o = Options {
        update_floor: false,
        only: None,
    };
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--update-floor" => o.update_floor = true,
            "--only" => {
                o.only = Some(
                    it.next()
                        .filter(|s| !s.is_empty())
                        .ok_or("replay: --only needs a part of a recording's path")?
                        .clone(),
                );
            }
            _ => rest.push(a.clone()),
        }
    }
    if o.update_floor && o.only.is_some() {
        return Err(
            "replay: --update-floor replays every recording; it cannot go with --only".into(),
        );
    }
    Ok((o, rest))
}

/// `cargo xtask replay`. `args` are the replay's own options; the caller has checked that the
/// reference data is present.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let (options, rest) = parse_options(args)?;
    if let Some(other) = rest.first() {
        return Err(format!(
            "replay: unknown option {other:?}; the options are --update-floor and --only TEXT"
        ));
    }
    let dir = root.join(DATA_DIR);
    if !dir.is_dir() {
        return Err(format!(
            "replay: {DATA_DIR} not found, nothing was replayed"
        ));
    }
    let started = Instant::now();
    let templates = Templates::from_spec(&read_json(&dir.join("management-api-oas.json"))?)?;
    let files: Vec<PathBuf> = recording_files(&dir)?
        .into_iter()
        .filter(|f| {
            options
                .only
                .as_ref()
                .is_none_or(|only| f.to_string_lossy().contains(only.as_str()))
        })
        .collect();
    if files.is_empty() {
        return Err(match &options.only {
            Some(only) => format!("replay: no recording file's path holds {only:?}"),
            None => format!("replay: {DATA_DIR}/recordings holds no recording file"),
        });
    }
    let recordings = files
        .iter()
        .map(|f| read_recording(&dir, f))
        .collect::<Result<Vec<_>, _>>()?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("replay: could not start the async runtime: {e}"))?;
    let session = runtime
        .block_on(start_session())
        .map_err(|e| format!("replay: {e}"))?;
    // Every override of the fake names the recording that shows it: each must be one of them.
    let named = runtime
        .block_on(named_recordings(&session))
        .map_err(|e| format!("replay: {e}"))?;
    // (`--only` replays a part of them: then the check is left out.)
    let missing: Vec<&String> = named
        .iter()
        .filter(|n| options.only.is_none() && !recordings.iter().any(|r| &r.name == *n))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "replay: the fake tenant's overrides name recordings that are not in {}: {}",
            dir.display(),
            missing
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    println!(
        "replay: the {} recordings the fake's overrides name are all there",
        named.len()
    );
    let mut outcomes = Vec::new();
    let mut ids_mapped = 0;
    let mut per_file = Vec::new();
    let mut others: BTreeMap<String, usize> = BTreeMap::new();
    for recording in &recordings {
        for o in &recording.others {
            *others.entry(o.clone()).or_default() += 1;
        }
        if recording.interactions.is_empty() {
            continue;
        }
        let (file_outcomes, mapped) = runtime
            .block_on(replay_file(&session, recording, &templates))
            .map_err(|e| format!("replay: {}: {e}", recording.name))?;
        if options.only.is_some() {
            for o in &file_outcomes {
                print_outcome(o);
            }
        }
        per_file.push(json!({
            "file": recording.name,
            "interactions": file_outcomes.len(),
            "mismatches": file_outcomes.iter().filter(|o| o.mismatch()).count(),
            "ids_mapped": mapped,
        }));
        outcomes.extend(file_outcomes);
        ids_mapped += mapped;
    }
    runtime.block_on(session.tenant.shutdown());
    drop(runtime);
    let seconds = started.elapsed().as_secs_f64();

    let f = Figures {
        ids_mapped,
        ..figures(&outcomes, recordings.len(), others.values().sum())
    };
    let routes = by_route(&outcomes);
    let floor_path = root.join(FLOOR_FILE);
    // A floor being rewritten is not read: it may be of an older form.
    let floor = if options.only.is_some() || options.update_floor {
        None
    } else {
        let text = fs::read_to_string(&floor_path)
            .map_err(|e| format!("{}: {e}", floor_path.display()))?;
        Some(Floor::parse(&text)?)
    };

    let report_path = target_dir(root).join("replay-report.json");
    let mut doc = report(&f, floor, &others, &routes, &outcomes, seconds);
    doc["file_outcomes"] = Value::Array(per_file);
    if let Some(parent) = report_path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    fs::write(&report_path, text).map_err(|e| format!("{}: {e}", report_path.display()))?;

    print_figures(&f, &routes, &others, seconds);
    println!("report: {}", report_path.display());

    if options.only.is_some() {
        return Ok(());
    }
    if options.update_floor {
        let new = f.as_floor();
        fs::write(&floor_path, new.to_json())
            .map_err(|e| format!("{}: {e}", floor_path.display()))?;
        println!(
            "replay: floor written to {FLOOR_FILE}: {} interactions, same status ≥ {:.1} %, \
             same type ≥ {:.1} %, lacking keys ≤ {:.1} %, placeholders ≤ {}",
            new.interactions,
            new.same_status_pct,
            new.same_type_pct,
            new.lacking_keys_pct,
            new.placeholders
        );
        return Ok(());
    }
    let Some(floor) = floor else {
        return Ok(());
    };
    println!(
        "floor ({FLOOR_FILE}): {} interactions, same status ≥ {:.1} %, same type ≥ {:.1} %, \
         lacking keys ≤ {:.1} %, placeholders ≤ {}",
        floor.interactions,
        floor.same_status_pct,
        floor.same_type_pct,
        floor.lacking_keys_pct,
        floor.placeholders
    );
    let failures = floor.failures(&f);
    if failures.is_empty() {
        println!("replay: at or above the floor");
        Ok(())
    } else {
        Err(format!(
            "replay: worse than the floor of {FLOOR_FILE}: {}",
            failures.join("; ")
        ))
    }
}

fn print_outcome(o: &Outcome) {
    let verdict = if o.mismatch() { "DIFF" } else { "same" };
    let prior = if o.prior_ids.is_empty() {
        String::new()
    } else {
        format!(" [depends on prior state: {}]", o.prior_ids.join(", "))
    };
    println!(
        "{verdict} {} #{} {} {}: Auth0 {} {}, fake {} {}{}{}",
        o.file,
        o.index,
        o.method,
        o.sent,
        o.recorded_status,
        o.recorded_type,
        o.status,
        o.ours_type,
        if o.lacks_keys() {
            format!(", lacking {}", o.lacking.join(", "))
        } else {
            String::new()
        },
        prior
    );
    if o.mismatch() {
        println!("     Auth0: {}", excerpt(&o.recorded_answer));
        println!("     fake:  {}", excerpt(&o.answer));
    }
    if let Some(e) = &o.error {
        println!("     error: {e}");
    }
}

fn print_figures(
    f: &Figures,
    routes: &[(String, RouteMismatches)],
    others: &BTreeMap<String, usize>,
    seconds: f64,
) {
    println!(
        "routes with mismatches ({} of them; the first {ROUTES_PRINTED} by count):",
        routes.len()
    );
    for (route, r) in routes.iter().take(ROUTES_PRINTED) {
        let mut parts = Vec::new();
        if r.status_differs > 0 {
            parts.push(format!("status (Auth0 → fake) {}", counts(&r.statuses)));
        }
        if r.type_differs > 0 {
            parts.push(format!("type {}", counts(&r.types)));
        }
        if r.lacking_keys > 0 {
            parts.push(format!(
                "lacking keys ×{}: {}",
                r.lacking_keys,
                counts(&r.lacking)
            ));
        }
        println!(
            "  {:>4}/{:<4} {route}: {}",
            r.mismatches,
            r.interactions,
            parts.join("; ")
        );
    }
    let others: Vec<String> = others.iter().map(|(k, n)| format!("/{k} ×{n}")).collect();
    println!(
        "replay: {} files, {} Management API interactions in {seconds:.1} s ({} others skipped: {})",
        f.files,
        f.interactions,
        f.other_interactions,
        others.join(", ")
    );
    println!(
        "  same status {}/{} = {:.1} %; same status class {:.1} %",
        f.same_status,
        f.interactions,
        f.same_status_pct(),
        f.same_class_pct()
    );
    println!(
        "  both 2xx: {}; same top-level type {}/{} = {:.1} %; lacking recorded keys {}/{} = {:.1} %",
        f.both_2xx,
        f.same_type,
        f.both_2xx,
        f.same_type_pct(),
        f.lacking_keys,
        f.both_2xx,
        f.lacking_keys_pct()
    );
    println!(
        "  {} interactions depend on prior state a fresh tenant cannot have (counted above); \
         {} got no answer; {} recorded ids mapped to the fake's; {} answers hold a schema \
         placeholder",
        f.prior_state, f.no_answer, f.ids_mapped, f.placeholders
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_auth0_s() {
        for id in [
            "con_AbC123xyz",
            "rol_abcDEFgh",
            "lst_0000000000012767",
            "org_1a2b3c4d5e",
            "cgr_Zz9Yy8Xx",
            "c139fef6-c89e-4265-9a4f-b1695b053d4d",
            "auth0|63d16b5edf1ce171262c71b5",
            "email|dev_f0O81fTcftc0kN2v",
            "nMvfDDlVUfR11YTXLLtV9KYLjfs4KBUw",
            "6894adff31e56f3d4b1be230",
        ] {
            assert!(looks_like_id(id), "{id}");
        }
        for not in [
            "",
            "sms",
            "post-login",
            "verify_email",
            "Username-Password-Authentication",
            "https://api.example.com",
            "abcdefghijklmnopqrstuvwxyz",
            "My Role 1234567890123",
            "en",
            "change_password",
            "client_credentials",
        ] {
            assert!(!looks_like_id(not), "{not}");
        }
    }

    #[test]
    fn ids_are_learnt_side_by_side() {
        let recorded = json!({
            "id": "con_recorded01",
            "name": "my-db",
            "strategy": "auth0",
            "enabled_clients": ["AbCdEfGhIjKlMnOp0123456789abcdef"],
            "options": {"tenant_id": "t1", "label": "first"},
            "members": [{"user_id": "auth0|aaaa1111"}, {"user_id": "auth0|bbbb2222"}],
        });
        let ours = json!({
            "id": "con_fake00001",
            "name": "my-db",
            "strategy": "auth0",
            "enabled_clients": ["ZyXwVuTsRqPoNmLk9876543210zyxwvu"],
            "options": {"tenant_id": "t2", "label": "second"},
            "members": [{"user_id": "auth0|cccc3333"}],
        });
        let mut ids = IdMap::default();
        ids.learn(&recorded, &ours);
        assert_eq!(ids.get("con_recorded01"), Some("con_fake00001"));
        assert_eq!(
            ids.get("AbCdEfGhIjKlMnOp0123456789abcdef"),
            Some("ZyXwVuTsRqPoNmLk9876543210zyxwvu")
        );
        // An `_id` key holding a digit is an id; a free string is not.
        assert_eq!(ids.get("t1"), Some("t2"));
        assert_eq!(ids.get("first"), None);
        // Array elements pair by index; the recorded element without a counterpart stays
        // unmapped.
        assert_eq!(ids.get("auth0|aaaa1111"), Some("auth0|cccc3333"));
        assert_eq!(ids.get("auth0|bbbb2222"), None);
        // Equal strings are not mapped.
        assert_eq!(ids.get("my-db"), None);
        assert_eq!(ids.len(), 4);

        // The first pairing wins, and a fake id stands for one recorded id only.
        ids.learn(
            &json!({"id": "con_recorded01"}),
            &json!({"id": "con_other0001"}),
        );
        assert_eq!(ids.get("con_recorded01"), Some("con_fake00001"));
        ids.learn(
            &json!({"id": "con_recorded02"}),
            &json!({"id": "con_fake00001"}),
        );
        assert_eq!(ids.get("con_recorded02"), None);
    }

    #[test]
    fn mapped_ids_are_put_in_paths_queries_and_bodies() {
        let mut ids = IdMap::default();
        ids.learn(
            &json!({"user_id": "auth0|abc123456", "identities": [{"user_id": "abc123456"}],
                    "org": "org_Recorded1", "role": "rol_Recorded1"}),
            &json!({"user_id": "auth0|fake999", "identities": [{"user_id": "fake999"}],
                    "org": "org_FakeFake1", "role": "rol_FakeFake1"}),
        );
        assert_eq!(
            ids.substitute_path(
                "/api/v2/organizations/org_Recorded1/members/auth0%7Cabc123456/roles"
            ),
            "/api/v2/organizations/org_FakeFake1/members/auth0%7Cfake999/roles"
        );
        // A segment that is not a mapped id stays as recorded, encoding included.
        assert_eq!(
            ids.substitute_path("/api/v2/users/auth0%7Cother/roles"),
            "/api/v2/users/auth0%7Cother/roles"
        );
        // Whole values, then ids inside longer strings, the longest first.
        assert_eq!(ids.substitute_str("rol_Recorded1"), "rol_FakeFake1");
        assert_eq!(
            ids.substitute_str("user_id:\"auth0|abc123456\" OR identities.user_id:abc123456"),
            "user_id:\"auth0|fake999\" OR identities.user_id:fake999"
        );
        let body = json!({"roles": ["rol_Recorded1"], "members": ["auth0|abc123456"], "n": 3,
                          "name": "keeps rol_ alone"});
        assert_eq!(
            ids.substitute_value(&body),
            json!({"roles": ["rol_FakeFake1"], "members": ["auth0|fake999"], "n": 3,
                   "name": "keeps rol_ alone"})
        );
    }

    #[test]
    fn paths_match_the_description_s_templates() {
        let t = Templates::new([
            "/connections",
            "/connections/{id}",
            "/jobs/{id}",
            "/jobs/users-imports",
            "/users/{id}/roles",
            "/organizations/{id}/members/{user_id}/roles",
            "/guardian/factors/{name}",
        ]);
        let r = t.route("/connections/con_abc123");
        assert_eq!(r.template, "/connections/{id}");
        assert!(r.described);
        assert_eq!(r.params, ["con_abc123"]);
        assert_eq!(t.route("/connections").template, "/connections");
        // A literal segment wins over a parameter.
        let r = t.route("/jobs/users-imports");
        assert_eq!(r.template, "/jobs/users-imports");
        assert!(r.params.is_empty());
        assert_eq!(t.route("/jobs/job_abc123").template, "/jobs/{id}");
        // Parameters are percent-decoded.
        let r = t.route("/organizations/org_1/members/auth0%7C42abc/roles");
        assert_eq!(r.template, "/organizations/{id}/members/{user_id}/roles");
        assert_eq!(r.params, ["org_1", "auth0|42abc"]);
        assert_eq!(t.route("/guardian/factors/sms").params, ["sms"]);
        // Without a template, id-like segments become `{id}`.
        let r = t.route("/event-streams/est_aD5AUDqZbHFc/stats");
        assert_eq!(r.template, "/event-streams/{id}/stats");
        assert!(!r.described);
        assert_eq!(r.params, ["est_aD5AUDqZbHFc"]);
        assert_eq!(t.route("/prompts/mfa-push").template, "/prompts/mfa-push");
    }

    #[test]
    fn lacking_keys_are_top_level_or_of_the_first_item() {
        let recorded = json!({"id": "x", "name": "n", "created_at": "t"});
        assert_eq!(
            lacking_keys(&recorded, &json!({"id": "y", "name": "n", "extra": 1})),
            ["created_at"]
        );
        assert_eq!(lacking_keys(&recorded, &json!([])).len(), 3);
        let list = json!([{"id": "a", "name": "n"}, {"other": 1}]);
        assert!(lacking_keys(&list, &json!([{"id": "b", "name": "m", "more": 2}])).is_empty());
        assert_eq!(lacking_keys(&list, &json!([])), ["id", "name"]);
        assert_eq!(lacking_keys(&list, &json!([{"id": "b"}])), ["name"]);
        assert!(lacking_keys(&json!([]), &json!({})).is_empty());
        assert!(lacking_keys(&json!("text"), &json!(null)).is_empty());
        assert!(lacking_keys(&json!(null), &json!({"a": 1})).is_empty());
    }

    fn figures_of(same_status: usize, both: usize, same_type: usize, lacking: usize) -> Figures {
        Figures {
            files: 3,
            interactions: 1000,
            same_status,
            same_class: same_status,
            both_2xx: both,
            same_type,
            lacking_keys: lacking,
            ..Figures::default()
        }
    }

    #[test]
    fn the_floor_is_rounded_so_the_same_run_passes() {
        let f = figures_of(839, 700, 629, 163);
        let floor = f.as_floor();
        assert_eq!(floor.interactions, 1000);
        assert_eq!(floor.same_status_pct, 83.9);
        // 629/700 = 89.857… down, 163/700 = 23.285… up.
        assert_eq!(floor.same_type_pct, 89.8);
        assert_eq!(floor.lacking_keys_pct, 23.3);
        assert!(floor.failures(&f).is_empty());
        let back = Floor::parse(&floor.to_json()).expect("the written floor reads back");
        assert_eq!(back, floor);
    }

    #[test]
    fn worse_than_the_floor_fails_naming_each_figure() {
        let floor = figures_of(839, 700, 629, 163).as_floor();
        assert!(floor.failures(&figures_of(900, 700, 700, 0)).is_empty());
        let worse = Figures {
            interactions: 999,
            placeholders: 1,
            ..figures_of(838, 700, 628, 164)
        };
        let failures = floor.failures(&worse);
        assert_eq!(failures.len(), 5, "{failures:?}");
        assert!(
            failures[4].contains("1 answers hold a schema placeholder"),
            "{failures:?}"
        );
        assert!(failures[0].contains("999"), "{failures:?}");
        assert!(failures[1].contains("same status 83.9 %"), "{failures:?}");
        assert!(failures[2].contains("same top-level type"), "{failures:?}");
        assert!(failures[3].contains("23.4 %"), "{failures:?}");
        assert!(Floor::parse("{}").is_err());
        assert!(Floor::parse("not json").is_err());
    }

    #[test]
    fn options_are_checked() {
        let (o, rest) = parse_options(&["--update-floor".to_owned()]).unwrap();
        assert!(o.update_floor && o.only.is_none() && rest.is_empty());
        let (o, _) = parse_options(&["--only".to_owned(), "TestRole".to_owned()]).unwrap();
        assert_eq!(o.only.as_deref(), Some("TestRole"));
        assert!(parse_options(&["--only".to_owned()]).is_err());
        assert!(
            parse_options(&[
                "--update-floor".to_owned(),
                "--only".to_owned(),
                "x".to_owned()
            ])
            .is_err()
        );
        let (_, rest) = parse_options(&["--without-reference-data".to_owned()]).unwrap();
        assert_eq!(rest, ["--without-reference-data"]);
    }
}
