//! Project automation for the auth0-m2m workspace.
//!
//! ```text
//! cargo xtask ci            codegen --check, fmt, clippy, tests, docs, each feature alone,
//!                           conformance, chaos
//! cargo xtask fake [ARGS]   run the local Auth0 tenant (arguments go to auth0-m2m-fake)
//! cargo xtask bench [--quick] [--explore]
//!                           benchmarks; writes target/bench/report.{json,md} and a PNG;
//!                           fails on an unmet target unless --explore
//! cargo xtask codegen [--check]  write (or check) the code generated from Auth0's API description
//! cargo xtask e2e          every operation through ManagementClient against the fake tenant;
//!                           prints `e2e: N/452 operations answered`, fails below 452,
//!                           and validates every answer against the description (`schema
//!                           validation: …`), failing on any invalid one
//! cargo xtask conformance   check the models against Auth0's spec and recorded responses;
//!                           fails when the data is present but 0 recordings were checked
//! cargo xtask coverage      how many of the spec's operations are modeled, by resource
//! cargo xtask chaos [--seconds N]   a worker fleet under injected faults (default 60 s);
//!                           fails on a failed call, no calls, or faults not injected as scheduled
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

mod bench;
mod chaos;
mod conformance;

/// Each optional feature, checked alone: `(package, feature)`.
const FEATURES_ALONE: &[(&str, &str)] = &[
    ("auth0-m2m-token", "private-key-jwt"),
    ("auth0-m2m-cache", "file"),
    ("auth0-m2m-cache", "redis"),
    ("auth0-m2m", "file"),
    ("auth0-m2m", "redis"),
    ("auth0-m2m", "private-key-jwt"),
    ("auth0-m2m-management", "flows"),
    ("auth0-m2m", "actions"),
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(&root),
        Some("fake") => fake(&root, &args[1..]),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("conformance") => conformance::run(&root).and_then(|s| s.gate()),
        Some("codegen") => auth0_m2m_codegen::run(&root, &args[1..]),
        Some("e2e") => e2e(&root),
        Some("coverage") => conformance::coverage(&root).map(|_| ()),
        Some("chaos") => chaos::run(&root, &args[1..]),
        Some("help") | Some("--help") | Some("-h") | None => {
            print_help();
            Ok(())
        }
        Some(other) => Err(format!("unknown task {other:?}; run `cargo xtask help`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_help() {
    println!(
        "usage: cargo xtask <task>\n\n\
         tasks:\n  \
         ci            codegen --check, fmt, clippy, tests, docs, each feature alone,\n                \
         conformance, chaos\n  \
         fake [ARGS]   run the local Auth0 tenant (ARGS go to auth0-m2m-fake; try --help)\n  \
         bench [--quick] [--explore]\n                \
         token economy, hot path, throughput, memory, refresh tail; fails when a\n                \
         target is unmet (naming it) unless --explore, which only reports\n  \
         codegen [--check]  write the code generated from Auth0's API description (with\n                \
         --check: fail when the checked-in code differs)\n  \
         e2e           every operation through ManagementClient against the fake tenant;\n                \
         fails below every operation answered or on an answer invalid\n                \
         against the description\n  \
         conformance   check the models against Auth0's spec and recorded responses;\n                \
         fails when ../shared/auth0 is present but 0 recordings were checked\n  \
         coverage      how many of the spec's operations are modeled, by resource\n  \
         chaos [--seconds N]  a worker fleet under injected faults (default 60 s); fails on\n                \
         a failed or missing user call, or faults not injected as scheduled\n"
    );
}

/// The workspace root: the parent of this crate's directory.
fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or(manifest_dir)
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}

/// Runs one step, printing its name and duration; fails with the step's name.
fn step(name: &str, mut cmd: Command) -> Result<(), String> {
    println!("==> {name}");
    let started = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("{name}: could not start: {e}"))?;
    println!("<== {name}: {:.1?}", started.elapsed());
    if status.success() {
        Ok(())
    } else {
        Err(format!("step failed: {name} ({status})"))
    }
}

