//! `cargo xtask deploy-cli`: Auth0's own tenant-configuration tool, npm `auth0-deploy-cli`
//! (`a0deploy`), as its users install it, carries a tenant from one fake tenant to another.
//!
//! The tool is pinned in `tests/deploy-cli/package.json` and its lock file and installed into
//! `target/sdk-clients/deploy-cli` when what is there is not what is pinned (kept for the next
//! run). Two `auth0-m2m-fake` binaries are started over TLS with the same client: the first
//! seeded (`--seed-clients`, `--seed-users`: clients, a resource server and its grants, roles,
//! organizations) and given, through the Management API, what the seeds leave out (a
//! machine-to-machine client with a grant, a custom domain, a log stream, an email provider and
//! template, a deployed and bound action, a rule, a theme); the second fresh. The tool exports
//! the first (`a0deploy export -f directory`), imports that export unchanged into the second and
//! exports the second; the two exports must agree, file by file and value by value, except for
//! what [`RULES`] allows, each with why.
//!
//! What the exports never hold, so nothing is ignored for it: ids (the tool exports without
//! them and names objects by name), and secrets, which it writes as `##NAME##` markers. The
//! import maps each marker found in the first export to a value (`AUTH0_KEYWORD_REPLACE_MAPPINGS`,
//! as a user's pipeline does), so that the secrets reach the second tenant and are exported as
//! the same markers; without a mapping the tool would leave those fields out of what it sends.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{Value, json};

use crate::sdk::{self, Tenant};

/// The task's name, the prefix of its messages.
const STEP: &str = "deploy-cli";

/// The client the tool authenticates as, in both tenants (so that its own client, which the
/// tool never changes, has the same name in both exports); its secret is made per run.
const CLIENT_ID: &str = "deploy-cli";

/// The seeds of the first tenant.
const SEEDS: &[&str] = &["--seed-clients", "3", "--seed-users", "5"];

/// What may differ between the two exports, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Allowed {
    /// Both exports hold the value, and it differs: Auth0 assigns it per tenant.
    Differs,
    /// Only the second export holds the value, and it is this one (JSON): the tool fills it
    /// in on import.
    AddedAs(&'static str),
}

/// A value of the exports that may differ: the file (relative to the export, `*` for one path
/// segment), the JSON pointer in it (`*` for one segment), how it may differ, and why.
#[derive(Debug)]
struct Rule {
    file: &'static str,
    pointer: &'static str,
    allowed: Allowed,
    why: &'static str,
}

/// Everything the comparison lets differ.
const RULES: &[Rule] = &[
    Rule {
        file: "custom-domains/custom-domains.json",
        pointer: "/*/created_at",
        allowed: Allowed::Differs,
        why: "the time Auth0 created the domain in each tenant",
    },
    Rule {
        file: "custom-domains/custom-domains.json",
        pointer: "/*/verification/methods/*/record",
        allowed: Allowed::Differs,
        why: "the CNAME target Auth0 derives from each tenant's domain and the domain's id",
    },
    Rule {
        file: "database-connections/*/database.json",
        pointer: "/options/disable_self_service_change_password",
        allowed: Allowed::AddedAs("false"),
        why: "the tool's schema fills in this option's default on import and sends it",
    },
];

/// One difference between the exports: where, and each side's value (`None`: absent).
#[derive(Debug, Clone, PartialEq)]
struct Difference {
    file: String,
    pointer: String,
    first: Option<Value>,
    second: Option<Value>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let side = |v: &Option<Value>| match v {
            None => "(absent)".to_owned(),
            Some(v) => {
                let text = v.to_string();
                if text.chars().count() > 120 {
                    format!("{}…", text.chars().take(120).collect::<String>())
                } else {
                    text
                }
            }
        };
        write!(
            f,
            "{}{}: first {}, second {}",
            self.file,
            if self.pointer.is_empty() {
                String::new()
            } else {
                format!(" {}", self.pointer)
            },
            side(&self.first),
            side(&self.second)
        )
    }
}

