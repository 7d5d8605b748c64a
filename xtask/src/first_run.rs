//! `cargo xtask bench --first-run [--rounds N] [--explore]`: how long the README's main job
//! takes on a fresh clone, against the least a program of its kind builds.
//!
//! The floor program is the one of BENCHMARKS.md ("The main job on a fresh clone"): `tokio`
//! (`rt-multi-thread`, `macros`), `reqwest` (no default features; `rustls-tls`, `http2`,
//! `json`) and `serde_json`, one HTTPS `GET`, built with this workspace's `Cargo.lock` versions
//! and its dev profile. It is written to `target/bench/first-run/floor`.
//!
//! Each round builds and runs, each from an empty target directory and with the crates already
//! downloaded: the floor, the main job twice, the floor again (so that a machine that slows
//! down or speeds up during a round weighs on both alike). A round's ratio is the main job's
//! two wall-clock times over the floor's two. The figure checked is the median of the rounds'
//! ratios, at most 1.25; every round, the pooled ratio and the CPU time are reported beside it.
//! Writes `target/bench/first_run.json` and `first_run.md`. The run fails when the target is
//! unmet, unless `--explore`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{Value, json};

/// The median ratio the run checks.
const TARGET: f64 = 1.25;

/// Rounds unless `--rounds N` says otherwise.
const DEFAULT_ROUNDS: usize = 5;

/// The floor program's manifest: the dependencies a program of the main job's kind cannot do
/// without, and the workspace's dev profile (`Cargo.toml`, section `[profile.dev]`), so that
/// the two differ only in what they compile. Its own `[workspace]` keeps it out of this one.
const FLOOR_MANIFEST: &str = r#"[package]
name = "first-run-floor"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
reqwest = { version = "0.12", default-features = false, features = ["rustls-tls", "json", "http2"] }
serde_json = "1"

[profile.dev]
debug = "line-tables-only"
incremental = false

[profile.dev.package."*"]
debug = false
"#;

/// The floor program: one HTTPS `GET`, its answer read as JSON. Nothing listens on port 9, so
/// it fails at once after its build, and says so.
const FLOOR_MAIN: &str = r#"#[tokio::main]
async fn main() {
    let client = reqwest::Client::new();
    match client.get("https://127.0.0.1:9/api/v2/clients").send().await {
        Ok(r) => {
            let v: serde_json::Value = r.json().await.unwrap_or_default();
            println!("{v}");
        }
        Err(e) => eprintln!("{e}"),
    }
}
"#;

/// One build and run: wall-clock and CPU seconds (user and system, of every process it started).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sample {
    wall: f64,
    cpu: f64,
}

/// One round: the floor, the main job twice, the floor again.
#[derive(Debug, Clone, PartialEq)]
struct Round {
    floor: [Sample; 2],
    main: [Sample; 2],
}

impl Round {
    fn ratio_wall(&self) -> f64 {
        (self.main[0].wall + self.main[1].wall) / (self.floor[0].wall + self.floor[1].wall)
    }

    fn ratio_cpu(&self) -> f64 {
        (self.main[0].cpu + self.main[1].cpu) / (self.floor[0].cpu + self.floor[1].cpu)
    }
}

/// The usage text of `cargo xtask bench --first-run --help`.
const USAGE: &str = "usage: cargo xtask bench --first-run [--rounds N] [--explore]

Builds and runs the README's main job and the floor program (BENCHMARKS.md, \"The main job on a
fresh clone\"), each from an empty target directory, in rounds of floor, main, main, floor
(default 5 rounds, about 2 to 3 minutes each on 2 cores). Fails when the median of the rounds'
ratios (main / floor, wall clock) is above 1.25, unless --explore.
Writes target/bench/first_run.json and first_run.md.";

