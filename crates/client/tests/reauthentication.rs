//! The 401 rule when the token adopted for the retry is itself stale: after a revocation, a
//! process may find in the shared cache a token that another process had fetched shortly
//! *before* the revocation. Trying it is cheaper than always fetching, but when it is rejected
//! too the call must not fail: that token is invalidated as well and a really fresh one tried.
#![cfg(feature = "clients")]

mod common;

use std::sync::Arc;

use auth0_m2m::ManagementClient;
use auth0_m2m::cache::{MemoryCache, TokenCache, TokenProvider};
use auth0_m2m::token::{ClientAuth, TokenClient, TokenEndpoint};
use auth0_m2m_fake::FakeTenant;

fn token_client(tenant: &FakeTenant) -> TokenClient {
    TokenClient::builder(
        TokenEndpoint::auth0_domain(&tenant.domain()).expect("the fake tenant's domain is valid"),
        tenant.client_id(),
        ClientAuth::client_secret_post(tenant.client_secret()),
    )
    .with_root_certificate_pem(tenant.ca_cert_pem())
    .build()
    .expect("token client builds")
}

fn provider(tenant: &FakeTenant, cache: Arc<dyn TokenCache>) -> TokenProvider {
    TokenProvider::builder(token_client(tenant))
        .with_cache(cache)
        .build()
        .expect("provider builds")
}

fn client(tenant: &FakeTenant, provider: TokenProvider) -> ManagementClient {
    ManagementClient::builder_with_provider(provider, tenant.base_url())
        .with_root_certificate_pem(tenant.ca_cert_pem())
        .with_retry_policy(common::quick_retries())
        .build()
        .expect("client builds")
}

#[tokio::test]
async fn a_stale_token_adopted_for_the_retry_is_replaced_too() {
    let tenant = common::tenant(3, 0).await;
    let shared: Arc<dyn TokenCache> = Arc::new(MemoryCache::new());
    let caller = provider(&tenant, Arc::clone(&shared));
    let api = client(&tenant, caller.clone());

    // The caller holds the first token in its in-process slot.
    let first = caller.token().await.expect("first token");
    api.clients()
        .list()
        .send()
        .await
        .expect("a call with the first token");

    // Another process fetches a second token (its own cache), and stores it in the shared one
    // shortly before every token is revoked.
    let other = provider(&tenant, Arc::new(MemoryCache::new()));
    let second = other.token().await.expect("second token");
    assert!(!second.same_secret(&first));
    shared
        .store_if_newer(caller.cache_key(), &second)
        .await
        .expect("the shared cache takes the newer token");
    assert_eq!(tenant.stats().token_requests, 2);
    tenant.revoke_all();

    // First attempt: 401 with the first token. Retry: the second token, adopted from the
    // shared cache, but it predates the revocation: 401 again. Then a fresh third token.
    let clients = api
        .clients()
        .list()
        .send()
        .await
        .expect("the call succeeds with a token fetched after the revocation");
    assert!(!clients.items().is_empty());
    let stats = tenant.stats();
    assert_eq!(
        stats.token_requests, 3,
        "exactly one fresh token: {stats:?}"
    );
    assert_eq!(stats.api_401, 2, "{stats:?}");
    let now = caller
        .current_token()
        .expect("the provider holds the fresh token");
    assert!(!now.same_secret(&first) && !now.same_secret(&second));
}
