//! The rate-budget fleet: 8 processes each making 100 background calls of a bulk job, and one
//! process making two interactive calls a second throughout, against a fake tenant whose
//! Management API is a token bucket of 50 calls refilled at 40 a second (Auth0's buckets, as
//! the fake emulates them). Side by side in one run:
//!
//! - **off**: no budget; every process discovers the limit by hitting it and retries its
//!   429s as the retry policy says (what every Auth0 SDK does);
//! - **shared**: the budget `50/40` shared through Redis, background calls limited to half of
//!   it;
//! - **node**: the same fleet with node-auth0 (the `auth0` npm package), when
//!   `RATE_FLEET_NODE_AUTH0` names the directory of the installed package
//!   (`npm install --prefix DIR auth0`, then `DIR/node_modules/auth0`): each process retries its
//!   own 429s as that SDK does. The worker is `bench/node/rate_fleet_worker.cjs`.
//!
//! For each: the 429 answers, the bulk job's completion time against its physical limit (the
//! calls beyond its share of the burst, divided by its share of the rate), and the interactive
//! caller's added wait (its call latency beyond the median latency of an idle tenant, p50 and
//! p99).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use auth0_m2m::{CallOptions, Priority, RateBudget};
use serde::{Deserialize, Serialize};

use crate::BoxError;
use crate::tenant::{FakeProcess, TenantInfo};

/// Bulk processes.
pub(crate) const BULK_PROCESSES: usize = 8;
/// Background calls per bulk process.
pub(crate) const BULK_CALLS: usize = 100;
/// Concurrent tasks per bulk process.
const BULK_TASKS: usize = 4;
/// The tenant's bucket.
pub(crate) const BURST: u64 = 50;
/// Its refill, calls per second.
pub(crate) const PER_SECOND: f64 = 40.0;
/// The share of the budget background calls may use (percent).
pub(crate) const BACKGROUND_SHARE: f64 = 50.0;
/// Interactive calls per second.
const INTERACTIVE_PER_SECOND: f64 = 2.0;
/// Calls that measure the idle latency before the run.
const BASELINE_CALLS: usize = 10;

/// The scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Scenario {
    /// No budget: retry on 429.
    Off,
    /// The budget shared through Redis.
    Shared,
    /// node-auth0, retrying its own 429s.
    Node,
}

impl Scenario {
    fn budget(self) -> RateBudget {
        match self {
            Scenario::Off | Scenario::Node => RateBudget::off(),
            Scenario::Shared => {
                RateBudget::fixed(BURST as u32, PER_SECOND).with_background_share(BACKGROUND_SHARE)
            }
        }
    }

    fn label(self) -> &'static str {
        match self {
            Scenario::Off => "(a) budget off, retry on 429",
            Scenario::Shared => "(b) budget shared through Redis",
            Scenario::Node => "(c) node-auth0, its own 429 retries",
        }
    }
}

/// What a worker process is told to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct WorkerConfig {
    scenario: Scenario,
    interactive: bool,
    tenant: TenantInfo,
    redis_url: String,
    key_prefix: String,
    start_unix_ms: u64,
    stop_file: PathBuf,
}

/// What a worker reports.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct WorkerResult {
    calls: u64,
    errors: u64,
    first_error: Option<String>,
    /// When its last call ended, ms after the start.
    finished_ms: f64,
    /// The latency of each interactive call, ms.
    latencies_ms: Vec<f64>,
    /// The median latency of the idle tenant, ms.
    baseline_ms: f64,
    /// 429 answers the client saw (its budget's snapshot).
    answers_429: u64,
}

/// The outcome of one scenario.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ScenarioResult {
    pub(crate) scenario: Scenario,
    pub(crate) label: String,
    pub(crate) calls: u64,
    pub(crate) requests: u64,
    pub(crate) answers_429: u64,
    pub(crate) share_429_percent: f64,
    pub(crate) failed_calls: u64,
    pub(crate) completion_s: f64,
    pub(crate) physical_limit_s: f64,
    pub(crate) completion_ratio: f64,
    pub(crate) interactive_calls: u64,
    pub(crate) interactive_added_wait_p50_ms: f64,
    pub(crate) interactive_added_wait_p99_ms: f64,
    pub(crate) interactive_added_wait_max_ms: f64,
}

