//! Token economy and refresh tail: a fleet of worker processes calling `GET /api/v2/clients`
//! in a loop against a tenant with short-lived tokens, counting the token requests the tenant
//! receives for each way of sharing the token.
//!
//! The orchestrator starts `processes` copies of this binary (`economy-worker`), hands each its
//! [`WorkerConfig`] on stdin, polls the tenant's counters for the timeline while they run, and
//! reads each worker's [`WorkerResult`] from its stdout.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use auth0_m2m_management::Endpoint;
use auth0_m2m_management::clients::ListClients;
use serde::{Deserialize, Serialize};

use crate::BoxError;
use crate::stats::Summary;
use crate::tenant::{Controls, TenantInfo, http_client, management_client, token_client};

/// The refresh point of the default refresh policy, as a fraction of the token lifetime.
pub(crate) const SOFT_REFRESH_AT: f64 = 0.5;
/// The jitter of the default refresh point, as a fraction of the lifetime.
pub(crate) const SOFT_JITTER: f64 = 0.05;

/// How the processes of the fleet get their tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Mode {
    /// One Redis cache shared by every process.
    SharedRedis,
    /// One file cache directory shared by every process.
    SharedFile,
    /// Each process with its own memory cache.
    PerProcessMemory,
    /// No cache: a token request before every call.
    NoCache,
}

impl Mode {
    /// Every mode, in report order.
    pub(crate) const ALL: [Mode; 4] = [
        Mode::SharedRedis,
        Mode::SharedFile,
        Mode::PerProcessMemory,
        Mode::NoCache,
    ];

    /// The report's name of the mode.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mode::SharedRedis => "shared_redis",
            Mode::SharedFile => "shared_file",
            Mode::PerProcessMemory => "per_process_memory",
            Mode::NoCache => "no_cache",
        }
    }
}

/// What one worker process is told to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct WorkerConfig {
    /// How tokens are obtained.
    pub(crate) mode: Mode,
    /// The tenant.
    pub(crate) tenant: TenantInfo,
    /// Concurrent tasks in the process.
    pub(crate) tasks: usize,
    /// When every worker starts calling (Unix milliseconds), so that the fleet runs together.
    pub(crate) start_unix_ms: u64,
    /// How long the workers call, in milliseconds.
    pub(crate) run_ms: u64,
    /// The Redis URL (shared Redis mode).
    pub(crate) redis_url: String,
    /// The cache key prefix shared by the fleet of one run.
    pub(crate) key_prefix: String,
    /// The cache directory (shared file mode).
    pub(crate) file_dir: PathBuf,
    /// Where to write the latency of every `token()` call (u64 little-endian nanoseconds).
    pub(crate) latencies_out: Option<PathBuf>,
}

/// What one worker process reports on stdout.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct WorkerResult {
    /// Successful API calls.
    pub(crate) calls: u64,
    /// Failed token or API calls.
    pub(crate) errors: u64,
    /// The first failure's message.
    pub(crate) first_error: Option<String>,
    /// Token requests the process sent (provider counter, or one per call without a cache).
    pub(crate) fetches: u64,
    /// `token()` calls that had to wait for a refresh (including each task's first call).
    pub(crate) misses: u64,
    /// Shared-cache operations that failed, timed out or were skipped by the provider's
    /// circuit breaker: a run with any of them does not measure sharing.
    pub(crate) cache_errors: u64,
    /// Latencies written to `latencies_out`.
    pub(crate) latencies: u64,
    /// Recorded `token()` calls slower than [`SLOW_NS`].
    pub(crate) slow: u64,
    /// Of those, calls during which the thread was preempted (an involuntary context switch,
    /// and no voluntary one): the time went to other processes.
    pub(crate) slow_preempted: u64,
    /// Of those, calls during which the thread blocked (a voluntary context switch).
    pub(crate) slow_blocked: u64,
    /// The slowest recorded call that was not preempted, ns.
    pub(crate) max_ns_unpreempted: u64,
}

