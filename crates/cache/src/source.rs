//! Where tokens come from: the [`TokenSource`] trait.

use auth0_m2m_token::BoxFuture;
use auth0_m2m_token::{AccessToken, Error};

use crate::key::CacheKeyParts;

/// Something that obtains new access tokens: the client-credentials exchange in production,
/// a fake in tests.
///
/// [`fetch_token`](Self::fetch_token) returns a [`BoxFuture`]: implement it with
/// `#[async_trait::async_trait]` and an `async fn` (as the crate's example does), or return
/// `Box::pin(async move { … })` yourself.
pub trait TokenSource: Send + Sync + 'static {
    /// Requests a new token from the token endpoint.
    fn fetch_token<'a, 'fut>(&'a self) -> BoxFuture<'fut, Result<AccessToken, Error>>
    where
        'a: 'fut,
        Self: 'fut;

    /// The values that identify the tokens of this source (never the secret), from which the
    /// cache key is derived.
    fn cache_key_parts(&self) -> CacheKeyParts;
}

/// What a token client's tokens are bound to: its DPoP key (`jkt:`) and its client
/// certificate (`x5t#S256:`), when it has them.
fn binding(jkt: Option<&str>, x5t: Option<&str>) -> Option<String> {
    let parts: Vec<String> = jkt
        .map(|j| format!("jkt:{j}"))
        .into_iter()
        .chain(x5t.map(|x| format!("x5t#S256:{x}")))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

impl TokenSource for auth0_m2m_token::TokenClient {
    fn fetch_token<'a, 'fut>(&'a self) -> BoxFuture<'fut, Result<AccessToken, Error>>
    where
        'a: 'fut,
        Self: 'fut,
    {
        Box::pin(async move { auth0_m2m_token::TokenClient::fetch_token(self).await })
    }

    fn cache_key_parts(&self) -> CacheKeyParts {
        CacheKeyParts {
            token_url: self.token_url().to_owned(),
            client_id: self.client_id().to_owned(),
            audience: self.audience().map(str::to_owned),
            scopes: self.scopes().to_vec(),
            organization: self.organization().map(str::to_owned),
            binding: binding(
                self.dpop_key().map(|k| k.thumbprint()),
                self.client_certificate().map(|c| c.thumbprint()),
            ),
        }
    }
}
