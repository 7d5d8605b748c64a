//! Meets each kind of failure once, against a fake tenant started in-process, and prints one
//! line per kind: how a service tells "not found", "rate limited", "insufficient scope" and
//! "no token" apart with `Error::kind()`, without status codes or string compares.
//!
//! ```text
//! cargo run -p auth0-m2m-examples --features users --example error_handling
//! ```
//!
//! It always uses the fake tenant (it injects a fault, which a real tenant does not let you
//! do); the calls and the `match` are the same against a real one. Each line reads
//! `<kind>: <what happened>`; the process exits with status 1 when a failure does not come out
//! as the kind it demonstrates.

use std::process::ExitCode;

use auth0_m2m::{Error, ErrorKind, ManagementClient, RetryPolicy};
use auth0_m2m_examples::{BoxError, exit_code};
use auth0_m2m_fake::{FakeTenant, Fault, FaultTarget};

#[tokio::main]
async fn main() -> ExitCode {
    exit_code(run().await)
}

/// One line for an error, by kind.
fn describe(e: &Error) -> String {
    match e.kind() {
        ErrorKind::NotFound { error_code } => format!("not found ({error_code:?})"),
        ErrorKind::RateLimited { retry_after } => {
            format!("rate limited, Auth0 asks to wait {retry_after:?}")
        }
        ErrorKind::InsufficientScope { missing } => {
            format!("insufficient scope, the call needs one of {missing:?}")
        }
        ErrorKind::Token { retryable } => {
            format!("no token could be obtained (retryable: {retryable})")
        }
        other => format!("{other:?}: {e}"),
    }
}

/// Checks that `result` failed as `expected` and prints its line.
fn show<T>(
    label: &str,
    result: Result<T, Error>,
    expected: fn(&ErrorKind) -> bool,
) -> Result<(), BoxError> {
    match result {
        Ok(_) => Err(format!("{label}: the call succeeded, but it should have failed").into()),
        Err(e) if expected(&e.kind()) => {
            println!("{label}: {}", describe(&e));
            Ok(())
        }
        Err(e) => Err(format!("{label}: unexpected kind {:?}: {e}", e.kind()).into()),
    }
}

async fn run() -> Result<(), BoxError> {
    let tenant = FakeTenant::builder().seed_users(3).start().await?;
    eprintln!("started a fake Auth0 tenant at {}", tenant.base_url());
    let client = ManagementClient::builder(tenant.domain())
        .with_client_secret(tenant.client_id(), tenant.client_secret())
        .with_root_certificate_pem(tenant.ca_cert_pem())
        .build()?;

    // A user that does not exist.
    show(
        "NotFound",
        client.users().get("auth0|no-such-user").await,
        |k| matches!(k, ErrorKind::NotFound { .. }),
    )?;

    // A 429 whose wait is longer than the client waits for (30 s by default), then cleared.
    tenant.inject_fault(Fault {
        target: FaultTarget::Api,
        count: 5,
        status: Some(429),
        retry_after: Some(120),
        ..Fault::default()
    });
    show("RateLimited", client.clients().list().send().await, |k| {
        matches!(k, ErrorKind::RateLimited { .. })
    })?;
    // The rate budget now holds this client's calls for the 120 s Auth0 asked for: the next
    // call fails at once, without being sent, with the same kind and the wait left.
    show(
        "RateLimited (by the budget, not sent)",
        client.clients().list().send().await,
        |k| matches!(k, ErrorKind::RateLimited { .. }),
    )?;
    let cleared = tenant.clear_faults();
    eprintln!("cleared {} queued fault(s)", cleared.len());

    // A client that narrowed its token to `read:clients` asks for users.
    let narrowed = ManagementClient::builder(tenant.domain())
        .with_client_secret(tenant.client_id(), tenant.client_secret())
        .with_root_certificate_pem(tenant.ca_cert_pem())
        .with_scopes(["read:clients"])
        .build()?;
    let result = narrowed.users().list().send().await;
    if let Err(e) = &result {
        eprintln!("  the message says what to change: {e}");
    }
    show("InsufficientScope", result, |k| {
        matches!(k, ErrorKind::InsufficientScope { .. })
    })?;

    // Wrong credentials: no token at all.
    let wrong = ManagementClient::builder(tenant.domain())
        .with_client_secret(tenant.client_id(), "not-the-secret")
        .with_root_certificate_pem(tenant.ca_cert_pem())
        .with_retry_policy(RetryPolicy::none())
        .build()?;
    show("Token", wrong.users().list().send().await, |k| {
        matches!(k, ErrorKind::Token { .. })
    })?;
    Ok(())
}
