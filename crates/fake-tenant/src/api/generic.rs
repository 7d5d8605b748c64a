//! Answers every operation of the description that no hand-written handler serves, over an
//! in-memory JSON store, from the generated route table (`generated.rs`):
//!
//! - `GET` of a collection lists it with the operation's pagination (offset envelope with
//!   `start`/`limit`/`length`/`total`, checkpoint envelope with `next`, or a bare array);
//! - `GET` of `…/{id}` reads an item (Auth0's 404 body when there is none);
//! - `POST` on a collection creates an item with a new id, or links the ids of a membership
//!   body (`{"roles": ["rol_1"]}`); `DELETE` of `…/{id}` removes it; a `DELETE` with such a body
//!   unlinks;
//! - `PATCH` merges, `PUT` replaces (items and singletons such as settings and branding);
//! - other operations answer the sample built from their response schema.
//!
//! Each collection starts with one item, the sample of its schema, so that reads work before
//! any write.

use super::base::*;
pub(crate) use super::operation::{Op, Paging};
use crate::util::IntoObject;

/// The key of a union in a shape (see [`Op::shape`]).
const UNION: &str = "$oneOf";
/// The key of an object's optional properties in a union alternative's shape.
const OPTIONAL: &str = "$optional";

fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

fn is_param(seg: &str) -> bool {
    seg.starts_with('{')
}

/// The operation serving `method` and `segs`; literal segments win over parameters, and a
/// blank parameter matches nothing.
pub(super) fn find(method: &Method, segs: &[String]) -> Option<&'static Op> {
    let mut best: Option<(&'static Op, usize)> = None;
    for op in super::generated::OPERATIONS {
        if op.method != method.as_str() {
            continue;
        }
        let Some((params, literals)) = super::routes::match_template(op.path, segs) else {
            continue;
        };
        if params.iter().any(|p| p.trim().is_empty()) {
            continue;
        }
        if best.is_none_or(|(_, l)| literals > l) {
            best = Some((op, literals));
        }
    }
    best.map(|(op, _)| op)
}

/// The operation with this method and template, if the description has one.
fn op_at(method: &str, template: &str) -> Option<&'static Op> {
    super::generated::OPERATIONS
        .iter()
        .find(|o| o.method == method && o.path == template)
}

/// Whether a template names a collection: its `GET` lists, or a `POST` creates in it. Item
/// routes under anything else (`/email-templates/{templateName}`,
/// `/prompts/{prompt}/custom-text/{language}`) are keyed singletons.
///
/// A `POST` beside a `GET` that answers one object, with no item route below
/// (`/hooks/{id}/secrets`, `/emails/provider`), creates or adds to that object: a singleton.
fn is_collection(template: &str) -> bool {
    let ops = || {
        super::generated::OPERATIONS
            .iter()
            .filter(move |o| o.path == template)
    };
    let read = ops().find(|o| o.method == "GET");
    let has_items = super::generated::OPERATIONS.iter().any(|o| {
        o.path
            .strip_prefix(template)
            .and_then(|rest| rest.strip_prefix("/{"))
            .is_some_and(|rest| !rest.contains('/'))
    });
    read.is_some_and(lists) || ops().any(|o| o.method == "POST") && (read.is_none() || has_items)
}

/// The value secret-holding singletons show in place of each secret (`GET /hooks/{id}/secrets`).
const VALUE_NOT_SHOWN: &str = "_VALUE_NOT_SHOWN_";

/// Whether the answers of `op` hide the values of a map of secrets.
fn hides_values(op: &Op) -> bool {
    op.method == "GET" && op.path.ends_with("/secrets")
}

fn lists(op: &Op) -> bool {
    op.paging != Paging::None || op.sample.starts_with('[')
}

/// The key and item shape of a collection that a `GET` lists inside an object of one array
/// property, unpaged (`GET /branding/phone/providers` answers `{"providers": […]}`).
fn wrapped_list(op: &Op) -> Option<(String, Value)> {
    if op.method != "GET" || op.paging != Paging::None || !is_collection(op.path) {
        return None;
    }
    let shape = shape(op);
    let props: Vec<(&String, &Value)> = shape
        .as_object()?
        .iter()
        .filter(|(k, _)| *k != OPTIONAL)
        .collect();
    match props.as_slice() {
        [(key, Value::Array(items))] => Some(((*key).clone(), items.first()?.clone())),
        _ => None,
    }
}

fn sample(op: &Op) -> Value {
    if op.sample.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(op.sample).unwrap_or(Value::Null)
    }
}

/// The shape answers of `op` keep: its [`Op::shape`], else its sample.
fn shape(op: &Op) -> Value {
    if op.shape.is_empty() {
        sample(op)
    } else {
        serde_json::from_str(op.shape).unwrap_or_else(|_| sample(op))
    }
}

/// The alternatives of a union in a shape, if `shape` is one.
fn alternatives(shape: &Value) -> Option<&Vec<Value>> {
    shape.get(UNION).and_then(Value::as_array)
}

/// A shape as a sample: each union as its first alternative, without the optional-property
/// lists.
fn plain(shape: &Value) -> Value {
    if let Some(first) = alternatives(shape).and_then(|a| a.first()) {
        return plain(&first["shape"]);
    }
    match shape {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| *k != OPTIONAL)
                .map(|(k, v)| (k.clone(), plain(v)))
                .into_object(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(plain).collect()),
        other => other.clone(),
    }
}

/// Whether `value` holds `tags`: each tag's value, and, for a tag that is an object (the tags
/// of a nested object), that object's tags.
fn holds(value: &Value, tags: &Map<String, Value>) -> bool {
    tags.iter().all(|(k, tag)| match (value.get(k), tag) {
        (Some(v @ Value::Object(_)), Value::Object(inner)) => holds(v, inner),
        (Some(v), tag) => v == tag,
        (None, _) => false,
    })
}

/// Whether `value` holds, for some tag, another value than the tag's.
fn conflicts(value: &Value, tags: &Map<String, Value>) -> bool {
    tags.iter().any(|(k, tag)| match (value.get(k), tag) {
        (Some(v @ Value::Object(_)), Value::Object(inner)) => conflicts(v, inner),
        (Some(v), tag) => v != tag,
        (None, _) => false,
    })
}

/// Whether `value` carries the tags of `alternative` (or of one of the alternatives of the
/// union it is): the tags name it.
fn tagged(value: &Value, alternative: &Value) -> bool {
    let tags = alternative["tags"].as_object();
    if let Some(tags) = tags.filter(|t| !t.is_empty()) {
        return holds(value, tags);
    }
    alternatives(&alternative["shape"]).is_some_and(|inner| inner.iter().any(|a| tagged(value, a)))
}

/// Whether a tag `value` carries names another alternative than `alternative`.
fn contradicted(value: &Value, alternative: &Value) -> bool {
    let tags = alternative["tags"].as_object();
    if let Some(tags) = tags.filter(|t| !t.is_empty()) {
        return conflicts(value, tags);
    }
    alternatives(&alternative["shape"])
        .is_some_and(|inner| inner.iter().all(|a| contradicted(value, a)))
}

/// How well `value` fits a shape: `None` when its JSON type differs; for objects, the number
/// of its properties the shape names less the number it does not, less the number of the
/// shape's required properties it lacks (which only a placeholder could fill).
fn fit(value: &Value, shape: &Value) -> Option<i64> {
    let plain = plain(shape);
    match (value, &plain) {
        (Value::Object(v), Value::Object(s)) => {
            let named = v.keys().filter(|k| s.contains_key(*k)).count() as i64;
            let optional = shape.get(OPTIONAL).and_then(Value::as_array);
            let lacking = s
                .keys()
                .filter(|k| !v.contains_key(*k))
                .filter(|k| optional.is_none_or(|o| !o.iter().any(|x| x == *k)))
                .count() as i64;
            Some(2 * named - v.len() as i64 - lacking)
        }
        (Value::Array(_), Value::Array(_))
        | (Value::String(_), Value::String(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::Bool(_), Value::Bool(_)) => Some(0),
        _ => None,
    }
}

/// The alternative of a union that `value` is in: the one its tags name, else, of those its
/// tags do not rule out, the one it fits best (the first on a tie), else the first.
fn choose<'s>(value: &Value, alternatives: &'s [Value]) -> &'s Value {
    if let Some(a) = alternatives.iter().find(|a| tagged(value, a)) {
        return &a["shape"];
    }
    let mut best: Option<(&Value, i64)> = None;
    for a in alternatives.iter().filter(|a| !contradicted(value, a)) {
        if let Some(score) = fit(value, &a["shape"])
            && best.is_none_or(|(_, b)| score > b)
        {
            best = Some((&a["shape"], score));
        }
    }
    best.map(|(s, _)| s)
        .or_else(|| alternatives.first().map(|a| &a["shape"]))
        .unwrap_or(&Value::Null)
}

/// The sample of one item of the collection at `template`: its item read's answer, else its
/// list's item.
fn item_sample(template: &str) -> Value {
    let item = super::generated::OPERATIONS.iter().find(|o| {
        o.method == "GET"
            && o.path.starts_with(&format!("{template}/{{"))
            && !o.path[template.len() + 1..].contains('/')
    });
    if let Some(v) = item.map(sample).filter(Value::is_object) {
        return v;
    }
    match op_at("GET", template).map(sample) {
        Some(Value::Array(a)) => a.into_iter().next().unwrap_or(Value::Null),
        Some(v) => v,
        None => Value::Null,
    }
}

/// The shape of an item of the collection at `template`: the answer of its item route
/// (which marks optional fields and unions), else the sample of an item.
fn item_shape(template: &str) -> Value {
    super::generated::OPERATIONS
        .iter()
        .find(|o| {
            o.method == "GET"
                && o.path.starts_with(&format!("{template}/{{"))
                && !o.path[template.len() + 1..].contains('/')
        })
        .map(shape)
        .filter(Value::is_object)
        .unwrap_or_else(|| item_sample(template))
}

/// The name of the parameter of the item route right below the collection at `template`
/// (`kid` of `/keys/encryption/{kid}`).
fn item_param(template: &str) -> Option<&'static str> {
    super::generated::OPERATIONS.iter().find_map(|o| {
        let rest = o.path.strip_prefix(template)?.strip_prefix("/{")?;
        let param = rest.strip_suffix('}')?;
        (o.method == "GET" && !param.contains(['/', '{'])).then_some(param)
    })
}

/// The field that identifies an item: `id`, the path parameter's name, a string field the
/// parameter's name starts with, or one ending in `id`.
fn id_key(item: &Value, param: &str) -> String {
    let Some(map) = item.as_object() else {
        return "id".to_owned();
    };
    if map.contains_key("id") {
        return "id".to_owned();
    }
    if map.contains_key(param) {
        return param.to_owned();
    }
    // `{templateName}` names an email template by its `template`.
    if let Some(k) = map
        .keys()
        .find(|k| param.starts_with(k.as_str()) && map[k.as_str()].is_string())
    {
        return k.clone();
    }
    map.keys()
        .find(|k| k.ends_with("_id") || k.ends_with("Id") || *k == "name")
        .cloned()
        .unwrap_or_else(|| "id".to_owned())
}

