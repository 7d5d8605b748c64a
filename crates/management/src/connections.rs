//! Connections (identity sources): `/api/v2/connections`.

use http::Method;
use serde_json::{Map, Value};

use crate::clients::push_fields;
use crate::endpoint::{Endpoint, QueryPairs};
use crate::pagination::{Page, PageRequest, PaginationSupport};
use crate::path;

model! {
    /// A connection.
    pub struct Connection {
        /// The connection id (`con_…`).
        pub id: String,
        /// The connection name.
        pub name: String,
        /// The name shown on the login page.
        pub display_name: String,
        /// The identity provider, e.g. `auth0`, `google-oauth2`, `samlp`.
        pub strategy: String,
        /// Strategy-specific options. Social and enterprise connections keep their
        /// `client_secret` here: `Debug` redacts secret-bearing keys.
        pub options: crate::secret::SecretMap,
        /// The realms the connection serves.
        pub realms: Vec<String>,
        /// The clients the connection is enabled for (deprecated by Auth0 in favour of
        /// `/connections/{id}/clients`).
        pub enabled_clients: Vec<String>,
        /// Whether it is a domain-level connection.
        pub is_domain_connection: bool,
        /// Whether it is shown as a button on the login page.
        pub show_as_button: bool,
        /// Metadata.
        pub metadata: Map<String, Value>,
        /// The provisioning ticket URL (AD/LDAP connections).
        pub provisioning_ticket_url: String,
        /// Authentication purpose settings.
        pub authentication: Value,
        /// Connected accounts settings.
        pub connected_accounts: Value,
        /// `cross_app_access_requesting_app`, as Auth0's API description names it.
        pub cross_app_access_requesting_app: serde_json::Value,
    }
}

str_accessors!(Connection: id, name, display_name);

/// `GET /api/v2/connections`: lists connections (offset or checkpoint pages).
#[derive(Debug, Clone, Default)]
pub struct ListConnections {
    strategy: Vec<String>,
    name: Option<String>,
    fields: Option<(String, bool)>,
    page: Option<PageRequest>,
}

impl ListConnections {
    /// All connections.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only connections of this strategy (may be called several times).
    pub fn strategy(mut self, strategy: impl Into<String>) -> Self {
        self.strategy.push(strategy.into());
        self
    }

    /// Only the connection with this name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Returns only `fields` (comma separated) when `include` is true, or all but them.
    pub fn fields(mut self, fields: impl Into<String>, include: bool) -> Self {
        self.fields = Some((fields.into(), include));
        self
    }
}

impl Endpoint for ListConnections {
    page_response!();

    type Response = Page<Connection>;

    fn method(&self) -> Method {
        Method::GET
    }
    fn path(&self) -> String {
        path::build(&["connections"])
    }
    fn query(&self) -> QueryPairs {
        let mut q = QueryPairs::new();
        for strategy in &self.strategy {
            q.push("strategy", strategy);
        }
        q.push_opt("name", self.name.as_deref());
        push_fields(&mut q, &self.fields);
        if let Some(page) = &self.page {
            q.extend(page.query());
        }
        q
    }
    fn scopes(&self) -> &[&'static str] {
        &["read:connections"]
    }
}

paginated!(
    ListConnections,
    Connection,
    PaginationSupport::BOTH,
    "connections"
);

/// `GET /api/v2/connections/{id}`: one connection.
#[derive(Debug, Clone)]
pub struct GetConnection {
    id: String,
    fields: Option<(String, bool)>,
}

impl GetConnection {
    /// The connection with this id.
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

impl Endpoint for GetConnection {
    type Response = Connection;

    fn method(&self) -> Method {
        Method::GET
    }
    fn path(&self) -> String {
        path::build(&["connections", &self.id])
    }
    fn query(&self) -> QueryPairs {
        let mut q = QueryPairs::new();
        push_fields(&mut q, &self.fields);
        q
    }
    fn scopes(&self) -> &[&'static str] {
        &["read:connections"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_query() {
        let ep = ListConnections::new()
            .strategy("auth0")
            .strategy("samlp")
            .name("db");
        assert_eq!(
            ep.query().to_query_string(),
            "strategy=auth0&strategy=samlp&name=db"
        );
        let ep = GetConnection::new("con_1").fields("id,name", false);
        assert_eq!(ep.path(), "/api/v2/connections/con_1");
        assert_eq!(
            ep.query().to_query_string(),
            "fields=id%2Cname&include_fields=false"
        );
    }

    #[test]
    fn connection_keeps_options() {
        let ep = GetConnection::new("c");
        let conn = ep
            .parse_response(br#"{"id":"con_1","strategy":"auth0","options":{"mfa":{"active":true}},"enabled_clients":null}"#)
            .unwrap();
        assert_eq!(conn.options.unwrap()["mfa"]["active"], true);
        assert_eq!(conn.enabled_clients, None);
    }
}