/// Runs the rounds, writes the report and checks the target.
pub(crate) fn run(root: &Path, target: &Path, args: &[String]) -> Result<(), String> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return Ok(());
    }
    let rounds = rounds_arg(args)?;
    let explore = args.iter().any(|a| a == "--explore");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = target.join("bench");
    let work = out.join("first-run");
    let floor = work.join("floor");
    write_floor(root, &floor)?;
    // Both download what they need first: the figures are for a machine that has the crates.
    for (dir, what) in [
        (root, "the workspace"),
        (floor.as_path(), "the floor program"),
    ] {
        println!("==> cargo fetch ({what})");
        let status = Command::new(&cargo)
            .current_dir(dir)
            .arg("fetch")
            .status()
            .map_err(|e| format!("could not start cargo: {e}"))?;
        if !status.success() {
            return Err(format!("cargo fetch for {what} failed ({status})"));
        }
    }
    let ticks = clock_ticks();
    let load_start = load_average();
    let mut done = Vec::new();
    for n in 1..=rounds {
        let mut floor_runs = Vec::new();
        let mut main_runs = Vec::new();
        for (i, which) in ["floor", "main", "main", "floor"].into_iter().enumerate() {
            let dir = work.join(format!("target-{n}-{i}"));
            let _ = std::fs::remove_dir_all(&dir);
            let mut cmd = Command::new(&cargo);
            as_from_a_shell(&mut cmd);
            cmd.env("CARGO_TARGET_DIR", &dir);
            if which == "floor" {
                cmd.current_dir(&floor).args(["run", "-q"]);
            } else {
                cmd.current_dir(root).args([
                    "run",
                    "-q",
                    "-p",
                    "auth0-m2m-examples",
                    "--example",
                    "list_clients",
                ]);
                // The main job starts its own fake tenant only when no tenant is configured.
                for (k, _) in std::env::vars_os() {
                    if k.to_string_lossy().starts_with("AUTH0_") {
                        cmd.env_remove(k);
                    }
                }
            }
            let sample = timed(&mut cmd, which, ticks);
            let _ = std::fs::remove_dir_all(&dir);
            let sample = sample?;
            println!(
                "round {n}/{rounds}: {which:5} {:6.1} s wall, {:6.1} s CPU",
                sample.wall, sample.cpu
            );
            if which == "floor" {
                floor_runs.push(sample);
            } else {
                main_runs.push(sample);
            }
        }
        let round = Round {
            floor: [floor_runs[0], floor_runs[1]],
            main: [main_runs[0], main_runs[1]],
        };
        println!(
            "round {n}/{rounds}: main / floor {:.2}× wall, {:.2}× CPU",
            round.ratio_wall(),
            round.ratio_cpu()
        );
        done.push(round);
    }
    let report = report(&done, &load_start, &load_average());
    std::fs::create_dir_all(&out).map_err(|e| format!("creating {}: {e}", out.display()))?;
    let json_path = out.join("first_run.json");
    let text = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::write(&json_path, text)
        .map_err(|e| format!("writing {}: {e}", json_path.display()))?;
    let md = markdown(&done, &report);
    let md_path = out.join("first_run.md");
    std::fs::write(&md_path, &md).map_err(|e| format!("writing {}: {e}", md_path.display()))?;
    print!("{md}");
    println!("wrote {} and {}", json_path.display(), md_path.display());
    for line in crate::bench::gate(&report, explore)?.lines {
        println!("{line}");
    }
    Ok(())
}

/// Runs `cmd` with the environment of a shell rather than the one `cargo xtask` received from
/// `cargo run`: without the variables cargo sets for the program it runs (`CARGO_PKG_…`,
/// `CARGO_MANIFEST_DIR`, the search path for shared libraries it extends with its target
/// directory…) and without `CARGO_INCREMENTAL`, so that the dev profile decides, as it does
/// for a user typing the command.
fn as_from_a_shell(cmd: &mut Command) {
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("CARGO_PKG_")
            || matches!(
                k.as_str(),
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_BIN_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
                    | "CARGO_INCREMENTAL"
                    | "RUST_RECURSION_COUNT"
            )
        {
            cmd.env_remove(k);
        }
    }
    if let Some(paths) = std::env::var_os("LD_LIBRARY_PATH") {
        let kept = kept_library_paths(&paths.to_string_lossy());
        if kept.is_empty() {
            cmd.env_remove("LD_LIBRARY_PATH");
        } else {
            cmd.env("LD_LIBRARY_PATH", kept);
        }
    }
}

/// `LD_LIBRARY_PATH` less the entries `cargo run` adds: the program's target directory and
/// the toolchain's libraries.
fn kept_library_paths(paths: &str) -> String {
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    paths
        .split(':')
        .filter(|p| !p.is_empty())
        .filter(|p| !p.contains("/.rustup/toolchains/") && !p.contains("/rustlib/"))
        .filter(|p| {
            target
                .as_ref()
                .and_then(|t| t.parent())
                .is_none_or(|t| !Path::new(p).starts_with(t))
        })
        .collect::<Vec<_>>()
        .join(":")
}

