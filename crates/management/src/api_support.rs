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
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Unclassified(pub Value);

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

/// Whether `value` fits a shape: the right kind of value and, for an object, every required
/// key present; `strict` also refuses keys the shape does not name (when it names any).
pub(crate) fn fits(
    value: &Value,
    kind: JsonKind,
    required: &[&str],
    known: &[&str],
    strict: bool,
) -> bool {
    match (kind, value) {
        (JsonKind::Any, _) => !strict,
        (JsonKind::String, Value::String(_)) | (JsonKind::Bool, Value::Bool(_)) => true,
        (JsonKind::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (JsonKind::Number, Value::Number(_)) | (JsonKind::Array, Value::Array(_)) => true,
        (JsonKind::Object, Value::Object(map)) => {
            required.iter().all(|k| map.contains_key(*k))
                && (!strict || known.is_empty() || map.keys().all(|k| known.contains(&k.as_str())))
        }
        _ => false,
    }
}

/// A list query value: the items joined with commas.
pub(crate) fn join<T: ToString>(values: &[T]) -> String {
    values
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The query of a page request, keeping only the parameters the operation declares (an
/// operation without `include_totals` never receives it).
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
    fn fits_checks_kind_required_and_known_keys() {
        let v = json!({"a": 1, "b": 2});
        assert!(fits(&v, JsonKind::Object, &["a"], &["a", "b"], true));
        assert!(!fits(&v, JsonKind::Object, &["a"], &["a"], true));
        assert!(fits(&v, JsonKind::Object, &["a"], &["a"], false));
        assert!(!fits(&v, JsonKind::Object, &["c"], &[], false));
        assert!(!fits(&json!("x"), JsonKind::Object, &[], &[], false));
        assert!(fits(&json!(3), JsonKind::Integer, &[], &[], true));
        assert!(!fits(&json!(3.5), JsonKind::Integer, &[], &[], true));
        assert!(!fits(&json!(3.5), JsonKind::Any, &[], &[], true));
        assert!(fits(&json!(3.5), JsonKind::Any, &[], &[], false));
    }

    #[test]
    fn page_query_keeps_declared_parameters() {
        let page = PageRequest::offset(10).unwrap();
        let q = page_query(&page, &["page", "per_page"]);
        assert_eq!(q.to_query_string(), "page=0&per_page=10");
        assert_eq!(join(&["a", "b"]), "a,b");
    }
}
