//! Roles and their permissions and users: `/api/v2/roles`.

use http::Method;
use serde::Serialize;
use serde_json::Value;

use crate::endpoint::{Body, Endpoint, NoContent, QueryPairs};
use crate::error::Error;
use crate::pagination::{Page, PageRequest, PaginationSupport};
use crate::path;
use crate::path::{id, lit};

model! {
    /// A role.
    pub struct Role {
        /// The role id (`rol_…`).
        pub id: String,
        /// The role name.
        pub name: String,
        /// The role description.
        pub description: String,
    }
}

str_accessors!(Role: id, name);

model! {
    /// A permission (a resource server scope) granted to a role or a user.
    pub struct Permission {
        /// The scope name, e.g. `read:reports`.
        pub permission_name: String,
        /// The permission description.
        pub description: String,
        /// The resource server name.
        pub resource_server_name: String,
        /// The resource server identifier (audience).
        pub resource_server_identifier: String,
        /// Where a user's permission comes from (directly or through roles).
        pub sources: Vec<Value>,
    }
}

str_accessors!(Permission: permission_name, resource_server_name);

model! {
    /// A user holding a role, as listed by [`ListRoleUsers`].
    pub struct RoleUser {
        /// The user id.
        pub user_id: String,
        /// The email address.
        pub email: String,
        /// The picture URL.
        pub picture: String,
        /// The display name.
        pub name: String,
    }
}

str_accessors!(RoleUser: user_id, email, name);

/// A permission to add or remove: a scope of a resource server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermissionRef {
    /// The resource server identifier (audience).
    pub resource_server_identifier: String,
    /// The scope name.
    pub permission_name: String,
}

impl PermissionRef {
    /// The scope `permission_name` of the resource server `resource_server_identifier`.
    pub fn new(
        resource_server_identifier: impl Into<String>,
        permission_name: impl Into<String>,
    ) -> Self {
        Self {
            resource_server_identifier: resource_server_identifier.into(),
            permission_name: permission_name.into(),
        }
    }
}

request_body! {
    /// The body of [`CreateRole`].
    pub struct NewRole {
        required {
            /// The role name.
            name: String,
        }
        optional {
            /// The role description.
            description: String,
        }
    }
}

request_body! {
    /// The body of [`UpdateRole`].
    pub struct RoleUpdate {
        required {}
        optional {
            /// The role name.
            name: String,
            /// The role description.
            description: String,
        }
    }
}

/// `GET /api/v2/roles`: lists roles (offset pages).
#[derive(Debug, Clone, Default)]
pub struct ListRoles {
    name_filter: Option<String>,
    page: Option<PageRequest>,
}

impl ListRoles {
    /// All roles.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only roles whose name contains `value` (case insensitive).
    pub fn name_filter(mut self, value: impl Into<String>) -> Self {
        self.name_filter = Some(value.into());
        self
    }
}

impl Endpoint for ListRoles {
    page_response!();

    type Response = Page<Role>;

    fn method(&self) -> Method {
        Method::GET
    }
    fn path(&self) -> String {
        path::build(&["roles"])
    }
    fn query(&self) -> QueryPairs {
        let mut q = QueryPairs::new();
        q.push_opt("name_filter", self.name_filter.as_deref());
        if let Some(page) = &self.page {
            q.extend(page.query());
        }
        q
    }
    fn scopes(&self) -> &[&'static str] {
        &["read:roles"]
    }
}

paginated!(ListRoles, Role, PaginationSupport::OFFSET, "roles");

/// `POST /api/v2/roles`: creates a role.
#[derive(Debug, Clone)]
pub struct CreateRole {
    body: NewRole,
}

impl CreateRole {
    /// Creates the role described by `body`.
    pub fn new(body: NewRole) -> Self {
        Self { body }
    }
}

impl Endpoint for CreateRole {
    type Response = Role;

    fn method(&self) -> Method {
        Method::POST
    }
    fn path(&self) -> String {
        path::build(&["roles"])
    }
    fn body(&self) -> Result<Option<Body>, Error> {
        Body::json(&self.body).map(Some)
    }
    fn scopes(&self) -> &[&'static str] {
        &["create:roles"]
    }
}

id_endpoint!(
    /// `GET /api/v2/roles/{id}`: one role.
    GetRole, GET, Role, [lit("roles"), id], "read:roles"
);
id_body_endpoint!(
    /// `PATCH /api/v2/roles/{id}`: updates a role.
    UpdateRole, PATCH, RoleUpdate, Role, [lit("roles"), id], "update:roles"
);
id_endpoint!(
    /// `DELETE /api/v2/roles/{id}`: deletes a role.
    DeleteRole, DELETE, NoContent, [lit("roles"), id], "delete:roles"
);
id_list_endpoint!(
    /// `GET /api/v2/roles/{id}/permissions`: the permissions of a role (offset pages).
    ListRolePermissions, Permission, [lit("roles"), id, lit("permissions")], "read:roles",
    PaginationSupport::OFFSET, "permissions"
);
id_list_endpoint!(
    /// `GET /api/v2/roles/{id}/users`: the users holding a role (offset or checkpoint pages).
    ListRoleUsers, RoleUser, [lit("roles"), id, lit("users")],
    ["read:users", "read:roles", "read:role_members"],
    PaginationSupport::BOTH, "users"
);

