//! The set-up shared by the examples: reading the `AUTH0_*` environment variables, starting a
//! fake tenant in-process when `AUTH0_DOMAIN` is unset, and printing results and errors the
//! same way.
//!
//! Every example reads the same variables:
//!
//! | variable | meaning |
//! | --- | --- |
//! | `AUTH0_DOMAIN` | the tenant's domain; when unset, a fake tenant is started in-process (over TLS with a generated CA) and stderr says so |
//! | `AUTH0_CLIENT_ID` | the application's client id |
//! | `AUTH0_CLIENT_SECRET` | its secret (not needed with `private_key_jwt`) |
//! | `AUTH0_AUDIENCE` | optional; default `https://{domain}/api/v2/` |
//! | `AUTH0_TOKEN_URL` | optional; overrides the token URL built from the domain |
//! | `AUTH0_CA_CERT` | optional; path of an extra trusted root certificate (PEM) |
//! | `AUTH0_AUTH_METHOD` | `client_secret_post` (default), `client_secret_basic`, `private_key_jwt`, `tls_client_auth` or `self_signed_tls_client_auth` |
//! | `AUTH0_PRIVATE_KEY` | path of the PEM RSA private key for `private_key_jwt` (read again when it changes) |
//! | `AUTH0_PRIVATE_KEY_ALG` | `RS256` (default), `RS384` or `PS256` |
//! | `AUTH0_PRIVATE_KEY_KID` | the credential's `kid` (default: the key's RFC 7638 thumbprint, the one Auth0 assigns) |
//! | `AUTH0_PRIVATE_KEY_2`, `AUTH0_PRIVATE_KEY_2_KID` | a second key while rotating (tried after an `invalid_client`) |
//! | `AUTH0_DPOP_KEY` | path of an EC P-256 PKCS#8 PEM: ask for DPoP-bound tokens bound to it |
//! | `AUTH0_CLIENT_CERT`, `AUTH0_CLIENT_KEY` | paths of the client certificate and its key (mTLS), for `tls_client_auth` / `self_signed_tls_client_auth` |
//! | `AUTH0_MTLS_TOKEN_URL` | the token endpoint's mTLS alias (`mtls_endpoint_aliases.token_endpoint`) |
//! | `AUTH0_CACHE` | `memory` (default), `file:<dir>` or `redis://…` (the examples that cache) |
//!
//! The token-level examples (`fetch_token`, `shared_cache`) build a [`TokenClient`] with
//! [`token_client_from_env`]; the Management API examples build a [`ManagementClient`] with
//! [`management_client_from_env`], which reads the same variables through
//! [`ManagementClient::builder_from_env`].
//!
//! ```no_run
//! # async fn run() -> Result<(), auth0_m2m_examples::BoxError> {
//! // With AUTH0_DOMAIN unset this starts a fake tenant, kept alive by `_fake`.
//! let (client, _fake) = auth0_m2m_examples::token_client_from_env().await?;
//! let token = client.fetch_token().await?;
//! println!("{}", auth0_m2m_examples::summary_line(&token));
//! # Ok(())
//! # }
//! ```

use std::process::ExitCode;
use std::time::SystemTime;

use auth0_m2m::ManagementClient;
use auth0_m2m_fake::{FakeTenant, FakeTenantBuilder};
use auth0_m2m_token::{
    AccessToken, Algorithm, ClientAuth, ClientCertificate, DpopKey, PrivateKeyFile, TokenClient,
    TokenEndpoint,
};
use ring::digest::{SHA256, digest};

