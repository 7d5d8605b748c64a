//! Hostile inputs for the credentials: a DPoP key of the wrong curve, a certificate without
//! its key, an expired certificate, a 3 KB assertion and an unknown `kid` each give a typed
//! error that names the fix, and none of them costs the valid token already in the shared
//! cache.
#![cfg(all(feature = "private-key-jwt", feature = "clients"))]

use std::sync::Arc;

use auth0_m2m::{ClientAuth, ManagementClient};
use auth0_m2m_cache::{MemoryCache, TokenCache};
use auth0_m2m_fake::FakeTenant;
use auth0_m2m_token::{Algorithm, ClientCertificate, ConfigError, DpopKey, PrivateKey};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

const ID: &str = "jwt-app";

fn rsa_pair() -> (String, String) {
    let k = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    (
        k.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        k.to_public_key().to_public_key_pem(LineEnding::LF).unwrap(),
    )
}

fn client(
    t: &FakeTenant,
    id: &str,
    key: PrivateKey,
    cache: &Arc<dyn TokenCache>,
) -> ManagementClient {
    ManagementClient::builder(t.domain())
        .with_client_auth(id, ClientAuth::private_key_jwt(key))
        .with_root_certificate_pem(t.ca_cert_pem())
        .with_cache(cache.clone())
        .build()
        .unwrap()
}

#[tokio::test]
async fn hostile_credentials_are_typed_errors_and_the_cached_token_stays() {
    let (private, public) = rsa_pair();
    let t = FakeTenant::builder()
        .private_key_client(ID, &public, &["read:clients"])
        .start()
        .await
        .unwrap();
    let cache: Arc<dyn TokenCache> = Arc::new(MemoryCache::new());
    let key = PrivateKey::from_pem(private.as_bytes(), Algorithm::RS256).unwrap();
    let good = client(&t, ID, key.clone(), &cache);
    good.clients().get(ID).await.unwrap();
    let issued = t.stats().tokens_issued;

    // A DPoP key on P-384: ES256 needs P-256.
    let p384 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384)
        .unwrap()
        .serialize_pem();
    let e = DpopKey::from_pem(p384.as_bytes()).unwrap_err();
    assert!(matches!(
        e,
        ConfigError::Invalid {
            field: "DPoP key",
            ..
        }
    ));
    assert!(e.to_string().contains("ec_paramgen_curve:P-256"), "{e}");

    // A certificate without its key, and an expired one.
    let ck = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(vec!["c".to_owned()]).unwrap();
    p.not_before = rcgen::date_time_ymd(2020, 1, 1);
    p.not_after = rcgen::date_time_ymd(2022, 1, 1);
    let expired = p.self_signed(&ck).unwrap().pem();
    let e = ClientCertificate::from_pem(expired.as_bytes(), b"").unwrap_err();
    assert!(e.to_string().contains("AUTH0_CLIENT_KEY"), "{e}");
    let e =
        ClientCertificate::from_pem(expired.as_bytes(), ck.serialize_pem().as_bytes()).unwrap_err();
    assert!(e.to_string().contains("expired"), "{e}");

    // A 3 KB assertion (a very long client id): refused before anything is sent.
    let long_id = "x".repeat(1400);
    let e = ManagementClient::builder(t.domain())
        .with_client_auth(&long_id, ClientAuth::private_key_jwt(key.clone()))
        .with_root_certificate_pem(t.ca_cert_pem())
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("2048 bytes"), "{e}");

    // An unknown kid on the same client and cache: the cached token still serves it...
    let stranger = key.clone().with_key_id("not-registered-kid");
    let unknown = client(&t, ID, stranger, &cache);
    unknown.clients().get(ID).await.unwrap();
    assert_eq!(
        t.stats().tokens_issued,
        issued,
        "no token was lost or replaced"
    );
    // ...and once a token is needed, the error names the kid and the server's reason.
    let own_cache: Arc<dyn TokenCache> = Arc::new(MemoryCache::new());
    let lonely = client(&t, ID, key.with_key_id("not-registered-kid"), &own_cache);
    let e = lonely.clients().get(ID).await.unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("invalid_client") && text.contains("not-registered-kid"),
        "{text}"
    );
    // The good client still has its token.
    good.clients().get(ID).await.unwrap();
    assert_eq!(t.stats().tokens_issued, issued);
}