/// `--rounds N` (at least 1), or the default.
fn rounds_arg(args: &[String]) -> Result<usize, String> {
    match args.iter().position(|a| a == "--rounds") {
        None => Ok(DEFAULT_ROUNDS),
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|n| *n >= 1)
            .ok_or_else(|| "--rounds takes a whole number of rounds, at least 1".to_owned()),
    }
}

/// Writes the floor program beside its copy of the workspace's `Cargo.lock`, so that it builds
/// the same versions of the crates the two share.
fn write_floor(root: &Path, floor: &Path) -> Result<(), String> {
    let src = floor.join("src");
    std::fs::create_dir_all(&src).map_err(|e| format!("creating {}: {e}", src.display()))?;
    let files: [(PathBuf, &str); 2] = [
        (floor.join("Cargo.toml"), FLOOR_MANIFEST),
        (src.join("main.rs"), FLOOR_MAIN),
    ];
    for (path, text) in files {
        std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    let lock = root.join("Cargo.lock");
    std::fs::copy(&lock, floor.join("Cargo.lock"))
        .map_err(|e| format!("copying {}: {e}", lock.display()))?;
    Ok(())
}

/// Runs `cmd` to its end and measures it; its output is kept and shown only when it fails.
fn timed(cmd: &mut Command, which: &str, ticks: f64) -> Result<Sample, String> {
    let cpu_before = children_cpu(ticks)?;
    let start = Instant::now();
    let out = cmd
        .output()
        .map_err(|e| format!("could not start cargo for the {which} run: {e}"))?;
    let wall = start.elapsed().as_secs_f64();
    let cpu = children_cpu(ticks)? - cpu_before;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "the {which} run failed ({}):\n{}",
            out.status,
            tail.join("\n")
        ));
    }
    if which == "main"
        && !String::from_utf8_lossy(&out.stdout)
            .trim_start()
            .starts_with('[')
    {
        return Err("the main job printed no JSON array of clients on stdout".to_owned());
    }
    Ok(Sample { wall, cpu })
}

/// The CPU seconds (user and system) of this process's children that have ended, and of
/// theirs: fields 16 and 17 (`cutime`, `cstime`) of `/proc/self/stat`.
fn children_cpu(ticks: f64) -> Result<f64, String> {
    let stat = std::fs::read_to_string("/proc/self/stat")
        .map_err(|e| format!("reading /proc/self/stat (the run needs Linux): {e}"))?;
    parse_children_cpu(&stat, ticks)
}

/// `cutime + cstime` of a `/proc/PID/stat` line, in seconds.
fn parse_children_cpu(stat: &str, ticks: f64) -> Result<f64, String> {
    // The command name (field 2) may hold spaces and parentheses: the fields after it start
    // after its last `)`, with field 3.
    let rest = stat
        .rfind(')')
        .map(|i| &stat[i + 1..])
        .ok_or("/proc/self/stat has no command name")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| -> Result<f64, String> {
        fields
            .get(n - 3)
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or_else(|| format!("/proc/self/stat has no number in field {n}"))
    };
    Ok((field(16)? + field(17)?) / ticks)
}

/// The clock ticks per second of `/proc`'s CPU times (`getconf CLK_TCK`; 100 where it cannot
/// be read, as on every Linux this runs on).
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

