//! OAuth 2.0 client-credentials exchange for Auth0 (and any standards-compliant OAuth server).

mod error;
mod token;

pub use error::{ConfigError, Error, OAuthError, RateLimit};
pub use token::AccessToken;
