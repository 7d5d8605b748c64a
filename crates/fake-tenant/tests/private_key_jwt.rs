//! `private_key_jwt` client authentication as Auth0 checks it (RS256, RS384, PS256; `aud` =
//! the issuer URL; the credential's `alg` and `kid`; `exp` at most five minutes ahead; `jti`
//! of at most 64 characters, never reused; at most 2,048 bytes), and the client credentials
//! managed through the Management API.

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

struct Key {
    encoding: EncodingKey,
    public_pem: String,
}

fn rsa_key() -> Key {
    let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("rsa");
    let public_pem = private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("public pem");
    let private_pem = private.to_pkcs8_pem(LineEnding::LF).expect("private pem");
    Key {
        encoding: EncodingKey::from_rsa_pem(private_pem.as_bytes()).expect("enc"),
        public_pem,
    }
}

/// An assertion with the given header fields and claims.
fn sign(key: &Key, alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
    let mut h = Header::new(alg);
    h.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&h, claims, &key.encoding).expect("sign")
}

fn claims(iss: &str, aud: &str, jti: &str, exp: u64) -> Value {
    json!({"iss": iss, "sub": iss, "aud": aud, "iat": now(), "exp": exp, "jti": jti})
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

async fn tenant(key: &Key) -> FakeTenant {
    FakeTenant::builder()
        .http(true)
        .client("admin", "admin-secret", &auth0_m2m_fake::served_scopes())
        .private_key_client("jwt", &key.public_pem, &["read:clients"])
        .start()
        .await
        .expect("start")
}

async fn api(
    http: &reqwest::Client,
    t: &FakeTenant,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let token = common::token_for(t, http, "admin", "admin-secret").await;
    let mut r = http
        .request(method, format!("{}/api/v2{path}", t.base_url()))
        .bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.expect("send");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn error_of(v: &Value) -> (&str, &str) {
    (
        v["error"].as_str().unwrap_or(""),
        v["error_description"].as_str().unwrap_or(""),
    )
}

#[tokio::test]
async fn assertions_are_checked_as_auth0_checks_them() {
    let key = rsa_key();
    let t = tenant(&key).await;
    let http = http_client(&t);
    let iss = t.issuer();
    assert_eq!(iss, format!("{}/", t.base_url()));

    // RS256, RS384 and PS256 against a credential registered as RS256: only RS256 fits it.
    let a = sign(
        &key,
        Algorithm::RS256,
        None,
        &claims("jwt", &iss, "j1", now() + 60),
    );
    let (s, v) = exchange(&http, &t, &a).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["scope"], "read:clients");
    let a = sign(
        &key,
        Algorithm::PS256,
        None,
        &claims("jwt", &iss, "j1b", now() + 60),
    );
    let (s, v) = exchange(&http, &t, &a).await;
    assert_eq!(s, 401, "{v}");
    assert!(
        error_of(&v)
            .1
            .contains("does not match the credential's RS256"),
        "{v}"
    );

    // The same jti twice is a replay.
    let a = sign(
        &key,
        Algorithm::RS256,
        None,
        &claims("jwt", &iss, "j2", now() + 60),
    );
    assert_eq!(exchange(&http, &t, &a).await.0, 200);
    let (s, v) = exchange(&http, &t, &a).await;
    assert_eq!((s, error_of(&v).0), (401, "invalid_client"), "{v}");
    assert!(error_of(&v).1.contains("jti"), "{v}");

    // The token URL is not the audience Auth0 documents: the issuer with its slash is.
    let a = sign(
        &key,
        Algorithm::RS256,
        None,
        &claims("jwt", &t.token_url(), "j3", now() + 60),
    );
    let (s, v) = exchange(&http, &t, &a).await;
    assert_eq!(s, 401, "{v}");
    assert!(error_of(&v).1.contains("aud"), "{v}");
    let a = sign(
        &key,
        Algorithm::RS256,
        None,
        &claims("jwt", t.base_url().as_str(), "j3b", now() + 60),
    );
    assert_eq!(exchange(&http, &t, &a).await.0, 401);

    // exp more than five minutes ahead; expired; a jti over 64 characters.
    let a = sign(
        &key,
        Algorithm::RS256,
        None,
        &claims("jwt", &iss, "j4", now() + 400),
    );
    let (s, v) = exchange(&http, &t, &a).await;
    assert_eq!(s, 401, "{v}");
    assert!(error_of(&v).1.contains("5 minutes"), "{v}");
    let a = sign(
        &key,
        Algorithm::RS256,
        None,
        &claims("jwt", &iss, "j5", now() - 120),
    );
    assert_eq!(exchange(&http, &t, &a).await.0, 401);
    let long = "j".repeat(65);
    let a = sign(
        &key,
        Algorithm::RS256,
        None,
        &claims("jwt", &iss, &long, now() + 60),
    );
    let (s, v) = exchange(&http, &t, &a).await;
    assert_eq!(s, 401, "{v}");
    assert!(error_of(&v).1.contains("64"), "{v}");

    // The credential's kid is accepted, another is refused by name.
    let (_, creds) = api(
        &http,
        &t,
        reqwest::Method::GET,
        "/clients/jwt/credentials",
        None,
    )
    .await;
    let kid = creds[0]["kid"].as_str().expect("kid").to_owned();
    assert_eq!(kid.len(), 43, "the thumbprint of the key: {creds}");
    assert!(creds[0].get("pem").is_none(), "{creds}");
    let a = sign(
        &key,
        Algorithm::RS256,
        Some(&kid),
        &claims("jwt", &iss, "j6", now() + 60),
    );
    assert_eq!(exchange(&http, &t, &a).await.0, 200);
    let a = sign(
        &key,
        Algorithm::RS256,
        Some("unknown-kid-0001"),
        &claims("jwt", &iss, "j7", now() + 60),
    );
    let (s, v) = exchange(&http, &t, &a).await;
    assert_eq!(s, 401, "{v}");
    assert!(error_of(&v).1.contains("unknown-kid-0001"), "{v}");

    // Over 2,048 bytes, whatever the signature.
    let big = claims("jwt", &iss, "j8", now() + 60);
    let mut big = big.as_object().cloned().expect("object");
    big.insert("pad".into(), Value::String("x".repeat(1600)));
    let a = sign(&key, Algorithm::RS256, None, &Value::Object(big));
    assert!(a.len() > 2048);
    let (s, v) = exchange(&http, &t, &a).await;
    assert_eq!(s, 401, "{v}");
    assert!(error_of(&v).1.contains("2048"), "{v}");

    // A key that is not the client's.
    let other = rsa_key();
    let a = sign(
        &other,
        Algorithm::RS256,
        None,
        &claims("jwt", &iss, "j9", now() + 60),
    );
    let (s, v) = exchange(&http, &t, &a).await;
    assert_eq!((s, error_of(&v).0), (401, "invalid_client"), "{v}");

    // ES256 is not an algorithm Auth0 registers.
    let ec = rcgen::KeyPair::generate().expect("ec key");
    let ec_key = EncodingKey::from_ec_pem(ec.serialize_pem().as_bytes()).expect("enc");
    let a = jsonwebtoken::encode(
        &Header::new(Algorithm::ES256),
        &claims("jwt", &iss, "j10", now() + 60),
        &ec_key,
    )
    .expect("sign");
    let (s, v) = exchange(&http, &t, &a).await;
    assert_eq!(s, 401, "{v}");
    assert!(error_of(&v).1.contains("RS256, RS384 or PS256"), "{v}");

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

    // A secret does not authenticate a private_key_jwt client.
    let r = http
        .post(t.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "jwt"),
            ("client_secret", ""),
            ("audience", t.audience().as_str()),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn credentials_rotate_through_the_management_api() {
    use reqwest::Method;
    let old = rsa_key();
    let new = rsa_key();
    let t = tenant(&old).await;
    let http = http_client(&t);
    let iss = t.issuer();
    let path = "/clients/jwt/credentials";

    // Add the new key as an RS384 credential with its own kid.
    let (s, created) = api(
        &http,
        &t,
        Method::POST,
        path,
        Some(
            json!({"credential_type": "public_key", "name": "next", "pem": new.public_pem,
                    "alg": "RS384", "kid": "next-key-0001"}),
        ),
    )
    .await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["kid"], "next-key-0001");
    assert_eq!(created["alg"], "RS384");
    assert!(created.get("pem").is_none());
    let new_id = created["id"].as_str().expect("id").to_owned();
    let (_, client) = api(&http, &t, Method::GET, "/clients/jwt", None).await;
    assert_eq!(
        client["client_authentication_methods"]["private_key_jwt"]["credentials"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "{client}"
    );

    // Both keys work now.
    let a = sign(
        &old,
        Algorithm::RS256,
        None,
        &claims("jwt", &iss, "r1", now() + 60),
    );
    assert_eq!(exchange(&http, &t, &a).await.0, 200);
    let a = sign(
        &new,
        Algorithm::RS384,
        Some("next-key-0001"),
        &claims("jwt", &iss, "r2", now() + 60),
    );
    let (s, v) = exchange(&http, &t, &a).await;
    assert_eq!(s, 200, "{v}");

    // A third credential is refused; bad algorithms, kids and keys too.
    let third = rsa_key();
    for (body, what) in [(
        json!({"credential_type": "public_key", "pem": third.public_pem}),
        "at most 2",
    )] {
        let (s, v) = api(&http, &t, Method::POST, path, Some(body)).await;
        assert_eq!(s, 400, "{v}");
        assert!(v["message"].as_str().unwrap_or("").contains(what), "{v}");
    }

    // Remove the old one: only the new key works.
    let (_, list) = api(&http, &t, Method::GET, path, None).await;
    let old_id = list
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["id"] != new_id.as_str())
        .and_then(|c| c["id"].as_str())
        .expect("old credential")
        .to_owned();
    for (body, what) in [
        (
            json!({"credential_type": "public_key", "pem": third.public_pem, "alg": "ES256"}),
            "ES256",
        ),
        (
            json!({"credential_type": "public_key", "pem": "not a key"}),
            "RSA public key",
        ),
        (
            json!({"credential_type": "public_key", "pem": third.public_pem, "kid": "short"}),
            "kid",
        ),
    ] {
        let (s, v) = api(&http, &t, Method::POST, path, Some(body)).await;
        assert_eq!(s, 400, "{v}");
        assert!(
            v["message"].as_str().unwrap_or("").contains(what),
            "{what}: {v}"
        );
    }
    let (s, _) = api(&http, &t, Method::DELETE, &format!("{path}/{old_id}"), None).await;
    assert_eq!(s, 204);
    let a = sign(
        &old,
        Algorithm::RS256,
        None,
        &claims("jwt", &iss, "r3", now() + 60),
    );
    let (s, v) = exchange(&http, &t, &a).await;
    assert_eq!((s, error_of(&v).0), (401, "invalid_client"), "{v}");
    let a = sign(
        &new,
        Algorithm::RS384,
        Some("next-key-0001"),
        &claims("jwt", &iss, "r4", now() + 60),
    );
    assert_eq!(exchange(&http, &t, &a).await.0, 200);

    // An expired credential no longer verifies; PATCH sets the expiry.
    let (s, v) = api(
        &http,
        &t,
        Method::PATCH,
        &format!("{path}/{new_id}"),
        Some(json!({"expires_at": "2020-01-01T00:00:00.000Z"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["expires_at"], "2020-01-01T00:00:00.000Z");
    let a = sign(
        &new,
        Algorithm::RS384,
        Some("next-key-0001"),
        &claims("jwt", &iss, "r5", now() + 60),
    );
    assert_eq!(exchange(&http, &t, &a).await.0, 401);
    let (s, _) = api(
        &http,
        &t,
        Method::GET,
        &format!("{path}/cred_missing"),
        None,
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn builder_rejects_keys_auth0_cannot_register() {
    let err = FakeTenant::builder()
        .http(true)
        .private_key_client("bad", "not a key", &[])
        .start()
        .await
        .expect_err("must fail");
    assert!(err.to_string().contains("bad"), "{err}");
    let ec = rcgen::KeyPair::generate().expect("ec key");
    let err = FakeTenant::builder()
        .http(true)
        .private_key_client("ec", &ec.public_key_pem(), &[])
        .start()
        .await
        .expect_err("must fail");
    assert!(err.to_string().contains("RSA"), "{err}");
}
