//! `auth0-m2m-bench`: measures what auth0-m2m costs and saves, against a local fake tenant
//! over TLS and a real Redis.
//!
//! ```text
//! auth0-m2m-bench run [--quick] [--out DIR] [--fake-bin PATH] [--redis-url URL]
//!                     [--processes P] [--tasks T] [--run-s R] [--token-lifetime-s L]
//! ```
//!
//! `run` measures the token economy of a fleet of processes, the hot path of `token()`, the
//! throughput of the Management API client next to a bare HTTP client, the memory of a client
//! and the latency tail of `token()` during refreshes, then writes `report.json`, `report.md`
//! and `token_timeline.png` into the output directory (default `target/bench`). The fake
//! tenant runs as a separate process (`auth0-m2m-fake`, by default next to this binary).
//! `economy-worker` and `memory-worker` are the worker processes `run` starts.
//!
//! `rate-fleet` runs the rate-budget fleet (8 processes of a bulk job and one interactive
//! caller against a tenant bucket of 50 / 40 per second, with the budget off and shared
//! through Redis) and writes `rate_fleet.json` and `rate_fleet.md`; `rate-fleet-worker` is its
//! worker process.
//!
//! `throughput [--quick]` measures the throughput alone, also with the client's telemetry
//! header off, and prints it as JSON (for looking into the ratio without a full run).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

mod economy;
mod hot_path;
mod memory;
mod plot;
mod rate_fleet;
mod report;
mod stats;
mod tenant;
mod throughput;

