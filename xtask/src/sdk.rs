//! `cargo xtask sdk-clients`: Auth0's official SDKs, as their users install them from the
//! package registries, against the fake tenant binary over TLS.
//!
//! The Node SDK (npm `auth0`, pinned in `tests/sdk/node/package.json` and its lock file) and the
//! Python SDK (PyPI `auth0-python`, pinned with everything it installs in
//! `tests/sdk/python/requirements.txt`) are installed into `target/sdk-clients/{node,python}`
//! when what is there is not what is pinned, and kept for the next run. One `auth0-m2m-fake`
//! is started on a free loopback port with `--ca-out` and one `--client`; each SDK's script
//! (`tests/sdk/node/crud.mjs`, `tests/sdk/python/crud.py`) then creates, reads, updates, lists
//! and deletes objects through the SDK's management client, which fetches its own token, and
//! trusts the tenant's CA the way its runtime reads one (`NODE_EXTRA_CA_CERTS`,
//! `SSL_CERT_FILE`). The task fails naming the script and its first failed step.

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The option of `cargo xtask ci` that skips this step (for a machine without the registries).
pub(crate) const WITHOUT_SDK_CLIENTS: &str = "--without-sdk-clients";

/// The client the scripts authenticate as; its secret is made per run.
const CLIENT_ID: &str = "sdk-clients";

/// The task's name, the prefix of its messages.
const STEP: &str = "sdk-clients";

/// One SDK's script, as the task runs it.
struct Script {
    /// `node` or `python`: the prefix of its printed lines.
    name: &'static str,
    /// The script, relative to the workspace root.
    path: &'static str,
    /// The program, arguments and directory that run it.
    command: Command,
    /// The variable that hands it the tenant's CA certificate, as its runtime reads one.
    ca_variable: &'static str,
}

/// Installs the pinned SDKs when needed, starts the fake tenant, runs both scripts.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<(), String> {
    if let Some(other) = args.first() {
        return Err(format!(
            "sdk-clients: unknown argument {other:?}; it takes none"
        ));
    }
    let cache = target_dir(root).join("sdk-clients");
    std::fs::create_dir_all(&cache)
        .map_err(|e| format!("sdk-clients: cannot create {}: {e}", cache.display()))?;

    let started = Instant::now();
    let node_dir = install_node(root, &cache.join("node"))?;
    let python = install_python(root, &cache.join("python"))?;
    println!("sdk-clients: SDKs ready in {:.1?}", started.elapsed());

    let bin = build_fake(root, STEP)?;
    let secret = new_secret("sdk");
    let tenant = Tenant::start(&bin, &cache, "fake", CLIENT_ID, &secret, &[], STEP)?;

    // The Node script resolves `auth0` from the node_modules beside it: it runs from a copy
    // in the install directory.
    let node_script = node_dir.join("crud.mjs");
    std::fs::copy(root.join("tests/sdk/node/crud.mjs"), &node_script)
        .map_err(|e| format!("sdk-clients: cannot copy crud.mjs: {e}"))?;
    let mut node = Command::new("node");
    node.arg(&node_script).current_dir(&node_dir);
    let mut py = Command::new(&python);
    py.arg(root.join("tests/sdk/python/crud.py"))
        .current_dir(root.join("tests/sdk/python"))
        .env("PYTHONDONTWRITEBYTECODE", "1");
    for script in [
        Script {
            name: "node",
            path: "tests/sdk/node/crud.mjs",
            command: node,
            ca_variable: "NODE_EXTRA_CA_CERTS",
        },
        Script {
            name: "python",
            path: "tests/sdk/python/crud.py",
            command: py,
            ca_variable: "SSL_CERT_FILE",
        },
    ] {
        run_script(script, &tenant)?;
    }
    drop(tenant);
    println!(
        "sdk-clients: the Node and Python SDKs passed every step in {:.1?}",
        started.elapsed()
    );
    Ok(())
}

/// Builds the fake tenant binary (debug) and returns its path; `step` names the task in an
/// error.
pub(crate) fn build_fake(root: &Path, step: &str) -> Result<PathBuf, String> {
    let status = crate::cargo()
        .current_dir(root)
        .args([
            "build",
            "-q",
            "-p",
            "auth0-m2m-fake",
            "--bin",
            "auth0-m2m-fake",
        ])
        .status()
        .map_err(|e| format!("cargo build: {e}"))?;
    if !status.success() {
        return Err(format!("{step}: cargo build -p auth0-m2m-fake failed"));
    }
    Ok(target_dir(root).join("debug").join("auth0-m2m-fake"))
}

