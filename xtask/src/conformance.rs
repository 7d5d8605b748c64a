//! Conformance of the Management API models with Auth0's published OpenAPI description and
//! with real recorded responses, both read at run time from `../shared/auth0` relative to the
//! workspace root. Without that directory nothing is checked and the gate fails; the callers
//! skip the step only when told to (`--without-reference-data`).
//!
//! The gate holds the run to a checked-in floor (`xtask/conformance-floor.json`): a recording
//! that stops matching a model, or an example answer that stops reading back, lowers a count
//! below it and fails the run.

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
    /// Failed checks (endpoints missing from the spec, bodies that do not read back, fields
    /// the description names for a response that a model kept in `extra`).
    pub(crate) failed: usize,
    /// Recording files read.
    pub(crate) files: usize,
    /// Answers built from the description's schemas, read back through the models.
    pub(crate) examples_checked: usize,
    /// Fields the description names for a response that a model kept in `extra`.
    pub(crate) spec_fields_in_extra: usize,
    /// Fields recorded answers carry that the description does not name for the response,
    /// with how often they were met.
    pub(crate) undocumented: BTreeMap<String, usize>,
    /// Recorded 2xx JSON bodies of a modeled endpoint that no model read (the endpoint
    /// ignores its body), with the endpoint's name.
    pub(crate) unchecked_bodies: BTreeMap<String, usize>,
    /// Catalogue entries whose scopes differ from the description's `security`.
    pub(crate) scope_mismatches: usize,
    /// Whether the reference data was absent and nothing was checked.
    pub(crate) skipped: bool,
}

/// The least a conformance run must check, checked in as `xtask/conformance-floor.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Floor {
    pub(crate) files: usize,
    pub(crate) responses: usize,
    pub(crate) endpoints: usize,
    pub(crate) example_answers: usize,
}

/// The checked-in floor.
const FLOOR_JSON: &str = include_str!("../conformance-floor.json");

impl Floor {
    /// The checked-in floor of `xtask/conformance-floor.json`.
    pub(crate) fn checked_in() -> Result<Self, String> {
        let v: Value = serde_json::from_str(FLOOR_JSON)
            .map_err(|e| format!("xtask/conformance-floor.json is not JSON: {e}"))?;
        let field = |k: &str| {
            v[k].as_u64()
                .map(|n| n as usize)
                .ok_or_else(|| format!("xtask/conformance-floor.json has no number `{k}`"))
        };
        Ok(Self {
            files: field("files")?,
            responses: field("responses")?,
            endpoints: field("endpoints")?,
            example_answers: field("example_answers")?,
        })
    }
}

impl Summary {
    /// The gate of `cargo xtask conformance` and of the conformance step of `cargo xtask ci`
    /// against the checked-in floor.
    pub(crate) fn gate(&self) -> Result<(), String> {
        self.gate_against(Floor::checked_in()?)
    }

