//! `cargo xtask chaos [--seconds N] [--processes N] [--tasks N]`: a fleet of worker processes
//! calls the Management API through the facade against the fake tenant, sharing the token
//! through a private `redis-server`, while a schedule injects faults. A fault-free run of the
//! same length gives the baseline number of token requests.
//!
//! Writes `target/chaos/report.json` and prints a summary. Fails when a user call failed or
//! when the token requests exceed the documented bound.

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const CLIENT_ID: &str = "chaos-client";
/// Token lifetime of the fake tenant: short, so that refreshes happen during the run.
const TOKEN_LIFETIME_S: u64 = 10;
/// How long Redis stays down each time it is killed.
const REDIS_DOWN: Duration = Duration::from_secs(2);

/// Kills the child processes it holds when dropped, so an error never leaves them running.
#[derive(Default)]
struct Guard {
    children: Vec<(&'static str, Child)>,
}

impl Guard {
    fn add(&mut self, name: &'static str, child: Child) {
        self.children.push((name, child));
    }

    /// Kills the first child called `name`.
    fn kill(&mut self, name: &str) {
        if let Some(pos) = self.children.iter().position(|(n, _)| *n == name) {
            let (_, mut child) = self.children.remove(pos);
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

struct Options {
    seconds: u64,
    processes: u64,
    tasks: u64,
}

fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        seconds: 60,
        processes: 4,
        tasks: 16,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = |v: Option<&String>| -> Result<u64, String> {
            v.and_then(|s| s.parse().ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{a} needs a positive number"))
        };
        match a.as_str() {
            "--seconds" => o.seconds = value(it.next())?,
            "--processes" => o.processes = value(it.next())?,
            "--tasks" => o.tasks = value(it.next())?,
            other => return Err(format!("chaos: unknown argument {other:?}")),
        }
    }
    Ok(o)
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

fn start_redis(port: u16) -> Result<Child, String> {
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start redis-server (is it installed?): {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(child);
        }
        sleep(Duration::from_millis(20));
    }
    Err(format!("redis-server did not listen on port {port}"))
}

/// The fake tenant's start line: `{domain, base_url, ca_cert, client_secret, …}`.
struct Tenant {
    domain: String,
    base_url: String,
    ca: String,
    secret: String,
}

fn start_tenant(bin: &Path, guard: &mut Guard) -> Result<Tenant, String> {
    let secret = format!("chaos-secret-{}", std::process::id());
    let mut child = Command::new(bin)
        .args([
            "--client",
            &format!("{CLIENT_ID}:{secret}"),
            "--token-lifetime",
            &TOKEN_LIFETIME_S.to_string(),
            "--seed-clients",
            "20",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", bin.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    guard.add("tenant", child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("reading the fake tenant's start line: {e}"))?;
    let v: Value = serde_json::from_str(&line)
        .map_err(|e| format!("the fake tenant's start line is not JSON ({e}): {line:?}"))?;
    let text = |k: &str| {
        v[k].as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("the fake tenant's start line lacks {k}"))
    };
    Ok(Tenant {
        domain: text("domain")?,
        base_url: text("base_url")?,
        ca: text("ca_cert")?,
        secret,
    })
}

/// Sends one control request to the fake tenant through the worker binary.
fn control(
    worker: &Path,
    t: &Tenant,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<String, String> {
    let mut cmd = Command::new(worker);
    cmd.args([
        "control",
        "--base-url",
        &t.base_url,
        "--ca",
        &t.ca,
        method,
        path,
    ]);
    if let Some(b) = body {
        cmd.arg(b.to_string());
    }
    let out = cmd
        .output()
        .map_err(|e| format!("could not run the control command: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(format!(
            "control {method} {path} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn fault(worker: &Path, t: &Tenant, fault: Value) -> Result<(), String> {
    control(worker, t, "POST", "/__fake/faults", Some(fault)).map(|_| ())
}

/// One scheduled action.
#[derive(Clone, Copy, Debug)]
enum Action {
    Token5xx,
    Token429,
    Api429,
    Api5xx,
    Latency,
    LatencyOff,
    Revoke,
    Drop,
    KillRedis,
}

/// The fault schedule: each action at a fraction of the run.
const SCHEDULE: &[(f64, Action)] = &[
    (0.08, Action::Token5xx),
    (0.16, Action::Api429),
    (0.24, Action::KillRedis),
    (0.34, Action::Token429),
    (0.42, Action::Api5xx),
    (0.50, Action::Latency),
    (0.58, Action::LatencyOff),
    (0.64, Action::Revoke),
    (0.72, Action::Drop),
    (0.80, Action::KillRedis),
];

#[derive(Default)]
struct Injected {
    revocations: u64,
    redis_restarts: u64,
}

struct Phase {
    user_calls: u64,
    failed_calls: u64,
    errors: Vec<Value>,
    stats: Value,
    workers: Vec<Value>,
    injected: Injected,
}

/// Runs one phase: a fresh tenant, a fresh Redis, the fleet, and (with `chaos`) the schedule.
fn phase(root: &Path, o: &Options, chaos: bool) -> Result<Phase, String> {
    let bin_dir = target_dir(root).join("debug");
    let worker = bin_dir.join("chaos-worker");
    let mut guard = Guard::default();
    let redis_port = free_port()?;
    guard.add("redis", start_redis(redis_port)?);
    let t = start_tenant(&bin_dir.join("auth0-m2m-fake"), &mut guard)?;
    let redis_url = format!("redis://127.0.0.1:{redis_port}");
    let prefix = format!("chaos-{}:", std::process::id());

    let mut workers = Vec::new();
    for _ in 0..o.processes {
        let child = Command::new(&worker)
            .args([
                "run",
                "--domain",
                &t.domain,
                "--ca",
                &t.ca,
                "--client-id",
                CLIENT_ID,
                "--client-secret",
                &t.secret,
                "--redis",
                &redis_url,
                "--prefix",
                &prefix,
                "--seconds",
                &o.seconds.to_string(),
                "--tasks",
                &o.tasks.to_string(),
            ])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", worker.display()))?;
        workers.push(child);
    }
    let mut readers = Vec::new();
    for w in &mut workers {
        let mut r = BufReader::new(w.stdout.take().ok_or("no worker stdout")?);
        let mut line = String::new();
        r.read_line(&mut line)
            .map_err(|e| format!("reading a worker: {e}"))?;
        if line.trim() != "ready" {
            return Err(format!("a worker did not start: {line:?}"));
        }
        readers.push(r);
    }
    let started = Instant::now();
    let mut injected = Injected::default();
    if chaos {
        let run = Duration::from_secs(o.seconds);
        for (at, action) in SCHEDULE {
            let when = run.mul_f64(*at);
            if let Some(wait) = when.checked_sub(started.elapsed()) {
                sleep(wait);
            }
            println!(
                "chaos: t={:>5.1}s {action:?}",
                started.elapsed().as_secs_f64()
            );
            apply(*action, &worker, &t, &mut guard, redis_port, &mut injected)?;
        }
    }
    let mut user_calls = 0;
    let mut failed_calls = 0;
    let mut errors = Vec::new();
    let mut reports = Vec::new();
    for (mut w, mut r) in workers.into_iter().zip(readers) {
        let mut out = String::new();
        r.read_to_string(&mut out)
            .map_err(|e| format!("reading a worker: {e}"))?;
        let status = w.wait().map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("a worker failed: {status}"));
        }
        let v: Value = serde_json::from_str(out.trim())
            .map_err(|e| format!("a worker's report is not JSON ({e}): {out:?}"))?;
        user_calls += v["user_calls"].as_u64().unwrap_or(0);
        failed_calls += v["failed_calls"].as_u64().unwrap_or(0);
        if let Some(map) = v["errors"].as_object() {
            for (msg, n) in map {
                errors.push(json!({"error": msg, "count": n}));
            }
        }
        reports.push(v["provider"].clone());
    }
    let stats: Value = serde_json::from_str(&control(&worker, &t, "GET", "/__fake/stats", None)?)
        .map_err(|e| format!("stats are not JSON: {e}"))?;
    Ok(Phase {
        user_calls,
        failed_calls,
        errors,
        stats,
        workers: reports,
        injected,
    })
}

fn apply(
    action: Action,
    worker: &Path,
    t: &Tenant,
    guard: &mut Guard,
    redis_port: u16,
    injected: &mut Injected,
) -> Result<(), String> {
    match action {
        Action::Token5xx => fault(
            worker,
            t,
            json!({"target": "token", "count": 3, "status": 503}),
        ),
        Action::Token429 => fault(
            worker,
            t,
            json!({"target": "token", "count": 2, "status": 429, "retry_after": 1}),
        ),
        Action::Api429 => fault(
            worker,
            t,
            json!({"target": "api", "count": 10, "status": 429, "retry_after": 1}),
        ),
        Action::Api5xx => fault(
            worker,
            t,
            json!({"target": "api", "count": 10, "status": 503}),
        ),
        Action::Latency => {
            fault(
                worker,
                t,
                json!({"target": "api", "count": 20, "latency_ms": 800}),
            )?;
            control(
                worker,
                t,
                "POST",
                "/__fake/latency",
                Some(json!({"token_ms": 1500})),
            )
            .map(|_| ())
        }
        Action::LatencyOff => control(
            worker,
            t,
            "POST",
            "/__fake/latency",
            Some(json!({"token_ms": 0})),
        )
        .map(|_| ()),
        Action::Revoke => {
            injected.revocations += 1;
            control(worker, t, "POST", "/__fake/revoke", None).map(|_| ())
        }
        Action::Drop => {
            fault(
                worker,
                t,
                json!({"target": "api", "count": 6, "drop_connection": true}),
            )?;
            fault(
                worker,
                t,
                json!({"target": "token", "count": 2, "drop_connection": true}),
            )
        }
        Action::KillRedis => {
            guard.kill("redis");
            sleep(REDIS_DOWN);
            guard.add("redis", start_redis(redis_port)?);
            injected.redis_restarts += 1;
            Ok(())
        }
    }
}

fn num(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or(0)
}

/// Builds the binaries, runs the baseline and the chaos phases, writes the report.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let o = parse_options(args)?;
    for (package, bin) in [
        ("auth0-m2m-reliability", "chaos-worker"),
        ("auth0-m2m-fake", "auth0-m2m-fake"),
    ] {
        let status = crate::cargo()
            .current_dir(root)
            .args(["build", "-p", package, "--bin", bin])
            .status()
            .map_err(|e| format!("cargo build: {e}"))?;
        if !status.success() {
            return Err(format!("cargo build -p {package} --bin {bin} failed"));
        }
    }
    println!(
        "chaos: baseline run, {} s, {} processes × {} tasks, no faults",
        o.seconds, o.processes, o.tasks
    );
    let baseline = phase(root, &o, false)?;
    println!("chaos: chaos run, {} s, with the fault schedule", o.seconds);
    let chaos = phase(root, &o, true)?;

    let s = &chaos.stats;
    let token_requests = num(s, "token_requests");
    let baseline_token_requests = num(&baseline.stats, "token_requests");
    let injected = json!({
        "token_5xx": num(s, "token_5xx_injected"),
        "token_429": num(s, "token_429"),
        "api_429": num(s, "api_429"),
        "api_5xx": num(s, "api_5xx_injected"),
        "dropped": num(s, "dropped_connections"),
        "revocations": chaos.injected.revocations,
        "redis_restarts": chaos.injected.redis_restarts,
    });
    // Every failed token request is one extra request; each revocation and each Redis
    // restart may cost one request per process.
    let token_faults =
        num(s, "token_5xx_injected") + num(s, "token_429") + num(s, "dropped_connections");
    let bound = baseline_token_requests
        + token_faults
        + (chaos.injected.revocations + chaos.injected.redis_restarts + 1) * o.processes;
    let report = json!({
        "seconds": o.seconds,
        "processes": o.processes,
        "tasks_per_process": o.tasks,
        "user_calls": chaos.user_calls,
        "failed_calls": chaos.failed_calls,
        "token_requests": token_requests,
        "baseline_token_requests": baseline_token_requests,
        "token_request_bound": bound,
        "injected": injected,
        "api_requests": num(s, "api_requests"),
        "api_401": num(s, "api_401"),
        "errors": chaos.errors,
        "workers": chaos.workers,
        "baseline": {
            "user_calls": baseline.user_calls,
            "failed_calls": baseline.failed_calls,
            "errors": baseline.errors,
            "stats": baseline.stats,
        },
    });
    let dir = target_dir(root).join("chaos");
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let path = dir.join("report.json");
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(&path, text + "\n").map_err(|e| format!("writing {}: {e}", path.display()))?;

    println!(
        "chaos: {} s, {} processes: {} user calls, {} failed; {} token requests (baseline {}, bound {}); injected {}",
        o.seconds,
        o.processes,
        chaos.user_calls,
        chaos.failed_calls,
        token_requests,
        baseline_token_requests,
        bound,
        report["injected"]
    );
    println!("chaos: report written to {}", path.display());
    if chaos.failed_calls > 0 || baseline.failed_calls > 0 {
        return Err(format!(
            "chaos: {} user calls failed (baseline {}): {}",
            chaos.failed_calls,
            baseline.failed_calls,
            json!(chaos.errors)
        ));
    }
    if token_requests > bound {
        return Err(format!(
            "chaos: {token_requests} token requests, more than the bound of {bound}"
        ));
    }
    Ok(())
}
