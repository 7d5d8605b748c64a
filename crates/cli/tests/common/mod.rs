//! Running the `auth0-m2m` binary against the fake tenant binary.

#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

/// The `auth0-m2m` binary under test.
pub fn cli_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_auth0-m2m"))
}

/// The `auth0-m2m-fake` binary beside the binary under test; built (once per test process)
/// when it is missing or older than the fake tenant's sources. A binary that is up to date is
/// used as it is, so that test runs do not rebuild it with other features.
pub fn fake_bin() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let bin_dir = cli_bin().parent().expect("binary directory").to_path_buf();
            let bin = bin_dir.join("auth0-m2m-fake");
            let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fake-tenant");
            if modified(&bin).is_some_and(|built| newest(&sources) <= built) {
                return bin;
            }
            let profile = bin_dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("debug")
                .to_owned();
            let target_dir = bin_dir.parent().expect("target directory").to_path_buf();
            let cargo = std::env::var("CARGO")
                .ok()
                .or_else(|| option_env!("CARGO").map(str::to_owned))
                .unwrap_or_else(|| "cargo".to_owned());
            let mut build = Command::new(cargo);
            build
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "auth0-m2m-fake",
                    "--bin",
                    "auth0-m2m-fake",
                ])
                .env("CARGO_TARGET_DIR", &target_dir)
                .current_dir(env!("CARGO_MANIFEST_DIR"));
            if profile == "release" {
                build.arg("--release");
            }
            let status = build.status().expect("cargo runs");
            assert!(status.success(), "building auth0-m2m-fake failed");
            assert!(bin.exists(), "{} was not built", bin.display());
            bin
        })
        .clone()
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The newest modification time of the files under `dir` (`target` excluded).
fn newest(dir: &Path) -> std::time::SystemTime {
    let mut latest = modified(dir).unwrap_or(std::time::UNIX_EPOCH);
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            let time = if path.is_dir() {
                if path.file_name().is_some_and(|n| n == "target") {
                    continue;
                }
                newest(&path)
            } else {
                modified(&path).unwrap_or(std::time::UNIX_EPOCH)
            };
            latest = latest.max(time);
        }
    }
    latest
}

/// A fake tenant process; killed on drop.
pub struct Fake {
    child: Child,
    pub domain: String,
    pub base_url: String,
    pub ca_cert: String,
    pub client_id: String,
    pub client_secret: String,
}

impl Fake {
    /// Starts `auth0-m2m-fake` with `args` and reads its start line.
    pub fn start(args: &[&str]) -> Fake {
        let mut child = Command::new(fake_bin())
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the fake tenant starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("start line");
        let v: Value = serde_json::from_str(&line).expect("the start line is JSON");
        let text = |k: &str| v[k].as_str().expect(k).to_owned();
        Fake {
            domain: text("domain"),
            base_url: text("base_url"),
            ca_cert: text("ca_cert"),
            client_id: text("client_id"),
            client_secret: text("client_secret"),
            child,
        }
    }

    /// `GET /__fake/stats`.
    pub fn stats(&self) -> Value {
        let out = Command::new("curl")
            .args(["-sS", "--fail", "--cacert", &self.ca_cert])
            .arg(format!("{}/__fake/stats", self.base_url))
            .output()
            .expect("curl runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("stats JSON")
    }

    /// Token requests the fake tenant received.
    pub fn token_requests(&self) -> u64 {
        self.stats()["token_requests"]
            .as_u64()
            .expect("token_requests")
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A private home for one test: its own cache, configuration and runtime directories.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `auth0-m2m` with this home, no `AUTH0_*` variable from the outside, and the tenant
    /// variables of `fake` when given.
    pub fn cli(&self, fake: Option<&Fake>) -> Command {
        let mut cmd = Command::new(cli_bin());
        for (name, _) in std::env::vars() {
            if name.starts_with("AUTH0_") || name.starts_with("XDG_") || name == "RUST_LOG" {
                cmd.env_remove(name);
            }
        }
        let home = self.path();
        cmd.env("HOME", home)
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_RUNTIME_DIR", home.join("run"))
            .stdin(Stdio::null());
        if let Some(f) = fake {
            cmd.env("AUTH0_DOMAIN", &f.domain)
                .env("AUTH0_CLIENT_ID", &f.client_id)
                .env("AUTH0_CLIENT_SECRET", &f.client_secret)
                .env("AUTH0_CA_CERT", &f.ca_cert);
        }
        cmd
    }
}

/// Runs `cmd` and returns its output.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("auth0-m2m runs")
}

/// Runs `cmd`, asserts success and returns stdout.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 stdout")
}

/// stderr of an output, as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// One HTTP/1.1 GET over a Unix socket: `(status, body)`.
pub fn unix_get(socket: &Path, path: &str, key: Option<&str>) -> (u16, String) {
    let mut stream = UnixStream::connect(socket).expect("connect to the agent");
    let auth = key
        .map(|k| format!("Authorization: Bearer {k}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: agent\r\n{auth}Connection: close\r\n\r\n"
    )
    .expect("send");
    read_answer(&mut stream)
}

/// Reads a whole HTTP/1.1 answer (the request asked to close): `(status, body)`.
fn read_answer(stream: &mut impl Read) -> (u16, String) {
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// One HTTP/1.1 GET over TCP with the given extra header lines: `(status, body)`.
pub fn tcp_get(addr: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to the agent");
    let mut request = format!("GET {path} HTTP/1.1\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    read_answer(&mut stream)
}

/// A private `redis-server` on a free loopback port; stopped on drop.
pub struct PrivateRedis {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl PrivateRedis {
    pub fn start() -> PrivateRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = tempfile::tempdir().expect("tempdir");
        let mut child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (from the redis-server package) starts");
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return PrivateRedis {
                    port,
                    child,
                    _dir: dir,
                };
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("redis-server did not start on port {port}");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