/// The latency above which a `token()` call is examined for context switches: 1 ms.
pub(crate) const SLOW_NS: u64 = 1_000_000;

/// The thread's `(voluntary, involuntary)` context switches from `/proc/thread-self/status`.
fn context_switches() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/thread-self/status").ok()?;
    parse_context_switches(&status)
}

fn parse_context_switches(status: &str) -> Option<(u64, u64)> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    Some((
        field("voluntary_ctxt_switches:")?,
        field("nonvoluntary_ctxt_switches:")?,
    ))
}

/// The token economy figures of the report.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TokenEconomy {
    /// Worker processes.
    pub(crate) processes: usize,
    /// Tasks per process.
    pub(crate) tasks_per_process: usize,
    /// Token lifetime at the tenant, seconds.
    pub(crate) token_lifetime_s: u64,
    /// How long the fleet called, seconds.
    pub(crate) run_s: u64,
    /// `ceil(run_s / token_lifetime_s)`: the fewest tokens that can cover the run.
    pub(crate) physical_limit: u64,
    /// What the default refresh policy fetches for one shared cache: one token, then one
    /// refresh every half lifetime: `ceil(run_s / (lifetime × 0.5)) + 1`.
    pub(crate) expected: u64,
    /// The same with every refresh at the earliest point the jitter allows (`0.45` of the
    /// lifetime): the most a shared cache may fetch under the default policy. Every process
    /// derives the jitter of a token from the token itself, so a fleet sharing one token
    /// agrees on one refresh point and stays near [`expected`](Self::expected).
    pub(crate) expected_max: u64,
    /// Token requests with one Redis cache shared by the fleet.
    pub(crate) shared_redis: u64,
    /// Token requests with one file cache shared by the fleet.
    pub(crate) shared_file: u64,
    /// Token requests with a memory cache in each process.
    pub(crate) per_process_memory: u64,
    /// Token requests without a cache.
    pub(crate) no_cache: u64,
    /// Per mode: API calls made, errors, and the tenant's token-request timeline.
    pub(crate) runs: Vec<ModeRun>,
}

/// One mode's run.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ModeRun {
    /// The mode's name.
    pub(crate) mode: &'static str,
    /// Token requests counted by the tenant.
    pub(crate) token_requests: u64,
    /// Successful API calls of the fleet.
    pub(crate) calls: u64,
    /// Failed calls of the fleet.
    pub(crate) errors: u64,
    /// `token()` calls that waited for a refresh, over the fleet.
    pub(crate) misses: u64,
    /// `[seconds since start, token requests so far]`, sampled every 100 ms.
    pub(crate) timeline: Vec<(f64, u64)>,
}

/// The refresh-tail figures of the report: every `token()` call of the shared-Redis fleet
/// after each task's first.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RefreshTail {
    /// Calls recorded.
    pub(crate) calls: u64,
    /// Median latency.
    pub(crate) p50_ns: u64,
    /// 99th percentile.
    pub(crate) p99_ns: u64,
    /// 99.9th percentile.
    pub(crate) p999_ns: u64,
    /// Slowest call.
    pub(crate) max_ns: u64,
    /// Calls that waited for a token request after the process's first token (provider
    /// misses beyond each task's first call): callers waiting on the network.
    pub(crate) waits_after_first_token: u64,
    /// Calls slower than 1 ms.
    pub(crate) over_1ms: u64,
    /// Of those, calls during which the thread was preempted by the OS and did not block.
    pub(crate) over_1ms_preempted: u64,
    /// Of those, calls during which the thread blocked.
    pub(crate) over_1ms_blocked: u64,
    /// The slowest call during which the thread was not preempted.
    pub(crate) max_ns_unpreempted: u64,
}

