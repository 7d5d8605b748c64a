//! Obtains an access token through the caching token provider and prints a JSON summary,
//! saying whether the token was fetched or came from the cache.
//!
//! ```text
//! AUTH0_DOMAIN=tenant.eu.auth0.com AUTH0_CLIENT_ID=… AUTH0_CLIENT_SECRET=… \
//!     AUTH0_CACHE=file:/tmp/auth0-m2m cargo run -p auth0-m2m-examples --example shared_cache
//! ```
//!
//! Run it twice with a file or Redis cache: the second run prints `"source":"cache"` and sends
//! no token request.
//!
//! Environment: the same as the `fetch_token` example (`AUTH0_DOMAIN`, `AUTH0_CLIENT_ID`,
//! `AUTH0_CLIENT_SECRET`, `AUTH0_AUDIENCE`, `AUTH0_TOKEN_URL`, `AUTH0_CA_CERT`,
//! `AUTH0_AUTH_METHOD`, `AUTH0_PRIVATE_KEY`; a fake tenant is started in-process when
//! `AUTH0_DOMAIN` is unset), plus:
//!
//! - `AUTH0_CACHE` (optional): `memory` (default), `file:<dir>` (`file:` alone uses the
//!   default directory in the user's cache directory) or a `redis://…` / `rediss://…` URL.
//!
//! Output: one JSON line
//! `{"token_type","scope","expires_at","expires_in","sha256","source"}` where `source` is
//! `"fetched"` or `"cache"`; `sha256` is the hex SHA-256 fingerprint of the token (the token
//! itself is never printed). Errors are printed on stderr and the process exits with status 1.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::SystemTime;

use auth0_m2m_cache::{FileCache, MemoryCache, RedisCache, TokenCache, TokenProvider};

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

    let cache = cache_from_env()?;
    let provider = TokenProvider::builder(client).with_cache(cache).build()?;
    let token = provider.token().await?;
    let source = if provider.stats().fetches > 0 {
        "fetched"
    } else {
        "cache"
    };
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
        "source": source,
    });
    Ok(line.to_string())
}

/// The cache named by `AUTH0_CACHE`.
fn cache_from_env() -> Result<Arc<dyn TokenCache>, BoxError> {
    let spec = env("AUTH0_CACHE").unwrap_or_else(|| "memory".to_owned());
    if spec == "memory" {
        return Ok(Arc::new(MemoryCache::new()));
    }
    if let Some(dir) = spec.strip_prefix("file:") {
        let cache = if dir.is_empty() {
            FileCache::new()?
        } else {
            FileCache::in_dir(dir)?
        };
        return Ok(Arc::new(cache));
    }
    if spec.starts_with("redis://") || spec.starts_with("rediss://") {
        return Ok(Arc::new(RedisCache::builder(spec).build()?));
    }
    Err(format!(
        "AUTH0_CACHE {spec:?} is not one of `memory`, `file:<dir>`, `redis://…`, `rediss://…`"
    )
    .into())
}
