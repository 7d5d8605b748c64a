//! `cargo xtask bench [--quick] [--explore] [OPTIONS]`: builds the benchmark and the fake
//! tenant with `--release` and runs every benchmark against the fake tenant (over TLS, in its
//! own process) and the Redis at `redis://127.0.0.1:6379`.
//!
//! Writes `target/bench/report.json`, `target/bench/report.md` and
//! `target/bench/token_timeline.png`. The run is a gate: it fails (exit status non-zero, naming
//! them) when a target of the report is unmet, or when the report holds no target at all.
//! `--explore` reports unmet targets without failing, for local work. A full run (without
//! `--quick`) whose targets are met, or any full `--explore` run, also copies the timeline to
//! `bench-timeline.png` next to `BENCHMARKS.md`.
//!
//! `cargo xtask bench --first-run [--rounds N]` times the README's main job on a fresh clone
//! against a floor program instead (see `first_run`).
//!
//! `cargo xtask bench --rate-fleet` runs the rate-budget fleet instead (budget off and shared
//! through Redis, side by side; see `bench/src/rate_fleet.rs`), writes
//! `target/bench/rate_fleet.json` and `rate_fleet.md`, and fails when a target is unmet. Other options go to `auth0-m2m-bench run`
//! (`--redis-url URL`, `--processes P`, `--tasks T`, `--run-s R`, `--token-lifetime-s L`).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The usage text of `cargo xtask bench --help`.
const USAGE: &str =
    "usage: cargo xtask bench [--quick] [--explore] [--redis-url URL] [--processes P] \
[--tasks T] [--run-s R] [--token-lifetime-s L]

  --quick    shorter runs: finishes in under 3 minutes on 2 cores (after building)
  --explore  report unmet targets without failing (for local work); without it, any unmet
             target makes the task fail, naming the targets
  --rate-fleet
             run the rate-budget fleet instead: 8 processes × 100 background calls and one
             interactive caller against a tenant bucket of 50 / 40 per second, with the
             budget off and shared through Redis; writes target/bench/rate_fleet.json and .md
  --first-run [--rounds N]
             time the README's main job from an empty target directory against the floor
             program, in N rounds (default 5) of floor, main, main, floor; fails when the
             median ratio is above 1.25; writes target/bench/first_run.json and .md

Writes target/bench/report.json, report.md and token_timeline.png.";

/// Builds and runs the benchmarks, then checks the report's targets.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<(), String> {
    // `--first-run --help` shows the first-run task's own usage.
    if args.iter().any(|a| a == "--first-run") {
        return crate::first_run::run(root, &crate::sdk::target_dir(root), args);
    }
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return Ok(());
    }
    let quick = args.iter().any(|a| a == "--quick");
    let explore = args.iter().any(|a| a == "--explore");
    let bench_args: Vec<&String> = args.iter().filter(|a| *a != "--explore").collect();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    println!("==> cargo build --release -p auth0-m2m-bench -p auth0-m2m-fake");
    let status = Command::new(&cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "-p",
            "auth0-m2m-bench",
            "-p",
            "auth0-m2m-fake",
        ])
        .status()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building the benchmarks failed ({status})"));
    }
    let target = crate::sdk::target_dir(root);
    let release = target.join("release");
    let out = target.join("bench");
    if args.iter().any(|a| a == "--rate-fleet") {
        let status = Command::new(release.join("auth0-m2m-bench"))
            .current_dir(root)
            .arg("rate-fleet")
            .arg("--out")
            .arg(&out)
            .arg("--fake-bin")
            .arg(release.join("auth0-m2m-fake"))
            .args(
                args.iter()
                    .filter(|a| !matches!(a.as_str(), "--rate-fleet" | "--explore" | "--quick")),
            )
            .status()
            .map_err(|e| format!("could not start auth0-m2m-bench: {e}"))?;
        return if status.success() || explore {
            Ok(())
        } else {
            Err(format!(
                "the rate-budget fleet failed or missed a target ({status})"
            ))
        };
    }
    // A report left by an earlier run must not be mistaken for this run's.
    let report_path = out.join("report.json");
    if report_path.exists() {
        std::fs::remove_file(&report_path)
            .map_err(|e| format!("removing {}: {e}", report_path.display()))?;
    }
    let status = Command::new(release.join("auth0-m2m-bench"))
        .current_dir(root)
        .arg("run")
        .arg("--out")
        .arg(&out)
        .arg("--fake-bin")
        .arg(release.join("auth0-m2m-fake"))
        .args(bench_args)
        .status()
        .map_err(|e| format!("could not start auth0-m2m-bench: {e}"))?;
    if !status.success() {
        return Err(format!("the benchmarks failed ({status})"));
    }
    let text = std::fs::read(&report_path)
        .map_err(|e| format!("reading {}: {e}", report_path.display()))?;
    let report: Value = serde_json::from_slice(&text)
        .map_err(|e| format!("{} is not JSON: {e}", report_path.display()))?;
    let gate = gate(&report, explore)?;
    for line in &gate.lines {
        println!("{line}");
    }
    if !quick {
        let png = out.join("token_timeline.png");
        let copy = root.join("bench-timeline.png");
        std::fs::copy(&png, &copy)
            .map_err(|e| format!("copying {} to {}: {e}", png.display(), copy.display()))?;
        println!("copied the timeline to {}", copy.display());
    }
    Ok(())
}

