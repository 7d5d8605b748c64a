//! `cargo xtask chaos [--seconds N] [--processes N] [--tasks N]`: a fleet of worker processes
//! calls the Management API through the facade against the fake tenant, sharing the token
//! through a private `redis-server`, while a schedule injects faults. A fault-free run of the
//! same length gives the baseline number of token requests, which must stay within a fixed
//! ceiling computed from the token lifetime and the run's length (a fleet that stopped sharing
//! its token would raise the baseline and the chaos run together).
//!
//! Writes `target/chaos/report.json` and prints a summary. Fails when a user call failed, when
//! a phase made no user call at all, when the token requests exceed the documented bound, or
//! when the injected faults do not add up to the schedule (a fault still queued at the end, or
//! counts of injected answers that differ from what the schedule queued).

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
    /// Revocations that revoked at least one unexpired token.
    revocations: u64,
    /// Unexpired tokens revoked, over all revocations.
    tokens_revoked: u64,
    redis_restarts: u64,
}

struct Phase {
    /// Requests that faults still queued at the end would have applied to.
    pending_fault_requests: u64,
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
    let cleared: Value =
        serde_json::from_str(&control(&worker, &t, "DELETE", "/__fake/faults", None)?)
            .map_err(|e| format!("the fault queue answer is not JSON: {e}"))?;
    Ok(Phase {
        pending_fault_requests: num(&cleared, "requests"),
        user_calls,
        failed_calls,
        errors,
        stats,
        workers: reports,
        injected,
    })
}

/// The faults an action queues on the fake tenant (`POST /__fake/faults` bodies).
fn scheduled_faults(action: Action) -> Vec<Value> {
    match action {
        Action::Token5xx => vec![json!({"target": "token", "count": 3, "status": 503})],
        Action::Token429 => {
            vec![json!({"target": "token", "count": 2, "status": 429, "retry_after": 1})]
        }
        Action::Api429 => {
            vec![json!({"target": "api", "count": 10, "status": 429, "retry_after": 1})]
        }
        Action::Api5xx => vec![json!({"target": "api", "count": 10, "status": 503})],
        Action::Latency => vec![json!({"target": "api", "count": 20, "latency_ms": 800})],
        Action::Drop => vec![
            json!({"target": "api", "count": 6, "drop_connection": true}),
            json!({"target": "token", "count": 2, "drop_connection": true}),
        ],
        Action::LatencyOff | Action::Revoke | Action::KillRedis => Vec::new(),
    }
}

fn apply(
    action: Action,
    worker: &Path,
    t: &Tenant,
    guard: &mut Guard,
    redis_port: u16,
    injected: &mut Injected,
) -> Result<(), String> {
    for f in scheduled_faults(action) {
        fault(worker, t, f)?;
    }
    match action {
        Action::Latency => control(
            worker,
            t,
            "POST",
            "/__fake/latency",
            Some(json!({"token_ms": 1500})),
        )
        .map(|_| ()),
        Action::LatencyOff => control(
            worker,
            t,
            "POST",
            "/__fake/latency",
            Some(json!({"token_ms": 0})),
        )
        .map(|_| ()),
        Action::Revoke => {
            // A revocation counts when it revoked a token that was still live: whether a
            // caller then presents that token (a 401) depends on whether a refresh replaced it
            // first, so the 401 count is reported, not required.
            let answer = control(worker, t, "POST", "/__fake/revoke", None)?;
            let revoked = serde_json::from_str::<Value>(&answer)
                .ok()
                .and_then(|v| v["revoked"].as_u64())
                .ok_or_else(|| format!("unexpected answer to a revocation: {answer:?}"))?;
            injected.tokens_revoked += revoked;
            if revoked > 0 {
                injected.revocations += 1;
            }
            Ok(())
        }
        Action::KillRedis => {
            guard.kill("redis");
            sleep(REDIS_DOWN);
            guard.add("redis", start_redis(redis_port)?);
            injected.redis_restarts += 1;
            Ok(())
        }
        Action::Token5xx | Action::Token429 | Action::Api429 | Action::Api5xx | Action::Drop => {
            Ok(())
        }
    }
}