fn has_nextest() -> bool {
    cargo()
        .args(["nextest", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn ci(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    if auth0_m2m_codegen::spec_path(root).is_file() {
        println!("==> codegen --check (generated code against Auth0's API description)");
        auth0_m2m_codegen::run(root, &["--check".to_owned()])?;
    } else {
        println!("==> codegen --check: skipped, Auth0's API description is not present");
    }
    let mut cmd = cargo();
    cmd.current_dir(root).args(["fmt", "--all", "--check"]);
    step("cargo fmt --all --check", cmd)?;

    let mut cmd = cargo();
    cmd.current_dir(root).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]);
    step("cargo clippy (all targets, all features, -D warnings)", cmd)?;

    // Every test but the end-to-end run of every operation, which the e2e step below runs
    // once and checks the lines of.
    if has_nextest() {
        let mut cmd = cargo();
        cmd.current_dir(root).args([
            "nextest",
            "run",
            "--workspace",
            "--all-features",
            "--no-fail-fast",
            "-E",
            &format!("not test({E2E_TEST})"),
        ]);
        step("cargo nextest run --workspace --all-features", cmd)?;
    } else {
        println!("cargo-nextest not found: running the tests with cargo test");
        let mut cmd = cargo();
        cmd.current_dir(root).args([
            "test",
            "--workspace",
            "--all-features",
            "--all-targets",
            "--",
            "--skip",
            E2E_TEST,
        ]);
        step("cargo test --workspace --all-features", cmd)?;
    }
    let mut cmd = cargo();
    cmd.current_dir(root)
        .args(["test", "--workspace", "--all-features", "--doc"]);
    step("cargo test --doc (documentation examples)", cmd)?;

    let mut cmd = cargo();
    cmd.current_dir(root)
        .env("RUSTDOCFLAGS", "-D warnings")
        .args(["doc", "--workspace", "--no-deps", "--all-features"]);
    step("cargo doc --workspace --no-deps (warnings denied)", cmd)?;

    for (package, feature) in FEATURES_ALONE {
        let mut cmd = cargo();
        cmd.current_dir(root).args([
            "check",
            "-p",
            package,
            "--no-default-features",
            "--features",
            feature,
        ]);
        step(
            &format!("cargo check -p {package} --features {feature} (alone)"),
            cmd,
        )?;
    }

    println!("==> e2e (every operation against the fake tenant)");
    e2e(root)?;

    println!("==> conformance (models against ../shared/auth0)");
    conformance::run(root).and_then(|s| s.gate())?;

    println!("==> chaos (15 s fleet under injected faults)");
    chaos::run(root, &["--seconds".to_owned(), "15".to_owned()])?;

    println!("ci: all steps passed in {:.1?}", started.elapsed());
    Ok(())
}

/// The generated end-to-end test of every operation.
const E2E_TEST: &str = "every_operation_is_answered";

/// Runs the generated end-to-end test and checks its `e2e: N/M operations answered` line and
/// its `schema validation: … 0 invalid …` line.
fn e2e(root: &Path) -> Result<(), String> {
    let out = cargo()
        .current_dir(root)
        .args([
            "test",
            "-p",
            "auth0-m2m",
            "--all-features",
            "--test",
            "every_operation",
            "--",
            "--nocapture",
        ])
        .output()
        .map_err(|e| format!("could not run the e2e test: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The test's line starting with `prefix`, echoed.
    let echoed = |prefix: &str| {
        let line = stdout.lines().find(|l| l.starts_with(prefix))?;
        println!("{line}");
        Some(line.to_owned())
    };
    let line = echoed("e2e: ");
    let schema = echoed("schema validation: ");
    if !out.status.success() {
        eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
        return Err(
            "e2e: not every operation was answered with a body valid against the description"
                .to_owned(),
        );
    }
    // The test fails on an invalid answer; without the description beside the workspace it
    // validates nothing and says so, and with it a run without the line validated nothing.
    let described = auth0_m2m_codegen::spec_path(root).is_file();
    if described && !schema.is_some_and(|l| l.contains(" 0 invalid")) {
        return Err("e2e: the answers were not validated against the description".to_owned());
    }
    let counts = line
        .as_deref()
        .and_then(|l| l.strip_prefix("e2e: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.split_once('/'))
        .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)));
    match counts {
        Some((answered, total)) if answered == total && total > 0 => Ok(()),
        Some((answered, total)) => Err(format!("e2e: {answered}/{total} operations answered")),
        None => Err("e2e: the test printed no `e2e: N/M operations answered` line".to_owned()),
    }
}

fn fake(root: &Path, args: &[String]) -> Result<(), String> {
    // `cargo xtask fake -- --http` and `cargo xtask fake --http` mean the same.
    let args = match args.first().map(String::as_str) {
        Some("--") => &args[1..],
        _ => args,
    };
    let mut cmd = cargo();
    cmd.current_dir(root)
        .args(["run", "--quiet", "-p", "auth0-m2m-fake", "--"])
        .args(args);
    let status = cmd
        .status()
        .map_err(|e| format!("could not start the fake tenant: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the fake tenant exited with {status}"))
    }
}