/// `{"permissions": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PermissionsBody {
    permissions: Vec<PermissionRef>,
}

impl PermissionsBody {
    /// A list of permissions.
    pub fn new(permissions: Vec<PermissionRef>) -> Self {
        Self { permissions }
    }
}

/// `{"users": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsersBody {
    users: Vec<String>,
}

impl UsersBody {
    /// A list of user ids.
    pub fn new(users: Vec<String>) -> Self {
        Self { users }
    }
}

id_body_endpoint!(
    /// `POST /api/v2/roles/{id}/permissions`: adds permissions to a role.
    AddRolePermissions, POST, PermissionsBody, NoContent,
    [lit("roles"), id, lit("permissions")], "update:roles"
);
id_body_endpoint!(
    /// `DELETE /api/v2/roles/{id}/permissions`: removes permissions from a role.
    RemoveRolePermissions, DELETE, PermissionsBody, NoContent,
    [lit("roles"), id, lit("permissions")], "update:roles"
);
id_body_endpoint!(
    /// `POST /api/v2/roles/{id}/users`: assigns a role to users.
    AssignRoleUsers, POST, UsersBody, NoContent,
    [lit("roles"), id, lit("users")],
    ["update:roles", "create:role_members"]
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paginated;
    use serde_json::json;

    #[test]
    fn paths_and_bodies() {
        assert_eq!(GetRole::new("rol_1").path(), "/api/v2/roles/rol_1");
        assert_eq!(
            ListRoleUsers::new("rol 1").path(),
            "/api/v2/roles/rol%201/users"
        );
        let ep = AddRolePermissions::new(
            "rol_1",
            PermissionsBody::new(vec![PermissionRef::new("https://api", "read:x")]),
        );
        assert_eq!(
            ep.body().unwrap(),
            Some(Body::Json(json!({"permissions": [
                {"resource_server_identifier": "https://api", "permission_name": "read:x"}
            ]})))
        );
        assert_eq!(
            RemoveRolePermissions::new("r", PermissionsBody::new(vec![])).method(),
            Method::DELETE
        );
        let body = serde_json::to_value(RoleUpdate::new().description("d")).unwrap();
        assert_eq!(body, json!({"description": "d"}));
    }

    #[test]
    fn list_role_users_rejects_bad_sizes_and_follows_next() {
        assert!(PageRequest::checkpoint(101).is_err());
        let mut ep = ListRoleUsers::new("rol_1");
        ep.set_page(PageRequest::checkpoint(2).unwrap()).unwrap();
        assert_eq!(ep.query().to_query_string(), "take=2");
        let page: Page<RoleUser> =
            serde_json::from_value(json!({"users": [{"user_id": "a"}], "next": "c2"})).unwrap();
        let next = ep.next_page_request(&page).unwrap();
        ep.set_page(next).unwrap();
        assert_eq!(ep.query().to_query_string(), "from=c2&take=2");
        let last: Page<RoleUser> = serde_json::from_value(json!({"users": []})).unwrap();
        assert_eq!(ep.next_page_request(&last), None);
    }

    #[test]
    fn offset_only_endpoint_rejects_checkpoint() {
        let err = ListRoles::new()
            .with_page(PageRequest::checkpoint(10).unwrap())
            .unwrap_err();
        assert!(matches!(err, Error::UnsupportedPagination(_)));
    }

    #[test]
    fn offset_pages_stop_at_total() {
        let ep = ListRolePermissions::new("r")
            .with_page(PageRequest::offset(2).unwrap())
            .unwrap();
        let page: Page<Permission> = serde_json::from_value(json!({
            "start": 0, "limit": 2, "total": 3,
            "permissions": [{"permission_name": "a"}, {"permission_name": "b"}]
        }))
        .unwrap();
        let next = ep.next_page_request(&page).unwrap();
        assert_eq!(next, PageRequest::offset_page(1, 2).unwrap());
        let ep = ep.with_page(next).unwrap();
        let page: Page<Permission> = serde_json::from_value(json!({
            "start": 2, "limit": 2, "total": 3, "permissions": [{"permission_name": "c"}]
        }))
        .unwrap();
        assert_eq!(ep.next_page_request(&page), None);
    }
}