/// What the schedule injects, counted from [`SCHEDULE`] and [`scheduled_faults`].
#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    /// Requests all queued faults together apply to.
    faults: u64,
    token_5xx: u64,
    token_429: u64,
    api_5xx: u64,
    api_429: u64,
    dropped: u64,
    revocations: u64,
    redis_restarts: u64,
}

fn expected(schedule: &[(f64, Action)]) -> Expected {
    let mut e = Expected::default();
    for (_, action) in schedule {
        match action {
            Action::Revoke => e.revocations += 1,
            Action::KillRedis => e.redis_restarts += 1,
            _ => {}
        }
        for f in scheduled_faults(*action) {
            let count = num(&f, "count");
            e.faults += count;
            let token = f["target"] == "token";
            if f["drop_connection"] == true {
                e.dropped += count;
                continue;
            }
            match (token, f["status"].as_u64()) {
                (true, Some(429)) => e.token_429 += count,
                (false, Some(429)) => e.api_429 += count,
                (true, Some(s)) if s >= 500 => e.token_5xx += count,
                (false, Some(s)) if s >= 500 => e.api_5xx += count,
                _ => {}
            }
        }
    }
    e
}

/// Compares what was injected with what the schedule queued; returns the discrepancies.
///
/// `stats` are the fake tenant's counters after the run and `pending` the requests that the
/// faults still queued at the end would have applied to. Every queued fault must have been
/// used, each kind exactly as often as scheduled; the 429 counters also count the tenant's own
/// rate limiting, so those are lower bounds. A revocation counts when it revoked a live token.
fn check_injected(e: &Expected, stats: &Value, pending: u64, injected: &Injected) -> Vec<String> {
    let mut problems = Vec::new();
    if pending > 0 {
        problems.push(format!(
            "{pending} scheduled fault requests were never injected (still queued at the end)"
        ));
    }
    let mut exact = |name: &str, got: u64, want: u64| {
        if got != want {
            problems.push(format!("{name}: {got} injected, {want} scheduled"));
        }
    };
    exact("faults", num(stats, "faults_injected"), e.faults);
    exact("token 5xx", num(stats, "token_5xx_injected"), e.token_5xx);
    exact("api 5xx", num(stats, "api_5xx_injected"), e.api_5xx);
    exact(
        "dropped connections",
        num(stats, "dropped_connections"),
        e.dropped,
    );
    exact("revocations", injected.revocations, e.revocations);
    exact("redis restarts", injected.redis_restarts, e.redis_restarts);
    for (name, got, want) in [
        ("token 429", num(stats, "token_429"), e.token_429),
        ("api 429", num(stats, "api_429"), e.api_429),
    ] {
        if got < want {
            problems.push(format!("{name}: {got} seen, at least {want} scheduled"));
        }
    }
    problems
}

/// The provider's default soft refresh point and jitter, as fractions of the lifetime: the
/// earliest a token is replaced is at `SOFT_REFRESH_AT - SOFT_JITTER` of its lifetime.
const SOFT_REFRESH_AT: f64 = 0.5;
const SOFT_JITTER: f64 = 0.05;

/// The most token requests a fault-free fleet that shares its token may send in a run of
/// `seconds`, from the token lifetime alone: the first, then one each time a token reaches
/// the earliest jittered refresh point. It does not grow with the number of processes.
fn fault_free_ceiling(seconds: u64) -> u64 {
    let earliest = TOKEN_LIFETIME_S as f64 * (SOFT_REFRESH_AT - SOFT_JITTER);
    (seconds as f64 / earliest - 1e-9).ceil() as u64 + 1
}