/// Installs the pinned tool when needed, starts the two tenants, runs the round trip and
/// compares the exports.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<(), String> {
    if let Some(other) = args.first() {
        return Err(format!("{STEP}: unknown argument {other:?}; it takes none"));
    }
    let started = Instant::now();
    let cache = sdk::target_dir(root).join("sdk-clients").join("deploy-cli");
    let version = sdk::install_npm(
        &root.join("tests/deploy-cli"),
        &cache,
        "auth0-deploy-cli",
        STEP,
    )?;
    println!(
        "{STEP}: auth0-deploy-cli {version} ready in {:.1?}",
        started.elapsed()
    );
    let bin = sdk::build_fake(root, STEP)?;

    let work = cache.join("run");
    if work.exists() {
        std::fs::remove_dir_all(&work)
            .map_err(|e| format!("{STEP}: cannot remove {}: {e}", work.display()))?;
    }
    std::fs::create_dir_all(&work)
        .map_err(|e| format!("{STEP}: cannot create {}: {e}", work.display()))?;
    let round_trip = Instant::now();
    let secret = sdk::new_secret(STEP);
    let first = Tenant::start(&bin, &work, "first", CLIENT_ID, &secret, SEEDS, STEP)?;
    let second = Tenant::start(&bin, &work, "second", CLIENT_ID, &secret, &[], STEP)?;
    let added = add_configuration(&first)?;
    println!("{STEP}: the first tenant got {added} objects through the Management API");

    let tool = cache.join("node_modules/auth0-deploy-cli/lib/index.js");
    let first_export = work.join("export-first");
    let second_export = work.join("export-second");
    a0deploy(
        &tool,
        &work,
        &first,
        "export-first",
        &export_args(&first_export),
        None,
    )?;
    let markers = markers_in(&first_export)?;
    let mappings: BTreeMap<String, Value> = markers
        .iter()
        .map(|m| {
            (
                m.clone(),
                Value::from(format!("round-trip-{}", m.to_lowercase())),
            )
        })
        .collect();
    let import = [
        "import".to_owned(),
        "-i".to_owned(),
        first_export.display().to_string(),
    ];
    a0deploy(
        &tool,
        &work,
        &second,
        "import-second",
        &import,
        Some(&mappings),
    )?;
    a0deploy(
        &tool,
        &work,
        &second,
        "export-second",
        &export_args(&second_export),
        None,
    )?;
    drop(first);
    drop(second);

    let files = files_under(&first_export)?;
    if !files.iter().any(|f| f == "tenant.json") {
        return Err(format!(
            "{STEP}: the first export holds no tenant.json ({} files): see {}",
            files.len(),
            work.join("export-first.log").display()
        ));
    }
    let differences = compare_exports(&first_export, &second_export)?;
    let (ignored, left) = apply_rules(differences);
    for (rule, count) in &ignored {
        println!(
            "{STEP}: ignored {count} × {} {} ({})",
            rule.file, rule.pointer, rule.why
        );
    }
    if !left.is_empty() {
        let shown: Vec<String> = left.iter().take(40).map(|d| format!("  {d}")).collect();
        return Err(format!(
            "{STEP}: the export of the tenant the import made differs from the export imported \
             in {} place(s) (exports in {}):\n{}",
            left.len(),
            work.display(),
            shown.join("\n")
        ));
    }
    println!(
        "{STEP}: exported, imported and exported again: the {} files agree ({} secret markers \
         mapped); round trip {:.1?}, task {:.1?}",
        files.len(),
        markers.len(),
        round_trip.elapsed(),
        started.elapsed()
    );
    Ok(())
}

