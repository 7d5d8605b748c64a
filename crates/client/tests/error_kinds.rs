//! What an outside program sees: error kinds, the http re-export, raw paths as segments, the
//! shared HTTP layer and response metadata, against the fake tenant over TLS.
#![cfg(all(feature = "clients", feature = "users"))]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use auth0_m2m::token::{Error as HttpError, HttpRequest, HttpResponse, ReqwestHttpClient};
use auth0_m2m::{CallOptions, Error, ErrorKind, HttpClient, ManagementClient, RetryPolicy};
use auth0_m2m_fake::{Fault, FaultTarget};

#[tokio::test]
async fn each_kind_of_failure_is_told_apart_without_status_codes() {
    let tenant = common::tenant(2, 2).await;
    let client = common::client(&tenant);

    // A missing user.
    let e = client
        .users()
        .get("auth0|does-not-exist")
        .await
        .unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NotFound { .. }), "{e:?}");
    assert!(e.is_not_found());

    // Rate limited, with a wait longer than the policy waits for.
    tenant.inject_fault(Fault {
        target: FaultTarget::Api,
        count: 1,
        status: Some(429),
        retry_after: Some(120),
        ..Fault::default()
    });
    let e = client.clients().list().send().await.unwrap_err();
    match e.kind() {
        ErrorKind::RateLimited { retry_after } => {
            let wait = retry_after.expect("a wait");
            assert!(wait.as_secs() > 100, "{wait:?}");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(e.is_rate_limited());

    // No token at all: a wrong secret.
    let wrong = ManagementClient::builder(tenant.domain())
        .with_client_secret(tenant.client_id(), "not-the-secret")
        .with_root_certificate_pem(tenant.ca_cert_pem())
        .with_retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let e = wrong.clients().list().send().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Token { retryable: false }, "{e:?}");
    assert!(e.is_token());

    // A certificate the client does not trust: not retryable, and the message says how.
    let untrusting = ManagementClient::builder(tenant.domain())
        .with_client_secret(tenant.client_id(), tenant.client_secret())
        .build()
        .unwrap();
    let e = untrusting.clients().list().send().await.unwrap_err();
    assert!(!e.is_retryable(), "{e:?}");
    assert!(
        matches!(e.kind(), ErrorKind::Token { retryable: false }),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(text.contains("with_root_certificate_pem"), "{text}");
    assert!(text.contains("AUTH0_CA_CERT"), "{text}");

    // A bad request refused before it is sent.
    let e = client.users().get("").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
}

#[tokio::test]
async fn insufficient_scope_names_the_scope_and_blames_with_scopes_when_it_narrowed() {
    let tenant = common::tenant(1, 1).await;
    let narrowed = ManagementClient::builder(tenant.domain())
        .with_client_secret(tenant.client_id(), tenant.client_secret())
        .with_root_certificate_pem(tenant.ca_cert_pem())
        .with_scopes(["read:clients"])
        .build()
        .unwrap();
    narrowed.clients().list().send().await.unwrap();
    let e = narrowed.users().list().send().await.unwrap_err();
    match e.kind() {
        ErrorKind::InsufficientScope { missing } => {
            assert!(missing.contains(&"read:users".to_owned()), "{missing:?}")
        }
        other => panic!("expected InsufficientScope, got {other:?}"),
    }
    assert!(e.is_insufficient_scope());
    let text = e.to_string();
    assert!(text.contains("with_scopes"), "{text}");
    assert!(text.contains("read:users"), "{text}");
    assert!(!text.contains("dashboard"), "{text}");
}

#[tokio::test]
async fn raw_requests_use_the_reexported_http_crate_and_encoded_segments() {
    let tenant = common::tenant(0, 3).await;
    let client = common::client(&tenant);
    let users: serde_json::Value = client
        .request(auth0_m2m::http::Method::GET, "/api/v2/users")
        .send()
        .await
        .unwrap();
    let first = users[0]["user_id"].as_str().unwrap().to_owned();
    assert!(first.contains('|'), "{first}");
    // The id holds a `|`: given as a segment it is encoded, given raw it is refused.
    let user: serde_json::Value = client
        .request_segments(auth0_m2m::http::Method::GET, &["users", &first])
        .send()
        .await
        .unwrap();
    assert_eq!(user["user_id"], first.as_str());
    let e = client
        .request(
            auth0_m2m::http::Method::GET,
            format!("/api/v2/users/{first}"),
        )
        .send::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidPath { .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Config);
}

/// Counts the requests that pass through it, on their way to the default transport.
#[derive(Debug)]
struct Counting {
    inner: ReqwestHttpClient,
    token_requests: AtomicU64,
    api_requests: AtomicU64,
}

#[async_trait]
impl HttpClient for Counting {
    async fn execute(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        if request.url.ends_with("/oauth/token") {
            self.token_requests.fetch_add(1, Ordering::SeqCst);
        } else {
            self.api_requests.fetch_add(1, Ordering::SeqCst);
        }
        self.inner.execute(request).await
    }
}

#[tokio::test]
async fn one_http_client_serves_the_token_request_and_the_calls() {
    let tenant = common::tenant(3, 0).await;
    let http = Arc::new(Counting {
        inner: ReqwestHttpClient::builder()
            .with_root_certificate_pem(tenant.ca_cert_pem())
            .build()
            .unwrap(),
        token_requests: AtomicU64::new(0),
        api_requests: AtomicU64::new(0),
    });
    let client = ManagementClient::builder(tenant.domain())
        .with_client_secret(tenant.client_id(), tenant.client_secret())
        .with_http_client(http.clone())
        .build()
        .unwrap();
    let response = client
        .clients()
        .list()
        .options(CallOptions::new().app_name("counting-test"))
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(response.body().items().len(), 5);
    assert_eq!(response.meta().status(), 200);
    // The fake sends Auth0's rate-limit headers on every answer.
    assert!(response.meta().rate_limit().limit.is_some());
    assert!(response.meta().rate_limit().reset.is_some());
    client.clients().list().send().await.unwrap();
    assert_eq!(http.token_requests.load(Ordering::SeqCst), 1);
    assert_eq!(http.api_requests.load(Ordering::SeqCst), 2);
    assert_eq!(tenant.stats().token_requests, 1);

    // Your own transport and extra root certificates do not mix.
    let e = ManagementClient::builder(tenant.domain())
        .with_client_secret(tenant.client_id(), tenant.client_secret())
        .with_http_client(http.clone())
        .with_root_certificate_pem(tenant.ca_cert_pem())
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("root certificates"), "{e}");
}

#[tokio::test]
async fn identifying_fields_read_as_str() {
    let tenant = common::tenant(1, 2).await;
    let client = common::client(&tenant);
    let users = client.users().list().collect_all().await.unwrap();
    assert!(users.iter().all(|u| !u.user_id().is_empty()));
    let clients = client.clients().list().collect_all().await.unwrap();
    assert!(clients.iter().all(|c| !c.client_id().is_empty()));
    let empty = auth0_m2m::management::users::UserResponseSchema::default();
    assert_eq!(empty.user_id(), "");
}
