//! mTLS client authentication and certificate-bound tokens (RFC 8705) end to end against the
//! fake tenant's mTLS alias: `self_signed_tls_client_auth` with no secret, tokens bound to the
//! certificate (`cnf.x5t#S256`) and refused by the protected resource without it, and cache
//! keys that follow the certificate.
#![cfg(feature = "clients")]

use auth0_m2m::ManagementClient;
use auth0_m2m_cache::TokenSource;
use auth0_m2m_fake::FakeTenant;
use auth0_m2m_token::{ClientAuth, ClientCertificate, TokenClient, TokenEndpoint};
use base64::Engine as _;
use serde_json::Value;

const ID: &str = "mtls-app";

/// A self-signed client certificate and its key (PEM).
fn certificate() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(vec!["mtls-app.example".to_owned()]).unwrap();
    p.not_before = rcgen::date_time_ymd(2024, 1, 1);
    p.not_after = rcgen::date_time_ymd(2090, 1, 1);
    (p.self_signed(&key).unwrap().pem(), key.serialize_pem())
}

async fn tenant(cert_pem: &str) -> FakeTenant {
    FakeTenant::builder()
        .mtls(true)
        .self_signed_tls_client(ID, cert_pem, &["read:clients"])
        .start()
        .await
        .expect("tenant")
}

fn token_client(t: &FakeTenant, cert: &ClientCertificate) -> TokenClient {
    TokenClient::builder(
        TokenEndpoint::auth0_domain(&t.domain()).unwrap(),
        ID,
        ClientAuth::self_signed_tls_client_auth(),
    )
    .with_client_certificate(cert.clone())
    .with_mtls_endpoint(t.mtls_token_url().expect("mTLS alias"))
    .with_root_certificate_pem(t.ca_cert_pem())
    .build()
    .unwrap()
}

fn claims(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

fn http(t: &FakeTenant, identity: Option<(&str, &str)>) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(t.ca_cert_pem().as_bytes()).unwrap());
    if let Some((c, k)) = identity {
        b = b.identity(reqwest::Identity::from_pem(format!("{c}{k}").as_bytes()).unwrap());
    }
    b.build().unwrap()
}

#[tokio::test]
async fn a_certificate_authenticates_and_binds_the_token() {
    let (cert_pem, key_pem) = certificate();
    let t = tenant(&cert_pem).await;
    let cert = ClientCertificate::from_pem(cert_pem.as_bytes(), key_pem.as_bytes()).unwrap();
    let tc = token_client(&t, &cert);
    assert_eq!(tc.auth_method(), "self_signed_tls_client_auth");
    let token = tc.fetch_token().await.expect("a token over mTLS");
    assert_eq!(
        claims(token.expose_secret())["cnf"]["x5t#S256"],
        cert.thumbprint()
    );
    let bearer = token.bearer_header_value();
    let mtls_resource = format!("{}/__fake/resource", t.mtls_base_url().unwrap());

    // With its certificate, over the mTLS alias: accepted.
    let r = http(&t, Some((&cert_pem, &key_pem)))
        .get(&mtls_resource)
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Without a certificate, or with another one: refused.
    let r = http(&t, None)
        .get(t.resource_url())
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (other_cert, other_key) = certificate();
    let r = http(&t, Some((&other_cert, &other_key)))
        .get(&mtls_resource)
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
    assert!(challenge.contains("invalid_token"), "{challenge}");

    // Another certificate is not the client's credential.
    let other = ClientCertificate::from_pem(other_cert.as_bytes(), other_key.as_bytes()).unwrap();
    let err = token_client(&t, &other).fetch_token().await.unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert!(err.to_string().contains("invalid_client"), "{err}");
}

#[tokio::test]
async fn the_management_client_calls_over_the_alias_with_its_certificate() {
    let (cert_pem, key_pem) = certificate();
    let t = tenant(&cert_pem).await;
    let cert = ClientCertificate::from_pem(cert_pem.as_bytes(), key_pem.as_bytes()).unwrap();
    let client = ManagementClient::builder(t.domain())
        .with_base_url(t.mtls_base_url().unwrap())
        .with_mtls(
            ID,
            ClientAuth::self_signed_tls_client_auth(),
            cert.clone(),
            t.mtls_token_url().unwrap(),
        )
        .with_root_certificate_pem(t.ca_cert_pem())
        .build()
        .unwrap();
    let c = client
        .clients()
        .get(ID)
        .await
        .expect("a call with a bound token");
    assert_eq!(c.client_id.as_deref(), Some(ID));
}

#[tokio::test]
async fn bound_tokens_are_cached_under_the_certificate() {
    let (a_cert, a_key) = certificate();
    let (b_cert, b_key) = certificate();
    let t = tenant(&a_cert).await;
    let a = ClientCertificate::from_pem(a_cert.as_bytes(), a_key.as_bytes()).unwrap();
    let b = ClientCertificate::from_pem(b_cert.as_bytes(), b_key.as_bytes()).unwrap();
    let pa = token_client(&t, &a).cache_key_parts();
    let pb = token_client(&t, &b).cache_key_parts();
    assert_eq!(pa.binding, Some(format!("x5t#S256:{}", a.thumbprint())));
    assert_ne!(pa, pb);
    assert_eq!(pa, token_client(&t, &a).cache_key_parts());
}

#[test]
fn mtls_without_a_certificate_is_a_configuration_error() {
    let err = TokenClient::builder(
        TokenEndpoint::auth0_domain("t.example").unwrap(),
        ID,
        ClientAuth::tls_client_auth(),
    )
    .build()
    .unwrap_err();
    assert!(err.to_string().contains("AUTH0_CLIENT_CERT"), "{err}");
}