/// The arguments of an export into `dir`: the directory format (JSON files, compared as
/// JSON), keys ordered.
fn export_args(dir: &Path) -> Vec<String> {
    vec![
        "export".to_owned(),
        "-f".to_owned(),
        "directory".to_owned(),
        "-o".to_owned(),
        dir.display().to_string(),
        "--export_ordered".to_owned(),
    ]
}

/// Runs the tool (`node TOOL ARGS -c CONFIG`) against `tenant`, with its output in
/// `WORK/NAME.log`; fails naming the run and showing the log's end. No `AUTH0_*` variable of
/// this process reaches it, so that it never talks to another tenant.
fn a0deploy(
    tool: &Path,
    work: &Path,
    tenant: &Tenant,
    name: &str,
    args: &[String],
    mappings: Option<&BTreeMap<String, Value>>,
) -> Result<(), String> {
    let started = Instant::now();
    let mut config = json!({
        "AUTH0_DOMAIN": tenant.domain,
        "AUTH0_CLIENT_ID": CLIENT_ID,
        "AUTH0_CLIENT_SECRET": tenant.secret,
    });
    if let Some(m) = mappings {
        config["AUTH0_KEYWORD_REPLACE_MAPPINGS"] = json!(m);
    }
    let config_path = work.join(format!("{name}.json"));
    sdk::write(&config_path, &config.to_string())?;
    let log_path = work.join(format!("{name}.log"));
    let log = std::fs::File::create(&log_path)
        .map_err(|e| format!("{STEP}: cannot create {}: {e}", log_path.display()))?;
    let err_log = log
        .try_clone()
        .map_err(|e| format!("{STEP}: {}: {e}", log_path.display()))?;
    let no_proxy = sdk::no_proxy();
    let mut cmd = Command::new("node");
    cmd.arg(tool)
        .args(args)
        .arg("-c")
        .arg(&config_path)
        .current_dir(work)
        .env("NODE_EXTRA_CA_CERTS", &tenant.ca)
        .env("NO_PROXY", &no_proxy)
        .env("no_proxy", &no_proxy)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err_log);
    for (var, _) in std::env::vars() {
        if var.starts_with("AUTH0_") {
            cmd.env_remove(var);
        }
    }
    let status = cmd.status().map_err(|e| {
        format!(
            "{STEP}: could not start node ({e}); is Node.js installed? ({} skips this step of \
             `cargo xtask ci`)",
            sdk::WITHOUT_SDK_CLIENTS
        )
    })?;
    let said = without_colours(&std::fs::read(&log_path).unwrap_or_default());
    if !status.success() {
        return Err(format!(
            "{STEP}: a0deploy {} ({name}) failed ({status}); the end of {}:\n{}",
            args.first().map_or("", String::as_str),
            log_path.display(),
            sdk::tail(&said)
        ));
    }
    println!("{STEP}: {name}: {:.1?}", started.elapsed());
    Ok(())
}

