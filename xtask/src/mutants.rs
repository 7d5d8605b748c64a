//! `cargo xtask mutants [--file PATH]...`: mutation testing with `cargo-mutants` of the code
//! the token economy rests on, each file with the tests of its own crate: the token exchange
//! and its retry and rate-limit rules (`auth0-m2m-token`), the provider's refresh policy and
//! the cache's record and lease code (`auth0-m2m-cache`).
//!
//! Every mutant is built and the crate's tests run against it (in place, in the workspace's
//! `target/`; the file is restored after each mutant). The task prints, per file, how many
//! mutants the tests caught, missed, timed out on or could not build (unviable), and fails
//! when fewer than [`FLOOR_PERCENT`] % of the viable mutants (caught + missed + timed out) were
//! caught, naming the missed ones. It needs `cargo install cargo-mutants`. It takes long (see
//! RELIABILITY.md) and is not a step of `cargo xtask ci`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// The least share of viable mutants the tests must catch, in percent.
pub(crate) const FLOOR_PERCENT: f64 = 95.0;

/// The files mutated, by the package whose tests run against them.
pub(crate) const GROUPS: &[(&str, &[&str])] = &[
    (
        "auth0-m2m-token",
        &[
            "crates/token/src/retry.rs",
            "crates/token/src/limits.rs",
            "crates/token/src/response.rs",
            "crates/token/src/client.rs",
        ],
    ),
    (
        "auth0-m2m-cache",
        &[
            "crates/cache/src/policy.rs",
            "crates/cache/src/record.rs",
            "crates/cache/src/cache.rs",
        ],
    ),
];

/// What happened to the mutants of one file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct FileOutcome {
    pub(crate) caught: usize,
    pub(crate) missed: Vec<String>,
    pub(crate) timeouts: usize,
    pub(crate) unviable: usize,
}

impl FileOutcome {
    /// Mutants that built: caught, missed or timed out.
    pub(crate) fn viable(&self) -> usize {
        self.caught + self.missed.len() + self.timeouts
    }
}

/// Reads cargo-mutants' `outcomes.json` into outcomes per file. A timeout counts as caught by
/// cargo-mutants' own rule (the tests did not pass), and is reported apart.
pub(crate) fn outcomes(json: &Value) -> Result<BTreeMap<String, FileOutcome>, String> {
    let list = json
        .get("outcomes")
        .and_then(Value::as_array)
        .ok_or("outcomes.json has no `outcomes` list")?;
    let mut files: BTreeMap<String, FileOutcome> = BTreeMap::new();
    for outcome in list {
        let Some(mutant) = outcome.pointer("/scenario/Mutant") else {
            continue; // the baseline
        };
        let file = mutant
            .get("file")
            .and_then(Value::as_str)
            .ok_or("a mutant without a file")?
            .to_owned();
        let entry = files.entry(file.clone()).or_default();
        let summary = outcome.get("summary").and_then(Value::as_str).unwrap_or("");
        match summary {
            "CaughtMutant" => entry.caught += 1,
            "MissedMutant" => entry.missed.push(describe(mutant, &file)),
            "Timeout" => entry.timeouts += 1,
            "Unviable" => entry.unviable += 1,
            other => return Err(format!("unknown outcome {other:?} for a mutant of {file}")),
        }
    }
    Ok(files)
}

/// `file:line: replace … with …`, from a mutant's fields.
fn describe(mutant: &Value, file: &str) -> String {
    let line = mutant
        .pointer("/span/start/line")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let function = mutant
        .pointer("/function/function_name")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let replacement = mutant
        .get("replacement")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let genre = mutant.get("genre").and_then(Value::as_str).unwrap_or("?");
    format!("{file}:{line}: {genre} in {function} → `{replacement}`")
}

/// The verdict: the table, and an error naming the missed mutants when a file or the whole
/// is below the floor.
pub(crate) fn verdict(files: &BTreeMap<String, FileOutcome>) -> (Vec<String>, Result<(), String>) {
    let mut lines = vec![
        "| file | mutants | caught | missed | timeouts | unviable | caught of viable |".to_owned(),
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |".to_owned(),
    ];
    let mut total = FileOutcome::default();
    for (file, o) in files {
        lines.push(row(file, o));
        total.caught += o.caught;
        total.timeouts += o.timeouts;
        total.unviable += o.unviable;
        total.missed.extend(o.missed.iter().cloned());
    }
    lines.push(row("total", &total));
    if total.viable() == 0 {
        return (
            lines,
            Err("mutants: no viable mutant was tested".to_owned()),
        );
    }
    let share = percent(&total);
    if share < FLOOR_PERCENT {
        return (
            lines,
            Err(format!(
                "mutants: {share:.1} % of the viable mutants caught, below {FLOOR_PERCENT} %; \
                 missed:\n  {}",
                total.missed.join("\n  ")
            )),
        );
    }
    (lines, Ok(()))
}

