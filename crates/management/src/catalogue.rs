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

use crate::endpoint::Endpoint;
use crate::pagination::{Paginated, PaginationSupport};

/// Reads a response body into a typed model and serializes it back.
pub type Roundtrip = fn(&Value) -> Result<Value, String>;

/// A modeled operation.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EndpointInfo {
    /// The endpoint type's name, e.g. `"ListClients"`.
    pub name: &'static str,
    /// The resource module, e.g. `"clients"`.
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
    /// [`Endpoint::accepts_custom_domain`]).
    pub custom_domain: bool,
    /// Reads a response body into the typed model and serializes it back; `None` when the
    /// endpoint ignores its response body.
    pub roundtrip: Option<Roundtrip>,
}

pub(crate) fn roundtrip<T: DeserializeOwned + Serialize>(body: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(body.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&typed).map_err(|e| e.to_string())
}

/// The typed roundtrip of endpoint `E`'s response.
fn typed<E>() -> Option<Roundtrip>
where
    E: Endpoint,
    E::Response: Serialize,
{
    Some(roundtrip::<E::Response>)
}

macro_rules! entries {
    ($($kind:ident $resource:ident :: $name:ident $path:literal = $make:expr;)*) => {
        vec![$($kind(stringify!($resource), stringify!($name), $path, $make),)*]
    };
}

/// The entry of an operation whose answer is read into its typed model.
fn op<E>(
    resource: &'static str,
    name: &'static str,
    path: &'static str,
    endpoint: E,
) -> EndpointInfo
where
    E: Endpoint,
    E::Response: Serialize,
{
    EndpointInfo {
        roundtrip: typed::<E>(),
        ..empty(resource, name, path, endpoint)
    }
}

/// The entry of an operation whose answer carries no body worth reading.
fn empty<E: Endpoint>(
    resource: &'static str,
    name: &'static str,
    path: &'static str,
    endpoint: E,
) -> EndpointInfo {
    EndpointInfo {
        name,
        resource,
        method: endpoint.method(),
        path,
        scopes: endpoint.scopes().to_vec(),
        pagination: None,
        items_key: None,
        custom_domain: endpoint.accepts_custom_domain(),
        roundtrip: None,
    }
}

/// The entry of a list operation: its pagination styles and items key come from the type.
fn list<E>(
    resource: &'static str,
    name: &'static str,
    path: &'static str,
    endpoint: E,
) -> EndpointInfo
where
    E: Paginated,
    E::Response: Serialize,
{
    EndpointInfo {
        pagination: Some(endpoint.pagination()),
        items_key: Some(endpoint.items_key()),
        ..op(resource, name, path, endpoint)
    }
}

