//! Where the tenant, the credentials and the cache come from: the `AUTH0_*` environment
//! variables or a profile of the configuration file, overridden by flags.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use auth0_m2m::{ManagementClient, ManagementClientBuilder};
use auth0_m2m_fake::FakeTenant;
use serde::Deserialize;

use crate::cli::GlobalArgs;
use crate::error::CliError;

/// The variables read from the environment when no profile is selected.
pub(crate) const VARIABLES: [&str; 19] = [
    "AUTH0_DOMAIN",
    "AUTH0_CLIENT_ID",
    "AUTH0_CLIENT_SECRET",
    "AUTH0_AUDIENCE",
    "AUTH0_TOKEN_URL",
    "AUTH0_CA_CERT",
    "AUTH0_AUTH_METHOD",
    "AUTH0_PRIVATE_KEY",
    "AUTH0_PRIVATE_KEY_ALG",
    "AUTH0_PRIVATE_KEY_KID",
    "AUTH0_PRIVATE_KEY_2",
    "AUTH0_PRIVATE_KEY_2_KID",
    "AUTH0_DPOP_KEY",
    "AUTH0_CLIENT_CERT",
    "AUTH0_CLIENT_KEY",
    "AUTH0_MTLS_TOKEN_URL",
    "AUTH0_CACHE",
    "AUTH0_RATE_BUDGET",
    "AUTH0_RATE_BUDGET_BACKGROUND_SHARE",
];

/// One `[profiles.NAME]` table of the configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Profile {
    domain: Option<String>,
    client_id: Option<String>,
    client_secret_file: Option<PathBuf>,
    client_secret_env: Option<String>,
    /// Present only to refuse it with a clear message.
    client_secret: Option<toml::Value>,
    private_key: Option<PathBuf>,
    private_key_alg: Option<String>,
    private_key_kid: Option<String>,
    /// The second key while rotating.
    private_key_2: Option<PathBuf>,
    private_key_2_kid: Option<String>,
    /// An EC P-256 key file for DPoP-bound tokens.
    dpop_key: Option<PathBuf>,
    /// The client certificate and its key for mTLS.
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
    mtls_token_url: Option<String>,
    auth_method: Option<String>,
    audience: Option<String>,
    token_url: Option<String>,
    ca_cert: Option<PathBuf>,
    cache: Option<String>,
    /// The rate budget, as `AUTH0_RATE_BUDGET` takes it.
    rate_budget: Option<String>,
    /// The background share of the rate budget, percent.
    rate_budget_background_share: Option<String>,
}

/// The configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// The resolved settings, as the `AUTH0_*` names the client library reads.
pub(crate) struct Settings {
    vars: BTreeMap<&'static str, String>,
    /// The flags that select this configuration again (for `$(auth0-m2m … token)`).
    pub(crate) reselect: Vec<String>,
    /// Whether this is the in-process fake tenant.
    pub(crate) demo: bool,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.vars.keys().copied().collect();
        f.debug_struct("Settings")
            .field("set", &names)
            .field("demo", &self.demo)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// The value of `name` (`AUTH0_DOMAIN`…), if set.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// A description of the cache, for messages.
    pub(crate) fn cache_description(&self) -> String {
        match self.get("AUTH0_CACHE") {
            Some("memory") | None => "memory".to_owned(),
            Some(file) if file.starts_with("file:") => match &file["file:".len()..] {
                "" => format!(
                    "file cache {}",
                    auth0_m2m::cache::FileCache::default_dir()
                        .map(|d| d.display().to_string())
                        .unwrap_or_default()
                ),
                dir => format!("file cache {dir}"),
            },
            // The URL may carry a password.
            Some(_) => "redis".to_owned(),
        }
    }

    /// A client builder for these settings.
    pub(crate) fn builder(&self) -> Result<ManagementClientBuilder, CliError> {
        Ok(ManagementClient::builder_from_lookup(|name| {
            self.vars.get(name).cloned()
        })?)
    }
}

/// The tenant the commands talk to; keeps the in-process fake tenant alive with `--demo`.
pub(crate) struct Target {
    /// The settings.
    pub(crate) settings: Settings,
    /// The fake tenant, with `--demo`.
    _demo: Option<FakeTenant>,
}

