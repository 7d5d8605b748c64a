//! Lists every user while watching the Management API's rate limit: after each page it prints
//! the budget left in the current window on stderr, and when little is left it waits for the
//! window to reset instead of running into 429 answers. One JSON line per user on stdout.
//!
//! ```text
//! AUTH0_DOMAIN=tenant.eu.auth0.com AUTH0_CLIENT_ID=… AUTH0_CLIENT_SECRET=… \
//!     cargo run -p auth0-m2m-examples --features users --example rate_limit_aware
//! ```
//!
//! Environment: the same as the `list_clients` example; when `AUTH0_DOMAIN` is unset, a fake
//! tenant with generated users (and a small per-second limit) is started in-process and used
//! instead; stderr says so. `RATE_LIMIT_LOW` sets how many calls must stay in reserve
//! (default 2).
//!
//! Errors are printed on stderr and the process exits with status 1.

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use auth0_m2m::CallOptions;
use auth0_m2m::management::PageRequest;
use auth0_m2m::prelude::*; // the stream traits
use auth0_m2m_examples::{BoxError, env, exit_code, management_client_from_env};
use auth0_m2m_fake::FakeTenant;

/// The longest pause taken for the window to reset; a longer reset is left to the client's
/// own 429 handling.
const MAX_PAUSE: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> ExitCode {
    exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    let low: u64 = match env("RATE_LIMIT_LOW") {
        Some(v) => v
            .parse()
            .map_err(|_| format!("RATE_LIMIT_LOW must be a whole number, got {v:?}"))?,
        None => 2,
    };
    let (client, _tenant) =
        management_client_from_env(FakeTenant::builder().seed_users(180).rate_limit(5)).await?;
    let mut pages = client
        .users()
        .list()
        .sort("created_at:1")
        .page(PageRequest::offset(20)?)?
        .options(CallOptions::new().app_name("rate-limit-aware-example"))
        .responses();
    let (mut users, mut page_count) = (0u64, 0u64);
    while let Some(response) = pages.try_next().await? {
        page_count += 1;
        for user in response.body().items() {
            users += 1;
            let line = serde_json::json!({"user_id": user.user_id, "email": user.email});
            println!("{line}");
        }
        let limit = response.meta().rate_limit();
        eprintln!(
            "page {page_count}: {} users so far, rate limit {} of {} left{}",
            users,
            limit.remaining.map_or("?".to_owned(), |r| r.to_string()),
            limit.limit.map_or("?".to_owned(), |l| l.to_string()),
            response
                .meta()
                .request_id()
                .map(|id| format!(" (request {id})"))
                .unwrap_or_default()
        );
        if limit.remaining.is_some_and(|r| r <= low)
            && let Some(reset) = limit.reset
        {
            let wait = reset
                .duration_since(SystemTime::now())
                .unwrap_or_default()
                .min(MAX_PAUSE)
                // Reset times are whole seconds: wait into the next second.
                + Duration::from_millis(50);
            eprintln!("budget low: pausing {wait:?} for the window to reset");
            tokio::time::sleep(wait).await;
        }
    }
    eprintln!("{users} users in {page_count} pages");
    Ok(())
}
