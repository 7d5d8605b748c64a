//! How the client proves its identity to the token endpoint.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// The client authentication method.
///
/// - [`client_secret_post`](Self::client_secret_post) (the default in Auth0's documentation):
///   `client_secret` travels in the request body.
/// - [`client_secret_basic`](Self::client_secret_basic): an `Authorization: Basic` header with
///   the client id and secret, each `application/x-www-form-urlencoded`-encoded first
///   (RFC 6749 §2.3.1).
/// - `private_key_jwt` (feature `private-key-jwt`): a short-lived JWT signed with the client's
///   private key (RFC 7523), sent as `client_assertion`.
///
/// `Debug` never shows the secret or the key.
#[derive(Clone)]
pub struct ClientAuth {
    pub(crate) kind: AuthKind,
}

#[derive(Clone)]
pub(crate) enum AuthKind {
    SecretPost(SecretString),
    SecretBasic(SecretString),
    #[cfg(feature = "private-key-jwt")]
    PrivateKeyJwt(std::sync::Arc<crate::jwt::KeyRing>),
    TlsClientAuth,
    SelfSignedTlsClientAuth,
}

impl ClientAuth {
    /// Sends the client secret as `client_secret` in the request body.
    pub fn client_secret_post(secret: impl Into<String>) -> Self {
        Self {
            kind: AuthKind::SecretPost(SecretString::from(secret.into())),
        }
    }

    /// Sends the client id and secret in an `Authorization: Basic` header (RFC 6749 §2.3.1).
    pub fn client_secret_basic(secret: impl Into<String>) -> Self {
        Self {
            kind: AuthKind::SecretBasic(SecretString::from(secret.into())),
        }
    }

    /// Signs a fresh client assertion with `key` for every request (RFC 7523), as Auth0 checks
    /// it: header `alg`, `typ: JWT` and the credential's `kid`; claims `iss` = `sub` = the
    /// client id, `aud` = the issuer URL of the token host with its trailing slash
    /// (`https://{tenant or custom domain}/`; the token URL for a server declared
    /// [`not_auth0`](crate::TokenEndpoint::not_auth0); or the value set with
    /// [`with_assertion_audience`](crate::TokenClientBuilder::with_assertion_audience)), a
    /// random 32-character `jti`, `iat` = now and `exp` = now + 60 s
    /// ([`with_assertion_lifetime`](crate::TokenClientBuilder::with_assertion_lifetime)).
    #[cfg(feature = "private-key-jwt")]
    pub fn private_key_jwt(key: crate::jwt::PrivateKey) -> Self {
        Self {
            kind: AuthKind::PrivateKeyJwt(std::sync::Arc::new(crate::jwt::KeyRing::single(key))),
        }
    }

    /// Signs with one of up to two keys, for a rotation without a failed call (Auth0 registers
    /// up to two credentials per client: add the new one, switch, remove the old one).
    ///
    /// The first key is preferred. When the token endpoint rejects the client
    /// (`401 invalid_client`, or Auth0's `401 access_denied`), the request is sent once more
    /// signed with the other key, and the key that worked is preferred from then on.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`](crate::ConfigError::Invalid) for no key or more than two.
    #[cfg(feature = "private-key-jwt")]
    pub fn private_key_jwt_keys(
        keys: impl IntoIterator<Item = crate::jwt::PrivateKey>,
    ) -> Result<Self, crate::ConfigError> {
        let ring = crate::jwt::KeyRing::fixed(keys.into_iter().collect())?;
        Ok(Self {
            kind: AuthKind::PrivateKeyJwt(std::sync::Arc::new(ring)),
        })
    }

    /// Like [`private_key_jwt_keys`](Self::private_key_jwt_keys), with keys read from files
    /// and read again whenever a file changes on disk (see
    /// [`PrivateKeyFile`](crate::PrivateKeyFile)), so that an operator rotates without a
    /// restart: write the new key as the second file, register it with Auth0, remove the old
    /// credential; every process switches on its next token request.
    ///
    /// The first file must hold a usable key now; the second may appear later.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`](crate::ConfigError::Invalid) for no file or more than two, a
    /// missing or unusable first file, or an existing but unusable second file.
    #[cfg(feature = "private-key-jwt")]
    pub fn private_key_jwt_files(
        files: impl IntoIterator<Item = crate::jwt::PrivateKeyFile>,
    ) -> Result<Self, crate::ConfigError> {
        let ring = crate::jwt::KeyRing::files(files.into_iter().collect())?;
        Ok(Self {
            kind: AuthKind::PrivateKeyJwt(std::sync::Arc::new(ring)),
        })
    }