/// The error type of the benchmarks.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Settings of a `run`.
#[derive(Debug, Clone)]
struct Options {
    quick: bool,
    out: PathBuf,
    fake_bin: PathBuf,
    redis_url: String,
    processes: usize,
    tasks: usize,
    run_s: Option<u64>,
    token_lifetime_s: u64,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => parse_options(&args[1..]).and_then(run),
        Some("economy-worker") => economy::worker_main(),
        Some("memory-worker") => memory::worker_main(),
        Some("rate-fleet") => parse_options(&args[1..]).and_then(rate_fleet_only),
        Some("rate-fleet-worker") => rate_fleet::worker_main(),
        Some("throughput") => parse_options(&args[1..]).and_then(throughput_only),
        _ => Err(
            "usage: auth0-m2m-bench run [--quick] [--out DIR] [--fake-bin PATH] [--redis-url URL] \
             [--processes P] [--tasks T] [--run-s R] [--token-lifetime-s L]"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("auth0-m2m-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_options(args: &[String]) -> Result<Options, BoxError> {
    let exe = std::env::current_exe()?;
    let mut o = Options {
        quick: false,
        out: PathBuf::from("target/bench"),
        fake_bin: exe.with_file_name("auth0-m2m-fake"),
        redis_url: "redis://127.0.0.1:6379".to_owned(),
        processes: 8,
        tasks: 32,
        run_s: None,
        token_lifetime_s: 4,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--quick" {
            o.quick = true;
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?
            .clone();
        let number = |v: &str| {
            v.parse::<u64>()
                .map_err(|e| format!("{flag} {v:?}: {e}"))
                .and_then(|n| {
                    if n == 0 {
                        Err(format!("{flag} must be at least 1"))
                    } else {
                        Ok(n)
                    }
                })
        };
        match flag.as_str() {
            "--out" => o.out = PathBuf::from(value),
            "--fake-bin" => o.fake_bin = PathBuf::from(value),
            "--redis-url" => o.redis_url = value,
            "--processes" => o.processes = number(&value)? as usize,
            "--tasks" => o.tasks = number(&value)? as usize,
            "--run-s" => o.run_s = Some(number(&value)?),
            "--token-lifetime-s" => o.token_lifetime_s = number(&value)?,
            other => return Err(format!("unknown option {other:?}").into()),
        }
    }
    Ok(o)
}

/// The length and count of the throughput rounds per side: 10 × 0.8 s quick, 30 × 1 s in
/// full. Short alternating rounds keep the load of the machine alike for both sides.
fn throughput_rounds(quick: bool) -> (Duration, u32) {
    if quick {
        (Duration::from_millis(800), 10)
    } else {
        (Duration::from_secs(1), 30)
    }
}

/// The rate-budget fleet: budget off and budget shared through Redis, side by side; fails
/// when a target of the shared budget is unmet.
fn rate_fleet_only(o: Options) -> Result<(), BoxError> {
    let exe = std::env::current_exe()?;
    let report = rate_fleet::run(&exe, &o.fake_bin, &o.out, &o.redis_url)?;
    let unmet: Vec<&str> = report
        .targets
        .iter()
        .filter(|t| !t.met)
        .map(|t| t.figure.as_str())
        .collect();
    if unmet.is_empty() {
        Ok(())
    } else {
        Err(format!("unmet targets: {}", unmet.join("; ")).into())
    }
}

/// The throughput benchmark alone: bare client, default client, client without telemetry.
fn throughput_only(o: Options) -> Result<(), BoxError> {
    std::fs::create_dir_all(&o.out)?;
    let api = tenant::FakeProcess::start(&o.fake_bin, "throughput", &o.out, 86_400, 10)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (round, rounds) = throughput_rounds(o.quick);
    let result = rt.block_on(throughput::compare(&api.info, 32, round, rounds))?;
    println!("{}", serde_json::to_string_pretty(&result)?);
    Ok(())
}

fn run(o: Options) -> Result<(), BoxError> {
    let started = Instant::now();
    let exe = std::env::current_exe()?;
    std::fs::create_dir_all(&o.out)
        .map_err(|e| format!("cannot create {}: {e}", o.out.display()))?;
    let work_dir = o.out.join("work");
    std::fs::create_dir_all(&work_dir)?;
    let machine = report::Machine::detect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (batch, repetitions) = (hot_path::BATCH, hot_path::REPETITIONS);
    let (round, rounds) = throughput_rounds(o.quick);
    let fleet = economy::Fleet {
        processes: o.processes,
        tasks: o.tasks,
        token_lifetime_s: o.token_lifetime_s,
        run_s: o.run_s.unwrap_or(if o.quick { 12 } else { 40 }),
        redis_url: o.redis_url.clone(),
    };

    println!("starting the fake tenants ({})…", o.fake_bin.display());
    let mut api = tenant::FakeProcess::start(&o.fake_bin, "api", &work_dir, 86_400, 10)?;
    let mut short =
        tenant::FakeProcess::start(&o.fake_bin, "economy", &work_dir, o.token_lifetime_s, 10)?;

    println!(
        "hot path: token() on a warm provider, {repetitions} × {batch} calls per thread count…"
    );
    let hot_path = hot_path::run(&api.info, batch, repetitions)?;
    println!(
        "  {:.1} ns (1 thread), {:.1} ns (2 threads)",
        hot_path.ns_p50_1t, hot_path.ns_p50_2t
    );

    println!(
        "throughput: GET /api/v2/clients at concurrency 32, {rounds} rounds of {round:?} per side…"
    );
    let throughput = rt.block_on(throughput::run(&api.info, 32, round, rounds))?;
    println!(
        "  bare {:.0}/s, client {:.0}/s, ratio {:.3}",
        throughput.raw_rps, throughput.facade_rps, throughput.ratio
    );
    api.check_alive()?;

    println!("memory: peak RSS after {} calls…", memory::CALLS);
    let memory = memory::run(&exe, &api.info)?;
    println!("  {} KiB", memory.rss_kib);

    println!("token economy and refresh tail…");
    let (token_economy, refresh_tail) =
        rt.block_on(economy::run(&exe, &short.info, &fleet, &work_dir))?;
    short.check_alive()?;
    drop((api, short));

    let mut machine = machine;
    machine.loadavg_end = report::loadavg();
    let mut report = report::Report {
        quick: o.quick,
        finished_unix_s: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs(),
        elapsed_s: started.elapsed().as_secs_f64(),
        machine,
        token_economy,
        hot_path,
        throughput,
        memory,
        refresh_tail,
        targets: Vec::new(),
    };
    report.evaluate();
    let json = o.out.join("report.json");
    std::fs::write(&json, serde_json::to_string_pretty(&report)? + "\n")?;
    let md = report.markdown();
    std::fs::write(o.out.join("report.md"), &md)?;
    let png = o.out.join("token_timeline.png");
    plot::draw(&report.token_economy, &png)
        .map_err(|e| format!("drawing {}: {e}", png.display()))?;
    let _ = std::fs::remove_dir_all(&work_dir);
    println!("\n{md}");
    println!(
        "wrote {}, {} and {}",
        json.display(),
        o.out.join("report.md").display(),
        png.display()
    );
    Ok(())
}
