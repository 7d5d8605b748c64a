//! Helpers the generated code calls (hand-written, beside the generated `api` modules).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::endpoint::QueryPairs;
use crate::pagination::PageRequest;
use crate::secret::redact_json;

/// A JSON value that none of the shapes of a `oneOf`/`anyOf` accepted, kept as received.
///
/// It serializes back unchanged; its `Debug` output redacts the values of secret-bearing keys.
///
/// ```
/// use auth0_m2m_management::Unclassified;
/// let v = Unclassified(serde_json::json!({"client_secret": "s3cr3t", "kind": "new"}));
/// assert!(!format!("{v:?}").contains("s3cr3t"));
/// ```
#[derive(Clone, PartialEq)]
pub struct Unclassified(pub Value);

impl Serialize for Unclassified {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Unclassified {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(Self)
    }
}

impl fmt::Debug for Unclassified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Unclassified")
            .field(&redact_json(&self.0))
            .finish()
    }
}

/// The kind of JSON value one shape of a union reads (every kind a shape of the description
/// can have, whether or not today's description uses it).
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonKind {
    String,
    Bool,
    Integer,
    Number,
    Array,
    Object,
    Any,
}

/// The string value of a union's tag property in `value`, if it has one.
#[allow(dead_code)] // called by the generated modules of the tags whose features are enabled
pub(crate) fn tag<'v>(value: &'v Value, property: &str) -> Option<&'v str> {
    value.get(property)?.as_str()
}

impl crate::json::FromJson for Unclassified {
    fn from_json(value: Value) -> Result<Self, crate::json::JsonError> {
        Ok(Self(value))
    }
}

impl crate::json::ToJson for Unclassified {
    fn to_json(&self) -> Value {
        self.0.clone()
    }
}

/// One shape of an untagged union: the kind of JSON value it reads, its required keys, every
/// key it names, the single values some of its keys can only have (`"type": "http"`), and how
/// to read a value into the union's variant.
#[allow(dead_code)] // built by the generated modules of the tags whose features are enabled
pub(crate) struct Shape<T> {
    pub(crate) kind: JsonKind,
    pub(crate) required: &'static [&'static str],
    pub(crate) known: &'static [&'static str],
    pub(crate) constants: &'static [(&'static str, &'static str)],
    pub(crate) read: fn(Value) -> Option<T>,
}

/// Reads a union that no tag decides: among the shapes that `fit`, the best first; the first
/// one that keeps nothing in `extra` wins, else the one that keeps the fewest keys there; a
/// value no shape reads becomes `unknown`.
#[allow(dead_code)] // called by the generated modules of the tags whose features are enabled
pub(crate) fn untagged<T>(value: Value, shapes: &[Shape<T>], unknown: fn(Unclassified) -> T) -> T {
    let scores: Vec<Option<usize>> = shapes
        .iter()
        .map(|s| fit(&value, s.kind, s.required, s.known, s.constants))
        .collect();
    let mut best: Option<(Vec<String>, T)> = None;
    for i in best_first(&scores) {
        let (parsed, extra) = crate::secret::collect_extra_keys(|| (shapes[i].read)(value.clone()));
        let Some(parsed) = parsed else { continue };
        if extra.is_empty() {
            return parsed;
        }
        if best.as_ref().is_none_or(|(e, _)| extra.len() < e.len()) {
            best = Some((extra, parsed));
        }
    }
    match best {
        Some((extra, parsed)) => {
            crate::secret::report_extra_keys(extra);
            parsed
        }
        None => unknown(Unclassified(value)),
    }
}

