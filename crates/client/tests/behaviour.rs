//! Pagination, the token and retry rules, errors and secrecy against the fake tenant over TLS.
#![cfg(all(feature = "clients", feature = "logs", feature = "users"))]

mod common;

use std::sync::Arc;

use auth0_m2m::cache::{MemoryCache, TokenProvider};
use auth0_m2m::management::{PageRequest, clients::CreateClientRequestContent, logs::ListLogs};
use auth0_m2m::token::{ClientAuth, TokenClient, TokenEndpoint};
use auth0_m2m::{Error, ManagementClient};
use auth0_m2m_fake::{FakeTenant, Fault, FaultTarget};
use futures::TryStreamExt;
use http::Method;

fn api_fault(status: u16, count: u64, retry_after: Option<u64>) -> Fault {
    Fault {
        target: FaultTarget::Api,
        count,
        status: Some(status),
        retry_after,
        ..Fault::default()
    }
}

#[tokio::test]
async fn offset_pagination_streams_pages_and_items() {
    let tenant = common::tenant(0, 23).await;
    let client = common::client(&tenant);
    let pages: Vec<_> = client
        .users()
        .list()
        .page(PageRequest::offset(10).unwrap())
        .unwrap()
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        pages.iter().map(|p| p.items().len()).collect::<Vec<_>>(),
        [10, 10, 3]
    );
    assert_eq!(pages[0].total(), Some(23));
    let items: Vec<_> = client
        .users()
        .list()
        .page(PageRequest::offset(7).unwrap())
        .unwrap()
        .items()
        .try_collect()
        .await
        .unwrap();
    let mut ids: Vec<_> = items.iter().filter_map(|u| u.user_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 23);
    // Users do not support checkpoint pagination.
    let e = client
        .users()
        .list()
        .page(PageRequest::checkpoint(10).unwrap());
    assert!(matches!(e, Err(Error::Request(_))));
}

#[tokio::test]
async fn checkpoint_pagination_streams_pages_and_items() {
    let tenant = common::tenant(24, 0).await;
    let client = common::client(&tenant);
    let before = tenant.stats().api_requests;
    let pages: Vec<_> = client
        .clients()
        .list()
        .page(PageRequest::checkpoint(10).unwrap())
        .unwrap()
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.iter().map(|p| p.items().len()).sum::<usize>(), 26);
    assert_eq!(pages.len(), 3);
    assert!(pages[0].next().is_some());
    assert_eq!(tenant.stats().api_requests - before, 3);
    // The default (no page request): checkpoint pages of 100.
    let items = client.clients().list().collect_all().await.unwrap();
    assert_eq!(items.len(), 26);
    // One page only.
    let one = client
        .clients()
        .list()
        .page(PageRequest::offset_page(1, 10).unwrap())
        .unwrap()
        .send()
        .await
        .unwrap();
    assert_eq!(one.items().len(), 10);
    assert_eq!(one.start(), Some(10));
}

#[tokio::test]
async fn logs_checkpoint_pages_continue_from_the_last_log_id() {
    let tenant = common::tenant(0, 0).await;
    let client = common::client(&tenant);
    // Produce some log events.
    for i in 0..5 {
        client
            .clients()
            .create(CreateClientRequestContent::new(format!("log-producer-{i}")))
            .await
            .unwrap();
    }
    let all_offset = client
        .logs()
        .list()
        .page(PageRequest::offset(100).unwrap())
        .unwrap()
        .collect_all()
        .await
        .unwrap();
    let pages: Vec<_> = client
        .list(ListLogs::new())
        .page(PageRequest::checkpoint(2).unwrap())
        .unwrap()
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert!(pages.iter().all(|p| p.is_bare_array()));
    let total: usize = pages.iter().map(|p| p.items().len()).sum();
    assert_eq!(total, all_offset.len());
    assert!(total >= 2, "{total}");
}

#[tokio::test]
async fn a_revoked_token_costs_exactly_one_extra_token_request() {
    let tenant = common::tenant(2, 0).await;
    let client = common::client(&tenant);
    client.clients().list().send().await.unwrap();
    assert_eq!(tenant.stats().token_requests, 1);
    tenant.revoke_all();
    let clone = client.clone();
    let page = clone.clients().list().send().await.unwrap();
    assert_eq!(page.items().len(), 4);
    let stats = tenant.stats();
    assert_eq!(stats.token_requests, 2);
    assert_eq!(stats.api_401, 1);
    // The fresh token is shared by every clone.
    client.clients().list().send().await.unwrap();
    assert_eq!(tenant.stats().token_requests, 2);
}