impl Target {
    /// Resolves the settings, starting the fake tenant with `--demo`.
    pub(crate) async fn resolve(global: &GlobalArgs) -> Result<Self, CliError> {
        if global.demo {
            let tenant = FakeTenant::builder()
                .seed_clients(5)
                .seed_users(25)
                .start()
                .await
                .map_err(|e| CliError::failure(format!("the demo tenant did not start: {e}")))?;
            eprintln!(
                "auth0-m2m: --demo: using a fake Auth0 tenant started in-process at {}",
                tenant.base_url()
            );
            let mut vars = BTreeMap::new();
            vars.insert("AUTH0_DOMAIN", tenant.domain());
            vars.insert("AUTH0_CLIENT_ID", tenant.client_id());
            vars.insert("AUTH0_CLIENT_SECRET", tenant.client_secret());
            vars.insert("AUTH0_CA_CERT", tenant.ca_cert_path().display().to_string());
            vars.insert(
                "AUTH0_CACHE",
                global.cache.clone().unwrap_or_else(|| "memory".to_owned()),
            );
            return Ok(Self {
                settings: Settings {
                    vars,
                    reselect: vec!["--demo".to_owned()],
                    demo: true,
                },
                _demo: Some(tenant),
            });
        }
        let settings = resolve(global, &|name| std::env::var(name).ok())?;
        Ok(Self {
            settings,
            _demo: None,
        })
    }
}

