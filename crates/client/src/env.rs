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
    /// | `AUTH0_PRIVATE_KEY` | path of the PEM RSA private key for `private_key_jwt`, read again whenever the file changes |
    /// | `AUTH0_PRIVATE_KEY_ALG` | its algorithm: `RS256` (default), `RS384` or `PS256`, the ones Auth0 registers |
    /// | `AUTH0_PRIVATE_KEY_KID` | its credential's `kid` (default: the key's RFC 7638 thumbprint, which Auth0 assigns when none is given) |
    /// | `AUTH0_PRIVATE_KEY_2`, `AUTH0_PRIVATE_KEY_2_KID` | a second key while rotating: tried once when the first is rejected, then preferred; the file may appear later |
    /// | `AUTH0_DPOP_KEY` | path of an EC P-256 PKCS#8 PEM: DPoP-bound tokens bound to it (share the file across a fleet to share one token) |
    /// | `AUTH0_CLIENT_CERT`, `AUTH0_CLIENT_KEY` | paths of the client certificate and its key for mTLS (`tls_client_auth`, `self_signed_tls_client_auth`, certificate-bound tokens) |
    /// | `AUTH0_MTLS_TOKEN_URL` | the token endpoint's mTLS alias (`mtls_endpoint_aliases.token_endpoint`; default: the token URL) |
    /// | `AUTH0_CUSTOM_DOMAIN` | the tenant's custom domain, a host name such as `login.example.com`, sent as `auth0-custom-domain` on the operations that accept it (see [`with_custom_domain`](ManagementClientBuilder::with_custom_domain); default: not sent) |
    /// | `AUTH0_CACHE` | `memory` (default), `file:<dir>` (`file:` alone: the default directory; feature `file`) or a `redis://…` / `rediss://…` URL (feature `redis`) |
    /// | `AUTH0_RATE_BUDGET` | the [rate budget](crate::RateBudget): `learned` (default), `off`, a plan (`free`, `enterprise`, `enterprise-non-production`, `essentials`, `professional`) or `BURST/PER_SECOND` such as `50/16` |
    /// | `AUTH0_RATE_BUDGET_BACKGROUND_SHARE` | the percentage of the budget background calls may use (above 0, at most 100; default 50) |
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
            "private_key_jwt" => private_key(builder, client_id, &get)?,
            "tls_client_auth" => {
                builder.with_client_auth(client_id, crate::ClientAuth::tls_client_auth())
            }
            "self_signed_tls_client_auth" => builder
                .with_client_auth(client_id, crate::ClientAuth::self_signed_tls_client_auth()),
            _ => {
                return Err(ConfigError::Invalid {
                    field: "AUTH0_AUTH_METHOD",
                    reason: format!(
                        "{method:?} is not one of client_secret_post, client_secret_basic, \
                         private_key_jwt, tls_client_auth, self_signed_tls_client_auth"
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
        if let Some(path) = get("AUTH0_DPOP_KEY") {
            let pem = std::fs::read(&path).map_err(|e| ConfigError::Invalid {
                field: "AUTH0_DPOP_KEY",
                reason: format!("cannot read {path}: {e}"),
            })?;
            builder = builder.with_dpop(auth0_m2m_token::DpopKey::from_pem(&pem)?);
        }
        match (get("AUTH0_CLIENT_CERT"), get("AUTH0_CLIENT_KEY")) {
            (None, None) => {}
            (Some(cert), Some(key)) => {
                builder = builder.with_client_certificate(
                    auth0_m2m_token::ClientCertificate::from_files(cert, key)?,
                );
            }
            (Some(_), None) => {
                return Err(ConfigError::Invalid {
                    field: "AUTH0_CLIENT_KEY",
                    reason: "is not set, and AUTH0_CLIENT_CERT is: give the certificate's private key file too".to_owned(),
                });
            }
            (None, Some(_)) => {
                return Err(ConfigError::Invalid {
                    field: "AUTH0_CLIENT_CERT",
                    reason:
                        "is not set, and AUTH0_CLIENT_KEY is: give the client certificate file too"
                            .to_owned(),
                });
            }
        }
        if let Some(url) = get("AUTH0_MTLS_TOKEN_URL") {
            builder = builder.with_mtls_endpoint(url);
        }
        if let Some(domain) = get("AUTH0_CUSTOM_DOMAIN") {
            builder = builder.with_custom_domain(domain);
        }
        if let Some(spec) = get("AUTH0_CACHE") {
            builder = cache(builder, &spec)?;
        }
        let budget = match get("AUTH0_RATE_BUDGET") {
            Some(spec) => spec.parse::<crate::RateBudget>().map_err(|e| match e {
                ConfigError::Invalid { reason, .. } => ConfigError::Invalid {
                    field: "AUTH0_RATE_BUDGET",
                    reason,
                },
                other => other,
            })?,
            None => crate::RateBudget::default(),
        };
        let budget = match get("AUTH0_RATE_BUDGET_BACKGROUND_SHARE") {
            Some(share) => {
                let text = share.trim().trim_end_matches('%').trim();
                let percent: f64 = text.parse().map_err(|_| ConfigError::Invalid {
                    field: "AUTH0_RATE_BUDGET_BACKGROUND_SHARE",
                    reason: format!("{share:?} is not a percentage"),
                })?;
                let budget = budget.with_background_share(percent);
                budget.check().map_err(|e| match e {
                    ConfigError::Invalid { reason, .. } => ConfigError::Invalid {
                        field: "AUTH0_RATE_BUDGET_BACKGROUND_SHARE",
                        reason,
                    },
                    other => other,
                })?;
                budget
            }
            None => budget,
        };
        builder = builder.with_rate_budget(budget);
        Ok(builder)
    }
}

#[cfg(feature = "private-key-jwt")]
fn private_key(
    builder: ManagementClientBuilder,
    client_id: String,
    get: &dyn Fn(&str) -> Option<String>,
) -> Result<ManagementClientBuilder, ConfigError> {
    use auth0_m2m_token::{Algorithm, PrivateKeyFile};
    // Never guessed from the key: Auth0 registers RS256, RS384 and PS256 credentials only.
    let algorithm = match get("AUTH0_PRIVATE_KEY_ALG").as_deref() {
        None | Some("RS256") => Algorithm::RS256,
        Some("RS384") => Algorithm::RS384,
        Some("PS256") => Algorithm::PS256,
        Some(other) => {
            return Err(ConfigError::Invalid {
                field: "AUTH0_PRIVATE_KEY_ALG",
                reason: format!(
                    "{other:?} is not an algorithm Auth0 registers credentials with; use RS256, RS384 or PS256"
                ),
            });
        }
    };
    let file = |path: &'static str, kid: &'static str| -> Option<PrivateKeyFile> {
        let f = PrivateKeyFile::new(get(path)?, algorithm);
        Some(match get(kid) {
            Some(k) => f.with_key_id(k),
            None => f,
        })
    };
    let first = file("AUTH0_PRIVATE_KEY", "AUTH0_PRIVATE_KEY_KID").ok_or(ConfigError::Invalid {
        field: "AUTH0_PRIVATE_KEY",
        reason: "is not set".to_owned(),
    })?;
    let mut files = vec![first];
    files.extend(file("AUTH0_PRIVATE_KEY_2", "AUTH0_PRIVATE_KEY_2_KID"));
    let auth = crate::ClientAuth::private_key_jwt_files(files)?;
    Ok(builder.with_client_auth(client_id, auth))
}

#[cfg(not(feature = "private-key-jwt"))]
fn private_key(
    _: ManagementClientBuilder,
    _: String,
    _: &dyn Fn(&str) -> Option<String>,
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
    fn reads_the_rate_budget_and_refuses_bad_values() {
        let base = [
            ("AUTH0_DOMAIN", "tenant.example.com"),
            ("AUTH0_CLIENT_ID", "id"),
            ("AUTH0_CLIENT_SECRET", "s3cr3t"),
        ];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut pairs = base.to_vec();
            pairs.extend_from_slice(extra);
            ManagementClient::builder_from_lookup(lookup(&pairs))
        };
        let client = with(&[
            ("AUTH0_RATE_BUDGET", "50/40"),
            ("AUTH0_RATE_BUDGET_BACKGROUND_SHARE", "25%"),
        ])
        .unwrap()
        .build()
        .unwrap();
        let snapshot = client.rate_budget();
        assert_eq!(snapshot.budget.tenant_limit(), Some((50, 40.0)));
        assert_eq!(snapshot.budget.background_share(), 25.0);
        assert_eq!(snapshot.backend, "memory");
        let off = with(&[("AUTH0_RATE_BUDGET", "off")])
            .unwrap()
            .build()
            .unwrap();
        assert!(!off.rate_budget().budget.is_enabled());
        let default = with(&[]).unwrap().build().unwrap();
        assert_eq!(default.rate_budget().budget, crate::RateBudget::learned());
        for (name, value) in [
            ("AUTH0_RATE_BUDGET", "0/5"),
            ("AUTH0_RATE_BUDGET", "10/-2"),
            ("AUTH0_RATE_BUDGET", "platinum"),
            ("AUTH0_RATE_BUDGET_BACKGROUND_SHARE", "150"),
            ("AUTH0_RATE_BUDGET_BACKGROUND_SHARE", "-10%"),
            ("AUTH0_RATE_BUDGET_BACKGROUND_SHARE", "half"),
        ] {
            let e = with(&[(name, value)]).unwrap_err();
            assert!(
                matches!(&e, ConfigError::Invalid { field, .. } if *field == name),
                "{name}={value}: {e:?}"
            );
        }
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

    #[cfg(feature = "private-key-jwt")]
    #[test]
    fn private_keys_come_from_files_and_never_fall_back_to_es256() {
        use rsa::pkcs8::{EncodePrivateKey, LineEnding};
        let dir = std::env::temp_dir().join(format!("auth0-m2m-env-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rsa_path = dir.join("key.pem");
        let ec_path = dir.join("ec.pem");
        let rsa = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
        std::fs::write(
            &rsa_path,
            rsa.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes(),
        )
        .unwrap();
        std::fs::write(
            &ec_path,
            rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
                .unwrap()
                .serialize_pem(),
        )
        .unwrap();
        let base = |key: &std::path::Path, extra: &[(&'static str, &'static str)]| {
            let mut v = vec![
                ("AUTH0_DOMAIN", "t.example".to_owned()),
                ("AUTH0_CLIENT_ID", "id".to_owned()),
                ("AUTH0_AUTH_METHOD", "private_key_jwt".to_owned()),
                ("AUTH0_PRIVATE_KEY", key.display().to_string()),
            ];
            v.extend(extra.iter().map(|(k, val)| (*k, (*val).to_owned())));
            let map: HashMap<String, String> =
                v.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            move |name: &str| map.get(name).cloned()
        };
        for alg in ["RS256", "RS384", "PS256"] {
            ManagementClient::builder_from_lookup(base(
                &rsa_path,
                &[
                    ("AUTH0_PRIVATE_KEY_ALG", alg),
                    ("AUTH0_PRIVATE_KEY_KID", "kid-0123456789"),
                    ("AUTH0_PRIVATE_KEY_2", "/not/there/yet.pem"),
                ],
            ))
            .unwrap()
            .build()
            .unwrap();
        }
        let e = ManagementClient::builder_from_lookup(base(&ec_path, &[])).unwrap_err();
        assert!(e.to_string().contains("needs an RSA key"), "{e}");
        let e = ManagementClient::builder_from_lookup(base(
            &rsa_path,
            &[("AUTH0_PRIVATE_KEY_ALG", "ES256")],
        ))
        .unwrap_err();
        assert!(e.to_string().contains("RS256, RS384 or PS256"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
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
