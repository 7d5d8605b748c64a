//! Streams every user of the tenant through offset pagination and prints one JSON line per
//! user (`user_id`, `email`, `name`), then the count on stderr.
//!
//! ```text
//! AUTH0_DOMAIN=tenant.eu.auth0.com AUTH0_CLIENT_ID=… AUTH0_CLIENT_SECRET=… \
//!     cargo run -p auth0-m2m-examples --features users --example all_users
//! ```
//!
//! Environment: the same as the `list_clients` example (read by
//! `ManagementClient::builder_from_env`); when `AUTH0_DOMAIN` is unset, a fake tenant with
//! generated users is started in-process and used instead; stderr says so. The user search
//! of the Management API stops at 1000 results; use a users export job for more.
//!
//! Errors are printed on stderr and the process exits with status 1.

use std::process::ExitCode;

use auth0_m2m::management::PageRequest;
use auth0_m2m::prelude::*; // `try_next` on the stream of users
use auth0_m2m_examples::{BoxError, exit_code, management_client_from_env};
use auth0_m2m_fake::FakeTenant;

#[tokio::main]
async fn main() -> ExitCode {
    exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    let (client, _tenant) =
        management_client_from_env(FakeTenant::builder().seed_users(234)).await?;
    let mut users = client
        .users()
        .list()
        .sort("created_at:1")
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
