//! The JSON forms of the tenant's own types: the state document, the control bodies, the
//! counters, faults and rate buckets.
//!
//! Each type converts to and from a `serde_json::Value` by hand, and its public `serde`
//! implementations go through that value, so that a program embedding the tenant does not build
//! a derive macro for them. The forms are those `#[derive(Serialize, Deserialize)]` gave: the
//! same keys, the same required and optional fields, the same refusals of unknown fields.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde_json::{Map, Value};

/// The fields of a JSON object being read: each read takes its field out, so that what is left
/// at the end is what the type does not know.
pub(crate) struct Fields {
    map: Map<String, Value>,
}

impl Fields {
    /// The fields of `value`, which must be an object.
    pub(crate) fn of(value: Value, what: &str) -> Result<Self, String> {
        match value {
            Value::Object(map) => Ok(Self { map }),
            _ => Err(format!("invalid type: expected {what} (a JSON object)")),
        }
    }

    /// A field that must be there.
    pub(crate) fn required<T>(&mut self, key: &str, read: Read<T>) -> Result<T, String> {
        let value = self
            .map
            .remove(key)
            .ok_or_else(|| format!("missing field `{key}`"))?;
        read(value).map_err(|e| at(key, e))
    }

    /// A field that may be absent or `null`.
    pub(crate) fn optional<T>(&mut self, key: &str, read: Read<T>) -> Result<Option<T>, String> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => read(value).map(Some).map_err(|e| at(key, e)),
        }
    }

    /// A field that takes its default when absent (but not when `null`, as serde's
    /// `#[serde(default)]`).
    pub(crate) fn or_default<T: Default>(&mut self, key: &str, read: Read<T>) -> Result<T, String> {
        match self.map.remove(key) {
            None => Ok(T::default()),
            Some(value) => read(value).map_err(|e| at(key, e)),
        }
    }

    /// Refuses a field no read took.
    pub(crate) fn deny_unknown(self) -> Result<(), String> {
        match self.map.keys().next() {
            Some(key) => Err(format!("unknown field `{key}`")),
            None => Ok(()),
        }
    }
}

/// Reads one JSON value; the error says what was expected (never the value: the state holds
/// secrets).
pub(crate) type Read<T> = fn(Value) -> Result<T, String>;

/// `error`, one level deeper: `… at `key.inner``.
fn at(key: &str, error: String) -> String {
    match error.rsplit_once(" at `") {
        Some((message, inner)) if inner.ends_with('`') => format!("{message} at `{key}.{inner}"),
        _ => format!("{error} at `{key}`"),
    }
}

fn wrong(expected: &str) -> String {
    format!("invalid type: expected {expected}")
}

pub(crate) fn u64_(value: Value) -> Result<u64, String> {
    value.as_u64().ok_or_else(|| wrong("an unsigned integer"))
}

pub(crate) fn u16_(value: Value) -> Result<u16, String> {
    value
        .as_u64()
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| wrong("an integer from 0 to 65535"))
}

pub(crate) fn f64_(value: Value) -> Result<f64, String> {
    value.as_f64().ok_or_else(|| wrong("a number"))
}

pub(crate) fn bool_(value: Value) -> Result<bool, String> {
    value.as_bool().ok_or_else(|| wrong("a boolean"))
}

pub(crate) fn string(value: Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s),
        _ => Err(wrong("a string")),
    }
}

pub(crate) fn any(value: Value) -> Result<Value, String> {
    Ok(value)
}

pub(crate) fn array(value: Value) -> Result<Vec<Value>, String> {
    match value {
        Value::Array(items) => Ok(items),
        _ => Err(wrong("an array")),
    }
}

pub(crate) fn list_of<T>(value: Value, read: Read<T>) -> Result<Vec<T>, String> {
    array(value)?
        .into_iter()
        .enumerate()
        .map(|(i, item)| read(item).map_err(|e| at(&i.to_string(), e)))
        .collect()
}

