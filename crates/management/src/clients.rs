//! Clients (applications): `/api/v2/clients`.

use http::Method;
use serde_json::{Map, Value};

use crate::endpoint::{Body, Endpoint, NoContent, QueryPairs};
use crate::error::Error;
use crate::pagination::{Page, PageRequest, PaginationSupport};
use crate::path;
use crate::secret::Secret;

string_enum! {
    /// The type of application (`app_type`).
    AppType {
        /// `native`
        Native => "native",
        /// `spa`
        Spa => "spa",
        /// `regular_web`
        RegularWeb => "regular_web",
        /// `non_interactive` (machine to machine)
        NonInteractive => "non_interactive",
        /// `resource_server`
        ResourceServer => "resource_server",
        /// `express_configuration`
        ExpressConfiguration => "express_configuration",
        /// `rms`
        Rms => "rms",
        /// `box`
        Box => "box",
        /// `cloudbees`
        Cloudbees => "cloudbees",
        /// `concur`
        Concur => "concur",
        /// `dropbox`
        Dropbox => "dropbox",
        /// `mscrm`
        Mscrm => "mscrm",
        /// `echosign`
        Echosign => "echosign",
        /// `egnyte`
        Egnyte => "egnyte",
        /// `newrelic`
        Newrelic => "newrelic",
        /// `office365`
        Office365 => "office365",
        /// `salesforce`
        Salesforce => "salesforce",
        /// `sentry`
        Sentry => "sentry",
        /// `sharepoint`
        Sharepoint => "sharepoint",
        /// `slack`
        Slack => "slack",
        /// `springcm`
        Springcm => "springcm",
        /// `zendesk`
        Zendesk => "zendesk",
        /// `zoom`
        Zoom => "zoom",
        /// `sso_integration`
        SsoIntegration => "sso_integration",
        /// `oag`
        Oag => "oag",
    }
}

string_enum! {
    /// How the client authenticates at the token endpoint (`token_endpoint_auth_method`).
    TokenEndpointAuthMethod {
        /// `none` (public client)
        None => "none",
        /// `client_secret_post`
        ClientSecretPost => "client_secret_post",
        /// `client_secret_basic`
        ClientSecretBasic => "client_secret_basic",
    }
}

model! {
    /// A signing key of a client.
    pub struct SigningKey {
        /// The certificate (PEM).
        pub cert: Secret,
        /// The certificate in PKCS#7 form.
        pub pkcs7: Secret,
        /// The certificate subject.
        pub subject: String,
    }
}

