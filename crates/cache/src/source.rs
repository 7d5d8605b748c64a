//! Where tokens come from: the [`TokenSource`] trait.

use async_trait::async_trait;
use auth0_m2m_token::{AccessToken, Error};

use crate::key::CacheKeyParts;

/// Something that obtains new access tokens: the client-credentials exchange in production,
/// a fake in tests.
#[async_trait]
pub trait TokenSource: Send + Sync + 'static {
    /// Requests a new token from the token endpoint.
    async fn fetch_token(&self) -> Result<AccessToken, Error>;

    /// The values that identify the tokens of this source (never the secret), from which the
    /// cache key is derived.
    fn cache_key_parts(&self) -> CacheKeyParts;
}

#[async_trait]
impl TokenSource for auth0_m2m_token::TokenClient {
    async fn fetch_token(&self) -> Result<AccessToken, Error> {
        auth0_m2m_token::TokenClient::fetch_token(self).await
    }

    fn cache_key_parts(&self) -> CacheKeyParts {
        CacheKeyParts {
            token_url: self.token_url().to_owned(),
            client_id: self.client_id().to_owned(),
            audience: self.audience().map(str::to_owned),
            scopes: self.scopes().to_vec(),
            organization: self.organization().map(str::to_owned),
            binding: self.dpop_key().map(|k| format!("jkt:{}", k.thumbprint())),
        }
    }
}