#[tokio::test]
async fn rate_limited_then_success() {
    let tenant = common::tenant(1, 0).await;
    let client = common::client(&tenant);
    tenant.inject_fault(api_fault(429, 2, Some(0)));
    let got = client.clients().list().send().await.unwrap();
    assert_eq!(got.items().len(), 3);
    assert_eq!(tenant.stats().api_requests, 3);
    // POST is retried after 429 too: it was not processed.
    tenant.inject_fault(api_fault(429, 1, Some(0)));
    client
        .clients()
        .create(CreateClientRequestContent::new("after-429"))
        .await
        .unwrap();
    let names: Vec<_> = client
        .clients()
        .list()
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.name.as_deref() == Some("after-429"))
        .collect();
    assert_eq!(names.len(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_for_gets_but_not_for_posts() {
    let tenant = common::tenant(1, 0).await;
    let client = common::client(&tenant);
    tenant.inject_fault(api_fault(503, 2, None));
    client.clients().list().send().await.unwrap();
    assert_eq!(tenant.stats().api_requests, 3);

    tenant.inject_fault(api_fault(503, 1, None));
    let e = client
        .clients()
        .create(CreateClientRequestContent::new("not-twice"))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert!(e.is_retryable());
    assert_eq!(tenant.stats().api_requests, 4);

    // Exhausted retries report the last answer.
    tenant.inject_fault(api_fault(500, 10, None));
    let e = client.clients().list().send().await.unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert_eq!(tenant.stats().api_requests, 8);
}

#[tokio::test]
async fn error_bodies_are_mapped() {
    let tenant = FakeTenant::builder()
        .client(
            "full-client",
            "full-secret-0123456789abcdef",
            &["read:clients", "create:clients", "read:users"],
        )
        .client(
            "narrow-client",
            "narrow-secret-0123456789abcdef",
            &["read:clients"],
        )
        .start()
        .await
        .unwrap();
    let client = common::client(&tenant);

    let e = client.users().get("auth0|nobody").await.unwrap_err();
    let api = e.api_error().expect("an API error");
    assert_eq!(api.status, 404);
    assert_eq!(api.body.as_ref().and_then(|b| b.status_code), Some(404));
    assert!(api.message().is_some());
    assert_eq!(api.path, "/api/v2/users/auth0%7Cnobody");
    assert!(!e.is_retryable());
    assert!(api.rate_limit.limit.is_some());

    let e = client
        .request(Method::POST, "/api/v2/clients")
        .json(&serde_json::json!({"name": "x", "not_a_field": true}))
        .send::<serde_json::Value>()
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert!(e.api_error_body().is_some());

    let narrow = ManagementClient::builder(tenant.domain())
        .with_client_secret("narrow-client", "narrow-secret-0123456789abcdef")
        .with_root_certificate_pem(tenant.ca_cert_pem())
        .build()
        .unwrap();
    let e = narrow.users().list().send().await.unwrap_err();
    assert_eq!(e.status(), Some(403));
    assert_eq!(
        e.api_error().and_then(|a| a.error_code()),
        Some("insufficient_scope")
    );
    assert!(e.to_string().contains("insufficient_scope"), "{e}");
}

#[tokio::test]
async fn secrets_never_appear_in_debug_or_display() {
    let tenant = common::tenant(0, 0).await;
    let secret = tenant.client_secret();
    let builder = ManagementClient::builder(tenant.domain())
        .with_client_secret(tenant.client_id(), secret.clone())
        .with_root_certificate_pem(tenant.ca_cert_pem())
        .with_retry_policy(common::quick_retries());
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();
    client.clients().list().send().await.unwrap();
    let token = client.token_provider().token().await.unwrap();
    let token_text = token.expose_secret().to_owned();

    tenant.revoke_all();
    tenant.inject_fault(api_fault(401, 2, None));
    let e401 = client.clients().list().send().await.unwrap_err();
    let e404 = client.users().get("missing").await.unwrap_err();
    let bad = ManagementClient::builder("https://bad domain/")
        .with_client_secret("id", secret.clone())
        .build()
        .unwrap_err();
    let wrong = ManagementClient::builder(tenant.domain())
        .with_client_secret(tenant.client_id(), "wrong-secret-value-xyz")
        .with_root_certificate_pem(tenant.ca_cert_pem())
        .build()
        .unwrap();
    let token_error = wrong.clients().list().send().await.unwrap_err();
    assert!(matches!(token_error, Error::Token(_)), "{token_error:?}");

    for text in [
        builder_debug,
        format!("{client:?}"),
        format!("{e401:?} {e401}"),
        format!("{e404:?} {e404}"),
        format!("{bad:?} {bad}"),
        format!("{token_error:?} {token_error}"),
        format!("{wrong:?}"),
    ] {
        assert!(!text.contains(&secret), "secret in {text}");
        assert!(!text.contains(&token_text), "token in {text}");
        assert!(!text.contains("wrong-secret-value-xyz"), "secret in {text}");
    }
}

#[tokio::test]
async fn raw_requests_get_the_same_token_and_errors() {
    let tenant = common::tenant(2, 0).await;
    let client = common::client(&tenant);
    let value: serde_json::Value = client
        .request(Method::GET, "/api/v2/clients")
        .query("per_page", 1)
        .query("page", 0)
        .query("include_totals", true)
        .send()
        .await
        .unwrap();
    assert_eq!(value["total"], 4);
    assert_eq!(value["clients"].as_array().map(Vec::len), Some(1));
    let e = client
        .request(Method::GET, "/api/v2/../oauth/token")
        .send::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidPath { .. }));
    assert_eq!(tenant.stats().api_requests, 1);
}

