//! Tenant settings: `/api/v2/tenants/settings`.

use http::Method;
use serde_json::{Map, Value};

use crate::clients::push_fields;
use crate::endpoint::{Body, Endpoint, QueryPairs};
use crate::error::Error;
use crate::path;

model! {
    /// The tenant settings.
    pub struct TenantSettings {
        /// The tenant's display name.
        pub friendly_name: String,
        /// The tenant logo URL.
        pub picture_url: String,
        /// The support email address.
        pub support_email: String,
        /// The support URL.
        pub support_url: String,
        /// Allowed logout URLs at tenant level.
        pub allowed_logout_urls: Vec<String>,
        /// Login session lifetime, in hours.
        pub session_lifetime: f64,
        /// Idle login session lifetime, in hours.
        pub idle_session_lifetime: f64,
        /// Ephemeral session lifetime, in hours.
        pub ephemeral_session_lifetime: f64,
        /// Idle ephemeral session lifetime, in hours.
        pub idle_ephemeral_session_lifetime: f64,
        /// The extensibility sandbox (Node.js) version.
        pub sandbox_version: String,
        /// The available sandbox versions.
        pub sandbox_versions_available: Vec<String>,
        /// The default audience of token requests without one.
        pub default_audience: String,
        /// The default connection for password grants.
        pub default_directory: String,
        /// The default redirection URI.
        pub default_redirection_uri: String,
        /// The enabled locales; the first one is the default.
        pub enabled_locales: Vec<String>,
        /// Feature flags.
        pub flags: Map<String, Value>,
        /// Change password page settings.
        pub change_password: Value,
        /// Guardian MFA page settings.
        pub guardian_mfa_page: Value,
        /// Error page settings.
        pub error_page: Value,
        /// Session cookie settings.
        pub session_cookie: Value,
        /// Session settings.
        pub sessions: Value,
        /// Universal Login settings.
        pub universal_login: Value,
        /// `acr_values_supported`, as Auth0's API description names it.
        pub acr_values_supported: Vec<String>,
        /// `client_id_metadata_document_supported`, as Auth0's API description names it.
        pub client_id_metadata_document_supported: bool,
        /// `country_codes`, as Auth0's API description names it.
        pub country_codes: serde_json::Value,
        /// `customize_mfa_in_postlogin_action`, as Auth0's API description names it.
        pub customize_mfa_in_postlogin_action: bool,
        /// `default_token_quota`, as Auth0's API description names it.
        pub default_token_quota: serde_json::Value,
        /// `mtls`, as Auth0's API description names it.
        pub mtls: serde_json::Value,
        /// `oidc_logout`, as Auth0's API description names it.
        pub oidc_logout: serde_json::Value,
        /// `phone_consolidated_experience`, as Auth0's API description names it.
        pub phone_consolidated_experience: bool,
        /// `pushed_authorization_requests_supported`, as Auth0's API description names it.
        pub pushed_authorization_requests_supported: bool,
        /// `resource_parameter_profile`, as Auth0's API description names it.
        pub resource_parameter_profile: String,
        /// `allow_organization_name_in_authentication_api`, as Auth0's API description names it.
        pub allow_organization_name_in_authentication_api: bool,
        /// `authorization_response_iss_parameter_supported`, as Auth0's API description names it.
        pub authorization_response_iss_parameter_supported: bool,
        /// `device_flow`, as Auth0's API description names it.
        pub device_flow: serde_json::Value,
        /// `dynamic_client_registration_security_mode`, as Auth0's API description names it.
        pub dynamic_client_registration_security_mode: String,
        /// `enable_ai_guide`, as Auth0's API description names it.
        pub enable_ai_guide: bool,
        /// `include_session_metadata_in_tenant_logs`, as Auth0's API description names it.
        pub include_session_metadata_in_tenant_logs: bool,
        /// `legacy_sandbox_version`, as Auth0's API description names it.
        pub legacy_sandbox_version: String,
        /// `security_headers`, as Auth0's API description names it.
        pub security_headers: serde_json::Value,
        /// `skip_non_verifiable_callback_uri_confirmation_prompt`, as Auth0's API description names it.
        pub skip_non_verifiable_callback_uri_confirmation_prompt: bool,
    }
}

