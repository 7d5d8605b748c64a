//! The token client against the fake Auth0 tenant, over TLS with the tenant's generated CA.

mod common;

use std::time::{Duration, SystemTime};

use auth0_m2m_fake::{FakeTenant, Fault, FaultTarget};
#[cfg(feature = "private-key-jwt")]
use auth0_m2m_token::{Algorithm, PrivateKey};
use auth0_m2m_token::{
    ClientAuth, ConfigError, Error, RetryPolicy, TokenClient, TokenClientBuilder, TokenEndpoint,
};

const ID: &str = "m2m-app";
const SECRET: &str = "m2m-app-secret-0123456789abcdef";

async fn tenant() -> FakeTenant {
    FakeTenant::builder()
        .client(ID, SECRET, &["read:clients", "read:users"])
        .client_without_grant("nogrant-id", "nogrant-secret-0123456789")
        .start()
        .await
        .expect("fake tenant starts")
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(50))
}

fn client(t: &FakeTenant, id: &str, auth: ClientAuth) -> TokenClientBuilder {
    TokenClient::builder(TokenEndpoint::auth0_domain(&t.domain()).unwrap(), id, auth)
        .with_audience(t.audience())
        .with_root_certificate_pem(t.ca_cert_pem())
        .with_retry_policy(fast_retries())
}

fn oauth(err: &Error) -> &auth0_m2m_token::OAuthError {
    match err {
        Error::OAuth(e) => e,
        other => panic!("expected an OAuth error, got {other:?}"),
    }
}

#[tokio::test]
async fn client_secret_post_form_body() {
    let t = tenant().await;
    let c = client(&t, ID, ClientAuth::client_secret_post(SECRET))
        .with_scopes(["read:clients"])
        .build()
        .unwrap();
    assert_eq!(c.token_url(), t.token_url());
    let before = SystemTime::now();
    let token = c.fetch_token().await.unwrap();
    assert_eq!(token.token_type(), "Bearer");
    assert_eq!(token.scopes(), ["read:clients"]);
    assert!(token.obtained_at() >= before);
    assert!(token.lifetime() > Duration::ZERO);
    assert!(!token.is_expired_at(SystemTime::now()));
    assert_eq!(t.stats().tokens_issued, 1);
}

#[tokio::test]
async fn default_audience_of_the_domain_is_the_management_api() {
    let t = tenant().await;
    let c = TokenClient::builder(
        TokenEndpoint::auth0_domain(&t.domain()).unwrap(),
        ID,
        ClientAuth::client_secret_post(SECRET),
    )
    .with_root_certificate_pem(t.ca_cert_pem())
    .build()
    .unwrap();
    assert_eq!(c.audience(), Some(t.audience().as_str()));
    let token = c.fetch_token().await.unwrap();
    let mut granted = token.scopes().to_vec();
    granted.sort();
    assert_eq!(granted, ["read:clients", "read:users"]);
}

#[tokio::test]
async fn client_secret_basic_and_json_body() {
    let t = tenant().await;
    for json in [false, true] {
        let c = client(&t, ID, ClientAuth::client_secret_basic(SECRET))
            .with_json_body(json)
            .build()
            .unwrap();
        c.fetch_token().await.unwrap();
        let c = client(&t, ID, ClientAuth::client_secret_post(SECRET))
            .with_json_body(json)
            .build()
            .unwrap();
        c.fetch_token().await.unwrap();
    }
    assert_eq!(t.stats().tokens_issued, 4);
}

#[tokio::test]
async fn explicit_token_url() {
    let t = tenant().await;
    let c = TokenClient::builder(
        TokenEndpoint::url(&t.token_url()).unwrap(),
        ID,
        ClientAuth::client_secret_post(SECRET),
    )
    .with_audience(t.audience())
    .with_root_certificate_pem(t.ca_cert_pem())
    .build()
    .unwrap();
    c.fetch_token().await.unwrap();
}