model! {
    /// A client (application).
    pub struct Client {
        /// The client id.
        pub client_id: String,
        /// The tenant name.
        pub tenant: String,
        /// The application name.
        pub name: String,
        /// Free text description.
        pub description: String,
        /// Whether this is the tenant's global client.
        pub global: bool,
        /// The client secret.
        pub client_secret: Secret,
        /// The type of application.
        pub app_type: AppType,
        /// URL of the application logo.
        pub logo_uri: String,
        /// Whether the application is first party.
        pub is_first_party: bool,
        /// Whether the application follows the OIDC-conformant flows.
        pub oidc_conformant: bool,
        /// Allowed callback URLs.
        pub callbacks: Vec<String>,
        /// Allowed origins for cross-origin authentication.
        pub allowed_origins: Vec<String>,
        /// Allowed web origins.
        pub web_origins: Vec<String>,
        /// Client aliases (WS-Federation).
        pub client_aliases: Vec<String>,
        /// Clients allowed to make delegation requests.
        pub allowed_clients: Vec<String>,
        /// Allowed logout URLs.
        pub allowed_logout_urls: Vec<String>,
        /// Allowed grant types.
        pub grant_types: Vec<String>,
        /// The token endpoint authentication method.
        pub token_endpoint_auth_method: TokenEndpointAuthMethod,
        /// JWT configuration (`lifetime_in_seconds`, `alg`, `scopes`, `secret_encoded`).
        pub jwt_configuration: Value,
        /// Signing keys.
        pub signing_keys: Vec<SigningKey>,
        /// Encryption key (WS-Federation).
        pub encryption_key: Value,
        /// Whether Auth0 handles single sign-on (true) or the IdP does (false).
        pub sso: bool,
        /// Whether single sign-on is disabled.
        pub sso_disabled: bool,
        /// Whether cross-origin authentication is allowed.
        pub cross_origin_authentication: bool,
        /// URL of the cross-origin verification page.
        pub cross_origin_loc: String,
        /// Whether a custom login page is used.
        pub custom_login_page_on: bool,
        /// The custom login page HTML.
        pub custom_login_page: String,
        /// The custom login page preview HTML.
        pub custom_login_page_preview: String,
        /// The form template (WS-Federation).
        pub form_template: String,
        /// Whether the token endpoint trusts the IP header.
        pub is_token_endpoint_ip_header_trusted: bool,
        /// Refresh token configuration.
        pub refresh_token: Value,
        /// Organization usage: `deny`, `allow` or `require`.
        pub organization_usage: String,
        /// Behaviour when an organization is required.
        pub organization_require_behavior: String,
        /// Custom metadata.
        pub client_metadata: Map<String, Value>,
        /// Mobile application settings.
        pub mobile: Value,
        /// Initiate login URI.
        pub initiate_login_uri: String,
        /// Native social login settings.
        pub native_social_login: Value,
        /// Add-on settings.
        pub addons: Value,
        /// Client authentication methods (private key JWT, TLS client auth).
        pub client_authentication_methods: Value,
        /// The default organization.
        pub default_organization: Value,
        /// `async_approval_notification_channels`, as Auth0's API description names it.
        pub async_approval_notification_channels: Vec<String>,
        /// `compliance_level`, as Auth0's API description names it.
        pub compliance_level: String,
        /// `express_configuration`, as Auth0's API description names it.
        pub express_configuration: serde_json::Value,
        /// `external_client_id`, as Auth0's API description names it.
        pub external_client_id: String,
        /// `external_metadata_created_by`, as Auth0's API description names it.
        pub external_metadata_created_by: String,
        /// `external_metadata_type`, as Auth0's API description names it.
        pub external_metadata_type: String,
        /// `my_organization_configuration`, as Auth0's API description names it.
        pub my_organization_configuration: serde_json::Value,
        /// `oidc_logout`, as Auth0's API description names it.
        pub oidc_logout: serde_json::Value,
        /// `organization_discovery_methods`, as Auth0's API description names it.
        pub organization_discovery_methods: Vec<String>,
        /// `require_proof_of_possession`, as Auth0's API description names it.
        pub require_proof_of_possession: bool,
        /// `require_pushed_authorization_requests`, as Auth0's API description names it.
        pub require_pushed_authorization_requests: bool,
        /// `resource_server_identifier`, as Auth0's API description names it.
        pub resource_server_identifier: String,
        /// `session_transfer`, as Auth0's API description names it.
        pub session_transfer: serde_json::Value,
        /// `signed_request_object`, as Auth0's API description names it.
        pub signed_request_object: serde_json::Value,
        /// `skip_non_verifiable_callback_uri_confirmation_prompt`, as Auth0's API description names it.
        pub skip_non_verifiable_callback_uri_confirmation_prompt: bool,
        /// `token_exchange`, as Auth0's API description names it.
        pub token_exchange: serde_json::Value,
        /// `fedcm_login`, as Auth0's API description names it.
        pub fedcm_login: serde_json::Value,
        /// `jwks_uri`, as Auth0's API description names it.
        pub jwks_uri: String,
        /// `par_request_expiry`, as Auth0's API description names it.
        pub par_request_expiry: i64,
        /// `redirection_policy`, as Auth0's API description names it.
        pub redirection_policy: String,
        /// `third_party_security_mode`, as Auth0's API description names it.
        pub third_party_security_mode: String,
        /// `token_quota`, as Auth0's API description names it.
        pub token_quota: serde_json::Value,
        /// `token_vault_privileged_access`, as Auth0's API description names it.
        pub token_vault_privileged_access: serde_json::Value,
    }
}

str_accessors!(Client: client_id, name);