/// A new id shaped like `sample` (same length where it is long enough), unique in this store.
/// Its counter is written with the digits 1 to 9 only, which every id alphabet of the
/// description allows (hexadecimal, base58, alphanumeric, decimal).
fn new_id(store: &mut Store, template: &str, sample: &Value, kind: Option<&str>) -> Value {
    if let Some(format) = crate::overrides::id_format(template) {
        let id = crate::overrides::new_id(format);
        return Value::String(match kind {
            Some(kind) => id.replace("{type}", kind),
            None => id,
        });
    }
    store.next_id += 1;
    let mut n = String::new();
    let mut rest = store.next_id;
    while rest > 0 {
        rest -= 1;
        n.insert(0, char::from(b'1' + (rest % 9) as u8));
        rest /= 9;
    }
    match sample {
        // A schema without an example id: Auth0's usual form, random letters and digits after
        // the prefix the sample keeps (`grp_`), never the placeholder itself.
        Value::String(s) if s.contains("sampl") => {
            let prefix = s.rfind('_').map_or("", |i| &s[..=i]);
            Value::String(format!("{prefix}{}", crate::util::random_alnum(16)))
        }
        Value::String(s) if s.len() > n.len() => {
            // The prefix through the last `_` (`exp_`, `grp_`) stays whole.
            let prefix = s.rfind('_').map_or(0, |i| s[..=i].chars().count());
            let keep = (s.chars().count() - n.len()).max(prefix);
            let keep: String = s.chars().take(keep).collect();
            Value::String(format!("{keep}{n}"))
        }
        Value::Number(_) => Value::from(store.next_id),
        _ => Value::String(format!("id_{n}")),
    }
}

/// The collection at `concrete`: empty on first use, or, with schema samples on, holding the
/// sample item of its schema.
fn collection<'s>(store: &'s mut Store, concrete: &str, template: &str) -> &'s mut Vec<Value> {
    let owned = !store.schema_samples
        || crate::store::OWNED.contains(&concrete)
        || store.under_held_item(concrete);
    store
        .collections
        .entry(concrete.to_owned())
        .or_insert_with(|| {
            let item = item_sample(template);
            if item.is_object() && !owned {
                vec![item]
            } else {
                Vec::new()
            }
        })
}

/// `value` reduced to the keys `shape` names (when `shape` is an object naming any), with the
/// keys it lacks taken from `shape`, and so on down nested objects and the items of arrays:
/// an answer stays in the shape of the operation's schema (a secret sent in `credentials` is
/// not read back, a nested object keeps its required fields). A union keeps the alternative
/// `value` is in (see [`choose`]), and inside it only required keys are filled.
fn shaped(value: &Value, shape: &Value) -> Value {
    if let Some(alternatives) = alternatives(shape) {
        return shaped(value, choose(value, alternatives));
    }
    match (value, shape) {
        (Value::Object(v), Value::Object(s)) if !s.is_empty() => {
            let optional = s.get(OPTIONAL).and_then(Value::as_array);
            let mut out = Map::new();
            for (k, inner) in s.iter().filter(|(k, _)| *k != OPTIONAL) {
                match v.get(k) {
                    Some(x) => {
                        out.insert(k.clone(), shaped(x, inner));
                    }
                    None if optional.is_some_and(|o| o.iter().any(|x| x == k)) => {}
                    None => {
                        out.insert(k.clone(), plain(inner));
                    }
                }
            }
            Value::Object(out)
        }
        (Value::Array(items), Value::Array(s)) => match s.first() {
            Some(item_shape) => Value::Array(items.iter().map(|i| shaped(i, item_shape)).collect()),
            None => value.clone(),
        },
        _ => value.clone(),
    }
}

/// The answer of `op` with `body`; an operation whose answer is a list gets `body` as its one
/// item (a key created, the identities after a link).
fn answer(op: &Op, body: &Value) -> Response {
    let status = crate::overrides::status(op.method, op.path).map_or(op.status, |o| o.status);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    if let Some(recorded) = crate::overrides::recorded_answer(op.method, op.path) {
        use crate::overrides::RecordedBody;
        let recorded = match recorded.body {
            RecordedBody::EmptyObject => Value::Object(Map::new()),
            RecordedBody::Stored => body.clone(),
            RecordedBody::Fixed(v) => serde_json::from_str(v).unwrap_or_default(),
        };
        return json(status, &recorded);
    }
    let unanswered = crate::overrides::never_answered(op.method, op.path);
    let trimmed;
    let body = if unanswered.is_empty() {
        body
    } else {
        let mut b = body.clone();
        let items: Vec<&mut Value> = match &mut b {
            Value::Array(items) => items.iter_mut().collect(),
            other => vec![other],
        };
        for item in items {
            if let Some(o) = item.as_object_mut() {
                for k in unanswered {
                    o.remove(*k);
                }
            }
        }
        trimmed = b;
        &trimmed
    };
    let answers_item = op.method == "POST" && crate::overrides::create_answers_item(op.path);
    if (op.sample.is_empty() && !answers_item) || status == StatusCode::NO_CONTENT {
        empty(status)
    } else if op.sample.starts_with('[') && !body.is_array() {
        let item = match shape(op) {
            Value::Array(items) => items
                .first()
                .map_or_else(|| body.clone(), |shape| shaped(body, shape)),
            _ => body.clone(),
        };
        json(status, &Value::Array(vec![item]))
    } else {
        json(status, body)
    }
}

/// Sets the timestamps the store keeps, where the item's schema (`shape`) has them:
/// `created_at` (when `created`) and `updated_at`, now.
fn stamp(item: &mut Value, shape: &Value, created: bool) {
    let now = Value::String(iso8601(now_ms()));
    let plain = plain(shape);
    if let Some(o) = item.as_object_mut() {
        if created && plain.get("created_at").is_some() {
            o.insert("created_at".into(), now.clone());
        }
        if plain.get("updated_at").is_some() {
            o.insert("updated_at".into(), now);
        }
    }
}

/// Adds to a new item of `collection` what Auth0 adds (see
/// [`CREATE_DEFAULTS`](crate::overrides::CREATE_DEFAULTS)), and a rule's `order`: after the
/// rules there are; a connection's fields that depend on its strategy.
fn add_create_defaults(
    collection: &str,
    store: &Store,
    domain: &str,
    parent: Option<&(String, Value)>,
    item: &mut Value,
    sent: &[String],
    id: &Value,
) {
    let name = item.get("name").cloned().unwrap_or(Value::Null);
    let own_domain = item.get("domain").cloned().unwrap_or(Value::Null);
    let Some(o) = item.as_object_mut() else {
        return;
    };
    if let Some(d) = crate::overrides::create_defaults(collection)
        && let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(d.fields)
    {
        let now = Value::String(iso8601(now_ms()));
        let fill = |v: &str| match v {
            "{name}" => Some(name.clone()),
            "{now}" => Some(now.clone()),
            "{tenant}" => Some(Value::from(crate::seed::TENANT_NAME)),
            "{domain}" => Some(own_domain.clone()),
            "{tenant_domain}" => Some(Value::from(domain)),
            "{hex32}" => Some(Value::from(crate::util::random_hex(32))),
            "{alnum32}" => Some(Value::from(crate::util::random_alnum(32))),
            "{parent_id}" => parent.map(|(id, _)| Value::from(id.as_str())),
            "{id_label}" => Some(Value::from(
                id.as_str()
                    .unwrap_or_default()
                    .to_lowercase()
                    .replace('_', "-"),
            )),
            token => token
                .strip_prefix("{parent.")
                .and_then(|t| t.strip_suffix('}'))
                .and_then(|field| parent?.1.get(field).cloned()),
        };
        for (k, mut v) in fields {
            placeholders(&mut v, &fill);
            // What was sent stays; what the schema's shape filled in is Auth0's instead.
            if !sent.contains(&k) {
                o.insert(k, v);
            }
        }
    }
    if collection == crate::store::CONNECTIONS {
        connection_defaults(o, domain);
    }
    if collection == "/rules" && !o.contains_key("order") {
        let last = store
            .collections
            .get(collection)
            .into_iter()
            .flatten()
            .filter_map(|r| r["order"].as_u64())
            .max()
            .unwrap_or(0);
        o.insert("order".into(), Value::from(last + 1));
    }
}

/// The flows vault connections.
const VAULT_CONNECTIONS: &str = "/flows/vault/connections";

/// What Auth0 derives from the `setup` a vault connection is created with, as
/// recordings/go-auth0/TestFlowVaultConnectionManager_Create.json shows it for a bearer
/// token: the connection is ready (never refreshed, so no `refreshed_at`) and its
/// `account_name` shows the token masked but for its first and last three characters. The
/// credentials themselves are neither kept nor answered.
fn vault_connection_setup(setup: &Value, item: &mut Value) {
    let (Some("BEARER"), Some(token), Some(o)) = (
        setup.get("type").and_then(Value::as_str),
        setup.get("token").and_then(Value::as_str),
        item.as_object_mut(),
    ) else {
        return;
    };
    let chars: Vec<char> = token.chars().collect();
    let masked = if chars.len() >= 7 {
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 3..].iter().collect();
        format!("{head}***{tail}")
    } else {
        "***".to_owned()
    };
    o.insert(
        "account_name".into(),
        Value::String(format!("Bearer {masked}")),
    );
    o.insert("ready".into(), Value::Bool(true));
    o.remove("refreshed_at");
}

/// The fields [`add_create_defaults`] gives a new item by code rather than from
/// [`CREATE_DEFAULTS`](crate::overrides::CREATE_DEFAULTS): a connection's by its strategy, a
/// rule's `order`, the version an action created with `deploy` runs.
const ADDED_BY_CODE: &[(&str, &[&str])] = &[
    (
        crate::store::CONNECTIONS,
        &[
            "provisioning_ticket_url",
            "display_name",
            "show_as_button",
            "options",
        ],
    ),
    ("/rules", &["order"]),
    // Named by a create with `deploy` (`deploy_on_create`); not in the description's schema.
    (ACTIONS, &["current_version"]),
];

/// The fields Auth0 adds to a new item of `collection` on create: those of its
/// [`CREATE_DEFAULTS`](crate::overrides::CREATE_DEFAULTS) entry and [`ADDED_BY_CODE`].
fn added_keys(collection: &str) -> Vec<String> {
    let from_table = crate::overrides::create_defaults(collection)
        .and_then(|d| serde_json::from_str::<Map<String, Value>>(d.fields).ok())
        .map(|fields| fields.into_iter().map(|(k, _)| k).collect::<Vec<_>>())
        .unwrap_or_default();
    let by_code = ADDED_BY_CODE
        .iter()
        .filter(|(c, _)| *c == collection)
        .flat_map(|(_, keys)| keys.iter().map(|k| (*k).to_owned()));
    from_table.into_iter().chain(by_code).collect()
}

