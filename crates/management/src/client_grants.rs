//! Client grants (which client may get tokens for which API and scopes): `/api/v2/client-grants`.

use http::Method;

use crate::endpoint::{Body, Endpoint, NoContent, QueryPairs};
use crate::error::Error;
use crate::pagination::{Page, PageRequest, PaginationSupport};
use crate::path::{self, id, lit};

model! {
    /// A client grant.
    pub struct ClientGrant {
        /// The grant id (`cgr_…`).
        pub id: String,
        /// The client the grant is for.
        pub client_id: String,
        /// The audience (API identifier).
        pub audience: String,
        /// The granted scopes.
        pub scope: Vec<String>,
        /// Organization usage: `deny`, `allow` or `require`.
        pub organization_usage: String,
        /// Whether any organization may be used with this grant.
        pub allow_any_organization: bool,
        /// Whether the grant is managed by Auth0.
        pub is_system: bool,
        /// The subject type: `client` or `user`.
        pub subject_type: String,
        /// Rich authorization request types allowed.
        pub authorization_details_types: Vec<String>,
        /// `allow_all_scopes`, as Auth0's API description names it.
        pub allow_all_scopes: bool,
        /// `default_for`, as Auth0's API description names it.
        pub default_for: String,
    }
}

str_accessors!(ClientGrant: id, client_id);

request_body! {
    /// The body of [`CreateClientGrant`].
    pub struct NewClientGrant {
        required {
            /// The client the grant is for.
            client_id: String,
            /// The audience (API identifier).
            audience: String,
            /// The granted scopes.
            scope: Vec<String>,
        }
        optional {
            /// Organization usage: `deny`, `allow` or `require`.
            organization_usage: String,
            /// Whether any organization may be used with this grant.
            allow_any_organization: bool,
            /// The subject type: `client` or `user`.
            subject_type: String,
            /// Rich authorization request types allowed.
            authorization_details_types: Vec<String>,
        }
    }
}

request_body! {
    /// The body of [`UpdateClientGrant`].
    pub struct ClientGrantUpdate {
        required {}
        optional {
            /// The granted scopes.
            scope: Vec<String>,
            /// Organization usage: `deny`, `allow` or `require`.
            organization_usage: String,
            /// Whether any organization may be used with this grant.
            allow_any_organization: bool,
            /// Rich authorization request types allowed.
            authorization_details_types: Vec<String>,
        }
    }
}

/// `GET /api/v2/client-grants`: lists client grants (offset or checkpoint pages).
#[derive(Debug, Clone, Default)]
pub struct ListClientGrants {
    audience: Option<String>,
    client_id: Option<String>,
    page: Option<PageRequest>,
}

impl ListClientGrants {
    /// All client grants.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only grants for this audience.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Only grants of this client.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }
}

impl Endpoint for ListClientGrants {
    page_response!();

    type Response = Page<ClientGrant>;

    fn method(&self) -> Method {
        Method::GET
    }
    fn path(&self) -> String {
        path::build(&["client-grants"])
    }
    fn query(&self) -> QueryPairs {
        let mut q = QueryPairs::new();
        q.push_opt("audience", self.audience.as_deref())
            .push_opt("client_id", self.client_id.as_deref());
        if let Some(page) = &self.page {
            q.extend(page.query());
        }
        q
    }
    fn scopes(&self) -> &[&'static str] {
        &["read:client_grants"]
    }
}

paginated!(
    ListClientGrants,
    ClientGrant,
    PaginationSupport::BOTH,
    "client_grants"
);

/// `POST /api/v2/client-grants`: creates a client grant.
#[derive(Debug, Clone)]
pub struct CreateClientGrant {
    body: NewClientGrant,
}

impl CreateClientGrant {
    /// Creates the grant described by `body`.
    pub fn new(body: NewClientGrant) -> Self {
        Self { body }
    }
}

impl Endpoint for CreateClientGrant {
    type Response = ClientGrant;

    fn method(&self) -> Method {
        Method::POST
    }
    fn path(&self) -> String {
        path::build(&["client-grants"])
    }
    fn body(&self) -> Result<Option<Body>, Error> {
        Body::json(&self.body).map(Some)
    }
    fn scopes(&self) -> &[&'static str] {
        &["create:client_grants"]
    }
}

id_body_endpoint!(
    /// `PATCH /api/v2/client-grants/{id}`: updates a client grant.
    UpdateClientGrant, PATCH, ClientGrantUpdate, ClientGrant,
    [lit("client-grants"), id], "update:client_grants"
);
id_endpoint!(
    /// `DELETE /api/v2/client-grants/{id}`: deletes a client grant.
    DeleteClientGrant, DELETE, NoContent, [lit("client-grants"), id], "delete:client_grants"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paginated;
    use serde_json::json;

    #[test]
    fn create_body_has_required_fields() {
        let ep = CreateClientGrant::new(NewClientGrant::new(
            "cid",
            "https://tenant/api/v2/",
            vec!["read:users".to_owned()],
        ));
        assert_eq!(
            ep.body().unwrap(),
            Some(Body::Json(json!({
                "client_id": "cid", "audience": "https://tenant/api/v2/", "scope": ["read:users"]
            })))
        );
    }

    #[test]
    fn list_filters_and_scope_null() {
        let ep = ListClientGrants::new()
            .client_id("cid")
            .with_page(PageRequest::offset(100).unwrap())
            .unwrap();
        assert_eq!(
            ep.query().to_query_string(),
            "client_id=cid&page=0&per_page=100&include_totals=true"
        );
        let grant: ClientGrant =
            serde_json::from_value(json!({"id": "cgr_1", "scope": null})).unwrap();
        assert_eq!(grant.scope, None);
        assert_eq!(
            UpdateClientGrant::new("cgr 1", ClientGrantUpdate::new()).path(),
            "/api/v2/client-grants/cgr%201"
        );
        assert_eq!(DeleteClientGrant::new("c").method(), Method::DELETE);
    }
}