/// The fleet's settings.
#[derive(Debug, Clone)]
pub(crate) struct Fleet {
    /// Worker processes.
    pub(crate) processes: usize,
    /// Tasks per process.
    pub(crate) tasks: usize,
    /// Token lifetime at the tenant.
    pub(crate) token_lifetime_s: u64,
    /// Run time per mode.
    pub(crate) run_s: u64,
    /// Redis URL.
    pub(crate) redis_url: String,
}

/// `ceil(run / lifetime)`.
pub(crate) fn physical_limit(run_s: u64, lifetime_s: u64) -> u64 {
    run_s.div_ceil(lifetime_s.max(1))
}

/// The count of token requests of a refresh every `fraction` of the lifetime, plus the first.
pub(crate) fn expected_requests(run_s: u64, lifetime_s: u64, fraction: f64) -> u64 {
    (run_s as f64 / (lifetime_s as f64 * fraction) - 1e-9).ceil() as u64 + 1
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64
}

/// Runs every mode; returns the figures and the refresh-tail latencies of the Redis run.
pub(crate) async fn run(
    exe: &Path,
    tenant: &TenantInfo,
    fleet: &Fleet,
    work_dir: &Path,
) -> Result<(TokenEconomy, RefreshTail), BoxError> {
    let controls = Controls::new(tenant)?;
    let mut runs = Vec::new();
    let mut tail = None;
    for mode in Mode::ALL {
        println!(
            "  token economy: {} ({} processes × {} tasks, {} s)…",
            mode.name(),
            fleet.processes,
            fleet.tasks,
            fleet.run_s
        );
        let (run, latencies) = run_mode(exe, tenant, &controls, fleet, mode, work_dir).await?;
        println!(
            "    {} token requests, {} calls, {} errors",
            run.token_requests, run.calls, run.errors
        );
        if let Some((mut latencies, workers)) = latencies {
            let s = Summary::of(&mut latencies);
            let warmup = (fleet.processes * fleet.tasks) as u64;
            tail = Some(RefreshTail {
                calls: s.calls,
                p50_ns: s.p50_ns,
                p99_ns: s.p99_ns,
                p999_ns: s.p999_ns,
                max_ns: s.max_ns,
                waits_after_first_token: workers.misses.saturating_sub(warmup),
                over_1ms: workers.slow,
                over_1ms_preempted: workers.slow_preempted,
                over_1ms_blocked: workers.slow_blocked,
                max_ns_unpreempted: workers.max_ns_unpreempted,
            });
        }
        runs.push(run);
    }
    let count = |m: Mode| {
        runs.iter()
            .find(|r| r.mode == m.name())
            .map_or(0, |r| r.token_requests)
    };
    let economy = TokenEconomy {
        processes: fleet.processes,
        tasks_per_process: fleet.tasks,
        token_lifetime_s: fleet.token_lifetime_s,
        run_s: fleet.run_s,
        physical_limit: physical_limit(fleet.run_s, fleet.token_lifetime_s),
        expected: expected_requests(fleet.run_s, fleet.token_lifetime_s, SOFT_REFRESH_AT),
        expected_max: expected_requests(
            fleet.run_s,
            fleet.token_lifetime_s,
            SOFT_REFRESH_AT - SOFT_JITTER,
        ),
        shared_redis: count(Mode::SharedRedis),
        shared_file: count(Mode::SharedFile),
        per_process_memory: count(Mode::PerProcessMemory),
        no_cache: count(Mode::NoCache),
        runs,
    };
    let tail = tail.ok_or("the shared Redis run recorded no latencies")?;
    Ok((economy, tail))
}

