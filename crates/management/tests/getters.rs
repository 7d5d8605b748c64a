//! The generated getters of the models read from answers: one per field, `Option<&T>`,
//! `Option<&str>`, `Option<T>` for a copy value, a slice for a list, `null` as absent.

use auth0_m2m_management::clients::{Client, ClientRefreshTokenConfiguration};
use auth0_m2m_management::shared::SigningAlgorithmEnum;
use auth0_m2m_management::users::{UserIdentitySchema, UserResponseSchema};

fn client(json: &str) -> Client {
    serde_json::from_str(json).expect("a client")
}

#[test]
fn nested_optional_fields_read_as_a_chain() {
    let c = client(
        r#"{"jwt_configuration": {"alg": "RS256", "secret_encoded": false},
            "refresh_token": {"rotation_type": "rotating", "token_lifetime": 2592000},
            "mobile": {"android": {"app_package_name": "com.example"}}}"#,
    );
    assert_eq!(
        c.jwt_configuration().and_then(|j| j.alg()),
        Some(&SigningAlgorithmEnum::Rs256)
    );
    assert_eq!(
        c.jwt_configuration().and_then(|j| j.secret_encoded()),
        Some(false)
    );
    let refresh: Option<&ClientRefreshTokenConfiguration> = c.refresh_token();
    assert_eq!(refresh.and_then(|r| r.token_lifetime()), Some(2_592_000));
    // `app_package_name` identifies the app: a `&str` accessor.
    assert_eq!(
        c.mobile()
            .and_then(|m| m.android())
            .map(|a| a.app_package_name()),
        Some("com.example")
    );
    // The getters read what the public fields hold.
    assert_eq!(
        c.jwt_configuration(),
        c.jwt_configuration.as_ref(),
        "the getter and the field agree"
    );
}

#[test]
fn absent_and_null_fields_read_as_none_and_lists_as_empty_slices() {
    let c = client(r#"{"jwt_configuration": null, "callbacks": null, "description": null}"#);
    assert!(c.jwt_configuration().is_none());
    assert!(c.description().is_none());
    assert!(c.callbacks().is_empty());
    assert!(c.sso().is_none());
    let c = client(r#"{"callbacks": [], "sso": true, "description": "d"}"#);
    assert!(c.callbacks().is_empty());
    assert_eq!(
        c.callbacks.as_deref(),
        Some(&[][..]),
        "the field tells empty from absent"
    );
    assert_eq!(c.sso(), Some(true));
    assert_eq!(c.description(), Some("d"));
}

#[test]
fn secrets_maps_and_identifying_strings() {
    let c =
        client(r#"{"client_id": "c1", "client_secret": "s3cr3t", "client_metadata": {"k": "v"}}"#);
    assert_eq!(c.client_secret().map(|s| s.expose()), Some("s3cr3t"));
    assert_eq!(
        c.client_metadata().and_then(|m| m.get("k")),
        Some(&serde_json::json!("v"))
    );
    // Identifying strings keep their `&str` accessors.
    assert_eq!(c.client_id(), "c1");
    assert_eq!(client("{}").client_id(), "");

    let user: UserResponseSchema = serde_json::from_str(
        r#"{"user_id": "auth0|1", "identities": [{"provider": "auth0", "isSocial": false}],
            "app_metadata": {"plan": "pro"}, "logins_count": 3}"#,
    )
    .expect("a user");
    let identities: &[UserIdentitySchema] = user.identities();
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0].is_social(), Some(false));
    assert_eq!(
        user.app_metadata()
            .and_then(|m| m.get("plan"))
            .and_then(|v| v.as_str()),
        Some("pro")
    );
    assert_eq!(user.logins_count(), Some(3));
    assert!(user.created_at().is_none());
}
