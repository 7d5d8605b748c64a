//! `private_key_jwt` client authentication (RS256, PS256, ES256).

mod common;

use auth0_m2m_fake::FakeTenant;
use common::http_client;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde_json::{Value, json};

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs()
}

fn assertion(
    key: &EncodingKey,
    alg: Algorithm,
    iss: &str,
    aud: &str,
    jti: &str,
    exp: u64,
) -> String {
    let claims = json!({"iss": iss, "sub": iss, "aud": aud, "iat": now(), "exp": exp, "jti": jti});
    jsonwebtoken::encode(&Header::new(alg), &claims, key).expect("sign")
}

async fn exchange(http: &reqwest::Client, t: &FakeTenant, assertion: &str) -> (u16, Value) {
    let aud = t.audience();
    let r = http
        .post(t.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", assertion),
            ("audience", aud.as_str()),
        ])
        .send()
        .await
        .expect("send");
    (r.status().as_u16(), r.json().await.expect("json"))
}

#[tokio::test]
async fn ec_p256_assertion_es256() {
    let kp = rcgen::KeyPair::generate().expect("ec key");
    let t = FakeTenant::builder()
        .private_key_client("jwt-ec", &kp.public_key_pem(), &["read:clients"])
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let key = EncodingKey::from_ec_pem(kp.serialize_pem().as_bytes()).expect("enc");
    let a = assertion(
        &key,
        Algorithm::ES256,
        "jwt-ec",
        &t.token_url(),
        "j1",
        now() + 60,
    );
    let (s, v) = exchange(&http, &t, &a).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["scope"], "read:clients");

    // A jti cannot be used twice.
    let (s, v) = exchange(&http, &t, &a).await;
    assert_eq!(s, 401, "{v}");
    assert_eq!(v["error"], "access_denied");

    // The base URL with a trailing slash is an accepted audience.
    let a = assertion(
        &key,
        Algorithm::ES256,
        "jwt-ec",
        &format!("{}/", t.base_url()),
        "j2",
        now() + 60,
    );
    assert_eq!(exchange(&http, &t, &a).await.0, 200);

    // Wrong audience, expired assertion, and a key that is not the client's.
    let a = assertion(
        &key,
        Algorithm::ES256,
        "jwt-ec",
        "https://elsewhere/oauth/token",
        "j3",
        now() + 60,
    );
    assert_eq!(exchange(&http, &t, &a).await.0, 401);
    let a = assertion(
        &key,
        Algorithm::ES256,
        "jwt-ec",
        &t.token_url(),
        "j4",
        now() - 120,
    );
    assert_eq!(exchange(&http, &t, &a).await.0, 401);
    let other = rcgen::KeyPair::generate().expect("ec key");
    let other = EncodingKey::from_ec_pem(other.serialize_pem().as_bytes()).expect("enc");
    let a = assertion(
        &other,
        Algorithm::ES256,
        "jwt-ec",
        &t.token_url(),
        "j5",
        now() + 60,
    );
    let (s, v) = exchange(&http, &t, &a).await;
    assert_eq!(
        (s, v),
        (
            401,
            json!({"error": "access_denied", "error_description": "Unauthorized"})
        )
    );

    // A wrong assertion type is a bad request.
    let r = http
        .post(t.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_assertion_type", "bogus"),
            ("client_assertion", "a.b.c"),
            ("audience", t.audience().as_str()),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn rsa_assertions_rs256_and_ps256() {
    let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("rsa");
    let public_pem = private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("public pem");
    let private_pem = private.to_pkcs8_pem(LineEnding::LF).expect("private pem");
    let key = EncodingKey::from_rsa_pem(private_pem.as_bytes()).expect("enc");
    let t = FakeTenant::builder()
        .http(true)
        .private_key_client("jwt-rsa", &public_pem, &["read:users"])
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    for (alg, jti) in [(Algorithm::RS256, "r1"), (Algorithm::PS256, "p1")] {
        let a = assertion(&key, alg, "jwt-rsa", &t.token_url(), jti, now() + 60);
        let (s, v) = exchange(&http, &t, &a).await;
        assert_eq!(s, 200, "{alg:?}: {v}");
        assert_eq!(v["scope"], "read:users");
    }
    // A secret does not authenticate a private_key_jwt client.
    let r = http
        .post(t.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "jwt-rsa"),
            ("client_secret", ""),
            ("audience", t.audience().as_str()),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn builder_rejects_a_key_that_is_not_pem() {
    let err = FakeTenant::builder()
        .http(true)
        .private_key_client("bad", "not a key", &[])
        .start()
        .await
        .expect_err("must fail");
    assert!(err.to_string().contains("bad"), "{err}");
}
