//! Streams every user of the tenant through offset pagination and prints one JSON line per
//! user (`user_id`, `email`, `name`), then the count on stderr.
//!
//! ```text
//! AUTH0_DOMAIN=tenant.eu.auth0.com AUTH0_CLIENT_ID=… AUTH0_CLIENT_SECRET=… \
//!     cargo run -p auth0-m2m-examples --example all_users
//! ```
//!
//! Environment: the same as the `list_clients` example (read by
//! `ManagementClient::builder_from_env`); when `AUTH0_DOMAIN` is unset, a fake tenant with
//! generated users is started in-process and used instead; stderr says so. The user search
//! of the Management API stops at 1000 results; use a users export job for more.
//!
//! Errors are printed on stderr and the process exits with status 1.

use std::process::ExitCode;

use auth0_m2m::ManagementClient;
use auth0_m2m::management::PageRequest;
use auth0_m2m_fake::FakeTenant;
use futures::TryStreamExt;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), BoxError> {
    let (client, _tenant) = client().await?;
    let mut users = client
        .users()
        .list_with(|list| list.sort("created_at:1"))
        .page(PageRequest::offset(100)?)?
        .items();
    let mut count = 0u64;
    while let Some(user) = users.try_next().await? {
        count += 1;
        let line = serde_json::json!({
            "user_id": user.user_id,
            "email": user.email,
            "name": user.name,
        });
        println!("{line}");
    }
    eprintln!("{count} users");
    Ok(())
}

/// A client for the tenant named by the environment, or for a fake tenant started here (kept
/// alive by the returned handle).
async fn client() -> Result<(ManagementClient, Option<FakeTenant>), BoxError> {
    if std::env::var("AUTH0_DOMAIN").is_ok_and(|d| !d.is_empty()) {
        return Ok((ManagementClient::builder_from_env()?.build()?, None));
    }
    let tenant = FakeTenant::builder().seed_users(234).start().await?;
    eprintln!(
        "AUTH0_DOMAIN is not set: started a fake Auth0 tenant at {}",
        tenant.base_url()
    );
    // The fake tenant's credentials; `AUTH0_CACHE` still chooses the cache.
    let vars = [
        ("AUTH0_DOMAIN", tenant.domain()),
        ("AUTH0_CLIENT_ID", tenant.client_id()),
        ("AUTH0_CLIENT_SECRET", tenant.client_secret()),
        ("AUTH0_CA_CERT", tenant.ca_cert_path().display().to_string()),
    ];
    let client = ManagementClient::builder_from_lookup(|name| match name {
        "AUTH0_CACHE" => std::env::var(name).ok(),
        _ => vars
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone()),
    })?
    .build()?;
    Ok((client, Some(tenant)))
}