/// `bytes` without the terminal colour sequences (`ESC [ … m`) the tool's logger writes even
/// to a file.
fn without_colours(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            match bytes[i + 2..].iter().position(|b| *b == b'm') {
                Some(end) => {
                    i += end + 3;
                    continue;
                }
                None => break,
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// The keyword markers (`##NAME##`) in the files under `dir`: where the tool wrote a secret's
/// place instead of the secret.
fn markers_in(dir: &Path) -> Result<Vec<String>, String> {
    let mut out = std::collections::BTreeSet::new();
    for file in files_under(dir)? {
        let text = std::fs::read_to_string(dir.join(&file)).unwrap_or_default();
        out.extend(markers(&text));
    }
    Ok(out.into_iter().collect())
}

/// The names of the `##NAME##` markers in `text` (`NAME` of capitals, digits and `_`).
fn markers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("##") {
        let after = &rest[start + 2..];
        let len = after
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        if len > 0 && after[len..].starts_with("##") {
            out.push(after[..len].to_owned());
            rest = &after[len + 2..];
        } else {
            rest = after;
        }
    }
    out
}

/// The files under `dir`, as paths relative to it with `/` between segments, sorted.
fn files_under(dir: &Path) -> Result<Vec<String>, String> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), String> {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| format!("{STEP}: cannot read {}: {e}", dir.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|e| format!("{STEP}: reading {}: {e}", dir.display()))?
                .path();
            if path.is_dir() {
                walk(base, &path, out)?;
            } else if let Ok(rel) = path.strip_prefix(base) {
                let segments: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push(segments.join("/"));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// Every difference between the exports in `first` and `second`: files only in one, JSON files
/// value by value, other files (code, HTML) byte for byte.
fn compare_exports(first: &Path, second: &Path) -> Result<Vec<Difference>, String> {
    let (a, b) = (files_under(first)?, files_under(second)?);
    let mut out = Vec::new();
    for file in a.iter().chain(b.iter().filter(|f| !a.contains(f))) {
        let read = |dir: &Path| std::fs::read(dir.join(file)).ok();
        let (x, y) = (read(first), read(second));
        match (x, y) {
            (Some(x), Some(y)) if file.ends_with(".json") => {
                let parse = |bytes: &[u8], dir: &Path| {
                    serde_json::from_slice::<Value>(bytes).map_err(|e| {
                        format!("{STEP}: {} is not JSON: {e}", dir.join(file).display())
                    })
                };
                diff_json(file, "", &parse(&x, first)?, &parse(&y, second)?, &mut out);
            }
            (Some(x), Some(y)) if x == y => {}
            (x, y) => {
                let text = |v: Option<Vec<u8>>| v.map(|b| Value::from(String::from_utf8_lossy(&b)));
                out.push(Difference {
                    file: file.clone(),
                    pointer: String::new(),
                    first: text(x),
                    second: text(y),
                });
            }
        }
    }
    Ok(out)
}

/// The differences between two JSON values at `pointer` of `file`: each key of an object, each
/// item of arrays of the same length, else the values whole.
fn diff_json(file: &str, pointer: &str, a: &Value, b: &Value, out: &mut Vec<Difference>) {
    let diff = |first: Option<&Value>, second: Option<&Value>, pointer: String| Difference {
        file: file.to_owned(),
        pointer,
        first: first.cloned(),
        second: second.cloned(),
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                let at = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                match (x.get(key), y.get(key)) {
                    (Some(v), Some(w)) => diff_json(file, &at, v, w, out),
                    (v, w) => out.push(diff(v, w, at)),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                diff_json(file, &format!("{pointer}/{i}"), v, w, out);
            }
        }
        (x, y) if x == y => {}
        (x, y) => out.push(diff(Some(x), Some(y), pointer.to_owned())),
    }
}

/// Whether `path` matches `pattern`, segment by segment (`/` between them), `*` matching any one.
fn matches(pattern: &str, path: &str) -> bool {
    let (p, s): (Vec<&str>, Vec<&str>) = (pattern.split('/').collect(), path.split('/').collect());
    p.len() == s.len() && p.iter().zip(&s).all(|(p, s)| *p == "*" || p == s)
}

/// The rule that allows `d`, if one does.
fn allowing(d: &Difference) -> Option<&'static Rule> {
    RULES.iter().find(|r| {
        matches(r.file, &d.file)
            && matches(r.pointer, &d.pointer)
            && match r.allowed {
                Allowed::Differs => d.first.is_some() && d.second.is_some(),
                Allowed::AddedAs(value) => {
                    d.first.is_none()
                        && d.second.as_ref() == serde_json::from_str::<Value>(value).ok().as_ref()
                }
            }
    })
}

