//! Private `redis-server` processes for tests: a TLS server and a three-node Cluster on free
//! loopback ports, each in its own temporary directory, killed when the guard is dropped (also
//! when a test panics).

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use tempfile::TempDir;

const REDIS_SERVER: &str = "/usr/bin/redis-server";
const REDIS_CLI: &str = "redis-cli";
/// How long a server may take to listen, and a cluster to reach `cluster_state:ok`.
const START_LIMIT: Duration = Duration::from_secs(8);

/// Running servers; dropping the guard kills them and removes their directory.
pub(crate) struct Servers {
    children: Vec<Child>,
    /// The servers' working directory (configuration, logs).
    dir: TempDir,
}

impl Drop for Servers {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Servers {
    fn new() -> Self {
        Self {
            children: Vec::new(),
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }

    fn log(&self, port: u16) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("redis-{port}.log")))
            .unwrap_or_default()
    }

    /// Starts `redis-server` with `args` plus the common ones, and waits until `port` accepts
    /// connections. `Err` when the server exits first (a port taken meanwhile, say).
    fn spawn(&mut self, port: u16, args: &[String]) -> Result<(), String> {
        let dir = self.dir.path();
        let mut cmd = Command::new(REDIS_SERVER);
        cmd.args(args)
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir)
            .arg("--logfile")
            .arg(dir.join(format!("redis-{port}.log")))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().map_err(|e| format!("{REDIS_SERVER}: {e}"))?;
        let deadline = Instant::now() + START_LIMIT;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "redis-server on port {port} exited ({status}):\n{}",
                    self.log(port)
                ));
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                self.children.push(child);
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "redis-server on port {port} did not listen:\n{}",
                    self.log(port)
                ));
            }
            sleep(Duration::from_millis(20));
        }
    }
}

fn bindable(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// A loopback port that is free now. For a Cluster node the bus port (`port + 10000`) is free
/// too.
fn free_port(with_bus: bool) -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("bind a loopback port")
            .port();
        if !with_bus || (port <= 55_000 && bindable(port + 10_000)) {
            return port;
        }
    }
}

/// Runs a command with a time limit.
fn run_bounded(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let mut out = String::new();
            let _ = child.stdout.take().map(|mut s| s.read_to_string(&mut out));
            panic!("{cmd:?} did not finish within {limit:?}: {out}");
        }
        sleep(Duration::from_millis(20));
    }
}

/// A private CA, a server certificate for `127.0.0.1`/`localhost` and a client certificate,
/// all PEM.
pub(crate) struct TlsMaterial {
    /// The CA certificate.
    pub(crate) ca: String,
    /// The server certificate, signed by the CA.
    pub(crate) server_cert: String,
    /// The server key.
    pub(crate) server_key: String,
    /// A client certificate, signed by the CA.
    pub(crate) client_cert: String,
    /// The client key.
    pub(crate) client_key: String,
}

/// A self-signed CA certificate and its key.
pub(crate) fn new_ca(name: &str) -> (rcgen::Certificate, KeyPair) {
    let key = KeyPair::generate().expect("CA key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    (params.self_signed(&key).expect("CA certificate"), key)
}

/// Generates fresh [`TlsMaterial`].
pub(crate) fn tls_material() -> TlsMaterial {
    let (ca, ca_key) = new_ca("auth0-m2m test CA");
    let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose, cn: &str| {
        let key = KeyPair::generate().expect("leaf key");
        let mut params = CertificateParams::new(names).expect("leaf params");
        params.distinguished_name.push(DnType::CommonName, cn);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![usage];
        let cert = params.signed_by(&key, &ca, &ca_key).expect("leaf");
        (cert.pem(), key.serialize_pem())
    };
    let (server_cert, server_key) = leaf(
        vec!["127.0.0.1".into(), "localhost".into()],
        ExtendedKeyUsagePurpose::ServerAuth,
        "redis server",
    );
    let (client_cert, client_key) =
        leaf(vec![], ExtendedKeyUsagePurpose::ClientAuth, "redis client");
    TlsMaterial {
        ca: ca.pem(),
        server_cert,
        server_key,
        client_cert,
        client_key,
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write TLS file");
    path.to_string_lossy().into_owned()
}

/// Starts a TLS-only server (no plain-text port) serving `material`'s server certificate;
/// with `auth_clients`, clients must present a certificate signed by the CA.
pub(crate) fn start_tls(material: &TlsMaterial, auth_clients: bool) -> (Servers, u16) {
    let mut servers = Servers::new();
    let dir = servers.dir.path().to_owned();
    let cert = write(&dir, "server.crt", &material.server_cert);
    let key = write(&dir, "server.key", &material.server_key);
    let ca = write(&dir, "ca.crt", &material.ca);
    let mut last = String::new();
    for _ in 0..3 {
        let port = free_port(false);
        let args: Vec<String> = [
            "--port",
            "0",
            "--tls-port",
            &port.to_string(),
            "--tls-cert-file",
            &cert,
            "--tls-key-file",
            &key,
            "--tls-ca-cert-file",
            &ca,
            "--tls-auth-clients",
            if auth_clients { "yes" } else { "no" },
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        match servers.spawn(port, &args) {
            Ok(()) => return (servers, port),
            Err(e) => last = e,
        }
    }
    panic!("could not start a TLS redis-server: {last}");
}

/// Starts three Cluster nodes, joins them (no replicas) and waits until every node reports
/// `cluster_state:ok`.
pub(crate) fn start_cluster() -> (Servers, Vec<u16>) {
    let mut servers = Servers::new();
    let dir = servers.dir.path().to_owned();
    let mut ports = Vec::new();
    let mut attempts = 0;
    while ports.len() < 3 {
        attempts += 1;
        assert!(attempts <= 9, "could not start three cluster nodes");
        let port = free_port(true);
        if ports.contains(&port) {
            continue;
        }
        let args: Vec<String> = vec![
            "--port".into(),
            port.to_string(),
            "--cluster-enabled".into(),
            "yes".into(),
            "--cluster-config-file".into(),
            dir.join(format!("nodes-{port}.conf"))
                .to_string_lossy()
                .into_owned(),
            "--cluster-node-timeout".into(),
            "2000".into(),
        ];
        if servers.spawn(port, &args).is_ok() {
            ports.push(port);
        }
    }
    let mut create = Command::new(REDIS_CLI);
    create.arg("--cluster").arg("create");
    for p in &ports {
        create.arg(format!("127.0.0.1:{p}"));
    }
    create.args(["--cluster-replicas", "0", "--cluster-yes"]);
    let out = run_bounded(&mut create, START_LIMIT);
    assert!(
        out.status.success(),
        "redis-cli --cluster create failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let deadline = Instant::now() + START_LIMIT;
    for p in &ports {
        loop {
            let out = run_bounded(
                Command::new(REDIS_CLI).args(["-p", &p.to_string(), "cluster", "info"]),
                Duration::from_secs(2),
            );
            if String::from_utf8_lossy(&out.stdout).contains("cluster_state:ok") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "node {p} did not reach cluster_state:ok: {}",
                String::from_utf8_lossy(&out.stdout)
            );
            sleep(Duration::from_millis(50));
        }
    }
    (servers, ports)
}

/// Runs `redis-cli` against a private node and returns its output (for assertions about
/// where keys live).
pub(crate) fn cli(port: u16, args: &[&str]) -> String {
    let out = run_bounded(
        Command::new(REDIS_CLI)
            .args(["-p", &port.to_string()])
            .args(args),
        Duration::from_secs(2),
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