    /// mTLS client authentication with a certificate issued by a certificate authority
    /// (RFC 8705 §2.1, `tls_client_auth`): the client presents its certificate in the TLS
    /// handshake with the token endpoint's mTLS alias and sends no secret. Give the
    /// certificate with [`with_client_certificate`](crate::TokenClientBuilder::with_client_certificate).
    pub fn tls_client_auth() -> Self {
        Self {
            kind: AuthKind::TlsClientAuth,
        }
    }

    /// mTLS client authentication with a self-signed certificate registered with the server
    /// (RFC 8705 §2.2, `self_signed_tls_client_auth`); otherwise as
    /// [`tls_client_auth`](Self::tls_client_auth).
    pub fn self_signed_tls_client_auth() -> Self {
        Self {
            kind: AuthKind::SelfSignedTlsClientAuth,
        }
    }

    /// Whether the method authenticates with a client certificate.
    pub fn is_mtls(&self) -> bool {
        matches!(
            self.kind,
            AuthKind::TlsClientAuth | AuthKind::SelfSignedTlsClientAuth
        )
    }

    /// The method's name as used in OAuth metadata: `client_secret_post`,
    /// `client_secret_basic`, `private_key_jwt`, `tls_client_auth` or
    /// `self_signed_tls_client_auth`.
    pub fn method_name(&self) -> &'static str {
        match &self.kind {
            AuthKind::SecretPost(_) => "client_secret_post",
            AuthKind::SecretBasic(_) => "client_secret_basic",
            #[cfg(feature = "private-key-jwt")]
            AuthKind::PrivateKeyJwt(_) => "private_key_jwt",
            AuthKind::TlsClientAuth => "tls_client_auth",
            AuthKind::SelfSignedTlsClientAuth => "self_signed_tls_client_auth",
        }
    }

    /// The shared secret, when the method uses one.
    pub(crate) fn secret(&self) -> Option<&str> {
        match &self.kind {
            AuthKind::SecretPost(s) | AuthKind::SecretBasic(s) => Some(s.expose_secret()),
            #[cfg(feature = "private-key-jwt")]
            AuthKind::PrivateKeyJwt(_) => None,
            AuthKind::TlsClientAuth | AuthKind::SelfSignedTlsClientAuth => None,
        }
    }
}

impl fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            AuthKind::SecretPost(_) | AuthKind::SecretBasic(_) => f
                .debug_struct("ClientAuth")
                .field("method", &self.method_name())
                .field("secret", &"[REDACTED]")
                .finish(),
            AuthKind::TlsClientAuth | AuthKind::SelfSignedTlsClientAuth => f
                .debug_struct("ClientAuth")
                .field("method", &self.method_name())
                .finish(),
            #[cfg(feature = "private-key-jwt")]
            AuthKind::PrivateKeyJwt(keys) => f
                .debug_struct("ClientAuth")
                .field("method", &self.method_name())
                .field("keys", keys)
                .finish(),
        }
    }
}

/// The `Authorization: Basic` value of RFC 6749 §2.3.1: id and secret are each
/// form-urlencoded, joined by `:`, then base64-encoded.
pub(crate) fn basic_credentials(client_id: &str, secret: &str) -> String {
    use base64::Engine as _;
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let raw = format!("{}:{}", enc(client_id), enc(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_encoding_follows_rfc6749() {
        use base64::Engine as _;
        let v = basic_credentials("my id:ü", "p@ss w+rd/=");
        let b64 = v.strip_prefix("Basic ").unwrap();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(
            String::from_utf8(raw).unwrap(),
            "my+id%3A%C3%BC:p%40ss+w%2Brd%2F%3D"
        );
    }

    #[test]
    fn debug_redacts() {
        for a in [
            ClientAuth::client_secret_post("s3cr3t-value"),
            ClientAuth::client_secret_basic("s3cr3t-value"),
        ] {
            let d = format!("{a:?} {a:#?}");
            assert!(!d.contains("s3cr3t-value"), "{d}");
            assert!(d.contains("[REDACTED]"));
        }
        assert_eq!(
            ClientAuth::client_secret_basic("x").method_name(),
            "client_secret_basic"
        );
    }
}
