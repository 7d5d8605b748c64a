//! The fake tenant's default client, the one the examples and `auth0-m2m --demo` use, calls
//! every group of the Management API, not only the central resources.
#![cfg(all(feature = "actions", feature = "log_streams", feature = "users"))]

mod common;

use auth0_m2m_fake::FakeTenant;

#[tokio::test]
async fn the_default_client_of_the_fake_tenant_reads_actions_and_log_streams() {
    let tenant = FakeTenant::builder().start().await.expect("tenant");
    let client = common::client(&tenant);
    let actions = client
        .actions()
        .list()
        .collect_all()
        .await
        .expect("the default client may read actions");
    assert!(actions.is_empty(), "a new tenant has no action");
    let streams = client
        .log_streams()
        .list()
        .await
        .expect("the default client may read log streams");
    assert!(streams.is_empty(), "a new tenant has no log stream");
    // The central resources still answer with the same token.
    client.users().list().send().await.expect("users");
    assert_eq!(tenant.stats().tokens_issued, 1);
}
