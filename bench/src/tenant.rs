//! The fake tenant, run as a separate process so that it never shares a runtime (or a
//! process's allocator and threads) with the code being measured.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::BoxError;

/// The client the fake tenant is started with.
pub(crate) const CLIENT_ID: &str = "bench-client";
/// The secret of [`CLIENT_ID`].
pub(crate) const CLIENT_SECRET: &str = "bench-secret";

/// What a worker needs to reach a tenant: the line the fake tenant prints on start.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TenantInfo {
    /// `host:port` of the tenant.
    pub(crate) domain: String,
    /// `https://host:port`.
    pub(crate) base_url: String,
    /// The Management API audience.
    pub(crate) audience: String,
    /// The client id.
    pub(crate) client_id: String,
    /// The client secret.
    pub(crate) client_secret: String,
    /// The path of the CA certificate (PEM) that signed the tenant's certificate.
    pub(crate) ca_cert: PathBuf,
}

/// A running `auth0-m2m-fake` process; killed when dropped.
pub(crate) struct FakeProcess {
    child: Child,
    /// How to reach it.
    pub(crate) info: TenantInfo,
    stderr_log: PathBuf,
}

impl FakeProcess {
    /// Starts `binary` with a token lifetime of `token_lifetime_s` seconds and `seed_clients`
    /// extra clients, logging its stderr to `log_dir/<name>.stderr.log`.
    pub(crate) fn start(
        binary: &Path,
        name: &str,
        log_dir: &Path,
        token_lifetime_s: u64,
        seed_clients: usize,
    ) -> Result<FakeProcess, BoxError> {
        Self::start_with_args(binary, name, log_dir, token_lifetime_s, seed_clients, &[])
    }

    /// As [`start`](Self::start), with more command-line arguments (`--rate-limit 50/40`).
    pub(crate) fn start_with_args(
        binary: &Path,
        name: &str,
        log_dir: &Path,
        token_lifetime_s: u64,
        seed_clients: usize,
        extra: &[String],
    ) -> Result<FakeProcess, BoxError> {
        let stderr_log = log_dir.join(format!("fake-{name}.stderr.log"));
        let stderr = std::fs::File::create(&stderr_log)
            .map_err(|e| format!("cannot create {}: {e}", stderr_log.display()))?;
        let ca_out = log_dir.join(format!("fake-{name}-ca.pem"));
        let mut child = Command::new(binary)
            .arg("--client")
            .arg(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
            .arg("--token-lifetime")
            .arg(token_lifetime_s.to_string())
            .arg("--seed-clients")
            .arg(seed_clients.to_string())
            .arg("--ca-out")
            .arg(&ca_out)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("the fake tenant has no stdout")?;
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let info = match read {
            Ok(n) if n > 0 => serde_json::from_str::<TenantInfo>(&line)
                .map_err(|e| format!("unexpected start line from the fake tenant {line:?}: {e}")),
            Ok(_) => Err("the fake tenant exited before printing its start line".to_owned()),
            Err(e) => Err(format!("cannot read the fake tenant's start line: {e}")),
        };
        match info {
            Ok(info) => Ok(FakeProcess {
                child,
                info,
                stderr_log,
            }),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(&stderr_log).unwrap_or_default();
                Err(format!("{e}\n--- fake tenant stderr ---\n{log}").into())
            }
        }
    }

    /// Fails when the process has exited, with its stderr.
    pub(crate) fn check_alive(&mut self) -> Result<(), BoxError> {
        if let Some(status) = self.child.try_wait()? {
            let log = std::fs::read_to_string(&self.stderr_log).unwrap_or_default();
            return Err(format!("the fake tenant exited ({status})\n{log}").into());
        }
        Ok(())
    }
}

impl Drop for FakeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client for the tenant's uncounted test controls.
#[derive(Clone)]
pub(crate) struct Controls {
    http: reqwest::Client,
    stats_url: String,
}

/// The counters of `GET /__fake/stats` that the benchmarks read.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) struct TenantStats {
    /// Requests to `POST /oauth/token`.
    pub(crate) token_requests: u64,
}

impl Controls {
    /// Controls of the tenant described by `info`.
    pub(crate) fn new(info: &TenantInfo) -> Result<Controls, BoxError> {
        Ok(Controls {
            http: http_client(info)?,
            stats_url: format!("{}/__fake/stats", info.base_url),
        })
    }

    /// The tenant's counters.
    pub(crate) async fn stats(&self) -> Result<TenantStats, BoxError> {
        let resp = self
            .http
            .get(&self.stats_url)
            .timeout(Duration::from_secs(10))
            .send()
            .await?
            .error_for_status()?;
        Ok(resp.json().await?)
    }
}

/// The CA certificate of the tenant, PEM.
pub(crate) fn ca_pem(info: &TenantInfo) -> Result<Vec<u8>, BoxError> {
    std::fs::read(&info.ca_cert)
        .map_err(|e| format!("cannot read {}: {e}", info.ca_cert.display()).into())
}

/// A reqwest client trusting the tenant's CA, with the connection settings of the
/// Management API client's default HTTP client (rustls, no redirects, HTTPS only, its
/// connect and total timeouts).
pub(crate) fn http_client(info: &TenantInfo) -> Result<reqwest::Client, BoxError> {
    let cert = reqwest::Certificate::from_pem(&ca_pem(info)?)?;
    Ok(reqwest::Client::builder()
        .use_rustls_tls()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(auth0_m2m::DEFAULT_CONNECT_TIMEOUT)
        .timeout(auth0_m2m::DEFAULT_TIMEOUT)
        .https_only(true)
        .add_root_certificate(cert)
        .build()?)
}

/// A builder of a Management API client for the tenant, with the client's defaults but the
/// rate budget off: these benchmarks measure the client's own cost against an unlimited
/// tenant (the rate-budget fleet sets its budget per scenario).
pub(crate) fn management_client(
    info: &TenantInfo,
) -> Result<auth0_m2m::ManagementClientBuilder, BoxError> {
    Ok(auth0_m2m::ManagementClient::builder(info.domain.clone())
        .with_client_secret(info.client_id.clone(), info.client_secret.clone())
        .with_audience(info.audience.clone())
        .with_root_certificate_pem(ca_pem(info)?)
        .with_rate_budget(auth0_m2m::RateBudget::off()))
}

/// A token client for the tenant (client secret in the POST body).
pub(crate) fn token_client(info: &TenantInfo) -> Result<auth0_m2m_token::TokenClient, BoxError> {
    use auth0_m2m_token::{ClientAuth, TokenClient, TokenEndpoint};
    let endpoint = TokenEndpoint::auth0_domain(&info.domain)?;
    Ok(TokenClient::builder(
        endpoint,
        info.client_id.clone(),
        ClientAuth::client_secret_post(info.client_secret.clone()),
    )
    .with_audience(info.audience.clone())
    .with_root_certificate_pem(ca_pem(info)?)
    .build()?)
}
