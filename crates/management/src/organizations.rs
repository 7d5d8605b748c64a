//! Organizations and their members: `/api/v2/organizations`.

use http::Method;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::endpoint::{Body, Endpoint, NoContent, QueryPairs};
use crate::error::Error;
use crate::pagination::{Page, PageRequest, PaginationSupport};
use crate::path::{self, id, lit};

model! {
    /// An organization.
    pub struct Organization {
        /// The organization id (`org_…`).
        pub id: String,
        /// The name (lowercase, used in URLs).
        pub name: String,
        /// The display name.
        pub display_name: String,
        /// Branding (`logo_url`, `colors`).
        pub branding: Value,
        /// Metadata.
        pub metadata: Map<String, Value>,
        /// Token quota settings.
        pub token_quota: Value,
        /// `enabled_connections`, as Auth0's API description names it.
        pub enabled_connections: Vec<serde_json::Value>,
    }
}

str_accessors!(Organization: id, name, display_name);

model! {
    /// A member of an organization.
    pub struct Member {
        /// The user id.
        pub user_id: String,
        /// The picture URL.
        pub picture: String,
        /// The display name.
        pub name: String,
        /// The email address.
        pub email: String,
        /// The member's roles in the organization (when requested with `fields`).
        pub roles: Vec<Value>,
    }
}

str_accessors!(Member: user_id, name, email);

request_body! {
    /// The body of [`CreateOrganization`].
    pub struct NewOrganization {
        required {
            /// The name (lowercase, used in URLs).
            name: String,
        }
        optional {
            /// The display name.
            display_name: String,
            /// Branding (`logo_url`, `colors`).
            branding: Value,
            /// Metadata.
            metadata: Map<String, Value>,
            /// Connections enabled at creation.
            enabled_connections: Vec<Value>,
        }
    }
}

request_body! {
    /// The body of [`UpdateOrganization`].
    pub struct OrganizationUpdate {
        required {}
        optional {
            /// The name (lowercase, used in URLs).
            name: String,
            /// The display name.
            display_name: String,
            /// Branding (`logo_url`, `colors`).
            branding: Value,
            /// Metadata.
            metadata: Map<String, Value>,
        }
    }
}

/// `{"members": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MembersBody {
    members: Vec<String>,
}

impl MembersBody {
    /// A list of user ids.
    pub fn new(members: Vec<String>) -> Self {
        Self { members }
    }
}

/// `GET /api/v2/organizations`: lists organizations (offset or checkpoint pages).
#[derive(Debug, Clone, Default)]
pub struct ListOrganizations {
    sort: Option<String>,
    page: Option<PageRequest>,
}

impl ListOrganizations {
    /// All organizations.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sort by a field: `field:1` ascending, `field:-1` descending.
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        self.sort = Some(sort.into());
        self
    }
}

impl Endpoint for ListOrganizations {
    page_response!();

    type Response = Page<Organization>;

    fn method(&self) -> Method {
        Method::GET
    }
    fn path(&self) -> String {
        path::build(&["organizations"])
    }
    fn query(&self) -> QueryPairs {
        let mut q = QueryPairs::new();
        q.push_opt("sort", self.sort.as_deref());
        if let Some(page) = &self.page {
            q.extend(page.query());
        }
        q
    }
    fn scopes(&self) -> &[&'static str] {
        &["read:organizations", "read:organizations_summary"]
    }
}

paginated!(
    ListOrganizations,
    Organization,
    PaginationSupport::BOTH,
    "organizations"
);

/// `POST /api/v2/organizations`: creates an organization.
#[derive(Debug, Clone)]
pub struct CreateOrganization {
    body: NewOrganization,
}

impl CreateOrganization {
    /// Creates the organization described by `body`.
    pub fn new(body: NewOrganization) -> Self {
        Self { body }
    }
}

impl Endpoint for CreateOrganization {
    type Response = Organization;

