//! Two separately built clients — standing in for two processes — sharing one token through a
//! real shared cache (Redis at 127.0.0.1:6379, or files in a temporary directory) against one
//! fake tenant: one token request between them, and one more after a revocation.
#![cfg(all(feature = "redis", feature = "file", feature = "clients"))]

mod common;

use std::time::Duration;

use auth0_m2m::{ManagementClient, ManagementClientBuilder};
use auth0_m2m_fake::FakeTenant;
use futures::future::join_all;

const REDIS_URL: &str = "redis://127.0.0.1:6379";

/// Stored records expire with the token, so the keys a test leaves in Redis go away on their
/// own.
const TOKEN_LIFETIME: Duration = Duration::from_secs(600);

async fn tenant() -> FakeTenant {
    common::tenant_with(FakeTenant::builder().token_lifetime(TOKEN_LIFETIME)).await
}

/// A builder for `tenant` with the test's fast retries; the cache is chosen by the caller.
fn builder(tenant: &FakeTenant) -> ManagementClientBuilder {
    ManagementClient::builder(tenant.domain())
        .with_client_secret(tenant.client_id(), tenant.client_secret())
        .with_root_certificate_pem(tenant.ca_cert_pem())
        .with_retry_policy(common::quick_retries())
}

/// A key prefix no other test (or earlier run) shares.
fn unique_prefix() -> String {
    format!("auth0-m2m-test:{}:", uuid::Uuid::new_v4())
}

/// A client with its own connection to Redis, as another process would have.
fn redis_client(tenant: &FakeTenant, prefix: &str) -> ManagementClient {
    builder(tenant)
        .with_redis_cache(REDIS_URL)
        .with_cache_key_prefix(prefix)
        .build()
        .expect("client with a Redis cache builds")
}

/// One Management API call that needs a token.
async fn call(client: &ManagementClient) {
    let clients = client
        .clients()
        .list()
        .collect_all()
        .await
        .expect("listing clients succeeds");
    assert!(!clients.is_empty());
}

/// `rounds` rounds in which both clients call `per_client` times at once.
async fn call_many(a: &ManagementClient, b: &ManagementClient, rounds: usize, per_client: usize) {
    for _ in 0..rounds {
        join_all((0..per_client).flat_map(|_| [call(a), call(b)])).await;
    }
}

fn fetches(client: &ManagementClient) -> u64 {
    client.token_provider().stats().fetches
}

fn adoptions(client: &ManagementClient) -> u64 {
    client.token_provider().stats().shared_cache_adoptions
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_sharing_redis_make_one_token_request() {
    let tenant = tenant().await;
    let prefix = unique_prefix();
    let a = redis_client(&tenant, &prefix);
    let b = redis_client(&tenant, &prefix);

    call_many(&a, &b, 5, 4).await;

    let stats = tenant.stats();
    assert_eq!(stats.token_requests, 1, "{stats:?}");
    assert_eq!(stats.api_requests, 40, "{stats:?}");
    assert_eq!(fetches(&a) + fetches(&b), 1);
    // The client that did not fetch took the token from Redis.
    let (fetcher, other) = if fetches(&a) == 1 { (&a, &b) } else { (&b, &a) };
    assert_eq!(adoptions(other), 1);
    assert_eq!(adoptions(fetcher), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_sharing_a_file_cache_make_one_token_request() {
    let tenant = tenant().await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let file_client = || {
        builder(&tenant)
            .with_file_cache(dir.path())
            .build()
            .expect("client with a file cache builds")
    };
    let a = file_client();
    let b = file_client();

    call_many(&a, &b, 5, 4).await;

    let stats = tenant.stats();
    assert_eq!(stats.token_requests, 1, "{stats:?}");
    assert_eq!(stats.api_requests, 40, "{stats:?}");
    assert_eq!(fetches(&a) + fetches(&b), 1);
    let (fetcher, other) = if fetches(&a) == 1 { (&a, &b) } else { (&b, &a) };
    assert_eq!(adoptions(other), 1);
    assert_eq!(adoptions(fetcher), 0);
    // The token was written to the directory, not kept in memory only.
    let files = std::fs::read_dir(dir.path())
        .expect("cache directory")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .count();
    assert!(files >= 1, "no record in {}", dir.path().display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_revocation_one_new_token_serves_both_clients_through_redis() {
    let tenant = tenant().await;
    let prefix = unique_prefix();
    let a = redis_client(&tenant, &prefix);
    let b = redis_client(&tenant, &prefix);

    call(&a).await;
    call(&b).await;
    assert_eq!(tenant.stats().token_requests, 1);
    assert_eq!((fetches(&a), fetches(&b)), (1, 0));
    assert_eq!(adoptions(&b), 1);
    let old = a.token_provider().current_token().expect("a token in a");

    tenant.revoke_all();

    // `a` is answered 401, drops the token it sent, fetches a new one and stores it in Redis.
    call(&a).await;
    let stats = tenant.stats();
    assert_eq!(stats.api_401, 1, "{stats:?}");
    assert_eq!(stats.token_requests, 2, "{stats:?}");
    assert_eq!(fetches(&a), 2);
    let new = a
        .token_provider()
        .current_token()
        .expect("a new token in a");
    assert!(!new.same_secret(&old));

    // `b` still holds the revoked token: it is answered 401 too, but then adopts the token
    // `a` stored instead of fetching one.
    call(&b).await;
    let stats = tenant.stats();
    assert_eq!(stats.api_401, 2, "{stats:?}");
    assert_eq!(stats.token_requests, 2, "{stats:?}");
    assert_eq!(fetches(&b), 0);
    assert_eq!(adoptions(&b), 2);
    let adopted = b.token_provider().current_token().expect("a token in b");
    assert!(adopted.same_secret(&new));

    // From now on both clients use the new token without another request.
    call_many(&a, &b, 3, 2).await;
    let stats = tenant.stats();
    assert_eq!(stats.token_requests, 2, "{stats:?}");
    assert_eq!(stats.api_401, 2, "{stats:?}");
}