/// How well `value` fits a shape, or `None` when it cannot be one: the right kind of value
/// and, for an object, every required key present and no key holding another value than the
/// one the shape allows. A better fit scores higher: for an object, the number of its keys the
/// shape names (plus one when it names them all).
pub(crate) fn fit(
    value: &Value,
    kind: JsonKind,
    required: &[&str],
    known: &[&str],
    constants: &[(&str, &str)],
) -> Option<usize> {
    match (kind, value) {
        (JsonKind::Any, _) => Some(0),
        (JsonKind::String, Value::String(_)) | (JsonKind::Bool, Value::Bool(_)) => Some(1),
        (JsonKind::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Some(1),
        (JsonKind::Number, Value::Number(_)) | (JsonKind::Array, Value::Array(_)) => Some(1),
        (JsonKind::Object, Value::Object(map)) => {
            if !required.iter().all(|k| map.contains_key(*k)) {
                return None;
            }
            let mismatch = constants
                .iter()
                .any(|(k, v)| map.get(*k).is_some_and(|found| found.as_str() != Some(*v)));
            if mismatch {
                return None;
            }
            let named = map.keys().filter(|k| known.contains(&k.as_str())).count();
            Some(named * 2 + usize::from(named == map.len()))
        }
        _ => None,
    }
}

/// The indices of the shapes that fit, best first (the earlier shape first among equals).
pub(crate) fn best_first(scores: &[Option<usize>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).filter(|i| scores[*i].is_some()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(scores[*i]));
    order
}

/// A list query value: the items joined with commas.
#[allow(dead_code)] // called by the generated modules of the tags whose features are enabled
pub(crate) fn join<T: ToString>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The query of a page request, keeping only the parameters the operation declares (an
/// operation without `include_totals` never receives it).
#[allow(dead_code)] // called by the generated modules of the tags whose features are enabled
pub(crate) fn page_query(page: &PageRequest, declared: &[&str]) -> QueryPairs {
    let mut q = QueryPairs::new();
    for (k, v) in page.query().pairs() {
        if declared.contains(&k.as_str()) {
            q.push(k.clone(), v);
        }
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_best_fitting_shape_comes_first() {
        let v = json!({"a": 1, "b": 2});
        let scores = [
            fit(&v, JsonKind::Object, &["a"], &["a"], &[]),
            fit(&v, JsonKind::Object, &["a"], &["a", "b"], &[]),
            fit(&v, JsonKind::Object, &["c"], &["a", "b", "c"], &[]),
            fit(&v, JsonKind::String, &[], &[], &[]),
            fit(&v, JsonKind::Any, &[], &[], &[]),
        ];
        assert_eq!(scores, [Some(2), Some(5), None, None, Some(0)]);
        assert_eq!(best_first(&scores), [1, 0, 4]);
        assert_eq!(fit(&json!(3), JsonKind::Integer, &[], &[], &[]), Some(1));
        assert_eq!(fit(&json!(3.5), JsonKind::Integer, &[], &[], &[]), None);
        // A constant key with another value rules the shape out; an absent one does not.
        let tagged = json!({"type": "http", "a": 1});
        assert_eq!(
            fit(
                &tagged,
                JsonKind::Object,
                &[],
                &["type", "a"],
                &[("type", "datadog")]
            ),
            None
        );
        assert_eq!(
            fit(
                &tagged,
                JsonKind::Object,
                &[],
                &["type", "a"],
                &[("type", "http")]
            ),
            Some(5)
        );
        assert_eq!(
            fit(
                &json!({"a": 1}),
                JsonKind::Object,
                &[],
                &["a"],
                &[("type", "http")]
            ),
            Some(3)
        );
    }

    #[derive(Debug, PartialEq)]
    enum Either {
        Num(i64),
        Text(String),
        Unknown(Unclassified),
    }

    #[test]
    fn untagged_reads_the_best_fitting_shape_and_keeps_the_rest() {
        let shapes = [
            Shape {
                kind: JsonKind::Integer,
                required: &[],
                known: &[],
                constants: &[],
                read: |v| crate::json::FromJson::from_json(v).ok().map(Either::Num),
            },
            Shape {
                kind: JsonKind::String,
                required: &[],
                known: &[],
                constants: &[],
                read: |v| crate::json::FromJson::from_json(v).ok().map(Either::Text),
            },
        ];
        assert_eq!(untagged(json!(3), &shapes, Either::Unknown), Either::Num(3));
        assert_eq!(
            untagged(json!("x"), &shapes, Either::Unknown),
            Either::Text("x".into())
        );
        assert_eq!(
            untagged(json!([1]), &shapes, Either::Unknown),
            Either::Unknown(Unclassified(json!([1])))
        );
        assert_eq!(tag(&json!({"type": "http"}), "type"), Some("http"));
        assert_eq!(tag(&json!({"type": 1}), "type"), None);
        let read: Result<i64, _> = crate::json::FromJson::from_json(json!("x"));
        assert!(read.is_err());
    }

    #[test]
    fn page_query_keeps_declared_parameters() {
        let page = PageRequest::offset(10).unwrap();
        let q = page_query(&page, &["page", "per_page"]);
        assert_eq!(q.to_query_string(), "page=0&per_page=10");
        assert_eq!(join(&["a", "b"]), "a,b");
    }
}