/// What the gate prints when it passes.
#[derive(Debug)]
pub(crate) struct Gate {
    pub(crate) lines: Vec<String>,
}

/// One target of the report that the run did not meet, as `figure = value (target: bound)`.
fn unmet_targets(report: &Value) -> Result<(usize, Vec<String>), String> {
    let targets = report
        .get("targets")
        .and_then(Value::as_array)
        .ok_or("the benchmark report has no `targets` list")?;
    if targets.is_empty() {
        return Err("the benchmark report evaluated no target: nothing was checked".to_owned());
    }
    let mut unmet = Vec::new();
    for t in targets {
        let figure = t.get("figure").and_then(Value::as_str).unwrap_or("?");
        let met = t
            .get("met")
            .and_then(Value::as_bool)
            .ok_or_else(|| format!("target {figure:?} has no boolean `met`"))?;
        if !met {
            let value = t.get("value").map(Value::to_string).unwrap_or_default();
            let bound = t.get("target").and_then(Value::as_str).unwrap_or("?");
            unmet.push(format!("{figure} = {value} (target: {bound})"));
        }
    }
    Ok((targets.len(), unmet))
}

/// The gate: every target met, or `explore`, which reports unmet targets without failing.
pub(crate) fn gate(report: &Value, explore: bool) -> Result<Gate, String> {
    let (total, unmet) = unmet_targets(report)?;
    if unmet.is_empty() {
        return Ok(Gate {
            lines: vec![format!("bench: all {total} targets met")],
        });
    }
    let list = unmet.join("; ");
    if explore {
        let mut lines = vec![format!(
            "bench (explore): {} of {total} targets unmet; this run would fail without --explore",
            unmet.len()
        )];
        lines.extend(unmet.iter().map(|u| format!("  unmet: {u}")));
        Ok(Gate { lines })
    } else {
        Err(format!(
            "bench: {} of {total} targets unmet: {list} (use --explore to report without failing)",
            unmet.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(targets: Value) -> Value {
        json!({"quick": true, "targets": targets})
    }

    #[test]
    fn all_targets_met_passes() {
        let r = report(json!([
            {"figure": "hot_path.ns_p50_1t", "value": 40.0, "target": "<= 100", "met": true},
            {"figure": "throughput.ratio", "value": 0.99, "target": ">= 0.95", "met": true},
        ]));
        let g = gate(&r, false).expect("passes");
        assert_eq!(g.lines, ["bench: all 2 targets met"]);
        assert!(gate(&r, true).is_ok());
    }

    #[test]
    fn an_unmet_target_fails_and_is_named() {
        let r = report(json!([
            {"figure": "hot_path.ns_p50_1t", "value": 40.0, "target": "<= 100", "met": true},
            {"figure": "refresh_tail.max_ns", "value": 2500000.0, "target": "<= 1000000", "met": false},
            {"figure": "throughput.ratio", "value": 0.9, "target": ">= 0.95", "met": false},
        ]));
        let err = gate(&r, false).expect_err("unmet targets fail");
        assert!(err.starts_with("bench: 2 of 3 targets unmet: "), "{err}");
        assert!(
            err.contains("refresh_tail.max_ns = 2500000.0 (target: <= 1000000)"),
            "{err}"
        );
        assert!(
            err.contains("throughput.ratio = 0.9 (target: >= 0.95)"),
            "{err}"
        );
        assert!(!err.contains("hot_path"), "{err}");
    }

    #[test]
    fn explore_reports_unmet_targets_without_failing() {
        let r = report(json!([
            {"figure": "throughput.ratio", "value": 0.9, "target": ">= 0.95", "met": false},
        ]));
        let g = gate(&r, true).expect("explore never fails on targets");
        assert!(
            g.lines[0].starts_with("bench (explore): 1 of 1 targets unmet"),
            "{g:?}"
        );
        assert_eq!(
            g.lines[1],
            "  unmet: throughput.ratio = 0.9 (target: >= 0.95)"
        );
    }

    #[test]
    fn a_report_without_targets_fails_even_in_explore_mode() {
        for r in [
            report(json!([])),
            json!({"quick": true}),
            report(json!("x")),
        ] {
            assert!(gate(&r, false).is_err(), "{r}");
            assert!(gate(&r, true).is_err(), "{r}");
        }
        let r = report(json!([{"figure": "x", "value": 1.0, "target": "<= 2"}]));
        let err = gate(&r, true).expect_err("met is missing");
        assert!(err.contains("no boolean `met`"), "{err}");
    }
}
