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
//!   default directory in the user's cache directory) or a `redis://…` / `rediss://…` URL
//!   (with `--features redis`).
//!
//! Output: one JSON line
//! `{"token_type","scope","expires_at","expires_in","sha256","source"}` where `source` is
//! `"fetched"` or `"cache"`; `sha256` is the hex SHA-256 fingerprint of the token (the token
//! itself is never printed). Errors are printed on stderr and the process exits with status 1.

use std::process::ExitCode;
use std::sync::Arc;

#[cfg(feature = "redis")]
use auth0_m2m_cache::RedisCache;
use auth0_m2m_cache::{FileCache, MemoryCache, TokenCache, TokenProvider};
use auth0_m2m_examples::{BoxError, env, exit_code, summary_line, token_client_from_env};

#[tokio::main]
async fn main() -> ExitCode {
    exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    // The fake tenant, if one was started, serves until the token has been obtained.
    let (client, _fake) = token_client_from_env().await?;
    let cache = cache_from_env()?;
    let provider = TokenProvider::builder(client).with_cache(cache).build()?;
    let token = provider.token().await?;
    let source = if provider.stats().fetches > 0 {
        "fetched"
    } else {
        "cache"
    };
    let mut line = summary_line(&token);
    line["source"] = source.into();
    println!("{line}");
    Ok(())
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
        #[cfg(feature = "redis")]
        return Ok(Arc::new(RedisCache::builder(spec).build()?));
        #[cfg(not(feature = "redis"))]
        return Err(
            "AUTH0_CACHE names a Redis server, and this build has no Redis cache: \
                    run the example with `--features redis`"
                .into(),
        );
    }
    Err(format!(
        "AUTH0_CACHE {spec:?} is not one of `memory`, `file:<dir>`, `redis://…`, `rediss://…`"
    )
    .into())
}
