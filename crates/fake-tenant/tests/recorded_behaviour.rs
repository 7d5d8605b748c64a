//! Behaviour the recordings of real Auth0 traffic show and the description does not: each test
//! names the recording it follows.

mod common;

use common::{call, call_as, setup, urlencode};
use reqwest::Method;
use serde_json::{Value, json};

/// go-auth0/TestActionManager_CreateWithDeploy.json: a create with `deploy` names its first
/// version as current and deployed, built with the action; `deploy` is not kept.
#[tokio::test]
async fn an_action_created_with_deploy_runs_its_first_version_once_built() {
    let s = setup().await;
    let (status, created) = call(
        &s,
        Method::POST,
        "actions/actions",
        Some(json!({"name": "deployed-at-once", "code": "exports.onExecutePostLogin = async () => {};",
                    "runtime": "node18", "deploy": true,
                    "supported_triggers": [{"id": "post-login", "version": "v3"}]})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert!(created.get("deploy").is_none(), "{created}");
    assert_eq!(created["all_changes_deployed"], true);
    assert_eq!(created["current_version"]["status"], "PENDING");
    assert_eq!(created["current_version"]["number"], 1);
    assert_eq!(created["deployed_version"]["deployed"], true);
    assert_eq!(
        created["deployed_version"]["code"],
        "exports.onExecutePostLogin = async () => {};"
    );
    let id = created["id"].as_str().expect("id").to_owned();
    // Two reads: building, then built, with the version.
    call(&s, Method::GET, &format!("actions/actions/{id}"), None).await;
    let (_, built) = call(&s, Method::GET, &format!("actions/actions/{id}"), None).await;
    assert_eq!(built["status"], "built", "{built}");
    assert_eq!(built["current_version"]["status"], "BUILT");
    assert!(
        built["current_version"]["build_time"].is_string(),
        "{built}"
    );
    assert_eq!(built["deployed_version"]["status"], "built");
    assert!(built["deployed_version"]["built_at"].is_string(), "{built}");
    let (status, versions) = call(
        &s,
        Method::GET,
        &format!("actions/actions/{id}/versions"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        versions["versions"][0]["id"], created["current_version"]["id"],
        "{versions}"
    );

    // Without `deploy` nothing is deployed.
    let (_, draft) = call(
        &s,
        Method::POST,
        "actions/actions",
        Some(
            json!({"name": "a-draft", "code": "exports.onExecutePostLogin = async () => {};",
                    "supported_triggers": [{"id": "post-login", "version": "v3"}]}),
        ),
    )
    .await;
    assert_eq!(draft["all_changes_deployed"], false);
    assert!(draft.get("current_version").is_none(), "{draft}");
    assert!(draft.get("deployed_version").is_none(), "{draft}");
}

/// go-auth0/TestConnectionManager_CreateSCIMToken.json and …_ListSCIMTokens.json: the token
/// itself is answered once, by the create; the list shows the rest.
#[tokio::test]
async fn a_scim_token_is_shown_once() {
    let s = setup().await;
    let (_, conn) = call(
        &s,
        Method::POST,
        "connections",
        Some(json!({"name": "scim-oidc", "strategy": "oidc",
                    "options": {"client_id": "abc", "issuer": "https://idp.example.com",
                                "discovery_url": "https://idp.example.com/.well-known/openid-configuration"}})),
    )
    .await;
    let conn = conn["id"].as_str().expect("connection id").to_owned();
    let (status, _) = call(
        &s,
        Method::POST,
        &format!("connections/{conn}/scim-configuration"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, token) = call(
        &s,
        Method::POST,
        &format!("connections/{conn}/scim-configuration/tokens"),
        Some(json!({"scopes": ["get:users"]})),
    )
    .await;
    assert_eq!(status, 201, "{token}");
    let secret = token["token"].as_str().expect("the token").to_owned();
    assert_eq!(secret.len(), 32);
    let token_id = token["token_id"].as_str().expect("token_id");
    assert!(
        token_id.starts_with("tok_") && token_id.len() == 20,
        "{token_id}"
    );
    let (_, listed) = call(
        &s,
        Method::GET,
        &format!("connections/{conn}/scim-configuration/tokens"),
        None,
    )
    .await;
    assert_eq!(listed[0]["token_id"], token_id, "{listed}");
    assert!(!listed.to_string().contains(&secret), "{listed}");
}

/// go-auth0/TestResourceServer_ExpressConfiguration.json: a system API is created on request,
/// as Auth0 defines it; it refuses updates and can be deleted, unlike the Management API.
#[tokio::test]
async fn a_system_api_is_created_as_auth0_defines_it() {
    let s = setup().await;
    let (status, api) = call(
        &s,
        Method::POST,
        "resource-servers",
        Some(json!({"identifier": "urn:auth0:express-configure", "name": "mine"})),
    )
    .await;
    assert_eq!(status, 201, "{api}");
    assert_eq!(api["name"], "Okta OIN Express Configuration API");
    assert_eq!(api["is_system"], true);
    assert_eq!(api["scopes"][0]["value"], "express_configure:sso");
    let id = api["id"].as_str().expect("id").to_owned();
    let (status, _) = call(
        &s,
        Method::PATCH,
        &format!("resource-servers/{id}"),
        Some(json!({"name": "Modified Name"})),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = call(&s, Method::DELETE, &format!("resource-servers/{id}"), None).await;
    assert_eq!(status, 204);
    let audience = s.0.audience();
    let (status, _) = call(
        &s,
        Method::DELETE,
        &format!("resource-servers/{}", urlencode(&audience)),
        None,
    )
    .await;
    assert_eq!(status, 400, "the Management API stays");

    // The tenant's own My Account API; another tenant's identifier is an ordinary API.
    let me = format!("https://{}/me/", s.0.domain());
    let (_, mine) = call(
        &s,
        Method::POST,
        "resource-servers",
        Some(json!({"identifier": me})),
    )
    .await;
    assert_eq!(mine["name"], "Auth0 My Account API", "{mine}");
    let (_, other) = call(
        &s,
        Method::POST,
        "resource-servers",
        Some(json!({"identifier": "https://elsewhere.example.com/me/"})),
    )
    .await;
    assert!(other.get("is_system").is_none(), "{other}");
}

/// go-auth0/TestLogManager_Search.json: every event holds every key, `null` where it does not
/// apply; ruby-auth0's log filter recordings: `_id` whatever the fields asked.
#[tokio::test]
async fn log_events_hold_every_key_and_their_id() {
    let s = setup().await;
    call(
        &s,
        Method::POST,
        "roles",
        Some(json!({"name": "logged-role"})),
    )
    .await;
    let (status, logs) = call(&s, Method::GET, "logs", None).await;
    assert_eq!(status, 200);
    let events = logs.as_array().expect("a bare list");
    assert!(events.len() >= 2, "{logs}");
    for e in events {
        for key in [
            "audience",
            "client_id",
            "client_name",
            "connection",
            "connection_id",
            "details",
            "hostname",
            "location_info",
            "organization_id",
            "organization_name",
            "strategy",
            "strategy_type",
            "user_id",
            "user_name",
        ] {
            assert!(e.get(key).is_some(), "{key} missing in {e}");
        }
    }
    let sapi = events.iter().find(|e| e["type"] == "sapi").expect("sapi");
    assert_eq!(sapi["connection"], Value::Null);
    let (_, picked) = call(&s, Method::GET, "logs?fields=date&per_page=1", None).await;
    let keys: Vec<&String> = picked[0]
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["_id", "date"], "{picked}");
}

/// ruby-auth0's tenant settings recordings: the sandbox versions are answered whatever the
/// fields asked; go-auth0/TestTenantManager_CIMDAndResourceParameterProfile.json: a new
/// tenant's settings.
#[tokio::test]
async fn tenant_settings_read_as_a_new_tenant_reads_them() {
    let s = setup().await;
    let (_, settings) = call(&s, Method::GET, "tenants/settings", None).await;
    assert_eq!(settings["resource_parameter_profile"], "audience");
    assert_eq!(settings["client_id_metadata_document_supported"], false);
    assert_eq!(settings["ephemeral_session_lifetime"], 1);
    let (_, picked) = call(
        &s,
        Method::GET,
        "tenants/settings?fields=enabled_locales&include_fields=true",
        None,
    )
    .await;
    let keys: Vec<&String> = picked
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(
        keys,
        [
            "enabled_locales",
            "sandbox_version",
            "sandbox_versions_available"
        ]
    );
}

/// go-auth0/TestCustomDomainManager_UpdateDefault_Set_custom_domain_as_default.json: a custom
/// domain set as the default reads whole, its certificate being provisioned from then on
/// (TestCustomDomainManager_Read.json reads it after); setting the tenant's own domain again
/// reads it alone.
#[tokio::test]
async fn a_custom_domain_becomes_the_default_and_back() {
    let s = setup().await;
    let (_, default) = call(&s, Method::GET, "custom-domains/default", None).await;
    assert_eq!(default, json!({"domain": s.0.domain()}));
    let (status, created) = call(
        &s,
        Method::POST,
        "custom-domains",
        Some(json!({"domain": "login.example.com", "type": "auth0_managed_certs"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert!(created.get("certificate").is_none(), "{created}");
    let (status, set) = call(
        &s,
        Method::PATCH,
        "custom-domains/default",
        Some(json!({"domain": "login.example.com"})),
    )
    .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["custom_domain_id"], created["custom_domain_id"]);
    assert_eq!(set["is_default"], true);
    // Its certificate is being provisioned once it is the default.
    assert_eq!(
        set["certificate"],
        json!({"certificate_authority": "letsencrypt"})
    );
    let (_, read) = call(&s, Method::GET, "custom-domains/default", None).await;
    assert_eq!(
        read["custom_domain_id"], created["custom_domain_id"],
        "{read}"
    );
    let (_, back) = call(
        &s,
        Method::PATCH,
        "custom-domains/default",
        Some(json!({"domain": s.0.domain()})),
    )
    .await;
    assert_eq!(back, json!({"domain": s.0.domain()}));
    let id = created["custom_domain_id"].as_str().expect("id");
    let (_, domain) = call(&s, Method::GET, &format!("custom-domains/{id}"), None).await;
    assert_eq!(domain["is_default"], false, "{domain}");
    assert_eq!(
        domain["certificate"]["certificate_authority"], "letsencrypt",
        "{domain}"
    );
}

/// Settings read as written plus what Auth0 adds (go-auth0/TestGuardian_MultiFactor_SMS_Twilio.json,
/// TestGuardian_MultiFactor_WebAuthn_Roaming_Settings.json),
/// defaults a new tenant has (TestUserManager_BlocksByIdentifier.json), a user's refresh
/// tokens with their total (TestUserManager_DeleteRefreshTokens.json), a credential's expiry
/// read as `null` but not answered by its create (TestClient_GetCredentials.json).
#[tokio::test]
async fn reads_hold_what_auth0_adds() {
    let s = setup().await;
    let (status, _) = call(
        &s,
        Method::PUT,
        "guardian/factors/sms/providers/twilio",
        Some(json!({"auth_token": "secret-token", "from": "+15550001", "sid": "AC123"})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, twilio) = call(
        &s,
        Method::GET,
        "guardian/factors/sms/providers/twilio",
        None,
    )
    .await;
    assert_eq!(twilio["messaging_service_sid"], Value::Null, "{twilio}");
    assert_eq!(twilio["sid"], "AC123");

    // go-auth0/TestGuardian_MultiFactor_WebAuthn_Roaming_Settings.json: a setting replaced
    // without `overrideRelyingParty` reads it as `false`; the write's answer is what was sent.
    let (status, written) = call(
        &s,
        Method::PUT,
        "guardian/factors/webauthn-roaming/settings",
        Some(json!({"userVerification": "preferred"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(written, json!({"userVerification": "preferred"}));
    let (_, roaming) = call(
        &s,
        Method::GET,
        "guardian/factors/webauthn-roaming/settings",
        None,
    )
    .await;
    assert_eq!(
        roaming,
        json!({"overrideRelyingParty": false, "userVerification": "preferred"})
    );

    let (_, blocks) = call(&s, Method::GET, "user-blocks?identifier=someone", None).await;
    assert_eq!(blocks, json!({"blocked_for": []}));
    let (_, push) = call(
        &s,
        Method::GET,
        "guardian/factors/push-notification/selected-provider",
        None,
    )
    .await;
    assert_eq!(push, json!({"provider": "guardian"}));

    let (_, users) = call(&s, Method::GET, "users?per_page=1", None).await;
    let user = users[0]["user_id"].as_str().map(urlencode);
    if let Some(user) = user {
        let (status, tokens) = call(
            &s,
            Method::GET,
            &format!("users/{user}/refresh-tokens?include_totals=true"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(tokens["total"], 0, "{tokens}");
    }

    let (_, client) = call(
        &s,
        Method::POST,
        "clients",
        Some(json!({"name": "keyed", "app_type": "non_interactive"})),
    )
    .await;
    let client_id = client["client_id"].as_str().expect("client_id").to_owned();
    let pem = {
        use rsa::pkcs8::{EncodePublicKey, LineEnding};
        rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
            .expect("rsa")
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("public pem")
    };
    let (status, cred) = call(
        &s,
        Method::POST,
        &format!("clients/{client_id}/credentials"),
        Some(json!({"credential_type": "public_key", "name": "k", "pem": pem})),
    )
    .await;
    assert_eq!(status, 201, "{cred}");
    assert!(cred.get("expires_at").is_none(), "{cred}");
    let cred_id = cred["id"].as_str().expect("id");
    let (_, read) = call(
        &s,
        Method::GET,
        &format!("clients/{client_id}/credentials/{cred_id}"),
        None,
    )
    .await;
    assert_eq!(read["expires_at"], Value::Null, "{read}");
    assert!(read.get("expires_at").is_some(), "{read}");
}

/// go-auth0/TestClient_ExpressConfiguration.json: an Okta OIN Express Configuration client
/// authenticates by private key JWT and requires organizations.
#[tokio::test]
async fn an_express_configuration_client_gets_auth0s_settings() {
    let s = setup().await;
    let (status, c) = call(
        &s,
        Method::POST,
        "clients",
        Some(json!({"name": "OIN", "app_type": "express_configuration"})),
    )
    .await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(
        c["client_authentication_methods"],
        json!({"private_key_jwt": {"credentials": []}})
    );
    assert_eq!(c["organization_usage"], "require");
    assert!(c.get("token_endpoint_auth_method").is_none(), "{c}");
    assert_eq!(
        c["callbacks"],
        json!(["https://system-admin.okta.com/admin/app/generic/oauth20redirect"])
    );
}

/// go-auth0/TestOrganizationManager_Create.json: connections enabled by the create are the
/// organization's, answered with their name and strategy; an unknown one is refused.
#[tokio::test]
async fn an_organization_created_with_connections_enables_them() {
    let s = setup().await;
    let (_, conns) = call(&s, Method::GET, "connections?strategy=auth0", None).await;
    let conn = conns[0]["id"]
        .as_str()
        .expect("the database connection")
        .to_owned();
    let (status, org) = call(
        &s,
        Method::POST,
        "organizations",
        Some(json!({"name": "with-conns", "enabled_connections": [
            {"connection_id": conn, "assign_membership_on_login": true}]})),
    )
    .await;
    assert_eq!(status, 201, "{org}");
    let enabled = &org["enabled_connections"][0];
    assert_eq!(enabled["connection_id"], conn.as_str());
    assert_eq!(enabled["assign_membership_on_login"], true);
    assert_eq!(enabled["show_as_button"], true);
    assert_eq!(
        enabled["connection"]["name"],
        "Username-Password-Authentication"
    );
    let id = org["id"].as_str().expect("id");
    let (_, listed) = call(
        &s,
        Method::GET,
        &format!("organizations/{id}/enabled_connections"),
        None,
    )
    .await;
    assert!(listed.to_string().contains(&conn), "{listed}");
    let (status, _) = call(
        &s,
        Method::POST,
        "organizations",
        Some(json!({"name": "unknown-conn", "enabled_connections": [
            {"connection_id": "con_doesnotexist0000"}]})),
    )
    .await;
    assert_eq!(status, 404);
    let (_, orgs) = call(&s, Method::GET, "organizations", None).await;
    assert!(
        !orgs.to_string().contains("unknown-conn"),
        "nothing half-made"
    );
}

/// Users: a recovery code regenerated (TestUserManager_RegenerateRecoveryCode.json), an MFA
/// enrollment ticket (TestGuardian_Enrollment_CreateTicket.json), a password reset by the
/// Management API (TestUserManager_Update.json), authentication methods replaced and read as
/// confirmed (TestUserManager_AuthenticationMethods.json).
#[tokio::test]
async fn user_actions_answer_as_auth0_does() {
    let s = setup().await;
    let (status, user) = call(
        &s,
        Method::POST,
        "users",
        Some(json!({"connection": "Username-Password-Authentication",
                    "email": "actions@example.com", "password": "Passw0rd!Passw0rd"})),
    )
    .await;
    assert_eq!(status, 201, "{user}");
    let user_id = user["user_id"].as_str().expect("user_id").to_owned();
    let path = urlencode(&user_id);

    let (_, code) = call(
        &s,
        Method::POST,
        &format!("users/{path}/recovery-code-regeneration"),
        Some(json!({})),
    )
    .await;
    let code = code["recovery_code"]
        .as_str()
        .unwrap_or_else(|| panic!("no recovery_code in {code}"));
    assert!(
        code.len() == 24
            && code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
        "{code}"
    );

    let (_, ticket) = call(
        &s,
        Method::POST,
        "guardian/enrollments/ticket",
        Some(json!({"user_id": user_id})),
    )
    .await;
    let ticket_id = ticket["ticket_id"].as_str().expect("ticket_id");
    assert_eq!(
        ticket["ticket_url"],
        format!("https://{}/mfa/enrollment?ticket={ticket_id}", s.0.domain())
    );

    let (_, updated) = call(
        &s,
        Method::PATCH,
        &format!("users/{path}"),
        Some(json!({"password": "An0ther!Passw0rd", "connection": "Username-Password-Authentication"})),
    )
    .await;
    assert!(updated["last_password_reset"].is_string(), "{updated}");

    let (status, replaced) = call(
        &s,
        Method::PUT,
        &format!("users/{path}/authentication-methods"),
        Some(
            json!([{"type": "email", "name": "MyEmail", "email": "foo@example.com"},
                    {"type": "phone", "name": "MyPhone", "phone_number": "+15550001111",
                     "preferred_authentication_method": "sms"}]),
        ),
    )
    .await;
    assert_eq!(status, 200, "{replaced}");
    let ids: Vec<&str> = replaced
        .as_array()
        .expect("the methods")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 2, "{replaced}");
    assert!(
        ids[0].starts_with("email|dev_") && ids[1].starts_with("phone|dev_"),
        "{ids:?}"
    );
    assert!(replaced[0].get("confirmed").is_none(), "{replaced}");
    let (_, read) = call(
        &s,
        Method::GET,
        &format!("users/{path}/authentication-methods/{}", urlencode(ids[0])),
        None,
    )
    .await;
    assert_eq!(read["confirmed"], true, "{read}");
    assert_eq!(read["name"], "MyEmail");
}

/// go-auth0/TestSigningKey_List.json and TestSigningKey_Read.json: a tenant lists the key that
/// signs its tokens, with its certificate; the key is the one the JWKS publishes.
#[tokio::test]
async fn the_signing_key_is_listed_with_its_certificate() {
    use base64::Engine;
    let s = setup().await;
    let (status, keys) = call(&s, Method::GET, "keys/signing", None).await;
    assert_eq!(status, 200);
    let key = &keys[0];
    let jwks = common::jwks(&s.0, &s.1).await;
    assert_eq!(key["kid"], jwks["keys"][0]["kid"]);
    assert_eq!(
        (
            &key["current"],
            &key["next"],
            &key["previous"],
            &key["revoked"]
        ),
        (&json!(true), &json!(false), &json!(false), &json!(false))
    );
    let pem = key["cert"].as_str().expect("cert");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"), "{pem}");
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("base64 DER");
    let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &der);
    let hex: String = sha1.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(key["thumbprint"], hex.as_str());
    assert_eq!(
        key["fingerprint"].as_str().map(|f| f.replace(':', "")),
        Some(hex)
    );
    // The certificate holds the JWKS modulus.
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(jwks["keys"][0]["n"].as_str().expect("n"))
        .expect("n");
    assert!(der.windows(n.len()).any(|w| w == n.as_slice()));
    assert!(
        key["pkcs7"]
            .as_str()
            .is_some_and(|p| p.starts_with("-----BEGIN PKCS7-----"))
    );
    let kid = key["kid"].as_str().expect("kid");
    let (status, read) = call(&s, Method::GET, &format!("keys/signing/{kid}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(read["cert"], key["cert"]);
}

/// go-auth0/TestEncryptionKeyManager_ImportWrappedKey.json: a customer's key is created, its
/// wrapping key read, and the wrapped key imported: the key is active.
#[tokio::test]
async fn an_encryption_key_is_imported_wrapped() {
    let s = setup().await;
    let (status, key) = call(
        &s,
        Method::POST,
        "keys/encryption",
        Some(json!({"type": "customer-provided-root-key"})),
    )
    .await;
    assert_eq!(status, 201, "{key}");
    assert_eq!(key["state"], "pre-activation");
    let kid = key["kid"].as_str().expect("kid").to_owned();
    let (status, wrapping) = call(
        &s,
        Method::POST,
        &format!("keys/encryption/{kid}/wrapping-key"),
        None,
    )
    .await;
    assert_eq!(status, 201, "{wrapping}");
    assert_eq!(wrapping["algorithm"], "CKM_RSA_AES_KEY_WRAP");
    assert!(
        wrapping["public_key"]
            .as_str()
            .is_some_and(|p| p.starts_with("-----BEGIN PUBLIC KEY-----\n")),
        "{wrapping}"
    );
    let (status, _) = call(
        &s,
        Method::POST,
        &format!("keys/encryption/{kid}"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 400, "the wrapped key is required");
    let (status, imported) = call(
        &s,
        Method::POST,
        &format!("keys/encryption/{kid}"),
        Some(json!({"wrapped_key": "d3JhcHBlZA=="})),
    )
    .await;
    assert_eq!(status, 201, "{imported}");
    assert_eq!(
        (imported["kid"].as_str(), imported["state"].as_str()),
        (Some(kid.as_str()), Some("active"))
    );
    let (status, _) = call(
        &s,
        Method::POST,
        "keys/encryption/00000000-0000-4000-8000-000000000000",
        Some(json!({"wrapped_key": "d3JhcHBlZA=="})),
    )
    .await;
    assert_eq!(status, 404);
}

/// go-auth0/TestClient_CreateWithOIDCLogout.json: back-channel logout URLs are answered under
/// their older name too; TestUserAttributeProfileManager_Create.json: a profile without a
/// `user_id` gets Auth0's mappings of it.
#[tokio::test]
async fn creates_answer_what_auth0_derives() {
    let s = setup().await;
    let (_, client) = call(
        &s,
        Method::POST,
        "clients",
        Some(json!({"name": "logout", "oidc_logout": {
            "backchannel_logout_urls": ["https://example.com/logout"]}})),
    )
    .await;
    assert_eq!(
        client["oidc_backchannel_logout"],
        json!({"backchannel_logout_urls": ["https://example.com/logout"]})
    );
    let (status, profile) = call(
        &s,
        Method::POST,
        "user-attribute-profiles",
        Some(json!({"name": "profile", "user_attributes": {}})),
    )
    .await;
    assert_eq!(status, 201, "{profile}");
    assert_eq!(profile["user_id"]["oidc_mapping"], "sub");
    assert_eq!(profile["user_id"]["scim_mapping"], "externalId");
}

/// go-auth0/TestBrandingManager_ResetPhoneNotificationTemplate.json and
/// …_TryPhoneNotificationTemplate.json: a reset restores Auth0's content for the template's
/// type; a try is accepted for sending.
#[tokio::test]
async fn a_phone_template_is_reset_and_tried() {
    let s = setup().await;
    let (status, template) = call(
        &s,
        Method::POST,
        "branding/phone/templates",
        Some(json!({"type": "otp_verify", "disabled": false, "content": {
            "from": "1234567890", "syntax": "liquid",
            "body": {"text": "custom {{ code }}", "voice": "custom {{ code }}"}}})),
    )
    .await;
    assert_eq!(status, 201, "{template}");
    let id = template["id"].as_str().expect("id").to_owned();
    let (status, reset) = call(
        &s,
        Method::PATCH,
        &format!("branding/phone/templates/{id}/reset"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{reset}");
    assert_eq!(reset["id"], id.as_str());
    assert_eq!(reset["content"]["from"], "1234567890");
    assert!(
        reset["content"]["body"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("{{ code | escape }} is your verification code")),
        "{reset}"
    );
    let (status, tried) = call(
        &s,
        Method::POST,
        &format!("branding/phone/templates/{id}/try"),
        Some(json!({"to": "+15550001111", "delivery_method": "text"})),
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(
        tried["message"],
        "Test notification successfully sent for processing"
    );
    let (status, _) = call(
        &s,
        Method::PATCH,
        "branding/phone/templates/tem_missing/reset",
        None,
    )
    .await;
    assert_eq!(status, 404);
}

/// go-auth0/TestJobManager_ImportUsers.json and TestJobManager_ReadErrors.json: an import
/// creates its users, counts them in the job's summary, and lists a duplicate among the job's
/// errors unless it upserts.
#[tokio::test]
async fn a_users_import_creates_users_and_reports_duplicates() {
    let s = setup().await;
    let (_, conns) = call(&s, Method::GET, "connections?strategy=auth0", None).await;
    let cid = conns[0]["id"].as_str().expect("connection").to_owned();
    let (status, _) = call(
        &s,
        Method::POST,
        "users",
        Some(json!({"connection": "Username-Password-Authentication",
                    "email": "known@example.com", "password": "Passw0rd!Passw0rd"})),
    )
    .await;
    assert_eq!(status, 201);
    let users = json!([
        {"email": "new@example.com", "email_verified": true, "given_name": "New",
         "custom_password_hash": {"algorithm": "bcrypt", "hash": {"value": "$2b$10$abc"}}},
        {"email": "known@example.com", "given_name": "Known"},
        {"given_name": "No email"}
    ]);
    let (status, job) = common::import_users(&s.0, &s.1, &s.2, &cid, &users, Some(false)).await;
    assert_eq!(status, 202, "{job}");
    assert_eq!(job["status"], "pending");
    let id = job["id"].as_str().expect("job id").to_owned();
    let (_, read) = call(&s, Method::GET, &format!("jobs/{id}"), None).await;
    assert_eq!(read["status"], "completed");
    assert_eq!(
        read["summary"],
        json!({"failed": 2, "inserted": 1, "total": 3, "updated": 0})
    );
    let (_, errors) = call(&s, Method::GET, &format!("jobs/{id}/errors"), None).await;
    let codes: Vec<&str> = errors
        .as_array()
        .expect("the errors")
        .iter()
        .filter_map(|e| e["errors"][0]["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        ["DUPLICATED_USER", "MISSING_REQUIRED_PROPERTY"],
        "{errors}"
    );
    assert!(
        !errors.to_string().contains("$2b$"),
        "no secret in errors: {errors}"
    );
    let (_, found) = call(
        &s,
        Method::GET,
        "users-by-email?email=new@example.com",
        None,
    )
    .await;
    assert_eq!(found[0]["given_name"], "New", "{found}");
    assert_eq!(found[0]["email_verified"], true);
    assert!(!found.to_string().contains("$2b$"), "{found}");

    let (_, job) = common::import_users(
        &s.0,
        &s.1,
        &s.2,
        &cid,
        &json!([{"email": "known@example.com", "given_name": "Known"}]),
        Some(true),
    )
    .await;
    let id = job["id"].as_str().expect("job id").to_owned();
    let (_, read) = call(&s, Method::GET, &format!("jobs/{id}"), None).await;
    assert_eq!(
        read["summary"],
        json!({"failed": 0, "inserted": 0, "total": 1, "updated": 1})
    );
    let (_, known) = call(
        &s,
        Method::GET,
        "users-by-email?email=known@example.com",
        None,
    )
    .await;
    assert_eq!(known[0]["given_name"], "Known");
}

/// go-auth0/TestActionManager_DeployVersion.json: deploying an earlier version again makes a
/// new version of its code, which the action then runs.
#[tokio::test]
async fn a_version_deployed_again_is_a_new_version() {
    let s = setup().await;
    let (_, action) = call(
        &s,
        Method::POST,
        "actions/actions",
        Some(
            json!({"name": "rollback", "code": "exports.onExecutePostLogin = async () => {};",
                    "supported_triggers": [{"id": "post-login", "version": "v3"}]}),
        ),
    )
    .await;
    let id = action["id"].as_str().expect("id").to_owned();
    call(&s, Method::GET, &format!("actions/actions/{id}"), None).await;
    call(&s, Method::GET, &format!("actions/actions/{id}"), None).await;
    let (status, first) = call(
        &s,
        Method::POST,
        &format!("actions/actions/{id}/deploy"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{first}");
    let first_id = first["id"].as_str().expect("version id").to_owned();
    let (status, again) = call(
        &s,
        Method::POST,
        &format!("actions/actions/{id}/versions/{first_id}/deploy"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_ne!(again["id"], first_id.as_str());
    assert_eq!(again["number"], 2);
    assert_eq!(
        again["code"],
        "exports.onExecutePostLogin = async () => {};"
    );
    assert_eq!(again["action"]["id"], id.as_str());
    let (_, read) = call(&s, Method::GET, &format!("actions/actions/{id}"), None).await;
    assert_eq!(read["deployed_version"]["id"], again["id"], "{read}");
    let (status, _) = call(
        &s,
        Method::POST,
        &format!("actions/actions/{id}/versions/00000000-0000-4000-8000-000000000000/deploy"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 404);
}

/// go-auth0/TestCustomDomainManager_Verify.json: a verification answers the domain, still
/// pending (no DNS is resolved); ruby-auth0's connection filter recording: a connection's id
/// whatever the fields asked; TestGuardian_MultiFactor_SMS_Twilio.json: a messaging service
/// id is kept.
#[tokio::test]
async fn verifications_fields_and_settings_keep_what_auth0_keeps() {
    let s = setup().await;
    let (_, created) = call(
        &s,
        Method::POST,
        "custom-domains",
        Some(json!({"domain": "auth.example.com", "type": "auth0_managed_certs"})),
    )
    .await;
    let id = created["custom_domain_id"].as_str().expect("id").to_owned();
    let (status, verified) = call(
        &s,
        Method::POST,
        &format!("custom-domains/{id}/verify"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!(verified["custom_domain_id"], id.as_str());
    assert_eq!(verified["domain"], "auth.example.com");
    assert_eq!(verified["status"], "pending_verification");
    let (status, _) = call(
        &s,
        Method::POST,
        "custom-domains/cd_missing0000000/verify",
        None,
    )
    .await;
    assert_eq!(status, 404);

    let (_, named) = call(
        &s,
        Method::GET,
        "connections?fields=name&strategy=auth0",
        None,
    )
    .await;
    let keys: Vec<&String> = named[0]
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    assert_eq!(keys, ["id", "is_domain_connection", "name"], "{named}");

    let (_, put) = call(
        &s,
        Method::PUT,
        "guardian/factors/sms/providers/twilio",
        Some(json!({"auth_token": "t", "from": "+15550001", "sid": "AC1", "messaging_service_sid": "MG1"})),
    )
    .await;
    assert_eq!(put["messaging_service_sid"], "MG1", "{put}");
    let (_, read) = call(
        &s,
        Method::GET,
        "guardian/factors/sms/providers/twilio",
        None,
    )
    .await;
    assert_eq!(read["messaging_service_sid"], "MG1", "{read}");
}

/// go-auth0/TestConnectionManager_ReadKeys.json and …_RotateKeys.json: an OIDC connection has
/// a signing key with a certificate named after it; a rotation makes a new current key.
#[tokio::test]
async fn an_oidc_connection_has_a_signing_key_that_rotates() {
    let s = setup().await;
    let (status, conn) = call(
        &s,
        Method::POST,
        "connections",
        Some(
            json!({"name": "keyed-oidc", "strategy": "oidc", "options": {
            "client_id": "abc", "issuer": "https://idp.example.com",
            "discovery_url": "https://idp.example.com/.well-known/openid-configuration"}}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{conn}");
    let id = conn["id"].as_str().expect("id").to_owned();
    let (status, keys) = call(&s, Method::GET, &format!("connections/{id}/keys"), None).await;
    assert_eq!(status, 200, "{keys}");
    let key = &keys[0];
    assert_eq!(keys.as_array().map(Vec::len), Some(1));
    assert_eq!(
        (
            &key["algorithm"],
            &key["key_use"],
            &key["current"],
            &key["subject_dn"]
        ),
        (
            &json!("RS256"),
            &json!("signing"),
            &json!(true),
            &json!("CN=keyed-oidc")
        )
    );
    assert!(
        key["cert"]
            .as_str()
            .is_some_and(|c| c.starts_with("-----BEGIN CERTIFICATE-----"))
    );
    assert!(
        key["pkcs"]
            .as_str()
            .is_some_and(|c| c.starts_with("-----BEGIN PKCS7-----"))
    );
    let (_, again) = call(&s, Method::GET, &format!("connections/{id}/keys"), None).await;
    assert_eq!(again, keys, "a read makes no new key");
    let (status, rotated) = call(
        &s,
        Method::POST,
        &format!("connections/{id}/keys/rotate"),
        None,
    )
    .await;
    assert_eq!(status, 201, "{rotated}");
    assert_ne!(rotated["kid"], key["kid"]);
    let (_, after) = call(&s, Method::GET, &format!("connections/{id}/keys"), None).await;
    assert_eq!(after.as_array().map(Vec::len), Some(1));
    assert_eq!(after[0]["kid"], rotated["kid"]);
    assert_eq!(after[0]["cert"], rotated["cert"]);

    // A database connection signs nothing.
    let (_, dbs) = call(&s, Method::GET, "connections?strategy=auth0", None).await;
    let db = dbs[0]["id"].as_str().expect("db").to_owned();
    let (_, none) = call(&s, Method::GET, &format!("connections/{db}/keys"), None).await;
    assert_eq!(none, json!([]));
    let (status, _) = call(
        &s,
        Method::POST,
        &format!("connections/{db}/keys/rotate"),
        None,
    )
    .await;
    assert_eq!(status, 400);
}

/// go-auth0/TestNetworkACLManager_List.json: a listed network ACL holds the one action of its
/// rule that was sent, not every alternative of the description's union.
#[tokio::test]
async fn a_listed_network_acl_holds_its_own_rule() {
    let s = setup().await;
    let (status, created) = call(
        &s,
        Method::POST,
        "network-acls",
        Some(
            json!({"active": true, "description": "geo", "priority": 1, "rule": {
            "action": {"redirect": true, "redirect_uri": "https://example.com"},
            "match": {"geo_country_codes": ["US"]}, "scope": "authentication"}}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let (_, listed) = call(&s, Method::GET, "network-acls", None).await;
    let listed = listed.get("network_acls").cloned().unwrap_or(listed);
    let rule = &listed[0]["rule"];
    assert_eq!(
        rule["action"],
        json!({"redirect": true, "redirect_uri": "https://example.com"}),
        "{listed}"
    );
    assert_eq!(rule["match"], json!({"geo_country_codes": ["US"]}));
    assert!(!listed.to_string().contains("\"sample\""), "{listed}");
}

/// go-auth0/TestOrganizationManager_MembersCheckpointPagination.json: every page of members
/// that holds members has a `next` cursor, the last one too; the page after it is empty.
#[tokio::test]
async fn organization_members_pages_answer_next_while_they_hold_members() {
    let s = setup().await;
    let (_, org) = call(
        &s,
        Method::POST,
        "organizations",
        Some(json!({"name": "paged-members"})),
    )
    .await;
    let org = org["id"].as_str().expect("id").to_owned();
    let mut users = Vec::new();
    for i in 0..3 {
        let (status, user) = call(
            &s,
            Method::POST,
            "users",
            Some(json!({"connection": "Username-Password-Authentication",
                        "email": format!("member{i}@example.com"), "password": "Passw0rd!x-long"})),
        )
        .await;
        assert_eq!(status, 201, "{user}");
        users.push(user["user_id"].clone());
    }
    let (status, _) = call(
        &s,
        Method::POST,
        &format!("organizations/{org}/members"),
        Some(json!({"members": users})),
    )
    .await;
    assert_eq!(status, 204);

    let mut seen = Vec::new();
    let mut path = format!("organizations/{org}/members?take=2");
    let mut pages = Vec::new();
    loop {
        let (status, page) = call(&s, Method::GET, &path, None).await;
        assert_eq!(status, 200, "{page}");
        let members = page["members"].as_array().expect("members").clone();
        pages.push((members.len(), page.get("next").is_some()));
        seen.extend(members.iter().map(|m| m["user_id"].clone()));
        match page["next"].as_str() {
            Some(next) => path = format!("organizations/{org}/members?take=2&from={next}"),
            None => break,
        }
        assert!(pages.len() < 5, "pages never end: {pages:?}");
    }
    assert_eq!(pages, vec![(2, true), (1, true), (0, false)]);
    seen.sort_by_key(|v| v.to_string());
    users.sort_by_key(|v| v.to_string());
    assert_eq!(seen, users);

    // Other lists end on their last page that holds items (go-auth0/
    // TestOrganizationManager_ListCheckpointPagination.json).
    call(
        &s,
        Method::POST,
        "organizations",
        Some(json!({"name": "second-org"})),
    )
    .await;
    let (_, first) = call(&s, Method::GET, "organizations?take=1", None).await;
    let next = first["next"].as_str().expect("a next page").to_owned();
    let (_, last) = call(
        &s,
        Method::GET,
        &format!("organizations?take=50&from={next}"),
        None,
    )
    .await;
    assert!(last.get("next").is_none(), "{last}");
}

/// go-auth0/TestFlowVaultConnectionManager_Create.json: a vault connection set up with a
/// bearer token is ready and names the token masked; the token is never answered.
/// TestFlowVaultConnectionManager_Read.json: one created without credentials is not ready.
#[tokio::test]
async fn a_vault_connection_set_up_with_a_token_is_ready_and_masks_it() {
    let s = setup().await;
    let (status, created) = call(
        &s,
        Method::POST,
        "flows/vault/connections",
        Some(json!({"app_id": "HTTP", "name": "with-token",
                    "setup": {"type": "BEARER", "token": "my-secret-token"}})),
    )
    .await;
    assert!(status == 200 || status == 201, "{status} {created}");
    assert_eq!(created["ready"], true, "{created}");
    assert_eq!(created["account_name"], "Bearer my-***ken", "{created}");
    assert!(created.get("refreshed_at").is_none(), "{created}");
    assert!(created.get("setup").is_none(), "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    let (_, read) = call(
        &s,
        Method::GET,
        &format!("flows/vault/connections/{id}"),
        None,
    )
    .await;
    assert_eq!(read["account_name"], "Bearer my-***ken", "{read}");
    assert!(!read.to_string().contains("my-secret-token"), "{read}");

    let (_, plain) = call(
        &s,
        Method::POST,
        "flows/vault/connections",
        Some(json!({"app_id": "HTTP", "name": "without-token"})),
    )
    .await;
    assert_eq!(plain["ready"], false, "{plain}");
    assert!(plain.get("account_name").is_none(), "{plain}");
}

/// go-auth0/TestClient_CreateLinkedToResourceServer.json: a client of type `resource_server`
/// created for an API is read as that API's `client_id`.
#[tokio::test]
async fn a_resource_server_client_is_its_apis_client() {
    let s = setup().await;
    let (status, api) = call(
        &s,
        Method::POST,
        "resource-servers",
        Some(json!({"identifier": "https://linked.example.com/", "name": "Linked"})),
    )
    .await;
    assert_eq!(status, 201, "{api}");
    let api_id = api["id"].as_str().expect("id").to_owned();
    let (status, client) = call(
        &s,
        Method::POST,
        "clients",
        Some(
            json!({"name": "Linked client", "app_type": "resource_server",
                    "resource_server_identifier": "https://linked.example.com/"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{client}");
    let (_, read) = call(&s, Method::GET, &format!("resource-servers/{api_id}"), None).await;
    assert_eq!(read["client_id"], client["client_id"], "{read}");
}

/// go-auth0/TestClient_CIMDFields.json: registering a Client ID Metadata Document creates a
/// third-party client named after the document's host, read back with the document's URL; a
/// second registration of the URL updates that client. The fake says in `warnings` that it
/// did not fetch the document.
#[tokio::test]
async fn a_cimd_registration_creates_a_third_party_client_once() {
    let s = setup().await;
    let url = "https://client.dev/oauth/metadata.json";
    let (status, preview) = call(
        &s,
        Method::POST,
        "clients/cimd/preview",
        Some(json!({"external_client_id": url})),
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    assert!(preview.get("client_id").is_none(), "{preview}");
    assert_eq!(preview["mapped_fields"]["name"], "client.dev");
    assert!(
        preview["validation"]["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("did not fetch")),
        "{preview}"
    );

    let (status, registered) = call(
        &s,
        Method::POST,
        "clients/cimd/register",
        Some(json!({"external_client_id": url})),
    )
    .await;
    assert_eq!(status, 201, "{registered}");
    let id = registered["client_id"]
        .as_str()
        .expect("client_id")
        .to_owned();
    assert!(id.starts_with("tpc_") && id.len() == 26, "{id}");
    assert!(!registered.to_string().contains("sample"), "{registered}");
    let (_, client) = call(&s, Method::GET, &format!("clients/{id}"), None).await;
    assert_eq!(client["name"], "client.dev");
    assert_eq!(client["external_client_id"], url);
    assert_eq!(client["external_metadata_type"], "cimd");
    assert_eq!(client["is_first_party"], false);
    assert_eq!(client["token_endpoint_auth_method"], "none");
    assert_eq!(client["grant_types"], json!(["authorization_code"]));

    let (status, again) = call(
        &s,
        Method::POST,
        "clients/cimd/register",
        Some(json!({"external_client_id": url})),
    )
    .await;
    assert_eq!((status, &again["client_id"]), (200, &json!(id)), "{again}");
    let (_, preview) = call(
        &s,
        Method::POST,
        "clients/cimd/preview",
        Some(json!({"external_client_id": url})),
    )
    .await;
    assert_eq!(preview["client_id"], json!(id));

    let (status, refused) = call(
        &s,
        Method::POST,
        "clients/cimd/register",
        Some(json!({"external_client_id": "http://client.dev/metadata.json"})),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
}

/// Every client shows the certificate of the key that signs the tenant's tokens, as
/// `GET /keys/signing` lists it (ruby-auth0's client recordings read `cert`, `pkcs7` and
/// `subject: "deprecated"`).
#[tokio::test]
async fn clients_show_the_tenants_signing_certificate() {
    let s = setup().await;
    let (_, keys) = call(&s, Method::GET, "keys/signing", None).await;
    let cert = keys[0]["cert"].as_str().expect("cert").to_owned();
    assert!(cert.starts_with("-----BEGIN CERTIFICATE-----"), "{cert}");
    let (_, created) = call(
        &s,
        Method::POST,
        "clients",
        Some(json!({"name": "shows-the-cert"})),
    )
    .await;
    let (_, clients) = call(&s, Method::GET, "clients", None).await;
    for client in clients
        .as_array()
        .expect("clients")
        .iter()
        .chain([&created])
    {
        assert_eq!(client["signing_keys"][0]["cert"], json!(cert), "{client}");
        assert_eq!(client["signing_keys"][0]["pkcs7"], keys[0]["pkcs7"]);
        assert_eq!(client["signing_keys"][0]["subject"], "deprecated");
    }
}

/// go-auth0/TestEventStreamManager_Integration.json: a test event is delivered (the fake's
/// attempts fail: it sends nothing to other hosts) and listed among the stream's deliveries,
/// filtered by type, with `next` on every page that holds deliveries; a redelivery attempts
/// again; the stream's statistics count the failed attempts of the last fifteen days.
#[tokio::test]
async fn event_stream_deliveries_are_listed_redelivered_and_counted() {
    let s = setup().await;
    let (status, stream) = call(
        &s,
        Method::POST,
        "event-streams",
        Some(
            json!({"name": "hooked", "subscriptions": [{"event_type": "user.created"},
                                                         {"event_type": "user.updated"}],
                    "destination": {"type": "webhook", "configuration": {
                        "webhook_endpoint": "https://hooks.example.com/in",
                        "webhook_authorization": {"method": "bearer", "token": "tok"}}}}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{stream}");
    let id = stream["id"].as_str().expect("id").to_owned();
    let mut events = Vec::new();
    for kind in ["user.created", "user.created", "user.updated"] {
        let (status, event) = call(
            &s,
            Method::POST,
            &format!("event-streams/{id}/test"),
            Some(json!({"event_type": kind})),
        )
        .await;
        assert_eq!(status, 202, "{event}");
        assert_eq!(event["status"], "pending");
        events.push(event["id"].as_str().expect("event id").to_owned());
    }

    let (status, page) = call(
        &s,
        Method::GET,
        &format!("event-streams/{id}/deliveries?event_types=user.created&take=50"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let deliveries = page["deliveries"].as_array().expect("deliveries");
    assert_eq!(deliveries.len(), 2, "{page}");
    assert!(page["next"].is_string(), "{page}");
    let first = &deliveries[0];
    assert_eq!(first["status"], "failed");
    assert_eq!(first["attempts"].as_array().map(Vec::len), Some(1));
    assert!(
        first["attempts"][0]["error_message"]
            .as_str()
            .is_some_and(|m| m.contains("https://hooks.example.com/in")),
        "{first}"
    );
    assert!(first["event"].get("a0purpose").is_none(), "{first}");
    let next = page["next"].as_str().expect("next");
    let (_, after) = call(
        &s,
        Method::GET,
        &format!("event-streams/{id}/deliveries?event_types=user.created&take=50&from={next}"),
        None,
    )
    .await;
    assert_eq!(after, json!({"deliveries": []}));

    let (status, _) = call(
        &s,
        Method::POST,
        &format!("event-streams/{id}/redeliver/{}", events[2]),
        None,
    )
    .await;
    assert_eq!(status, 202);
    let (status, one) = call(
        &s,
        Method::GET,
        &format!("event-streams/{id}/deliveries/{}", events[2]),
        None,
    )
    .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["attempts"].as_array().map(Vec::len), Some(2), "{one}");
    // A redelivery of an event the stream never had is accepted, and attempts nothing.
    let (status, _) = call(
        &s,
        Method::POST,
        &format!("event-streams/{id}/redeliver/evt_unknown"),
        None,
    )
    .await;
    assert_eq!(status, 202);
    let (status, _) = call(
        &s,
        Method::POST,
        &format!("event-streams/{id}/redeliver"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 202);

    let (status, stats) = call(&s, Method::GET, &format!("event-streams/{id}/stats"), None).await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["buckets"].as_array().map(Vec::len), Some(15));
    assert_eq!(stats["metrics"][0]["window_total"], 0, "{stats}");
    assert_eq!(
        stats["metrics"][1]["name"],
        "auth0.event_streams.failed_deliveries"
    );
    // Three first attempts, the redelivered one, and each failed delivery once more.
    assert_eq!(stats["metrics"][1]["window_total"], 7, "{stats}");
    assert_eq!(stats["metrics"][1]["data"][14], 7, "{stats}");
    let (status, _) = call(&s, Method::GET, "event-streams/est_unknown/stats", None).await;
    assert_eq!(status, 404);
}

/// ruby-auth0/Auth0_Api_V2_Clients__clients_should_get_at_least_one_client.json: a new
/// tenant's Default App reads `callbacks: null`, and `fields=callbacks` answers it so.
#[tokio::test]
async fn the_default_app_reads_null_callbacks() {
    let s = setup().await;
    let (_, clients) = call(&s, Method::GET, "clients?fields=name,callbacks", None).await;
    let default_app = clients
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "Default App"))
        .expect("the Default App");
    assert!(
        default_app.get("callbacks").is_some_and(Value::is_null),
        "{default_app}"
    );
}

/// The `kid` a token's header names.
fn token_kid(token: &str) -> String {
    use base64::Engine;
    let header = token.split('.').next().expect("header");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .expect("base64url header");
    let header: Value = serde_json::from_slice(&bytes).expect("JSON header");
    header["kid"].as_str().expect("kid").to_owned()
}

/// The kids the tenant's JWKS publishes.
async fn jwks_kids(s: &common::Session) -> Vec<String> {
    let jwks = common::jwks(&s.0, &s.1).await;
    jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| k["kid"].as_str().expect("kid").to_owned())
        .collect()
}

/// go-auth0/TestSigningKey_Rotate.json and TestSigningKey_Revoke.json, with Auth0's
/// documentation on rotating and revoking signing keys: a tenant holds a current and a next
/// key; a rotation makes the next key current (new tokens name it, earlier tokens still
/// verify) and readies a new next key; only a previously used key can be revoked, after which
/// its tokens are refused and the JWKS leaves it out.
#[tokio::test]
async fn signing_keys_rotate_and_a_previous_key_is_revoked() {
    let s = setup().await;
    let (_, keys) = call(&s, Method::GET, "keys/signing", None).await;
    let keys = keys.as_array().expect("keys").clone();
    assert_eq!(keys.len(), 2, "{keys:?}");
    let (first, next) = (&keys[0], &keys[1]);
    assert_eq!(
        (&first["current"], &next["next"]),
        (&json!(true), &json!(true))
    );
    let first_kid = first["kid"].as_str().expect("kid").to_owned();
    let next_kid = next["kid"].as_str().expect("kid").to_owned();
    assert_eq!(token_kid(&s.2), first_kid);
    assert_eq!(
        jwks_kids(&s).await,
        vec![first_kid.clone(), next_kid.clone()]
    );

    let (status, rotated) = call(&s, Method::POST, "keys/signing/rotate", None).await;
    assert_eq!(status, 201, "{rotated}");
    assert_eq!(rotated["kid"], json!(next_kid));
    assert_eq!(rotated["current"], true);
    assert!(
        rotated["cert"]
            .as_str()
            .is_some_and(|c| c.starts_with("-----BEGIN CERTIFICATE-----"))
    );
    let (_, keys) = call(&s, Method::GET, "keys/signing", None).await;
    let flags = common::signing_key_states(&keys);
    assert_eq!(
        flags,
        vec![
            (true, false, false),
            (false, true, false),
            (false, false, true)
        ]
    );
    // New tokens are signed by the new current key; the earlier token still works.
    let new_token = common::token(&s.0, &s.1).await;
    assert_eq!(token_kid(&new_token), next_kid);
    let earlier = s.2.clone();
    assert_eq!(
        call_as(&s, &earlier, Method::GET, "clients", None).await.0,
        200
    );
    assert_eq!(jwks_kids(&s).await.len(), 3);

    // Only a previously used key can be revoked.
    let fresh = new_token.clone();
    for kid in [&next_kid, &keys[2]["kid"].as_str().expect("kid").to_owned()] {
        let (status, refused) = call_as(
            &s,
            &fresh,
            Method::PUT,
            &format!("keys/signing/{kid}/revoke"),
            None,
        )
        .await;
        assert_eq!(status, 400, "{refused}");
    }
    let (status, _) = call_as(&s, &fresh, Method::PUT, "keys/signing/unknown/revoke", None).await;
    assert_eq!(status, 404);
    let (status, revoked) = call_as(
        &s,
        &fresh,
        Method::PUT,
        &format!("keys/signing/{first_kid}/revoke"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(revoked["revoked"], true);
    assert!(revoked["revoked_at"].is_string(), "{revoked}");
    assert!(!jwks_kids(&s).await.contains(&first_kid));
    // A token of the revoked key is refused; one of the current key is not.
    assert_eq!(
        call_as(&s, &earlier, Method::GET, "clients", None).await.0,
        401
    );
    assert_eq!(
        call_as(&s, &fresh, Method::GET, "clients", None).await.0,
        200
    );

    // The tenant rotates through its fixed keys, then refuses; a reset keeps the keys, so
    // that the tokens they signed stay valid, and clients show the current key's certificate.
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let token = common::token(&s.0, &s.1).await;
        statuses.push(
            call_as(&s, &token, Method::POST, "keys/signing/rotate", None)
                .await
                .0,
        );
    }
    assert_eq!(statuses, vec![201, 201, 201, 400]);
    let last = common::token(&s.0, &s.1).await;
    let reset =
        s.1.post(format!("{}/__fake/reset", s.0.base_url()))
            .send()
            .await
            .expect("reset");
    assert_eq!(reset.status().as_u16(), 200);
    let (status, keys) = call_as(&s, &last, Method::GET, "keys/signing", None).await;
    assert_eq!(status, 200, "{keys}");
    assert_eq!(keys.as_array().map(Vec::len), Some(6));
    let current = keys
        .as_array()
        .and_then(|k| k.iter().find(|k| k["current"] == true))
        .expect("a current key");
    assert_eq!(current["kid"], json!(token_kid(&last)));
    let (_, clients) = call_as(&s, &last, Method::GET, "clients", None).await;
    assert_eq!(clients[0]["signing_keys"][0]["cert"], current["cert"]);
}
