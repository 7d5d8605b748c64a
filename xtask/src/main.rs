//! Project automation for the auth0-m2m workspace.
//!
//! ```text
//! cargo xtask ci [--without-reference-data] [--without-sdk-clients]
//!                           codegen --check, fmt, clippy, tests, docs, each feature alone,
//!                           e2e, conformance, replay, sdk clients, deploy cli, chaos; fails at
//!                           once when Auth0's reference data (../shared/auth0) is absent,
//!                           unless --without-reference-data, which skips the steps that need it
//!                           and names them in the last line; --without-sdk-clients skips the
//!                           official SDKs' and the Deploy CLI's runs (they install from a
//!                           package registry), named there too
//! cargo xtask fake [ARGS]   run the local Auth0 tenant (arguments go to auth0-m2m-fake)
//! cargo xtask bench [--quick] [--explore]
//!                           benchmarks; writes target/bench/report.{json,md} and a PNG;
//!                           fails on an unmet target unless --explore
//! cargo xtask bench --first-run [--rounds N] [--explore]
//!                           the README's main job from an empty target directory against the
//!                           floor program, N rounds; writes target/bench/first_run.{json,md}
//! cargo xtask codegen [--check]  write (or check) the code generated from Auth0's API description
//! cargo xtask e2e [--without-reference-data]
//!                           every operation through ManagementClient against the fake tenant;
//!                           prints `e2e: N/M operations answered`, fails unless N and M are the
//!                           count of operations xtask reads from the description, and
//!                           validates every answer and request against the description
//!                           (`schema validation: …`), failing on any invalid one
//! cargo xtask conformance [--without-reference-data]
//!                           check the models against Auth0's spec and recorded responses;
//!                           fails below the checked-in floor of conformance-floor.json
//! cargo xtask replay [--update-floor] [--only TEXT] [--without-reference-data]
//!                           replay every recording of ../shared/auth0 against a fresh fake
//!                           tenant, ids mapped; reports same status, same type and lacking
//!                           keys by route (target/replay-report.json); fails when worse than
//!                           xtask/replay-floor.json, which --update-floor rewrites
//! cargo xtask sdk-clients   Auth0's official Node (npm `auth0`) and Python (PyPI `auth0-python`)
//!                           SDKs, at the versions pinned in tests/sdk, installed once into
//!                           target/sdk-clients, create, read, update, list and delete objects
//!                           of the fake tenant binary over TLS; fails naming the script and step
//! cargo xtask deploy-cli    Auth0's Deploy CLI (npm `auth0-deploy-cli`, pinned in
//!                           tests/deploy-cli, installed once into target/sdk-clients) exports a
//!                           seeded fake tenant, imports the export into a fresh one and exports
//!                           that; fails unless the two exports agree (less what Auth0 assigns
//!                           per tenant and the tool's own defaults, each listed with why)
//! cargo xtask coverage      how many of the spec's operations are modeled, by resource
//! cargo xtask mutants [--file PATH]...
//!                           mutation testing (cargo-mutants) of the token exchange, the refresh
//!                           policy and the cache's record and lease code with each crate's own
//!                           tests; fails below 95 % of the viable mutants caught
//! cargo xtask chaos [--seconds N]   a worker fleet under injected faults (default 60 s);
//!                           fails on a failed call, no calls, or faults not injected as scheduled
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

mod bench;
mod chaos;
mod conformance;
mod deploy_cli;
mod first_run;
mod mutants;
mod replay;
mod sdk;

/// What an example must print: a check of its standard output that says, when it holds, what
/// it found.
type OutputCheck = fn(&str) -> Result<String, String>;