str_accessors!(TenantSettings: friendly_name);

request_body! {
    /// The body of [`UpdateTenantSettings`].
    pub struct TenantSettingsUpdate {
        required {}
        optional {
            /// The tenant's display name.
            friendly_name: String,
            /// The tenant logo URL.
            picture_url: String,
            /// The support email address.
            support_email: String,
            /// The support URL.
            support_url: String,
            /// Allowed logout URLs at tenant level.
            allowed_logout_urls: Vec<String>,
            /// Login session lifetime, in hours.
            session_lifetime: f64,
            /// Idle login session lifetime, in hours.
            idle_session_lifetime: f64,
            /// The default audience of token requests without one.
            default_audience: String,
            /// The default connection for password grants.
            default_directory: String,
            /// The default redirection URI.
            default_redirection_uri: String,
            /// The enabled locales; the first one is the default.
            enabled_locales: Vec<String>,
            /// Feature flags to change.
            flags: Map<String, Value>,
        }
    }
}

/// `GET /api/v2/tenants/settings`: the tenant settings.
#[derive(Debug, Clone, Default)]
pub struct GetTenantSettings {
    fields: Option<(String, bool)>,
}

impl GetTenantSettings {
    /// All settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns only `fields` (comma separated) when `include` is true, or all but them.
    pub fn fields(mut self, fields: impl Into<String>, include: bool) -> Self {
        self.fields = Some((fields.into(), include));
        self
    }
}

impl Endpoint for GetTenantSettings {
    type Response = TenantSettings;

    fn method(&self) -> Method {
        Method::GET
    }
    fn path(&self) -> String {
        path::build(&["tenants", "settings"])
    }
    fn query(&self) -> QueryPairs {
        let mut q = QueryPairs::new();
        push_fields(&mut q, &self.fields);
        q
    }
    fn scopes(&self) -> &[&'static str] {
        &["read:tenant_settings"]
    }
}

/// `PATCH /api/v2/tenants/settings`: updates the tenant settings.
#[derive(Debug, Clone)]
pub struct UpdateTenantSettings {
    body: TenantSettingsUpdate,
}

impl UpdateTenantSettings {
    /// Applies `body`.
    pub fn new(body: TenantSettingsUpdate) -> Self {
        Self { body }
    }
}

impl Endpoint for UpdateTenantSettings {
    type Response = TenantSettings;

    fn method(&self) -> Method {
        Method::PATCH
    }
    fn path(&self) -> String {
        path::build(&["tenants", "settings"])
    }
    fn body(&self) -> Result<Option<Body>, Error> {
        Body::json(&self.body).map(Some)
    }
    fn scopes(&self) -> &[&'static str] {
        &["update:tenant_settings"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_accept_float_lifetimes() {
        let settings = GetTenantSettings::new()
            .parse_response(
                br#"{"session_lifetime":168,"idle_ephemeral_session_lifetime":0.5,"shiny_new":{"x":1}}"#,
            )
            .unwrap();
        assert_eq!(settings.session_lifetime, Some(168.0));
        assert_eq!(settings.idle_ephemeral_session_lifetime, Some(0.5));
        assert_eq!(settings.extra["shiny_new"]["x"], 1);
    }

    #[test]
    fn update_sends_only_set_fields() {
        let ep = UpdateTenantSettings::new(
            TenantSettingsUpdate::new()
                .friendly_name("Acme")
                .with_field("customize_mfa_in_postlogin_action", json!(true)),
        );
        assert_eq!(
            ep.body().unwrap(),
            Some(Body::Json(
                json!({"friendly_name": "Acme", "customize_mfa_in_postlogin_action": true})
            ))
        );
        assert_eq!(ep.path(), "/api/v2/tenants/settings");
    }
}
