//! The main flows run with `tracing` at TRACE captured in memory (one global subscriber for
//! this test binary, `log` records included); no client secret, private key, access token,
//! encryption key, nor their base64 / base64url forms, nor a Basic-auth header value may
//! appear in the captured output or in the `Debug` output of any public type.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use auth0_m2m::ManagementClient;
use auth0_m2m::management::Secret;
use auth0_m2m::management::clients::ListClients;
use auth0_m2m_cache::{
    EncryptionKey, FileCache, MemoryCache, RedisCache, TokenCache, TokenProvider,
};
use auth0_m2m_fake::{FakeTenant, Fault, FaultTarget};
use auth0_m2m_reliability::{LogCapture, unique_prefix};
use auth0_m2m_token::{
    AccessToken, Algorithm, ClientAuth, HttpRequest, PrivateKey, TokenClient, TokenEndpoint,
};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

const ID: &str = "secrets-client";
const SECRET: &str = "sx-3b7e1f0a9c-super-secret-client-secret";
const JWT_ID: &str = "secrets-jwt-client";
const REDIS_URL: &str = "redis://127.0.0.1:6379";
const ENC_KEY_B64: &str = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";

fn capture() -> &'static LogCapture {
    static CAPTURE: OnceLock<LogCapture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = LogCapture::default();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(capture.clone())
            .try_init()
            .expect("the only subscriber of this test binary");
        capture
    })
}

/// `value` and its base64 and base64url forms (padded and not).
fn forms(value: &str) -> Vec<String> {
    let b = value.as_bytes();
    vec![
        value.to_owned(),
        STANDARD.encode(b),
        STANDARD_NO_PAD.encode(b),
        URL_SAFE.encode(b),
        URL_SAFE_NO_PAD.encode(b),
    ]
}

/// Everything that must never be shown for the client secret: the secret, its encodings, and
/// the Basic-auth header value of `id:secret`.
fn secret_forms(id: &str, secret: &str) -> Vec<String> {
    let mut out = forms(secret);
    let basic = STANDARD.encode(format!("{id}:{secret}"));
    out.push(format!("Basic {basic}"));
    out.push(basic);
    out
}

fn pem_body_lines(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 20)
        .map(str::to_owned)
        .collect()
}

fn assert_clean(what: &str, text: &str, forbidden: &[String]) {
    for f in forbidden {
        assert!(
            !text.contains(f.as_str()),
            "{what} shows a secret form ({} chars starting {:?})",
            f.len(),
            f.chars().take(4).collect::<String>()
        );
    }
}

/// A fresh RSA private key (PKCS#8 PEM) and its public key (SPKI PEM): Auth0 registers RSA
/// credentials only.
fn rsa_key_pair() -> (String, String) {
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("RSA key");
    (
        private
            .to_pkcs8_pem(LineEnding::LF)
            .expect("PEM")
            .to_string(),
        private
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("PEM"),
    )
}

async fn tenant(public_key_pem: &str) -> FakeTenant {
    FakeTenant::builder()
        .client(ID, SECRET, &["read:clients", "read:users"])
        .private_key_client(JWT_ID, public_key_pem, &["read:clients"])
        .token_lifetime(Duration::from_secs(3600))
        .seed_clients(3)
        .start()
        .await
        .expect("fake tenant starts")
}

fn token_client(t: &FakeTenant, id: &str, auth: ClientAuth) -> TokenClient {
    TokenClient::builder(
        TokenEndpoint::auth0_domain(&t.domain()).expect("domain"),
        id,
        auth,
    )
    .with_audience(t.audience())
    .with_root_certificate_pem(t.ca_cert_pem())
    .build()
    .expect("client")
}