async fn run_mode(
    exe: &Path,
    tenant: &TenantInfo,
    controls: &Controls,
    fleet: &Fleet,
    mode: Mode,
    work_dir: &Path,
) -> Result<(ModeRun, Option<(Vec<u64>, WorkerResult)>), BoxError> {
    let stamp = unix_ms(SystemTime::now());
    let run_dir = work_dir.join(format!("economy-{}-{stamp}", mode.name()));
    std::fs::create_dir_all(&run_dir)?;
    let before = controls.stats().await?.token_requests;
    let start = SystemTime::now() + Duration::from_millis(1500 + 100 * fleet.processes as u64);
    let record = mode == Mode::SharedRedis;
    let mut children = Vec::new();
    for i in 0..fleet.processes {
        let config = WorkerConfig {
            mode,
            tenant: tenant.clone(),
            tasks: fleet.tasks,
            start_unix_ms: unix_ms(start),
            run_ms: fleet.run_s * 1000,
            redis_url: fleet.redis_url.clone(),
            key_prefix: format!("auth0-m2m-bench:{}-{stamp}:", std::process::id()),
            file_dir: run_dir.join("cache"),
            latencies_out: record.then(|| run_dir.join(format!("latencies-{i}.bin"))),
        };
        let mut child = Command::new(exe)
            .arg("economy-worker")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start a worker ({}): {e}", exe.display()))?;
        let mut stdin = child.stdin.take().ok_or("worker without stdin")?;
        stdin.write_all(serde_json::to_string(&config)?.as_bytes())?;
        drop(stdin);
        children.push((child, config));
    }
    // Collect every worker's output on blocking threads while this task samples the timeline.
    let waits: Vec<_> = children
        .into_iter()
        .map(|(child, config)| {
            tokio::task::spawn_blocking(move || -> Result<(WorkerResult, WorkerConfig), String> {
                let out = child
                    .wait_with_output()
                    .map_err(|e| format!("waiting for a worker: {e}"))?;
                let stderr = String::from_utf8_lossy(&out.stderr);
                if !out.status.success() {
                    return Err(format!(
                        "a {} worker failed ({})\n--- worker stderr ---\n{stderr}",
                        config.mode.name(),
                        out.status
                    ));
                }
                let stdout = String::from_utf8_lossy(&out.stdout);
                let result = serde_json::from_str(stdout.trim()).map_err(|e| {
                    format!(
                        "unexpected worker output {stdout:?}: {e}\n--- worker stderr ---\n{stderr}"
                    )
                })?;
                Ok((result, config))
            })
        })
        .collect();
    let mut timeline = Vec::new();
    let started = Instant::now() + start.duration_since(SystemTime::now()).unwrap_or_default();
    let end = started + Duration::from_secs(fleet.run_s) + Duration::from_millis(500);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    while Instant::now() < end && !waits.iter().all(|w| w.is_finished()) {
        tick.tick().await;
        if Instant::now() >= started
            && let Ok(s) = controls.stats().await
        {
            let t = Instant::now().duration_since(started).as_secs_f64();
            timeline.push((t, s.token_requests.saturating_sub(before)));
        }
    }
    let mut total = WorkerResult::default();
    let mut latencies = record.then(Vec::new);
    for w in waits {
        let (r, config) = w.await??;
        total.calls += r.calls;
        total.errors += r.errors;
        total.misses += r.misses;
        total.cache_errors += r.cache_errors;
        total.slow += r.slow;
        total.slow_preempted += r.slow_preempted;
        total.slow_blocked += r.slow_blocked;
        total.max_ns_unpreempted = total.max_ns_unpreempted.max(r.max_ns_unpreempted);
        if total.first_error.is_none() {
            total.first_error = r.first_error;
        }
        if let (Some(all), Some(path)) = (latencies.as_mut(), &config.latencies_out) {
            all.extend(read_latencies(path)?);
        }
    }
    let token_requests = controls
        .stats()
        .await?
        .token_requests
        .saturating_sub(before);
    let _ = std::fs::remove_dir_all(&run_dir);
    if total.calls == 0 || total.errors * 100 > total.calls {
        return Err(format!(
            "{}: {} errors in {} calls; first: {}",
            mode.name(),
            total.errors,
            total.calls,
            total.first_error.as_deref().unwrap_or("none")
        )
        .into());
    }
    if total.cache_errors > 0 {
        return Err(format!(
            "{}: the shared cache failed {} times (is {} reachable?); the token count would not \
             measure sharing",
            mode.name(),
            total.cache_errors,
            match mode {
                Mode::SharedRedis => fleet.redis_url.as_str(),
                _ => "the cache directory",
            }
        )
        .into());
    }
    if let Some(&(t, _)) = timeline.last()
        && t < fleet.run_s as f64
    {
        timeline.push((fleet.run_s as f64, token_requests));
    }
    Ok((
        ModeRun {
            mode: mode.name(),
            token_requests,
            calls: total.calls,
            errors: total.errors,
            misses: total.misses,
            timeline,
        },
        latencies.map(|l| (l, total)),
    ))
}

