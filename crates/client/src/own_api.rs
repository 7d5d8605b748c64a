//! Calling your own API with an M2M token: [`ApiClient`].

use std::fmt;
use std::sync::Arc;

use auth0_m2m_cache::TokenProvider;
use auth0_m2m_token::{DpopKey, HttpClient, HttpRequest, HttpResponse};
use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::error::Error;

/// Sends requests to any API with a token for its audience: `Authorization: Bearer …`, or for
/// a DPoP-bound token `Authorization: DPoP …` with a fresh proof (`ath` included), on the same
/// HTTP layer as the Management client ([`HttpClient`]).
///
/// Each request reads the token from the caching provider (so it is shared, refreshed and
/// single-flighted like the Management API's), answers a DPoP nonce challenge once with the
/// server's nonce, and after a `401` invalidates exactly the token it sent and retries once
/// with a fresh one. The answer is returned whatever its status; a request that got no answer
/// is an [`Error::Transport`] or [`Error::Timeout`].
///
/// ```no_run
/// use std::sync::Arc;
/// use auth0_m2m::{ApiClient, ClientAuth};
/// use auth0_m2m::cache::TokenProvider;
/// use auth0_m2m::token::{DpopKey, ReqwestHttpClient, TokenClient, TokenEndpoint};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let http = Arc::new(ReqwestHttpClient::builder().build()?);
/// let key = DpopKey::generate()?;
/// let tokens = TokenClient::builder(
///     TokenEndpoint::auth0_domain("tenant.eu.auth0.com")?,
///     "client-id",
///     ClientAuth::client_secret_post(std::env::var("AUTH0_CLIENT_SECRET")?),
/// )
/// .with_audience("https://api.example.com/")
/// .with_http_client(http.clone())
/// .with_dpop(key.clone())
/// .build()?;
/// let api = ApiClient::new(TokenProvider::builder(tokens).build()?, http).with_dpop(key);
/// let answer = api.get("https://api.example.com/v1/things").await?;
/// println!("{} ({} bytes)", answer.status, answer.body.len());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ApiClient {
    provider: TokenProvider,
    http: Arc<dyn HttpClient>,
    dpop: Option<DpopKey>,
    max_response_bytes: usize,
}

impl ApiClient {
    /// A client that gets its tokens from `provider` (whose token client names the API's
    /// audience) and sends through `http`. The largest answer read is 10 MiB.
    pub fn new(provider: TokenProvider, http: Arc<dyn HttpClient>) -> Self {
        Self {
            provider,
            http,
            dpop: None,
            max_response_bytes: 10 * 1024 * 1024,
        }
    }

    /// The DPoP key DPoP-bound tokens are bound to: the one given to the token client's
    /// `with_dpop`. Without it, a DPoP-bound token cannot be sent.
    pub fn with_dpop(mut self, key: DpopKey) -> Self {
        self.dpop = Some(key);
        self
    }

    /// Sets the largest answer body read (default 10 MiB).
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// The token provider.
    pub fn token_provider(&self) -> &TokenProvider {
        &self.provider
    }

    /// `GET url`.
    pub async fn get(&self, url: &str) -> Result<HttpResponse, Error> {
        self.send(Method::GET, url, HeaderMap::new(), Bytes::new())
            .await
    }

    /// Sends `method url` with `headers` (an `Authorization` or `DPoP` header among them is
    /// replaced) and `body`; see the type's documentation for the token rules.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<HttpResponse, Error> {
        let path = url
            .parse::<http::Uri>()
            .map(|u| u.path().to_owned())
            .unwrap_or_else(|_| url.to_owned());
        let mut reauthenticated = false;
        let mut nonce_retried = false;
        loop {
            let token = self.provider.token().await.map_err(Error::Token)?;
            let mut h = headers.clone();
            crate::client::authorize(&mut h, &token, self.dpop.as_ref(), &method, url).map_err(
                |message| Error::Transport {
                    method: method.clone(),
                    path: path.clone(),
                    message,
                    source: None,
                },
            )?;
            let request = HttpRequest::new(method.clone(), url, h, body.clone())
                .with_max_response_bytes(self.max_response_bytes);
            let response = self.http.execute(request).await.map_err(|e| match e {
                auth0_m2m_token::Error::Timeout(after) => Error::Timeout {
                    method: method.clone(),
                    path: path.clone(),
                    timeout: (!after.is_zero()).then_some(after),
                },
                other => Error::Transport {
                    method: method.clone(),
                    path: path.clone(),
                    message: other.to_string(),
                    source: Some(Box::new(other)),
                },
            })?;
            if let Some(key) = &self.dpop {
                key.remember_nonce(url, &response.headers);
            }
            if token.is_dpop()
                && !nonce_retried
                && DpopKey::is_nonce_challenge(response.status, &response.headers)
            {
                nonce_retried = true;
                continue;
            }
            if response.status == 401 && !reauthenticated {
                reauthenticated = true;
                tracing::info!(%method, path = %path, "the API rejected the token (401); retrying with a fresh one");
                self.provider.invalidate(&token).await;
                continue;
            }
            return Ok(response);
        }
    }
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiClient")
            .field("provider", &self.provider)
            .field("dpop", &self.dpop)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}