request_body! {
    /// The body of [`CreateClient`].
    pub struct NewClient {
        required {
            /// The application name.
            name: String,
        }
        optional {
            /// Free text description.
            description: String,
            /// The type of application.
            app_type: AppType,
            /// URL of the application logo.
            logo_uri: String,
            /// Whether the application is first party.
            is_first_party: bool,
            /// Whether the application follows the OIDC-conformant flows.
            oidc_conformant: bool,
            /// Allowed callback URLs.
            callbacks: Vec<String>,
            /// Allowed origins.
            allowed_origins: Vec<String>,
            /// Allowed web origins.
            web_origins: Vec<String>,
            /// Allowed logout URLs.
            allowed_logout_urls: Vec<String>,
            /// Allowed grant types.
            grant_types: Vec<String>,
            /// The token endpoint authentication method.
            token_endpoint_auth_method: TokenEndpointAuthMethod,
            /// JWT configuration.
            jwt_configuration: Value,
            /// Whether single sign-on is disabled.
            sso_disabled: bool,
            /// Whether cross-origin authentication is allowed.
            cross_origin_authentication: bool,
            /// Refresh token configuration.
            refresh_token: Value,
            /// Organization usage: `deny`, `allow` or `require`.
            organization_usage: String,
            /// Behaviour when an organization is required.
            organization_require_behavior: String,
            /// Custom metadata.
            client_metadata: Map<String, Value>,
            /// Initiate login URI.
            initiate_login_uri: String,
            /// Client authentication methods.
            client_authentication_methods: Value,
        }
    }
}

request_body! {
    /// The body of [`UpdateClient`].
    pub struct ClientUpdate {
        required {}
        optional {
            /// The application name.
            name: String,
            /// Free text description.
            description: String,
            /// A new client secret.
            client_secret: Secret,
            /// The type of application.
            app_type: AppType,
            /// URL of the application logo.
            logo_uri: String,
            /// Whether the application is first party.
            is_first_party: bool,
            /// Whether the application follows the OIDC-conformant flows.
            oidc_conformant: bool,
            /// Allowed callback URLs.
            callbacks: Vec<String>,
            /// Allowed origins.
            allowed_origins: Vec<String>,
            /// Allowed web origins.
            web_origins: Vec<String>,
            /// Allowed logout URLs.
            allowed_logout_urls: Vec<String>,
            /// Allowed grant types.
            grant_types: Vec<String>,
            /// The token endpoint authentication method.
            token_endpoint_auth_method: TokenEndpointAuthMethod,
            /// JWT configuration.
            jwt_configuration: Value,
            /// Whether single sign-on is disabled.
            sso_disabled: bool,
            /// Whether cross-origin authentication is allowed.
            cross_origin_authentication: bool,
            /// Refresh token configuration.
            refresh_token: Value,
            /// Organization usage: `deny`, `allow` or `require`.
            organization_usage: String,
            /// Behaviour when an organization is required.
            organization_require_behavior: String,
            /// Custom metadata.
            client_metadata: Map<String, Value>,
            /// Initiate login URI.
            initiate_login_uri: String,
            /// Client authentication methods.
            client_authentication_methods: Value,
        }
    }
}

/// Adds `fields` / `include_fields` to a query.
pub(crate) fn push_fields(q: &mut QueryPairs, fields: &Option<(String, bool)>) {
    if let Some((fields, include)) = fields {
        q.push("fields", fields).push("include_fields", include);
    }
}

/// `GET /api/v2/clients`: lists clients (offset or checkpoint pages).
#[derive(Debug, Clone, Default)]
pub struct ListClients {
    fields: Option<(String, bool)>,
    is_global: Option<bool>,
    is_first_party: Option<bool>,
    app_type: Option<String>,
    q: Option<String>,
    page: Option<PageRequest>,
}

impl ListClients {
    /// All clients.
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns only `fields` (comma separated) when `include` is true, or all but them.
    pub fn fields(mut self, fields: impl Into<String>, include: bool) -> Self {
        self.fields = Some((fields.into(), include));
        self
    }

    /// Only global (or only non-global) clients.
    pub fn is_global(mut self, value: bool) -> Self {
        self.is_global = Some(value);
        self
    }