fn read_latencies(path: &Path) -> Result<Vec<u64>, BoxError> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(bytes
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
        .collect())
}

/// How a worker calls: through the Management API client (whose provider is timed before
/// each call), or without a cache, a token request before every bare call.
#[derive(Clone)]
enum Caller {
    Facade(auth0_m2m::ManagementClient),
    PerCall {
        tokens: Arc<auth0_m2m_token::TokenClient>,
        http: reqwest::Client,
        url: Arc<str>,
    },
}

/// The `economy-worker` process: reads its [`WorkerConfig`] on stdin, calls until the end of
/// the run, prints its [`WorkerResult`].
pub(crate) fn worker_main() -> Result<(), BoxError> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let config: WorkerConfig = serde_json::from_str(&input)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(worker(config))?;
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}

async fn worker(config: WorkerConfig) -> Result<WorkerResult, BoxError> {
    let builder =
        management_client(&config.tenant)?.with_cache_key_prefix(config.key_prefix.clone());
    let caller = match config.mode {
        Mode::SharedRedis => {
            Caller::Facade(builder.with_redis_cache(config.redis_url.clone()).build()?)
        }
        Mode::SharedFile => {
            Caller::Facade(builder.with_file_cache(config.file_dir.clone()).build()?)
        }
        Mode::PerProcessMemory => Caller::Facade(builder.with_memory_cache().build()?),
        Mode::NoCache => Caller::PerCall {
            tokens: Arc::new(token_client(&config.tenant)?),
            http: http_client(&config.tenant)?,
            url: format!("{}{}", config.tenant.base_url, ListClients::new().path()).into(),
        },
    };
    let start = UNIX_EPOCH + Duration::from_millis(config.start_unix_ms);
    if let Ok(wait) = start.duration_since(SystemTime::now()) {
        tokio::time::sleep(wait).await;
    }
    let deadline = Instant::now() + Duration::from_millis(config.run_ms);
    let record = config.latencies_out.is_some();
    let tasks: Vec<_> = (0..config.tasks)
        .map(|_| {
            let caller = caller.clone();
            tokio::spawn(async move { task(caller, deadline, record).await })
        })
        .collect();
    let mut result = WorkerResult::default();
    let mut latencies = Vec::new();
    for t in tasks {
        let (r, l) = t.await?;
        result.calls += r.calls;
        result.errors += r.errors;
        result.slow += r.slow;
        result.slow_preempted += r.slow_preempted;
        result.slow_blocked += r.slow_blocked;
        result.max_ns_unpreempted = result.max_ns_unpreempted.max(r.max_ns_unpreempted);
        if result.first_error.is_none() {
            result.first_error = r.first_error;
        }
        latencies.extend(l);
    }
    match &caller {
        Caller::Facade(client) => {
            let stats = client.token_provider().stats();
            result.fetches = stats.fetches;
            result.misses = stats.misses;
            result.cache_errors = stats.shared_cache_errors + stats.shared_cache_skipped;
        }
        Caller::PerCall { .. } => result.fetches = result.calls + result.errors,
    }
    if let Some(path) = &config.latencies_out {
        let bytes: Vec<u8> = latencies.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        result.latencies = latencies.len() as u64;
    }
    Ok(result)
}

