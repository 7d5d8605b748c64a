//! Conformance of the Management API models with Auth0's published OpenAPI description and
//! with real recorded responses, both read at run time from `../shared/auth0` relative to the
//! workspace root (skipped with a message where that directory is absent).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use auth0_m2m_management::catalogue::{self, EndpointInfo};
use serde_json::Value;

/// The outcome of [`run`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    /// Recorded response bodies read into a model and checked for loss.
    pub(crate) recordings_checked: usize,
    /// Modeled endpoints with at least one recorded 2xx response.
    pub(crate) endpoints_matched: usize,
    /// Failed checks (endpoints missing from the spec, bodies that do not read back).
    pub(crate) failed: usize,
    /// Whether the reference data was absent and nothing was checked.
    pub(crate) skipped: bool,
}

impl Summary {
    /// The gate of `cargo xtask conformance` and of the conformance step of `cargo xtask ci`:
    /// passes when the reference data is absent (and says so), fails on any failed check, and
    /// fails when the data is present but not one recording was checked, so that a run that
    /// checked nothing can never pass.
    pub(crate) fn gate(&self) -> Result<(), String> {
        if self.skipped {
            println!("conformance: skipped, {DATA_DIR} not found");
            return Ok(());
        }
        if self.failed > 0 {
            return Err(format!("conformance: {} checks failed", self.failed));
        }
        if self.recordings_checked == 0 {
            return Err(format!(
                "conformance: 0 recordings checked although {DATA_DIR} is present"
            ));
        }
        Ok(())
    }
}

/// The outcome of [`coverage`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Coverage {
    /// Operations (method and path template) of the OpenAPI description.
    pub(crate) total: usize,
    /// Operations of the OpenAPI description that the catalogue models.
    pub(crate) modeled: usize,
    /// Catalogue entries whose method and path are not an operation of the description.
    pub(crate) not_in_spec: Vec<String>,
    /// Resources (first path segments) of the description.
    pub(crate) resources: usize,
    /// Whether the reference data was absent and nothing was counted.
    pub(crate) skipped: bool,
}

/// Where the reference data lives, relative to the workspace root.
const DATA_DIR: &str = "../shared/auth0";