/// The examples `cargo xtask ci` runs, each against the fake tenant it starts itself, with the
/// features the README gives for it (`""`: the defaults, as for the main job) and the check of
/// its output, if any.
const EXAMPLES_RUN: &[(&str, &str, Option<OutputCheck>)] = &[
    ("list_clients", "", Some(check_main_job_output)),
    ("log_streams", "log_streams", None),
    ("actions", "actions", None),
    ("organizations", "organizations,roles,users", None),
];

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
        Some("ci") => ci(&root, &args[1..]),
        Some("fake") => fake(&root, &args[1..]),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("conformance") => {
            reference_data(&root, &args[1..], &["conformance"]).and_then(|skipped| {
                if skipped.is_empty() {
                    conformance::run(&root).and_then(|s| s.gate())
                } else {
                    println!("{}", closing_line("conformance", None, &skipped, false));
                    Ok(())
                }
            })
        }
        Some("replay") => {
            let (data, own): (Vec<String>, Vec<String>) = args[1..]
                .iter()
                .cloned()
                .partition(|a| a == WITHOUT_REFERENCE_DATA);
            reference_data(&root, &data, &["replay"]).and_then(|skipped| {
                if skipped.is_empty() {
                    replay::run(&root, &own)
                } else {
                    println!("{}", closing_line("replay", None, &skipped, false));
                    Ok(())
                }
            })
        }
        Some("codegen") => auth0_m2m_codegen::run(&root, &args[1..]),
        Some("e2e") => reference_data(&root, &args[1..], &["e2e schema validation"])
            .and_then(|skipped| e2e(&root, skipped.is_empty())),
        Some("sdk-clients") => sdk::run(&root, &args[1..]),
        Some("deploy-cli") => deploy_cli::run(&root, &args[1..]),
        Some("coverage") => conformance::coverage(&root).map(|_| ()),
        Some("chaos") => chaos::run(&root, &args[1..]),
        Some("mutants") => mutants::run(&root, &args[1..]),
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
         ci [--without-reference-data] [--without-sdk-clients]\n                \
         codegen --check, fmt, clippy, tests, docs, each feature alone, e2e,\n                \
         conformance, replay, sdk clients, deploy cli, chaos; fails when\n                \
         ../shared/auth0 is\n                \
         absent unless --without-reference-data, which names the skipped steps in\n                \
         the last line; --without-sdk-clients skips the official SDKs and the\n                \
         Deploy CLI (named too)\n  \
         fake [ARGS]   run the local Auth0 tenant (ARGS go to auth0-m2m-fake; try --help)\n  \
         bench [--quick] [--explore]\n                \
         token economy, hot path, throughput, memory, refresh tail; fails when a\n                \
         target is unmet (naming it) unless --explore, which only reports\n  \
         bench --first-run [--rounds N]\n                \
         the README's main job from an empty target directory against the floor\n                \
         program (BENCHMARKS.md); fails when the median ratio is above 1.25\n  \
         codegen [--check]  write the code generated from Auth0's API description (with\n                \
         --check: fail when the checked-in code differs)\n  \
         e2e           every operation through ManagementClient against the fake tenant;\n                \
         fails below every operation of the description answered, or on an\n                \
         answer or request invalid against the description\n  \
         conformance   check the models against Auth0's spec and recorded responses;\n                \
         fails below the checked-in floor (xtask/conformance-floor.json)\n  \
         replay [--update-floor] [--only TEXT]\n                \
         replay every recording of ../shared/auth0 against a fresh fake tenant,\n                \
         ids mapped from answers to later requests; reports same status, same\n                \
         top-level type and lacking keys, mismatches by route, and writes\n                \
         target/replay-report.json; fails when worse than xtask/replay-floor.json\n                \
         (--update-floor writes the current figures there; --only replays the\n                \
         files whose path holds TEXT and prints every interaction)\n  \
         sdk-clients   the official Node and Python SDKs (pinned in tests/sdk, installed\n                \
         once into target/sdk-clients) create, read, update, list and delete\n                \
         through the fake tenant binary over TLS; fails naming script and step\n  \
         deploy-cli    Auth0's Deploy CLI (pinned in tests/deploy-cli, installed once into\n                \
         target/sdk-clients) exports a seeded fake tenant, imports the export into\n                \
         a fresh one and exports that; fails unless the exports agree, less what\n                \
         Auth0 assigns per tenant and the tool's own defaults (each listed)\n  \
         coverage      how many of the spec's operations are modeled, by resource\n  \
         mutants [--file PATH]...  mutation testing of the token exchange, the refresh policy\n                \
         and the cache's record and lease code; fails below 95 % caught\n  \
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

