//! A property the description allows to be `null` is sent as left out, as a value, or as
//! `null`, and the three are different requests: switching a client to the credentials of
//! `client_authentication_methods` sends `"token_endpoint_auth_method": null`, never the string
//! `"none"` (which would make the client public).
#![cfg(feature = "clients")]

mod common;

use auth0_m2m::http::Method;
use auth0_m2m::management::Nullable;
use auth0_m2m::management::clients::{
    ClientAuthenticationMethod, ClientAuthenticationMethodPrivateKeyJwt, ClientCredentialTypeEnum,
    ClientTokenEndpointAuthMethodEnum, CreateClientRequestContent, CredentialId,
    PostClientCredentialRequestContent, UpdateClientRequestContent,
};
use serde_json::{Value, json};

const PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo
4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u
+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyeh
kd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ
0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdg
cKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbc
mwIDAQAB
-----END PUBLIC KEY-----
";

/// The client as the tenant holds it, as raw JSON, so that `null` and absent differ.
async fn raw_client(client: &auth0_m2m::ManagementClient, id: &str) -> Value {
    client
        .request(Method::GET, format!("/api/v2/clients/{id}"))
        .send::<Value>()
        .await
        .expect("the client is read back")
}

#[test]
fn left_out_a_value_and_null_are_three_different_bodies() {
    let absent = UpdateClientRequestContent::new().with_name("n");
    assert_eq!(serde_json::to_value(&absent).unwrap(), json!({"name": "n"}));

    let value = UpdateClientRequestContent::new()
        .with_token_endpoint_auth_method(ClientTokenEndpointAuthMethodEnum::ClientSecretPost);
    assert_eq!(
        serde_json::to_value(&value).unwrap(),
        json!({"token_endpoint_auth_method": "client_secret_post"})
    );

    let null = UpdateClientRequestContent::new().clear_token_endpoint_auth_method();
    assert_eq!(
        serde_json::to_value(&null).unwrap(),
        json!({"token_endpoint_auth_method": null})
    );

    // The string "none" (a public client) is a value of its own, and says so.
    let public = UpdateClientRequestContent::new()
        .with_token_endpoint_auth_method(ClientTokenEndpointAuthMethodEnum::None);
    assert_eq!(
        serde_json::to_value(&public).unwrap(),
        json!({"token_endpoint_auth_method": "none"})
    );

    // A nested model that accepts null reads `null` back as `Null`, not as absent.
    let oidc: auth0_m2m::management::clients::ClientOidcBackchannelLogoutSettings =
        serde_json::from_value(json!({"backchannel_logout_session_metadata": null})).unwrap();
    assert_eq!(oidc.backchannel_logout_session_metadata, Nullable::Null);
    let oidc: auth0_m2m::management::clients::ClientOidcBackchannelLogoutSettings =
        serde_json::from_value(json!({})).unwrap();
    assert!(oidc.backchannel_logout_session_metadata.is_absent());
}

#[tokio::test]
async fn a_client_switched_to_client_authentication_methods_sends_null() {
    let tenant = common::tenant(0, 0).await;
    let client = common::client(&tenant);

    let created = client
        .clients()
        .create(
            CreateClientRequestContent::new("Signed job").with_token_endpoint_auth_method(
                ClientTokenEndpointAuthMethodEnum::ClientSecretPost,
            ),
        )
        .await
        .expect("the client is created");
    let id = created.client_id().to_owned();
    let before = raw_client(&client, &id).await;
    assert_eq!(before["token_endpoint_auth_method"], "client_secret_post");

    let credential = client
        .clients()
        .credentials()
        .create(
            &id,
            PostClientCredentialRequestContent::new(ClientCredentialTypeEnum::PublicKey)
                .with_name("signing key")
                .with_pem(PUBLIC_KEY),
        )
        .await
        .expect("the credential is registered");
    let credential_id = credential.id.clone().expect("the credential has an id");

    let methods = ClientAuthenticationMethod::new().with_private_key_jwt(
        ClientAuthenticationMethodPrivateKeyJwt::new(vec![CredentialId::new(
            credential_id.clone(),
        )]),
    );
    let body = UpdateClientRequestContent::new()
        .with_client_authentication_methods(methods)
        .clear_token_endpoint_auth_method();
    let sent = serde_json::to_value(&body).unwrap();
    assert_eq!(sent["token_endpoint_auth_method"], Value::Null);
    assert!(
        sent.as_object()
            .unwrap()
            .contains_key("token_endpoint_auth_method")
    );

    client
        .clients()
        .update(&id, body)
        .await
        .expect("the update is accepted");
    let after = raw_client(&client, &id).await;
    assert_eq!(
        after["token_endpoint_auth_method"],
        Value::Null,
        "the method is cleared, not set to \"none\": {after}"
    );
    assert_eq!(
        after["client_authentication_methods"]["private_key_jwt"]["credentials"][0]["id"],
        credential_id.as_str()
    );

    // An update that leaves the property out leaves it as it is.
    client
        .clients()
        .update(&id, UpdateClientRequestContent::new().with_name("Renamed"))
        .await
        .expect("the rename is accepted");
    let renamed = raw_client(&client, &id).await;
    assert_eq!(renamed["name"], "Renamed");
    assert_eq!(renamed["token_endpoint_auth_method"], Value::Null);
}