#[cfg(feature = "private-key-jwt")]
#[tokio::test]
async fn private_key_jwt_rs256_rs384_ps256_as_auth0_checks_them() {
    let (rsa_private, rsa_public) = common::rsa_key_pair();
    let t = FakeTenant::builder()
        .client("admin", "admin-secret", &auth0_m2m_fake::served_scopes())
        .private_key_client("jwt-rsa", &rsa_public, &["read:clients"])
        .start()
        .await
        .unwrap();
    // The seeded credential is RS256; RS384 and PS256 each get a second credential of their
    // own, registered through the Management API and removed afterwards.
    for alg in [Algorithm::RS256, Algorithm::RS384, Algorithm::PS256] {
        let private = if alg == Algorithm::RS256 {
            rsa_private.clone()
        } else {
            let (private, public) = common::rsa_key_pair();
            add_credential(&t, "jwt-rsa", &public, alg.name(), None).await;
            private
        };
        let key = PrivateKey::from_pem(private.as_bytes(), alg).unwrap();
        let c = client(&t, "jwt-rsa", ClientAuth::private_key_jwt(key))
            .build()
            .unwrap();
        assert_eq!(c.auth_method(), "private_key_jwt");
        // Two fetches: each assertion carries a fresh `jti`, so neither is a replay.
        for _ in 0..2 {
            let token = c
                .fetch_token()
                .await
                .unwrap_or_else(|e| panic!("{alg:?}: {e}"));
            assert_eq!(token.scopes(), ["read:clients"]);
        }
        if alg != Algorithm::RS256 {
            delete_credentials_but_first(&t, "jwt-rsa").await;
        }
    }
    // The wrong key is refused by the server, with Auth0's shape.
    let (other_private, _) = common::rsa_key_pair();
    let key = PrivateKey::from_pem(other_private.as_bytes(), Algorithm::RS256).unwrap();
    let err = client(&t, "jwt-rsa", ClientAuth::private_key_jwt(key))
        .build()
        .unwrap()
        .fetch_token()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert_eq!(oauth(&err).error, "invalid_client", "{err}");
}

/// A Management API token of the tenant's `admin` client.
#[cfg(feature = "private-key-jwt")]
async fn admin_token(t: &FakeTenant) -> String {
    client(t, "admin", ClientAuth::client_secret_post("admin-secret"))
        .build()
        .unwrap()
        .fetch_token()
        .await
        .unwrap()
        .expose_secret()
        .to_owned()
}

#[cfg(feature = "private-key-jwt")]
fn http(t: &FakeTenant) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(t.ca_cert_pem().as_bytes()).unwrap())
        .build()
        .unwrap()
}

