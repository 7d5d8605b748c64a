//! DPoP-bound tokens (RFC 9449) end to end against the fake tenant: the token is bound to the
//! key, the Management API and the tenant's protected resource refuse proofs for another
//! method or URL, a replayed proof, and a token presented with another key or as a Bearer
//! token; nonce challenges are answered; shared caches key bound tokens by the key.
#![cfg(feature = "clients")]

use std::sync::Arc;

use auth0_m2m::ManagementClient;
use auth0_m2m_cache::{MemoryCache, TokenCache};
use auth0_m2m_fake::FakeTenant;
use auth0_m2m_token::{ClientAuth, DpopKey, TokenClient, TokenEndpoint};
use base64::Engine as _;
use http::Method;
use serde_json::Value;

const ID: &str = "dpop-app";
const SECRET: &str = "dpop-app-secret-0123456789";

async fn tenant(nonce: bool) -> FakeTenant {
    FakeTenant::builder()
        .client(ID, SECRET, &["read:clients"])
        .dpop_nonce(nonce)
        .start()
        .await
        .expect("tenant")
}

fn client(t: &FakeTenant, key: &DpopKey, cache: Option<Arc<dyn TokenCache>>) -> ManagementClient {
    let b = ManagementClient::builder(t.domain())
        .with_client_secret(ID, SECRET)
        .with_root_certificate_pem(t.ca_cert_pem())
        .with_dpop(key.clone());
    match cache {
        Some(c) => b.with_cache(c),
        None => b,
    }
    .build()
    .expect("client")
}

fn claims(token: &str) -> Value {
    let part = token.split('.').nth(1).expect("payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64");
    serde_json::from_slice(&bytes).expect("json")
}

fn http(t: &FakeTenant) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(t.ca_cert_pem().as_bytes()).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn management_calls_with_a_dpop_bound_token_and_nonce_challenges() {
    let t = tenant(true).await;
    let key = DpopKey::generate().unwrap();
    let c = client(&t, &key, None);
    // The token endpoint asks for a nonce first: one challenge, one retry, one token.
    let before = t.stats();
    c.clients()
        .get(ID)
        .await
        .expect("a call with a DPoP-bound token");
    let after = t.stats();
    assert_eq!(after.token_requests - before.token_requests, 2);
    assert_eq!(after.tokens_issued - before.tokens_issued, 1);
    let token = c.token_provider().token().await.unwrap();
    assert!(token.is_dpop(), "{token:?}");
    assert_eq!(
        claims(token.expose_secret())["cnf"]["jkt"],
        key.thumbprint()
    );

    // The API's nonce changes: the call is answered with a challenge and sent again with
    // the new nonce, with the same token.
    t.rotate_dpop_nonce().unwrap();
    let before = t.stats();
    c.clients().get(ID).await.expect("after a nonce challenge");
    let after = t.stats();
    assert_eq!(after.api_requests - before.api_requests, 2);
    assert_eq!(
        after.token_requests, before.token_requests,
        "the token was kept"
    );
}