/// A client secret made for one run: `PREFIX-secret-PID-NANOS`.
pub(crate) fn new_secret(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{prefix}-secret-{}-{nanos}", std::process::id())
}

/// `NO_PROXY` with the loopback address added, so that a proxy configured for the registries
/// is never asked for the tenant.
pub(crate) fn no_proxy() -> String {
    match std::env::var("NO_PROXY") {
        Ok(v) if !v.is_empty() => format!("{v},127.0.0.1"),
        _ => "127.0.0.1".to_owned(),
    }
}

/// Cargo's target directory: `CARGO_TARGET_DIR` (relative to the root) or `target`.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// A fake tenant binary serving on a free loopback port over TLS; stopped when dropped.
pub(crate) struct Tenant {
    child: Child,
    /// `127.0.0.1:PORT`, what an SDK takes as its domain.
    pub(crate) domain: String,
    /// The tenant's CA certificate (PEM), written by `--ca-out`.
    pub(crate) ca: PathBuf,
    /// The secret of the client the tenant was started with.
    pub(crate) secret: String,
}

impl Tenant {
    /// Starts `bin` with the client `client_id:secret` (every scope) and `args`; its CA is
    /// written to `DIR/NAME-ca.pem` and its error output to `DIR/NAME.log`. `step` names the
    /// task in messages.
    pub(crate) fn start(
        bin: &Path,
        dir: &Path,
        name: &str,
        client_id: &str,
        secret: &str,
        args: &[&str],
        step: &str,
    ) -> Result<Self, String> {
        let ca = dir.join(format!("{name}-ca.pem"));
        let log_path = dir.join(format!("{name}.log"));
        let log = std::fs::File::create(&log_path)
            .map_err(|e| format!("{step}: cannot create {}: {e}", log_path.display()))?;
        let mut child = Command::new(bin)
            .args(["--addr", "127.0.0.1:0", "--ca-out"])
            .arg(&ca)
            .args(["--client", &format!("{client_id}:{secret}")])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("{step}: could not start {}: {e}", bin.display()))?;
        let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut line = String::new();
        let read = stdout.read_line(&mut line);
        let mut tenant = Self {
            child,
            domain: String::new(),
            ca,
            secret: secret.to_owned(),
        };
        read.map_err(|e| format!("{step}: reading the fake tenant's start line: {e}"))?;
        let v: Value = serde_json::from_str(&line).map_err(|e| {
            format!(
                "{step}: the fake tenant's start line is not JSON ({e}): {line:?} (see {})",
                log_path.display()
            )
        })?;
        tenant.domain = v["domain"]
            .as_str()
            .ok_or_else(|| format!("{step}: the fake tenant's start line lacks its domain"))?
            .to_owned();
        // Whatever else it prints is read and dropped, so that it never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        println!(
            "{step}: fake tenant {name} at https://{}, CA {}",
            tenant.domain,
            tenant.ca.display()
        );
        Ok(tenant)
    }
}

impl Drop for Tenant {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs one script against the tenant, printing its lines prefixed with its name; fails
/// naming the script and the step it reported failed.
fn run_script(mut script: Script, tenant: &Tenant) -> Result<(), String> {
    let started = Instant::now();
    let no_proxy = no_proxy();
    let mut child = script
        .command
        .env("FAKE_TENANT_DOMAIN", &tenant.domain)
        .env("FAKE_TENANT_CLIENT_ID", CLIENT_ID)
        .env("FAKE_TENANT_CLIENT_SECRET", &tenant.secret)
        .env(script.ca_variable, &tenant.ca)
        .env("NO_PROXY", &no_proxy)
        .env("no_proxy", &no_proxy)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| {
            format!(
                "sdk-clients: could not start {} ({e}); is {} installed? ({WITHOUT_SDK_CLIENTS} \
                 skips this step of `cargo xtask ci`)",
                script.path, script.name
            )
        })?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut steps = 0;
    let mut failed = None;
    let mut last = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("sdk-clients: reading {}: {e}", script.path))?;
        println!("{}: {line}", script.name);
        if line.starts_with("ok ") {
            steps += 1;
        }
        if failed.is_none()
            && let Some(f) = line.strip_prefix("FAIL ")
        {
            failed = Some(f.to_owned());
        }
        last = line;
    }
    let status = child
        .wait()
        .map_err(|e| format!("sdk-clients: waiting for {}: {e}", script.path))?;
    script_verdict(script.path, status.success(), failed, &last, steps)?;
    println!(
        "sdk-clients: {}: {steps} steps passed in {:.1?}",
        script.path,
        started.elapsed()
    );
    Ok(())
}

