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
//! - `AUTH0_PRIVATE_KEY`: path of the PEM private key for `private_key_jwt` (RSA keys sign
//!   with RS256, EC P-256 keys in PKCS#8 form with ES256).
//!
//! Output: one JSON line
//! `{"token_type","scope","expires_at","expires_in","sha256"}` where `expires_at` is in Unix
//! seconds, `expires_in` is the remaining lifetime in seconds, and `sha256` is the hex SHA-256
//! fingerprint of the token (the token itself is never printed). Any configuration or server
//! error is printed on stderr and the process exits with status 1.

use std::process::ExitCode;
use std::time::SystemTime;

use auth0_m2m_token::{Algorithm, ClientAuth, PrivateKey, TokenClient, TokenEndpoint};
use sha2::{Digest, Sha256};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn required(name: &str) -> Result<String, BoxError> {
    env(name).ok_or_else(|| format!("{name} is not set").into())
}

async fn run() -> Result<String, BoxError> {
    // Keeps the fake tenant alive until the token has been fetched.
    let mut _fake = None;
    let (domain, client_id, secret, extra_root) = match env("AUTH0_DOMAIN") {
        Some(domain) => {
            let root = match env("AUTH0_CA_CERT") {
                Some(path) => Some(
                    std::fs::read(&path)
                        .map_err(|e| format!("cannot read AUTH0_CA_CERT {path}: {e}"))?,
                ),
                None => None,
            };
            (
                domain,
                required("AUTH0_CLIENT_ID")?,
                env("AUTH0_CLIENT_SECRET"),
                root,
            )
        }
        None => {
            let tenant = auth0_m2m_fake::FakeTenant::builder().start().await?;
            eprintln!(
                "AUTH0_DOMAIN is not set: started a fake Auth0 tenant at https://{}",
                tenant.domain()
            );
            let values = (
                tenant.domain().to_string(),
                tenant.client_id().to_string(),
                Some(tenant.client_secret().to_string()),
                Some(tenant.ca_cert_pem().to_string().into_bytes()),
            );
            _fake = Some(tenant);
            values
        }
    };

    let method = env("AUTH0_AUTH_METHOD").unwrap_or_else(|| "client_secret_post".to_owned());
    let auth = match method.as_str() {
        "client_secret_post" => {
            ClientAuth::client_secret_post(secret.ok_or("AUTH0_CLIENT_SECRET is not set")?)
        }
        "client_secret_basic" => {
            ClientAuth::client_secret_basic(secret.ok_or("AUTH0_CLIENT_SECRET is not set")?)
        }
        "private_key_jwt" => {
            let path = required("AUTH0_PRIVATE_KEY")?;
            let pem = std::fs::read(&path)
                .map_err(|e| format!("cannot read AUTH0_PRIVATE_KEY {path}: {e}"))?;
            let text = String::from_utf8_lossy(&pem);
            let algorithm = if text.contains("RSA PRIVATE KEY") {
                Algorithm::RS256
            } else {
                // PKCS#8: try RSA first, then EC P-256.
                match PrivateKey::from_pem(&pem, Algorithm::RS256) {
                    Ok(_) => Algorithm::RS256,
                    Err(_) => Algorithm::ES256,
                }
            };
            ClientAuth::private_key_jwt(PrivateKey::from_pem(&pem, algorithm)?)
        }
        other => {
            return Err(format!(
                "AUTH0_AUTH_METHOD {other:?} is not one of client_secret_post, client_secret_basic, private_key_jwt"
            )
            .into());
        }
    };

    let endpoint = match env("AUTH0_TOKEN_URL") {
        Some(url) => TokenEndpoint::url(&url)?,
        None => TokenEndpoint::auth0_domain(&domain)?,
    };
    let default_audience = TokenEndpoint::auth0_domain(&domain)?
        .default_audience()
        .map(str::to_owned);
    let mut builder = TokenClient::builder(endpoint, client_id, auth);
    if let Some(audience) = env("AUTH0_AUDIENCE").or(default_audience) {
        builder = builder.with_audience(audience);
    }
    if let Some(pem) = extra_root {
        builder = builder.with_root_certificate_pem(pem);
    }
    let client = builder.build()?;

    let token = client.fetch_token().await?;
    let expires_at = token
        .expires_at()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let line = serde_json::json!({
        "token_type": token.token_type(),
        "scope": token.scope_string(),
        "expires_at": expires_at,
        "expires_in": token.remaining_at(SystemTime::now()).as_secs(),
        "sha256": hex::encode(Sha256::digest(token.expose_secret().as_bytes())),
    });
    Ok(line.to_string())
}
