//! `POST /oauth/token` over real TLS.

mod common;

use auth0_m2m_fake::FakeTenant;
use base64::Engine;
use common::http_client;
use serde_json::{Value, json};

async fn post_form(
    http: &reqwest::Client,
    t: &FakeTenant,
    form: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let r = http
        .post(t.token_url())
        .form(form)
        .send()
        .await
        .expect("send");
    let s = r.status().as_u16();
    let h = r.headers().clone();
    (s, h, r.json().await.expect("json"))
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64");
    serde_json::from_slice(&bytes).expect("claims")
}

#[tokio::test]
async fn client_secret_post_form_issues_an_rs256_token() {
    let t = FakeTenant::builder()
        .client("svc", "s3cret", &["read:clients", "read:users"])
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let aud = t.audience();
    let (s, h, v) = post_form(
        &http,
        &t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "svc"),
            ("client_secret", "s3cret"),
            ("audience", &aud),
        ],
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 86400);
    assert_eq!(v["scope"], "read:clients read:users");
    assert!(h.contains_key("x-ratelimit-limit"));
    assert!(h.contains_key("x-ratelimit-remaining"));
    assert!(h.contains_key("x-ratelimit-reset"));
    let token = v["access_token"].as_str().expect("token");
    let c = claims(token);
    assert_eq!(c["iss"], format!("{}/", t.base_url()));
    assert_eq!(c["sub"], "svc@clients");
    assert_eq!(c["aud"], aud);
    assert_eq!(c["azp"], "svc");
    assert_eq!(c["gty"], "client-credentials");
    assert_eq!(c["scope"], "read:clients read:users");
    assert_eq!(
        c["exp"].as_u64().expect("exp") - c["iat"].as_u64().expect("iat"),
        86400
    );
    let header = jsonwebtoken::decode_header(token).expect("header");
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let kid = header.kid.expect("kid");

    // The token verifies against the served JWKS.
    let jwks = common::jwks(&t, &http).await;
    let key = &jwks["keys"][0];
    assert_eq!(key["kid"], kid.as_str());
    let dk = jsonwebtoken::DecodingKey::from_rsa_components(
        key["n"].as_str().expect("n"),
        key["e"].as_str().expect("e"),
    )
    .expect("key");
    let mut val = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    val.set_audience(&[aud.as_str()]);
    jsonwebtoken::decode::<Value>(token, &dk, &val).expect("verifies");
    assert_eq!(t.stats().tokens_issued, 1);
    assert_eq!(t.stats().token_requests, 1);
}

#[tokio::test]
async fn json_body_and_basic_auth_are_accepted() {
    let t = FakeTenant::builder()
        .http(true)
        .client("id+with space", "p@ss:word", &["read:clients"])
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let r = http
        .post(t.token_url())
        .json(
            &json!({"grant_type": "client_credentials", "client_id": "id+with space",
                      "client_secret": "p@ss:word", "audience": t.audience()}),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);

    // RFC 6749 2.3.1: form-urlencode id and secret, then base64.
    let enc = |s: &str| -> String { form_urlencoded(s) };
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        enc("id+with space"),
        enc("p@ss:word")
    ));
    let aud = t.audience();
    let r = http
        .post(t.token_url())
        .header("authorization", format!("Basic {basic}"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("audience", aud.as_str()),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
    let bad = base64::engine::general_purpose::STANDARD.encode("id%2Bwith+space:wrong");
    let r = http
        .post(t.token_url())
        .header("authorization", format!("Basic {bad}"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("audience", aud.as_str()),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        v,
        json!({"error": "access_denied", "error_description": "Unauthorized"})
    );
}

fn form_urlencoded(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).expect("encode")[2..].to_string()
}

#[tokio::test]
async fn auth0_error_answers() {
    let t = FakeTenant::builder()
        .client("svc", "s3cret", &["read:clients"])
        .client_without_grant("nogrant", "ng-secret")
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let aud = t.audience();
    let unauthorized = json!({"error": "access_denied", "error_description": "Unauthorized"});

    let (s, _, v) = post_form(
        &http,
        &t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "nobody"),
            ("client_secret", "x"),
            ("audience", &aud),
        ],
    )
    .await;
    assert_eq!((s, &v), (401, &unauthorized));

    let (s, _, v) = post_form(
        &http,
        &t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "svc"),
            ("client_secret", "wrong"),
            ("audience", &aud),
        ],
    )
    .await;
    assert_eq!((s, &v), (401, &unauthorized));

    let (s, _, v) = post_form(
        &http,
        &t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "nogrant"),
            ("client_secret", "ng-secret"),
            ("audience", &aud),
        ],
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(
        v,
        json!({"error": "access_denied", "error_description": format!(
        "Client is not authorized to access \"{aud}\". You need to create a \"client-grant\" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants")})
    );

    let (s, _, v) = post_form(
        &http,
        &t,
        &[
            ("client_id", "svc"),
            ("client_secret", "s3cret"),
            ("audience", &aud),
        ],
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(v["error"], "unsupported_grant_type");

    let (s, _, v) = post_form(
        &http,
        &t,
        &[
            ("grant_type", "password"),
            ("client_id", "svc"),
            ("client_secret", "s3cret"),
            ("audience", &aud),
        ],
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(
        v,
        json!({"error": "unsupported_grant_type", "error_description": "Grant type not supported"})
    );

    let (s, _, v) = post_form(
        &http,
        &t,
        &[
            ("grant_type", "client_credentials"),
            ("client_secret", "s3cret"),
            ("audience", &aud),
        ],
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(
        v,
        json!({"error": "invalid_request", "error_description": "Missing required parameter: client_id"})
    );

    let (s, _, v) = post_form(
        &http,
        &t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "svc"),
            ("client_secret", "s3cret"),
        ],
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(v["error"], "access_denied");

    // Narrowing scopes works; asking for a scope not granted is refused.
    let (s, _, v) = post_form(
        &http,
        &t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "svc"),
            ("client_secret", "s3cret"),
            ("audience", &aud),
            ("scope", "read:clients"),
            ("organization", "org_abc"),
        ],
    )
    .await;
    assert_eq!((s, v["scope"].as_str()), (200, Some("read:clients")));
    let (s, _, v) = post_form(
        &http,
        &t,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "svc"),
            ("client_secret", "s3cret"),
            ("audience", &aud),
            ("scope", "read:clients delete:clients"),
        ],
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(
        v,
        json!({"error": "access_denied", "error_description": "Client has not been granted scopes: delete:clients"})
    );
}