fn build() -> Vec<EndpointInfo> {
    use crate::{
        client_grants as cg, clients as c, connections as co, jobs as j, logs as l,
        organizations as o, resource_servers as rs, roles as r, tenants as t, users as u,
    };
    let mut all = entries![
        list clients::ListClients "/api/v2/clients" = c::ListClients::new();
        op clients::GetClient "/api/v2/clients/{id}" = c::GetClient::new("x");
        op clients::CreateClient "/api/v2/clients" = c::CreateClient::new(c::NewClient::new("n"));
        op clients::UpdateClient "/api/v2/clients/{id}" = c::UpdateClient::new("x", c::ClientUpdate::new());
        empty clients::DeleteClient "/api/v2/clients/{id}" = c::DeleteClient::new("x");
        op clients::RotateClientSecret "/api/v2/clients/{id}/rotate-secret" = c::RotateClientSecret::new("x");
        list client_grants::ListClientGrants "/api/v2/client-grants" = cg::ListClientGrants::new();
        op client_grants::CreateClientGrant "/api/v2/client-grants" = cg::CreateClientGrant::new(cg::NewClientGrant::new("c", "a", vec![]));
        op client_grants::UpdateClientGrant "/api/v2/client-grants/{id}" = cg::UpdateClientGrant::new("x", cg::ClientGrantUpdate::new());
        empty client_grants::DeleteClientGrant "/api/v2/client-grants/{id}" = cg::DeleteClientGrant::new("x");
        list resource_servers::ListResourceServers "/api/v2/resource-servers" = rs::ListResourceServers::new();
        op resource_servers::GetResourceServer "/api/v2/resource-servers/{id}" = rs::GetResourceServer::new("x");
        op resource_servers::CreateResourceServer "/api/v2/resource-servers" = rs::CreateResourceServer::new(rs::NewResourceServer::new("i"));
        op resource_servers::UpdateResourceServer "/api/v2/resource-servers/{id}" = rs::UpdateResourceServer::new("x", rs::ResourceServerUpdate::new());
        empty resource_servers::DeleteResourceServer "/api/v2/resource-servers/{id}" = rs::DeleteResourceServer::new("x");
        list users::ListUsers "/api/v2/users" = u::ListUsers::new();
        op users::GetUser "/api/v2/users/{id}" = u::GetUser::new("x");
        op users::CreateUser "/api/v2/users" = u::CreateUser::new(u::NewUser::new("db"));
        op users::UpdateUser "/api/v2/users/{id}" = u::UpdateUser::new("x", u::UserUpdate::new());
        empty users::DeleteUser "/api/v2/users/{id}" = u::DeleteUser::new("x");
        op users::GetUsersByEmail "/api/v2/users-by-email" = u::GetUsersByEmail::new("a@b");
        list users::ListUserRoles "/api/v2/users/{id}/roles" = u::ListUserRoles::new("x");
        empty users::AssignUserRoles "/api/v2/users/{id}/roles" = u::AssignUserRoles::new("x", u::RolesBody::new(vec![]));
        empty users::RemoveUserRoles "/api/v2/users/{id}/roles" = u::RemoveUserRoles::new("x", u::RolesBody::new(vec![]));
        list users::ListUserPermissions "/api/v2/users/{id}/permissions" = u::ListUserPermissions::new("x");
        empty users::AddUserPermissions "/api/v2/users/{id}/permissions" = u::AddUserPermissions::new("x", r::PermissionsBody::new(vec![]));
        empty users::RemoveUserPermissions "/api/v2/users/{id}/permissions" = u::RemoveUserPermissions::new("x", r::PermissionsBody::new(vec![]));
        list roles::ListRoles "/api/v2/roles" = r::ListRoles::new();
        op roles::GetRole "/api/v2/roles/{id}" = r::GetRole::new("x");
        op roles::CreateRole "/api/v2/roles" = r::CreateRole::new(r::NewRole::new("n"));
        op roles::UpdateRole "/api/v2/roles/{id}" = r::UpdateRole::new("x", r::RoleUpdate::new());
        empty roles::DeleteRole "/api/v2/roles/{id}" = r::DeleteRole::new("x");
        list roles::ListRolePermissions "/api/v2/roles/{id}/permissions" = r::ListRolePermissions::new("x");
        empty roles::AddRolePermissions "/api/v2/roles/{id}/permissions" = r::AddRolePermissions::new("x", r::PermissionsBody::new(vec![]));
        empty roles::RemoveRolePermissions "/api/v2/roles/{id}/permissions" = r::RemoveRolePermissions::new("x", r::PermissionsBody::new(vec![]));
        list roles::ListRoleUsers "/api/v2/roles/{id}/users" = r::ListRoleUsers::new("x");
        empty roles::AssignRoleUsers "/api/v2/roles/{id}/users" = r::AssignRoleUsers::new("x", r::UsersBody::new(vec![]));
        list organizations::ListOrganizations "/api/v2/organizations" = o::ListOrganizations::new();
        op organizations::GetOrganization "/api/v2/organizations/{id}" = o::GetOrganization::new("x");
        op organizations::GetOrganizationByName "/api/v2/organizations/name/{name}" = o::GetOrganizationByName::new("x");
        op organizations::CreateOrganization "/api/v2/organizations" = o::CreateOrganization::new(o::NewOrganization::new("n"));
        op organizations::UpdateOrganization "/api/v2/organizations/{id}" = o::UpdateOrganization::new("x", o::OrganizationUpdate::new());
        empty organizations::DeleteOrganization "/api/v2/organizations/{id}" = o::DeleteOrganization::new("x");
        list organizations::ListMembers "/api/v2/organizations/{id}/members" = o::ListMembers::new("x");
        empty organizations::AddMembers "/api/v2/organizations/{id}/members" = o::AddMembers::new("x", o::MembersBody::new(vec![]));
        empty organizations::RemoveMembers "/api/v2/organizations/{id}/members" = o::RemoveMembers::new("x", o::MembersBody::new(vec![]));
        list connections::ListConnections "/api/v2/connections" = co::ListConnections::new();
        op connections::GetConnection "/api/v2/connections/{id}" = co::GetConnection::new("x");
        list logs::ListLogs "/api/v2/logs" = l::ListLogs::new();
        op logs::GetLog "/api/v2/logs/{id}" = l::GetLog::new("x");
        op jobs::CreateUsersExport "/api/v2/jobs/users-exports" = j::CreateUsersExport::new(j::UsersExport::new());
        op jobs::ImportUsers "/api/v2/jobs/users-imports" = j::ImportUsers::new("c", vec![]);
        op jobs::GetJob "/api/v2/jobs/{id}" = j::GetJob::new("x");
        op tenants::GetTenantSettings "/api/v2/tenants/settings" = t::GetTenantSettings::new();
        op tenants::UpdateTenantSettings "/api/v2/tenants/settings" = t::UpdateTenantSettings::new(t::TenantSettingsUpdate::new());
    ];
    all.extend(crate::api::entries());
    all
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
    use crate::Paginated;
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
        assert!(catalogue().len() >= 50);
    }

    /// Every endpoint value resolves, through its own method and path, to its catalogue entry.
    #[test]
    fn endpoint_values_match_their_entries() {
        use crate::{
            client_grants as cg, clients as c, connections as co, jobs as j, logs as l,
            organizations as o, resource_servers as rs, roles as r, tenants as t, users as u,
        };
        fn check<E: Endpoint>(name: &str, endpoint: E) {
            let path = endpoint.path();
            let info = find(endpoint.method().as_str(), &path)
                .unwrap_or_else(|| panic!("{name}: {path} not in the catalogue"));
            assert_eq!(info.name, name, "{path}");
        }
        check("ListClients", c::ListClients::new());
        check("GetClient", c::GetClient::new("x"));
        check("CreateClient", c::CreateClient::new(c::NewClient::new("n")));
        check(
            "UpdateClient",
            c::UpdateClient::new("x", c::ClientUpdate::new()),
        );
        check("DeleteClient", c::DeleteClient::new("x"));
        check("RotateClientSecret", c::RotateClientSecret::new("x"));
        check("ListClientGrants", cg::ListClientGrants::new());
        check(
            "CreateClientGrant",
            cg::CreateClientGrant::new(cg::NewClientGrant::new("c", "a", vec![])),
        );
        check(
            "UpdateClientGrant",
            cg::UpdateClientGrant::new("x", cg::ClientGrantUpdate::new()),
        );
        check("DeleteClientGrant", cg::DeleteClientGrant::new("x"));
        check("ListResourceServers", rs::ListResourceServers::new());
        check("GetResourceServer", rs::GetResourceServer::new("x"));
        check(
            "CreateResourceServer",
            rs::CreateResourceServer::new(rs::NewResourceServer::new("i")),
        );
        check(
            "UpdateResourceServer",
            rs::UpdateResourceServer::new("x", rs::ResourceServerUpdate::new()),
        );
        check("DeleteResourceServer", rs::DeleteResourceServer::new("x"));
        check("ListUsers", u::ListUsers::new());
        check("GetUser", u::GetUser::new("auth0|x"));
        check("CreateUser", u::CreateUser::new(u::NewUser::new("db")));
        check("UpdateUser", u::UpdateUser::new("x", u::UserUpdate::new()));
        check("DeleteUser", u::DeleteUser::new("x"));
        check("GetUsersByEmail", u::GetUsersByEmail::new("a@b"));
        check("ListUserRoles", u::ListUserRoles::new("x"));
        check(
            "AssignUserRoles",
            u::AssignUserRoles::new("x", u::RolesBody::new(vec![])),
        );
        check(
            "RemoveUserRoles",
            u::RemoveUserRoles::new("x", u::RolesBody::new(vec![])),
        );
        check("ListUserPermissions", u::ListUserPermissions::new("x"));
        let perms = || r::PermissionsBody::new(vec![]);
        check(
            "AddUserPermissions",
            u::AddUserPermissions::new("x", perms()),
        );
        check(
            "RemoveUserPermissions",
            u::RemoveUserPermissions::new("x", perms()),
        );
        check("ListRoles", r::ListRoles::new());
        check("GetRole", r::GetRole::new("x"));
        check("CreateRole", r::CreateRole::new(r::NewRole::new("n")));
        check("UpdateRole", r::UpdateRole::new("x", r::RoleUpdate::new()));
        check("DeleteRole", r::DeleteRole::new("x"));
        check("ListRolePermissions", r::ListRolePermissions::new("x"));
        check(
            "AddRolePermissions",
            r::AddRolePermissions::new("x", perms()),
        );
        check(
            "RemoveRolePermissions",
            r::RemoveRolePermissions::new("x", perms()),
        );
        check("ListRoleUsers", r::ListRoleUsers::new("x"));
        check(
            "AssignRoleUsers",
            r::AssignRoleUsers::new("x", r::UsersBody::new(vec![])),
        );
        check("ListOrganizations", o::ListOrganizations::new());
        check("GetOrganization", o::GetOrganization::new("x"));
        check("GetOrganizationByName", o::GetOrganizationByName::new("x"));
        check(
            "CreateOrganization",
            o::CreateOrganization::new(o::NewOrganization::new("n")),
        );
        check(
            "UpdateOrganization",
            o::UpdateOrganization::new("x", o::OrganizationUpdate::new()),
        );
        check("DeleteOrganization", o::DeleteOrganization::new("x"));
        check("ListMembers", o::ListMembers::new("x"));
        check(
            "AddMembers",
            o::AddMembers::new("x", o::MembersBody::new(vec![])),
        );
        check(
            "RemoveMembers",
            o::RemoveMembers::new("x", o::MembersBody::new(vec![])),
        );
        check("ListConnections", co::ListConnections::new());
        check("GetConnection", co::GetConnection::new("x"));
        check("ListLogs", l::ListLogs::new());
        check("GetLog", l::GetLog::new("x"));
        check(
            "CreateUsersExport",
            j::CreateUsersExport::new(j::UsersExport::new()),
        );
        check("ImportUsers", j::ImportUsers::new("c", vec![]));
        check("GetJob", j::GetJob::new("x"));
        check("GetTenantSettings", t::GetTenantSettings::new());
        check(
            "UpdateTenantSettings",
            t::UpdateTenantSettings::new(t::TenantSettingsUpdate::new()),
        );
        if cfg!(feature = "full") {
            assert_eq!(catalogue().len(), crate::api::DESCRIBED_OPERATIONS);
        }
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
            Some(l::ListLogs::new().pagination())
        );
        assert_eq!(
            find("GET", "/api/v2/users").unwrap().pagination,
            Some(u::ListUsers::new().pagination())
        );
    }

    #[test]
    fn literal_segments_win() {
        assert_eq!(
            find("POST", "/api/v2/jobs/users-exports").unwrap().name,
            "CreateUsersExport"
        );
        assert_eq!(find("GET", "/api/v2/jobs/job_1").unwrap().name, "GetJob");
        assert!(find("GET", "/api/v2/jobs/").is_none());
        assert!(find("PUT", "/api/v2/clients").is_none());
        if cfg!(feature = "actions") {
            assert_eq!(
                find("GET", "/api/v2/actions/actions").unwrap().name,
                "GetActions"
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
