//! Users: `/api/v2/users`, `/api/v2/users-by-email` and a user's roles and permissions.

use http::Method;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::clients::push_fields;
use crate::endpoint::{Body, Endpoint, NoContent, QueryPairs};
use crate::error::Error;
use crate::pagination::{Page, PageRequest, PaginationSupport};
use crate::path::{self, id, lit};
use crate::roles::{Permission, PermissionsBody, Role};
use crate::secret::Secret;

model! {
    /// A linked identity of a user.
    pub struct Identity {
        /// The connection name.
        pub connection: String,
        /// The user id at the identity provider (a string, or a number for some providers).
        pub user_id: Value,
        /// The identity provider, e.g. `auth0` or `google-oauth2`.
        pub provider: String,
        /// Whether the provider is a social one.
        #[serde(rename = "isSocial")]
        pub is_social: bool,
        /// The identity provider's access token.
        pub access_token: Secret,
        /// The identity provider's access token secret (OAuth 1).
        pub access_token_secret: Secret,
        /// The identity provider's refresh token.
        pub refresh_token: Secret,
        /// The profile of a linked secondary identity.
        #[serde(rename = "profileData")]
        pub profile_data: Map<String, Value>,
    }
}

model! {
    /// A user.
    pub struct User {
        /// The user id, e.g. `auth0|5f7c8ec7c33c6c004bbafe82`.
        pub user_id: String,
        /// The email address.
        pub email: String,
        /// Whether the email address is verified.
        pub email_verified: bool,
        /// The username.
        pub username: String,
        /// The phone number (E.164).
        pub phone_number: String,
        /// Whether the phone number is verified.
        pub phone_verified: bool,
        /// When the user was created (an ISO 8601 string).
        pub created_at: Value,
        /// When the user was last updated (an ISO 8601 string).
        pub updated_at: Value,
        /// The linked identities.
        pub identities: Vec<Identity>,
        /// Metadata the user cannot change.
        pub app_metadata: Map<String, Value>,
        /// Metadata the user can change.
        pub user_metadata: Map<String, Value>,
        /// The picture URL.
        pub picture: String,
        /// The full name.
        pub name: String,
        /// The nickname.
        pub nickname: String,
        /// The enrolled multi-factor providers.
        pub multifactor: Vec<String>,
        /// The last IP address the user logged in from.
        pub last_ip: String,
        /// When the user last logged in (an ISO 8601 string).
        pub last_login: Value,
        /// How many times the user logged in.
        pub logins_count: u64,
        /// Whether the user is blocked.
        pub blocked: bool,
        /// The given name.
        pub given_name: String,
        /// The family name.
        pub family_name: String,
        /// `last_password_reset`, as Auth0's API description names it.
        pub last_password_reset: String,
        /// `multifactor_last_modified`, as Auth0's API description names it.
        pub multifactor_last_modified: String,
    }
}

str_accessors!(User: user_id, email, name, given_name, family_name);

request_body! {
    /// The body of [`CreateUser`].
    pub struct NewUser {
        required {
            /// The connection the user is created in.
            connection: String,
        }
        optional {
            /// The email address.
            email: String,
            /// The phone number (E.164).
            phone_number: String,
            /// Metadata the user can change.
            user_metadata: Map<String, Value>,
            /// Whether the user is blocked.
            blocked: bool,
            /// Whether the email address is verified.
            email_verified: bool,
            /// Whether the phone number is verified.
            phone_verified: bool,
            /// Metadata the user cannot change.
            app_metadata: Map<String, Value>,
            /// The given name.
            given_name: String,
            /// The family name.
            family_name: String,
            /// The full name.
            name: String,
            /// The nickname.
            nickname: String,
            /// The picture URL.
            picture: String,
            /// The id of the user (without the connection prefix).
            user_id: String,
            /// The initial password.
            password: Secret,
            /// Whether to send a verification email.
            verify_email: bool,
            /// The username.
            username: String,
        }
    }
}