pub(crate) fn strings(value: Value) -> Result<Vec<String>, String> {
    list_of(value, string)
}

/// An object read as a map of `K` (from its keys) to `T`, built by insertion (no sort).
pub(crate) fn map_of<K: Ord, T>(
    value: Value,
    key: fn(String) -> Result<K, String>,
    read: Read<T>,
) -> Result<BTreeMap<K, T>, String> {
    let Value::Object(map) = value else {
        return Err(wrong("an object"));
    };
    let mut out = BTreeMap::new();
    for (k, v) in map {
        let item = read(v).map_err(|e| at(&k, e))?;
        out.insert(key(k)?, item);
    }
    Ok(out)
}

pub(crate) fn hash_map<T>(value: Value, read: Read<T>) -> Result<HashMap<String, T>, String> {
    let Value::Object(map) = value else {
        return Err(wrong("an object"));
    };
    let mut out = HashMap::with_capacity(map.len());
    for (k, v) in map {
        let item = read(v).map_err(|e| at(&k, e))?;
        out.insert(k, item);
    }
    Ok(out)
}

pub(crate) fn btree_map<T>(value: Value, read: Read<T>) -> Result<BTreeMap<String, T>, String> {
    map_of(value, Ok, read)
}

/// A map written as a JSON object (whose keys are sorted whatever the map's order).
pub(crate) fn object<'a, K, T, I>(entries: I, write: impl Fn(&T) -> Value) -> Value
where
    K: AsRef<str> + 'a,
    T: 'a,
    I: IntoIterator<Item = (&'a K, &'a T)>,
{
    let mut map = Map::new();
    for (k, v) in entries {
        map.insert(k.as_ref().to_owned(), write(v));
    }
    Value::Object(map)
}

pub(crate) fn strings_value(items: &[String]) -> Value {
    Value::Array(items.iter().cloned().map(Value::String).collect())
}

pub(crate) fn values(items: &[Value]) -> Value {
    Value::Array(items.to_vec())
}

/// `(Unix milliseconds, event)` pairs, as `[[ms, event], …]`.
pub(crate) fn timed_events(value: Value) -> Result<VecDeque<(u64, Value)>, String> {
    list_of(value, |pair| match pair {
        Value::Array(items) if items.len() == 2 => {
            let [at, event]: [Value; 2] = items.try_into().unwrap_or_default();
            Ok((u64_(at)?, event))
        }
        _ => Err(wrong("a pair [milliseconds, event]")),
    })
    .map(VecDeque::from)
}

/// `serde` implementations of a public type through `fn json(&self) -> Value` and
/// `fn from_json(Value) -> Result<Self, String>`.
macro_rules! serde_through_json {
    ($name:ty) => {
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serde::Serialize::serialize(&self.json(), serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                Self::from_json(value).map_err(<D::Error as serde::de::Error>::custom)
            }
        }
    };
}
pub(crate) use serde_through_json;

/// The counters' names, in the order of [`Stats`](crate::Stats)' fields.
macro_rules! stats_fields {
    ($m:ident) => {
        $m!(
            token_requests,
            tokens_issued,
            api_requests,
            api_401,
            api_429,
            token_429,
            token_5xx_injected,
            api_5xx_injected,
            dropped_connections,
            faults_injected,
            connections_accepted
        )
    };
}

impl crate::Stats {
    fn json(&self) -> Value {
        let mut map = Map::new();
        macro_rules! put {
            ($($field:ident),*) => {
                $(map.insert(stringify!($field).into(), Value::from(self.$field));)*
            };
        }
        stats_fields!(put);
        Value::Object(map)
    }

    /// Every counter is required.
    fn from_json(value: Value) -> Result<Self, String> {
        let mut f = Fields::of(value, "counters")?;
        macro_rules! read {
            ($($field:ident),*) => {
                Self {
                    $($field: f.required(stringify!($field), u64_)?,)*
                }
            };
        }
        Ok(stats_fields!(read))
    }
}

serde_through_json!(crate::Stats);

