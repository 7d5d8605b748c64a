//! The catalogue of modeled operations, and the checks a conformance run needs.
//!
//! Each [`EndpointInfo`] names an endpoint type, its method and path template (as in the
//! published OpenAPI description, under `/api/v2`), and a function that reads a response body
//! into the endpoint's typed model and writes it back, so that a recorded real response can be
//! checked for loss with [`lossless`].

use http::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::pagination::PaginationSupport;

/// Reads a response body into a typed model and serializes it back.
pub type Roundtrip = fn(&Value) -> Result<Value, String>;

/// A modeled operation.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EndpointInfo {
    /// The endpoint type's name, e.g. `"ListClients"`.
    pub name: &'static str,
    /// The module of its operation group, e.g. `"clients"`.
    pub resource: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template, e.g. `/api/v2/clients/{id}`.
    pub path: &'static str,
    /// The scopes the operation needs (any one of them is enough), as its endpoint type
    /// declares them.
    pub scopes: Vec<&'static str>,
    /// The pagination styles of a list endpoint; `None` for other endpoints.
    pub pagination: Option<PaginationSupport>,
    /// The name of the item list in a list endpoint's page envelope (`clients`, `users`…);
    /// `None` for other endpoints.
    pub items_key: Option<&'static str>,
    /// Whether the description accepts the `auth0-custom-domain` header on the operation (see
    /// [`Endpoint::accepts_custom_domain`](crate::Endpoint::accepts_custom_domain)).
    pub custom_domain: bool,
    /// Reads a response body into the typed model and serializes it back; `None` when the
    /// endpoint ignores its response body.
    pub roundtrip: Option<Roundtrip>,
}

// Used by the generated group modules' catalogue entries; a build may enable none of them.
#[allow(dead_code)]
pub(crate) fn roundtrip<T: DeserializeOwned + Serialize>(body: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(body.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&typed).map_err(|e| e.to_string())
}

fn build() -> Vec<EndpointInfo> {
    crate::generated::entries()
}

/// Every modeled operation.
pub fn catalogue() -> &'static [EndpointInfo] {
    static CATALOGUE: std::sync::OnceLock<Vec<EndpointInfo>> = std::sync::OnceLock::new();
    CATALOGUE.get_or_init(build)
}

impl EndpointInfo {
    /// The path template relative to `/api/v2`, as the OpenAPI description writes it
    /// (`/clients/{id}`).
    pub fn spec_path(&self) -> &'static str {
        self.path
            .strip_prefix(crate::path::API_PREFIX)
            .unwrap_or(self.path)
    }

    /// Whether a concrete request (method and path, without query) matches this operation.
    pub fn matches(&self, method: &str, path: &str) -> bool {
        self.literal_segments_matched(method, path).is_some()
    }

    /// `Some(number of literal segments)` when the request matches the template.
    fn literal_segments_matched(&self, method: &str, path: &str) -> Option<usize> {
        if !self.method.as_str().eq_ignore_ascii_case(method) {
            return None;
        }
        crate::path::match_template(self.path, path)
    }

    /// Reads `body` into the model and checks with [`lossless`] that serializing it back keeps
    /// every field. Returns `Ok(false)` when the endpoint ignores its response body.
    pub fn check_response(&self, body: &Value) -> Result<bool, String> {
        let Some(roundtrip) = self.roundtrip else {
            return Ok(false);
        };
        let back = roundtrip(body).map_err(|e| format!("does not deserialize: {e}"))?;
        lossless(body, &back)?;
        Ok(true)
    }
}

/// The catalogue entry for a concrete request; where several templates match
/// (`/jobs/{id}` and `/jobs/users-exports`), the one with the most literal segments wins.
pub fn find(method: &str, path: &str) -> Option<&'static EndpointInfo> {
    catalogue()
        .iter()
        .filter_map(|info| Some((info.literal_segments_matched(method, path)?, info)))
        .max_by_key(|(literals, _)| *literals)
        .map(|(_, info)| info)
}

/// Checks that `reserialized` keeps every field of `original`: each non-null value of
/// `original` must be present and equal in `reserialized` (recursively; `null` and absent
/// are the same; numbers compare by value, so `168` equals `168.0`).
pub fn lossless(original: &Value, reserialized: &Value) -> Result<(), String> {
    compare(original, reserialized, &mut String::new())
}

