//! The Management API routes: method, path template and accepted scopes.

use super::base::*;

/// A matched Management API route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Route {
    Clients,
    Client(String),
    ClientRotate(String),
    Grants,
    Grant(String),
    ResourceServers,
    ResourceServer(String),
    Users,
    User(String),
    UsersByEmail,
    UserRoles(String),
    UserPermissions(String),
    UserOrgs(String),
    Roles,
    Role(String),
    RolePermissions(String),
    RoleUsers(String),
    Orgs,
    Org(String),
    OrgByName(String),
    OrgMembers(String),
    Connections,
    Connection(String),
    Logs,
    Log(String),
    JobsExport,
    JobsImport,
    Job(String),
    ActiveUsers,
    UserBlocks(String),
    UserIdentities(String),
    UserIdentity(String, String, String),
    TenantSettings,
}

/// One Management API route the tenant serves.
pub(crate) struct RouteSpec {
    /// The HTTP method.
    pub(crate) method: &'static str,
    /// The path template below `/api/v2`, as in Auth0's OpenAPI description.
    pub(crate) path: &'static str,
    /// The scopes of which a token needs any one.
    pub(crate) scopes: &'static [&'static str],
    /// Builds the route from the path's `{...}` values, in order.
    make: fn(&mut Vec<String>) -> Route,
}

/// The first path parameter.
pub(super) fn param(p: &mut Vec<String>) -> String {
    if p.is_empty() {
        String::new()
    } else {
        p.swap_remove(0)
    }
}