/// Resolves the settings from the flags, the profile or the environment (read through `env`).
pub(crate) fn resolve(
    global: &GlobalArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, CliError> {
    if global.client_secret.is_some() {
        return Err(CliError::usage(
            "secrets are not accepted on the command line (they would show in process lists \
             and shell history): set AUTH0_CLIENT_SECRET, or use --client-secret-file FILE or \
             a profile's client_secret_file / client_secret_env",
        ));
    }
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    if let Some(cache) = &global.cache {
        refuse_credentials_in_cache_flag(cache)?;
    }
    let allow_exposed = crate::files::allows_exposed(env(crate::files::ALLOW_EXPOSED).as_deref());
    let mut vars: BTreeMap<&'static str, String> = BTreeMap::new();
    let mut reselect = Vec::new();
    let profile_name = global.profile.clone().or_else(|| env("AUTH0_PROFILE"));
    if profile_name.is_none()
        && let Some(config) = &global.config
    {
        return Err(CliError::usage(format!(
            "--config {} names a configuration file but no profile: add --profile NAME (or set \
             AUTH0_PROFILE)",
            config.display()
        )));
    }

    if let Some(name) = &profile_name {
        let path = match &global.config {
            Some(path) => path.clone(),
            None => default_config_path().ok_or_else(|| {
                CliError::usage("the user's configuration directory is unknown; pass --config FILE")
            })?,
        };
        if let Some(config) = &global.config {
            reselect.push("--config".to_owned());
            reselect.push(config.display().to_string());
        }
        reselect.push("--profile".to_owned());
        reselect.push(name.clone());
        let profile = load_profile(&path, name, allow_exposed)?;
        if profile.client_secret.is_some() {
            return Err(CliError::usage(format!(
                "profile {name:?} in {}: client_secret is not accepted in the configuration \
                 file; put the secret in a file (client_secret_file = \"…\", mode 0600) or an \
                 environment variable (client_secret_env = \"NAME\")",
                path.display()
            )));
        }
        let mut set = |name: &'static str, value: Option<String>| {
            if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
                vars.insert(name, v);
            }
        };
        let path_text = |p: Option<PathBuf>| p.map(|p| expand_home(&p).display().to_string());
        set("AUTH0_DOMAIN", profile.domain);
        set("AUTH0_CLIENT_ID", profile.client_id);
        set("AUTH0_AUDIENCE", profile.audience);
        set("AUTH0_TOKEN_URL", profile.token_url);
        set("AUTH0_CA_CERT", path_text(profile.ca_cert));
        set("AUTH0_AUTH_METHOD", profile.auth_method);
        set("AUTH0_PRIVATE_KEY", path_text(profile.private_key));
        set("AUTH0_PRIVATE_KEY_ALG", profile.private_key_alg);
        set("AUTH0_PRIVATE_KEY_KID", profile.private_key_kid);
        set("AUTH0_PRIVATE_KEY_2", path_text(profile.private_key_2));
        set("AUTH0_PRIVATE_KEY_2_KID", profile.private_key_2_kid);
        set("AUTH0_DPOP_KEY", path_text(profile.dpop_key));
        set("AUTH0_CLIENT_CERT", path_text(profile.client_cert));
        set("AUTH0_CLIENT_KEY", path_text(profile.client_key));
        set("AUTH0_MTLS_TOKEN_URL", profile.mtls_token_url);
        set("AUTH0_CACHE", profile.cache);
        set("AUTH0_RATE_BUDGET", profile.rate_budget);
        set(
            "AUTH0_RATE_BUDGET_BACKGROUND_SHARE",
            profile.rate_budget_background_share,
        );
        match (profile.client_secret_file, profile.client_secret_env) {
            (Some(_), Some(_)) => {
                return Err(CliError::usage(format!(
                    "profile {name:?}: give client_secret_file or client_secret_env, not both"
                )));
            }
            (Some(file), None) => {
                vars.insert(
                    "AUTH0_CLIENT_SECRET",
                    read_secret(&expand_home(&file), allow_exposed)?,
                );
            }
            (None, Some(var)) => {
                let secret = env(&var).ok_or_else(|| {
                    CliError::usage(format!(
                        "profile {name:?}: the environment variable {var} (client_secret_env) \
                         is not set"
                    ))
                })?;
                vars.insert("AUTH0_CLIENT_SECRET", secret);
            }
            (None, None) => {}
        }
    } else {
        for name in VARIABLES {
            if let Some(value) = env(name) {
                vars.insert(name, value);
            }
        }
    }

    let mut flag = |name: &'static str, flag: &str, value: Option<String>| {
        if let Some(v) = value {
            reselect.push(flag.to_owned());
            reselect.push(v.clone());
            vars.insert(name, v);
        }
    };
    let path_text = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    flag("AUTH0_DOMAIN", "--domain", global.domain.clone());
    flag("AUTH0_CLIENT_ID", "--client-id", global.client_id.clone());
    flag("AUTH0_AUDIENCE", "--audience", global.audience.clone());
    flag("AUTH0_TOKEN_URL", "--token-url", global.token_url.clone());
    flag("AUTH0_CA_CERT", "--ca-cert", path_text(&global.ca_cert));
    flag(
        "AUTH0_AUTH_METHOD",
        "--auth-method",
        global.auth_method.clone(),
    );
    flag(
        "AUTH0_PRIVATE_KEY",
        "--private-key",
        path_text(&global.private_key),
    );
    flag("AUTH0_CACHE", "--cache", global.cache.clone());
    if let Some(file) = &global.client_secret_file {
        reselect.push("--client-secret-file".to_owned());
        reselect.push(file.display().to_string());
        vars.insert("AUTH0_CLIENT_SECRET", read_secret(file, allow_exposed)?);
    }
    if let Some(key) = vars.get("AUTH0_PRIVATE_KEY") {
        crate::files::check_secret_file(Path::new(key), "private key file", allow_exposed)?;
    }

    if !vars.contains_key("AUTH0_DOMAIN") {
        return Err(CliError::usage(match &profile_name {
            Some(name) => format!("profile {name:?} names no domain: add domain = \"…\""),
            None => "no tenant configured: set AUTH0_DOMAIN, AUTH0_CLIENT_ID and \
                     AUTH0_CLIENT_SECRET (or AUTH0_AUTH_METHOD=private_key_jwt with \
                     AUTH0_PRIVATE_KEY), pass --domain, --client-id and --client-secret-file, \
                     or choose a profile with --profile; --demo tries the commands against a \
                     fake tenant"
                .to_owned(),
        }));
    }
    vars.entry("AUTH0_CACHE")
        .or_insert_with(|| "file:".to_owned());
    Ok(Settings {
        vars,
        reselect,
        demo: false,
    })
}

/// `dirs::config_dir()/auth0-m2m/config.toml`.
pub(crate) fn default_config_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("auth0-m2m").join("config.toml"))
}

