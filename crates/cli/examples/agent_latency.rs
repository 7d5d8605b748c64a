//! Latency of the token agent's `GET /token` under load, across refreshes.
//!
//! Starts a fake tenant in-process with a short token lifetime, starts the real `auth0-m2m
//! serve` binary against it on a Unix socket, and runs concurrent callers (each with one
//! keep-alive connection) for a while. Prints the latency percentiles, the throughput, how
//! many different tokens the callers saw (one per refresh) and how many token requests the
//! tenant received.
//!
//! ```sh
//! cargo build --release -p auth0-m2m-cli --bins --examples
//! target/release/examples/agent_latency --seconds 30 --callers 32 --token-lifetime 10
//! ```

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use auth0_m2m_fake::FakeTenant;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Options {
    seconds: u64,
    callers: usize,
    token_lifetime: u64,
    binary: Option<PathBuf>,
}

fn options() -> Result<Options, BoxError> {
    let mut o = Options {
        seconds: 30,
        callers: 32,
        token_lifetime: 10,
        binary: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--seconds" => o.seconds = value()?.parse()?,
            "--callers" => o.callers = value()?.parse()?,
            "--token-lifetime" => o.token_lifetime = value()?.parse()?,
            "--binary" => o.binary = Some(PathBuf::from(value()?)),
            other => {
                return Err(format!(
                    "unknown argument {other:?}; options: --seconds N --callers N \
                     --token-lifetime SECONDS --binary PATH"
                )
                .into());
            }
        }
    }
    if o.callers == 0 || o.seconds == 0 || o.token_lifetime == 0 {
        return Err("--seconds, --callers and --token-lifetime must be above zero".into());
    }
    Ok(o)
}

/// `auth0-m2m` beside this example's directory (`target/<profile>/auth0-m2m`).
fn default_binary() -> Result<PathBuf, BoxError> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot locate the target directory")?;
    Ok(profile_dir.join("auth0-m2m"))
}

/// One keep-alive connection to the agent.
struct Caller {
    reader: BufReader<UnixStream>,
    request: Vec<u8>,
}

impl Caller {
    fn connect(socket: &Path, key: &str) -> Result<Self, BoxError> {
        let stream = UnixStream::connect(socket)?;
        Ok(Self {
            reader: BufReader::new(stream),
            request: format!(
                "GET /token HTTP/1.1\r\nHost: agent\r\nAuthorization: Bearer {key}\r\n\r\n"
            )
            .into_bytes(),
        })
    }

    /// Sends one `GET /token`; returns the status and the body.
    fn get(&mut self) -> Result<(u16, Vec<u8>), BoxError> {
        self.reader.get_mut().write_all(&self.request)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad status line {line:?}"))?;
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse()?;
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, body))
    }
}

/// What one caller measured.
#[derive(Default)]
struct Report {
    latencies: Vec<Duration>,
    errors: u64,
    tokens: HashSet<String>,
}

fn call_for(socket: &Path, key: &str, until: Instant) -> Result<Report, BoxError> {
    let mut caller = Caller::connect(socket, key)?;
    let mut report = Report::default();
    let mut last_body = Vec::new();
    while Instant::now() < until {
        let start = Instant::now();
        let (status, body) = caller.get()?;
        report.latencies.push(start.elapsed());
        if status != 200 {
            report.errors += 1;
            continue;
        }
        // Parse only when the answer changed: a new token, or a new expires_in.
        if body != last_body {
            let v: serde_json::Value = serde_json::from_slice(&body)?;
            if let Some(t) = v["access_token"].as_str() {
                report.tokens.insert(t.to_owned());
            }
            last_body = body;
        }
    }
    Ok(report)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let o = options()?;
    let binary = match o.binary.clone() {
        Some(b) => b,
        None => default_binary()?,
    };
    if !binary.exists() {
        return Err(format!(
            "{} not found: build it first with `cargo build --release -p auth0-m2m-cli --bins \
             --examples`, or pass --binary PATH",
            binary.display()
        )
        .into());
    }
    let tenant = FakeTenant::builder()
        .token_lifetime(Duration::from_secs(o.token_lifetime))
        .start()
        .await?;
    let work = tempfile::tempdir()?;
    let socket = work.path().join("agent.sock");
    let key_file = work.path().join("agent.key");
    let mut agent = Command::new(&binary)
        .args(["--cache", "memory", "serve", "--socket"])
        .arg(&socket)
        .arg("--key-file")
        .arg(&key_file)
        .env("AUTH0_DOMAIN", tenant.domain())
        .env("AUTH0_CLIENT_ID", tenant.client_id())
        .env("AUTH0_CLIENT_SECRET", tenant.client_secret())
        .env("AUTH0_CA_CERT", tenant.ca_cert_path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()?;
    let mut ready = String::new();
    BufReader::new(agent.stdout.take().ok_or("no stdout")?).read_line(&mut ready)?;
    let key = std::fs::read_to_string(&key_file)?;

    // The first token: the measurement starts once the agent holds one.
    let mut first = Caller::connect(&socket, &key)?;
    let (status, _) = first.get()?;
    if status != 200 {
        return Err(format!("the agent answered {status} to the first call").into());
    }
    drop(first);

    let seconds = o.seconds;
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let reports = tokio::task::spawn_blocking({
        let (socket, key, callers) = (socket.clone(), key.clone(), o.callers);
        move || {
            std::thread::scope(|s| {
                let handles: Vec<_> = (0..callers)
                    .map(|_| s.spawn(|| call_for(&socket, &key, until)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().map_err(|_| "a caller panicked")?)
                    .collect::<Result<Vec<Report>, BoxError>>()
            })
        }
    })
    .await??;
    let elapsed = started.elapsed();

    let _ = Command::new("kill")
        .args(["-TERM", &agent.id().to_string()])
        .status();
    let _ = agent.wait();

    let mut all: Vec<Duration> = reports
        .iter()
        .flat_map(|r| r.latencies.iter().copied())
        .collect();
    all.sort_unstable();
    let errors: u64 = reports.iter().map(|r| r.errors).sum();
    let tokens: HashSet<&String> = reports.iter().flat_map(|r| r.tokens.iter()).collect();
    let stats = tenant.stats();
    println!(
        "token agent: {} callers, {:.1} s, token lifetime {} s",
        o.callers,
        elapsed.as_secs_f64(),
        o.token_lifetime
    );
    println!(
        "requests {}  ({:.0}/s)  errors {}",
        all.len(),
        all.len() as f64 / elapsed.as_secs_f64(),
        errors
    );
    println!(
        "latency p50 {}  p99 {}  p99.9 {}  max {}",
        micros(percentile(&all, 50.0)),
        micros(percentile(&all, 99.0)),
        micros(percentile(&all, 99.9)),
        micros(all.last().copied().unwrap_or_default())
    );
    println!(
        "distinct tokens seen by callers {}  token requests to the tenant {}",
        tokens.len(),
        stats.token_requests
    );
    tenant.shutdown().await;
    if errors > 0 {
        return Err(format!("{errors} calls did not answer 200").into());
    }
    Ok(())
}