/// The verdict on a script's run: it exited with success after `all steps passed`; otherwise
/// an error naming the script and its failed step (`STEP: message`), or saying it stopped
/// before reporting one.
fn script_verdict(
    path: &str,
    success: bool,
    failed: Option<String>,
    last: &str,
    steps: usize,
) -> Result<(), String> {
    match failed {
        Some(f) => {
            let (step, message) = f.split_once(": ").unwrap_or((&f, ""));
            Err(format!(
                "sdk-clients: {path} failed at step {step}: {message}"
            ))
        }
        None if success && last == "all steps passed" => Ok(()),
        None if success => Err(format!(
            "sdk-clients: {path} exited after {steps} steps without `all steps passed`"
        )),
        None => Err(format!(
            "sdk-clients: {path} stopped after {steps} passed steps without naming a failed \
             one (its error output is above; its last line: {last:?})"
        )),
    }
}

/// Installs the pinned Node SDK into `dir` unless it is already there; returns `dir`.
fn install_node(root: &Path, dir: &Path) -> Result<PathBuf, String> {
    install_npm(&root.join("tests/sdk/node"), dir, "auth0", STEP)?;
    Ok(dir.to_path_buf())
}

/// Installs what `source`'s `package.json` and `package-lock.json` pin into `dir` (`npm ci`),
/// unless `dir` already holds `package` at its pinned version installed from that very lock
/// file; returns the version. `step` names the task in messages.
pub(crate) fn install_npm(
    source: &Path,
    dir: &Path,
    package: &str,
    step: &str,
) -> Result<String, String> {
    let manifest = read(&source.join("package.json"))?;
    let lock = read(&source.join("package-lock.json"))?;
    let pinned = serde_json::from_str::<Value>(&manifest)
        .ok()
        .and_then(|v| v["dependencies"][package].as_str().map(str::to_owned))
        .ok_or_else(|| {
            format!(
                "{step}: {} pins no version of {package}",
                source.join("package.json").display()
            )
        })?;
    let stamp = dir.join(".installed");
    let installed =
        std::fs::read_to_string(dir.join("node_modules").join(package).join("package.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .and_then(|v| v["version"].as_str().map(str::to_owned));
    if installed.as_deref() == Some(pinned.as_str())
        && std::fs::read_to_string(&stamp).ok().as_deref() == Some(lock.as_str())
    {
        println!(
            "{step}: npm {package} {pinned} already in {}",
            dir.display()
        );
        return Ok(pinned);
    }
    println!(
        "{step}: installing npm {package} {pinned} into {} (npm ci)",
        dir.display()
    );
    std::fs::create_dir_all(dir).map_err(|e| format!("{step}: {}: {e}", dir.display()))?;
    let _ = std::fs::remove_file(&stamp);
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(source.join(file), dir.join(file))
            .map_err(|e| format!("{step}: cannot copy {file}: {e}"))?;
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output();
    installed_or_why(
        out,
        "npm ci",
        &format!("npm {package} {pinned}"),
        &npm_registry(),
        step,
    )?;
    write(&stamp, &lock)?;
    Ok(pinned)
}

/// Installs the pinned Python SDK into a virtual environment in `dir` unless it is already
/// there; returns the environment's interpreter.
fn install_python(root: &Path, dir: &Path) -> Result<PathBuf, String> {
    let requirements = root.join("tests/sdk/python/requirements.txt");
    let pins = read(&requirements)?;
    let pinned = pins
        .lines()
        .find_map(|l| l.trim().strip_prefix("auth0-python=="))
        .map(str::to_owned)
        .ok_or("sdk-clients: tests/sdk/python/requirements.txt pins no auth0-python==VERSION")?;
    let system_python = Command::new("python3")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .ok_or_else(|| {
            format!(
                "sdk-clients: python3 is not installed ({WITHOUT_SDK_CLIENTS} skips this step \
                 of `cargo xtask ci`)"
            )
        })?;
    let venv = dir.join("venv");
    let python = venv.join("bin").join("python");
    let stamp = dir.join(".installed");
    let expected_stamp = format!("{system_python}\n{pins}");
    let installed = Command::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('auth0-python'))",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if installed.as_deref() == Some(pinned.as_str())
        && std::fs::read_to_string(&stamp).ok().as_deref() == Some(expected_stamp.as_str())
    {
        println!(
            "sdk-clients: PyPI auth0-python {pinned} already in {}",
            venv.display()
        );
        return Ok(python);
    }
    println!(
        "sdk-clients: installing PyPI auth0-python {pinned} into {} ({system_python}, pip)",
        venv.display()
    );
    let _ = std::fs::remove_file(&stamp);
    if venv.exists() {
        std::fs::remove_dir_all(&venv)
            .map_err(|e| format!("sdk-clients: cannot remove {}: {e}", venv.display()))?;
    }
    let out = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .map_err(|e| format!("sdk-clients: python3 -m venv: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "sdk-clients: python3 -m venv {} failed: {}",
            venv.display(),
            tail(&out.stderr)
        ));
    }
    let out = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
        ])
        .arg(&requirements)
        .stdin(Stdio::null())
        .output();
    installed_or_why(
        out,
        "pip install -r tests/sdk/python/requirements.txt",
        &format!("PyPI auth0-python {pinned}"),
        &pypi_registry(),
        STEP,
    )?;
    write(&stamp, &expected_stamp)?;
    Ok(python)
}