/// The bound on the chaos run's token requests: the fault-free baseline (capped by the fixed
/// `ceiling`, so that a baseline inflated by a regression does not raise it), plus one per
/// failed token request, plus one per process for each revocation and Redis restart and for
/// the start.
fn token_request_bound(
    baseline: u64,
    ceiling: u64,
    token_faults: u64,
    disruptions: u64,
    processes: u64,
) -> u64 {
    baseline.min(ceiling) + token_faults + (disruptions + 1) * processes
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
    let scheduled = expected(SCHEDULE);
    let problems = check_injected(&scheduled, s, chaos.pending_fault_requests, &chaos.injected);
    let injected = json!({
        "faults": num(s, "faults_injected"),
        "pending_at_end": chaos.pending_fault_requests,
        "token_5xx": num(s, "token_5xx_injected"),
        "token_429": num(s, "token_429"),
        "api_429": num(s, "api_429"),
        "api_5xx": num(s, "api_5xx_injected"),
        "dropped": num(s, "dropped_connections"),
        "revocations": chaos.injected.revocations,
        "tokens_revoked": chaos.injected.tokens_revoked,
        "redis_restarts": chaos.injected.redis_restarts,
    });
    let token_faults =
        num(s, "token_5xx_injected") + num(s, "token_429") + num(s, "dropped_connections");
    let ceiling = fault_free_ceiling(o.seconds);
    let bound = token_request_bound(
        baseline_token_requests,
        ceiling,
        token_faults,
        chaos.injected.revocations + chaos.injected.redis_restarts,
        o.processes,
    );
    let report = json!({
        "seconds": o.seconds,
        "processes": o.processes,
        "tasks_per_process": o.tasks,
        "user_calls": chaos.user_calls,
        "failed_calls": chaos.failed_calls,
        "token_requests": token_requests,
        "baseline_token_requests": baseline_token_requests,
        "fault_free_ceiling": ceiling,
        "token_request_bound": bound,
        "injected": injected,
        "scheduled": {
            "faults": scheduled.faults,
            "token_5xx": scheduled.token_5xx,
            "token_429": scheduled.token_429,
            "api_429": scheduled.api_429,
            "api_5xx": scheduled.api_5xx,
            "dropped": scheduled.dropped,
            "revocations": scheduled.revocations,
            "redis_restarts": scheduled.redis_restarts,
        },
        "schedule_problems": problems,
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
        "chaos: {} s, {} processes: {} user calls, {} failed; {} token requests (baseline {}, fault-free ceiling {}, bound {}); injected {}",
        o.seconds,
        o.processes,
        chaos.user_calls,
        chaos.failed_calls,
        token_requests,
        baseline_token_requests,
        ceiling,
        bound,
        report["injected"]
    );
    println!("chaos: report written to {}", path.display());
    if chaos.user_calls == 0 || baseline.user_calls == 0 {
        return Err(format!(
            "chaos: no user call was made (chaos run {}, baseline {}): nothing was checked",
            chaos.user_calls, baseline.user_calls
        ));
    }
    if chaos.failed_calls > 0 || baseline.failed_calls > 0 {
        return Err(format!(
            "chaos: {} user calls failed (baseline {}): {}",
            chaos.failed_calls,
            baseline.failed_calls,
            json!(chaos.errors)
        ));
    }
    if baseline_token_requests > ceiling {
        return Err(format!(
            "chaos: the fault-free run sent {baseline_token_requests} token requests, more than \
             the ceiling of {ceiling} that a {} s run with {TOKEN_LIFETIME_S} s tokens allows \
             (every refresh at the earliest jittered point, shared by every process)",
            o.seconds
        ));
    }
    if token_requests > bound {
        return Err(format!(
            "chaos: {token_requests} token requests, more than the bound of {bound}"
        ));
    }
    if !problems.is_empty() {
        return Err(format!(
            "chaos: the injected faults do not match the schedule: {}",
            problems.join("; ")
        ));
    }
    if baseline.pending_fault_requests > 0 {
        return Err(format!(
            "chaos: the baseline run had {} fault requests queued",
            baseline.pending_fault_requests
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_stats(e: &Expected) -> Value {
        json!({
            "faults_injected": e.faults,
            "token_5xx_injected": e.token_5xx,
            "api_5xx_injected": e.api_5xx,
            "dropped_connections": e.dropped,
            "token_429": e.token_429,
            "api_429": e.api_429,
            "api_401": 3,
        })
    }

    fn all_done(e: &Expected) -> Injected {
        Injected {
            revocations: e.revocations,
            tokens_revoked: e.revocations,
            redis_restarts: e.redis_restarts,
        }
    }

    #[test]
    fn the_fault_free_ceiling_comes_from_the_lifetime_and_the_run() {
        // 10 s tokens replaced at 4.5 s at the earliest: 15 s hold 4 replacements at most.
        assert_eq!(fault_free_ceiling(15), 5);
        assert_eq!(fault_free_ceiling(60), 15);
        assert_eq!(fault_free_ceiling(4), 2);
    }

    #[test]
    fn a_baseline_that_stopped_sharing_does_not_raise_the_bound() {
        let ceiling = fault_free_ceiling(15);
        let shared = token_request_bound(4, ceiling, 3, 2, 4);
        assert_eq!(shared, 4 + 3 + 3 * 4);
        // Processes that stopped sharing the token: every one fetches its own, in both runs.
        let unshared_baseline = 4 * 4;
        let bound = token_request_bound(unshared_baseline, ceiling, 3, 2, 4);
        assert_eq!(bound, ceiling + 3 + 3 * 4);
        assert!(unshared_baseline + 3 + 2 * 4 > bound);
    }

    #[test]
    fn the_schedule_is_counted_from_its_faults() {
        let e = expected(SCHEDULE);
        assert_eq!(
            e,
            Expected {
                faults: 3 + 2 + 10 + 10 + 20 + 6 + 2,
                token_5xx: 3,
                token_429: 2,
                api_5xx: 10,
                api_429: 10,
                dropped: 8,
                revocations: 1,
                redis_restarts: 2,
            }
        );
    }

    #[test]
    fn a_run_that_injected_everything_passes() {
        let e = expected(SCHEDULE);
        assert_eq!(
            check_injected(&e, &full_stats(&e), 0, &all_done(&e)),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_fault_left_in_the_queue_fails() {
        let e = expected(SCHEDULE);
        let mut stats = full_stats(&e);
        stats["faults_injected"] = json!(e.faults - 2);
        stats["dropped_connections"] = json!(e.dropped - 2);
        let problems = check_injected(&e, &stats, 2, &all_done(&e));
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("2 scheduled fault requests were never injected"));
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("dropped connections: 6 injected, 8"))
        );
    }

    #[test]
    fn missing_kinds_and_skipped_actions_fail() {
        let e = expected(SCHEDULE);
        let mut stats = full_stats(&e);
        stats["token_5xx_injected"] = json!(0);
        stats["api_429"] = json!(9);
        let injected = Injected {
            revocations: 0,
            tokens_revoked: 0,
            redis_restarts: 1,
        };
        let problems = check_injected(&e, &stats, 0, &injected);
        for expected in [
            "token 5xx: 0 injected, 3 scheduled",
            "revocations: 0 injected, 1 scheduled",
            "redis restarts: 1 injected, 2 scheduled",
            "api 429: 9 seen, at least 10 scheduled",
        ] {
            assert!(
                problems.iter().any(|p| p == expected),
                "{expected}: {problems:?}"
            );
        }
    }

    #[test]
    fn an_empty_stats_answer_fails() {
        let e = expected(SCHEDULE);
        let problems = check_injected(&e, &json!({}), 0, &all_done(&e));
        assert!(problems.len() >= 5, "{problems:?}");
    }
}
