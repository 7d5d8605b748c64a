//! Secrets in the generated models never reach `Debug` output: secret-bearing string fields are
//! `Secret`s, unknown secret-bearing fields in `extra` are redacted, and so are values a union
//! could not classify.

#![cfg(all(feature = "guardian", feature = "emails"))]

use auth0_m2m_management::secret::ExtraFields;
use auth0_m2m_management::{Body, Endpoint, Unclassified};
use auth0_m2m_management::{emails, guardian};

const SECRET: &str = "s3cr3t-value-that-must-not-leak";

fn assert_hidden(printed: &str) {
    assert!(!printed.contains(SECRET), "{printed}");
    assert!(printed.contains("REDACTED"), "{printed}");
}

#[test]
fn a_request_body_with_a_secret_field() {
    let body = guardian::SetGuardianFactorsProviderPhoneTwilioRequestContent::new()
        .with_sid("AC123")
        .with_auth_token(SECRET);
    assert_hidden(&format!("{body:?} {body:#?}"));
    // The secret is sent as it is.
    let endpoint = guardian::SetGuardianFactorsProviderPhoneTwilio::new(body);
    let Some(Body::Json(json)) = endpoint.body().unwrap() else {
        panic!("a JSON body");
    };
    assert_eq!(json["auth_token"], SECRET);
    assert_hidden(&format!("{endpoint:?}"));
}

#[test]
fn a_model_with_a_secret_field_and_an_unknown_secret() {
    let json = serde_json::json!({
        "client_id": "abc",
        "client_secret": SECRET,
        "new_api_secret": SECRET,
    });
    let model: emails::EmailProviderCredentialsSchemaClientId =
        serde_json::from_value(json.clone()).unwrap();
    assert_hidden(&format!("{model:?} {model:#?}"));
    assert_eq!(serde_json::to_value(&model).unwrap(), json);
}

#[test]
fn extra_fields_and_unclassified_values() {
    let extra: ExtraFields =
        serde_json::from_value(serde_json::json!({"password": SECRET, "name": "x"})).unwrap();
    assert_hidden(&format!("{extra:?}"));
    let raw = Unclassified(serde_json::json!({"nested": {"private_key": SECRET}}));
    assert_hidden(&format!("{raw:?}"));
}