/// A cargo command without the variables `cargo run` gives xtask about its own package
/// (`CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`…): build scripts that watch them (ring's) would see
/// them differ between the build of xtask and the builds xtask runs, and rebuild each time.
fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(is_own_package_variable) {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// Whether `cargo run` sets the variable for the program it runs, about the program's package.
fn is_own_package_variable(name: &str) -> bool {
    name.starts_with("CARGO_PKG_")
        || matches!(
            name,
            "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_MANIFEST_LINKS"
                | "CARGO_CRATE_NAME"
                | "CARGO_BIN_NAME"
                | "CARGO_PRIMARY_PACKAGE"
        )
}

/// Runs one step, printing its name and duration; fails with the step's name.
fn step(name: &str, cmd: Command) -> Result<(), String> {
    run_step(name, cmd).map(drop)
}

/// [`step`], returning what the command wrote on its standard output when that is piped
/// (empty otherwise).
fn run_step(name: &str, mut cmd: Command) -> Result<Vec<u8>, String> {
    println!("==> {name}");
    let started = Instant::now();
    let out = cmd
        .spawn()
        .and_then(|child| child.wait_with_output())
        .map_err(|e| format!("{name}: could not start: {e}"))?;
    println!("<== {name}: {:.1?}", started.elapsed());
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!("step failed: {name} ({})", out.status))
    }
}

/// The main job's standard output must be one JSON array of client objects, none holding a
/// `client_secret`. Says how many clients it holds.
fn check_main_job_output(stdout: &str) -> Result<String, String> {
    let value: serde_json::Value = serde_json::from_str(stdout)
        .map_err(|e| format!("its output is not one JSON document: {e}"))?;
    let clients = value
        .as_array()
        .ok_or("its output is not a JSON array of clients")?;
    if clients.is_empty() {
        return Err("it printed no client (the fake tenant holds several hundred)".into());
    }
    for (i, c) in clients.iter().enumerate() {
        let obj = c
            .as_object()
            .ok_or_else(|| format!("item {i} is not a client object"))?;
        if !obj.contains_key("client_id") {
            return Err(format!("item {i} has no client_id"));
        }
        if obj.contains_key("client_secret") {
            return Err(format!("client {i} was printed with its client_secret"));
        }
    }
    Ok(format!(
        "{} clients printed, no client secret among them",
        clients.len()
    ))
}