/// The first three fields of `/proc/loadavg`, or `unknown`.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The median of `values` (the mean of the middle two for an even count); `None` when empty.
fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// Rounds a figure to two decimals for the report.
fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The report: every round, the medians, the pooled ratios and the one target, in the shape
/// the benchmark gate reads (`targets`: `figure`, `value`, `target`, `met`).
fn report(rounds: &[Round], load_start: &str, load_end: &str) -> Value {
    let wall: Vec<f64> = rounds.iter().map(Round::ratio_wall).collect();
    let cpu: Vec<f64> = rounds.iter().map(Round::ratio_cpu).collect();
    let sum = |f: fn(&Round) -> f64| rounds.iter().map(f).sum::<f64>();
    let pooled_wall =
        sum(|r| r.main[0].wall + r.main[1].wall) / sum(|r| r.floor[0].wall + r.floor[1].wall);
    let pooled_cpu =
        sum(|r| r.main[0].cpu + r.main[1].cpu) / sum(|r| r.floor[0].cpu + r.floor[1].cpu);
    let median_wall = median(&wall);
    let above = wall.iter().filter(|r| **r > TARGET).count();
    json!({
        "rounds": rounds.iter().map(|r| json!({
            "floor_wall_s": [round2(r.floor[0].wall), round2(r.floor[1].wall)],
            "main_wall_s": [round2(r.main[0].wall), round2(r.main[1].wall)],
            "floor_cpu_s": [round2(r.floor[0].cpu), round2(r.floor[1].cpu)],
            "main_cpu_s": [round2(r.main[0].cpu), round2(r.main[1].cpu)],
            "ratio_wall": round2(r.ratio_wall()),
            "ratio_cpu": round2(r.ratio_cpu()),
        })).collect::<Vec<_>>(),
        "median_ratio_wall": median_wall.map(round2),
        "median_ratio_cpu": median(&cpu).map(round2),
        "pooled_ratio_wall": round2(pooled_wall),
        "pooled_ratio_cpu": round2(pooled_cpu),
        "rounds_above_target": above,
        "load_average_start": load_start,
        "load_average_end": load_end,
        "targets": [{
            "figure": "first_run.median_ratio_wall",
            "value": median_wall.map(round2),
            "target": format!("<= {TARGET}"),
            "met": median_wall.is_some_and(|m| m <= TARGET),
        }],
    })
}