    /// Only first-party (or only third-party) clients.
    pub fn is_first_party(mut self, value: bool) -> Self {
        self.is_first_party = Some(value);
        self
    }

    /// Only clients of these types (comma separated).
    pub fn app_type(mut self, value: impl Into<String>) -> Self {
        self.app_type = Some(value.into());
        self
    }

    /// A query filter such as `client_grant.organization_id:org_123`.
    pub fn q(mut self, value: impl Into<String>) -> Self {
        self.q = Some(value.into());
        self
    }
}

impl Endpoint for ListClients {
    page_response!();

    type Response = Page<Client>;

    fn method(&self) -> Method {
        Method::GET
    }
    fn path(&self) -> String {
        path::build(&["clients"])
    }
    fn query(&self) -> QueryPairs {
        let mut q = QueryPairs::new();
        push_fields(&mut q, &self.fields);
        q.push_opt("is_global", self.is_global)
            .push_opt("is_first_party", self.is_first_party)
            .push_opt("app_type", self.app_type.as_deref())
            .push_opt("q", self.q.as_deref());
        if let Some(page) = &self.page {
            q.extend(page.query());
        }
        q
    }
    fn scopes(&self) -> &[&'static str] {
        &[
            "read:clients",
            "read:client_keys",
            "read:client_credentials",
            "read:client_summary",
        ]
    }
}

paginated!(ListClients, Client, PaginationSupport::BOTH, "clients");

/// `GET /api/v2/clients/{id}`: one client.
#[derive(Debug, Clone)]
pub struct GetClient {
    id: String,
    fields: Option<(String, bool)>,
}

impl GetClient {
    /// The client with this client id.
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

impl Endpoint for GetClient {
    type Response = Client;

    fn method(&self) -> Method {
        Method::GET
    }
    fn path(&self) -> String {
        path::build(&["clients", &self.id])
    }
    fn query(&self) -> QueryPairs {
        let mut q = QueryPairs::new();
        push_fields(&mut q, &self.fields);
        q
    }
    fn scopes(&self) -> &[&'static str] {
        &[
            "read:clients",
            "read:client_keys",
            "read:client_credentials",
            "read:client_summary",
        ]
    }
}

/// `POST /api/v2/clients`: creates a client.
#[derive(Debug, Clone)]
pub struct CreateClient {
    body: NewClient,
}

impl CreateClient {
    /// Creates the client described by `body`.
    pub fn new(body: NewClient) -> Self {
        Self { body }
    }
}

impl Endpoint for CreateClient {
    type Response = Client;

    fn method(&self) -> Method {
        Method::POST
    }
    fn path(&self) -> String {
        path::build(&["clients"])
    }
    fn body(&self) -> Result<Option<Body>, Error> {
        Body::json(&self.body).map(Some)
    }
    fn scopes(&self) -> &[&'static str] {
        &["create:clients"]
    }
}

/// `PATCH /api/v2/clients/{id}`: updates a client.
#[derive(Debug, Clone)]
pub struct UpdateClient {
    id: String,
    body: ClientUpdate,
}

impl UpdateClient {
    /// Applies `body` to the client `id`.
    pub fn new(id: impl Into<String>, body: ClientUpdate) -> Self {
        Self {
            id: id.into(),
            body,
        }
    }
}

impl Endpoint for UpdateClient {
    type Response = Client;

    fn method(&self) -> Method {
        Method::PATCH
    }
    fn path(&self) -> String {
        path::build(&["clients", &self.id])
    }
    fn body(&self) -> Result<Option<Body>, Error> {
        Body::json(&self.body).map(Some)
    }
    fn scopes(&self) -> &[&'static str] {
        &[
            "update:clients",
            "update:client_keys",
            "update:client_credentials",
            "update:client_token_vault_privileged_access",
        ]
    }
}

/// `DELETE /api/v2/clients/{id}`: deletes a client.
#[derive(Debug, Clone)]
pub struct DeleteClient {
    id: String,
}

impl DeleteClient {
    /// Deletes the client `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

impl Endpoint for DeleteClient {
    type Response = NoContent;