request_body! {
    /// The body of [`UpdateUser`].
    pub struct UserUpdate {
        required {}
        optional {
            /// Whether the user is blocked.
            blocked: bool,
            /// Whether the email address is verified.
            email_verified: bool,
            /// The email address.
            email: String,
            /// The phone number (E.164).
            phone_number: String,
            /// Whether the phone number is verified.
            phone_verified: bool,
            /// Metadata the user can change (merged with the current one).
            user_metadata: Map<String, Value>,
            /// Metadata the user cannot change (merged with the current one).
            app_metadata: Map<String, Value>,
            /// The given name.
            given_name: String,
            /// The family name.
            family_name: String,
            /// The full name.
            name: String,
            /// The nickname.
            nickname: String,
            /// The picture URL.
            picture: String,
            /// Whether to send a verification email.
            verify_email: bool,
            /// Whether to send a phone verification message.
            verify_phone_number: bool,
            /// A new password.
            password: Secret,
            /// The connection the change applies to.
            connection: String,
            /// The client the change is made for.
            client_id: String,
            /// The username.
            username: String,
        }
    }
}

/// The most results the user search returns in offset mode, whatever the page.
pub const USER_SEARCH_LIMIT: u64 = 1000;

/// `GET /api/v2/users`: lists or searches users (offset pages, at most 1000 results).
#[derive(Debug, Clone, Default)]
pub struct ListUsers {
    q: Option<String>,
    sort: Option<String>,
    connection: Option<String>,
    fields: Option<(String, bool)>,
    page: Option<PageRequest>,
}

impl ListUsers {
    /// All users.
    pub fn new() -> Self {
        Self::default()
    }

    /// A search query in Lucene syntax, e.g. `email:"jane@example.com"` (search engine v3).
    pub fn q(mut self, query: impl Into<String>) -> Self {
        self.q = Some(query.into());
        self
    }

    /// Sort by a field: `field:1` ascending, `field:-1` descending.
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        self.sort = Some(sort.into());
        self
    }

    /// Only users of this connection.
    pub fn connection(mut self, connection: impl Into<String>) -> Self {
        self.connection = Some(connection.into());
        self
    }

    /// Returns only `fields` (comma separated) when `include` is true, or all but them.
    pub fn fields(mut self, fields: impl Into<String>, include: bool) -> Self {
        self.fields = Some((fields.into(), include));
        self
    }
}

impl Endpoint for ListUsers {
    page_response!();

    type Response = Page<User>;

    fn method(&self) -> Method {
        Method::GET
    }
    fn path(&self) -> String {
        path::build(&["users"])
    }
    fn query(&self) -> QueryPairs {
        let mut q = QueryPairs::new();
        if let Some(query) = &self.q {
            q.push("q", query).push("search_engine", "v3");
        }
        q.push_opt("sort", self.sort.as_deref())
            .push_opt("connection", self.connection.as_deref());
        push_fields(&mut q, &self.fields);
        if let Some(page) = &self.page {
            q.extend(page.query());
        }
        q
    }
    fn scopes(&self) -> &[&'static str] {
        &["read:users", "read:user_idp_tokens"]
    }
}

paginated!(
    ListUsers,
    User,
    PaginationSupport::OFFSET,
    "users",
    fn result_limit(&self) -> Option<u64> {
        Some(USER_SEARCH_LIMIT)
    }
);

/// `GET /api/v2/users/{id}`: one user.
#[derive(Debug, Clone)]
pub struct GetUser {
    id: String,
    fields: Option<(String, bool)>,
}

impl GetUser {
    /// The user with this user id (such as `auth0|abc`; it is percent-encoded in the path).
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            fields: None,
        }
    }

    /// Returns only `fields` (comma separated) when `include` is true, or all but them.
    pub fn fields(mut self, fields: impl Into<String>, include: bool) -> Self {
        self.fields = Some((fields.into(), include));
        self
    }
}

impl Endpoint for GetUser {
    type Response = User;

    fn method(&self) -> Method {
        Method::GET
    }
    fn path(&self) -> String {
        path::build(&["users", &self.id])
    }
    fn query(&self) -> QueryPairs {
        let mut q = QueryPairs::new();
        push_fields(&mut q, &self.fields);
        q
    }
    fn scopes(&self) -> &[&'static str] {
        &["read:users", "read:current_user", "read:user_idp_tokens"]
    }
}

/// `POST /api/v2/users`: creates a user.
#[derive(Debug, Clone)]
pub struct CreateUser {
    body: NewUser,
}