impl crate::FaultTarget {
    fn name(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Api => "api",
        }
    }

    fn json(&self) -> Value {
        Value::String(self.name().to_owned())
    }

    fn from_json(value: Value) -> Result<Self, String> {
        let name = string(value)?;
        [Self::Token, Self::Api]
            .into_iter()
            .find(|target| target.name() == name)
            .ok_or_else(|| format!("unknown variant `{name}`, expected `token` or `api`"))
    }
}

serde_through_json!(crate::FaultTarget);

impl crate::Fault {
    fn json(&self) -> Value {
        let maybe = |n: Option<u64>| n.map_or(Value::Null, Value::from);
        let mut map = Map::new();
        map.insert("target".into(), self.target.json());
        map.insert("count".into(), Value::from(self.count));
        map.insert("status".into(), maybe(self.status.map(u64::from)));
        map.insert("latency_ms".into(), maybe(self.latency_ms));
        map.insert("drop_connection".into(), Value::Bool(self.drop_connection));
        map.insert("retry_after".into(), maybe(self.retry_after));
        map.insert(
            "rate_limit_reset_in".into(),
            maybe(self.rate_limit_reset_in),
        );
        map.insert(
            "rate_limit_remaining".into(),
            maybe(self.rate_limit_remaining),
        );
        map.insert(
            "headers".into(),
            object(&self.headers, |v| Value::String(v.clone())),
        );
        map.insert(
            "body".into(),
            self.body.clone().map_or(Value::Null, Value::String),
        );
        Value::Object(map)
    }

    /// Every field is optional: absent, it takes its default.
    fn from_json(value: Value) -> Result<Self, String> {
        let mut f = Fields::of(value, "a fault")?;
        Ok(Self {
            target: f.or_default("target", crate::FaultTarget::from_json)?,
            count: f.or_default("count", u64_)?,
            status: f.optional("status", u16_)?,
            latency_ms: f.optional("latency_ms", u64_)?,
            drop_connection: f.or_default("drop_connection", bool_)?,
            retry_after: f.optional("retry_after", u64_)?,
            rate_limit_reset_in: f.optional("rate_limit_reset_in", u64_)?,
            rate_limit_remaining: f.optional("rate_limit_remaining", u64_)?,
            headers: f.or_default("headers", |v| btree_map(v, string))?,
            body: f.optional("body", string)?,
        })
    }
}

serde_through_json!(crate::Fault);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_report_missing_unknown_and_wrong_fields_without_values() {
        let mut f = Fields::of(json!({"a": 1, "b": "s3cr3t", "c": null}), "a test").unwrap();
        assert_eq!(f.required("a", u64_), Ok(1));
        assert_eq!(
            f.required("b", u64_),
            Err("invalid type: expected an unsigned integer at `b`".to_owned())
        );
        assert_eq!(f.optional("c", string), Ok(None));
        assert_eq!(f.required("d", u64_), Err("missing field `d`".to_owned()));
        assert_eq!(f.or_default("e", bool_), Ok(false));
        f.deny_unknown().unwrap();
        let f = Fields::of(json!({"x": 1}), "a test").unwrap();
        assert_eq!(f.deny_unknown(), Err("unknown field `x`".to_owned()));
        assert!(Fields::of(json!([1]), "a test").is_err());
    }

    #[test]
    fn timed_events_are_pairs() {
        let events = timed_events(json!([[1, {"a": 1}], [2, null]])).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0], (1, json!({"a": 1})));
        assert!(timed_events(json!([[1]])).is_err());
        assert!(timed_events(json!([["1", {}]])).is_err());
    }

    #[test]
    fn a_nested_error_names_the_whole_path() {
        let err = hash_map(json!({"cl_1": [{"id": 1}]}), |v| {
            list_of(v, |c| Fields::of(c, "a credential")?.required("id", string))
        })
        .unwrap_err();
        assert_eq!(err, "invalid type: expected a string at `cl_1.0.id`");
    }
}