    fn method(&self) -> Method {
        Method::DELETE
    }
    fn path(&self) -> String {
        path::build(&["clients", &self.id])
    }
    fn scopes(&self) -> &[&'static str] {
        &["delete:clients"]
    }
}

/// `POST /api/v2/clients/{id}/rotate-secret`: replaces the client secret; the answer holds the
/// new one.
#[derive(Debug, Clone)]
pub struct RotateClientSecret {
    id: String,
}

impl RotateClientSecret {
    /// Rotates the secret of client `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

impl Endpoint for RotateClientSecret {
    type Response = Client;

    fn method(&self) -> Method {
        Method::POST
    }
    fn path(&self) -> String {
        path::build(&["clients", &self.id, "rotate-secret"])
    }
    fn scopes(&self) -> &[&'static str] {
        &["update:client_keys"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paginated;
    use serde_json::json;

    #[test]
    fn create_body_sends_only_set_fields() {
        let ep = CreateClient::new(
            NewClient::new("api")
                .app_type(AppType::NonInteractive)
                .grant_types(vec!["client_credentials".to_owned()]),
        );
        let Some(Body::Json(body)) = ep.body().unwrap() else {
            panic!("expected a JSON body");
        };
        assert_eq!(
            body,
            json!({"name": "api", "app_type": "non_interactive", "grant_types": ["client_credentials"]})
        );
        assert_eq!(ep.method(), Method::POST);
    }

    #[test]
    fn update_body_is_empty_by_default_and_keeps_extra_fields() {
        let body = serde_json::to_value(ClientUpdate::new()).unwrap();
        assert_eq!(body, json!({}));
        let body = serde_json::to_value(
            ClientUpdate::new()
                .description("d")
                .with_field("cross_origin_auth", json!(true)),
        )
        .unwrap();
        assert_eq!(body, json!({"description": "d", "cross_origin_auth": true}));
    }

    #[test]
    fn client_model_accepts_nulls_unknown_fields_and_values() {
        let client: Client = serde_json::from_value(json!({
            "client_id": "abc", "callbacks": null, "app_type": "brand_new_type",
            "config_route": null, "callback_url_template": false,
            "client_secret": "shh-very-secret", "signing_keys": [{"cert": "CERTDATA", "kid": "k"}]
        }))
        .unwrap();
        assert_eq!(client.callbacks, None);
        assert_eq!(
            client.app_type,
            Some(AppType::Unknown("brand_new_type".into()))
        );
        assert_eq!(client.extra["callback_url_template"], false);
        let printed = format!("{client:?}");
        assert!(!printed.contains("shh-very-secret"));
        assert!(!printed.contains("CERTDATA"));
        let back = serde_json::to_value(&client).unwrap();
        assert_eq!(back["app_type"], "brand_new_type");
        assert_eq!(back["client_secret"], "shh-very-secret");
        assert_eq!(back["signing_keys"][0]["kid"], "k");
        assert_eq!(back["callback_url_template"], false);
    }

    #[test]
    fn list_query_and_pagination() {
        let ep = ListClients::new()
            .fields("client_id,name", true)
            .with_page(PageRequest::checkpoint(10).unwrap())
            .unwrap();
        assert_eq!(
            ep.query().to_query_string(),
            "fields=client_id%2Cname&include_fields=true&take=10"
        );
        let page: Page<Client> =
            serde_json::from_value(json!({"clients": [{"client_id": "a"}], "next": "n1"})).unwrap();
        assert_eq!(
            ep.next_page_request(&page),
            Some(PageRequest::checkpoint_from("n1", 10).unwrap())
        );
    }

    #[test]
    fn paths_are_encoded() {
        assert_eq!(GetClient::new("a/b").path(), "/api/v2/clients/a%2Fb");
        assert_eq!(
            RotateClientSecret::new("x y").path(),
            "/api/v2/clients/x%20y/rotate-secret"
        );
        assert_eq!(DeleteClient::new("c").method(), Method::DELETE);
        assert_eq!(
            UpdateClient::new("c", ClientUpdate::new()).method(),
            Method::PATCH
        );
    }
}
