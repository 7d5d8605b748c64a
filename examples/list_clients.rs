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
//! Output: the JSON array of all clients on stdout. Errors are printed on stderr and the
//! process exits with status 1.

use std::process::ExitCode;

use auth0_m2m::ManagementClient;
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
    let clients: Vec<_> = client.clients().list().items().try_collect().await?;
    eprintln!("{} clients", clients.len());
    println!("{}", serde_json::to_string_pretty(&clients)?);
    Ok(())
}

/// A client for the tenant named by the environment, or for a fake tenant started here (kept
/// alive by the returned handle).
async fn client() -> Result<(ManagementClient, Option<FakeTenant>), BoxError> {
    if std::env::var("AUTH0_DOMAIN").is_ok_and(|d| !d.is_empty()) {
        return Ok((ManagementClient::builder_from_env()?.build()?, None));
    }
    let tenant = FakeTenant::builder().seed_clients(250).start().await?;
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