#[tokio::test]
async fn answers_larger_than_the_cap_are_refused() {
    let tenant = common::tenant(30, 0).await;
    let client = ManagementClient::builder(tenant.domain())
        .with_client_secret(tenant.client_id(), tenant.client_secret())
        .with_root_certificate_pem(tenant.ca_cert_pem())
        .with_max_response_bytes(1024)
        .build()
        .unwrap();
    let e = client.clients().list().send().await.unwrap_err();
    assert!(
        matches!(e, Error::BodyTooLarge { limit: 1024, .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn builds_from_a_provider_and_plain_http_needs_an_opt_in() {
    let tenant = FakeTenant::builder()
        .http(true)
        .seed_clients(1)
        .start()
        .await
        .unwrap();
    let token_client = TokenClient::builder(
        TokenEndpoint::url(&tenant.token_url()).unwrap(),
        tenant.client_id(),
        ClientAuth::client_secret_post(tenant.client_secret()),
    )
    .with_audience(tenant.audience())
    .allow_insecure_http(true)
    .build()
    .unwrap();
    let provider = TokenProvider::builder(token_client)
        .with_cache(Arc::new(MemoryCache::new()))
        .build()
        .unwrap();
    let refused = ManagementClient::builder_with_provider(provider.clone(), tenant.base_url())
        .build()
        .unwrap_err();
    assert!(
        refused.to_string().contains("allow_insecure_http"),
        "{refused}"
    );
    let client = ManagementClient::builder_with_provider(provider.clone(), tenant.base_url())
        .allow_insecure_http(true)
        .build()
        .unwrap();
    assert_eq!(
        client.clients().list().collect_all().await.unwrap().len(),
        3
    );
    assert_eq!(provider.stats().fetches, 1);
}

/// Auth0 sends its rate-limit headers with a 503 too, with a reset up to an hour ahead: the
/// call is retried on the normal backoff, not at the reset (nor given up past the cap).
#[tokio::test(start_paused = true)]
async fn a_503_with_a_rate_limit_reset_an_hour_ahead_is_retried_on_the_backoff() {
    let tenant = common::tenant(2, 0).await;
    let client = common::client(&tenant);
    client.clients().list().send().await.unwrap();
    tenant.inject_fault(Fault {
        target: FaultTarget::Api,
        count: 1,
        status: Some(503),
        rate_limit_reset_in: Some(3600),
        rate_limit_remaining: Some(0),
        ..Fault::default()
    });
    let before = tenant.stats().api_requests;
    let start = tokio::time::Instant::now();
    let page = client.clients().list().send().await.unwrap();
    let waited = start.elapsed();
    assert_eq!(page.items().len(), 4);
    // The first backoff of `quick_retries` (10 ms, no jitter), not the hour until the reset.
    assert_eq!(waited, std::time::Duration::from_millis(10), "{waited:?}");
    assert_eq!(tenant.stats().api_requests - before, 2);
}
