//! Calls the Management API through endpoints the program defines itself, by implementing
//! the `Endpoint` trait: for an operation Auth0 adds before this crate models it, for a
//! response reduced to the fields a program needs, or, as here, for operations whose group
//! the program does not enable (this example builds without the `client_grants` and
//! `user_blocks` features).
//!
//! It prints the description (method, path, query, scopes) of one endpoint — the user blocks
//! of a user — as JSON; then lists the first client grant and reads it by id through
//! `ManagementClient` (token, retries and errors included) against the tenant named by
//! `AUTH0_DOMAIN` (same environment as the `list_clients` example) or, when unset, a fake
//! tenant started in-process.
//!
//! Run with `cargo run -p auth0-m2m-examples --features serde-derive --example custom_endpoint`
//! (its response types derive `Deserialize`).

use std::process::ExitCode;

use auth0_m2m_examples::{BoxError, exit_code, management_client_from_env};
use auth0_m2m_fake::FakeTenant;
use auth0_m2m_management::path;
use auth0_m2m_management::{Endpoint, QueryPairs};
use http::Method;
use serde::Deserialize;

/// `GET /api/v2/user-blocks/{id}`: the brute-force blocks of a user.
struct GetUserBlocks {
    user_id: String,
}

/// The response: the identifiers and IPs the user is blocked for.
#[derive(Debug, Deserialize)]
struct UserBlocks {
    #[serde(default)]
    blocked_for: Vec<serde_json::Value>,
}

impl Endpoint for GetUserBlocks {
    type Response = UserBlocks;

    fn method(&self) -> Method {
        Method::GET
    }

    fn path(&self) -> String {
        // Segments are percent-encoded: `auth0|abc` becomes `auth0%7Cabc`.
        path::build(&["user-blocks", &self.user_id])
    }

    fn query(&self) -> QueryPairs {
        let mut query = QueryPairs::new();
        query.push("consider_brute_force_enablement", true);
        query
    }

    fn scopes(&self) -> &[&'static str] {
        &["read:users"]
    }
}

/// `GET /api/v2/client-grants?per_page=1`: the first client grant (Auth0 answers a bare
/// array when `include_totals` is not sent).
struct FirstClientGrant;

impl Endpoint for FirstClientGrant {
    type Response = Vec<Grant>;

    fn method(&self) -> Method {
        Method::GET
    }

    fn path(&self) -> String {
        path::build(&["client-grants"])
    }

    fn query(&self) -> QueryPairs {
        let mut query = QueryPairs::new();
        query.push("per_page", 1);
        query
    }

    fn scopes(&self) -> &[&'static str] {
        &["read:client_grants"]
    }
}

/// `GET /api/v2/client-grants/{id}`: one client grant.
struct GetClientGrant {
    id: String,
}

/// The part of the answer this program needs; the other fields are ignored.
#[derive(Debug, Deserialize, serde::Serialize)]
struct Grant {
    id: String,
    client_id: String,
    audience: String,
    #[serde(default)]
    scope: Vec<String>,
}

impl Endpoint for GetClientGrant {
    type Response = Grant;

    fn method(&self) -> Method {
        Method::GET
    }

    fn path(&self) -> String {
        path::build(&["client-grants", &self.id])
    }

    fn scopes(&self) -> &[&'static str] {
        &["read:client_grants"]
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    describe();
    exit_code(execute().await)
}

/// Executes `FirstClientGrant` and `GetClientGrant` through `ManagementClient` (token,
/// retries and errors included), and prints the grant as JSON. Uses the tenant named by the
/// environment (as in the `list_clients` example), or a fake tenant started here.
async fn execute() -> Result<(), BoxError> {
    let (client, _tenant) = management_client_from_env(FakeTenant::builder()).await?;
    let first = client
        .execute(&FirstClientGrant)
        .await?
        .into_iter()
        .next()
        .map(|g| g.id)
        .ok_or("the tenant has no client grant")?;
    let grant = client.execute(&GetClientGrant { id: first }).await?;
    println!("{}", serde_json::to_string_pretty(&grant)?);
    Ok(())
}

/// Prints the description of `GetUserBlocks` and reads a sample answer.
fn describe() {
    let endpoint = GetUserBlocks {
        user_id: "auth0|5f7c8ec7c33c6c004bbafe82".to_owned(),
    };
    let description = serde_json::json!({
        "method": endpoint.method().as_str(),
        "path": endpoint.path(),
        "query": endpoint
            .query()
            .pairs()
            .iter()
            .map(|(k, v)| serde_json::json!([k, v]))
            .collect::<Vec<_>>(),
        "scopes": endpoint.scopes(),
    });
    match serde_json::to_string_pretty(&description) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("could not print the description: {e}"),
    }
    match endpoint.parse_response(br#"{"blocked_for":[]}"#) {
        Ok(blocks) => println!("blocked for {} identifiers", blocks.blocked_for.len()),
        Err(e) => eprintln!("{e}"),
    }
}
