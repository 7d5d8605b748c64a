//! Configuration from environment variables.

use crate::builder::ManagementClientBuilder;
use crate::client::ManagementClient;
use crate::error::ConfigError;

impl ManagementClient {
    /// Starts a builder configured from the process environment; see
    /// [`builder_from_lookup`](Self::builder_from_lookup) for the variables.
    pub fn builder_from_env() -> Result<ManagementClientBuilder, ConfigError> {
        Self::builder_from_lookup(|name| std::env::var(name).ok())
    }

    /// Starts a builder configured from variables read through `lookup` (empty values count
    /// as unset):
    ///
    /// | variable | meaning |
    /// | --- | --- |
    /// | `AUTH0_DOMAIN` | the tenant's domain (required) |
    /// | `AUTH0_CLIENT_ID` | the application's client id (required) |
    /// | `AUTH0_CLIENT_SECRET` | its secret (required unless `private_key_jwt`) |
    /// | `AUTH0_AUDIENCE` | the audience (default `https://{domain}/api/v2/`) |
    /// | `AUTH0_TOKEN_URL` | the token URL (default `https://{domain}/oauth/token`) |
    /// | `AUTH0_CA_CERT` | path of an extra trusted root certificate (PEM) |
    /// | `AUTH0_AUTH_METHOD` | `client_secret_post` (default), `client_secret_basic` or `private_key_jwt` (feature `private-key-jwt`) |
    /// | `AUTH0_PRIVATE_KEY` | path of the PEM private key for `private_key_jwt` (RSA: RS256, EC P-256: ES256) |
    /// | `AUTH0_CUSTOM_DOMAIN` | the tenant's custom domain, a host name such as `login.example.com`, sent as `auth0-custom-domain` on the operations that accept it (see [`with_custom_domain`](ManagementClientBuilder::with_custom_domain); default: not sent) |
    /// | `AUTH0_CACHE` | `memory` (default), `file:<dir>` (`file:` alone: the default directory; feature `file`) or a `redis://…` / `rediss://…` URL (feature `redis`) |
    ///
    /// The other settings keep their defaults and can still be changed on the builder.
    pub fn builder_from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<ManagementClientBuilder, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let required = |name: &'static str| {
            get(name).ok_or(ConfigError::Invalid {
                field: name,
                reason: "is not set".to_owned(),
            })
        };
        let domain = required("AUTH0_DOMAIN")?;
        let client_id = required("AUTH0_CLIENT_ID")?;
        let mut builder = ManagementClient::builder(domain);

        let method = get("AUTH0_AUTH_METHOD").unwrap_or_else(|| "client_secret_post".to_owned());
        builder = match method.as_str() {
            "client_secret_post" => builder.with_client_auth(
                client_id,
                crate::ClientAuth::client_secret_post(required("AUTH0_CLIENT_SECRET")?),
            ),
            "client_secret_basic" => builder.with_client_auth(
                client_id,
                crate::ClientAuth::client_secret_basic(required("AUTH0_CLIENT_SECRET")?),
            ),
            "private_key_jwt" => private_key(builder, client_id, required("AUTH0_PRIVATE_KEY")?)?,
            _ => {
                return Err(ConfigError::Invalid {
                    field: "AUTH0_AUTH_METHOD",
                    reason: format!(
                        "{method:?} is not one of client_secret_post, client_secret_basic, \
                         private_key_jwt"
                    ),
                });
            }
        };
        if let Some(audience) = get("AUTH0_AUDIENCE") {
            builder = builder.with_audience(audience);
        }
        if let Some(url) = get("AUTH0_TOKEN_URL") {
            builder = builder.with_token_url(url);
        }
        if let Some(path) = get("AUTH0_CA_CERT") {
            let pem = std::fs::read(&path).map_err(|e| ConfigError::Invalid {
                field: "AUTH0_CA_CERT",
                reason: format!("cannot read {path}: {e}"),
            })?;
            builder = builder.with_root_certificate_pem(pem);
        }
        if let Some(domain) = get("AUTH0_CUSTOM_DOMAIN") {
            builder = builder.with_custom_domain(domain);
        }
        if let Some(spec) = get("AUTH0_CACHE") {
            builder = cache(builder, &spec)?;
        }
        Ok(builder)
    }
}

#[cfg(feature = "private-key-jwt")]
fn private_key(
    builder: ManagementClientBuilder,
    client_id: String,
    path: String,
) -> Result<ManagementClientBuilder, ConfigError> {
    use auth0_m2m_token::{Algorithm, PrivateKey};
    let pem = std::fs::read(&path).map_err(|e| ConfigError::Invalid {
        field: "AUTH0_PRIVATE_KEY",
        reason: format!("cannot read {path}: {e}"),
    })?;
    // RSA first (PKCS#1 or PKCS#8), then EC P-256.
    let key = match PrivateKey::from_pem(&pem, Algorithm::RS256) {
        Ok(key) => key,
        Err(_) => PrivateKey::from_pem(&pem, Algorithm::ES256)?,
    };
    Ok(builder.with_private_key(client_id, key))
}

