//! Shared set-up: a fake tenant over TLS and a client trusting its CA.

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use auth0_m2m::{ManagementClient, RetryPolicy};
use auth0_m2m_fake::{FakeTenant, FakeTenantBuilder};

/// A tenant with `clients` seeded clients (it lists them after its "Default App" and its own
/// client) and `users` seeded users.
pub async fn tenant(clients: usize, users: usize) -> FakeTenant {
    tenant_with(
        FakeTenant::builder()
            .seed_clients(clients)
            .seed_users(users),
    )
    .await
}

pub async fn tenant_with(builder: FakeTenantBuilder) -> FakeTenant {
    builder.start().await.expect("fake tenant starts")
}

/// Fast, exact retries so the tests do not sleep long.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_jitter(false)
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(50))
}

pub fn client(tenant: &FakeTenant) -> ManagementClient {
    ManagementClient::builder(tenant.domain())
        .with_client_secret(tenant.client_id(), tenant.client_secret())
        .with_root_certificate_pem(tenant.ca_cert_pem())
        .with_retry_policy(quick_retries())
        .build()
        .expect("client builds")
}