impl CreateUser {
    /// Creates the user described by `body`.
    pub fn new(body: NewUser) -> Self {
        Self { body }
    }
}

impl Endpoint for CreateUser {
    type Response = User;

    fn method(&self) -> Method {
        Method::POST
    }
    fn path(&self) -> String {
        path::build(&["users"])
    }
    fn body(&self) -> Result<Option<Body>, Error> {
        Body::json(&self.body).map(Some)
    }
    fn scopes(&self) -> &[&'static str] {
        &["create:users"]
    }
}

id_body_endpoint!(
    /// `PATCH /api/v2/users/{id}`: updates a user.
    UpdateUser, PATCH, UserUpdate, User, [lit("users"), id],
    ["update:users", "update:users_app_metadata", "update:current_user_metadata"]
);
id_endpoint!(
    /// `DELETE /api/v2/users/{id}`: deletes a user.
    DeleteUser, DELETE, NoContent, [lit("users"), id],
    ["delete:users", "delete:current_user"]
);

/// `GET /api/v2/users-by-email`: the users with an email address (exact, case insensitive).
#[derive(Debug, Clone)]
pub struct GetUsersByEmail {
    email: String,
    fields: Option<(String, bool)>,
}

impl GetUsersByEmail {
    /// The users whose email is `email`.
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            fields: None,
        }
    }

    /// Returns only `fields` (comma separated) when `include` is true, or all but them.
    pub fn fields(mut self, fields: impl Into<String>, include: bool) -> Self {
        self.fields = Some((fields.into(), include));
        self
    }
}

impl Endpoint for GetUsersByEmail {
    type Response = Vec<User>;

    fn method(&self) -> Method {
        Method::GET
    }
    fn path(&self) -> String {
        path::build(&["users-by-email"])
    }
    fn query(&self) -> QueryPairs {
        let mut q = QueryPairs::new();
        push_fields(&mut q, &self.fields);
        q.push("email", &self.email);
        q
    }
    fn scopes(&self) -> &[&'static str] {
        &["read:users"]
    }
}

id_list_endpoint!(
    /// `GET /api/v2/users/{id}/roles`: the roles of a user (offset pages).
    ListUserRoles, Role, [lit("users"), id, lit("roles")],
    ["read:users", "read:roles", "read:role_members"],
    PaginationSupport::OFFSET, "roles"
);
id_list_endpoint!(
    /// `GET /api/v2/users/{id}/permissions`: the permissions of a user (offset pages).
    ListUserPermissions, Permission, [lit("users"), id, lit("permissions")], "read:users",
    PaginationSupport::OFFSET, "permissions"
);

/// `{"roles": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolesBody {
    roles: Vec<String>,
}

impl RolesBody {
    /// A list of role ids.
    pub fn new(roles: Vec<String>) -> Self {
        Self { roles }
    }
}