/// One task: `clients().list()` in a loop until the deadline. Through the Management API
/// client, the provider's `token()` is called (and timed) right before each call; every
/// latency but the task's first (which waits for the process's first token) is recorded.
async fn task(caller: Caller, deadline: Instant, record: bool) -> (WorkerResult, Vec<u64>) {
    let mut r = WorkerResult::default();
    let mut latencies = Vec::new();
    let mut first = true;
    while Instant::now() < deadline {
        let outcome = match &caller {
            Caller::Facade(client) => {
                let switches = if record { context_switches() } else { None };
                let t0 = Instant::now();
                let token = client.token_provider().token().await;
                let ns = t0.elapsed().as_nanos() as u64;
                if record && !first {
                    latencies.push(ns);
                    let mut preempted = false;
                    if ns > SLOW_NS {
                        r.slow += 1;
                        if let (Some((v0, n0)), Some((v1, n1))) = (switches, context_switches()) {
                            if v1 > v0 {
                                r.slow_blocked += 1;
                            } else if n1 > n0 {
                                r.slow_preempted += 1;
                                preempted = true;
                            }
                        }
                    }
                    if !preempted {
                        r.max_ns_unpreempted = r.max_ns_unpreempted.max(ns);
                    }
                }
                first = false;
                match token {
                    Ok(_) => client
                        .clients()
                        .list()
                        .send()
                        .await
                        .map(|page| page.items().len())
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(format!("token: {e}")),
                }
            }
            Caller::PerCall { tokens, http, url } => match tokens.fetch_token().await {
                Ok(token) => list_clients(http, url, &token.bearer_header_value()).await,
                Err(e) => Err(format!("token: {e}")),
            },
        };
        match outcome {
            Ok(_) => r.calls += 1,
            Err(e) => {
                r.errors += 1;
                if r.first_error.is_none() {
                    r.first_error = Some(e);
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    (r, latencies)
}

/// `GET /api/v2/clients` with `bearer`, deserialized into the model's page type; returns the
/// number of clients.
pub(crate) async fn list_clients(
    http: &reqwest::Client,
    url: &str,
    bearer: &str,
) -> Result<usize, String> {
    let resp = http
        .get(url)
        .header(reqwest::header::AUTHORIZATION, bearer)
        .send()
        .await
        .map_err(|e| format!("GET clients: {e}"))?;
    let status = resp.status();
    let body = resp
        .bytes()
        .await
        .map_err(|e| format!("GET clients: {e}"))?;
    if !status.is_success() {
        return Err(format!("GET clients: HTTP {status}"));
    }
    let page = ListClients::new()
        .parse_response(&body)
        .map_err(|e| format!("GET clients: {e}"))?;
    Ok(page.items().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_context_switches() {
        let status = "Name:\tx\nvoluntary_ctxt_switches:\t12\nnonvoluntary_ctxt_switches:\t3\n";
        assert_eq!(parse_context_switches(status), Some((12, 3)));
        assert_eq!(parse_context_switches("Name:\tx\n"), None);
        assert!(context_switches().is_some());
    }

    #[test]
    fn limits_of_the_default_policy() {
        assert_eq!(physical_limit(40, 4), 10);
        assert_eq!(physical_limit(12, 4), 3);
        assert_eq!(physical_limit(13, 4), 4);
        assert_eq!(expected_requests(40, 4, SOFT_REFRESH_AT), 21);
        assert_eq!(expected_requests(12, 4, SOFT_REFRESH_AT), 7);
        assert_eq!(expected_requests(40, 4, SOFT_REFRESH_AT - SOFT_JITTER), 24);
    }
}