/// Every Management API route, matched in order.
pub(crate) const ROUTES: &[RouteSpec] = &[
    RouteSpec {
        method: "GET",
        path: "/clients",
        scopes: &["read:clients"],
        make: |_| Route::Clients,
    },
    RouteSpec {
        method: "POST",
        path: "/clients",
        scopes: &["create:clients"],
        make: |_| Route::Clients,
    },
    RouteSpec {
        method: "GET",
        path: "/clients/{id}",
        scopes: &["read:clients"],
        make: |p| Route::Client(param(p)),
    },
    RouteSpec {
        method: "PATCH",
        path: "/clients/{id}",
        scopes: &["update:clients"],
        make: |p| Route::Client(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/clients/{id}",
        scopes: &["delete:clients"],
        make: |p| Route::Client(param(p)),
    },
    RouteSpec {
        method: "POST",
        path: "/clients/{id}/rotate-secret",
        scopes: &["update:client_keys"],
        make: |p| Route::ClientRotate(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/client-grants",
        scopes: &["read:client_grants"],
        make: |_| Route::Grants,
    },
    RouteSpec {
        method: "POST",
        path: "/client-grants",
        scopes: &["create:client_grants"],
        make: |_| Route::Grants,
    },
    RouteSpec {
        method: "GET",
        path: "/client-grants/{id}",
        scopes: &["read:client_grants"],
        make: |p| Route::Grant(param(p)),
    },
    RouteSpec {
        method: "PATCH",
        path: "/client-grants/{id}",
        scopes: &["update:client_grants"],
        make: |p| Route::Grant(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/client-grants/{id}",
        scopes: &["delete:client_grants"],
        make: |p| Route::Grant(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/resource-servers",
        scopes: &["read:resource_servers"],
        make: |_| Route::ResourceServers,
    },
    RouteSpec {
        method: "POST",
        path: "/resource-servers",
        scopes: &["create:resource_servers"],
        make: |_| Route::ResourceServers,
    },
    RouteSpec {
        method: "GET",
        path: "/resource-servers/{id}",
        scopes: &["read:resource_servers"],
        make: |p| Route::ResourceServer(param(p)),
    },
    RouteSpec {
        method: "PATCH",
        path: "/resource-servers/{id}",
        scopes: &["update:resource_servers"],
        make: |p| Route::ResourceServer(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/resource-servers/{id}",
        scopes: &["delete:resource_servers"],
        make: |p| Route::ResourceServer(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/users",
        scopes: &["read:users"],
        make: |_| Route::Users,
    },
    RouteSpec {
        method: "POST",
        path: "/users",
        scopes: &["create:users"],
        make: |_| Route::Users,
    },
    RouteSpec {
        method: "GET",
        path: "/users/{id}",
        scopes: &["read:users"],
        make: |p| Route::User(param(p)),
    },
    RouteSpec {
        method: "PATCH",
        path: "/users/{id}",
        scopes: &["update:users"],
        make: |p| Route::User(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/users/{id}",
        scopes: &["delete:users"],
        make: |p| Route::User(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/users-by-email",
        scopes: &["read:users"],
        make: |_| Route::UsersByEmail,
    },
    RouteSpec {
        method: "POST",
        path: "/users/{id}/identities",
        scopes: &["update:users"],
        make: |p| Route::UserIdentities(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/users/{id}/identities/{provider}/{user_id}",
        scopes: &["update:users"],
        make: |p| {
            let (id, provider, secondary) = (p.remove(0), p.remove(0), p.remove(0));
            Route::UserIdentity(id, provider, secondary)
        },
    },
    RouteSpec {
        method: "GET",
        path: "/users/{id}/roles",
        scopes: &["read:users", "read:roles"],
        make: |p| Route::UserRoles(param(p)),
    },
    RouteSpec {
        method: "POST",
        path: "/users/{id}/roles",
        scopes: &["update:users", "create:role_members"],
        make: |p| Route::UserRoles(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/users/{id}/roles",
        scopes: &["update:users", "delete:role_members"],
        make: |p| Route::UserRoles(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/users/{id}/permissions",
        scopes: &["read:users"],
        make: |p| Route::UserPermissions(param(p)),
    },
    RouteSpec {
        method: "POST",
        path: "/users/{id}/permissions",
        scopes: &["update:users"],
        make: |p| Route::UserPermissions(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/users/{id}/permissions",
        scopes: &["update:users"],
        make: |p| Route::UserPermissions(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/users/{id}/organizations",
        scopes: &["read:organizations"],
        make: |p| Route::UserOrgs(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/user-blocks/{id}",
        scopes: &["read:users"],
        make: |p| Route::UserBlocks(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/user-blocks/{id}",
        scopes: &["update:users"],
        make: |p| Route::UserBlocks(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/roles",
        scopes: &["read:roles"],
        make: |_| Route::Roles,
    },
    RouteSpec {
        method: "POST",
        path: "/roles",
        scopes: &["create:roles"],
        make: |_| Route::Roles,
    },
    RouteSpec {
        method: "GET",
        path: "/roles/{id}",
        scopes: &["read:roles"],
        make: |p| Route::Role(param(p)),
    },
    RouteSpec {
        method: "PATCH",
        path: "/roles/{id}",
        scopes: &["update:roles"],
        make: |p| Route::Role(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/roles/{id}",
        scopes: &["delete:roles"],
        make: |p| Route::Role(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/roles/{id}/permissions",
        scopes: &["read:roles"],
        make: |p| Route::RolePermissions(param(p)),
    },
    RouteSpec {
        method: "POST",
        path: "/roles/{id}/permissions",
        scopes: &["update:roles"],
        make: |p| Route::RolePermissions(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/roles/{id}/permissions",
        scopes: &["update:roles"],
        make: |p| Route::RolePermissions(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/roles/{id}/users",
        scopes: &["read:users", "read:roles", "read:role_members"],
        make: |p| Route::RoleUsers(param(p)),
    },
    RouteSpec {
        method: "POST",
        path: "/roles/{id}/users",
        scopes: &["update:roles", "create:role_members"],
        make: |p| Route::RoleUsers(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/organizations",
        scopes: &["read:organizations"],
        make: |_| Route::Orgs,
    },
    RouteSpec {
        method: "POST",
        path: "/organizations",
        scopes: &["create:organizations"],
        make: |_| Route::Orgs,
    },
    RouteSpec {
        method: "GET",
        path: "/organizations/name/{name}",
        scopes: &["read:organizations"],
        make: |p| Route::OrgByName(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/organizations/{id}",
        scopes: &["read:organizations"],
        make: |p| Route::Org(param(p)),
    },
    RouteSpec {
        method: "PATCH",
        path: "/organizations/{id}",
        scopes: &["update:organizations"],
        make: |p| Route::Org(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/organizations/{id}",
        scopes: &["delete:organizations"],
        make: |p| Route::Org(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/organizations/{id}/members",
        scopes: &["read:organization_members"],
        make: |p| Route::OrgMembers(param(p)),
    },
    RouteSpec {
        method: "POST",
        path: "/organizations/{id}/members",
        scopes: &["create:organization_members"],
        make: |p| Route::OrgMembers(param(p)),
    },
    RouteSpec {
        method: "DELETE",
        path: "/organizations/{id}/members",
        scopes: &["delete:organization_members"],
        make: |p| Route::OrgMembers(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/connections",
        scopes: &["read:connections"],
        make: |_| Route::Connections,
    },
    RouteSpec {
        method: "GET",
        path: "/connections/{id}",
        scopes: &["read:connections"],
        make: |p| Route::Connection(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/logs",
        scopes: &["read:logs"],
        make: |_| Route::Logs,
    },
    RouteSpec {
        method: "GET",
        path: "/logs/{id}",
        scopes: &["read:logs"],
        make: |p| Route::Log(param(p)),
    },
    RouteSpec {
        method: "POST",
        path: "/jobs/users-exports",
        scopes: &["read:users"],
        make: |_| Route::JobsExport,
    },
    RouteSpec {
        method: "POST",
        path: "/jobs/users-imports",
        scopes: &["create:users"],
        make: |_| Route::JobsImport,
    },
    RouteSpec {
        method: "GET",
        path: "/jobs/{id}",
        scopes: &["create:users", "read:users"],
        make: |p| Route::Job(param(p)),
    },
    RouteSpec {
        method: "GET",
        path: "/stats/active-users",
        scopes: &["read:stats"],
        make: |_| Route::ActiveUsers,
    },
    RouteSpec {
        method: "GET",
        path: "/tenants/settings",
        scopes: &["read:tenant_settings"],
        make: |_| Route::TenantSettings,
    },
    RouteSpec {
        method: "PATCH",
        path: "/tenants/settings",
        scopes: &["update:tenant_settings"],
        make: |_| Route::TenantSettings,
    },
];

/// Matches a method and decoded path segments to a route and the scopes it accepts.
pub(super) fn match_route(
    method: &Method,
    segs: &[String],
) -> Option<(Route, &'static [&'static str])> {
    ROUTES
        .iter()
        .filter(|spec| spec.method == method.as_str())
        .find_map(|spec| {
            let (mut params, _) = match_template(spec.path, segs)?;
            debug_assert!(spec.scopes.iter().all(|s| MANAGEMENT_SCOPES.contains(s)));
            Some(((spec.make)(&mut params), spec.scopes))
        })
}

/// Matches decoded path segments against a path template (`/users/{id}/roles`): the values of
/// its parameters, in order, and how many literal segments matched. Both the hand-written
/// routes and the generated operations are found with it.
pub(super) fn match_template(template: &str, segs: &[String]) -> Option<(Vec<String>, usize)> {
    let template: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    if template.len() != segs.len() {
        return None;
    }
    let mut params = Vec::new();
    let mut literals = 0;
    for (t, s) in template.iter().zip(segs) {
        if t.starts_with('{') {
            params.push(s.clone());
        } else if t == s {
            literals += 1;
        } else {
            return None;
        }
    }
    Some((params, literals))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_decode_and_map_scopes() {
        let segs = vec!["users".to_string(), "auth0|abc".to_string()];
        let (r, s) = match_route(&Method::GET, &segs).expect("route");
        assert_eq!(r, Route::User("auth0|abc".into()));
        assert_eq!(s, &["read:users"]);
        assert!(match_route(&Method::PUT, &segs).is_none());
    }

    #[test]
    fn literal_segments_win_in_table_order() {
        let segs: Vec<String> = ["organizations", "name", "acme"].map(String::from).into();
        let (r, s) = match_route(&Method::GET, &segs).expect("route");
        assert_eq!(r, Route::OrgByName("acme".into()));
        assert_eq!(s, &["read:organizations"]);
        let segs: Vec<String> = ["organizations", "org_1", "members"]
            .map(String::from)
            .into();
        let (r, _) = match_route(&Method::GET, &segs).expect("route");
        assert_eq!(r, Route::OrgMembers("org_1".into()));
        let segs: Vec<String> = ["jobs", "users-exports"].map(String::from).into();
        assert_eq!(
            match_route(&Method::POST, &segs).map(|r| r.0),
            Some(Route::JobsExport)
        );
        assert_eq!(
            match_route(&Method::GET, &segs).map(|r| r.0),
            Some(Route::Job("users-exports".into()))
        );
    }

    #[test]
    fn every_route_is_unique_and_its_scopes_are_served() {
        for (i, a) in ROUTES.iter().enumerate() {
            assert!(!a.scopes.is_empty(), "{} {}", a.method, a.path);
            assert!(a.scopes.iter().all(|s| MANAGEMENT_SCOPES.contains(s)));
            for b in &ROUTES[i + 1..] {
                assert!(
                    (a.method, a.path) != (b.method, b.path),
                    "{} {} twice",
                    a.method,
                    a.path
                );
            }
        }
    }
}
