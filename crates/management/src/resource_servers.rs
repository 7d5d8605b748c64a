//! Resource servers (APIs): `/api/v2/resource-servers`.

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::endpoint::{Body, Endpoint, NoContent, QueryPairs};
use crate::error::Error;
use crate::pagination::{Page, PageRequest, PaginationSupport};
use crate::path::{self, id, lit};
use crate::secret::Secret;

/// A scope an API defines.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResourceServerScope {
    /// The scope name, e.g. `read:reports`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The scope description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Fields this crate does not name, kept as received.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, Value>,
}

impl ResourceServerScope {
    /// A scope named `value` with a description.
    pub fn new(value: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            value: Some(value.into()),
            description: Some(description.into()),
            extra: serde_json::Map::new(),
        }
    }
}

model! {
    /// A resource server (API).
    pub struct ResourceServer {
        /// The resource server id.
        pub id: String,
        /// The display name.
        pub name: String,
        /// The identifier, used as the `audience` of token requests.
        pub identifier: String,
        /// Whether the API is managed by Auth0 (the Management API itself).
        pub is_system: bool,
        /// The scopes the API defines.
        pub scopes: Vec<ResourceServerScope>,
        /// The token signing algorithm: `HS256`, `RS256` or `PS256`.
        pub signing_alg: String,
        /// The secret used to sign `HS256` tokens.
        pub signing_secret: Secret,
        /// Whether refresh tokens may be issued for this API.
        pub allow_offline_access: bool,
        /// Whether consent is skipped for verifiable first-party clients.
        pub skip_consent_for_verifiable_first_party_clients: bool,
        /// Token lifetime in seconds.
        pub token_lifetime: u64,
        /// Token lifetime in seconds for tokens issued from the browser.
        pub token_lifetime_for_web: u64,
        /// Whether RBAC authorization policies are enforced.
        pub enforce_policies: bool,
        /// The token dialect, e.g. `access_token` or `access_token_authz`.
        pub token_dialect: String,
        /// The client id of the API's own client.
        pub client_id: String,
        /// The consent policy.
        pub consent_policy: String,
        /// Rich authorization request details.
        pub authorization_details: Vec<Value>,
        /// Proof-of-possession settings.
        pub proof_of_possession: Value,
        /// Token encryption settings.
        pub token_encryption: Value,
        /// Which subject types may be authorized.
        pub subject_type_authorization: Value,
        /// `authorization_policy`, as Auth0's API description names it.
        pub authorization_policy: Value,
        /// `allow_online_access`, as Auth0's API description names it.
        pub allow_online_access: bool,
        /// `allow_online_access_with_ephemeral_sessions`, as Auth0's API description names it.
        pub allow_online_access_with_ephemeral_sessions: bool,
    }
}

str_accessors!(ResourceServer: id, name, identifier, client_id);

request_body! {
    /// The body of [`CreateResourceServer`].
    pub struct NewResourceServer {
        required {
            /// The identifier (audience).
            identifier: String,
        }
        optional {
            /// The display name.
            name: String,
            /// The scopes the API defines.
            scopes: Vec<ResourceServerScope>,
            /// The token signing algorithm.
            signing_alg: String,
            /// The secret used to sign `HS256` tokens.
            signing_secret: Secret,
            /// Whether refresh tokens may be issued for this API.
            allow_offline_access: bool,
            /// Token lifetime in seconds.
            token_lifetime: u64,
            /// Token lifetime in seconds for tokens issued from the browser.
            token_lifetime_for_web: u64,
            /// Whether consent is skipped for verifiable first-party clients.
            skip_consent_for_verifiable_first_party_clients: bool,
            /// Whether RBAC authorization policies are enforced.
            enforce_policies: bool,
            /// The token dialect.
            token_dialect: String,
        }
    }
}

request_body! {
    /// The body of [`UpdateResourceServer`].
    pub struct ResourceServerUpdate {
        required {}
        optional {
            /// The display name.
            name: String,
            /// The scopes the API defines (replaces the list).
            scopes: Vec<ResourceServerScope>,
            /// The token signing algorithm.
            signing_alg: String,
            /// The secret used to sign `HS256` tokens.
            signing_secret: Secret,
            /// Whether refresh tokens may be issued for this API.
            allow_offline_access: bool,
            /// Token lifetime in seconds.
            token_lifetime: u64,
            /// Token lifetime in seconds for tokens issued from the browser.
            token_lifetime_for_web: u64,
            /// Whether consent is skipped for verifiable first-party clients.
            skip_consent_for_verifiable_first_party_clients: bool,
            /// Whether RBAC authorization policies are enforced.
            enforce_policies: bool,
            /// The token dialect.
            token_dialect: String,
        }
    }
}