/// The report as a Markdown table, one line per round and the summary below it.
fn markdown(rounds: &[Round], report: &Value) -> String {
    let mut s = String::from(
        "| round | main job (wall) | floor (wall) | main / floor (wall) | main / floor (CPU) |\n\
         | --- | ---: | ---: | ---: | ---: |\n",
    );
    for (i, r) in rounds.iter().enumerate() {
        s.push_str(&format!(
            "| {} | {:.1}, {:.1} s | {:.1}, {:.1} s | {:.2}× | {:.2}× |\n",
            i + 1,
            r.main[0].wall,
            r.main[1].wall,
            r.floor[0].wall,
            r.floor[1].wall,
            r.ratio_wall(),
            r.ratio_cpu()
        ));
    }
    let f = |k: &str| {
        report[k]
            .as_f64()
            .map_or("?".to_owned(), |v| format!("{v:.2}×"))
    };
    s.push_str(&format!(
        "\nMedian of the rounds: {} wall ({} CPU); pooled: {} wall ({} CPU); {} of {} rounds \
         above {TARGET}×. Load average {} at the start, {} at the end.\n",
        f("median_ratio_wall"),
        f("median_ratio_cpu"),
        f("pooled_ratio_wall"),
        f("pooled_ratio_cpu"),
        report["rounds_above_target"],
        rounds.len(),
        report["load_average_start"].as_str().unwrap_or("?"),
        report["load_average_end"].as_str().unwrap_or("?"),
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(wall: f64, cpu: f64) -> Sample {
        Sample { wall, cpu }
    }

    fn round(main: f64, floor: f64) -> Round {
        Round {
            floor: [sample(floor, floor * 2.0), sample(floor, floor * 2.0)],
            main: [sample(main, main * 2.0), sample(main, main * 2.0)],
        }
    }

    #[test]
    fn the_median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn a_round_compares_the_two_main_runs_with_the_two_floor_runs() {
        let r = Round {
            floor: [sample(20.0, 40.0), sample(30.0, 50.0)],
            main: [sample(30.0, 60.0), sample(30.0, 48.0)],
        };
        assert!((r.ratio_wall() - 1.2).abs() < 1e-9);
        assert!((r.ratio_cpu() - 1.2).abs() < 1e-9);
    }

    #[test]
    fn the_target_is_on_the_median_and_every_round_is_reported() {
        let rounds = [round(31.0, 25.0), round(36.0, 30.0), round(27.0, 25.0)];
        let r = report(&rounds, "1.00 1.00 1.00", "2.00 2.00 2.00");
        assert_eq!(r["median_ratio_wall"], json!(1.2));
        assert_eq!(r["rounds_above_target"], json!(0));
        assert_eq!(r["rounds"].as_array().map(Vec::len), Some(3));
        assert_eq!(r["targets"][0]["met"], json!(true));
        assert!(crate::bench::gate(&r, false).is_ok());

        // One round above the target does not move a median below it ...
        let rounds = [round(33.0, 25.0), round(36.0, 30.0), round(27.0, 25.0)];
        let r = report(&rounds, "", "");
        assert_eq!(r["rounds_above_target"], json!(1));
        assert_eq!(r["targets"][0]["met"], json!(true));
        // ... two of three do, and the gate names the figure.
        let rounds = [round(33.0, 25.0), round(40.0, 30.0), round(27.0, 25.0)];
        let r = report(&rounds, "", "");
        assert_eq!(r["targets"][0]["met"], json!(false));
        let err = crate::bench::gate(&r, false).expect_err("unmet");
        assert!(err.contains("first_run.median_ratio_wall"), "{err}");
        assert!(crate::bench::gate(&r, true).is_ok());
    }

    #[test]
    fn the_markdown_lists_every_round() {
        let rounds = [round(31.0, 25.0), round(36.0, 30.0)];
        let md = markdown(&rounds, &report(&rounds, "0.5 0.4 0.3", "1.5 1.4 1.3"));
        assert!(
            md.contains("| 1 | 31.0, 31.0 s | 25.0, 25.0 s | 1.24× | 1.24× |"),
            "{md}"
        );
        assert!(
            md.contains("| 2 | 36.0, 36.0 s | 30.0, 30.0 s | 1.20× | 1.20× |"),
            "{md}"
        );
        assert!(md.contains("Median of the rounds: 1.22× wall"), "{md}");
        assert!(md.contains("Load average 0.5 0.4 0.3 at the start"), "{md}");
    }

    #[test]
    fn the_cpu_time_of_children_is_read_past_a_command_name_with_spaces() {
        // Fields 3 to 17 after the name; cutime = 250 and cstime = 50 ticks.
        let stat = "4242 (x (y) z) S 1 2 3 4 5 6 7 8 9 10 11 12 250 50 20 0 1 0";
        assert_eq!(parse_children_cpu(stat, 100.0), Ok(3.0));
        assert!(parse_children_cpu("4242 (x) S 1 2", 100.0).is_err());
        assert!(parse_children_cpu("no name", 100.0).is_err());
    }

    #[test]
    fn the_library_paths_cargo_run_adds_are_dropped() {
        let exe = std::env::current_exe().expect("the test's path");
        let ours = exe
            .parent()
            .and_then(Path::parent)
            .expect("a target directory");
        let paths = format!(
            "{}/build/ring-1/out:{}/deps:/root/.rustup/toolchains/stable/lib/rustlib/x/lib:/opt/lib:",
            ours.display(),
            ours.display()
        );
        assert_eq!(kept_library_paths(&paths), "/opt/lib");
        assert_eq!(
            kept_library_paths("/usr/local/lib:/opt/lib"),
            "/usr/local/lib:/opt/lib"
        );
    }

    #[test]
    fn rounds_come_from_the_command_line() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(rounds_arg(&args(&["--first-run"])), Ok(DEFAULT_ROUNDS));
        assert_eq!(rounds_arg(&args(&["--rounds", "3"])), Ok(3));
        assert!(rounds_arg(&args(&["--rounds", "0"])).is_err());
        assert!(rounds_arg(&args(&["--rounds"])).is_err());
    }

    /// The floor is built with the workspace's dev profile: the settings it copies are still
    /// the workspace's.
    #[test]
    fn the_floor_has_the_workspace_dev_profile() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
        let section = |text: &str, name: &str| -> String {
            let start = text
                .find(&format!("\n{name}\n"))
                .unwrap_or_else(|| panic!("{name}"));
            let body = &text[start + name.len() + 2..];
            body[..body.find("\n[").unwrap_or(body.len())].to_owned()
        };
        for name in ["[profile.dev]", "[profile.dev.package.\"*\"]"] {
            let ours = section(&manifest, name);
            let floor = section(FLOOR_MANIFEST, name);
            let settings = |s: &str| -> Vec<String> {
                s.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_owned)
                    .collect()
            };
            assert_eq!(settings(&ours), settings(&floor), "{name}");
        }
    }
}