/// The differences the rules allow, counted by rule (in the rules' order), and the others.
fn apply_rules(differences: Vec<Difference>) -> (Vec<(&'static Rule, usize)>, Vec<Difference>) {
    let mut counts: Vec<(&'static Rule, usize)> = Vec::new();
    let mut left = Vec::new();
    for d in differences {
        match allowing(&d) {
            Some(rule) => match counts.iter_mut().find(|(r, _)| std::ptr::eq(*r, rule)) {
                Some((_, n)) => *n += 1,
                None => counts.push((rule, 1)),
            },
            None => left.push(d),
        }
    }
    counts.sort_by_key(|(r, _)| RULES.iter().position(|x| std::ptr::eq(x, *r)));
    (counts, left)
}

/// Gives the first tenant, through the Management API, what its seeds leave out and the tool
/// exports; returns how many objects were made.
fn add_configuration(tenant: &Tenant) -> Result<usize, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("{STEP}: tokio: {e}"))?;
    runtime.block_on(add_configuration_async(tenant))
}

async fn add_configuration_async(tenant: &Tenant) -> Result<usize, String> {
    let pem = sdk::read(&tenant.ca)?;
    let ca = reqwest::Certificate::from_pem(pem.as_bytes())
        .map_err(|e| format!("{STEP}: the tenant's CA: {e}"))?;
    let http = reqwest::Client::builder()
        .add_root_certificate(ca)
        .no_proxy()
        .build()
        .map_err(|e| format!("{STEP}: HTTP client: {e}"))?;
    let base = format!("https://{}", tenant.domain);
    let token: Value = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", tenant.secret.as_str()),
            ("audience", &format!("{base}/api/v2/")),
        ])
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("{STEP}: token: {e}"))?
        .json()
        .await
        .map_err(|e| format!("{STEP}: token: {e}"))?;
    let token = token["access_token"]
        .as_str()
        .ok_or(format!("{STEP}: the token answer holds no access_token"))?
        .to_owned();
    let call = |method: reqwest::Method, path: String, body: Option<Value>| {
        let http = http.clone();
        let url = format!("{base}/api/v2/{path}");
        let token = token.clone();
        async move {
            let mut request = http.request(method.clone(), &url).bearer_auth(token);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let answer = request
                .send()
                .await
                .map_err(|e| format!("{STEP}: {method} {url}: {e}"))?;
            let status = answer.status();
            let text = answer.text().await.unwrap_or_default();
            if !status.is_success() {
                return Err(format!("{STEP}: {method} {url}: {status} {text}"));
            }
            Ok::<Value, String>(serde_json::from_str(&text).unwrap_or(Value::Null))
        }
    };
    use reqwest::Method;
    let mut made = 0;
    let client = call(
        Method::POST,
        "clients".into(),
        Some(
            json!({"name": "Nightly Reports", "app_type": "non_interactive",
                    "grant_types": ["client_credentials"]}),
        ),
    )
    .await?;
    let client_id = client["client_id"].as_str().unwrap_or_default().to_owned();
    made += 1;
    let (action_name, action_code) = (
        "add-roles-claim",
        "exports.onExecutePostLogin = async (event, api) => {\n  api.accessToken.setCustomClaim('https://example.com/roles', event.authorization?.roles ?? []);\n};\n",
    );
    let plain: Vec<(&str, Value)> = vec![
        (
            "client-grants",
            json!({"client_id": client_id, "audience": "https://billing.example.com/api",
                   "scope": ["read:invoices", "read:customers"]}),
        ),
        (
            "custom-domains",
            json!({"domain": "login.example.com", "type": "auth0_managed_certs"}),
        ),
        (
            "log-streams",
            json!({"name": "Audit webhook", "type": "http",
                   "sink": {"httpEndpoint": "https://logs.example.com/auth0",
                            "httpContentType": "application/json",
                            "httpContentFormat": "JSONLINES",
                            "httpAuthorization": "Bearer audit-token"}}),
        ),
        (
            "emails/provider",
            json!({"name": "smtp", "enabled": true, "default_from_address": "no-reply@example.com",
                   "credentials": {"smtp_host": "smtp.example.com", "smtp_port": 587,
                                   "smtp_user": "mailer", "smtp_pass": "mailer-password"}}),
        ),
        (
            "email-templates",
            json!({"template": "welcome_email", "enabled": true, "syntax": "liquid",
                   "from": "no-reply@example.com", "subject": "Welcome to {{ application.name }}",
                   "body": "<html><body><p>Welcome, {{ user.email }}!</p></body></html>"}),
        ),
        (
            "rules",
            json!({"name": "legacy-noop", "enabled": false,
                   "script": "function (user, context, callback) {\n  callback(null, user, context);\n}\n"}),
        ),
        ("branding/themes", theme()),
    ];
    for (path, body) in plain {
        call(Method::POST, path.into(), Some(body)).await?;
        made += 1;
    }
    let action = call(
        Method::POST,
        "actions/actions".into(),
        Some(
            json!({"name": action_name, "code": action_code, "runtime": "node22",
                    "supported_triggers": [{"id": "post-login", "version": "v3"}]}),
        ),
    )
    .await?;
    made += 1;
    let id = action["id"].as_str().unwrap_or_default().to_owned();
    // Auth0 deploys a built action only; each read moves the build a step.
    for _ in 0..5 {
        let read = call(Method::GET, format!("actions/actions/{id}"), None).await?;
        if read["status"] == "built" {
            break;
        }
    }
    call(Method::POST, format!("actions/actions/{id}/deploy"), None).await?;
    call(
        Method::PATCH,
        "actions/triggers/post-login/bindings".into(),
        Some(
            json!({"bindings": [{"ref": {"type": "action_id", "value": id},
                                  "display_name": action_name}]}),
        ),
    )
    .await?;
    Ok(made)
}