#[cfg(not(feature = "private-key-jwt"))]
fn private_key(
    _: ManagementClientBuilder,
    _: String,
    _: String,
) -> Result<ManagementClientBuilder, ConfigError> {
    Err(ConfigError::Invalid {
        field: "AUTH0_AUTH_METHOD",
        reason: "private_key_jwt needs the `private-key-jwt` feature of auth0-m2m".to_owned(),
    })
}

fn cache(
    builder: ManagementClientBuilder,
    spec: &str,
) -> Result<ManagementClientBuilder, ConfigError> {
    let unsupported = |feature: &str| ConfigError::Invalid {
        field: "AUTH0_CACHE",
        reason: format!("{spec:?} needs the `{feature}` feature of auth0-m2m"),
    };
    if spec == "memory" {
        return Ok(builder.with_memory_cache());
    }
    if let Some(dir) = spec.strip_prefix("file:") {
        #[cfg(feature = "file")]
        return Ok(if dir.is_empty() {
            builder.with_default_file_cache()
        } else {
            builder.with_file_cache(dir)
        });
        #[cfg(not(feature = "file"))]
        {
            let _ = dir;
            return Err(unsupported("file"));
        }
    }
    if spec.starts_with("redis://") || spec.starts_with("rediss://") {
        #[cfg(feature = "redis")]
        return Ok(builder.with_redis_cache(spec));
        #[cfg(not(feature = "redis"))]
        return Err(unsupported("redis"));
    }
    let _ = unsupported;
    Err(ConfigError::Invalid {
        field: "AUTH0_CACHE",
        reason: "must be `memory`, `file:<dir>` or a redis:// / rediss:// URL".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn reads_the_variables() {
        let client = ManagementClient::builder_from_lookup(lookup(&[
            ("AUTH0_DOMAIN", "tenant.example.com"),
            ("AUTH0_CLIENT_ID", "id"),
            ("AUTH0_CLIENT_SECRET", "s3cr3t"),
            ("AUTH0_AUTH_METHOD", "client_secret_basic"),
            ("AUTH0_CACHE", "memory"),
            ("AUTH0_AUDIENCE", ""),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(client.base_url(), "https://tenant.example.com");
        assert!(!format!("{client:?}").contains("s3cr3t"));
    }

    #[test]
    fn explains_missing_and_bad_values() {
        let e = ManagementClient::builder_from_lookup(lookup(&[])).unwrap_err();
        assert_eq!(e.to_string(), "invalid AUTH0_DOMAIN: is not set");
        let e = ManagementClient::builder_from_lookup(lookup(&[
            ("AUTH0_DOMAIN", "t.example"),
            ("AUTH0_CLIENT_ID", "id"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("AUTH0_CLIENT_SECRET"), "{e}");
        let e = ManagementClient::builder_from_lookup(lookup(&[
            ("AUTH0_DOMAIN", "t.example"),
            ("AUTH0_CLIENT_ID", "id"),
            ("AUTH0_CLIENT_SECRET", "s"),
            ("AUTH0_AUTH_METHOD", "magic"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("magic"), "{e}");
        let e = ManagementClient::builder_from_lookup(lookup(&[
            ("AUTH0_DOMAIN", "t.example"),
            ("AUTH0_CLIENT_ID", "id"),
            ("AUTH0_CLIENT_SECRET", "s"),
            ("AUTH0_CACHE", "memcached://x"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("AUTH0_CACHE"), "{e}");
        let e = ManagementClient::builder_from_lookup(lookup(&[
            ("AUTH0_DOMAIN", "t.example"),
            ("AUTH0_CLIENT_ID", "id"),
            ("AUTH0_CLIENT_SECRET", "s"),
            ("AUTH0_CA_CERT", "/nonexistent/ca.pem"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("/nonexistent/ca.pem"), "{e}");
    }

    #[test]
    fn custom_domain_comes_from_the_environment() {
        let base = [
            ("AUTH0_DOMAIN", "t.example"),
            ("AUTH0_CLIENT_ID", "id"),
            ("AUTH0_CLIENT_SECRET", "s"),
        ];
        let with = |domain: &'static str| {
            let mut pairs = base.to_vec();
            pairs.push(("AUTH0_CUSTOM_DOMAIN", domain));
            ManagementClient::builder_from_lookup(lookup(&pairs)).expect("builder")
        };
        let b = with("login.example.com");
        assert!(
            format!("{b:?}").contains("Some(\"login.example.com\")"),
            "{b:?}"
        );
        b.build().expect("builds");
        let e = with("https://login.example.com").build().unwrap_err();
        assert!(
            matches!(e, ConfigError::InvalidCustomDomain { .. }),
            "{e:?}"
        );
        // Unset or blank: no custom domain.
        let b = ManagementClient::builder_from_lookup(lookup(&base)).expect("builder");
        assert!(format!("{b:?}").contains("custom_domain: None"), "{b:?}");
        let b = with(" ");
        assert!(format!("{b:?}").contains("custom_domain: None"), "{b:?}");
    }
}