/// The error type of the examples: any error, printed with its `Display`.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Ends an example: on success `ExitCode::SUCCESS`; on error, `error: {e}` on stderr and
/// `ExitCode::FAILURE` (status 1).
pub fn exit_code(result: Result<(), BoxError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The value of the environment variable `name`; unset and empty count as absent.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Whether `AUTH0_DOMAIN` names a tenant (it is set and not empty).
fn domain_is_set() -> bool {
    env("AUTH0_DOMAIN").is_some()
}

/// When `AUTH0_DOMAIN` is unset, starts the fake tenant configured by `fake`, says so on
/// stderr (`AUTH0_DOMAIN is not set: started a fake Auth0 tenant at https://127.0.0.1:PORT`)
/// and returns it; the tenant serves until the handle is dropped. When `AUTH0_DOMAIN` is set,
/// starts nothing and returns `None`.
pub async fn fake_tenant_if_unset(fake: FakeTenantBuilder) -> Result<Option<FakeTenant>, BoxError> {
    if domain_is_set() {
        return Ok(None);
    }
    let tenant = fake.start().await?;
    eprintln!(
        "AUTH0_DOMAIN is not set: started a fake Auth0 tenant at {}",
        tenant.base_url()
    );
    Ok(Some(tenant))
}

/// A [`ManagementClient`] for the tenant named by the environment (read by
/// [`ManagementClient::builder_from_env`]), or, when `AUTH0_DOMAIN` is unset, for the fake
/// tenant configured by `fake`, started here (see [`fake_tenant_if_unset`]). With the fake
/// tenant, its own domain, credentials and CA are used and only `AUTH0_CACHE` is read from
/// the environment.
///
/// Keep the returned tenant handle alive as long as the client is used.
pub async fn management_client_from_env(
    fake: FakeTenantBuilder,
) -> Result<(ManagementClient, Option<FakeTenant>), BoxError> {
    let Some(tenant) = fake_tenant_if_unset(fake).await? else {
        return Ok((ManagementClient::builder_from_env()?.build()?, None));
    };
    let vars = [
        ("AUTH0_DOMAIN", tenant.domain()),
        ("AUTH0_CLIENT_ID", tenant.client_id()),
        ("AUTH0_CLIENT_SECRET", tenant.client_secret()),
        ("AUTH0_CA_CERT", tenant.ca_cert_path().display().to_string()),
    ];
    let client = ManagementClient::builder_from_lookup(|name| match name {
        "AUTH0_CACHE" => std::env::var(name).ok(),
        _ => vars
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone()),
    })?
    .build()?;
    Ok((client, Some(tenant)))
}

/// A [`TokenClient`] configured from the environment, for the token-level examples (no
/// cache, no Management API client).
///
/// With `AUTH0_DOMAIN` set, the domain, `AUTH0_CLIENT_ID` (required), `AUTH0_CLIENT_SECRET`
/// and `AUTH0_CA_CERT` come from the environment. Without it, a fake tenant with default
/// settings is started (see [`fake_tenant_if_unset`]) and they come from the fake tenant. In
/// both cases `AUTH0_AUTH_METHOD`, `AUTH0_PRIVATE_KEY`, `AUTH0_TOKEN_URL` and
/// `AUTH0_AUDIENCE` are read from the environment.
///
/// Keep the returned tenant handle alive as long as the client is used.
pub async fn token_client_from_env() -> Result<(TokenClient, Option<FakeTenant>), BoxError> {
    let fake = fake_tenant_if_unset(FakeTenant::builder()).await?;
    let credentials = match &fake {
        Some(tenant) => Credentials {
            domain: tenant.domain(),
            client_id: tenant.client_id(),
            secret: Some(tenant.client_secret()),
            extra_root: Some(tenant.ca_cert_pem().into_bytes()),
        },
        None => Credentials::from_env()?,
    };
    Ok((credentials.token_client()?, fake))
}

/// Where the token is requested and with which credentials.
struct Credentials {
    domain: String,
    client_id: String,
    secret: Option<String>,
    extra_root: Option<Vec<u8>>,
}

impl Credentials {
    /// `AUTH0_DOMAIN`, `AUTH0_CLIENT_ID`, `AUTH0_CLIENT_SECRET` and `AUTH0_CA_CERT`.
    fn from_env() -> Result<Self, BoxError> {
        let domain = required("AUTH0_DOMAIN")?;
        let extra_root = match env("AUTH0_CA_CERT") {
            Some(path) => Some(
                std::fs::read(&path)
                    .map_err(|e| format!("cannot read AUTH0_CA_CERT {path}: {e}"))?,
            ),
            None => None,
        };
        Ok(Self {
            domain,
            client_id: required("AUTH0_CLIENT_ID")?,
            secret: env("AUTH0_CLIENT_SECRET"),
            extra_root,
        })
    }

    /// The client, with the authentication method, token URL and audience of the
    /// environment.
    fn token_client(self) -> Result<TokenClient, BoxError> {
        let auth = client_auth(self.secret)?;
        let endpoint = match env("AUTH0_TOKEN_URL") {
            Some(url) => TokenEndpoint::url(&url)?,
            None => TokenEndpoint::auth0_domain(&self.domain)?,
        };
        let default_audience = TokenEndpoint::auth0_domain(&self.domain)?
            .default_audience()
            .map(str::to_owned);
        let mut builder = TokenClient::builder(endpoint, self.client_id, auth);
        if let Some(audience) = env("AUTH0_AUDIENCE").or(default_audience) {
            builder = builder.with_audience(audience);
        }
        if let Some(pem) = self.extra_root {
            builder = builder.with_root_certificate_pem(pem);
        }
        if let Some(key) = dpop_key_from_env()? {
            builder = builder.with_dpop(key);
        }
        if let Some(cert) = client_certificate_from_env()? {
            builder = builder.with_client_certificate(cert);
        }
        if let Some(url) = env("AUTH0_MTLS_TOKEN_URL") {
            builder = builder.with_mtls_endpoint(url);
        }
        Ok(builder.build()?)
    }
}

