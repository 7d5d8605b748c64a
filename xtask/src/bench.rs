//! `cargo xtask bench [--quick] [OPTIONS]`: builds the benchmark and the fake tenant with
//! `--release` and runs every benchmark against the fake tenant (over TLS, in its own process)
//! and the Redis at `redis://127.0.0.1:6379`.
//!
//! Writes `target/bench/report.json`, `target/bench/report.md` and
//! `target/bench/token_timeline.png`; a full run (without `--quick`) also copies the timeline
//! to `bench-timeline.png` next to `BENCHMARKS.md`. Other options go to `auth0-m2m-bench run`
//! (`--redis-url URL`, `--processes P`, `--tasks T`, `--run-s R`, `--token-lifetime-s L`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds and runs the benchmarks.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "usage: cargo xtask bench [--quick] [--redis-url URL] [--processes P] [--tasks T] \
             [--run-s R] [--token-lifetime-s L]\n\n\
             --quick finishes in under 3 minutes on 2 cores (after building)."
        );
        return Ok(());
    }
    let quick = args.iter().any(|a| a == "--quick");
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
    let target = target_dir(root);
    let release = target.join("release");
    let out = target.join("bench");
    let status = Command::new(release.join("auth0-m2m-bench"))
        .current_dir(root)
        .arg("run")
        .arg("--out")
        .arg(&out)
        .arg("--fake-bin")
        .arg(release.join("auth0-m2m-fake"))
        .args(args)
        .status()
        .map_err(|e| format!("could not start auth0-m2m-bench: {e}"))?;
    if !status.success() {
        return Err(format!("the benchmarks failed ({status})"));
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

/// Cargo's target directory: `CARGO_TARGET_DIR` (relative to the root) or `target`.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}