    fn method(&self) -> Method {
        Method::POST
    }
    fn path(&self) -> String {
        path::build(&["organizations"])
    }
    fn body(&self) -> Result<Option<Body>, Error> {
        Body::json(&self.body).map(Some)
    }
    fn scopes(&self) -> &[&'static str] {
        &["create:organizations", "create:organization_connections"]
    }
}

id_endpoint!(
    /// `GET /api/v2/organizations/{id}`: one organization.
    GetOrganization, GET, Organization, [lit("organizations"), id],
    ["read:organizations", "read:organizations_summary"]
);
id_endpoint!(
    /// `GET /api/v2/organizations/name/{name}`: one organization, by name.
    GetOrganizationByName, GET, Organization, [lit("organizations"), lit("name"), id],
    "read:organizations"
);
id_body_endpoint!(
    /// `PATCH /api/v2/organizations/{id}`: updates an organization.
    UpdateOrganization, PATCH, OrganizationUpdate, Organization,
    [lit("organizations"), id], "update:organizations"
);
id_endpoint!(
    /// `DELETE /api/v2/organizations/{id}`: deletes an organization.
    DeleteOrganization, DELETE, NoContent, [lit("organizations"), id], "delete:organizations"
);
id_list_endpoint!(
    /// `GET /api/v2/organizations/{id}/members`: the members of an organization (offset or
    /// checkpoint pages).
    ListMembers, Member, [lit("organizations"), id, lit("members")],
    "read:organization_members", PaginationSupport::BOTH, "members"
);
id_body_endpoint!(
    /// `POST /api/v2/organizations/{id}/members`: adds members to an organization.
    AddMembers, POST, MembersBody, NoContent, [lit("organizations"), id, lit("members")],
    "create:organization_members"
);
id_body_endpoint!(
    /// `DELETE /api/v2/organizations/{id}/members`: removes members from an organization.
    RemoveMembers, DELETE, MembersBody, NoContent, [lit("organizations"), id, lit("members")],
    "delete:organization_members"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paginated;
    use serde_json::json;

    #[test]
    fn endpoints() {
        assert_eq!(
            GetOrganizationByName::new("acme inc").path(),
            "/api/v2/organizations/name/acme%20inc"
        );
        let ep = AddMembers::new("org_1", MembersBody::new(vec!["auth0|1".into()]));
        assert_eq!(ep.path(), "/api/v2/organizations/org_1/members");
        assert_eq!(
            ep.body().unwrap(),
            Some(Body::Json(json!({"members": ["auth0|1"]})))
        );
        assert_eq!(
            RemoveMembers::new("o", MembersBody::new(vec![])).method(),
            Method::DELETE
        );
        let ep = CreateOrganization::new(NewOrganization::new("acme").display_name("Acme"));
        assert_eq!(
            ep.body().unwrap(),
            Some(Body::Json(json!({"name": "acme", "display_name": "Acme"})))
        );
        let ep = UpdateOrganization::new("o", OrganizationUpdate::new());
        assert_eq!(ep.body().unwrap(), Some(Body::Json(json!({}))));
        assert_eq!(
            GetOrganization::new("o").scopes(),
            ["read:organizations", "read:organizations_summary"]
        );
        assert_eq!(DeleteOrganization::new("o").method(), Method::DELETE);
    }

    #[test]
    fn members_checkpoint_pages() {
        let ep = ListMembers::new("org_1")
            .with_page(PageRequest::checkpoint(50).unwrap())
            .unwrap();
        let page: Page<Member> = ep
            .parse_response(br#"{"members":[{"user_id":"auth0|1","new":1}],"next":"MjAy"}"#)
            .unwrap();
        assert_eq!(page.items()[0].extra["new"], 1);
        assert_eq!(
            ep.next_page_request(&page),
            Some(PageRequest::checkpoint_from("MjAy", 50).unwrap())
        );
        let orgs = ListOrganizations::new().sort("name:1");
        assert_eq!(orgs.query().to_query_string(), "sort=name%3A1");
    }
}