fn required(name: &str) -> Result<String, BoxError> {
    env(name).ok_or_else(|| format!("{name} is not set").into())
}

/// The authentication method named by `AUTH0_AUTH_METHOD` (default `client_secret_post`).
fn client_auth(secret: Option<String>) -> Result<ClientAuth, BoxError> {
    let method = env("AUTH0_AUTH_METHOD").unwrap_or_else(|| "client_secret_post".to_owned());
    Ok(match method.as_str() {
        "client_secret_post" => {
            ClientAuth::client_secret_post(secret.ok_or("AUTH0_CLIENT_SECRET is not set")?)
        }
        "client_secret_basic" => {
            ClientAuth::client_secret_basic(secret.ok_or("AUTH0_CLIENT_SECRET is not set")?)
        }
        "tls_client_auth" => ClientAuth::tls_client_auth(),
        "self_signed_tls_client_auth" => ClientAuth::self_signed_tls_client_auth(),
        "private_key_jwt" => private_key_auth(&env)?,
        other => {
            return Err(format!(
                "AUTH0_AUTH_METHOD {other:?} is not one of client_secret_post, client_secret_basic, private_key_jwt, tls_client_auth, self_signed_tls_client_auth"
            )
            .into());
        }
    })
}

/// The DPoP key of `AUTH0_DPOP_KEY` (the path of an EC P-256 PKCS#8 PEM), if set.
pub fn dpop_key_from_env() -> Result<Option<DpopKey>, BoxError> {
    let Some(path) = env("AUTH0_DPOP_KEY") else {
        return Ok(None);
    };
    let pem =
        std::fs::read(&path).map_err(|e| format!("cannot read AUTH0_DPOP_KEY {path}: {e}"))?;
    Ok(Some(DpopKey::from_pem(&pem)?))
}

/// The client certificate of `AUTH0_CLIENT_CERT` and `AUTH0_CLIENT_KEY` (PEM file paths), if
/// set; one without the other is an error.
pub fn client_certificate_from_env() -> Result<Option<ClientCertificate>, BoxError> {
    match (env("AUTH0_CLIENT_CERT"), env("AUTH0_CLIENT_KEY")) {
        (None, None) => Ok(None),
        (Some(c), Some(k)) => Ok(Some(ClientCertificate::from_files(c, k)?)),
        (Some(_), None) => Err("AUTH0_CLIENT_CERT is set without AUTH0_CLIENT_KEY: give the certificate's private key file too".into()),
        (None, Some(_)) => Err("AUTH0_CLIENT_KEY is set without AUTH0_CLIENT_CERT: give the client certificate file too".into()),
    }
}

/// `private_key_jwt` from `AUTH0_PRIVATE_KEY` (and, while rotating, `AUTH0_PRIVATE_KEY_2`),
/// each with an optional `…_KID`, signed with `AUTH0_PRIVATE_KEY_ALG` (`RS256` by default,
/// `RS384` or `PS256`: the algorithms Auth0 registers). The files are read again when they
/// change.
fn private_key_auth(lookup: &dyn Fn(&str) -> Option<String>) -> Result<ClientAuth, BoxError> {
    let algorithm = match lookup("AUTH0_PRIVATE_KEY_ALG").as_deref() {
        None | Some("RS256") => Algorithm::RS256,
        Some("RS384") => Algorithm::RS384,
        Some("PS256") => Algorithm::PS256,
        Some(other) => {
            return Err(format!(
                "AUTH0_PRIVATE_KEY_ALG {other:?} is not one Auth0 registers: use RS256, RS384 or PS256"
            )
            .into());
        }
    };
    let first = lookup("AUTH0_PRIVATE_KEY").ok_or("AUTH0_PRIVATE_KEY is not set")?;
    let mut files = vec![with_kid(
        PrivateKeyFile::new(first, algorithm),
        lookup("AUTH0_PRIVATE_KEY_KID"),
    )];
    if let Some(second) = lookup("AUTH0_PRIVATE_KEY_2") {
        files.push(with_kid(
            PrivateKeyFile::new(second, algorithm),
            lookup("AUTH0_PRIVATE_KEY_2_KID"),
        ));
    }
    Ok(ClientAuth::private_key_jwt_files(files)?)
}

fn with_kid(file: PrivateKeyFile, kid: Option<String>) -> PrivateKeyFile {
    match kid {
        Some(k) => file.with_key_id(k),
        None => file,
    }
}