id_body_endpoint!(
    /// `POST /api/v2/users/{id}/roles`: assigns roles to a user.
    AssignUserRoles, POST, RolesBody, NoContent, [lit("users"), id, lit("roles")],
    ["update:users", "create:role_members"]
);
id_body_endpoint!(
    /// `DELETE /api/v2/users/{id}/roles`: removes roles from a user.
    RemoveUserRoles, DELETE, RolesBody, NoContent, [lit("users"), id, lit("roles")],
    ["update:users", "delete:role_members"]
);
id_body_endpoint!(
    /// `POST /api/v2/users/{id}/permissions`: grants permissions to a user.
    AddUserPermissions, POST, PermissionsBody, NoContent,
    [lit("users"), id, lit("permissions")], "update:users"
);
id_body_endpoint!(
    /// `DELETE /api/v2/users/{id}/permissions`: removes permissions from a user.
    RemoveUserPermissions, DELETE, PermissionsBody, NoContent,
    [lit("users"), id, lit("permissions")], "update:users"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paginated;
    use serde_json::json;

    #[test]
    fn user_ids_are_encoded() {
        assert_eq!(
            GetUser::new("auth0|abc").path(),
            "/api/v2/users/auth0%7Cabc"
        );
        assert_eq!(
            ListUserRoles::new("google-oauth2|1/2 3").path(),
            "/api/v2/users/google-oauth2%7C1%2F2%203/roles"
        );
        assert_eq!(DeleteUser::new("auth0|x").path(), "/api/v2/users/auth0%7Cx");
    }

    #[test]
    fn create_user_sends_only_set_fields_and_hides_password() {
        let body = NewUser::new("Username-Password-Authentication")
            .email("jane@example.com")
            .password(Secret::new("Passw0rd!-do-not-print"));
        assert!(!format!("{body:?}").contains("do-not-print"));
        let ep = CreateUser::new(body);
        assert_eq!(
            ep.body().unwrap(),
            Some(Body::Json(json!({
                "connection": "Username-Password-Authentication",
                "email": "jane@example.com",
                "password": "Passw0rd!-do-not-print"
            })))
        );
    }

    #[test]
    fn update_user_body() {
        let mut meta = Map::new();
        meta.insert("plan".into(), json!("gold"));
        let ep = UpdateUser::new(
            "auth0|1",
            UserUpdate::new().app_metadata(meta).blocked(false),
        );
        assert_eq!(ep.method(), Method::PATCH);
        assert_eq!(
            ep.body().unwrap(),
            Some(Body::Json(
                json!({"blocked": false, "app_metadata": {"plan": "gold"}})
            ))
        );
    }

    #[test]
    fn user_model_keeps_unknown_fields_and_accepts_nulls() {
        let user: User = serde_json::from_value(json!({
            "user_id": "auth0|1", "email": null, "identities": [
                {"provider": "github", "user_id": 1234, "isSocial": true, "connection": "github",
                 "access_token": "gho_secret_token"}
            ],
            "last_password_reset": "2024-01-01T00:00:00.000Z"
        }))
        .unwrap();
        assert_eq!(user.email, None);
        let identity = &user.identities.as_ref().unwrap()[0];
        assert_eq!(identity.user_id, Some(json!(1234)));
        assert_eq!(identity.is_social, Some(true));
        assert!(!format!("{user:?}").contains("gho_secret_token"));
        let back = serde_json::to_value(&user).unwrap();
        assert_eq!(back["last_password_reset"], "2024-01-01T00:00:00.000Z");
        assert_eq!(back["identities"][0]["isSocial"], true);
        assert!(back.get("email").is_none());
    }

    #[test]
    fn search_stops_at_1000_results() {
        let ep = ListUsers::new()
            .q("name:jane")
            .with_page(PageRequest::offset_page(9, 100).unwrap())
            .unwrap();
        let items: Vec<Value> = (0..100)
            .map(|i| json!({"user_id": i.to_string()}))
            .collect();
        let page: Page<User> = serde_json::from_value(json!({
            "start": 900, "limit": 100, "length": 100, "total": 5000, "users": items
        }))
        .unwrap();
        assert_eq!(ep.next_page_request(&page), None);
        let ep = ep
            .with_page(PageRequest::offset_page(8, 100).unwrap())
            .unwrap();
        assert_eq!(
            ep.next_page_request(&page),
            Some(PageRequest::offset_page(9, 100).unwrap())
        );
    }

    #[test]
    fn users_by_email_query() {
        let ep = GetUsersByEmail::new("a+b@example.com");
        assert_eq!(ep.query().to_query_string(), "email=a%2Bb%40example.com");
        let users = ep.parse_response(br#"[{"user_id":"auth0|1"}]"#).unwrap();
        assert_eq!(users.len(), 1);
    }

    #[test]
    fn role_assignment_bodies() {
        let ep = AssignUserRoles::new("auth0|1", RolesBody::new(vec!["rol_1".into()]));
        assert_eq!(ep.path(), "/api/v2/users/auth0%7C1/roles");
        assert_eq!(
            ep.body().unwrap(),
            Some(Body::Json(json!({"roles": ["rol_1"]})))
        );
        assert_eq!(
            RemoveUserRoles::new("u", RolesBody::new(vec![])).method(),
            Method::DELETE
        );
        assert_eq!(
            AddUserPermissions::new("u", PermissionsBody::new(vec![])).scopes(),
            ["update:users"]
        );
        assert_eq!(
            RemoveUserPermissions::new("u", PermissionsBody::new(vec![])).path(),
            "/api/v2/users/u/permissions"
        );
        assert_eq!(ListUserPermissions::new("u").scopes(), ["read:users"]);
    }
}