/// Refuses a `--cache` URL that carries a password: command-line values show in process lists
/// and shell history.
fn refuse_credentials_in_cache_flag(cache: &str) -> Result<(), CliError> {
    let Ok(url) = url::Url::parse(cache) else {
        return Ok(());
    };
    if url.password().is_some() {
        return Err(CliError::usage(
            "--cache: a password is not accepted on the command line (it would show in process              lists and shell history); put the redis:// URL with its password in AUTH0_CACHE, or              in a profile's cache = \"…\"",
        ));
    }
    Ok(())
}

fn load_profile(path: &Path, name: &str, allow_exposed: bool) -> Result<Profile, CliError> {
    if path.exists() {
        crate::files::check_config_file(path, allow_exposed)?;
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format!(
            "profile {name:?}: cannot read the configuration file {}: {e}",
            path.display()
        ))
    })?;
    let mut file: ConfigFile = toml::from_str(&text).map_err(|e| {
        CliError::usage(format!(
            "the configuration file {} is not valid: {}",
            path.display(),
            e.message()
        ))
    })?;
    file.profiles.remove(name).ok_or_else(|| {
        let known: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
        CliError::usage(format!(
            "no profile {name:?} in {} (profiles: {})",
            path.display(),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ))
    })
}

/// `~/x` → the home directory joined with `x`.
fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), dirs::home_dir()) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}

