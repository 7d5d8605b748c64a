//! Builders take what a user has at hand: a list setter any iterable of values that convert
//! into its items, a one-field wrapper its value.

use auth0_m2m_management::clients::{
    ClientAuthenticationMethodPrivateKeyJwt, CreateClientRequestContent, CredentialId,
};
use serde_json::json;

#[test]
fn list_setters_take_any_iterable_of_convertible_values() {
    let from_array = CreateClientRequestContent::new("app")
        .with_callbacks(["https://a.example.com/cb", "https://b.example.com/cb"]);
    let from_vec = CreateClientRequestContent::new("app").with_callbacks(vec![
        "https://a.example.com/cb".to_owned(),
        "https://b.example.com/cb".to_owned(),
    ]);
    let from_iter = CreateClientRequestContent::new("app").with_callbacks(
        ["a", "b"]
            .iter()
            .map(|h| format!("https://{h}.example.com/cb")),
    );
    let expected = json!({"name": "app", "callbacks": ["https://a.example.com/cb", "https://b.example.com/cb"]});
    for body in [from_array, from_vec, from_iter] {
        assert_eq!(serde_json::to_value(&body).unwrap(), expected);
    }
}

#[test]
fn a_one_field_wrapper_converts_from_its_value() {
    assert_eq!(CredentialId::from("cred_1"), CredentialId::new("cred_1"));
    assert_eq!(
        CredentialId::from("cred_1".to_owned()),
        CredentialId::new("cred_1")
    );
    let jwt = ClientAuthenticationMethodPrivateKeyJwt::new(["cred_1", "cred_2"]);
    assert_eq!(
        serde_json::to_value(&jwt).unwrap(),
        json!({"credentials": [{"id": "cred_1"}, {"id": "cred_2"}]})
    );
}