#[tokio::test]
async fn the_protected_resource_checks_the_binding() {
    let t = tenant(false).await;
    let key = DpopKey::generate().unwrap();
    let tc = TokenClient::builder(
        TokenEndpoint::auth0_domain(&t.domain()).unwrap(),
        ID,
        ClientAuth::client_secret_post(SECRET),
    )
    .with_root_certificate_pem(t.ca_cert_pem())
    .with_dpop(key.clone())
    .build()
    .unwrap();
    let token = tc.fetch_token().await.unwrap();
    assert_eq!(token.token_type(), "DPoP");
    let url = t.resource_url();
    let h = http(&t);
    let send = |method: Method, auth: String, proof: Option<String>| {
        let mut r = h.request(method, &url).header("authorization", auth);
        if let Some(p) = proof {
            r = r.header("dpop", p);
        }
        async move {
            let r = r.send().await.unwrap();
            let status = r.status().as_u16();
            let challenge = r
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            (
                status,
                challenge,
                r.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let dpop = token.authorization_header_value();
    assert!(dpop.starts_with("DPoP "));
    let secret = token.expose_secret();

    // The right proof.
    let proof = key.proof(&Method::GET, &url, Some(secret)).unwrap();
    let (s, _, body) = send(Method::GET, dpop.clone(), Some(proof.clone())).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["cnf"]["jkt"], key.thumbprint());
    // The same proof again: a replayed jti.
    let (s, c, _) = send(Method::GET, dpop.clone(), Some(proof)).await;
    assert_eq!(s, 401);
    assert!(c.contains("invalid_dpop_proof"), "{c}");
    // A proof for another method, and for another URL.
    let post = key.proof(&Method::POST, &url, Some(secret)).unwrap();
    let (s, c, _) = send(Method::GET, dpop.clone(), Some(post)).await;
    assert_eq!((s, c.contains("invalid_dpop_proof")), (401, true), "{c}");
    let elsewhere = key
        .proof(
            &Method::GET,
            &format!("{}/api/v2/clients", t.base_url()),
            Some(secret),
        )
        .unwrap();
    let (s, c, _) = send(Method::GET, dpop.clone(), Some(elsewhere)).await;
    assert_eq!((s, c.contains("invalid_dpop_proof")), (401, true), "{c}");
    // The token with another key's proof.
    let other = DpopKey::generate().unwrap();
    let stolen = other.proof(&Method::GET, &url, Some(secret)).unwrap();
    let (s, c, _) = send(Method::GET, dpop.clone(), Some(stolen)).await;
    assert_eq!((s, c.contains("invalid_token")), (401, true), "{c}");
    // A proof for another token (its ath does not match).
    let wrong_ath = key
        .proof(&Method::GET, &url, Some("another-token"))
        .unwrap();
    let (s, _, _) = send(Method::GET, dpop.clone(), Some(wrong_ath)).await;
    assert_eq!(s, 401);
    // No proof at all, and the bound token as a Bearer token.
    let (s, _, _) = send(Method::GET, dpop.clone(), None).await;
    assert_eq!(s, 401);
    let proof = key.proof(&Method::GET, &url, Some(secret)).unwrap();
    let (s, c, _) = send(Method::GET, format!("Bearer {secret}"), Some(proof)).await;
    assert_eq!((s, c.starts_with("DPoP")), (401, true), "{c}");
}

#[tokio::test]
async fn a_shared_cache_keys_bound_tokens_by_the_key() {
    let t = tenant(false).await;
    let cache: Arc<dyn TokenCache> = Arc::new(MemoryCache::new());
    let key = DpopKey::generate().unwrap();
    let other = DpopKey::generate().unwrap();
    let a = client(&t, &key, Some(cache.clone()));
    let b = client(&t, &key, Some(cache.clone()));
    let c = client(&t, &other, Some(cache.clone()));
    let before = t.stats().tokens_issued;
    a.clients().get(ID).await.unwrap();
    b.clients().get(ID).await.unwrap();
    assert_eq!(t.stats().tokens_issued - before, 1, "one key, one token");
    // Another key never gets the first key's token: it gets its own, and it works.
    c.clients().get(ID).await.unwrap();
    assert_eq!(t.stats().tokens_issued - before, 2);
    let ta = a.token_provider().token().await.unwrap();
    let tc = c.token_provider().token().await.unwrap();
    assert_ne!(
        claims(ta.expose_secret())["cnf"]["jkt"],
        claims(tc.expose_secret())["cnf"]["jkt"]
    );
}

#[tokio::test]
async fn a_key_of_the_wrong_curve_is_refused_and_the_cached_token_stays() {
    let t = tenant(false).await;
    let key = DpopKey::generate().unwrap();
    let cache: Arc<dyn TokenCache> = Arc::new(MemoryCache::new());
    let good = client(&t, &key, Some(cache.clone()));
    good.clients().get(ID).await.unwrap();
    let p384 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384)
        .unwrap()
        .serialize_pem();
    let err = DpopKey::from_pem(p384.as_bytes()).unwrap_err().to_string();
    assert!(
        err.contains("P-384") && err.contains("openssl genpkey"),
        "{err}"
    );
    // The valid token is still there and still used.
    let before = t.stats().tokens_issued;
    good.clients().get(ID).await.unwrap();
    assert_eq!(t.stats().tokens_issued, before);
}

#[tokio::test]
async fn the_api_client_sends_dpop_proofs_and_replaces_a_rejected_token() {
    use auth0_m2m::ApiClient;
    use auth0_m2m_cache::TokenProvider;
    use auth0_m2m_token::{HttpClient, ReqwestHttpClient};

    let t = tenant(true).await;
    let http: Arc<dyn HttpClient> = Arc::new(
        ReqwestHttpClient::builder()
            .with_root_certificate_pem(t.ca_cert_pem())
            .build()
            .unwrap(),
    );
    let key = DpopKey::generate().unwrap();
    let tokens = TokenClient::builder(
        TokenEndpoint::auth0_domain(&t.domain()).unwrap(),
        ID,
        ClientAuth::client_secret_post(SECRET),
    )
    .with_audience(t.audience())
    .with_http_client(http.clone())
    .with_dpop(key.clone())
    .build()
    .unwrap();
    let api = ApiClient::new(TokenProvider::builder(tokens).build().unwrap(), http)
        .with_dpop(key.clone());
    let answer = api.get(&t.resource_url()).await.unwrap();
    assert_eq!(answer.status, 200);
    let body: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(body["cnf"]["jkt"], key.thumbprint());
    // Revoked tokens are answered 401: the client takes a fresh token once.
    t.revoke_all();
    let issued = t.stats().tokens_issued;
    let answer = api
        .send(
            Method::POST,
            &t.resource_url(),
            http::HeaderMap::new(),
            bytes::Bytes::from_static(b"{}"),
        )
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(t.stats().tokens_issued, issued + 1);
    // Without the key, a DPoP-bound token cannot be sent: a clear error, no request.
    let tokens = TokenClient::builder(
        TokenEndpoint::auth0_domain(&t.domain()).unwrap(),
        ID,
        ClientAuth::client_secret_post(SECRET),
    )
    .with_audience(t.audience())
    .with_root_certificate_pem(t.ca_cert_pem())
    .with_dpop(key)
    .build()
    .unwrap();
    let keyless = ApiClient::new(
        TokenProvider::builder(tokens).build().unwrap(),
        Arc::new(
            ReqwestHttpClient::builder()
                .with_root_certificate_pem(t.ca_cert_pem())
                .build()
                .unwrap(),
        ),
    );
    let err = keyless.get(&t.resource_url()).await.unwrap_err();
    assert!(err.to_string().contains("with_dpop"), "{err}");
}