fn compare(original: &Value, back: &Value, at: &mut String) -> Result<(), String> {
    let here = |what: &str, at: &str| {
        let at = if at.is_empty() { "/" } else { at };
        Err(format!("{what} at {at}"))
    };
    match (original, back) {
        (Value::Null, _) => Ok(()),
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                if value.is_null() {
                    continue;
                }
                let len = at.len();
                at.push('/');
                at.push_str(key);
                let result = match b.get(key) {
                    Some(other) => compare(value, other, at),
                    None => here("field lost", at),
                };
                at.truncate(len);
                result?;
            }
            Ok(())
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return here("array length changed", at);
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                let result = compare(x, y, at);
                at.truncate(len);
                result?;
            }
            Ok(())
        }
        (Value::Number(a), Value::Number(b)) => {
            let same = a == b || matches!((a.as_f64(), b.as_f64()), (Some(x), Some(y)) if x == y);
            if same {
                Ok(())
            } else {
                here("number changed", at)
            }
        }
        (a, b) if a == b => Ok(()),
        _ => here("value changed", at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_unique_and_paths_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for info in catalogue() {
            assert!(
                seen.insert((info.method.clone(), info.path)),
                "{}",
                info.name
            );
            assert!(info.path.starts_with("/api/v2/"), "{}", info.path);
            assert!(info.spec_path().starts_with('/'));
        }
    }

    /// Endpoint values resolve, through their own method and path, to their catalogue entries.
    #[cfg(feature = "full")]
    #[test]
    fn endpoint_values_match_their_entries() {
        use crate::Paginated;
        fn check<E: crate::Endpoint>(name: &str, endpoint: E) {
            let path = endpoint.path();
            let info = find(endpoint.method().as_str(), &path)
                .unwrap_or_else(|| panic!("{name}: {path} not in the catalogue"));
            assert_eq!(info.name, name, "{path}");
        }
        check("ListClients", crate::clients::ListClients::new());
        check("GetClient", crate::clients::GetClient::new("x"));
        check("ListUsers", crate::users::ListUsers::new());
        check("GetUser", crate::users::GetUser::new("auth0|x"));
        check(
            "ListUsersByEmail",
            crate::users::ListUsersByEmail::new("a@b"),
        );
        check(
            "ListOrganizationMembers",
            crate::organizations::ListOrganizationMembers::new("x"),
        );
        check("ListLogs", crate::logs::ListLogs::new());
        check("GetJob", crate::jobs::GetJob::new("x"));
        check(
            "GetTenantSettings",
            crate::tenants::GetTenantSettings::new(),
        );
        assert_eq!(catalogue().len(), crate::DESCRIBED_OPERATIONS);
        // Scopes and items keys come from the endpoint types.
        let users = find("GET", "/api/v2/users").unwrap();
        assert_eq!(users.scopes, ["read:users", "read:user_idp_tokens"]);
        assert_eq!(users.items_key, Some("users"));
        assert_eq!(
            find("GET", "/api/v2/organizations/org_1/members")
                .unwrap()
                .items_key,
            Some("members")
        );
        assert_eq!(find("GET", "/api/v2/users/x").unwrap().items_key, None);
        assert!(catalogue().iter().all(|e| !e.scopes.is_empty()));
        // Only list operations have an items key (a list whose pages are bare arrays has none).
        assert!(
            catalogue()
                .iter()
                .all(|e| e.pagination.is_some() || e.items_key.is_none())
        );
        // Pagination declared in the catalogue agrees with the endpoint types.
        assert_eq!(
            find("GET", "/api/v2/logs").unwrap().pagination,
            Some(crate::logs::ListLogs::new().pagination())
        );
        assert_eq!(
            find("GET", "/api/v2/users").unwrap().pagination,
            Some(crate::users::ListUsers::new().pagination())
        );
    }

    #[test]
    #[cfg(feature = "jobs")]
    fn literal_segments_win() {
        assert_eq!(
            find("POST", "/api/v2/jobs/users-exports").unwrap().name,
            "CreateExportUsers"
        );
        assert_eq!(find("GET", "/api/v2/jobs/job_1").unwrap().name, "GetJob");
        assert!(find("GET", "/api/v2/jobs/").is_none());
        assert!(find("PUT", "/api/v2/clients").is_none());
        if cfg!(feature = "actions") {
            assert_eq!(
                find("GET", "/api/v2/actions/actions").unwrap().name,
                "ListActions"
            );
        }
    }

    #[test]
    fn lossless_rules() {
        assert!(lossless(&json!({"a": null, "b": 1}), &json!({"b": 1.0, "c": 2})).is_ok());
        assert_eq!(
            lossless(&json!({"a": {"b": [1, 2]}}), &json!({"a": {"b": [1]}})).unwrap_err(),
            "array length changed at /a/b"
        );
        assert_eq!(
            lossless(&json!({"a": "x"}), &json!({})).unwrap_err(),
            "field lost at /a"
        );
        assert_eq!(
            lossless(&json!([{"a": true}]), &json!([{"a": false}])).unwrap_err(),
            "value changed at /0/a"
        );
        assert!(lossless(&json!(1.5), &json!(2)).is_err());
    }

    #[test]
    #[cfg(feature = "clients")]
    fn check_response_uses_the_model() {
        let info = find("GET", "/api/v2/clients/abc").unwrap();
        assert_eq!(
            info.check_response(&json!({"client_id": "abc", "callbacks": null, "new": {"x": 1}})),
            Ok(true)
        );
        assert!(info.check_response(&json!({"client_id": 1})).is_err());
        let delete = find("DELETE", "/api/v2/clients/abc").unwrap();
        assert_eq!(delete.check_response(&json!({})), Ok(false));
    }
}