/// Reads a secret from a file (trailing newline removed); a file another user owns or that
/// group or others can access is refused (with `allow_exposed`, accepted with a warning).
fn read_secret(path: &Path, allow_exposed: bool) -> Result<String, CliError> {
    crate::files::check_secret_file(path, "secret file", allow_exposed)?;
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format!(
            "cannot read the secret file {}: {e}",
            path.display()
        ))
    })?;
    let secret = text.trim_end_matches(['\r', '\n']).to_owned();
    if secret.trim().is_empty() {
        return Err(CliError::usage(format!(
            "the secret file {} is empty",
            path.display()
        )));
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn environment_then_flags() {
        let global = GlobalArgs {
            domain: Some("flag.example.com".into()),
            ..GlobalArgs::default()
        };
        let s = resolve(
            &global,
            &env(&[
                ("AUTH0_DOMAIN", "env.example.com"),
                ("AUTH0_CLIENT_ID", "id"),
                ("AUTH0_CLIENT_SECRET", "s3cr3t-value"),
            ]),
        )
        .unwrap();
        assert_eq!(s.get("AUTH0_DOMAIN"), Some("flag.example.com"));
        assert_eq!(s.get("AUTH0_CLIENT_ID"), Some("id"));
        assert_eq!(s.get("AUTH0_CACHE"), Some("file:"));
        assert_eq!(s.reselect, ["--domain", "flag.example.com"]);
        assert!(!format!("{s:?}").contains("s3cr3t-value"));
    }

    #[test]
    fn no_tenant_names_the_variables() {
        let e = resolve(&GlobalArgs::default(), &env(&[])).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let text = e.to_string();
        for name in [
            "AUTH0_DOMAIN",
            "AUTH0_CLIENT_ID",
            "AUTH0_CLIENT_SECRET",
            "--demo",
        ] {
            assert!(text.contains(name), "{text}");
        }
    }

    #[test]
    fn a_secret_on_the_command_line_is_refused() {
        let global = GlobalArgs {
            client_secret: Some(crate::cli::Refused),
            ..GlobalArgs::default()
        };
        let e = resolve(&global, &env(&[("AUTH0_DOMAIN", "d.example")])).unwrap_err();
        assert!(e.to_string().contains("not accepted"), "{e}");
    }

    #[test]
    fn profiles_replace_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "file-secret\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            format!(
                "[profiles.prod]\ndomain = \"prod.example.com\"\nclient_id = \"prod-id\"\n\
                 client_secret_file = {:?}\ncache = \"memory\"\n\n\
                 [profiles.staging]\ndomain = \"staging.example.com\"\nclient_id = \"s\"\n\
                 client_secret_env = \"STAGING_SECRET\"\n",
                secret.display().to_string()
            ),
        )
        .unwrap();
        let global = GlobalArgs {
            profile: Some("prod".into()),
            config: Some(config.clone()),
            ..GlobalArgs::default()
        };
        let s = resolve(&global, &env(&[("AUTH0_DOMAIN", "env.example.com")])).unwrap();
        assert_eq!(s.get("AUTH0_DOMAIN"), Some("prod.example.com"));
        assert_eq!(s.get("AUTH0_CLIENT_SECRET"), Some("file-secret"));
        assert_eq!(s.get("AUTH0_CACHE"), Some("memory"));
        assert!(s.reselect.contains(&"prod".to_owned()));

        let staging = GlobalArgs {
            profile: Some("staging".into()),
            config: Some(config.clone()),
            ..GlobalArgs::default()
        };
        let s = resolve(&staging, &env(&[("STAGING_SECRET", "from-env")])).unwrap();
        assert_eq!(s.get("AUTH0_CLIENT_SECRET"), Some("from-env"));
        let e = resolve(&staging, &env(&[])).unwrap_err();
        assert!(e.to_string().contains("STAGING_SECRET"), "{e}");

        let missing = GlobalArgs {
            profile: Some("nope".into()),
            config: Some(config),
            ..GlobalArgs::default()
        };
        let e = resolve(&missing, &env(&[])).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("no profile \"nope\""), "{e}");
        assert!(e.to_string().contains("prod, staging"), "{e}");
    }

    #[test]
    fn a_configuration_file_needs_a_profile() {
        let global = GlobalArgs {
            config: Some(PathBuf::from("/etc/auth0-m2m.toml")),
            ..GlobalArgs::default()
        };
        let e = resolve(&global, &env(&[("AUTH0_DOMAIN", "d.example")])).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("--profile"), "{e}");
    }

    #[test]
    fn a_secret_in_the_configuration_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        std::fs::write(
            &config,
            "[profiles.p]\ndomain = \"d.example\"\nclient_secret = \"inline-secret\"\n",
        )
        .unwrap();
        let global = GlobalArgs {
            profile: Some("p".into()),
            config: Some(config),
            ..GlobalArgs::default()
        };
        let e = resolve(&global, &env(&[])).unwrap_err();
        assert!(e.to_string().contains("client_secret_file"), "{e}");
        assert!(!e.to_string().contains("inline-secret"));
    }

    #[test]
    fn exposed_secret_files_are_refused_unless_allowed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s");
        std::fs::write(&file, "file-secret\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let global = GlobalArgs {
            domain: Some("d.example".into()),
            client_secret_file: Some(file.clone()),
            ..GlobalArgs::default()
        };
        let e = resolve(&global, &env(&[])).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("mode 0644"), "{e}");
        assert!(!e.to_string().contains("file-secret"), "{e}");
        let s = resolve(&global, &env(&[("AUTH0_ALLOW_EXPOSED_SECRET_FILES", "1")]))
            .expect("the override accepts it");
        assert_eq!(s.get("AUTH0_CLIENT_SECRET"), Some("file-secret"));
        // A private key file is held to the same rule.
        let global = GlobalArgs {
            domain: Some("d.example".into()),
            private_key: Some(file),
            ..GlobalArgs::default()
        };
        let e = resolve(&global, &env(&[])).unwrap_err();
        assert!(e.to_string().contains("private key file"), "{e}");
    }

    #[test]
    fn a_password_in_the_cache_flag_is_refused() {
        let with = |cache: &str| {
            let global = GlobalArgs {
                cache: Some(cache.into()),
                ..GlobalArgs::default()
            };
            resolve(&global, &env(&[("AUTH0_DOMAIN", "d.example")]))
        };
        for cache in ["redis://user:pw-value@host:6379", "rediss://:pw-value@host"] {
            let e = with(cache).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains("AUTH0_CACHE"), "{e}");
            assert!(!e.to_string().contains("pw-value"), "{e}");
        }
        assert!(with("redis://host:6379").is_ok());
        assert!(with("memory").is_ok());
        // From the environment it is accepted.
        let s = resolve(
            &GlobalArgs::default(),
            &env(&[
                ("AUTH0_DOMAIN", "d.example"),
                ("AUTH0_CACHE", "redis://:pw-value@host"),
            ]),
        )
        .unwrap();
        assert!(s.reselect.is_empty());
    }
}