fn has_nextest() -> bool {
    cargo()
        .args(["nextest", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The option that lets a task run without Auth0's reference data, skipping what needs it.
const WITHOUT_REFERENCE_DATA: &str = "--without-reference-data";

/// The steps of `cargo xtask ci` that need Auth0's reference data (`../shared/auth0`).
const NEEDS_REFERENCE_DATA: &[&str] = &[
    "codegen --check",
    "e2e schema validation",
    "conformance",
    "replay",
];

/// Decides what a task does about Auth0's reference data: with the data present, nothing is
/// skipped; without it, the task fails naming what would be skipped, unless `args` hold
/// [`WITHOUT_REFERENCE_DATA`], in which case it returns the `steps` to skip.
fn reference_data(
    root: &Path,
    args: &[String],
    steps: &[&'static str],
) -> Result<Vec<&'static str>, String> {
    if let Some(other) = args.iter().find(|a| *a != WITHOUT_REFERENCE_DATA) {
        return Err(format!(
            "unknown option {other:?}; the only option is {WITHOUT_REFERENCE_DATA}"
        ));
    }
    let present = auth0_m2m_codegen::spec_path(root).is_file();
    skipped_steps(
        present,
        args.iter().any(|a| a == WITHOUT_REFERENCE_DATA),
        steps,
    )
}

/// The steps to skip: none with the data present, all of `steps` with the opt-out, and an
/// error naming them otherwise.
fn skipped_steps(
    present: bool,
    opted_out: bool,
    steps: &[&'static str],
) -> Result<Vec<&'static str>, String> {
    match (present, opted_out) {
        (true, _) => Ok(Vec::new()),
        (false, true) => Ok(steps.to_vec()),
        (false, false) => Err(format!(
            "Auth0's reference data is not at ../shared/auth0 (the API description and the \
             recordings), so these steps could not run: {}. Put the data beside the workspace, \
             or pass {WITHOUT_REFERENCE_DATA} to run the rest and have the skipped steps named \
             in the last line",
            steps.join(", ")
        )),
    }
}

/// The `cargo xtask ci` steps that `--without-sdk-clients` skips: they install from a package
/// registry.
const SDK_CLIENTS_STEP: &str = "sdk clients";
const DEPLOY_CLI_STEP: &str = "deploy cli";

/// The last line of a task that passed: "all steps passed" only when nothing was skipped,
/// else the skipped steps, each group with why: `skipped` for want of Auth0's reference data,
/// and the official SDKs' and the Deploy CLI's runs when `without_sdk_clients`.
fn closing_line(
    task: &str,
    elapsed: Option<Duration>,
    skipped: &[&str],
    without_sdk_clients: bool,
) -> String {
    let time = elapsed.map(|e| format!(" in {e:.1?}")).unwrap_or_default();
    let mut groups = Vec::new();
    if !skipped.is_empty() {
        groups.push(format!(
            "{} ({WITHOUT_REFERENCE_DATA}; ../shared/auth0 not found)",
            skipped.join(", ")
        ));
    }
    if without_sdk_clients {
        groups.push(format!(
            "{SDK_CLIENTS_STEP}, {DEPLOY_CLI_STEP} ({})",
            sdk::WITHOUT_SDK_CLIENTS
        ));
    }
    if groups.is_empty() {
        format!("{task}: all steps passed{time}")
    } else {
        format!(
            "{task}: passed{time} WITHOUT {} skipped step(s): {}",
            skipped.len() + 2 * usize::from(without_sdk_clients),
            groups.join(", ")
        )
    }
}

fn ci(root: &Path, args: &[String]) -> Result<(), String> {
    let started = Instant::now();
    if let Some(other) = args
        .iter()
        .find(|a| *a != WITHOUT_REFERENCE_DATA && *a != sdk::WITHOUT_SDK_CLIENTS)
    {
        return Err(format!(
            "unknown option {other:?}; ci takes {WITHOUT_REFERENCE_DATA} and {}",
            sdk::WITHOUT_SDK_CLIENTS
        ));
    }
    let (without_sdk, args): (Vec<String>, Vec<String>) = args
        .iter()
        .cloned()
        .partition(|a| a == sdk::WITHOUT_SDK_CLIENTS);
    let without_sdk_clients = !without_sdk.is_empty();
    let skipped = reference_data(root, &args, NEEDS_REFERENCE_DATA)?;
    let with_data = skipped.is_empty();
    if with_data {
        println!("==> codegen --check (generated code against Auth0's API description)");
        auth0_m2m_codegen::run(root, &["--check".to_owned()])?;
    } else {
        println!("==> codegen --check: SKIPPED, Auth0's API description is not present");
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

    // The examples of the README, each against a fake tenant it starts in-process (no AUTH0_*
    // variable is passed on, so none reaches a real tenant).
    for (example, features, check) in EXAMPLES_RUN {
        let mut cmd = cargo();
        cmd.current_dir(root).args([
            "run",
            "-q",
            "-p",
            "auth0-m2m-examples",
            "--example",
            example,
        ]);
        if !features.is_empty() {
            cmd.args(["--features", features]);
        }
        for (name, _) in std::env::vars() {
            if name.starts_with("AUTH0_") || name == "DATADOG_API_KEY" {
                cmd.env_remove(name);
            }
        }
        let name = format!("cargo run --example {example} (against the embedded fake tenant)");
        match check {
            Some(check) => {
                cmd.stdout(std::process::Stdio::piped());
                let stdout = run_step(&name, cmd)?;
                let found = check(&String::from_utf8_lossy(&stdout))
                    .map_err(|e| format!("step failed: {name}: {e}"))?;
                println!("{example}: {found}");
            }
            None => {
                cmd.stdout(std::process::Stdio::null());
                step(&name, cmd)?;
            }
        }
    }

    // The library and its tests: a test that calls a group it does not require fails here.
    for (package, feature) in FEATURES_ALONE {
        let mut cmd = cargo();
        cmd.current_dir(root).args([
            "check",
            "-p",
            package,
            "--all-targets",
            "--no-default-features",
            "--features",
            feature,
        ]);
        step(
            &format!("cargo check -p {package} --all-targets --features {feature} (alone)"),
            cmd,
        )?;
    }

    println!("==> e2e (every operation against the fake tenant)");
    e2e(root, with_data)?;

    if with_data {
        println!("==> conformance (models against ../shared/auth0)");
        conformance::run(root).and_then(|s| s.gate())?;
    } else {
        println!("==> conformance: SKIPPED, ../shared/auth0 is not present");
    }

    if with_data {
        println!("==> replay (recorded Auth0 traffic against fresh fake tenants)");
        replay::run(root, &[])?;
    } else {
        println!("==> replay: SKIPPED, ../shared/auth0 is not present");
    }

    if without_sdk_clients {
        println!(
            "==> {SDK_CLIENTS_STEP}: SKIPPED ({})",
            sdk::WITHOUT_SDK_CLIENTS
        );
    } else {
        println!(
            "==> {SDK_CLIENTS_STEP} (the official Node and Python SDKs against the fake tenant)"
        );
        let sdk_started = Instant::now();
        sdk::run(root, &[])?;
        println!("<== {SDK_CLIENTS_STEP}: {:.1?}", sdk_started.elapsed());
    }

    if without_sdk_clients {
        println!(
            "==> {DEPLOY_CLI_STEP}: SKIPPED ({})",
            sdk::WITHOUT_SDK_CLIENTS
        );
    } else {
        println!(
            "==> {DEPLOY_CLI_STEP} (Auth0's Deploy CLI: export, import into a fresh tenant, export again)"
        );
        let deploy_started = Instant::now();
        deploy_cli::run(root, &[])?;
        println!("<== {DEPLOY_CLI_STEP}: {:.1?}", deploy_started.elapsed());
    }

    println!("==> chaos (15 s fleet under injected faults)");
    chaos::run(root, &["--seconds".to_owned(), "15".to_owned()])?;

    println!(
        "{}",
        closing_line("ci", Some(started.elapsed()), &skipped, without_sdk_clients)
    );
    Ok(())
}

/// The generated end-to-end test of every operation.
const E2E_TEST: &str = "every_operation_is_answered";

/// Runs the generated end-to-end test and checks its `e2e: N/M operations answered` line and
/// its `schema validation: … 0 invalid …` line. With `described` (the description is present)
/// the operations are counted from the description here, independently of the generated test,
/// and N and M must both be that count; without it only the test's own count is checked, and
/// the schema validation is reported as skipped.
fn e2e(root: &Path, described: bool) -> Result<(), String> {
    let expected = if described {
        Some(conformance::described_operations(root)?)
    } else {
        None
    };
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
    if !out.status.success() {
        eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    }
    let verdict = e2e_verdict(&stdout, out.status.success(), expected);
    for line in stdout
        .lines()
        .filter(|l| l.starts_with("e2e: ") || l.starts_with("schema validation: "))
    {
        println!("{line}");
    }
    verdict
}

/// The verdict on the e2e test's output: it passed, printed `e2e: N/M operations answered`
/// with N = M = `expected` (the description's count, when known), and, with the description,
/// a `schema validation:` line with 0 invalid answers and 0 invalid requests.
fn e2e_verdict(stdout: &str, passed: bool, expected: Option<usize>) -> Result<(), String> {
    let line = |prefix: &str| stdout.lines().find(|l| l.starts_with(prefix));
    if !passed {
        return Err(
            "e2e: not every operation was answered, or an answer or a request was invalid \
             against the description"
                .to_owned(),
        );
    }
    if expected.is_some() {
        let validated = line("schema validation: ")
            .is_some_and(|l| l.contains(" 0 invalid answers") && l.contains(" 0 invalid requests"));
        if !validated {
            return Err(
                "e2e: the answers and requests were not validated against the description"
                    .to_owned(),
            );
        }
    }
    let counts = line("e2e: ")
        .and_then(|l| l.strip_prefix("e2e: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.split_once('/'))
        .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)));
    match (counts, expected) {
        (None, _) => Err("e2e: the test printed no `e2e: N/M operations answered` line".to_owned()),
        (Some((answered, total)), Some(described))
            if answered == described && total == described =>
        {
            Ok(())
        }
        (Some((answered, total)), Some(described)) => Err(format!(
            "e2e: {answered}/{total} operations answered, but the description has {described}"
        )),
        (Some((answered, total)), None) if answered == total && total > 0 => Ok(()),
        (Some((answered, total)), None) => {
            Err(format!("e2e: {answered}/{total} operations answered"))
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_job_output_is_clients_without_secrets() {
        let ok = r#"[{"client_id":"a","name":"A"},{"client_id":"b"}]"#;
        assert_eq!(
            check_main_job_output(ok).as_deref(),
            Ok("2 clients printed, no client secret among them")
        );
        let leaked = r#"[{"client_id":"a"},{"client_id":"b","client_secret":"s3cr3t"}]"#;
        let err = check_main_job_output(leaked).unwrap_err();
        assert!(
            err.contains("client 1") && err.contains("client_secret"),
            "{err}"
        );
        assert!(!err.contains("s3cr3t"), "{err}");
        assert!(check_main_job_output("[]").is_err());
        assert!(check_main_job_output("251 clients").is_err());
        assert!(check_main_job_output(r#"[{"name":"no id"}]"#).is_err());
    }

    #[test]
    fn without_the_reference_data_ci_fails_unless_told_to_skip() {
        let err = skipped_steps(false, false, NEEDS_REFERENCE_DATA).expect_err("fails");
        assert!(
            err.contains("codegen --check, e2e schema validation, conformance, replay"),
            "{err}"
        );
        assert!(err.contains(WITHOUT_REFERENCE_DATA), "{err}");
        assert_eq!(
            skipped_steps(false, true, NEEDS_REFERENCE_DATA).unwrap(),
            NEEDS_REFERENCE_DATA
        );
        assert!(
            skipped_steps(true, false, NEEDS_REFERENCE_DATA)
                .unwrap()
                .is_empty()
        );
        assert!(
            skipped_steps(true, true, NEEDS_REFERENCE_DATA)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn the_last_line_names_what_was_skipped() {
        let t = Some(Duration::from_secs(2));
        assert_eq!(
            closing_line("ci", t, &[], false),
            "ci: all steps passed in 2.0s"
        );
        let line = closing_line("ci", t, NEEDS_REFERENCE_DATA, false);
        assert!(!line.contains("all steps passed"), "{line}");
        assert!(
            line.ends_with(
                "4 skipped step(s): codegen --check, e2e schema validation, conformance, \
                 replay (--without-reference-data; ../shared/auth0 not found)"
            ),
            "{line}"
        );
        assert_eq!(
            closing_line("ci", t, &[], true),
            "ci: passed in 2.0s WITHOUT 2 skipped step(s): sdk clients, deploy cli \
             (--without-sdk-clients)"
        );
        let line = closing_line("ci", t, NEEDS_REFERENCE_DATA, true);
        assert!(
            line.ends_with(
                "6 skipped step(s): codegen --check, e2e schema validation, conformance, \
                 replay (--without-reference-data; ../shared/auth0 not found), sdk clients, \
                 deploy cli (--without-sdk-clients)"
            ),
            "{line}"
        );
    }

    #[test]
    fn unknown_options_are_refused() {
        let err = reference_data(Path::new("/nonexistent"), &["--skip-all".to_owned()], &[])
            .expect_err("refused");
        assert!(err.contains("--skip-all"), "{err}");
    }

    const VALID: &str = "schema validation: 3 answers of 3 operations checked, 0 operations \
                         answer no body, 0 invalid answers; 3 requests checked, 0 invalid requests";

    #[test]
    fn the_e2e_total_is_the_description_s_not_the_test_s() {
        let ok = format!("e2e: 452/452 operations answered\n{VALID}\n");
        assert!(e2e_verdict(&ok, true, Some(452)).is_ok());
        // A generated test that stopped calling an operation, with its literal lowered too.
        let fewer = format!("e2e: 451/451 operations answered\n{VALID}\n");
        let err = e2e_verdict(&fewer, true, Some(452)).expect_err("fails");
        assert!(err.contains("the description has 452"), "{err}");
        // Without the description the test's own count is all there is.
        assert!(e2e_verdict(&fewer, true, None).is_ok());
        assert!(e2e_verdict("e2e: 3/4 operations answered\n", true, None).is_err());
        assert!(e2e_verdict("", true, None).is_err());
        assert!(e2e_verdict(&ok, false, Some(452)).is_err());
    }

    #[test]
    fn the_e2e_run_must_validate_answers_and_requests() {
        for schema in [
            "",
            "schema validation: skipped, the description is not beside the workspace",
            "schema validation: 3 answers checked, 1 invalid answers; 0 invalid requests",
            "schema validation: 3 answers checked, 0 invalid answers; 2 invalid requests",
        ] {
            let out = format!("e2e: 452/452 operations answered\n{schema}\n");
            assert!(e2e_verdict(&out, true, Some(452)).is_err(), "{schema}");
        }
    }
}