fn percent(o: &FileOutcome) -> f64 {
    if o.viable() == 0 {
        100.0
    } else {
        (o.caught + o.timeouts) as f64 * 100.0 / o.viable() as f64
    }
}

fn row(file: &str, o: &FileOutcome) -> String {
    format!(
        "| {file} | {} | {} | {} | {} | {} | {:.1} % |",
        o.viable() + o.unviable,
        o.caught,
        o.missed.len(),
        o.timeouts,
        o.unviable,
        percent(o)
    )
}

/// Runs cargo-mutants on each group (or on the `--file` paths given) and checks the floor.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<(), String> {
    let mut only = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--file" => only.push(it.next().ok_or("--file needs a path")?.clone()),
            other => {
                return Err(format!(
                    "unknown option {other:?}; usage: cargo xtask mutants [--file PATH]..."
                ));
            }
        }
    }
    let installed = crate::cargo()
        .args(["mutants", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        return Err("cargo-mutants is not installed: run `cargo install cargo-mutants`".to_owned());
    }
    let mut all = BTreeMap::new();
    for (package, files) in GROUPS {
        let files: Vec<&str> = files
            .iter()
            .copied()
            .filter(|f| only.is_empty() || only.iter().any(|o| o == f))
            .collect();
        if files.is_empty() {
            continue;
        }
        let out = root.join("target").join("mutants").join(package);
        std::fs::create_dir_all(&out).map_err(|e| format!("creating {}: {e}", out.display()))?;
        let started = std::time::Instant::now();
        let mut cmd = crate::cargo();
        cmd.current_dir(root).args([
            "mutants",
            "--in-place",
            "--no-shuffle",
            "--all-features",
            "--package",
            package,
            "--timeout",
            "300",
            "--output",
        ]);
        cmd.arg(&out);
        for f in &files {
            cmd.args(["--file", f]);
        }
        println!("==> cargo mutants -p {package} on {}", files.join(", "));
        // cargo-mutants exits non-zero when a mutant is missed; the outcomes decide.
        let status = cmd
            .status()
            .map_err(|e| format!("could not start cargo mutants: {e}"))?;
        println!(
            "<== cargo mutants -p {package}: {:.0?} ({status})",
            started.elapsed()
        );
        let path = out.join("mutants.out").join("outcomes.json");
        let text = std::fs::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let json: Value = serde_json::from_slice(&text)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        if json["outcomes"]
            .as_array()
            .and_then(|o| o.first())
            .is_some_and(|baseline| baseline["summary"] == "Failure")
        {
            return Err(format!(
                "mutants: the tests of {package} fail without a mutant"
            ));
        }
        all.extend(outcomes(&json)?);
    }
    let (lines, result) = verdict(&all);
    for line in lines {
        println!("{line}");
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mutant(file: &str, line: u64, summary: &str) -> Value {
        json!({"scenario": {"Mutant": {"file": file, "genre": "BinaryOperator",
            "replacement": ">=", "function": {"function_name": "wait"},
            "span": {"start": {"line": line, "column": 1}}}}, "summary": summary})
    }

    #[test]
    fn outcomes_are_counted_per_file_and_the_floor_applies() {
        let mut list = vec![json!({"scenario": "Baseline", "summary": "Success"})];
        list.extend((0..19).map(|i| mutant("a.rs", i, "CaughtMutant")));
        list.push(mutant("a.rs", 99, "MissedMutant"));
        list.push(mutant("b.rs", 1, "Unviable"));
        list.push(mutant("b.rs", 2, "Timeout"));
        let files = outcomes(&json!({ "outcomes": list })).expect("read");
        assert_eq!(files["a.rs"].caught, 19);
        assert_eq!(
            files["a.rs"].missed,
            ["a.rs:99: BinaryOperator in wait → `>=`"]
        );
        assert_eq!(files["b.rs"].viable(), 1);
        let (lines, result) = verdict(&files);
        assert!(result.is_ok(), "20 of 21 viable caught: {result:?}");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("| total | 22 | 19 | 1 | 1 | 1 | 95.2 % |")),
            "{lines:?}"
        );

        let mut below = files.clone();
        below
            .get_mut("a.rs")
            .unwrap()
            .missed
            .push("a.rs:100: another".to_owned());
        let (_, result) = verdict(&below);
        let err = result.expect_err("19 + 1 of 22 is below 95 %");
        assert!(err.contains("a.rs:100: another"), "{err}");
        assert!(
            verdict(&BTreeMap::new()).1.is_err(),
            "nothing tested never passes"
        );
    }
}