/// The report of the fleet run.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FleetReport {
    pub(crate) machine: crate::report::Machine,
    pub(crate) scenarios: Vec<ScenarioResult>,
    pub(crate) targets: Vec<crate::report::Target>,
}

/// The bulk job's physical limit: the calls beyond its share of the burst at its share of the
/// rate.
pub(crate) fn physical_limit_s() -> f64 {
    let share = BACKGROUND_SHARE / 100.0;
    let calls = (BULK_PROCESSES * BULK_CALLS) as f64;
    (calls - BURST as f64 * share) / (PER_SECOND * share)
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[derive(Debug, Deserialize)]
struct ApiStats {
    api_requests: u64,
    api_429: u64,
}

async fn api_stats(info: &TenantInfo) -> Result<ApiStats, BoxError> {
    let http = crate::tenant::http_client(info)?;
    Ok(http
        .get(format!("{}/__fake/stats", info.base_url))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?)
}

/// Runs both scenarios and writes `rate_fleet.json` and `rate_fleet.md` into `out`.
pub(crate) fn run(
    exe: &Path,
    fake_bin: &Path,
    out: &Path,
    redis_url: &str,
) -> Result<FleetReport, BoxError> {
    std::fs::create_dir_all(out)?;
    let work = out.join("rate-fleet-work");
    std::fs::create_dir_all(&work)?;
    let machine = crate::report::Machine::detect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let node = std::env::var_os("RATE_FLEET_NODE_AUTH0").map(PathBuf::from);
    let mut order = vec![Scenario::Off, Scenario::Shared];
    if node.is_some() {
        order.push(Scenario::Node);
    }
    let mut scenarios = Vec::new();
    for scenario in order {
        println!("rate fleet: {}…", scenario.label());
        let fake = FakeProcess::start_with_args(
            fake_bin,
            "rate-fleet",
            &work,
            86_400,
            0,
            &["--rate-limit".to_owned(), format!("{BURST}/{PER_SECOND}")],
        )?;
        let result = run_scenario(
            exe,
            node.as_deref(),
            &rt,
            &fake.info,
            scenario,
            redis_url,
            &work,
        )?;
        println!(
            "  {} calls, {} answered 429 ({:.2} %), bulk job {:.1} s ({:.2} × its physical limit), interactive added wait p50 {:.1} ms, p99 {:.1} ms",
            result.calls,
            result.answers_429,
            result.share_429_percent,
            result.completion_s,
            result.completion_ratio,
            result.interactive_added_wait_p50_ms,
            result.interactive_added_wait_p99_ms
        );
        scenarios.push(result);
        drop(fake);
    }
    let _ = std::fs::remove_dir_all(&work);
    let shared = scenarios
        .iter()
        .find(|s| s.scenario == Scenario::Shared)
        .ok_or("no shared scenario")?;
    let targets = vec![
        crate::report::Target::at_most(
            "rate fleet (b): share of calls answered 429, %",
            shared.share_429_percent,
            0.5,
        ),
        crate::report::Target::at_most(
            "rate fleet (b): bulk completion / physical limit",
            shared.completion_ratio,
            1.10,
        ),
        crate::report::Target::at_most(
            "rate fleet (b): interactive added wait p99, ms",
            shared.interactive_added_wait_p99_ms,
            100.0,
        ),
        crate::report::Target::at_most(
            "rate fleet (b): failed calls",
            shared.failed_calls as f64,
            0.0,
        ),
    ];
    let report = FleetReport {
        machine,
        scenarios,
        targets,
    };
    std::fs::write(
        out.join("rate_fleet.json"),
        serde_json::to_string_pretty(&report)? + "\n",
    )?;
    let md = markdown(&report);
    std::fs::write(out.join("rate_fleet.md"), &md)?;
    println!("\n{md}");
    Ok(report)
}

fn run_scenario(
    exe: &Path,
    node_package: Option<&Path>,
    rt: &tokio::runtime::Runtime,
    tenant: &TenantInfo,
    scenario: Scenario,
    redis_url: &str,
    work: &Path,
) -> Result<ScenarioResult, BoxError> {
    let stamp = unix_ms(SystemTime::now());
    let stop_file = work.join(format!("stop-{stamp}"));
    let start = SystemTime::now() + Duration::from_millis(4000);
    let key_prefix = format!("auth0-m2m-bench:rate:{}-{stamp}:", std::process::id());
    let mut children = Vec::new();
    for i in 0..=BULK_PROCESSES {
        let config = WorkerConfig {
            scenario,
            interactive: i == BULK_PROCESSES,
            tenant: tenant.clone(),
            redis_url: redis_url.to_owned(),
            key_prefix: key_prefix.clone(),
            start_unix_ms: unix_ms(start),
            stop_file: stop_file.clone(),
        };
        let mut command = match (scenario, node_package) {
            (Scenario::Node, Some(package)) => {
                let mut c = Command::new("node");
                c.arg(std::env::current_dir()?.join("bench/node/rate_fleet_worker.cjs"))
                    .env("AUTH0_NODE_PACKAGE", package)
                    .env("NODE_EXTRA_CA_CERTS", &tenant.ca_cert);
                c
            }
            (Scenario::Node, None) => {
                return Err("the node scenario needs RATE_FLEET_NODE_AUTH0".into());
            }
            _ => {
                let mut c = Command::new(exe);
                c.arg("rate-fleet-worker");
                c
            }
        };
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start a worker ({}): {e}", exe.display()))?;
        let mut stdin = child.stdin.take().ok_or("worker without stdin")?;
        stdin.write_all(serde_json::to_string(&config)?.as_bytes())?;
        drop(stdin);
        children.push((child, config.interactive));
    }
    // The counters when the fleet starts (the interactive worker's idle calls come before).
    let wait = start
        .duration_since(SystemTime::now())
        .unwrap_or_default()
        .saturating_sub(Duration::from_millis(100));
    std::thread::sleep(wait);
    let before = rt.block_on(api_stats(tenant))?;
    let mut bulk = Vec::new();
    let mut interactive_child = None;
    for (child, interactive) in children {
        if interactive {
            interactive_child = Some(child);
        } else {
            bulk.push(child);
        }
    }
    let read = |child: std::process::Child| -> Result<WorkerResult, BoxError> {
        let out = child.wait_with_output()?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(format!(
                "a rate-fleet worker failed ({})\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(serde_json::from_str(stdout.trim())
            .map_err(|e| format!("unexpected worker output {stdout:?}: {e}"))?)
    };
    let mut results = Vec::new();
    for child in bulk {
        results.push(read(child)?);
    }
    std::fs::write(&stop_file, "")?;
    let interactive = read(interactive_child.ok_or("no interactive worker")?)?;
    let after = rt.block_on(api_stats(tenant))?;

    let calls: u64 = results.iter().map(|r| r.calls).sum::<u64>() + interactive.calls;
    let failed: u64 = results.iter().map(|r| r.errors).sum::<u64>() + interactive.errors;
    let completion_s = results.iter().map(|r| r.finished_ms).fold(0.0, f64::max) / 1000.0;
    let requests = after.api_requests - before.api_requests;
    let answers_429 = after.api_429 - before.api_429;
    let mut added: Vec<f64> = interactive
        .latencies_ms
        .iter()
        .map(|l| (l - interactive.baseline_ms).max(0.0))
        .collect();
    added.sort_by(f64::total_cmp);
    let physical = physical_limit_s();
    Ok(ScenarioResult {
        scenario,
        label: scenario.label().to_owned(),
        calls,
        requests,
        answers_429,
        share_429_percent: if requests == 0 {
            0.0
        } else {
            answers_429 as f64 * 100.0 / requests as f64
        },
        failed_calls: failed,
        completion_s,
        physical_limit_s: physical,
        completion_ratio: completion_s / physical,
        interactive_calls: interactive.calls,
        interactive_added_wait_p50_ms: percentile(&added, 50.0),
        interactive_added_wait_p99_ms: percentile(&added, 99.0),
        interactive_added_wait_max_ms: added.last().copied().unwrap_or_default(),
    })
}

/// The `rate-fleet-worker` process: reads its config on stdin, prints its result as JSON.
pub(crate) fn worker_main() -> Result<(), BoxError> {
    let mut input = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)?;
    let config: WorkerConfig = serde_json::from_str(&input)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(worker(config))?;
    println!("{}", serde_json::to_string(&result)?);
    Ok(())
}

async fn worker(config: WorkerConfig) -> Result<WorkerResult, BoxError> {
    let client = crate::tenant::management_client(&config.tenant)?
        .with_redis_cache(config.redis_url.clone())
        .with_cache_key_prefix(config.key_prefix.clone())
        .with_rate_budget(config.scenario.budget())
        .build()?;
    client.token_provider().token().await?;
    let id = config.tenant.client_id.clone();
    let mut result = WorkerResult::default();
    if config.interactive {
        let mut idle = Vec::new();
        for _ in 0..BASELINE_CALLS {
            let t = Instant::now();
            client.clients().get(&id).await?;
            idle.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        idle.sort_by(f64::total_cmp);
        result.baseline_ms = percentile(&idle, 50.0);
    }
    let start = UNIX_EPOCH + Duration::from_millis(config.start_unix_ms);
    tokio::time::sleep(start.duration_since(SystemTime::now()).unwrap_or_default()).await;
    let started = Instant::now();
    if config.interactive {
        let mut tasks = Vec::new();
        let period = Duration::from_secs_f64(1.0 / INTERACTIVE_PER_SECOND);
        let mut tick = tokio::time::interval(period);
        while !config.stop_file.exists() {
            tick.tick().await;
            let client = client.clone();
            let id = id.clone();
            tasks.push(tokio::spawn(async move {
                let t = Instant::now();
                let r = client
                    .clients()
                    .get(&id)
                    .options(CallOptions::new().priority(Priority::Interactive))
                    .await;
                (r.map(drop).map_err(|e| e.to_string()), t.elapsed())
            }));
        }
        for t in tasks {
            let (r, took) = t.await?;
            result.calls += 1;
            match r {
                Ok(()) => result.latencies_ms.push(took.as_secs_f64() * 1000.0),
                Err(e) => {
                    result.errors += 1;
                    result.first_error.get_or_insert(e);
                }
            }
        }
    } else {
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..BULK_TASKS {
            let client = client.clone();
            let id = id.clone();
            let next = Arc::clone(&next);
            tasks.push(tokio::spawn(async move {
                let mut out = Vec::new();
                while next.fetch_add(1, Ordering::SeqCst) < BULK_CALLS {
                    let r = client
                        .clients()
                        .get(&id)
                        .options(
                            CallOptions::new()
                                .priority(Priority::Background)
                                .timeout(Duration::from_secs(60)),
                        )
                        .await;
                    out.push(r.map(drop).map_err(|e| e.to_string()));
                }
                out
            }));
        }
        for t in tasks {
            for r in t.await? {
                result.calls += 1;
                if let Err(e) = r {
                    result.errors += 1;
                    result.first_error.get_or_insert(e);
                }
            }
        }
    }
    result.finished_ms = started.elapsed().as_secs_f64() * 1000.0;
    result.answers_429 = client.rate_budget().rate_limited_answers;
    Ok(result)
}

/// The report as a Markdown table.
pub(crate) fn markdown(report: &FleetReport) -> String {
    let mut md = String::new();
    md.push_str(&format!(
        "Rate-budget fleet: {BULK_PROCESSES} processes × {BULK_CALLS} background calls ({BULK_TASKS} tasks each) and one process making {INTERACTIVE_PER_SECOND} interactive calls a second, against a tenant bucket of {BURST} / {PER_SECOND} per second; background share {BACKGROUND_SHARE} %; physical limit of the bulk job {:.2} s.\n\n",
        physical_limit_s()
    ));
    md.push_str("| scenario | calls | requests | 429 answers | 429 share | failed calls | bulk completion | × physical limit | interactive added wait p50 | p99 | max |\n");
    md.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for s in &report.scenarios {
        md.push_str(&format!(
            "| {} | {} | {} | {} | {:.2} % | {} | {:.1} s | {:.2} | {:.1} ms | {:.1} ms | {:.1} ms |\n",
            s.label,
            s.calls,
            s.requests,
            s.answers_429,
            s.share_429_percent,
            s.failed_calls,
            s.completion_s,
            s.completion_ratio,
            s.interactive_added_wait_p50_ms,
            s.interactive_added_wait_p99_ms,
            s.interactive_added_wait_max_ms
        ));
    }
    md.push('\n');
    for t in &report.targets {
        md.push_str(&format!(
            "- {}: {:.3} (target {}) {}\n",
            t.figure,
            t.value,
            t.target,
            if t.met { "met" } else { "NOT MET" }
        ));
    }
    md
}