    /// Fails when the reference data was absent, on any failed check, and when a count is
    /// below `floor` (a recording that stopped matching, an example answer that stopped
    /// reading back, recordings gone), naming each count.
    pub(crate) fn gate_against(&self, floor: Floor) -> Result<(), String> {
        if self.skipped {
            return Err(format!(
                "conformance: {DATA_DIR} not found, nothing was checked"
            ));
        }
        if self.failed > 0 {
            return Err(format!("conformance: {} checks failed", self.failed));
        }
        let below: Vec<String> = [
            ("recording files", self.files, floor.files),
            (
                "responses checked",
                self.recordings_checked,
                floor.responses,
            ),
            ("endpoints matched", self.endpoints_matched, floor.endpoints),
            (
                "example answers checked",
                self.examples_checked,
                floor.example_answers,
            ),
        ]
        .into_iter()
        .filter(|(_, got, least)| got < least)
        .map(|(what, got, least)| format!("{what}: {got}, below the floor of {least}"))
        .collect();
        if !below.is_empty() {
            return Err(format!(
                "conformance: {} (xtask/conformance-floor.json)",
                below.join("; ")
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
    /// Tags of the description.
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

/// An operation of the OpenAPI description.
struct SpecOperation {
    tag: String,
    /// The schemas of its 2xx JSON answers.
    responses: Vec<Value>,
    /// An example of each of those answers with every property the schema describes (the
    /// generator's sampler: the fake tenant's samples follow the same rules).
    examples: Vec<Value>,
}

/// The operations of the OpenAPI description by `(METHOD, path template)`, templates relative
/// to `/api/v2`.
fn spec_operations(dir: &Path) -> Result<BTreeMap<(String, String), SpecOperation>, String> {
    let spec = read_json(&dir.join("management-api-oas.json"))?;
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("management-api-oas.json has no `paths` object")?;
    let schemas = spec["components"]["schemas"].as_object();
    let no_schemas = serde_json::Map::new();
    let sampler = auth0_m2m_codegen::Sampler::new(schemas.unwrap_or(&no_schemas)).every_property();
    let mut operations = BTreeMap::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else {
                continue;
            };
            let answers: Vec<Value> = op["responses"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(code, _)| code.starts_with('2'))
                .map(|(_, answer)| answer["content"]["application/json"]["schema"].clone())
                .filter(|schema| !schema.is_null())
                .collect();
            operations.insert(
                (method.to_ascii_uppercase(), path.clone()),
                SpecOperation {
                    tag: op["tags"][0].as_str().unwrap_or("").to_owned(),
                    examples: answers.iter().map(|a| sampler.value(a)).collect(),
                    responses: answers
                        .iter()
                        .map(|schema| inline_refs(schema, schemas, 0))
                        .collect(),
                },
            );
        }
    }
    Ok(operations)
}

/// `schema` with its references replaced by what they refer to (to a depth of 12, enough for
/// every answer of the description; deeper references are left as they are).
fn inline_refs(
    schema: &Value,
    schemas: Option<&serde_json::Map<String, Value>>,
    depth: usize,
) -> Value {
    match schema {
        Value::Object(map) => {
            if let Some(target) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.rsplit('/').next())
                .and_then(|name| schemas.and_then(|s| s.get(name)))
            {
                return if depth < 12 {
                    inline_refs(target, schemas, depth + 1)
                } else {
                    Value::Null
                };
            }
            Value::Object(
                map.iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "description" | "example" | "examples"))
                    .map(|(k, v)| (k.clone(), inline_refs(v, schemas, depth)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| inline_refs(v, schemas, depth))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The schemas `schema` may stand for: itself and its `oneOf`/`anyOf`/`allOf` parts.
fn alternatives<'a>(schema: &'a Value, out: &mut Vec<&'a Value>) {
    out.push(schema);
    for key in ["oneOf", "anyOf", "allOf"] {
        for part in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            alternatives(part, out);
        }
    }
}

/// Walks `body` along `schema` and sorts the keys the body has into `named`, where the
/// description names them, and `unnamed`, where it does not (the model may rightly keep those
/// in `extra`; a key named wherever the body has it must not be there). A key can be in both:
/// named at one place, not at another.
fn sort_keys(
    body: &Value,
    schema: &Value,
    named: &mut BTreeSet<String>,
    unnamed: &mut BTreeSet<String>,
) {
    let mut shapes = Vec::new();
    alternatives(schema, &mut shapes);
    match body {
        Value::Object(map) => {
            for (key, child) in map {
                let props: Vec<&Value> = shapes
                    .iter()
                    .filter_map(|shape| shape.get("properties").and_then(|p| p.get(key)))
                    .collect();
                if props.is_empty() {
                    unnamed.insert(key.clone());
                } else {
                    named.insert(key.clone());
                }
                for prop in props {
                    sort_keys(child, prop, named, unnamed);
                }
            }
        }
        Value::Array(items) => {
            for item_schema in shapes.iter().filter_map(|shape| shape.get("items")) {
                for item in items {
                    sort_keys(item, item_schema, named, unnamed);
                }
            }
        }
        _ => {}
    }
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
        if !operations.contains_key(&key) {
            summary.failed += 1;
            println!(
                "FAIL {} {} {}: not in the OpenAPI description",
                info.name, key.0, info.path
            );
        }
    }
    summary.scope_mismatches = check_scopes(&dir)?;
    summary.failed += summary.scope_mismatches;
    println!(
        "spec: {} modeled endpoints checked against {} operations",
        catalogue::catalogue().len(),
        operations.len()
    );

    let mut matched: BTreeMap<&'static str, usize> = BTreeMap::new();
    let files = recording_files(&dir)?;
    summary.files = files.len();
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
            let (result, extra_keys) = check(info, body);
            match result {
                Ok(true) => summary.recordings_checked += 1,
                Ok(false) => {
                    *summary
                        .unchecked_bodies
                        .entry(info.name.to_owned())
                        .or_default() += 1;
                }
                Err(e) => {
                    summary.failed += 1;
                    println!("FAIL {name} #{index} {method} {path} ({}): {e}", info.name);
                }
            }
            let key = (info.method.as_str().to_owned(), info.spec_path().to_owned());
            let mut named = BTreeSet::new();
            let mut unnamed = BTreeSet::new();
            for schema in operations
                .get(&key)
                .map(|o| &o.responses)
                .into_iter()
                .flatten()
            {
                sort_keys(body, schema, &mut named, &mut unnamed);
            }
            let mut reported = BTreeSet::new();
            for field in extra_keys {
                if !reported.insert(field.clone()) {
                    continue;
                }
                if named.contains(&field) && !unnamed.contains(&field) {
                    summary.failed += 1;
                    summary.spec_fields_in_extra += 1;
                    println!(
                        "FAIL {name} #{index} {method} {path} ({}): `{field}` is named by the description but the model kept it in `extra`",
                        info.name
                    );
                } else {
                    *summary
                        .undocumented
                        .entry(format!("{} {}: {field}", info.name, key.1))
                        .or_default() += 1;
                }
            }
        }
    }
    summary.endpoints_matched = matched.len();