fn data_dir(workspace_root: &Path) -> Option<PathBuf> {
    let dir = workspace_root.join(DATA_DIR);
    dir.is_dir().then_some(dir)
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The `(METHOD, path template)` pairs of the OpenAPI description, templates relative to
/// `/api/v2`.
fn spec_operations(dir: &Path) -> Result<BTreeSet<(String, String)>, String> {
    let spec = read_json(&dir.join("management-api-oas.json"))?;
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("management-api-oas.json has no `paths` object")?;
    let mut operations = BTreeSet::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.contains_key(method) {
                operations.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    Ok(operations)
}

/// The recording files, sorted.
fn recording_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let root = dir.join("recordings");
    let mut files = Vec::new();
    let sources = fs::read_dir(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    for source in sources {
        let source = source.map_err(|e| e.to_string())?.path();
        if !source.is_dir() {
            continue;
        }
        for entry in fs::read_dir(&source).map_err(|e| format!("{}: {e}", source.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.extension().is_some_and(|ext| ext == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn is_json_response(response: &Value) -> bool {
    let content_type = response
        .get("headers")
        .and_then(Value::as_object)
        .and_then(|headers| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                .and_then(|(_, v)| v.as_str())
        });
    content_type.is_none_or(|ct| ct.contains("json"))
}

/// Checks every modeled endpoint against the spec and every recorded 2xx JSON response of a
/// modeled endpoint against its model. Prints progress, the failures and a final line
/// `conformance: N recordings checked, M endpoints matched, F failed`.
pub(crate) fn run(workspace_root: &Path) -> Result<Summary, String> {
    let Some(dir) = data_dir(workspace_root) else {
        println!("skipped: {DATA_DIR} not found");
        return Ok(Summary {
            skipped: true,
            ..Summary::default()
        });
    };
    let mut summary = Summary::default();

    let operations = spec_operations(&dir)?;
    for info in catalogue::catalogue() {
        let key = (info.method.as_str().to_owned(), info.spec_path().to_owned());
        if !operations.contains(&key) {
            summary.failed += 1;
            println!(
                "FAIL {} {} {}: not in the OpenAPI description",
                info.name, key.0, info.path
            );
        }
    }
    println!(
        "spec: {} modeled endpoints checked against {} operations",
        catalogue::catalogue().len(),
        operations.len()
    );

    let mut matched: BTreeMap<&'static str, usize> = BTreeMap::new();
    let files = recording_files(&dir)?;
    for file in &files {
        let recording = read_json(file)?;
        let name = file
            .strip_prefix(&dir)
            .unwrap_or(file)
            .display()
            .to_string();
        let interactions = recording
            .get("interactions")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (index, interaction) in interactions.iter().enumerate() {
            let (Some(request), Some(response)) =
                (interaction.get("request"), interaction.get("response"))
            else {
                continue;
            };
            let method = request.get("method").and_then(Value::as_str).unwrap_or("");
            let path = request.get("path").and_then(Value::as_str).unwrap_or("");
            let path = path.split('?').next().unwrap_or(path);
            let status = response.get("status").and_then(Value::as_u64).unwrap_or(0);
            if !(200..300).contains(&status) {
                continue;
            }
            let Some(info) = catalogue::find(method, path) else {
                continue;
            };
            *matched.entry(info.name).or_default() += 1;
            let body = response.get("body").unwrap_or(&Value::Null);
            if !(body.is_object() || body.is_array()) || !is_json_response(response) {
                continue;
            }
            match check(info, body) {
                Ok(true) => summary.recordings_checked += 1,
                Ok(false) => {}
                Err(e) => {
                    summary.failed += 1;
                    println!("FAIL {name} #{index} {method} {path} ({}): {e}", info.name);
                }
            }
        }
    }
    summary.endpoints_matched = matched.len();
    let unmatched: Vec<&str> = catalogue::catalogue()
        .iter()
        .filter(|info| !matched.contains_key(info.name))
        .map(|info| info.name)
        .collect();
    println!(
        "recordings: {} files; modeled endpoints without a recorded 2xx response: {}",
        files.len(),
        if unmatched.is_empty() {
            "none".to_owned()
        } else {
            unmatched.join(", ")
        }
    );
    println!(
        "conformance: {} recordings checked, {} endpoints matched, {} failed",
        summary.recordings_checked, summary.endpoints_matched, summary.failed
    );
    Ok(summary)
}

fn check(info: &EndpointInfo, body: &Value) -> Result<bool, String> {
    info.check_response(body)
}

/// Prints how many of the spec's operations are modeled, by resource (the first path
/// segment), and returns the counts.
pub(crate) fn coverage(workspace_root: &Path) -> Result<Coverage, String> {
    let Some(dir) = data_dir(workspace_root) else {
        println!("skipped: {DATA_DIR} not found");
        return Ok(Coverage {
            skipped: true,
            ..Coverage::default()
        });
    };
    let operations = spec_operations(&dir)?;
    let modeled: BTreeSet<(String, String)> = catalogue::catalogue()
        .iter()
        .map(|info| (info.method.as_str().to_owned(), info.spec_path().to_owned()))
        .collect();
    let not_in_spec: Vec<String> = catalogue::catalogue()
        .iter()
        .filter(|info| {
            !operations.contains(&(info.method.as_str().to_owned(), info.spec_path().to_owned()))
        })
        .map(|info| format!("{} {} {}", info.name, info.method.as_str(), info.path))
        .collect();
    let mut by_resource: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (method, path) in &operations {
        let resource = path.trim_start_matches('/').split('/').next().unwrap_or("");
        let counts = by_resource.entry(resource).or_default();
        counts.1 += 1;
        if modeled.contains(&(method.clone(), path.clone())) {
            counts.0 += 1;
        }
    }
    for (resource, (done, total)) in &by_resource {
        println!("{resource:<32} {done:>3} / {total:<3}");
    }
    let done: usize = by_resource.values().map(|(d, _)| d).sum();
    println!(
        "coverage: {done} of {} operations modeled ({} resources)",
        operations.len(),
        by_resource.len()
    );
    for entry in &not_in_spec {
        println!("not in the OpenAPI description: {entry}");
    }
    Ok(Coverage {
        total: operations.len(),
        modeled: done,
        not_in_spec,
        resources: by_resource.len(),
        skipped: false,
    })
}
