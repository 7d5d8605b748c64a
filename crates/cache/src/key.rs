//! Cache keys: a hash of everything that identifies a token, never the secret.

use std::fmt;

use ring::digest::{Context, SHA256};

/// The default prefix of every cache key: `auth0-m2m:`.
pub const DEFAULT_KEY_PREFIX: &str = "auth0-m2m:";

/// The version segment of the key layout; bumped when the key derivation or the record format
/// changes, so that old and new releases never read each other's entries.
pub const KEY_VERSION: &str = "v1";

/// The values that identify which token a client obtains.
///
/// Two clients with the same parts get interchangeable tokens, so they may share a cache entry.
/// The client secret (or private key) is deliberately not part of it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CacheKeyParts {
    /// The token endpoint URL, e.g. `https://tenant.eu.auth0.com/oauth/token`.
    pub token_url: String,
    /// The client id.
    pub client_id: String,
    /// The requested audience, if any.
    pub audience: Option<String>,
    /// The requested scopes (sorted and de-duplicated when the key is derived).
    pub scopes: Vec<String>,
    /// The organization, if any.
    pub organization: Option<String>,
    /// What a sender-constrained token is bound to, if anything: `jkt:` and the RFC 7638
    /// thumbprint of the DPoP key (RFC 9449), or `x5t#S256:` and the SHA-256 thumbprint of the
    /// client certificate (RFC 8705). A bound token is only usable with that key or
    /// certificate, so clients with different keys never share an entry; clients with the same
    /// key share one token.
    pub binding: Option<String>,
}

impl CacheKeyParts {
    /// Parts with a token URL and a client id, no audience, scopes or organization.
    pub fn new(token_url: impl Into<String>, client_id: impl Into<String>) -> Self {
        Self {
            token_url: token_url.into(),
            client_id: client_id.into(),
            ..Self::default()
        }
    }

    /// Sets the audience.
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Sets the scopes (order and duplicates do not matter).
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the organization.
    pub fn with_organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }

    /// Sets what the token is bound to (see [`binding`](Self::binding)).
    pub fn with_binding(mut self, binding: impl Into<String>) -> Self {
        self.binding = Some(binding.into());
        self
    }

    /// The SHA-256 of the parts, hex encoded. Each field is length-prefixed so that no two
    /// different sets of parts hash the same input.
    fn digest_hex(&self) -> String {
        let mut scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
        scopes.sort_unstable();
        scopes.dedup();
        let mut h = Context::new(&SHA256);
        let mut field = |tag: u8, value: Option<&str>| {
            h.update(&[tag]);
            match value {
                None => h.update(&[0u8]),
                Some(v) => {
                    h.update(&[1u8]);
                    h.update(&(v.len() as u64).to_be_bytes());
                    h.update(v.as_bytes());
                }
            }
        };
        field(b'u', Some(&self.token_url));
        field(b'c', Some(&self.client_id));
        field(b'a', self.audience.as_deref());
        field(b'o', self.organization.as_deref());
        field(b's', Some(&scopes.len().to_string()));
        for s in scopes {
            field(b'S', Some(s));
        }
        // Only bound tokens hash a binding, so the keys of unbound tokens stay as they were.
        if let Some(b) = self.binding.as_deref() {
            field(b'b', Some(b));
        }
        crate::cache::hex(h.finish())
    }
}

/// A derived cache key: `<prefix>v1:<sha256 hex>`.
///
/// It contains only a hash of the [`CacheKeyParts`] and the configured prefix, so it can be
/// logged and used as a Redis key or a file name.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CacheKey(String);

impl CacheKey {
    /// Derives the key of `parts` under `prefix`.
    pub fn derive(prefix: &str, parts: &CacheKeyParts) -> Self {
        CacheKey(format!("{prefix}{KEY_VERSION}:{}", parts.digest_hex()))
    }

    /// Derives the key of `parts` under [`DEFAULT_KEY_PREFIX`].
    pub fn with_default_prefix(parts: &CacheKeyParts) -> Self {
        Self::derive(DEFAULT_KEY_PREFIX, parts)
    }

    /// The key as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CacheKey").field(&self.0).finish()
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts() -> CacheKeyParts {
        CacheKeyParts::new("https://t.example/oauth/token", "client")
            .with_audience("https://t.example/api/v2/")
            .with_scopes(["b", "a", "b"])
    }

    #[test]
    fn scopes_order_and_duplicates_do_not_matter() {
        let a = CacheKey::derive("p:", &parts());
        let b = CacheKey::derive("p:", &parts().with_scopes(["a", "b"]));
        assert_eq!(a, b);
        assert!(a.as_str().starts_with("p:v1:"));
        assert_eq!(a.as_str().len(), "p:v1:".len() + 64);
    }

    #[test]
    fn every_part_changes_the_key() {
        let base = CacheKey::derive("p:", &parts());
        let variants = [
            CacheKeyParts {
                token_url: "https://u.example/oauth/token".into(),
                ..parts()
            },
            CacheKeyParts {
                client_id: "other".into(),
                ..parts()
            },
            CacheKeyParts {
                audience: None,
                ..parts()
            },
            parts().with_scopes(["a"]),
            parts().with_organization("org_1"),
            parts().with_binding("jkt:abc"),
            parts().with_binding("x5t#S256:abc"),
        ];
        for v in variants {
            assert_ne!(CacheKey::derive("p:", &v), base, "{v:?}");
        }
        assert_ne!(CacheKey::derive("q:", &parts()), base);
    }

    #[test]
    fn two_dpop_keys_never_share_an_entry_and_one_key_always_does() {
        let a = CacheKey::derive("p:", &parts().with_binding("jkt:key-a"));
        let b = CacheKey::derive("p:", &parts().with_binding("jkt:key-b"));
        assert_ne!(a, b);
        assert_eq!(
            a,
            CacheKey::derive("p:", &parts().with_binding("jkt:key-a"))
        );
    }

    #[test]
    fn fields_do_not_run_into_each_other() {
        let a = CacheKeyParts::new("ab", "c");
        let b = CacheKeyParts::new("a", "bc");
        assert_ne!(CacheKey::derive("", &a), CacheKey::derive("", &b));
        let c = parts().with_scopes(["a b"]);
        let d = parts().with_scopes(["a", "b"]);
        assert_ne!(CacheKey::derive("", &c), CacheKey::derive("", &d));
    }
}