    // Every modeled operation reads back an answer built from its schema in the description.
    let mut examples = 0;
    for info in catalogue::catalogue() {
        let key = (info.method.as_str().to_owned(), info.spec_path().to_owned());
        let Some(op) = operations.get(&key) else {
            continue;
        };
        for (schema, body) in op.responses.iter().zip(&op.examples) {
            if !(body.is_object() || body.is_array()) {
                continue;
            }
            let (result, extra_keys) = check(info, body);
            let (mut named, mut unnamed) = (BTreeSet::new(), BTreeSet::new());
            sort_keys(body, schema, &mut named, &mut unnamed);
            let misplaced: Vec<&String> = extra_keys
                .iter()
                .filter(|k| named.contains(*k) && !unnamed.contains(*k))
                .collect();
            match result {
                Ok(true) if misplaced.is_empty() => examples += 1,
                Ok(true) => {
                    summary.failed += 1;
                    summary.spec_fields_in_extra += misplaced.len();
                    println!(
                        "FAIL example answer of {} {} ({}): {misplaced:?} named by the description but kept in `extra`",
                        key.0, info.path, info.name
                    );
                }
                Ok(false) => {
                    *summary
                        .unchecked_bodies
                        .entry(info.name.to_owned())
                        .or_default() += 1;
                }
                Err(e) => {
                    summary.failed += 1;
                    println!(
                        "FAIL example answer of {} {} ({}): {e}",
                        key.0, info.path, info.name
                    );
                }
            }
        }
    }
    summary.examples_checked = examples;
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
    if !summary.undocumented.is_empty() {
        println!(
            "fields the recordings carry that the description does not name ({}, kept in `extra`):",
            summary.undocumented.len()
        );
        for (field, count) in &summary.undocumented {
            println!("  {field} ({count}×)");
        }
    }
    if !summary.unchecked_bodies.is_empty() {
        println!(
            "JSON bodies no model read (the endpoint ignores its answer): {}",
            summary
                .unchecked_bodies
                .iter()
                .map(|(name, n)| format!("{name} ({n}×)"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!(
        "conformance: {} recording files, {} responses checked, {} endpoints matched, {} example answers checked, {} failed, {} spec fields in extra",
        summary.files,
        summary.recordings_checked,
        summary.endpoints_matched,
        summary.examples_checked,
        summary.failed,
        summary.spec_fields_in_extra
    );
    Ok(summary)
}

/// The number of operations of the description beside `workspace_root`, counted from its
/// `paths` (every method of every path), independently of the generated code.
pub(crate) fn described_operations(workspace_root: &Path) -> Result<usize, String> {
    let spec = read_json(&auth0_m2m_codegen::spec_path(workspace_root))?;
    let paths = spec
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("management-api-oas.json has no `paths` object")?;
    Ok(paths
        .values()
        .filter_map(Value::as_object)
        .flat_map(|item| item.keys())
        .filter(|method| HTTP_METHODS.contains(&method.as_str()))
        .count())
}

/// The methods of an OpenAPI path item.
const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The scopes the description's `security` grants an operation: those of every OAuth2
/// requirement, any one of which is enough.
fn described_scopes(operation: &Value, global: &Value) -> BTreeSet<String> {
    let security = operation.get("security").unwrap_or(global);
    security
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|requirement| requirement.values())
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// Compares each catalogue entry's scopes with the `security` of its operation in the
/// description, read here from the JSON; prints each difference and returns how many entries
/// differ.
fn check_scopes(dir: &Path) -> Result<usize, String> {
    let spec = read_json(&dir.join("management-api-oas.json"))?;
    let mut mismatches = 0;
    for info in catalogue::catalogue() {
        let method = info.method.as_str().to_ascii_lowercase();
        let Some(operation) = spec["paths"][info.spec_path()].get(&method) else {
            continue;
        };
        let described = described_scopes(operation, &spec["security"]);
        let modeled: BTreeSet<String> = info.scopes.iter().map(|s| (*s).to_owned()).collect();
        if let Some(problem) = scope_difference(&modeled, &described) {
            mismatches += 1;
            println!(
                "FAIL {} {} {}: scopes {problem}",
                info.name,
                info.method.as_str(),
                info.path
            );
        }
    }
    Ok(mismatches)
}

/// How `modeled` differs from `described`, if it does.
fn scope_difference(modeled: &BTreeSet<String>, described: &BTreeSet<String>) -> Option<String> {
    if modeled == described {
        return None;
    }
    let missing: Vec<&String> = described.difference(modeled).collect();
    let extra: Vec<&String> = modeled.difference(described).collect();
    Some(format!(
        "differ from the description's security: missing {missing:?}, not described {extra:?}"
    ))
}

/// Reads `body` into the endpoint's model and back; also returns the keys that went into a
/// model's `extra` on the way.
fn check(info: &EndpointInfo, body: &Value) -> (Result<bool, String>, Vec<String>) {
    auth0_m2m_management::secret::collect_extra_keys(|| info.check_response(body))
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
            !operations
                .contains_key(&(info.method.as_str().to_owned(), info.spec_path().to_owned()))
        })
        .map(|info| format!("{} {} {}", info.name, info.method.as_str(), info.path))
        .collect();
    let mut by_resource: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (key, op) in &operations {
        let counts = by_resource.entry(op.tag.as_str()).or_default();
        counts.1 += 1;
        if modeled.contains(key) {
            counts.0 += 1;
        }
    }
    println!("| tag | modeled | operations |\n| --- | ---: | ---: |");
    for (tag, (done, total)) in &by_resource {
        println!("| {tag} | {done} | {total} |");
    }
    let done: usize = by_resource.values().map(|(d, _)| d).sum();
    println!(
        "coverage: {done}/{} operations modeled ({} tags)",
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_by_the_schema_where_the_body_goes() {
        let schemas = json!({
            "Role": {"type": "object", "properties": {"id": {}, "owner": {"$ref": "#/components/schemas/User"}}},
            "User": {"allOf": [{"properties": {"user_id": {}}}]}
        });
        let schema = inline_refs(
            &json!({"oneOf": [{"type": "array", "items": {"$ref": "#/components/schemas/Role"}}]}),
            schemas.as_object(),
            0,
        );
        let body = json!([{"id": "r", "user_id": "top-level, not described here",
                           "owner": {"user_id": "u", "id": "not described in a user"}}]);
        let (mut named, mut unnamed) = (BTreeSet::new(), BTreeSet::new());
        sort_keys(&body, &schema, &mut named, &mut unnamed);
        let keys: Vec<&str> = named.iter().map(String::as_str).collect();
        assert_eq!(keys, ["id", "owner", "user_id"]);
        let (mut named, mut elsewhere) = (BTreeSet::new(), BTreeSet::new());
        sort_keys(
            &json!([{"user_id": "x"}]),
            &schema,
            &mut named,
            &mut elsewhere,
        );
        assert!(named.is_empty(), "user_id is only described inside owner");
        assert_eq!(elsewhere.len(), 1);
        // The keys the body has where the description does not name them: a top-level
        // `user_id` and the owner's `id` may rightly be kept in `extra`.
        let keys: Vec<&str> = unnamed.iter().map(String::as_str).collect();
        assert_eq!(keys, ["id", "user_id"]);
    }

    #[test]
    fn examples_follow_the_schema() {
        let schema = json!({"type": "object", "properties": {
            "id": {"type": "string"}, "n": {"type": ["integer", "null"]},
            "kind": {"type": "string", "enum": ["a", "b"]},
            "tags": {"type": "array", "items": {"type": "boolean"}},
            "shape": {"oneOf": [{"type": "object", "properties": {"x": {"type": "number"}}}]},
            "all": {"allOf": [{"properties": {"p": {"type": "string"}}}, {"properties": {"q": {"type": "integer"}}}]}
        }});
        let no_components = serde_json::Map::new();
        let examples = auth0_m2m_codegen::Sampler::new(&no_components).every_property();
        assert_eq!(
            examples.value(&schema),
            json!({"id": "sample", "n": 1, "kind": "a", "tags": [true], "shape": {"x": 1},
                   "all": {"p": "sample", "q": 1}})
        );
        // Optional properties deep down are there too (a sample would stop below a depth).
        let deep = json!({"properties": {"a": {"properties": {"b": {"properties": {"c": {
            "properties": {"d": {"properties": {"e": {"type": "string", "format": "email"}}}}}}}}}}});
        assert_eq!(
            examples.value(&deep)["a"]["b"]["c"]["d"]["e"],
            "user@example.com"
        );
    }

    fn summary() -> Summary {
        Summary {
            recordings_checked: 1318,
            endpoints_matched: 324,
            files: 693,
            examples_checked: 352,
            ..Summary::default()
        }
    }

    #[test]
    fn the_gate_holds_the_run_to_the_checked_in_floor() {
        let floor = Floor::checked_in().expect("the floor is valid");
        assert!(floor.responses > 0 && floor.files > 0 && floor.endpoints > 0);
        let full = summary();
        assert!(full.gate_against(floor).is_ok());
        // One recording that stops matching its model is one response fewer.
        let one_fewer = Summary {
            recordings_checked: floor.responses - 1,
            ..summary()
        };
        let err = one_fewer.gate_against(floor).expect_err("below the floor");
        assert!(err.contains("responses checked"), "{err}");
        let no_examples = Summary {
            examples_checked: 0,
            ..summary()
        };
        assert!(no_examples.gate_against(floor).is_err());
        let skipped = Summary {
            skipped: true,
            ..Summary::default()
        };
        assert!(
            skipped.gate_against(floor).is_err(),
            "absent data never passes"
        );
        let failed = Summary {
            failed: 1,
            ..summary()
        };
        assert!(failed.gate_against(floor).is_err());
    }

    #[test]
    fn scopes_are_read_from_the_operation_or_the_global_security() {
        let op = json!({"security": [{"bearerAuth": []},
            {"oAuth2ClientCredentials": ["read:clients", "read:client_keys"]}]});
        let global = json!([{"bearerAuth": []}]);
        let scopes = described_scopes(&op, &global);
        assert_eq!(
            scopes.iter().map(String::as_str).collect::<Vec<_>>(),
            ["read:client_keys", "read:clients"]
        );
        assert!(described_scopes(&json!({}), &global).is_empty());
        let modeled: BTreeSet<String> = ["read:clients".to_owned()].into();
        let problem = scope_difference(&modeled, &scopes).expect("differs");
        assert!(problem.contains("read:client_keys"), "{problem}");
        assert!(scope_difference(&scopes, &scopes).is_none());
    }

    #[test]
    fn a_described_field_in_extra_is_found() {
        // A model missing `description` (as a misspelled field would) keeps it in `extra`.
        #[derive(serde::Deserialize, serde::Serialize)]
        struct Misspelled {
            descripton: Option<String>,
            #[serde(flatten)]
            extra: auth0_m2m_management::secret::ExtraFields,
        }
        let (parsed, keys) = auth0_m2m_management::secret::collect_extra_keys(|| {
            serde_json::from_value::<Misspelled>(json!({"description": "d"}))
        });
        assert!(parsed.is_ok_and(|m| m.descripton.is_none()));
        assert_eq!(keys, ["description"]);
    }
}