/// A Universal Login theme with every field the description requires of one.
fn theme() -> Value {
    json!({
        "displayName": "Example",
        "borders": {"button_border_radius": 3, "button_border_weight": 1, "buttons_style": "rounded",
                    "input_border_radius": 3, "input_border_weight": 1, "inputs_style": "rounded",
                    "show_widget_shadow": true, "widget_border_weight": 0, "widget_corner_radius": 5},
        "colors": {"base_focus_color": "#635dff", "base_hover_color": "#000000",
                   "body_text": "#1e212a", "captcha_widget_theme": "auto", "error": "#d03c38",
                   "header": "#1e212a", "icons": "#65676e", "input_background": "#ffffff",
                   "input_border": "#c9cace", "input_filled_text": "#000000",
                   "input_labels_placeholders": "#65676e", "links_focused_components": "#635dff",
                   "primary_button": "#635dff", "primary_button_label": "#ffffff",
                   "read_only_background": "#f5f5f5", "secondary_button_border": "#c9cace",
                   "secondary_button_label": "#1e212a", "success": "#13a688",
                   "widget_background": "#ffffff", "widget_border": "#c9cace"},
        "fonts": {"body_text": {"bold": false, "size": 87.5}, "buttons_text": {"bold": false, "size": 100},
                  "font_url": "", "input_labels": {"bold": false, "size": 100},
                  "links": {"bold": true, "size": 87.5}, "links_style": "normal",
                  "reference_text_size": 16, "subtitle": {"bold": false, "size": 87.5},
                  "title": {"bold": false, "size": 150}},
        "page_background": {"background_color": "#000000", "background_image_url": "",
                            "page_layout": "center"},
        "widget": {"header_text_alignment": "center", "logo_height": 52, "logo_position": "center",
                   "logo_url": "", "social_buttons_layout": "bottom"}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn difference(
        file: &str,
        pointer: &str,
        first: Option<Value>,
        second: Option<Value>,
    ) -> Difference {
        Difference {
            file: file.into(),
            pointer: pointer.into(),
            first,
            second,
        }
    }

    #[test]
    fn json_differences_name_the_file_and_pointer() {
        let mut out = Vec::new();
        let a = json!({"name": "x", "options": {"a/b": 1, "list": [1, 2]}, "gone": true});
        let b = json!({"name": "x", "options": {"a/b": 2, "list": [1, 3]}, "new": false});
        diff_json("f.json", "", &a, &b, &mut out);
        assert_eq!(
            out,
            vec![
                difference("f.json", "/gone", Some(json!(true)), None),
                difference("f.json", "/options/a~1b", Some(json!(1)), Some(json!(2))),
                difference("f.json", "/options/list/1", Some(json!(2)), Some(json!(3))),
                difference("f.json", "/new", None, Some(json!(false))),
            ]
        );
        let mut out = Vec::new();
        diff_json("f.json", "", &json!([1]), &json!([1, 2]), &mut out);
        assert_eq!(
            out,
            vec![difference(
                "f.json",
                "",
                Some(json!([1])),
                Some(json!([1, 2]))
            )]
        );
    }

    #[test]
    fn only_what_a_rule_allows_is_ignored() {
        let per_tenant = difference(
            "custom-domains/custom-domains.json",
            "/0/verification/methods/0/record",
            Some(json!("a")),
            Some(json!("b")),
        );
        let default_added = difference(
            "database-connections/Username-Password-Authentication/database.json",
            "/options/disable_self_service_change_password",
            None,
            Some(json!(false)),
        );
        // The same option set otherwise, or lost, is a real difference.
        let other_value = Difference {
            second: Some(json!(true)),
            ..default_added.clone()
        };
        let lost = difference(
            "database-connections/Username-Password-Authentication/database.json",
            "/options/disable_self_service_change_password",
            Some(json!(false)),
            None,
        );
        // A record that disappears is not one that differs.
        let record_lost = Difference {
            second: None,
            ..per_tenant.clone()
        };
        let name = difference(
            "clients/A.json",
            "/name",
            Some(json!("A")),
            Some(json!("B")),
        );
        let (ignored, left) = apply_rules(vec![
            per_tenant,
            default_added,
            other_value.clone(),
            lost.clone(),
            record_lost.clone(),
            name.clone(),
        ]);
        assert_eq!(
            ignored
                .iter()
                .map(|(r, n)| (r.pointer, *n))
                .collect::<Vec<_>>(),
            [
                ("/*/verification/methods/*/record", 1),
                ("/options/disable_self_service_change_password", 1)
            ]
        );
        assert_eq!(left, vec![other_value, lost, record_lost, name]);
    }

    #[test]
    fn patterns_match_whole_segments() {
        assert!(matches("/*/created_at", "/3/created_at"));
        assert!(!matches("/*/created_at", "/3/x/created_at"));
        assert!(!matches("/*/created_at", "/created_at"));
        assert!(matches(
            "database-connections/*/database.json",
            "database-connections/db/database.json"
        ));
    }

    #[test]
    fn secret_markers_are_found() {
        assert_eq!(
            markers(
                r###"{"a": "##LOGSTREAMS_HTTP_SECRET##", "b": "##SMTP_PASS## and ##x## ####"}"###
            ),
            ["LOGSTREAMS_HTTP_SECRET", "SMTP_PASS"]
        );
    }

    #[test]
    fn colour_sequences_are_left_out_of_the_log_shown() {
        assert_eq!(
            without_colours(b"t - \x1b[31merror\x1b[39m: Problem"),
            b"t - error: Problem"
        );
        assert_eq!(without_colours(b"plain"), b"plain");
    }

    #[test]
    fn every_rule_says_why() {
        for r in RULES {
            assert!(!r.why.is_empty() && r.pointer.starts_with('/'), "{r:?}");
            if let Allowed::AddedAs(v) = r.allowed {
                assert!(serde_json::from_str::<Value>(v).is_ok(), "{r:?}");
            }
        }
    }
}
