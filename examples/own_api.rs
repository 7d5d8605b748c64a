//! Calls your own API with an M2M token: `ApiClient` adds the token (Bearer, or DPoP with a
//! fresh proof), shares and refreshes it through the caching provider, answers DPoP nonce
//! challenges and retries once with a fresh token after a 401.
//!
//! ```text
//! AUTH0_DOMAIN=tenant.eu.auth0.com AUTH0_CLIENT_ID=… AUTH0_CLIENT_SECRET=… \
//!     AUTH0_AUDIENCE=https://api.example.com/ API_URL=https://api.example.com/v1/things \
//!     cargo run -p auth0-m2m-examples --example own_api
//! ```
//!
//! Environment: the same as the `fetch_token` example (`AUTH0_DOMAIN`, `AUTH0_CLIENT_ID`,
//! `AUTH0_CLIENT_SECRET`, `AUTH0_AUDIENCE` — your API's identifier —, `AUTH0_TOKEN_URL`,
//! `AUTH0_CA_CERT`, `AUTH0_AUTH_METHOD`, `AUTH0_PRIVATE_KEY`, `AUTH0_DPOP_KEY`,
//! `AUTH0_CLIENT_CERT`, `AUTH0_CLIENT_KEY`, `AUTH0_MTLS_TOKEN_URL`), plus `API_URL`, the URL to
//! `GET`. Without `AUTH0_DOMAIN`, a fake tenant is started in-process and its protected
//! resource route is called with a DPoP-bound token (a key generated in memory, unless
//! `AUTH0_DPOP_KEY` names one).
//!
//! Output: one JSON line `{"status","token_type","body_bytes"}`. Errors are printed on stderr
//! and the process exits with status 1.

use std::process::ExitCode;
use std::sync::Arc;

use auth0_m2m::ApiClient;
use auth0_m2m_cache::TokenProvider;
use auth0_m2m_examples::{
    BoxError, client_certificate_from_env, dpop_key_from_env, env, exit_code, token_client_from_env,
};
use auth0_m2m_fake::FakeTenant;
use auth0_m2m_token::{
    ClientAuth, DpopKey, HttpClient, ReqwestHttpClient, TokenClient, TokenEndpoint,
};

#[tokio::main]
async fn main() -> ExitCode {
    exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    let (api, url, _fake) = if env("AUTH0_DOMAIN").is_some() {
        let (tokens, _) = token_client_from_env().await?;
        let url = env("API_URL").ok_or("API_URL is not set: the URL of your API to call")?;
        let mut http = ReqwestHttpClient::builder();
        if let Some(path) = env("AUTH0_CA_CERT") {
            http = http.with_root_certificate_pem(std::fs::read(&path)?);
        }
        if let Some(cert) = client_certificate_from_env()? {
            http = http.with_client_certificate(cert);
        }
        let http: Arc<dyn HttpClient> = Arc::new(http.build()?);
        let dpop = tokens.dpop_key().cloned();
        let mut api = ApiClient::new(TokenProvider::builder(tokens).build()?, http);
        if let Some(key) = dpop {
            api = api.with_dpop(key);
        }
        (api, url, None)
    } else {
        let fake = FakeTenant::builder().dpop_nonce(true).start().await?;
        let http: Arc<dyn HttpClient> = Arc::new(
            ReqwestHttpClient::builder()
                .with_root_certificate_pem(fake.ca_cert_pem())
                .build()?,
        );
        let key = match dpop_key_from_env()? {
            Some(k) => k,
            None => DpopKey::generate()?,
        };
        let tokens = TokenClient::builder(
            TokenEndpoint::auth0_domain(&fake.domain())?,
            fake.client_id(),
            ClientAuth::client_secret_post(fake.client_secret()),
        )
        .with_audience(fake.audience())
        .with_http_client(http.clone())
        .with_dpop(key.clone())
        .build()?;
        let api = ApiClient::new(TokenProvider::builder(tokens).build()?, http).with_dpop(key);
        let url = fake.resource_url();
        (api, url, Some(fake))
    };
    let answer = api.get(&url).await?;
    let token = api.token_provider().token().await?;
    println!(
        "{}",
        serde_json::json!({
            "status": answer.status,
            "token_type": token.token_type(),
            "body_bytes": answer.body.len(),
        })
    );
    if !(200..300).contains(&answer.status) {
        return Err(format!("the API answered HTTP {}", answer.status).into());
    }
    Ok(())
}
