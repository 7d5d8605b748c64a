//! Fetches one access token with the client-credentials grant and prints a JSON summary.
//!
//! ```text
//! AUTH0_DOMAIN=tenant.eu.auth0.com AUTH0_CLIENT_ID=… AUTH0_CLIENT_SECRET=… \
//!     cargo run -p auth0-m2m-examples --example fetch_token
//! ```
//!
//! Environment:
//!
//! - `AUTH0_DOMAIN`: the tenant's domain. When unset, a fake tenant is started in-process
//!   (over TLS with a generated CA) and used instead; stderr says so.
//! - `AUTH0_CLIENT_ID`, `AUTH0_CLIENT_SECRET`: the application's credentials (the secret is
//!   not needed with `private_key_jwt`).
//! - `AUTH0_AUDIENCE` (optional): defaults to `https://{domain}/api/v2/`.
//! - `AUTH0_TOKEN_URL` (optional): overrides the token URL built from the domain.
//! - `AUTH0_CA_CERT` (optional): path of an extra trusted root certificate (PEM).
//! - `AUTH0_AUTH_METHOD` (optional): `client_secret_post` (default), `client_secret_basic`
//!   or `private_key_jwt`.
//! - `AUTH0_PRIVATE_KEY`: path of the PEM RSA private key for `private_key_jwt`, signed with
//!   `AUTH0_PRIVATE_KEY_ALG` (`RS256` by default, `RS384` or `PS256`), its credential's
//!   `AUTH0_PRIVATE_KEY_KID` (default: the key's thumbprint, the kid Auth0 assigns), and while
//!   rotating a second key `AUTH0_PRIVATE_KEY_2` / `AUTH0_PRIVATE_KEY_2_KID`.
//!
//! Output: one JSON line
//! `{"token_type","scope","expires_at","expires_in","sha256"}` where `expires_at` is in Unix
//! seconds, `expires_in` is the remaining lifetime in seconds, and `sha256` is the hex SHA-256
//! fingerprint of the token (the token itself is never printed). Any configuration or server
//! error is printed on stderr and the process exits with status 1.

use std::process::ExitCode;

use auth0_m2m_examples::{BoxError, exit_code, summary_line, token_client_from_env};

#[tokio::main]
async fn main() -> ExitCode {
    exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    // The fake tenant, if one was started, serves until the token has been fetched.
    let (client, _fake) = token_client_from_env().await?;
    let token = client.fetch_token().await?;
    println!("{}", summary_line(&token));
    Ok(())
}