/// Registers a public key as a credential of `client_id` through the Management API; returns
/// the credential.
#[cfg(feature = "private-key-jwt")]
async fn add_credential(
    t: &FakeTenant,
    client_id: &str,
    public_pem: &str,
    alg: &str,
    kid: Option<&str>,
) -> serde_json::Value {
    let mut body =
        serde_json::json!({"credential_type": "public_key", "pem": public_pem, "alg": alg});
    if let Some(k) = kid {
        body["kid"] = k.into();
    }
    let r = http(t)
        .post(format!(
            "{}/api/v2/clients/{client_id}/credentials",
            t.base_url()
        ))
        .bearer_auth(admin_token(t).await)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

/// The credentials of `client_id`, through the Management API.
#[cfg(feature = "private-key-jwt")]
async fn credentials(t: &FakeTenant, client_id: &str) -> Vec<serde_json::Value> {
    http(t)
        .get(format!(
            "{}/api/v2/clients/{client_id}/credentials",
            t.base_url()
        ))
        .bearer_auth(admin_token(t).await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Deletes a credential of `client_id` through the Management API.
#[cfg(feature = "private-key-jwt")]
async fn delete_credential(t: &FakeTenant, client_id: &str, id: &str) {
    let r = http(t)
        .delete(format!(
            "{}/api/v2/clients/{client_id}/credentials/{id}",
            t.base_url()
        ))
        .bearer_auth(admin_token(t).await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

#[cfg(feature = "private-key-jwt")]
async fn delete_credentials_but_first(t: &FakeTenant, client_id: &str) {
    for c in credentials(t, client_id).await.iter().skip(1) {
        delete_credential(t, client_id, c["id"].as_str().unwrap()).await;
    }
}

#[cfg(feature = "private-key-jwt")]
#[tokio::test]
async fn an_explicit_kid_must_be_the_registered_one() {
    let (private, public) = common::rsa_key_pair();
    let t = FakeTenant::builder()
        .client("admin", "admin-secret", &auth0_m2m_fake::served_scopes())
        .start()
        .await
        .unwrap();
    // A client with no credential yet: register one with an operator-chosen kid.
    let id = "admin";
    add_credential(&t, id, &public, "PS256", Some("operator-kid-01")).await;
    let key = PrivateKey::from_pem(private.as_bytes(), Algorithm::PS256).unwrap();
    // Without the kid, the thumbprint is sent and is not the registered kid.
    let err = client(&t, id, ClientAuth::private_key_jwt(key.clone()))
        .build()
        .unwrap()
        .fetch_token()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("does not match a credential"),
        "{err}"
    );
    let token = client(
        &t,
        id,
        ClientAuth::private_key_jwt(key.with_key_id("operator-kid-01")),
    )
    .build()
    .unwrap()
    .fetch_token()
    .await
    .unwrap();
    assert!(!token.expose_secret().is_empty());
}

#[cfg(feature = "private-key-jwt")]
#[tokio::test]
async fn two_keys_switch_to_the_one_that_works_and_stay_there() {
    let (old_private, old_public) = common::rsa_key_pair();
    let (new_private, new_public) = common::rsa_key_pair();
    let t = FakeTenant::builder()
        .client("admin", "admin-secret", &auth0_m2m_fake::served_scopes())
        .private_key_client("jwt-rsa", &old_public, &["read:clients"])
        .start()
        .await
        .unwrap();
    let old = PrivateKey::from_pem(old_private.as_bytes(), Algorithm::RS256).unwrap();
    let new = PrivateKey::from_pem(new_private.as_bytes(), Algorithm::RS256).unwrap();
    // The new key is preferred before Auth0 knows it: the old one answers.
    let c = client(
        &t,
        "jwt-rsa",
        ClientAuth::private_key_jwt_keys([new.clone(), old.clone()]).unwrap(),
    )
    .build()
    .unwrap();
    let before = t.stats().token_requests;
    c.fetch_token().await.unwrap();
    assert_eq!(
        t.stats().token_requests - before,
        2,
        "one rejection, one retry"
    );
    // From now on the old key is preferred: one request per token.
    c.fetch_token().await.unwrap();
    assert_eq!(t.stats().token_requests - before, 3);
    // The operator adds the new credential and removes the old one: one retry, then the new
    // key is preferred.
    add_credential(&t, "jwt-rsa", &new_public, "RS256", None).await;
    let old_id = credentials(&t, "jwt-rsa")
        .await
        .iter()
        .find(|c| c["kid"] == old.thumbprint())
        .and_then(|c| c["id"].as_str())
        .unwrap()
        .to_owned();
    delete_credential(&t, "jwt-rsa", &old_id).await;
    let before = t.stats().token_requests;
    c.fetch_token().await.unwrap();
    c.fetch_token().await.unwrap();
    assert_eq!(
        t.stats().token_requests - before,
        3,
        "one rejection, then the new key only"
    );
    // With only unknown keys, the error is the server's after one retry.
    let (a, _) = common::rsa_key_pair();
    let (b, _) = common::rsa_key_pair();
    let keys = [a, b].map(|p| PrivateKey::from_pem(p.as_bytes(), Algorithm::RS256).unwrap());
    let before = t.stats().token_requests;
    let err = client(
        &t,
        "jwt-rsa",
        ClientAuth::private_key_jwt_keys(keys).unwrap(),
    )
    .build()
    .unwrap()
    .fetch_token()
    .await
    .unwrap_err();
    assert_eq!(oauth(&err).error, "invalid_client");
    assert_eq!(t.stats().token_requests - before, 2);
}

#[cfg(feature = "private-key-jwt")]
#[tokio::test]
async fn es256_is_a_configuration_error_for_auth0_naming_the_three_algorithms() {
    let t = tenant().await;
    let (ec_private, _) = common::ec_key_pair();
    let key = PrivateKey::from_pem(ec_private.as_bytes(), Algorithm::ES256).unwrap();
    let err = client(&t, ID, ClientAuth::private_key_jwt(key.clone()))
        .build()
        .unwrap_err();
    let msg = err.to_string();
    for alg in ["RS256", "RS384", "PS256", "not_auth0"] {
        assert!(msg.contains(alg), "{msg}");
    }
    // Declared as another server, ES256 is fine.
    TokenClient::builder(
        TokenEndpoint::url(&t.token_url()).unwrap().not_auth0(),
        ID,
        ClientAuth::private_key_jwt(key),
    )
    .with_root_certificate_pem(t.ca_cert_pem())
    .build()
    .unwrap();
}

#[cfg(feature = "private-key-jwt")]
#[tokio::test]
async fn an_assertion_over_2048_bytes_is_refused_before_it_is_sent() {
    let t = tenant().await;
    let (private, _) = common::rsa_key_pair();
    let key = PrivateKey::from_pem(private.as_bytes(), Algorithm::RS256).unwrap();
    // A 3 KB assertion: a client id of 1,400 characters appears twice (iss and sub).
    let long_id = "c".repeat(1400);
    let before = t.stats().token_requests;
    let err = client(&t, &long_id, ClientAuth::private_key_jwt(key))
        .build()
        .unwrap_err();
    assert!(
        matches!(err, ConfigError::AssertionTooLarge { limit: 2048, bytes } if bytes > 3000),
        "{err}"
    );
    assert!(err.to_string().contains("2048 bytes"), "{err}");
    assert_eq!(t.stats().token_requests, before, "nothing was sent");
}

#[tokio::test]
async fn wrong_secret_is_401_and_not_retried() {
    let t = tenant().await;
    let err = client(&t, ID, ClientAuth::client_secret_post("wrong-secret-value"))
        .build()
        .unwrap()
        .fetch_token()
        .await
        .unwrap_err();
    let e = oauth(&err);
    assert_eq!(e.status, 401);
    assert_eq!(e.error, "access_denied");
    assert!(!err.is_retryable());
    assert!(
        err.to_string()
            .starts_with("token endpoint answered HTTP 401: access_denied"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("check the client id and the client secret"),
        "{err}"
    );
    assert_eq!(t.stats().token_requests, 1);
}

#[tokio::test]
async fn missing_client_grant_is_403_with_a_fix() {
    let t = tenant().await;
    let err = client(
        &t,
        "nogrant-id",
        ClientAuth::client_secret_post("nogrant-secret-0123456789"),
    )
    .build()
    .unwrap()
    .fetch_token()
    .await
    .unwrap_err();
    let e = oauth(&err);
    assert_eq!(e.status, 403);
    assert!(e.is_missing_client_grant(), "{e:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("You need to create a \"client-grant\""),
        "{msg}"
    );
    assert!(
        msg.contains("authorize this client with the scopes it needs"),
        "{msg}"
    );
    assert!(!err.is_retryable());
    assert_eq!(t.stats().token_requests, 1);
}

#[tokio::test]
async fn scope_not_granted_is_403() {
    let t = tenant().await;
    let err = client(&t, ID, ClientAuth::client_secret_post(SECRET))
        .with_scopes(["delete:everything"])
        .build()
        .unwrap()
        .fetch_token()
        .await
        .unwrap_err();
    let e = oauth(&err);
    assert_eq!(e.status, 403);
    assert_eq!(
        e.error_description.as_deref(),
        Some("Client has not been granted scopes: delete:everything")
    );
    assert!(!e.is_missing_client_grant());
}

#[tokio::test]
async fn bad_request_400_is_not_retried() {
    let t = tenant().await;
    t.inject_fault(Fault {
        target: FaultTarget::Token,
        count: 1,
        status: Some(400),
        ..Fault::default()
    });
    let err = client(&t, ID, ClientAuth::client_secret_post(SECRET))
        .build()
        .unwrap()
        .fetch_token()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(t.stats().token_requests, 1);
}

#[tokio::test]
async fn rate_limit_429_keeps_the_headers() {
    let t = FakeTenant::builder()
        .client(ID, SECRET, &["read:clients"])
        .rate_limit(1)
        .start()
        .await
        .unwrap();
    let c = client(&t, ID, ClientAuth::client_secret_post(SECRET))
        .with_retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let mut last = None;
    for _ in 0..5 {
        if let Err(e) = c.fetch_token().await {
            last = Some(e);
            break;
        }
    }
    let err = last.expect("the rate limit was never hit");
    let e = oauth(&err);
    assert_eq!(e.status, 429);
    assert_eq!(e.error, "too_many_requests");
    assert!(err.is_retryable());
    let rl = &e.rate_limit;
    assert_eq!(rl.limit, Some(1));
    assert_eq!(rl.remaining, Some(0));
    assert!(rl.reset.is_some(), "{rl:?}");
    assert!(
        rl.retry_after.is_some_and(|d| d >= Duration::from_secs(1)),
        "{rl:?}"
    );
    assert!(err.retry_after().is_some());
    assert!(t.stats().token_429 >= 1);
}

#[tokio::test]
async fn rate_limit_429_is_retried_after_the_wait() {
    let t = FakeTenant::builder()
        .client(ID, SECRET, &["read:clients"])
        .start()
        .await
        .unwrap();
    t.inject_fault(Fault {
        target: FaultTarget::Token,
        count: 1,
        status: Some(429),
        retry_after: Some(1),
        ..Fault::default()
    });
    let c = client(&t, ID, ClientAuth::client_secret_post(SECRET))
        .build()
        .unwrap();
    let start = std::time::Instant::now();
    c.fetch_token().await.unwrap();
    assert!(start.elapsed() >= Duration::from_secs(1));
    assert_eq!(t.stats().token_requests, 2);
}

#[tokio::test]
async fn quota_exceeded_carries_the_quota_header() {
    let t = FakeTenant::builder()
        .client(ID, SECRET, &["read:clients"])
        .quota(Some(1))
        .start()
        .await
        .unwrap();
    let c = client(&t, ID, ClientAuth::client_secret_post(SECRET))
        .with_retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    c.fetch_token().await.unwrap();
    let err = c.fetch_token().await.unwrap_err();
    let e = oauth(&err);
    assert_eq!(e.status, 429, "{err}");
    assert!(e.rate_limit.client_quota.is_some(), "{e:?}");
}

#[tokio::test]
async fn server_errors_then_success_via_retries() {
    let t = tenant().await;
    t.inject_fault(Fault {
        target: FaultTarget::Token,
        count: 2,
        status: Some(503),
        ..Fault::default()
    });
    let c = client(&t, ID, ClientAuth::client_secret_post(SECRET))
        .build()
        .unwrap();
    c.fetch_token().await.unwrap();
    let s = t.stats();
    assert_eq!(s.token_requests, 3);
    assert_eq!(s.token_5xx_injected, 2);
    assert_eq!(s.tokens_issued, 1);
}

#[tokio::test]
async fn server_errors_exhaust_the_retries() {
    let t = tenant().await;
    t.inject_fault(Fault {
        target: FaultTarget::Token,
        count: 10,
        status: Some(500),
        ..Fault::default()
    });
    let c = client(&t, ID, ClientAuth::client_secret_post(SECRET))
        .with_retry_policy(fast_retries().with_max_retries(2))
        .build()
        .unwrap();
    let err = c.fetch_token().await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(t.stats().token_requests, 3);
}

#[tokio::test]
async fn dropped_connection_is_retried() {
    let t = tenant().await;
    t.inject_fault(Fault {
        target: FaultTarget::Token,
        count: 1,
        drop_connection: true,
        ..Fault::default()
    });
    let c = client(&t, ID, ClientAuth::client_secret_post(SECRET))
        .build()
        .unwrap();
    c.fetch_token().await.unwrap();
    assert_eq!(t.stats().dropped_connections, 1);

    t.inject_fault(Fault {
        target: FaultTarget::Token,
        count: 1,
        drop_connection: true,
        ..Fault::default()
    });
    let c = client(&t, ID, ClientAuth::client_secret_post(SECRET))
        .with_retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let err = c.fetch_token().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.is_retryable());
}

/// The tenant runs in the test's runtime, so its 3 s delay and the client's 300 ms timeout
/// both follow tokio's paused clock: the client gives up when its own timer fires.
#[tokio::test(start_paused = true)]
async fn slow_tenant_times_out() {
    let t = FakeTenant::builder()
        .client(ID, SECRET, &["read:clients"])
        .token_latency(Duration::from_secs(3))
        .start()
        .await
        .unwrap();
    let c = client(&t, ID, ClientAuth::client_secret_post(SECRET))
        .with_timeout(Duration::from_millis(300))
        .with_retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let start = tokio::time::Instant::now();
    let err = c.fetch_token().await.unwrap_err();
    assert!(
        matches!(err, Error::Timeout(d) if d == Duration::from_millis(300)),
        "{err:?}"
    );
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    assert!(err.is_retryable());
    let s = t.stats();
    assert_eq!((s.token_requests, s.tokens_issued), (1, 0));

    t.set_token_latency(Duration::ZERO);
    c.fetch_token().await.unwrap();
    assert_eq!(t.stats().tokens_issued, 1);
}

/// A 503 whose `X-RateLimit-Reset` lies an hour ahead is retried after the usual backoff: the
/// reset time of the rate limit says nothing about when the service comes back.
#[tokio::test(start_paused = true)]
async fn a_503_is_retried_without_waiting_for_the_rate_limit_reset() {
    let t = tenant().await;
    t.inject_fault(Fault {
        target: FaultTarget::Token,
        count: 1,
        status: Some(503),
        rate_limit_reset_in: Some(3600),
        rate_limit_remaining: Some(0),
        ..Fault::default()
    });
    let c = client(&t, ID, ClientAuth::client_secret_post(SECRET))
        .build()
        .unwrap();
    let start = tokio::time::Instant::now();
    c.fetch_token().await.unwrap();
    let waited = start.elapsed();
    // The first backoff of the policy (10 ms, jittered down to no less than half), not the
    // hour until the reset.
    assert!(
        waited >= Duration::from_millis(5) && waited <= Duration::from_millis(10),
        "{waited:?}"
    );
    let s = t.stats();
    assert_eq!(
        (s.token_requests, s.token_5xx_injected, s.tokens_issued),
        (2, 1, 1)
    );
}

#[tokio::test]
async fn untrusted_certificate_is_a_tls_error_that_is_not_retried() {
    let t = tenant().await;
    let c = TokenClient::builder(
        TokenEndpoint::auth0_domain(&t.domain()).unwrap(),
        ID,
        ClientAuth::client_secret_post(SECRET),
    )
    .build()
    .unwrap();
    let err = c.fetch_token().await.unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
    assert!(!err.is_retryable());
    let message = err.to_string();
    assert!(message.contains("UnknownIssuer"), "{message}");
    assert!(message.contains("with_root_certificate_pem"), "{message}");
    assert!(message.contains("AUTH0_CA_CERT"), "{message}");
    assert_eq!(t.stats().token_requests, 0);
}

#[tokio::test]
async fn user_supplied_reqwest_client() {
    let t = tenant().await;
    let http = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(t.ca_cert_pem().as_bytes()).unwrap())
        .build()
        .unwrap();
    let c = TokenClient::builder(
        TokenEndpoint::auth0_domain(&t.domain()).unwrap(),
        ID,
        ClientAuth::client_secret_post(SECRET),
    )
    .with_audience(t.audience())
    .with_reqwest_client(http)
    .build()
    .unwrap();
    c.fetch_token().await.unwrap();
}

#[tokio::test]
async fn plain_http_needs_the_opt_in() {
    let t = FakeTenant::builder()
        .http(true)
        .client(ID, SECRET, &["read:clients"])
        .start()
        .await
        .unwrap();
    assert!(t.token_url().starts_with("http://"));
    let endpoint = TokenEndpoint::url(&t.token_url()).unwrap();
    let err = TokenClient::builder(endpoint.clone(), ID, ClientAuth::client_secret_post(SECRET))
        .build()
        .unwrap_err();
    assert!(matches!(err, ConfigError::InsecureHttp { .. }), "{err:?}");
    let c = TokenClient::builder(endpoint, ID, ClientAuth::client_secret_post(SECRET))
        .with_audience(t.audience())
        .allow_insecure_http(true)
        .build()
        .unwrap();
    c.fetch_token().await.unwrap();
}

#[tokio::test]
async fn nothing_secret_in_trace_output_over_tls() {
    let captured = common::Captured::global();
    let t = tenant().await;
    let c = client(&t, ID, ClientAuth::client_secret_basic(SECRET))
        .build()
        .unwrap();
    let token = c.fetch_token().await.unwrap();
    let bad = client(
        &t,
        ID,
        ClientAuth::client_secret_post("another-wrong-secret-xyz"),
    )
    .build()
    .unwrap();
    let err = bad.fetch_token().await.unwrap_err();
    let logs = captured.text();
    assert!(logs.contains("token obtained"), "{logs}");
    assert!(logs.contains("token request failed"), "{logs}");
    let rendered = format!("{logs}\n{err} {err:?} {c:?} {bad:?} {token:?}");
    for s in [SECRET, "another-wrong-secret-xyz", token.expose_secret()] {
        assert!(!rendered.contains(s), "{s:?} leaked:\n{rendered}");
    }
}