/// `GET /api/v2/resource-servers`: lists resource servers (offset pages).
#[derive(Debug, Clone, Default)]
pub struct ListResourceServers {
    identifiers: Vec<String>,
    page: Option<PageRequest>,
}

impl ListResourceServers {
    /// All resource servers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the resource servers with these identifiers.
    pub fn identifiers(mut self, identifiers: Vec<String>) -> Self {
        self.identifiers = identifiers;
        self
    }
}

impl Endpoint for ListResourceServers {
    page_response!();

    type Response = Page<ResourceServer>;

    fn method(&self) -> Method {
        Method::GET
    }
    fn path(&self) -> String {
        path::build(&["resource-servers"])
    }
    fn query(&self) -> QueryPairs {
        let mut q = QueryPairs::new();
        for identifier in &self.identifiers {
            q.push("identifiers", identifier);
        }
        if let Some(page) = &self.page {
            q.extend(page.query());
        }
        q
    }
    fn scopes(&self) -> &[&'static str] {
        &["read:resource_servers"]
    }
}

paginated!(
    ListResourceServers,
    ResourceServer,
    PaginationSupport::OFFSET,
    "resource_servers"
);

/// `POST /api/v2/resource-servers`: creates a resource server.
#[derive(Debug, Clone)]
pub struct CreateResourceServer {
    body: NewResourceServer,
}

impl CreateResourceServer {
    /// Creates the resource server described by `body`.
    pub fn new(body: NewResourceServer) -> Self {
        Self { body }
    }
}

impl Endpoint for CreateResourceServer {
    type Response = ResourceServer;

    fn method(&self) -> Method {
        Method::POST
    }
    fn path(&self) -> String {
        path::build(&["resource-servers"])
    }
    fn body(&self) -> Result<Option<Body>, Error> {
        Body::json(&self.body).map(Some)
    }
    fn scopes(&self) -> &[&'static str] {
        &["create:resource_servers"]
    }
}

id_endpoint!(
    /// `GET /api/v2/resource-servers/{id}`: one resource server (by id or identifier).
    GetResourceServer, GET, ResourceServer, [lit("resource-servers"), id],
    "read:resource_servers"
);
id_body_endpoint!(
    /// `PATCH /api/v2/resource-servers/{id}`: updates a resource server.
    UpdateResourceServer, PATCH, ResourceServerUpdate, ResourceServer,
    [lit("resource-servers"), id], "update:resource_servers"
);
id_endpoint!(
    /// `DELETE /api/v2/resource-servers/{id}`: deletes a resource server.
    DeleteResourceServer, DELETE, NoContent, [lit("resource-servers"), id],
    "delete:resource_servers"
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identifier_urls_are_encoded_in_paths() {
        assert_eq!(
            GetResourceServer::new("https://api.example.com/").path(),
            "/api/v2/resource-servers/https%3A%2F%2Fapi%2Eexample%2Ecom%2F"
        );
    }

    #[test]
    fn bodies_and_secret() {
        let body = NewResourceServer::new("https://api")
            .scopes(vec![ResourceServerScope::new("read:x", "Read x")])
            .signing_secret(Secret::new("very-secret-signing-key"));
        assert!(!format!("{body:?}").contains("very-secret-signing-key"));
        let value = serde_json::to_value(&body).unwrap();
        assert_eq!(
            value,
            json!({"identifier": "https://api", "scopes": [{"value": "read:x", "description": "Read x"}],
                   "signing_secret": "very-secret-signing-key"})
        );
        let ep = UpdateResourceServer::new("rs", ResourceServerUpdate::new().token_lifetime(60u64));
        assert_eq!(
            ep.body().unwrap(),
            Some(Body::Json(json!({"token_lifetime": 60})))
        );
        let ep = ListResourceServers::new().identifiers(vec!["a".into(), "b".into()]);
        assert_eq!(ep.query().to_query_string(), "identifiers=a&identifiers=b");
        assert_eq!(CreateResourceServer::new(body).method(), Method::POST);
        assert_eq!(
            DeleteResourceServer::new("x").scopes(),
            ["delete:resource_servers"]
        );
    }
}
