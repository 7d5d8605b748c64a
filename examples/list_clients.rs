//! Gets a Management API access token and prints every client (application) of the tenant
//! as one JSON array, following pagination: the Rust version of the Python script in
//! Auth0's "Get Management API access tokens for production" guide.
//!
//! ```text
//! AUTH0_DOMAIN=tenant.eu.auth0.com AUTH0_CLIENT_ID=… AUTH0_CLIENT_SECRET=… \
//!     cargo run -p auth0-m2m-examples --example list_clients
//! ```
//!
//! Environment (read by `ManagementClient::builder_from_env`): `AUTH0_DOMAIN`,
//! `AUTH0_CLIENT_ID`, `AUTH0_CLIENT_SECRET`, and optionally `AUTH0_AUDIENCE`,
//! `AUTH0_TOKEN_URL`, `AUTH0_CA_CERT`, `AUTH0_AUTH_METHOD`, `AUTH0_PRIVATE_KEY` and
//! `AUTH0_CACHE` (`memory`, `file:<dir>` or a `redis://…` URL). When `AUTH0_DOMAIN` is unset,
//! a fake tenant with a few hundred clients is started in-process (over TLS with a generated
//! CA) and used instead; stderr says so.
//!
//! Output: the JSON array of all clients on stdout, without their secrets: the call asks
//! Auth0 to leave `client_secret` out (`fields=client_secret&include_fields=false`), so a
//! client secret never reaches a terminal or a log through this program, whatever scopes the
//! application holds. Errors are printed on stderr and the
//! process exits with status 1.

use std::process::ExitCode;

use auth0_m2m::prelude::*; // `try_collect` on the stream of clients
use auth0_m2m_examples::{BoxError, exit_code, management_client_from_env};
use auth0_m2m_fake::FakeTenant;

#[tokio::main]
async fn main() -> ExitCode {
    exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    let (client, _tenant) =
        management_client_from_env(FakeTenant::builder().seed_clients(250)).await?;
    let clients: Vec<_> = client
        .clients()
        .list()
        .fields("client_secret")
        .include_fields(false)
        .items()
        .try_collect()
        .await?;
    eprintln!("{} clients", clients.len());
    println!("{}", serde_json::to_string_pretty(&clients)?);
    Ok(())
}