fn token_forms(t: &AccessToken) -> Vec<String> {
    let mut out = forms(t.expose_secret());
    out.push(t.bearer_header_value());
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_fetch_with_every_auth_method_logs_no_secret() {
    let capture = capture();
    let (private_pem, public_pem) = rsa_key_pair();
    let t = tenant(&public_pem).await;
    let key = PrivateKey::from_pem(private_pem.as_bytes(), Algorithm::RS256).expect("key");

    let mut forbidden = secret_forms(ID, SECRET);
    forbidden.extend(pem_body_lines(&private_pem));
    let clients = [
        token_client(&t, ID, ClientAuth::client_secret_post(SECRET)),
        token_client(&t, ID, ClientAuth::client_secret_basic(SECRET)),
        token_client(&t, JWT_ID, ClientAuth::private_key_jwt(key.clone())),
    ];
    for c in &clients {
        let token = c.fetch_token().await.expect("token");
        forbidden.extend(token_forms(&token));
        assert_clean("TokenClient Debug", &format!("{c:?}"), &forbidden);
        assert_clean("AccessToken Debug", &format!("{token:?}"), &forbidden);
    }
    // A wrong secret: the error and its log lines stay clean too.
    let wrong = token_client(
        &t,
        ID,
        ClientAuth::client_secret_post(format!("{SECRET}-wrong")),
    );
    let err = wrong.fetch_token().await.expect_err("wrong secret");
    forbidden.extend(forms(&format!("{SECRET}-wrong")));
    assert_clean("token Error", &format!("{err} {err:?}"), &forbidden);
    assert_clean("PrivateKey Debug", &format!("{key:?}"), &forbidden);
    assert_eq!(t.stats().tokens_issued, 3);

    let logs = capture.text();
    assert!(
        logs.contains("token obtained") && logs.contains("sending token request"),
        "the TRACE capture must see the token client's events"
    );
    assert_clean("TRACE log", &logs, &forbidden);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_with_memory_file_and_redis_caches_logs_no_secret() {
    let capture = capture();
    let (_, public_pem) = rsa_key_pair();
    let t = tenant(&public_pem).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let caches: Vec<Arc<dyn TokenCache>> = vec![
        Arc::new(MemoryCache::new()),
        Arc::new(FileCache::in_dir(dir.path()).expect("file cache")),
        Arc::new(RedisCache::builder(REDIS_URL).build().expect("redis")),
        Arc::new(
            RedisCache::builder(REDIS_URL)
                .with_encryption(EncryptionKey::from_base64("k1", ENC_KEY_B64).expect("key"))
                .build()
                .expect("redis"),
        ),
    ];
    let mut forbidden = secret_forms(ID, SECRET);
    forbidden.extend(forms(ENC_KEY_B64));
    let mut keys = Vec::new();
    for cache in caches {
        let provider = TokenProvider::builder(token_client(
            &t,
            ID,
            ClientAuth::client_secret_basic(SECRET),
        ))
        .with_cache(Arc::clone(&cache))
        .with_key_prefix(unique_prefix("secrets"))
        .build()
        .expect("provider");
        let first = provider.token().await.expect("token");
        forbidden.extend(token_forms(&first));
        // A 401 elsewhere: the token is invalidated and a new one fetched.
        assert!(provider.invalidate(&first).await);
        let second = provider.token().await.expect("token");
        assert!(!second.same_secret(&first));
        forbidden.extend(token_forms(&second));
        assert_clean("TokenProvider Debug", &format!("{provider:?}"), &forbidden);
        assert_clean("cache Debug", &format!("{cache:?}"), &forbidden);
        assert_clean(
            "stats Debug",
            &format!("{:?}", provider.stats()),
            &forbidden,
        );
        keys.push(provider.cache_key().as_str().to_owned());
    }
    // The encrypted Redis record holds no token in the clear.
    let mut conn = redis::Client::open(REDIS_URL)
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let stored: Option<String> = redis::cmd("HGET")
        .arg(&keys[3])
        .arg("val")
        .query_async(&mut conn)
        .await
        .expect("hget");
    let stored = stored.expect("a stored record");
    assert!(stored.starts_with("enc1:k1:"));
    assert_clean("encrypted Redis record", &stored, &forbidden);
    let _: () = redis::cmd("DEL")
        .arg(&keys[2..])
        .query_async(&mut conn)
        .await
        .expect("cleanup");
    assert_eq!(t.stats().tokens_issued, 8);
    let logs = capture.text();
    assert!(logs.contains("fetched a new access token"));
    assert!(logs.contains("access token invalidated"));
    assert_clean("TRACE log", &logs, &forbidden);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facade_calls_with_a_401_retry_log_no_secret() {
    let capture = capture();
    let (_, public_pem) = rsa_key_pair();
    let t = tenant(&public_pem).await;
    let builder = ManagementClient::builder(t.domain())
        .with_client_secret(ID, SECRET)
        .with_root_certificate_pem(t.ca_cert_pem());
    let mut forbidden = secret_forms(ID, SECRET);
    assert_clean(
        "ManagementClientBuilder Debug",
        &format!("{builder:?}"),
        &forbidden,
    );
    let client = builder.build().expect("client");

    let page = client.execute(&ListClients::new()).await.expect("list");
    assert!(!page.items().is_empty());
    let first = client
        .token_provider()
        .current_token()
        .expect("a token is held");
    forbidden.extend(token_forms(&first));

    // The 401 echoes the rejected token in its body, as a misbehaving proxy might.
    t.inject_fault(Fault {
        target: FaultTarget::Api,
        count: 1,
        status: Some(401),
        body: Some(
            r#"{"statusCode":401,"error":"Unauthorized","message":"Invalid token {TOKEN}"}"#
                .to_owned(),
        ),
        ..Fault::default()
    });
    let page = client
        .execute(&ListClients::new())
        .await
        .expect("retried after the 401");
    assert!(!page.items().is_empty());
    let second = client.token_provider().current_token().expect("token");
    assert!(!second.same_secret(&first), "a new token after the 401");
    forbidden.extend(token_forms(&second));
    assert_eq!(t.stats().api_401, 1);
    assert_eq!(t.stats().tokens_issued, 2);

    // An API error carrying the rejected token in its body is not echoed either.
    assert_clean("ManagementClient Debug", &format!("{client:?}"), &forbidden);
    let logs = capture.text();
    assert!(logs.contains("401"), "the 401 retry is logged");
    assert_clean("TRACE log", &logs, &forbidden);
}

/// An echo of `{SECRET}` or `{TOKEN}` in an answer with `status` on `target`.
fn echo(target: FaultTarget, status: u16, count: u64) -> Fault {
    let body = match target {
        FaultTarget::Token => {
            r#"{"error":"access_denied","error_description":"client secret {SECRET} is not valid"}"#
        }
        FaultTarget::Api => {
            r#"{"statusCode":400,"error":"Bad Request","message":"token {TOKEN} is not valid"}"#
        }
    };
    Fault {
        target,
        count,
        status: Some(status),
        body: Some(body.to_owned()),
        ..Fault::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_that_echo_the_secret_or_the_token_are_never_shown() {
    let capture = capture();
    let (_, public_pem) = rsa_key_pair();
    let t = tenant(&public_pem).await;
    let mut forbidden = secret_forms(ID, SECRET);
    // The token endpoint echoes the client secret it received, with each way of sending it
    // and on a refusal as on a server error (which is retried and logged).
    for (auth, status) in [
        (ClientAuth::client_secret_post(SECRET), 401),
        (ClientAuth::client_secret_basic(SECRET), 403),
        (ClientAuth::client_secret_post(SECRET), 503),
    ] {
        t.inject_fault(echo(FaultTarget::Token, status, 10));
        let c = TokenClient::builder(
            TokenEndpoint::auth0_domain(&t.domain()).expect("domain"),
            ID,
            auth,
        )
        .with_audience(t.audience())
        .with_root_certificate_pem(t.ca_cert_pem())
        .with_retry_policy(auth0_m2m_token::RetryPolicy::none())
        .build()
        .expect("client");
        let err = c.fetch_token().await.expect_err("the echo is an error");
        assert_eq!(err.status(), Some(status));
        assert_clean("token Error", &format!("{err} {err:?}"), &forbidden);
        t.clear_faults();
    }
    let echoed = t.stats().faults_injected;
    assert!(
        echoed >= 3,
        "the token endpoint echoed the secret: {echoed}"
    );

    // The Management API echoes the bearer token in a 400 and in a 401's body.
    let client = ManagementClient::builder(t.domain())
        .with_client_secret(ID, SECRET)
        .with_root_certificate_pem(t.ca_cert_pem())
        .build()
        .expect("client");
    client.execute(&ListClients::new()).await.expect("list");
    let token = client.token_provider().current_token().expect("token");
    forbidden.extend(token_forms(&token));
    t.inject_fault(echo(FaultTarget::Api, 400, 1));
    let err = client
        .execute(&ListClients::new())
        .await
        .expect_err("the echo is an error");
    assert_clean("API Error", &format!("{err} {err:?}"), &forbidden);
    t.inject_fault(echo(FaultTarget::Api, 401, 3));
    let err = client
        .execute(&ListClients::new())
        .await
        .expect_err("every answer is a 401");
    for token in [client.token_provider().current_token()]
        .into_iter()
        .flatten()
    {
        forbidden.extend(token_forms(&token));
    }
    // Every token the tenant issues is a JWT (`eyJ…`): none of those echoed may be shown,
    // the ones fetched between the 401s included.
    forbidden.push("eyJ".to_owned());
    assert_clean(
        "API Error after 401s",
        &format!("{err} {err:?}"),
        &forbidden,
    );
    assert_clean("TRACE log", &capture.text(), &forbidden);
}

#[test]
fn debug_of_public_types_shows_no_secret() {
    let (pem, _) = rsa_key_pair();
    let key = PrivateKey::from_pem(pem.as_bytes(), Algorithm::RS256).expect("key");
    let mut forbidden = secret_forms(ID, SECRET);
    forbidden.extend(pem_body_lines(&pem));
    forbidden.extend(forms(ENC_KEY_B64));
    forbidden.extend(forms("redis-password-123"));
    let now = std::time::SystemTime::now();
    let token = AccessToken::new(
        "eyJ.secret-token-value.sig",
        "Bearer",
        vec![],
        now + Duration::from_secs(60),
        now,
    );
    forbidden.extend(token_forms(&token));

    let endpoint = TokenEndpoint::auth0_domain("tenant.example.com").expect("domain");
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::AUTHORIZATION,
        http::HeaderValue::from_str(&format!(
            "Basic {}",
            STANDARD.encode(format!("{ID}:{SECRET}"))
        ))
        .expect("header"),
    );
    let request = HttpRequest::new(
        http::Method::POST,
        "https://tenant.example.com/oauth/token",
        headers,
        bytes::Bytes::from(format!("client_secret={SECRET}")),
    );
    let post = ClientAuth::client_secret_post(SECRET);
    let basic = ClientAuth::client_secret_basic(SECRET);
    let jwt = ClientAuth::private_key_jwt(key.clone());
    let client = TokenClient::builder(endpoint.clone(), ID, post.clone())
        .build()
        .expect("client");
    let builder = ManagementClient::builder("tenant.example.com").with_client_secret(ID, SECRET);
    let redis = RedisCache::builder("redis://:redis-password-123@127.0.0.1:6379")
        .with_encryption(EncryptionKey::from_base64("k1", ENC_KEY_B64).expect("key"))
        .build()
        .expect("redis");
    let redis_builder = RedisCache::builder("redis://user:redis-password-123@127.0.0.1:6379");
    let secret: Secret = serde_json::from_value(serde_json::json!(SECRET)).expect("secret");

    let shown = [
        ("ClientAuth post", format!("{post:?}")),
        ("ClientAuth basic", format!("{basic:?}")),
        ("ClientAuth jwt", format!("{jwt:?}")),
        ("PrivateKey", format!("{key:?}")),
        ("AccessToken", format!("{token:?}")),
        ("HttpRequest", format!("{request:?}")),
        ("TokenClient", format!("{client:?}")),
        ("TokenEndpoint", format!("{endpoint:?}")),
        ("ManagementClientBuilder", format!("{builder:?}")),
        ("RedisCache", format!("{redis:?}")),
        ("RedisCacheBuilder", format!("{redis_builder:?}")),
        (
            "EncryptionKey",
            format!(
                "{:?}",
                EncryptionKey::from_base64("k1", ENC_KEY_B64).expect("key")
            ),
        ),
        ("Secret", format!("{secret:?}")),
    ];
    for (what, text) in &shown {
        assert_clean(what, text, &forbidden);
        assert!(!text.is_empty());
    }
}