/// The JSON summary of a token that the token-level examples print:
/// `{"token_type","scope","expires_at","expires_in","sha256"}`, where `expires_at` is in Unix
/// seconds, `expires_in` is the remaining lifetime in whole seconds and `sha256` is the hex
/// SHA-256 fingerprint of the token. The token itself is never part of it.
pub fn summary_line(token: &AccessToken) -> serde_json::Value {
    let expires_at = token
        .expires_at()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    serde_json::json!({
        "token_type": token.token_type(),
        "scope": token.scope_string(),
        "expires_at": expires_at,
        "expires_in": token.remaining_at(SystemTime::now()).as_secs(),
        "sha256": hex(digest(&SHA256, token.expose_secret().as_bytes()).as_ref()),
    })
}

/// `bytes` as lowercase hexadecimal.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn summary_line_fingerprints_the_token_and_never_shows_it() {
        let expires_at = SystemTime::UNIX_EPOCH + Duration::from_secs(4_000_000_000);
        let token = AccessToken::new(
            "eyJ.secret-token.sig",
            "Bearer",
            vec!["read:clients".to_owned(), "read:users".to_owned()],
            expires_at,
            SystemTime::now(),
        );
        let line = summary_line(&token);
        let text = line.to_string();
        assert!(!text.contains("secret-token"), "{text}");
        let object = line.as_object().expect("a JSON object");
        let mut keys: Vec<_> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["expires_at", "expires_in", "scope", "sha256", "token_type"]
        );
        assert_eq!(line["token_type"], "Bearer");
        assert_eq!(line["scope"], "read:clients read:users");
        assert_eq!(line["expires_at"], 4_000_000_000u64);
        let expires_in = line["expires_in"].as_u64().expect("a number");
        assert!(
            expires_in > 0 && expires_in <= 4_000_000_000,
            "{expires_in}"
        );
        assert_eq!(
            line["sha256"],
            hex(digest(&SHA256, b"eyJ.secret-token.sig").as_ref())
        );
    }

    #[test]
    fn summary_line_of_an_expired_token_has_no_time_left() {
        let token = AccessToken::new(
            "t0k3n-value",
            "Bearer",
            Vec::new(),
            SystemTime::UNIX_EPOCH + Duration::from_secs(10),
            SystemTime::UNIX_EPOCH,
        );
        let line = summary_line(&token);
        assert_eq!(line["expires_at"], 10);
        assert_eq!(line["expires_in"], 0);
        assert_eq!(line["scope"], "");
    }

    #[test]
    fn private_keys_are_read_as_auth0_registers_them() {
        // Fixed keys (testdata/README.md): generating RSA keys here would need a big-integer
        // library in every build of the examples, `cargo run --example` included.
        let dir =
            std::env::temp_dir().join(format!("auth0-m2m-example-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let pkcs1 = dir.join("pkcs1.pem");
        let pkcs8 = dir.join("pkcs8.pem");
        let ec = dir.join("ec.pem");
        std::fs::write(&pkcs1, include_str!("testdata/rsa-pkcs1.pem")).expect("write");
        std::fs::write(&pkcs8, include_str!("testdata/rsa-pkcs8.pem")).expect("write");
        std::fs::write(&ec, include_str!("testdata/ec-pkcs8.pem")).expect("write");
        let vars = |pairs: Vec<(&'static str, String)>| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.clone())
            }
        };
        for (path, alg) in [(&pkcs1, "RS256"), (&pkcs8, "PS256"), (&pkcs8, "RS384")] {
            let auth = private_key_auth(&vars(vec![
                ("AUTH0_PRIVATE_KEY", path.display().to_string()),
                ("AUTH0_PRIVATE_KEY_ALG", alg.to_owned()),
            ]))
            .expect("a usable key");
            assert_eq!(auth.method_name(), "private_key_jwt");
        }
        // An EC key is never taken for ES256, which Auth0 cannot register.
        let e = private_key_auth(&vars(vec![("AUTH0_PRIVATE_KEY", ec.display().to_string())]))
            .expect_err("EC key")
            .to_string();
        assert!(e.contains("RSA"), "{e}");
        let e = private_key_auth(&vars(vec![
            ("AUTH0_PRIVATE_KEY", pkcs8.display().to_string()),
            ("AUTH0_PRIVATE_KEY_ALG", "ES256".to_owned()),
        ]))
        .expect_err("ES256")
        .to_string();
        assert!(e.contains("RS256, RS384 or PS256"), "{e}");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn exit_code_is_failure_for_errors() {
        assert_eq!(exit_code(Ok(())), ExitCode::SUCCESS);
        assert_eq!(exit_code(Err("boom".into())), ExitCode::FAILURE);
    }
}