/// `answer` (an item in its answer's shape) with the fields of `added` (see [`added_keys`])
/// that the shape dropped, where the description's schema does not name them (a connection's
/// `provisioning_ticket_url`, a custom domain's `created_at`), taken from the stored `item`.
fn with_added(added: &[String], item: &Value, mut answer: Value) -> Value {
    if let Some(o) = answer.as_object_mut() {
        for k in added {
            if let Some(v) = item.get(k) {
                o.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    answer
}

/// Replaces each string of `v` that `fill` knows, at any depth; a longer string has each
/// `{…}` inside it that `fill` knows replaced by the text of its value.
fn placeholders(v: &mut Value, fill: &dyn Fn(&str) -> Option<Value>) {
    match v {
        Value::String(s) => {
            if let Some(x) = fill(s) {
                *v = x;
            } else if s.contains('{') {
                let mut out = String::new();
                let mut rest = s.as_str();
                while let Some(start) = rest.find('{') {
                    let Some(len) = rest[start..].find('}') else {
                        break;
                    };
                    let token = &rest[start..=start + len];
                    out.push_str(&rest[..start]);
                    match fill(token) {
                        Some(Value::String(t)) => out.push_str(&t),
                        Some(Value::Number(n)) => out.push_str(&n.to_string()),
                        _ => out.push_str(token),
                    }
                    rest = &rest[start + len + 1..];
                }
                out.push_str(rest);
                *s = out;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| placeholders(x, fill)),
        Value::Object(m) => m.values_mut().for_each(|x| placeholders(x, fill)),
        _ => {}
    }
}

/// What Auth0 adds to a new connection by its strategy, as the recordings of go-auth0's
/// `TestConnectionManager_Read_It_can_successfully_read_a_*_Connection.json` and
/// `TestConnectionManager_Update_It_can_successfully_update_a_*_Connection.json` show:
/// enterprise connections are not shown as a button, those provisioned through a ticket get its
/// URL, OIDC, Okta and Azure AD ones are displayed by their name, and `options` is always there.
fn connection_defaults(o: &mut Map<String, Value>, domain: &str) {
    let strategy = o
        .get("strategy")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let s = strategy.as_str();
    let enterprise = [
        "ad",
        "adfs",
        "google-apps",
        "pingfederate",
        "samlp",
        "waad",
        "oidc",
        "okta",
    ];
    if enterprise.contains(&s) {
        o.entry("show_as_button").or_insert(Value::Bool(false));
    }
    if ["ad", "adfs", "google-apps", "pingfederate", "samlp", "waad"].contains(&s) {
        let ticket = crate::util::random_alnum(8);
        o.entry("provisioning_ticket_url")
            .or_insert_with(|| Value::from(format!("https://{domain}/p/{s}/{ticket}")));
    }
    if ["oidc", "okta", "waad"].contains(&s)
        && let Some(name) = o.get("name").cloned()
    {
        o.entry("display_name").or_insert(name);
    }
    let options = if ["auth0", "email", "sms", "ad"].contains(&s) {
        json!({"brute_force_protection": true})
    } else {
        json!({})
    };
    o.entry("options").or_insert(options);
}

/// Fills the object an item names by id from the store, where its schema (`shape`) has it:
/// `connection` (`name`, `strategy`) of its `connection_id`, as Auth0 answers an
/// organization's enabled connection.
fn expand_references(store: &Store, item: &mut Value, shape: &Value) {
    let Some(id) = item.get("connection_id").and_then(Value::as_str) else {
        return;
    };
    let Some(conn) = store
        .items(crate::store::CONNECTIONS)
        .iter()
        .find(|c| c["id"].as_str() == Some(id))
    else {
        return;
    };
    let expanded = json!({"name": conn["name"], "strategy": conn["strategy"]});
    if let Some(o) = item.as_object_mut()
        && plain(shape).get("connection").is_some()
    {
        o.insert("connection".into(), expanded);
    }
}

fn not_found(template: &str) -> ApiErr {
    let noun = segments(template)
        .iter()
        .rev()
        .find(|s| !is_param(s))
        .map(|s| s.trim_end_matches('s').replace('-', "_"))
        .unwrap_or_else(|| "resource".to_owned());
    ApiErr(
        StatusCode::NOT_FOUND,
        format!("The {} does not exist.", noun.replace('_', " ")),
        None,
    )
}

/// The collection of actions, which Auth0 builds in the background.
const ACTIONS: &str = "/actions/actions";

/// The rendering settings of one screen of a prompt.
const RENDERING: &str = "/prompts/{prompt}/screen/{screen}/rendering";

/// The actions bound to a trigger, replaced whole by a `PATCH`.
const BINDINGS: &str = "/actions/triggers/{triggerId}/bindings";

/// The bindings a `PATCH` of a trigger's bindings makes, as Auth0 answers and lists them
/// (recordings/go-auth0/TestActionManager_Bindings.json): each with an id, the trigger, its
/// display name and the action its `ref` names (by `action_id` or `action_name`), summarised.
/// Like other generic bodies, a binding whose action is not found is not refused; it is kept
/// without an action.
fn bind(store: &Store, trigger: &str, body: &Map<String, Value>) -> Vec<Value> {
    let actions = store.collections.get(ACTIONS);
    let now = iso8601(now_ms());
    body.get("bindings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|b| {
            let key = match b["ref"]["type"].as_str() {
                Some("action_name") => "name",
                _ => "id",
            };
            let action = actions
                .into_iter()
                .flatten()
                .find(|a| a[key] == b["ref"]["value"]);
            let mut binding = json!({
                "id": crate::util::random_uuid(),
                "trigger_id": trigger,
                "created_at": now,
                "updated_at": now,
            });
            if let Some(a) = action {
                let summary: Map<String, Value> = [
                    "id",
                    "name",
                    "supported_triggers",
                    "all_changes_deployed",
                    "deployed_version",
                    "created_at",
                    "updated_at",
                ]
                .iter()
                .filter_map(|k| a.get(*k).map(|v| ((*k).to_owned(), v.clone())))
                .into_object();
                binding["action"] = Value::Object(summary);
            }
            let name = b
                .get("display_name")
                .cloned()
                .or_else(|| action.map(|a| a["name"].clone()))
                .unwrap_or(Value::Null);
            if !name.is_null() {
                binding["display_name"] = name;
            }
            binding
        })
        .collect()
}

/// The tenant's Universal Login page template.
const UNIVERSAL_LOGIN: &str = "/branding/templates/universal-login";

/// Deploying an action, which makes a version of it.
const DEPLOY: &str = "/actions/actions/{id}/deploy";

/// The route that sets the rendering of several screens at once.
const BULK_RENDERING: &str = "/prompts/rendering";

/// An organization's invitations.
const INVITATIONS: &str = "/organizations/{id}/invitations";

/// The signing keys of a connection.
const CONNECTION_KEYS: &str = "/connections/{id}/keys";

/// The rotation of a connection's signing key.
const CONNECTION_KEYS_ROTATE: &str = "/connections/{id}/keys/rotate";

/// The verification of a custom domain.
const DOMAIN_VERIFY: &str = "/custom-domains/{id}/verify";

/// A deploy of one of an action's versions.
const VERSION_DEPLOY: &str = "/actions/actions/{actionId}/versions/{id}/deploy";

/// The reset of a phone notification template.
const TEMPLATE_RESET: &str = "/branding/phone/templates/{id}/reset";

/// The public key an encryption key is wrapped with before its import.
const WRAPPING_KEY: &str = "/keys/encryption/{kid}/wrapping-key";

/// The import of a wrapped encryption key.
const IMPORT_KEY: &str = "/keys/encryption/{kid}";

/// The tenant's default domain: its own, or a custom domain set as the default.
const DEFAULT_DOMAIN: &str = "/custom-domains/default";

/// The default domain as Auth0 reads it (recordings/go-auth0/
/// TestCustomDomainManager_UpdateDefault_Set_custom_domain_as_default.json): the custom domain
/// set as the default, whole, else `{"domain"}` naming the tenant's own.
fn default_domain(store: &Store, tenant_domain: &str) -> Value {
    let chosen = store
        .collections
        .get("/custom-domains")
        .into_iter()
        .flatten()
        .find(|d| d["is_default"] == Value::Bool(true));
    domain_answer(chosen, tenant_domain)
}

/// A default domain as `GET`/`PATCH /custom-domains/default` answer it: the custom domain
/// `chosen`, whole, as a read of it answers it, else `{"domain": domain}`.
fn domain_answer(chosen: Option<&Value>, domain: &str) -> Value {
    chosen.map_or_else(
        || json!({ "domain": domain }),
        |d| {
            with_added(
                &added_keys("/custom-domains"),
                d,
                shaped(d, &item_shape("/custom-domains")),
            )
        },
    )
}

/// Sets the default domain: the custom domain named `domain` becomes the default (and the
/// others not; one Auth0 manages gets its certificate, as Auth0 starts provisioning it), and
/// the answer is that domain whole; any other domain (the tenant's own) clears the custom
/// default, and the answer names it.
fn set_default_domain(store: &mut Store, domain: &str) -> Value {
    let mut chosen = None;
    for d in store
        .collections
        .entry("/custom-domains".to_owned())
        .or_default()
        .iter_mut()
    {
        let is = d["domain"].as_str() == Some(domain);
        d["is_default"] = Value::Bool(is);
        if is {
            // Auth0 starts provisioning the certificate of a domain it manages once the domain
            // is the default, and keeps it after (recordings/go-auth0/
            // TestCustomDomainManager_UpdateDefault_Set_custom_domain_as_default.json: none on
            // create, Let's Encrypt's once set; TestCustomDomainManager_Read.json reads it on
            // that domain after, no longer the default).
            if d["type"] == "auth0_managed_certs"
                && let Some(o) = d.as_object_mut()
            {
                o.entry("certificate")
                    .or_insert_with(|| json!({"certificate_authority": "letsencrypt"}));
            }
            chosen = Some(d.clone());
        }
    }
    domain_answer(chosen.as_ref(), domain)
}

/// What Auth0 adds to an invitation (recordings/go-auth0/TestOrganizationManager_CreateInvitation.json):
/// its organization, a ticket, the URL the invitee follows (the application's login URL, else
/// the tenant's, with the ticket and the organization) and an expiry `ttl_sec` after now
/// (seven days unless sent).
fn invitation_defaults(
    store: &Store,
    domain: &str,
    organization: Option<&(String, Value)>,
    item: &mut Value,
) {
    let Some((org_id, org)) = organization else {
        return;
    };
    let ticket = crate::util::random_alnum(32);
    let login = item["client_id"]
        .as_str()
        .and_then(|id| {
            store
                .items(crate::store::CLIENTS)
                .iter()
                .find(|c| c["client_id"].as_str() == Some(id))
        })
        .and_then(|c| c["initiate_login_uri"].as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("https://{domain}/login"));
    // A query value: everything but the unreserved characters of RFC 3986 is escaped.
    const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let encode = |v: &str| percent_encoding::utf8_percent_encode(v, QUERY_VALUE).to_string();
    let url = format!(
        "{login}?invitation={ticket}&organization={}&organization_name={}",
        encode(org_id),
        encode(org["name"].as_str().unwrap_or_default())
    );
    let ttl = item["ttl_sec"]
        .as_u64()
        .filter(|t| *t > 0)
        .unwrap_or(604_800);
    if let Some(o) = item.as_object_mut() {
        o.insert("organization_id".into(), Value::from(org_id.as_str()));
        o.insert("ticket_id".into(), Value::from(ticket));
        o.insert("invitation_url".into(), Value::from(url));
        o.insert(
            "expires_at".into(),
            Value::from(iso8601(now_ms() + ttl * 1000)),
        );
        o.remove("ttl_sec");
    }
}

/// The route that sends a test event to an event stream.
const STREAM_TEST: &str = "/event-streams/{id}/test";

/// The test event Auth0 queues for an event stream, as it answers it
/// (recordings/go-auth0/TestEventStreamManager_Integration.json): pending, no attempt yet, the
/// event in CloudEvents form with the data sent.
fn test_event(segs: &[String], body: &Map<String, Value>, domain: &str) -> Value {
    let stream = segs.get(1).map_or("", String::as_str);
    let id = format!("evt_{}", crate::util::random_alnum(22));
    let kind = body.get("event_type").cloned().unwrap_or(Value::Null);
    let mut event = json!({"id": id, "source": format!("urn:auth0:{domain}"), "specversion": "1.0",
                           "type": kind, "time": iso8601(now_ms()), "a0purpose": "test",
                           "a0stream": stream, "a0tenant": domain});
    if let Some(data) = body.get("data") {
        event["data"] = data.clone();
    }
    json!({"id": id, "event_stream_id": stream, "status": "pending", "event_type": kind,
           "attempts": [], "event": event})
}

/// A rotation of the tenant's signing keys.
const SIGNING_ROTATE: &str = "/keys/signing/rotate";

/// A revocation of one of the tenant's signing keys.
const SIGNING_REVOKE: &str = "/keys/signing/{kid}/revoke";

/// `POST /keys/signing/rotate`: the next key becomes current (it signs every new token; tokens
/// of the key before still verify, it is now previously used; `current_since` and
/// `current_until` record when), and a new next key is made ready. Answers the key now current, whole, as recordings/go-auth0/TestSigningKey_Rotate.json
/// answers it (the description names its `cert` and `kid`); clients show the new current
/// key's certificate. The fake tenant holds a fixed set of keys (see `keys::signing_keys`),
/// kept over a reset: when every one has been used, a rotation is refused.
fn rotate_signing_key(op: &Op, store: &mut Store, domain: &str) -> Res {
    let pool = crate::keys::signing_keys()
        .map_err(|e| ApiErr(StatusCode::INTERNAL_SERVER_ERROR, e, None))?;
    let records = collection(
        store,
        crate::store::SIGNING_KEYS,
        crate::store::SIGNING_KEYS,
    );
    let used: Vec<&str> = records.iter().filter_map(|k| k["kid"].as_str()).collect();
    let mut unused = pool.iter().filter(|k| !used.contains(&k.kid.as_str()));
    // A tenant whose keys were stored without a next key (a state file of an earlier version)
    // gets one first, so that a rotation always has a key to make current.
    let missing_next = !records.iter().any(|k| k["next"] == true);
    let wanted = if missing_next { 2 } else { 1 };
    let fresh: Vec<&crate::keys::SigningKey> = unused.by_ref().take(wanted).collect();
    if fresh.len() < wanted {
        return Err(ApiErr(
            StatusCode::BAD_REQUEST,
            format!(
                "This fake tenant has rotated through all of its {} signing keys (a reset keeps \
                 them, so that the tokens they signed stay valid); a new fake tenant starts with \
                 its first ones again.",
                pool.len()
            ),
            None,
        ));
    }
    let mut made = Vec::new();
    for key in fresh {
        let mut record = key
            .management_record(domain)
            .map_err(|e| ApiErr(StatusCode::INTERNAL_SERVER_ERROR, e, None))?;
        record["current"] = Value::Bool(false);
        record["next"] = Value::Bool(true);
        made.push(record);
    }
    let records = collection(
        store,
        crate::store::SIGNING_KEYS,
        crate::store::SIGNING_KEYS,
    );
    if missing_next {
        records.push(made.remove(0));
    }
    let now = Value::from(iso8601(now_ms()));
    let mut now_current = None;
    for (i, k) in records.iter_mut().enumerate() {
        if k["current"] == true {
            k["current"] = Value::Bool(false);
            k["previous"] = Value::Bool(true);
            k["current_until"] = now.clone();
        } else if k["next"] == true {
            k["next"] = Value::Bool(false);
            k["current"] = Value::Bool(true);
            k["current_since"] = now.clone();
            now_current = Some(i);
        }
    }
    records.extend(made);
    let answered = now_current
        .and_then(|i| records.get(i))
        .cloned()
        .unwrap_or_default();
    store.show_signing_keys_on_clients();
    Ok(answer(op, &answered))
}

/// `PUT /keys/signing/{kid}/revoke`: a previously used key is revoked (its tokens no longer
/// verify, the JWKS leaves it out) and answered whole with `revoked_at`, as
/// recordings/go-auth0/TestSigningKey_Revoke.json answers it. Auth0 revokes only previously
/// used keys (its documentation on revoking signing keys): the current and the next key are
/// refused.
fn revoke_signing_key(op: &Op, store: &mut Store, kid: &str) -> Res {
    let records = collection(
        store,
        crate::store::SIGNING_KEYS,
        crate::store::SIGNING_KEYS,
    );
    let key = records
        .iter_mut()
        .find(|k| k["kid"].as_str() == Some(kid))
        .ok_or_else(|| ApiErr(StatusCode::NOT_FOUND, "Signing key not found".into(), None))?;
    if key["current"] == true || key["next"] == true {
        return Err(ApiErr(
            StatusCode::BAD_REQUEST,
            "Only a previously used signing key can be revoked: rotate the keys first.".into(),
            None,
        ));
    }
    if key["revoked"] != true {
        key["revoked"] = Value::Bool(true);
        key["revoked_at"] = Value::from(iso8601(now_ms()));
    }
    let answered = key.clone();
    Ok(answer(op, &answered))
}

/// An event stream's deliveries.
const DELIVERIES: &str = "/event-streams/{id}/deliveries";

/// A new delivery of every failed delivery of an event stream.
const REDELIVER: &str = "/event-streams/{id}/redeliver";

/// A new delivery of one event of an event stream.
const REDELIVER_ONE: &str = "/event-streams/{id}/redeliver/{event_id}";

/// Where the event stream `stream` delivers: its webhook's endpoint, or its destination type;
/// Auth0's 404 when the tenant holds no such stream.
fn stream_endpoint(store: &mut Store, stream: &str) -> Result<String, ApiErr> {
    collection(store, "/event-streams", "/event-streams")
        .iter()
        .find(|s| s["id"].as_str() == Some(stream))
        .map(|s| {
            let destination = &s["destination"];
            destination["configuration"]["webhook_endpoint"]
                .as_str()
                .or(destination["type"].as_str())
                .unwrap_or("the destination")
                .to_owned()
        })
        .ok_or_else(|| not_found("/event-streams"))
}

/// One more attempt to deliver `delivery` to `endpoint`: the fake tenant sends nothing to
/// other hosts, so every attempt fails and says why; Auth0 lists each failed attempt with its
/// error (recordings/go-auth0/TestEventStreamManager_Integration.json).
fn attempt(delivery: &mut Value, endpoint: &str) {
    let failed = json!({
        "status": "failed",
        "timestamp": iso8601(now_ms()),
        "error_message": format!(
            "Post \"{endpoint}\": not sent, the fake tenant delivers events to no other host"
        ),
    });
    if let Some(o) = delivery.as_object_mut() {
        o.insert("status".into(), Value::from("failed"));
        match o.get_mut("attempts") {
            Some(Value::Array(attempts)) => attempts.push(failed),
            _ => {
                o.insert("attempts".into(), json!([failed]));
            }
        }
    }
}

/// The delivery of the test `event` to the stream `stream`, before its first attempt, as
/// Auth0 lists deliveries: the event without its `a0purpose`, its type, the attempts.
fn delivery(event: &Value, stream: &str) -> Value {
    let mut sent = event["event"].clone();
    if let Some(o) = sent.as_object_mut() {
        o.remove("a0purpose");
    }
    json!({"id": event["id"], "event_stream_id": stream, "status": "failed",
           "event_type": event["event_type"], "attempts": [], "event": sent})
}

/// The version a deploy of the action `id` makes, as Auth0 answers it
/// (recordings/go-auth0/TestActionManager_Bindings.json): the action's code, dependencies,
/// runtime, secrets' names and triggers, a summary of the action, and the version's number,
/// built; it is also listed among the action's versions.
fn deployed_version(store: &mut Store, id: &str) -> Map<String, Value> {
    let Some(action) = store
        .collections
        .get(ACTIONS)
        .and_then(|items| items.iter().find(|a| a["id"] == id))
        .cloned()
    else {
        return Map::new();
    };
    let versions = format!("{ACTIONS}/{id}/versions");
    let number = store.collections.get(&versions).map_or(0, Vec::len) + 1;
    let summary: Map<String, Value> = [
        "id",
        "name",
        "supported_triggers",
        "all_changes_deployed",
        "created_at",
        "updated_at",
    ]
    .iter()
    .filter_map(|k| action.get(*k).map(|v| ((*k).to_owned(), v.clone())))
    .into_object();
    let secrets: Vec<Value> = action["secrets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| json!({"name": s["name"], "updated_at": action["updated_at"]}))
        .collect();
    let mut version = Map::new();
    version.insert("action".into(), Value::Object(summary));
    for k in ["code", "dependencies", "runtime", "supported_triggers"] {
        if let Some(v) = action.get(k) {
            version.insert(k.into(), v.clone());
        }
    }
    version.insert("secrets".into(), Value::Array(secrets));
    version.insert("number".into(), Value::from(number));
    version.insert("deployed".into(), Value::Bool(false));
    version.insert("status".into(), Value::from("built"));
    // A deployed version was built (recordings/go-auth0/TestActionManager_Version.json).
    version.insert("built_at".into(), Value::from(iso8601(now_ms())));
    version
}

/// Auth0 builds an action after a create or an update (its recordings read `pending`, then
/// `building`, then `built`): each read of an action that is not built yet moves it one step.
fn advance_action_build(collection: &str, item: &mut Value) {
    if collection != ACTIONS {
        return;
    }
    let next = match item.get("status").and_then(Value::as_str) {
        Some("pending") => "building",
        Some("building") => "built",
        _ => return,
    };
    item["status"] = Value::from(next);
    if next == "built" {
        // The version a create with `deploy` made is built with it
        // (recordings/go-auth0/TestActionManager_CreateWithDeploy.json).
        let now = Value::from(iso8601(now_ms()));
        if let Some(v) = item
            .get_mut("current_version")
            .and_then(Value::as_object_mut)
        {
            v.insert("status".into(), Value::from("BUILT"));
            v.insert("build_time".into(), now.clone());
        }
        if let Some(v) = item
            .get_mut("deployed_version")
            .and_then(Value::as_object_mut)
        {
            v.insert("status".into(), Value::from("built"));
            v.insert("built_at".into(), now);
        }
    }
}

/// A create of an action with `deploy: true` deploys its first version at once, to be built
/// with the action, as recordings/go-auth0/TestActionManager_CreateWithDeploy.json answers
/// it: the action names it as its current and deployed version, its changes all deployed.
fn deploy_on_create(store: &mut Store, action_id: &str) {
    let mut version = deployed_version(store, action_id);
    let now = Value::from(iso8601(now_ms()));
    let version_id = crate::util::random_uuid();
    version.insert("id".into(), Value::from(version_id.as_str()));
    version.insert("deployed".into(), Value::Bool(true));
    version.insert("status".into(), Value::from("pending"));
    version.remove("built_at");
    version.insert("created_at".into(), now.clone());
    version.insert("updated_at".into(), now.clone());
    let listed = Value::Object(version.clone());
    version.remove("action");
    let current = json!({
        "id": version_id, "number": version["number"], "code": version["code"],
        "runtime": version["runtime"], "status": "PENDING",
        "created_at": now, "updated_at": now,
    });
    store
        .collections
        .entry(format!("{ACTIONS}/{action_id}/versions"))
        .or_default()
        .push(listed);
    if let Some(o) = store
        .collections
        .get_mut(ACTIONS)
        .and_then(|items| items.iter_mut().find(|a| a["id"] == action_id))
        .and_then(Value::as_object_mut)
    {
        o.insert("current_version".into(), current);
        o.insert("deployed_version".into(), Value::Object(version));
        o.insert("all_changes_deployed".into(), Value::Bool(true));
    }
}

/// The array of a membership body (`{"roles": ["rol_1"]}` to `…/roles`), if the body is one:
/// its one field, an array, is named as the collection (`{"scopes": […]}` creating a SCIM token
/// in `…/tokens` is no membership).
fn membership(body: &Map<String, Value>, collection: &str) -> Option<Vec<Value>> {
    let name = collection.rsplit('/').next().unwrap_or_default();
    match body.iter().collect::<Vec<_>>().as_slice() {
        [(key, Value::Array(items))] if *key == name => Some(items.clone()),
        _ => None,
    }
}

/// Answers `op` for the concrete path `segs`.
pub(super) fn handle(op: &'static Op, segs: &[String], ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let template = segments(op.path);
    let concrete = format!("/{}", segs.join("/"));
    let last_is_param = template.last().is_some_and(|s| is_param(s));
    let parent_template = format!(
        "/{}",
        template[..template.len().saturating_sub(1)].join("/")
    );
    let parent_concrete = format!("/{}", segs[..segs.len().saturating_sub(1)].join("/"));
    // A JSON body is required to be JSON; bodies that are not objects (id lists, arrays of
    // settings) are accepted and stored nowhere.
    let raw = if ctx.body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice::<Value>(&ctx.body)
            .map_err(|_| ApiErr::bad_body("Invalid request payload JSON format"))?
    };
    let body = match &raw {
        Value::Object(map) => map.clone(),
        Value::Array(items) => Map::from_iter([("items".to_owned(), Value::Array(items.clone()))]),
        _ => Map::new(),
    };
    // What an answer holds when nothing was stored, and the shape stored items are answered in.
    let (answer_sample, answer_shape) = (sample(op), shape(op));
    if let Some(value) = action_answer(op, &ctx.app.domain) {
        return Ok(answer(op, &value));
    }
    match (op.method, last_is_param) {
        ("GET", true) if template.len() > 2 && template[template.len() - 2] == "name" => {
            // A read by name (`…/discovery-domains/name/{discovery_domain}`): the item of the
            // collection above whose field, the parameter's last word (`domain`), is the value
            // (recordings/go-auth0/TestOrganizationManager_DiscoveryDomain.json).
            let collection_template = format!("/{}", template[..template.len() - 2].join("/"));
            let collection_concrete = format!("/{}", segs[..segs.len() - 2].join("/"));
            let field = template
                .last()
                .map(|p| p.trim_matches(|c| c == '{' || c == '}'))
                .and_then(|p| p.rsplit('_').next())
                .unwrap_or("name");
            let wanted = segs.last().map_or("", String::as_str);
            let items = collection(store, &collection_concrete, &collection_template);
            match items.iter().find(|i| i[field].as_str() == Some(wanted)) {
                Some(item) => {
                    let read = shaped(item, &answer_shape);
                    let added = added_keys(&collection_template);
                    Ok(answer(op, &with_added(&added, item, read)))
                }
                None => Err(not_found(&collection_template)),
            }
        }
        ("PATCH", false) if op.path == BULK_RENDERING => {
            // Each config sent is the rendering of its prompt's screen, as a screen's own
            // `PATCH` would set it (recordings/go-auth0/TestPromptManager_BulkUpdateRendering.json
            // reads each back); the answer is the configs.
            let configs = body
                .get("configs")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for config in &configs {
                let (Some(prompt), Some(screen)) =
                    (config["prompt"].as_str(), config["screen"].as_str())
                else {
                    return Err(ApiErr::bad_body(
                        "Payload validation error: each config needs its prompt and screen.",
                    ));
                };
                let at = format!("/prompts/{prompt}/screen/{screen}/rendering");
                let stored = store
                    .singletons
                    .entry(at)
                    .or_insert_with(|| Value::Object(Map::new()));
                if let (Some(o), Some(sent)) = (stored.as_object_mut(), config.as_object()) {
                    o.extend(
                        sent.iter()
                            .filter(|(k, _)| *k != "prompt" && *k != "screen")
                            .map(|(k, v)| (k.clone(), v.clone())),
                    );
                }
            }
            Ok(answer(op, &json!({"configs": configs})))
        }
        ("POST", _) if op.path == WRAPPING_KEY || op.path == IMPORT_KEY => {
            let kid = segs.get(2).map_or("", String::as_str);
            let now = Value::from(iso8601(now_ms()));
            let key = collection(store, "/keys/encryption", "/keys/encryption")
                .iter_mut()
                .find(|k| k["kid"].as_str() == Some(kid))
                .ok_or_else(|| not_found("/keys/encryption"))?;
            if op.path == WRAPPING_KEY {
                // The public key a customer's key is wrapped with for import: the tenant's own
                // RSA key (the fake keeps no key material of what it imports).
                let public_key = crate::keys::signing_key()
                    .and_then(crate::keys::SigningKey::public_pem)
                    .map_err(|e| ApiErr(StatusCode::INTERNAL_SERVER_ERROR, e, None))?;
                return Ok(answer(
                    op,
                    &json!({"algorithm": "CKM_RSA_AES_KEY_WRAP", "public_key": public_key}),
                ));
            }
            // An imported key is active from then on
            // (recordings/go-auth0/TestEncryptionKeyManager_ImportWrappedKey.json).
            if !body.get("wrapped_key").is_some_and(Value::is_string) {
                return Err(ApiErr::bad_body(
                    "Payload validation error: 'Missing required property: wrapped_key'.",
                ));
            }
            key["state"] = Value::from("active");
            key["updated_at"] = now;
            let imported = key.clone();
            Ok(answer(op, &shaped(&imported, &answer_shape)))
        }
        ("PATCH", _) if op.path == TEMPLATE_RESET => {
            // The template's content back to Auth0's default for its type, where known.
            let id = segs.get(3).map_or("", String::as_str);
            let template = collection(
                store,
                "/branding/phone/templates",
                "/branding/phone/templates",
            )
            .iter_mut()
            .find(|t| t["id"].as_str() == Some(id))
            .ok_or_else(|| not_found("/branding/phone/templates"))?;
            let kind = template["type"].as_str().unwrap_or_default().to_owned();
            if let Some((_, body)) = crate::overrides::PHONE_TEMPLATE_DEFAULTS
                .iter()
                .find(|(t, _)| *t == kind)
                && let Ok(body) = serde_json::from_str::<Value>(body)
            {
                template["content"]["body"] = body;
            }
            template["updated_at"] = Value::from(iso8601(now_ms()));
            let reset = template.clone();
            Ok(answer(op, &reset))
        }
        ("POST", _) if op.path == VERSION_DEPLOY => {
            // A version deployed again (a rollback) is a new version with its code, numbered
            // after the others, which the action runs (recordings/go-auth0/
            // TestActionManager_DeployVersion.json answers it built, `deployed: false`).
            let (action_id, version_id) = (
                segs.get(2).map_or("", String::as_str),
                segs.get(4).map_or("", String::as_str),
            );
            let versions_path = format!("{ACTIONS}/{action_id}/versions");
            let old = store
                .collections
                .get(&versions_path)
                .and_then(|v| v.iter().find(|v| v["id"].as_str() == Some(version_id)))
                .cloned()
                .ok_or_else(|| not_found(&format!("{ACTIONS}/{{id}}/versions")))?;
            let number = store.collections.get(&versions_path).map_or(0, Vec::len) + 1;
            let now = Value::from(iso8601(now_ms()));
            let mut version = old;
            version["id"] = Value::from(crate::util::random_uuid());
            version["number"] = Value::from(number);
            version["deployed"] = Value::Bool(false);
            version["status"] = Value::from("built");
            version["created_at"] = now.clone();
            version["updated_at"] = now;
            if let Some(action) = store
                .collections
                .get_mut(ACTIONS)
                .and_then(|items| items.iter_mut().find(|a| a["id"] == action_id))
            {
                let mut running = version.clone();
                running["deployed"] = Value::Bool(true);
                if let Some(o) = running.as_object_mut() {
                    o.remove("action");
                }
                action["deployed_version"] = running;
            }
            store
                .collections
                .entry(versions_path)
                .or_default()
                .push(version.clone());
            Ok(answer(op, &version))
        }
        ("POST", _) if op.path == DOMAIN_VERIFY => {
            // The domain as it stands: the fake resolves no DNS, so a domain pending
            // verification stays pending (recordings/go-auth0/TestCustomDomainManager_Verify.json
            // answers the whole domain, still pending).
            let id = segs.get(1).map_or("", String::as_str);
            let domain = collection(store, "/custom-domains", "/custom-domains")
                .iter()
                .find(|d| d["custom_domain_id"].as_str() == Some(id))
                .cloned()
                .ok_or_else(|| not_found("/custom-domains"))?;
            let shown = with_added(
                &added_keys("/custom-domains"),
                &domain,
                shaped(&domain, &answer_shape),
            );
            Ok(answer(op, &shown))
        }
        ("GET", _) | ("POST", _)
            if (op.method == "GET" && op.path == CONNECTION_KEYS)
                || (op.method == "POST" && op.path == CONNECTION_KEYS_ROTATE) =>
        {
            let id = segs.get(1).map_or("", String::as_str);
            let conn = store
                .items(crate::store::CONNECTIONS)
                .iter()
                .find(|c| c["id"].as_str() == Some(id))
                .cloned()
                .ok_or_else(|| not_found(crate::store::CONNECTIONS))?;
            let keys_path = format!("{}/{id}/keys", crate::store::CONNECTIONS);
            let signs = matches!(conn["strategy"].as_str(), Some("oidc" | "okta"));
            let rotate = op.path == CONNECTION_KEYS_ROTATE;
            let generation = store.collections.get(&keys_path).map_or(0, Vec::len) as u64;
            if signs && (rotate || generation == 0) {
                let since = if rotate {
                    iso8601(now_ms())
                } else {
                    conn["created_at"]
                        .as_str()
                        .map_or_else(|| iso8601(now_ms()), str::to_owned)
                };
                let key = crate::keys::signing_key()
                    .and_then(|k| {
                        k.connection_key(conn["name"].as_str().unwrap_or(id), &since, generation)
                    })
                    .map_err(|e| ApiErr(StatusCode::INTERNAL_SERVER_ERROR, e, None))?;
                let keys = store.collections.entry(keys_path.clone()).or_default();
                for old in keys.iter_mut() {
                    old["current"] = Value::Bool(false);
                }
                keys.push(key);
            }
            let keys = store
                .collections
                .get(&keys_path)
                .cloned()
                .unwrap_or_default();
            if rotate {
                // The new key (recordings/go-auth0/TestConnectionManager_RotateKeys.json).
                let Some(new) = keys.last().filter(|_| signs) else {
                    return Err(ApiErr::bad_body(
                        "Only connections that sign requests (OIDC, Okta) have keys to rotate.",
                    ));
                };
                return Ok(answer(op, &json!({"cert": new["cert"], "kid": new["kid"]})));
            }
            // The current key (a rotation replaces it).
            let current: Vec<Value> = keys.into_iter().filter(|k| k["current"] == true).collect();
            Ok(answer(op, &Value::Array(current)))
        }
        ("POST", _) if op.path == SIGNING_ROTATE => rotate_signing_key(op, store, &ctx.app.domain),
        ("PUT", _) if op.path == SIGNING_REVOKE => {
            revoke_signing_key(op, store, segs.get(2).map_or("", String::as_str))
        }
        ("POST", _) if op.path == STREAM_TEST => {
            let stream = segs.get(1).map_or("", String::as_str);
            let endpoint = stream_endpoint(store, stream)?;
            let event = test_event(segs, &body, &ctx.app.domain);
            // The event is delivered, or fails to be, as Auth0 lists it among the stream's
            // deliveries.
            let mut sent = delivery(&event, stream);
            attempt(&mut sent, &endpoint);
            let deliveries = format!("/event-streams/{stream}/deliveries");
            collection(store, &deliveries, DELIVERIES).push(sent);
            Ok(answer(op, &event))
        }
        ("POST", _) if op.path == REDELIVER || op.path == REDELIVER_ONE => {
            let stream = segs.get(1).map_or("", String::as_str);
            let endpoint = stream_endpoint(store, stream)?;
            // An event the stream never delivered is accepted as Auth0 accepts every
            // redelivery (202), and nothing is attempted.
            let one = segs.get(3).cloned();
            let deliveries = format!("/event-streams/{stream}/deliveries");
            let items = collection(store, &deliveries, DELIVERIES);
            for d in items.iter_mut().filter(|d| {
                one.as_ref().map_or(d["status"] == "failed", |id| {
                    d["id"].as_str() == Some(id.as_str())
                })
            }) {
                attempt(d, &endpoint);
            }
            Ok(answer(op, &answer_sample))
        }
        ("GET", true) | ("PATCH", true) | ("PUT", true) | ("DELETE", true)
            if is_collection(&parent_template) =>
        {
            let id = segs.last().cloned().unwrap_or_default();
            let param = template
                .last()
                .map_or("id", |p| p.trim_matches(|c| c == '{' || c == '}'));
            let key = id_key(&item_sample(&parent_template), param);
            let items = collection(store, &parent_concrete, &parent_template);
            let found = items.iter().position(|i| match &i[&key] {
                Value::String(s) => *s == id,
                other => other.as_u64().is_some_and(|n| id.parse() == Ok(n)),
            });
            // A `PUT` of an item not there creates it under its id, as Auth0 does
            // (recordings/go-auth0/TestGuardian_MultiFactor_Email_Enable.json enables a factor never set).
            let found = match found {
                None if op.method == "PUT" => {
                    let mut item =
                        shaped(&Value::Object(body.clone()), &item_sample(&parent_template));
                    item[&key] = Value::String(id.clone());
                    items.push(item);
                    Some(items.len() - 1)
                }
                other => other,
            };
            let Some(pos) = found else {
                // Deleting what is not there succeeds where the recordings show it.
                // Without a body: a connection deleted answers 202 and `deleted_at`, deleting it
                // again 204 (recordings/go-auth0/TestConnectionManager_Delete.json).
                return if op.method == "DELETE" && crate::overrides::idempotent_delete(op.path) {
                    Ok(empty(StatusCode::NO_CONTENT))
                } else {
                    Err(not_found(&parent_template))
                };
            };
            match op.method {
                "GET" => {
                    advance_action_build(&parent_template, &mut items[pos]);
                    let read = shaped(&items[pos], &answer_shape);
                    let added = added_keys(&parent_template);
                    Ok(answer(op, &with_added(&added, &items[pos], read)))
                }
                "DELETE" => {
                    items.remove(pos);
                    Ok(deleted(op, &answer_sample))
                }
                method => {
                    let item = &mut items[pos];
                    if method == "PUT" {
                        let keep = item[&key].clone();
                        *item = shaped(&Value::Object(body), item);
                        item[&key] = keep;
                    } else if let Some(o) = item.as_object_mut() {
                        for (k, v) in body {
                            if k != key {
                                o.insert(k, v);
                            }
                        }
                        if parent_template == ACTIONS {
                            // An update is a new draft, built again, whose changes are not
                            // deployed yet.
                            o.insert("status".into(), Value::from("pending"));
                            o.insert("all_changes_deployed".into(), Value::Bool(false));
                        }
                    }
                    stamp(item, &item_sample(&parent_template), false);
                    let updated = shaped(item, &answer_shape);
                    let added = added_keys(&parent_template);
                    Ok(answer(op, &with_added(&added, item, updated)))
                }
            }
        }
        ("GET", false) if lists(op) => {
            if op.path == ACTIONS {
                // A list reads each action: each that is not built moves a step too.
                for action in collection(store, &concrete, op.path).iter_mut() {
                    advance_action_build(ACTIONS, action);
                }
            }
            let mut items = collection(store, &concrete, op.path).clone();
            if op.path == DELIVERIES {
                // The comma-separated filters of the description.
                for (param, field) in [("event_types", "event_type"), ("statuses", "status")] {
                    if let Some(wanted) = ctx.q(param) {
                        let wanted: Vec<&str> = wanted.split(',').map(str::trim).collect();
                        items.retain(|d| d[field].as_str().is_some_and(|v| wanted.contains(&v)));
                    }
                }
            }
            Ok(list_answer(op, ctx, items))
        }
        ("POST", false) | ("DELETE", false) if is_collection(op.path) => {
            let key = id_key(&item_sample(op.path), item_param(op.path).unwrap_or("id"));
            if let Some(members) = membership(&body, op.path) {
                // Each member is what was sent, with the fields of the item's schema that the
                // object it names holds (a role's `name` and `description`).
                let fields = plain(&item_shape(op.path));
                let members: Vec<(Value, Value)> = members
                    .into_iter()
                    .map(|m| {
                        let (id, mut item) = match m {
                            Value::Object(o) => (
                                o.get(&key).cloned().unwrap_or(Value::Null),
                                Value::Object(o),
                            ),
                            other => (other, Value::Object(Map::new())),
                        };
                        if let (Some(found), Some(o), Some(fields)) = (
                            id.as_str().and_then(|id| referenced(store, id)),
                            item.as_object_mut(),
                            fields.as_object(),
                        ) {
                            for k in fields.keys() {
                                if let Some(v) = found.get(k).filter(|_| !o.contains_key(k)) {
                                    o.insert(k.clone(), v.clone());
                                }
                            }
                        }
                        item[&key] = id.clone();
                        (id, item)
                    })
                    .collect();
                let items = collection(store, &concrete, op.path);
                for (id, item) in members {
                    items.retain(|i| i[&key] != id);
                    if op.method == "POST" {
                        items.push(item);
                    }
                }
                return Ok(answer(op, &answer_sample));
            }
            if op.method == "DELETE" {
                return Ok(answer(op, &answer_sample));
            }
            let base = if answer_shape.is_object() {
                answer_shape.clone()
            } else {
                item_shape(op.path)
            };
            let sent = body.get(&key).filter(|v| !v.is_null()).cloned();
            let sent_keys: Vec<String> = body.keys().cloned().collect();
            // A vault connection's credentials: never kept, only what Auth0 derives from them.
            let setup = (op.path == VAULT_CONNECTIONS)
                .then(|| body.get("setup").cloned())
                .flatten();
            let body = if op.path == DEPLOY {
                deployed_version(store, segs.get(2).map_or("", String::as_str))
            } else {
                body
            };
            // Fields Auth0 adds that the description's schema does not name (a theme's
            // `identifiers`) are kept as sent.
            let kept: Vec<(String, Value)> = added_keys(op.path)
                .into_iter()
                .filter_map(|k| body.get(&k).cloned().map(|v| (k, v)))
                .collect();
            let mut item = shaped(&Value::Object(body), &base);
            if let Some(o) = item.as_object_mut() {
                for (k, v) in kept {
                    o.entry(k).or_insert(v);
                }
            }
            // An item named by what it links (an organization's enabled connection is its
            // `connection_id`) keeps the id sent, and replaces an earlier link of it.
            let id = match sent {
                Some(id) => id,
                None => {
                    let id_sample = plain(&base).get(&key).cloned().unwrap_or(Value::Null);
                    let kind = item.get("type").and_then(Value::as_str).map(str::to_owned);
                    new_id(store, op.path, &id_sample, kind.as_deref())
                }
            };
            item[&key] = id.clone();
            let parent = parent_item(store, segs);
            add_create_defaults(
                op.path,
                store,
                &ctx.app.domain,
                parent.as_ref(),
                &mut item,
                &sent_keys,
                &id,
            );
            if op.path == INVITATIONS {
                invitation_defaults(store, &ctx.app.domain, parent.as_ref(), &mut item);
            }
            if let Some(setup) = &setup {
                vault_connection_setup(setup, &mut item);
            }
            if op.path == ACTIONS
                && let Some(o) = item.as_object_mut()
            {
                // What Auth0 sets on a new action (recordings/go-auth0/
                // TestActionManager_Create.json): a draft to build, on the description's
                // default runtime unless one was sent.
                o.insert("status".into(), Value::from("pending"));
                o.insert("all_changes_deployed".into(), Value::Bool(false));
                o.entry("runtime").or_insert_with(|| Value::from("node22"));
            }
            // `deploy` is a request to deploy, not a field of the action.
            let deploy = op.path == ACTIONS
                && item
                    .as_object_mut()
                    .and_then(|o| o.remove("deploy"))
                    .is_some_and(|d| d == Value::Bool(true));
            stamp(&mut item, &base, true);
            expand_references(store, &mut item, &base);
            if op.path == DEPLOY {
                // The action's changes are deployed, and it names the version it runs
                // (recordings/go-auth0/TestActionManager_CreateWithDeploy.json reads both).
                let action_id = segs.get(2).map_or("", String::as_str);
                if let Some(action) = store
                    .collections
                    .get_mut(ACTIONS)
                    .and_then(|items| items.iter_mut().find(|a| a["id"] == action_id))
                    && let Some(o) = action.as_object_mut()
                {
                    let mut running = item.clone();
                    running["deployed"] = Value::Bool(true);
                    o.insert("all_changes_deployed".into(), Value::Bool(true));
                    o.insert("deployed_version".into(), running);
                }
                let versions = format!("{parent_concrete}/versions");
                store
                    .collections
                    .entry(versions)
                    .or_default()
                    .push(item.clone());
            }
            let created = with_added(&added_keys(op.path), &item, shaped(&item, &answer_shape));
            // What only the create answers (a SCIM token's secret) is not kept.
            if let Some(o) = item.as_object_mut() {
                for field in crate::overrides::create_answer_only(op.path) {
                    o.remove(*field);
                }
            }
            let items = collection(store, &concrete, op.path);
            items.retain(|i| i[&key] != id);
            items.push(item);
            if deploy {
                deploy_on_create(store, id.as_str().unwrap_or_default());
                let action = collection(store, &concrete, op.path)
                    .iter()
                    .find(|i| i[&key] == id)
                    .cloned()
                    .unwrap_or_default();
                let created = with_added(
                    &added_keys(op.path),
                    &action,
                    shaped(&action, &answer_shape),
                );
                return Ok(answer(op, &created));
            }
            Ok(answer(op, &created))
        }
        ("GET", _) if hides_values(op) => {
            let shown: Map<String, Value> = store
                .singletons
                .get(&concrete)
                .and_then(Value::as_object)
                .map(|o| {
                    o.keys()
                        .map(|k| (k.clone(), Value::String(VALUE_NOT_SHOWN.to_owned())))
                        .into_object()
                })
                .unwrap_or_default();
            Ok(answer(op, &Value::Object(shown)))
        }
        ("GET", _) => {
            if !last_is_param && let Some((key, item_shape)) = wrapped_list(op) {
                // A collection listed inside an object (`{"providers": […]}`).
                let added = added_keys(op.path);
                let items: Vec<Value> = collection(store, &concrete, op.path)
                    .iter()
                    .map(|i| with_added(&added, i, shaped(i, &item_shape)))
                    .collect();
                return Ok(answer(op, &json!({ (key.as_str()): items })));
            }
            if op.path == DEFAULT_DOMAIN && !store.schema_samples {
                return Ok(answer(op, &default_domain(store, &ctx.app.domain)));
            }
            if let Some(d) = crate::overrides::default_item(op.path) {
                // The collection's one item (a tenant's theme), else Auth0's 404.
                let (message, code) = d.not_found;
                let item = collection(store, d.collection, d.collection)
                    .first()
                    .ok_or_else(|| ApiErr(StatusCode::NOT_FOUND, message.to_owned(), Some(code)))?;
                let read = shaped(item, &answer_shape);
                let added = added_keys(d.collection);
                return Ok(answer(op, &with_added(&added, item, read)));
            }
            let mut value = match store.singletons.get(&concrete) {
                Some(v) => {
                    let mut value = shaped(v, &answer_shape);
                    // What a read of a written setting holds beside what was written.
                    crate::overrides::add_read_defaults(op.path, &mut value);
                    value
                }
                None => fresh_setting(op, store, &ctx.app.domain)?,
            };
            if op.path == RENDERING
                && let (Some(o), [_, prompt, _, screen, _]) = (value.as_object_mut(), segs)
            {
                // A screen's rendering names its prompt, screen and tenant
                // (recordings/go-auth0/TestPromptManager_UpdateRendering.json).
                o.insert("prompt".into(), Value::from(prompt.as_str()));
                o.insert("screen".into(), Value::from(screen.as_str()));
                o.insert("tenant".into(), Value::from(crate::seed::TENANT_NAME));
            }
            Ok(answer(op, &value))
        }
        ("PUT", false)
            if is_collection(op.path)
                && item_param(op.path).is_some()
                && raw
                    .as_array()
                    .is_some_and(|items| items.iter().all(Value::is_object)) =>
        {
            // The items sent replace the collection's, each made as a create makes it
            // (recordings/go-auth0/TestUserManager_AuthenticationMethods.json replaces a
            // user's authentication methods and reads each with its new id).
            let base = item_shape(op.path);
            let key = id_key(&base, item_param(op.path).unwrap_or("id"));
            let parent = parent_item(store, segs);
            let mut made = Vec::new();
            for sent in raw.as_array().into_iter().flatten() {
                let Some(fields) = sent.as_object() else {
                    continue;
                };
                let mut item = shaped(sent, &base);
                let id_sample = plain(&base).get(&key).cloned().unwrap_or(Value::Null);
                let kind = item.get("type").and_then(Value::as_str).map(str::to_owned);
                let id = new_id(store, op.path, &id_sample, kind.as_deref());
                item[&key] = id.clone();
                let sent_keys: Vec<String> = fields.keys().cloned().collect();
                add_create_defaults(
                    op.path,
                    store,
                    &ctx.app.domain,
                    parent.as_ref(),
                    &mut item,
                    &sent_keys,
                    &id,
                );
                stamp(&mut item, &base, true);
                made.push(item);
            }
            *collection(store, &concrete, op.path) = made.clone();
            let answered: Vec<Value> = made
                .iter()
                .map(|i| with_added(&added_keys(op.path), i, shaped(i, &base)))
                .collect();
            Ok(answer(op, &Value::Array(answered)))
        }
        ("PATCH", _) if op.path == DEFAULT_DOMAIN => {
            let domain = body.get("domain").and_then(Value::as_str).ok_or_else(|| {
                ApiErr::bad_body("Payload validation error: 'Missing required property: domain'.")
            })?;
            Ok(answer(op, &set_default_domain(store, domain)))
        }
        ("PATCH", _) | ("PUT", _) => {
            let initial = match (store.singletons.get(&concrete), op_at("GET", op.path)) {
                (Some(v), _) => v.clone(),
                (None, Some(read)) => match fresh_setting(read, store, &ctx.app.domain) {
                    Ok(v) => v,
                    // A setting that does not exist yet is created by a replacement.
                    Err(_) if op.method == "PUT" => Value::Object(Map::new()),
                    Err(e) => return Err(e),
                },
                (None, None) => Value::Object(Map::new()),
            };
            if op.path == BINDINGS {
                let trigger = segs.get(2).map_or("", String::as_str);
                let bindings = bind(store, trigger, &body);
                *collection(store, &concrete, op.path) = bindings.clone();
                return Ok(answer(
                    op,
                    &shaped(&json!({ "bindings": bindings }), &answer_shape),
                ));
            }
            let stored = store.singletons.entry(concrete).or_insert(initial);
            if op.path == UNIVERSAL_LOGIN {
                // The template is put as a string or `{"template": …}` and read as `{"body": …}`
                // (recordings/go-auth0/TestBrandingManager_UniversalLogin.json).
                let template = match &raw {
                    Value::String(t) => Value::from(t.as_str()),
                    _ => body.get("template").cloned().unwrap_or(Value::Null),
                };
                // Like other generic bodies, one without a template is not refused.
                if template.is_string() {
                    *stored = json!({ "body": template });
                }
                return Ok(answer(op, &answer_sample));
            }
            // Fields a read of the setting adds (see `read_defaults`) are kept as sent, though
            // the description's schema does not name them (a Twilio messaging service id).
            let extra: Map<String, Value> = crate::overrides::read_defaults(op.path)
                .and_then(|d| serde_json::from_str::<Map<String, Value>>(d.fields).ok())
                .map(|fields| {
                    fields
                        .keys()
                        .filter_map(|k| body.get(k).map(|v| (k.clone(), v.clone())))
                        .into_object()
                })
                .unwrap_or_default();
            if raw.is_array() && stored.is_array() {
                // A list setting (`PUT /guardian/policies`) is replaced by the list sent.
                *stored = raw;
            } else if op.method == "PUT" {
                *stored = shaped(&Value::Object(body), stored);
            } else if let Some(o) = stored.as_object_mut() {
                o.extend(body);
            }
            if let Some(o) = stored.as_object_mut() {
                o.extend(extra.clone());
            }
            let mut answered = shaped(stored, &answer_shape);
            if let Some(o) = answered.as_object_mut() {
                o.extend(extra);
            }
            Ok(answer(op, &answered))
        }
        ("POST", _) if op_at("GET", op.path).is_some() => {
            // Creates the singleton, with what Auth0 adds on create, or adds to it (secrets
            // added to a hook's).
            if !store.singletons.contains_key(&concrete) {
                let parent = parent_item(store, segs);
                let sent_keys: Vec<String> = body.keys().cloned().collect();
                let mut created = Value::Object(Map::new());
                add_create_defaults(
                    op.path,
                    store,
                    &ctx.app.domain,
                    parent.as_ref(),
                    &mut created,
                    &sent_keys,
                    &Value::Null,
                );
                store.singletons.insert(concrete.clone(), created);
            }
            let stored = store
                .singletons
                .entry(concrete)
                .or_insert_with(|| Value::Object(Map::new()));
            match stored.as_object_mut() {
                Some(o) => o.extend(body),
                None => *stored = Value::Object(body),
            }
            Ok(answer(op, &shaped(stored, &answer_shape)))
        }
        ("DELETE", _) => {
            match (raw, store.singletons.get_mut(&concrete)) {
                // A list of names removes those entries (a hook's secrets by name).
                (Value::Array(names), Some(Value::Object(o))) => {
                    for name in names.iter().filter_map(Value::as_str) {
                        o.remove(name);
                    }
                }
                _ => {
                    store.singletons.remove(&concrete);
                }
            }
            Ok(answer(op, &answer_sample))
        }
        _ => Ok(answer(op, &answer_sample)),
    }
}

/// The answer of an operation that acts, where one is recorded (see
/// [`ACTION_ANSWERS`](crate::overrides::ACTION_ANSWERS)).
fn action_answer(op: &Op, domain: &str) -> Option<Value> {
    let a = crate::overrides::action_answer(op.method, op.path)?;
    let mut value: Value = serde_json::from_str(a.fields).ok()?;
    let token = crate::util::random_alnum(32);
    placeholders(&mut value, &|t| match t {
        "{tenant_domain}" => Some(Value::from(domain)),
        "{alnum32}" => Some(Value::from(token.as_str())),
        "{code24}" => Some(Value::from(crate::util::random_chars(
            24,
            b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789",
        ))),
        _ => None,
    });
    Some(value)
}

/// What the setting `read` (a `GET`) answers before anything was written: with schema samples
/// on, its sample; else what a recording shows a fresh tenant answering (Auth0's 404 for a
/// setting that does not exist until written), else only what its schema requires.
fn fresh_setting(read: &Op, store: &Store, domain: &str) -> Result<Value, ApiErr> {
    if store.schema_samples {
        return Ok(sample(read));
    }
    if let Some(f) = crate::overrides::fresh_setting(read.path) {
        return match f.answer {
            crate::overrides::FreshAnswer::Value(v) => {
                let mut value: Value = serde_json::from_str(v).unwrap_or_default();
                placeholders(&mut value, &|s| {
                    (s == "{domain}").then(|| Value::from(domain))
                });
                Ok(value)
            }
            crate::overrides::FreshAnswer::NotFound {
                message,
                error_code,
            } => Err(ApiErr(
                StatusCode::NOT_FOUND,
                message.to_owned(),
                error_code,
            )),
        };
    }
    let shape = shape(read);
    // A setting a `POST` creates (a connection's SCIM configuration) is not there before it
    // (recordings/go-auth0/TestConnectionManager_DeleteSCIMConfiguration.json reads 404).
    if shape.is_object() && op_at("POST", read.path).is_some() {
        return Err(not_found(read.path));
    }
    Ok(match &shape {
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Object(_) => shaped(&Value::Object(Map::new()), &shape),
        _ => sample(read),
    })
}

/// A page of `items` as the operation pages: checkpoint (`from`/`take`, `next` while more
/// remain), offset (`page`/`per_page`, an envelope with totals) or a bare array (also every
/// item of a checkpoint list the recordings show answering one without `from` and `take`).
fn list_answer(op: &Op, ctx: &Ctx<'_>, items: Vec<Value>) -> Response {
    // Items of a paged list are listed in the list's own item shape (an item read may carry
    // more); the shape of a bare list (`[item]`, or a union of it with other answers) is the
    // whole answer's, and its items are listed as stored.
    let item_shape = if op.paging == Paging::None {
        Value::Null
    } else if crate::overrides::listed_as_read(op.path) {
        item_shape(op.path)
    } else {
        shape(op)
    };
    let added = added_keys(op.path);
    let unanswered = crate::overrides::never_answered(op.method, op.path);
    let items: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut item = with_added(&added, i, shaped(i, &item_shape));
            if let Some(o) = item.as_object_mut() {
                for k in unanswered {
                    o.remove(*k);
                }
            }
            item
        })
        .collect();
    let number = |k: &str, default: usize| -> usize {
        ctx.q(k).and_then(|v| v.parse().ok()).unwrap_or(default)
    };
    let checkpoint_query = ctx.q("take").is_some() || ctx.q("from").is_some();
    let status = StatusCode::from_u16(op.status).unwrap_or(StatusCode::OK);
    if op.paging == Paging::Checkpoint
        && !checkpoint_query
        && crate::overrides::bare_without_checkpoint(op.path)
    {
        // Every item, in the list's item shape (the bare answer's sample would fill in the
        // fields the item lacks).
        return json(status, &Value::Array(items));
    }
    let checkpoint =
        matches!(op.paging, Paging::Checkpoint) || (op.paging == Paging::Both && checkpoint_query);
    if checkpoint {
        let from: usize = number("from", 0);
        let take = number("take", 50).clamp(1, 100);
        let page: Vec<Value> = items.iter().skip(from).take(take).cloned().collect();
        let mut envelope = Map::new();
        if from + page.len() < items.len()
            || (!page.is_empty() && crate::overrides::next_on_every_page(op.path))
        {
            envelope.insert(
                "next".into(),
                Value::String((from + page.len()).to_string()),
            );
        }
        if ctx.q("include_totals") == Some("true") && crate::overrides::checkpoint_total(op.path) {
            envelope.insert("total".into(), Value::from(items.len()));
        }
        // The key a recording shows where the description gives a bare page, when a page was
        // asked for (`take`, `from`).
        let recorded_key = checkpoint_query
            .then(|| crate::overrides::checkpoint_key(op.path))
            .flatten();
        return match op.items_key.or(recorded_key) {
            Some(key) => {
                envelope.insert(key.into(), Value::Array(page));
                json(status, &Value::Object(envelope))
            }
            None => json(status, &Value::Array(page)),
        };
    }
    let per_page = number("per_page", 50).clamp(1, 100);
    let page_index = number("page", 0);
    let start = page_index * per_page;
    let page: Vec<Value> = items.iter().skip(start).take(per_page).cloned().collect();
    let totals = ctx.q("include_totals") == Some("true");
    match op.items_key {
        Some(key) if totals || !op.bare => {
            let mut envelope = Map::new();
            let fields: &[&str] = if op.envelope.is_empty() {
                &["start", "limit", "length", "total"]
            } else {
                op.envelope
            };
            for field in fields {
                let value = match *field {
                    "start" => start,
                    "limit" | "per_page" => per_page,
                    "length" => page.len(),
                    "total" => items.len(),
                    "page" => page_index,
                    _ => continue,
                };
                envelope.insert((*field).to_owned(), Value::from(value));
            }
            envelope.insert(key.to_owned(), Value::Array(page));
            json(status, &Value::Object(envelope))
        }
        _ => {
            // A bare list holds the bare answer's item shape where the description gives one.
            let shape: Value = if crate::overrides::listed_as_read(op.path) {
                self::item_shape(op.path)
            } else {
                serde_json::from_str(op.bare_sample).unwrap_or(Value::Null)
            };
            let page = page.iter().map(|i| shaped(i, &shape)).collect();
            json(status, &Value::Array(page))
        }
    }
}

/// A concrete path of `op` that the tenant answers now: the last parameter of an item route is
/// the id of its collection's first item (a stored one, else the sample a generic collection
/// starts with); other parameters are `sample`.
pub(crate) fn sample_path(op: &Op, store: &Store) -> String {
    let template = segments(op.path);
    let mut out = String::new();
    for (i, seg) in template.iter().enumerate() {
        out.push('/');
        if !is_param(seg) {
            out.push_str(seg);
            continue;
        }
        let parent = format!("/{}", template[..i].join("/"));
        let param = seg.trim_matches(|c| c == '{' || c == '}');
        let item = item_sample(&parent);
        let key = id_key(&item, param);
        let stored = (!parent.contains('{'))
            .then(|| store.items(&parent).first())
            .flatten();
        // The stream a test event or a redelivery goes to is one the tenant holds.
        let acts_on_item = [STREAM_TEST, REDELIVER, REDELIVER_ONE].contains(&op.path) && i == 1;
        // A read by name names the field of the collection's first item.
        if i + 1 == template.len() && i >= 2 && template[i - 1] == "name" {
            let collection = format!("/{}", template[..i - 1].join("/"));
            let field = param.rsplit('_').next().unwrap_or(param);
            let stored = (!collection.contains('{'))
                .then(|| store.items(&collection).first().cloned())
                .flatten();
            let value = match stored.unwrap_or_else(|| item_sample(&collection))[field].clone() {
                Value::String(s) => s,
                _ => "sample".to_owned(),
            };
            out.push_str(
                &percent_encoding::utf8_percent_encode(&value, percent_encoding::NON_ALPHANUMERIC)
                    .to_string(),
            );
            continue;
        }
        let id = if (i + 1 == template.len() || acts_on_item) && is_collection(&parent) {
            match &stored.unwrap_or(&item)[&key] {
                Value::String(s) => s.clone(),
                Value::Null => "sample".to_owned(),
                other => other.to_string(),
            }
        } else {
            "sample".to_owned()
        };
        out.push_str(
            &percent_encoding::utf8_percent_encode(&id, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        );
    }
    out
}

/// The sample request body of the operation at `method` and `path` (a template), if it takes a
/// JSON one.
pub(crate) fn body_sample(method: &str, path: &str) -> Option<Value> {
    op_at(method, path)
        .filter(|op| !op.body_sample.is_empty())
        .and_then(|op| serde_json::from_str(op.body_sample).ok())
}

/// Every operation of the description that no hand-written route serves.
pub(crate) fn generic_operations() -> impl Iterator<Item = &'static Op> {
    super::generated::OPERATIONS.iter().filter(|op| {
        !super::ROUTES
            .iter()
            .any(|r| r.method == op.method && r.path == op.path)
    })
}

/// The answer to a deletion: `{"deleted_at": …}` with the recorded status where Auth0 completes
/// the deletion later, else the description's answer.
fn deleted(op: &Op, answer_sample: &Value) -> Response {
    match crate::overrides::status(op.method, op.path) {
        Some(o) if o.deleted_at => json(
            StatusCode::from_u16(o.status).unwrap_or(StatusCode::ACCEPTED),
            &json!({"deleted_at": iso8601(now_ms())}),
        ),
        _ => answer(op, answer_sample),
    }
}

/// The item of a top-level collection that the path `segs` lies below (the organization of
/// `/organizations/org_1/discovery-domains`): its id and the item, when the tenant holds it.
fn parent_item(store: &Store, segs: &[String]) -> Option<(String, Value)> {
    let (collection, id) = match segs {
        [collection, id, _, ..] => (format!("/{collection}"), id),
        _ => return None,
    };
    let found = store.items(&collection).iter().find(|item| {
        ["id", "client_id", "user_id"]
            .iter()
            .any(|k| item[*k].as_str() == Some(id.as_str()))
    });
    Some((id.clone(), found.cloned().unwrap_or(Value::Null)))
}

/// The object of the tenant an id names: a role, user, organization, connection or client.
fn referenced<'s>(store: &'s Store, id: &str) -> Option<&'s Value> {
    [
        (crate::store::ROLES, "id"),
        (crate::store::USERS, "user_id"),
        (crate::store::ORGANIZATIONS, "id"),
        (crate::store::CONNECTIONS, "id"),
        (crate::store::CLIENTS, "client_id"),
    ]
    .into_iter()
    .find_map(|(collection, key)| {
        store
            .items(collection)
            .iter()
            .find(|item| item[key].as_str() == Some(id))
    })
}