/// Passes an install that succeeded; otherwise says whether the registry (`host:port`) is
/// reachable at all, what the installer said, and how to skip the step.
fn installed_or_why(
    out: std::io::Result<Output>,
    what: &str,
    package: &str,
    registry: &str,
    step: &str,
) -> Result<(), String> {
    let skip =
        format!("`cargo xtask ci {WITHOUT_SDK_CLIENTS}` runs the other steps without this one");
    let out = out.map_err(|e| format!("{step}: could not run {what}: {e}; {skip}"))?;
    if out.status.success() {
        return Ok(());
    }
    let said = tail(&[out.stdout.as_slice(), out.stderr.as_slice()].concat());
    let reach = match reachable(registry) {
        Ok(()) => format!("the registry {registry} accepts connections, but"),
        Err(e) => format!("the registry {registry} is unreachable ({e}), so"),
    };
    Err(format!(
        "{step}: {reach} {what} could not install {package} ({}); it said:\n{said}\n{skip}",
        out.status
    ))
}

/// Whether a TCP connection to `host:port` opens within five seconds.
fn reachable(host_port: &str) -> Result<(), String> {
    let addrs: Vec<_> = host_port
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve it: {e}"))?
        .collect();
    let mut last = String::from("no address");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
            Ok(_) => return Ok(()),
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

/// `host:port` of npm's configured registry.
fn npm_registry() -> String {
    let url = Command::new("npm")
        .args(["config", "get", "registry"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "https://registry.npmjs.org/".to_owned());
    host_port(&url)
}

/// `host:port` of pip's index (`PIP_INDEX_URL`, else PyPI).
fn pypi_registry() -> String {
    let url = std::env::var("PIP_INDEX_URL").unwrap_or_else(|_| "https://pypi.org/simple".into());
    host_port(&url)
}

/// `host:port` of a URL (443 for https, 80 for http, unless given).
fn host_port(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if authority.contains(':') {
        authority.to_owned()
    } else {
        let port = if scheme == "http" { 80 } else { 443 };
        format!("{authority}:{port}")
    }
}

/// The last lines of a command's output, indented.
pub(crate) fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(12)..]
        .iter()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn read(path: &Path) -> Result<String, String> {
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_string(&mut text))
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text)
}

pub(crate) fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_step_is_named_with_its_script() {
        let err = script_verdict(
            "tests/sdk/node/crud.mjs",
            false,
            Some("roles.get: the role read back.name: expected \"a\", got \"b\"".to_owned()),
            "FAIL roles.get: …",
            11,
        )
        .expect_err("fails");
        assert_eq!(
            err,
            "sdk-clients: tests/sdk/node/crud.mjs failed at step roles.get: the role read \
             back.name: expected \"a\", got \"b\""
        );
        assert!(script_verdict("x.py", true, None, "all steps passed", 3).is_ok());
        let err = script_verdict("x.py", false, None, "Traceback", 3).expect_err("fails");
        assert!(err.contains("x.py stopped after 3 passed steps"), "{err}");
        let err = script_verdict("x.py", true, None, "ok   roles.get", 3).expect_err("fails");
        assert!(err.contains("without `all steps passed`"), "{err}");
    }

    #[test]
    fn registries_are_probed_at_their_host_and_port() {
        assert_eq!(
            host_port("https://registry.npmjs.org/"),
            "registry.npmjs.org:443"
        );
        assert_eq!(host_port("https://pypi.org/simple"), "pypi.org:443");
        assert_eq!(
            host_port("http://user:pw@mirror.local:8080/simple/"),
            "mirror.local:8080"
        );
    }
}
