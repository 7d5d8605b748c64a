//! The resource handles of `ManagementClient`, one per operation group of the description.
//!
//! Rules: the handle of group `["actions", "versions"]` is `ActionsVersions`, reached with
//! `client.actions().versions()`; an operation's method is its operation name in snake_case.
//! An accessor or method whose name the hand-written code of the client crate already gives the
//! same type (`ManagementClient::request`…) gets the suffix `_api`.
//!
//! Every method takes the operation's path parameters and body and returns a request builder:
//! a `List` for a paginated operation, a `Call` for any other. The optional query parameters
//! are methods of that builder (`impl Call<Endpoint>` / `impl List<Endpoint>`), each setting
//! the endpoint's own setter; one doc per method, from the description's facts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::names::{doc, lit, pascal, snake, words};
use super::ops::Op;

/// What the facade needs of a generated operation.
#[derive(Debug, Clone)]
pub(crate) struct OpTypes {
    /// The documentation example of the call: the types it names (paths to `use`) and the
    /// method's arguments.
    pub(crate) example: (Vec<String>, Vec<String>),
    /// The body type (qualified), when the body is required.
    pub(crate) body: Option<String>,
    /// The optional query parameters: Rust name, name in the description, type (qualified),
    /// schema.
    pub(crate) query: Vec<(String, String, String, Value)>,
    /// For each path parameter, the string enum (qualified) it takes, if the description gives
    /// it one.
    pub(crate) path_enums: Vec<Option<String>>,
}

/// Names the hand-written code of the client crate already uses: type → method names.
fn hand_written(root: &Path) -> Result<BTreeMap<String, BTreeSet<String>>, String> {
    let dir = root.join("crates/client/src");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let mut current: Option<String> = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("impl") {
                let rest = rest.trim_start_matches(|c| c != ' ').trim();
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                current = (!name.is_empty() && !rest.contains(" for ")).then_some(name);
                continue;
            }
            if line.starts_with('}') {
                current = None;
                continue;
            }
            let trimmed = line.trim_start();
            let method = trimmed
                .strip_prefix("pub async fn ")
                .or_else(|| trimmed.strip_prefix("pub fn "));
            if let (Some(m), Some(ty)) = (method, &current) {
                let name: String = m
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                out.entry(ty.clone()).or_default().insert(name);
            }
        }
    }
    Ok(out)
}

/// The handle of one operation group.
#[derive(Debug, Clone, Default)]
struct Handle {
    ty: String,
    /// The accessor on the parent (or on `ManagementClient`).
    accessor: String,
    parent: Option<Vec<String>>,
    /// Operation id → method name.
    methods: BTreeMap<String, String>,
}

/// Handle names and method names of every group.
pub(crate) struct Plan {
    handles: BTreeMap<Vec<String>, Handle>,
}

pub(crate) fn plan(root: &Path, ops: &[Op]) -> Result<Plan, String> {
    let known = hand_written(root)?;
    let none = BTreeSet::new();
    let mut groups: BTreeSet<Vec<String>> = BTreeSet::new();
    for op in ops {
        for n in 1..=op.group.len() {
            groups.insert(op.group[..n].to_vec());
        }
    }
    let mut handles: BTreeMap<Vec<String>, Handle> = BTreeMap::new();
    let mut taken = known.clone();
    for g in &groups {
        let ty = pascal(&g.join("_"));
        let parent_ty = if g.len() == 1 {
            "ManagementClient".to_owned()
        } else {
            handles[&g[..g.len() - 1].to_vec()].ty.clone()
        };
        let base = snake(g.last().map_or("api", String::as_str));
        let used = taken.entry(parent_ty).or_default();
        let accessor = if used.contains(&base) {
            format!("{base}_api")
        } else {
            base
        };
        used.insert(accessor.clone());
        handles.insert(
            g.clone(),
            Handle {
                ty,
                accessor,
                parent: (g.len() > 1).then(|| g[..g.len() - 1].to_vec()),
                methods: BTreeMap::new(),
            },
        );
    }
    for op in ops {
        let h = handles.get_mut(&op.group).ok_or("group without handle")?;
        let used = taken.entry(h.ty.clone()).or_default();
        let base = snake(&op.name);
        let name = if used.contains(&base) || known.get(&h.ty).unwrap_or(&none).contains(&base) {
            format!("{base}_api")
        } else {
            base
        };
        if !used.insert(name.clone()) {
            return Err(format!(
                "{}: method {name} is taken twice on {}",
                op.id, h.ty
            ));
        }
        h.methods.insert(op.id.clone(), name);
    }
    Ok(Plan { handles })
}

impl Plan {
    /// `actions().versions().list`: the handles and the method of an operation.
    fn chain(&self, op: &Op) -> String {
        let mut chain = Vec::new();
        for n in 1..=op.group.len() {
            if let Some(h) = self.handles.get(&op.group[..n]) {
                chain.push(format!("{}()", h.accessor));
            }
        }
        let method = self
            .handles
            .get(&op.group)
            .and_then(|h| h.methods.get(&op.id))
            .cloned()
            .unwrap_or_default();
        chain.push(method);
        chain.join(".")
    }

    /// `actions().versions().list(action_id)`.
    pub(crate) fn call_text(&self, op: &Op) -> String {
        let mut args: Vec<String> = op.path_params.iter().map(|p| p.ident.clone()).collect();
        args.extend(op.required_query(&op.query).map(|(q, _)| q.ident.clone()));
        if op.body_required() {
            args.push("body".into());
        }
        format!("{}({})", self.chain(op), args.join(", "))
    }

    /// The client crate's `handles` modules: path → source.
    pub(crate) fn emit(
        &self,
        ops: &[Op],
        info: &BTreeMap<String, OpTypes>,
        spec: &Value,
    ) -> Result<Vec<(PathBuf, String)>, String> {
        // Auth0's reference page of each operation → the call that replaces a deprecated one.
        let by_page: BTreeMap<String, String> = ops
            .iter()
            .map(|o| (reference_url(o), format!("client.{}", self.call_text(o))))
            .collect();
        let dir = PathBuf::from("crates/client/src/handles");
        let mut files: BTreeMap<String, String> = BTreeMap::new();
        for (g, h) in &self.handles {
            // The group's module (`ops::collect` names it so), its feature too.
            let top = crate::module_name(&g[0]);
            let src = files.entry(top.clone()).or_insert_with(|| {
                "#[allow(unused_imports)]\nuse auth0_m2m_management as m;\n\
                 #[allow(unused_imports)]\nuse crate::{Call, List, ManagementClient};\n"
                    .to_owned()
            });
            // The group as the feature and the accessors name it (`log_streams`,
            // `actions.versions`), not as the description spells it (`logStreams`).
            let group = g
                .iter()
                .map(|s| crate::module_name(s))
                .collect::<Vec<_>>()
                .join(".");
            src.push_str(&doc(&format!(
                "The operations of the group `{group}` of Auth0's API description (cargo feature \
                 `{top}`)."
            )));
            src.push_str(&format!(
                "#[derive(Debug, Clone, Copy)]\npub struct {}<'a> {{\n\
                 client: &'a ManagementClient,\n}}\n",
                h.ty
            ));
            match &h.parent {
                None => src.push_str(&format!(
                    "impl ManagementClient {{\n/// The [`{ty}`](crate::handles::{top}::{ty}) handle: operations of the group `{group}`.\npub fn {}(&self) -> {ty}<'_> {{ {ty} {{ client: self }} }}\n}}\n",
                    h.accessor,
                    ty = h.ty,
                )),
                Some(p) => {
                    let parent_ty = &self.handles[p].ty;
                    src.push_str(&format!(
                        "impl<'a> {parent_ty}<'a> {{\n/// The [`{ty}`] handle: operations of the group `{group}`.\npub fn {}(&self) -> {ty}<'a> {{ {ty} {{ client: self.client }} }}\n}}\n",
                        h.accessor,
                        ty = h.ty,
                    ));
                }
            }
            let mut methods = String::new();
            let mut setters = String::new();
            for op in ops.iter().filter(|o| &o.group == g) {
                let name = &h.methods[&op.id];
                let t = &info[&op.id];
                let operation = &spec["paths"][&op.path][op.method.to_ascii_lowercase()];
                let example = example(op, &self.chain(op), t);
                methods.push_str(&method(op, name, t, operation, &by_page, &example));
                setters.push_str(&builder_setters(op, t, spec));
            }
            if !methods.is_empty() {
                src.push_str(&format!("impl<'a> {}<'a> {{\n{methods}}}\n", h.ty));
            }
            src.push_str(&setters);
        }
        let mut out = Vec::new();
        let mut mod_rs = String::from(
            "//! Handles of every generated operation of the Management API, one per operation\n\
             //! group of Auth0's API description: `client.actions().list()`,\n\
             //! `client.log_streams().get(id)`, `client.actions().versions().list(action_id)`.\n\
             //!\n\
             //! The table of every operation with its type and call is in\n\
             //! [`auth0_m2m_management::operations`].\n",
        );
        for (top, src) in &files {
            // One file per top-level group, named as the group's module and feature.
            mod_rs.push_str(&format!(
                "/// Handles of the group `{top}` and its subgroups.\n\
                 #[cfg(feature = {top:?})]\n\
                 #[cfg_attr(docsrs, doc(cfg(feature = {top:?})))]\npub mod {top};\n"
            ));
            out.push((dir.join(format!("{top}.rs")), src.clone()));
        }
        out.push((dir.join("mod.rs"), mod_rs));
        Ok(out)
    }
}

/// The methods of the builders (`Call`, `List`), which a query parameter's setter must not take.
const BUILDER_METHODS: &[&str] = &[
    "options",
    "endpoint",
    "call_options",
    "map_endpoint",
    "send",
    "send_with_response",
    "into_future",
    "page",
    "pages",
    "items",
    "responses",
    "collect_all",
    "clone",
];

/// The builder method of a query parameter: its endpoint setter's name, with `_param` when
/// the builder has a method of that name.
fn setter_name(ident: &str) -> String {
    if BUILDER_METHODS.contains(&ident) {
        format!("{ident}_param")
    } else {
        ident.to_owned()
    }
}

/// The endpoint type of an operation, as the client crate names it.
fn endpoint_path(op: &Op) -> String {
    format!("m::{}::{}", op.module, op.type_name)
}

/// A facade method: the required inputs as arguments, a builder as the result.
fn method(
    op: &Op,
    name: &str,
    t: &OpTypes,
    operation: &Value,
    by_page: &BTreeMap<String, String>,
    example: &str,
) -> String {
    let ep = endpoint_path(op);
    let mut params: Vec<String> = op
        .path_params
        .iter()
        .zip(&t.path_enums)
        .map(|(p, e)| match e {
            Some(e) => format!("{}: impl Into<{e}>", p.ident),
            None => format!("{}: &str", p.ident),
        })
        .collect();
    let mut args: Vec<String> = op.path_params.iter().map(|p| p.ident.clone()).collect();
    for (_, (ident, _, ty, _)) in op.required_query(&t.query) {
        params.push(format!("{ident}: impl Into<{ty}>"));
        args.push(ident.clone());
    }
    if let Some(b) = &t.body {
        params.push(format!("body: {b}"));
        args.push("body".into());
    }
    let (builder, bind) = if op.paging.is_some() {
        ("List", "list")
    } else {
        ("Call", "call")
    };
    let mut s = doc(&format!("{}\n\n{example}", method_doc(op, t, operation)));
    if let Some(note) = deprecation(operation, by_page) {
        s.push_str(&format!("#[deprecated(note = {})]\n", lit(&note)));
    }
    if params.len() > 6 {
        s.push_str("#[allow(clippy::too_many_arguments)]\n");
    }
    let plist = if params.is_empty() {
        String::new()
    } else {
        format!(", {}", params.join(", "))
    };
    s.push_str(&format!(
        "pub fn {name}(&self{plist}) -> {builder}<{ep}> {{\nself.client.{bind}({ep}::new({}))\n}}\n",
        args.join(", ")
    ));
    s
}

/// The builder methods of an operation's optional query parameters.
fn builder_setters(op: &Op, t: &OpTypes, spec: &Value) -> String {
    if op.optional_query(&op.query).next().is_none() {
        return String::new();
    }
    let builder = if op.paging.is_some() { "List" } else { "Call" };
    let mut s = format!(
        "/// The optional query parameters of [`{}`]({}).\nimpl {builder}<{}> {{\n",
        op.type_name,
        endpoint_path(op),
        endpoint_path(op)
    );
    for (_, (ident, name, ty, schema)) in op.optional_query(&t.query) {
        let method = setter_name(ident);
        s.push_str(&doc(&format!(
            "Sends the query parameter `{name}`{}.",
            param_facts(&resolve(schema, spec))
        )));
        if schema["deprecated"] == true {
            s.push_str(
                "#[deprecated(note = \"Auth0's API description deprecates this parameter\")]\n",
            );
        }
        s.push_str(&format!(
            "pub fn {method}(self, value: impl Into<{ty}>) -> Self {{\nself.map_endpoint(|e| e.{ident}(value))\n}}\n"
        ));
    }
    s.push_str("}\n");
    s
}

/// A schema with its `$ref` (and its array items' `$ref`) replaced by the component.
fn resolve(schema: &Value, spec: &Value) -> Value {
    let deref = |s: &Value| -> Value {
        match s["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
            Some(name) => spec["components"]["schemas"][name].clone(),
            None => s.clone(),
        }
    };
    let mut out = deref(schema);
    if out["type"] == "array" {
        out["items"] = deref(&out["items"]);
    }
    out
}

/// What the description says of a parameter's value: type and format, allowed values,
/// default, bounds.
fn param_facts(schema: &Value) -> String {
    let mut facts = Vec::new();
    let kind = |s: &Value| -> String {
        match (s["type"].as_str(), s["format"].as_str()) {
            (Some(t), Some(f)) => format!("{t} ({f})"),
            (Some(t), None) => t.to_owned(),
            _ => "value".to_owned(),
        }
    };
    if schema["type"] == "array" {
        facts.push(format!(
            "a list of {}s, sent comma-separated",
            kind(&schema["items"])
        ));
    } else if schema["type"].is_string() {
        let k = kind(schema);
        facts.push(format!("{} {k}", article(&k)));
    }
    if let Some(values) = schema["enum"].as_array() {
        facts.push(format!(
            "one of {}",
            values
                .iter()
                .map(|v| format!(
                    "`{}`",
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(d) = schema.get("default").filter(|d| !d.is_null()) {
        facts.push(format!("default `{d}`"));
    }
    for (key, what, unit) in [
        ("minimum", "at least", ""),
        ("maximum", "at most", ""),
        ("minLength", "at least", " characters"),
        ("maxLength", "at most", " characters"),
    ] {
        if let Some(v) = schema.get(key).filter(|v| v.is_number()) {
            facts.push(format!("{what} {v}{unit}"));
        }
    }
    if facts.is_empty() {
        String::new()
    } else {
        format!(": {}", facts.join("; "))
    }
}

/// Auth0's reference page of an operation: the tag, then the operation id with hyphens.
pub(crate) fn reference_url(op: &Op) -> String {
    format!(
        "https://auth0.com/docs/api/management/v2/{}/{}",
        op.tag,
        op.id.replace('_', "-")
    )
}

/// The note of `#[deprecated]` when the description deprecates the operation (a `deprecated`
/// flag, or a description that opens by saying so), naming the call that replaces it when its
/// reference page is linked.
fn deprecation(operation: &Value, by_page: &BTreeMap<String, String>) -> Option<String> {
    let text = operation["description"].as_str().unwrap_or_default();
    if operation["deprecated"] != true && !text.contains("has been deprecated") {
        return None;
    }
    let link = text
        .split("href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|url| url.trim_end_matches('/'));
    Some(match link {
        Some(url) => match by_page.get(url) {
            Some(call) => format!("Auth0 deprecated this operation: use `{call}` instead"),
            None => format!("Auth0 deprecated this operation: see {url} for its replacement"),
        },
        None => "Auth0 deprecated this operation".to_owned(),
    })
}

/// Words that read as capitals in a sentence.
const ACRONYMS: &[&str] = &[
    "ip", "sms", "scim", "cimd", "apns", "fcm", "fcmv1", "sns", "mfa", "id", "url", "ssl", "api",
    "oidc", "saml", "jwt", "ul",
];

fn phrase(name: &str) -> Vec<String> {
    words(name)
        .into_iter()
        .map(|w| {
            let lower = w.to_ascii_lowercase();
            if ACRONYMS.contains(&lower.as_str()) {
                lower.to_ascii_uppercase()
            } else {
                lower
            }
        })
        .collect()
}

/// `policies` → `policy`, `streams` → `stream`; `status`, `access`, `SMS` stay.
fn singular(word: &str) -> String {
    if word.chars().all(|c| !c.is_ascii_lowercase()) {
        return word.to_owned();
    }
    if let Some(stem) = word.strip_suffix("ies") {
        return format!("{stem}y");
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
        return word.to_owned();
    }
    word.strip_suffix('s').unwrap_or(word).to_owned()
}

/// `get` → `Gets`, `patch` → `Patches`, `verify` → `Verifies`.
fn third_person(verb: &str) -> String {
    let v = match verb {
        "rollback" => return "Rolls back".to_owned(),
        v if v.ends_with("sh") || v.ends_with("ch") || v.ends_with('s') || v.ends_with('x') => {
            format!("{v}es")
        }
        v if v.ends_with('y') && !v[..v.len() - 1].ends_with(['a', 'e', 'i', 'o', 'u']) => {
            format!("{}ies", &v[..v.len() - 1])
        }
        v => format!("{v}s"),
    };
    let mut cs = v.chars();
    cs.next()
        .map(|f| f.to_ascii_uppercase().to_string() + cs.as_str())
        .unwrap_or_default()
}

fn article(noun: &str) -> &'static str {
    // "a user", "a universal login": a `u` that sounds as `you` takes "a".
    if noun.starts_with("us") || noun.starts_with("uni") {
        return "a";
    }
    match noun.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// The operation's first sentence, from its group and `x-operation-name`: "Creates a log
/// stream.", "Lists the action versions.", "Rotates the secret of a client.".
fn sentence(op: &Op) -> String {
    // The group as words: every part singular but the last.
    let mut group: Vec<String> = Vec::new();
    for (i, part) in op.group.iter().enumerate() {
        let ws = phrase(part);
        if i + 1 < op.group.len() {
            group.extend(ws.iter().map(|w| singular(w)));
        } else {
            group.extend(ws);
        }
    }
    let plural = group.join(" ");
    let mut one = group.clone();
    if let Some(last) = one.last_mut() {
        *last = singular(last);
    }
    let one = one.join(" ");
    // On one item: the path ends with its id, or with an action on it (`…/{id}/deploy`).
    let last = op.path.rsplit('/').next().unwrap_or_default();
    let group_words: Vec<String> = op.group.iter().map(|g| snake(g)).collect();
    let on_item =
        last.starts_with('{') || (op.path.contains('{') && !group_words.contains(&snake(last)));
    let item = if on_item {
        format!("{} {one}", article(&one))
    } else {
        format!("the {plural}")
    };
    let name = phrase(&op.name);
    let mut verb = name.first().cloned().unwrap_or_default();
    let mut words: Vec<String> = name[1..].to_vec();
    // `bulkUpdate` → "Updates the … in bulk".
    let mut suffix = "";
    if verb == "bulk" && !words.is_empty() {
        verb = words.remove(0);
        suffix = " in bulk";
    }
    // `listUsersByEmail` in group `users`: the group's words are not said twice.
    let last_words = op.group.last().map(|g| phrase(g)).unwrap_or_default();
    if !last_words.is_empty() && words.starts_with(&last_words) {
        words.drain(..last_words.len());
    }
    let rest = words.join(" ");
    let text = match (verb.as_str(), rest.as_str()) {
        // `updateMany` → "Updates several action trigger bindings."
        (_, "many") => format!("{} several {plural}", third_person(&verb)),
        // `deleteAll` → "Deletes all the user authenticators."
        (_, "all") => format!("{} all the {plural}", third_person(&verb)),
        // `getDefault` → "Gets the default branding theme."; `getDaily` → "Gets the daily stats."
        (_, "default") => format!("{} the default {one}", third_person(&verb)),
        (_, "daily") => format!("{} the daily {plural}", third_person(&verb)),
        _ => sentence_text(&verb, &rest, &plural, &one, &item, on_item),
    };
    format!("{text}{suffix}.")
}

/// The sentence of an operation whose name says nothing the rules above read.
fn sentence_text(
    verb: &str,
    rest: &str,
    plural: &str,
    one: &str,
    item: &str,
    on_item: bool,
) -> String {
    match (verb, rest.is_empty()) {
        ("list", true) => format!("Lists the {plural}"),
        ("create", true) => format!("Creates {} {one}", article(one)),
        (_, true) => format!("{} {item}", third_person(verb)),
        // `getByName` → "Gets an organization by name."
        (_, false) if rest.starts_with("by ") => {
            format!("{} {item} {rest}", third_person(verb))
        }
        (_, false) => {
            let owner = if on_item {
                format!("{} {one}", article(one))
            } else {
                format!("the {plural}")
            };
            format!("{} the {rest} of {owner}", third_person(verb))
        }
    }
}

/// The example of a facade method's doc: the call with its required arguments, compiled as a
/// documentation test (a function that is defined, never called: the doctests of the crate
/// merge into one program that builds once).
fn example(op: &Op, chain: &str, t: &OpTypes) -> String {
    let (uses, args) = &t.example;
    let mut s = String::from(
        "```\n# async fn example(client: auth0_m2m::ManagementClient) -> Result<(), auth0_m2m::Error> {\n",
    );
    for u in uses {
        s.push_str(&format!("use {u};\n"));
    }
    let call = format!("client.{chain}({})", args.join(", "));
    if op.paging.is_some() {
        s.push_str(&format!("let all = {call}.collect_all().await?;\n"));
    } else if matches!(op.answer, crate::ops::Answer::Nothing) {
        s.push_str(&format!("{call}.await?;\n"));
    } else {
        s.push_str(&format!("let answer = {call}.await?;\n"));
    }
    s.push_str("# Ok(())\n# }\n```");
    s
}

/// A facade method's doc: what it does, method and path, scopes, pagination, release stage,
/// documented errors, Auth0's reference page, and the builder it returns.
fn method_doc(op: &Op, t: &OpTypes, operation: &Value) -> String {
    let mut d = sentence(op);
    d.push_str(&format!("\n\n`{} /api/v2{}`", op.method, op.path));
    match op.scopes.as_slice() {
        [] => d.push_str(", no scope named by the description"),
        [one] => d.push_str(&format!(", needs the scope `{one}`")),
        many => d.push_str(&format!(
            ", needs one of the scopes {}",
            many.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    d.push('.');
    match op.lifecycle.as_str() {
        "" | "GA" => {}
        "EA" => d.push_str(" Early access: the tenant must have it enabled."),
        "beta" => d.push_str(" In beta: it may still change."),
        other => d.push_str(&format!(" Release stage `{other}`.")),
    }
    let errors: Vec<String> = operation["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(code, _)| code)
        .filter(|c| !c.starts_with('2'))
        .map(|c| c.to_owned())
        .collect();
    if !errors.is_empty() {
        d.push_str(&format!(
            " Documented error statuses: {}.",
            errors.join(", ")
        ));
    }
    d.push_str(&format!(" [Auth0's reference]({}).", reference_url(op)));
    let ep = format!("[`{}`]({})", op.type_name, endpoint_path(op));
    if let Some(p) = &op.paging {
        let style = match (p.offset, p.checkpoint) {
            (true, true) => "offset (`page`/`per_page`) or checkpoint (`from`/`take`) pages",
            (true, false) => "offset pages (`page`/`per_page`)",
            _ => "checkpoint pages (`from`/`take`)",
        };
        d.push_str(&format!(
            "\n\nPaginated in {style}. Returns the [`List`] of {ep}: `.items()` streams every item, \
             `.pages()` every page, `.collect_all()` gathers them, `.await` reads one page."
        ));
    } else {
        d.push_str(&format!(
            "\n\nReturns the [`Call`] of {ep}: `.await` it for the answer, \
             `.send_with_response()` for the answer with its metadata."
        ));
    }
    let optional: Vec<String> = op
        .optional_query(&t.query)
        .map(|(_, (ident, ..))| format!("`.{}(…)`", setter_name(ident)))
        .collect();
    if !optional.is_empty() {
        d.push_str(&format!(
            " Optional query parameters: {}.",
            optional.join(", ")
        ));
    }
    if !op.headers.is_empty() {
        d.push_str(&format!(
            " Header parameters ({}) are sent with [`CallOptions::header`](crate::CallOptions::header).",
            op.headers
                .iter()
                .map(|h| format!("`{h}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The operations of the description, read once.
    fn ops() -> (Value, Vec<Op>) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let text = std::fs::read_to_string(crate::spec_path(&root)).expect("the description");
        let spec: Value = serde_json::from_str(&text).expect("JSON");
        let ops = crate::ops::collect(&spec).expect("operations");
        (spec, ops)
    }

    fn op<'a>(ops: &'a [Op], id: &str) -> &'a Op {
        ops.iter().find(|o| o.id == id).expect(id)
    }

    #[test]
    fn sentences_come_from_the_group_and_the_operation_name() {
        let (_, ops) = ops();
        for (id, expected) in [
            ("post_log-streams", "Creates a log stream."),
            ("get_log-streams_by_id", "Gets a log stream."),
            ("get_actions", "Lists the actions."),
            ("get_action_versions", "Lists the action versions."),
            ("delete_log-streams_by_id", "Deletes a log stream."),
            ("post_deploy_action", "Deploys an action."),
            ("get_rate-limit-policies", "Lists the rate limit policies."),
            ("delete_grants_by_id", "Deletes a user grant."),
            ("post_rotate-secret", "Rotates the secret of a client."),
            ("patch_bindings", "Updates several action trigger bindings."),
            ("get_users-by-email", "Lists the users by email."),
            (
                "delete_authentication-methods",
                "Deletes all the user authentication methods.",
            ),
            ("get_daily", "Gets the daily stats."),
            (
                "get_default_branding_theme",
                "Gets the default branding theme.",
            ),
        ] {
            assert_eq!(sentence(op(&ops, id)), expected, "{id}");
        }
    }

    #[test]
    fn reference_pages_follow_auth0s_pattern() {
        let (_, ops) = ops();
        // As the description itself links them.
        assert_eq!(
            reference_url(op(&ops, "get_organization_member_roles")),
            "https://auth0.com/docs/api/management/v2/organizations/get-organization-member-roles"
        );
        assert_eq!(
            reference_url(op(&ops, "post_log-streams")),
            "https://auth0.com/docs/api/management/v2/log-streams/post-log-streams"
        );
    }

    #[test]
    fn deprecated_operations_name_their_replacement() {
        let (spec, ops) = ops();
        let by_page: BTreeMap<String, String> = ops
            .iter()
            .map(|o| (reference_url(o), o.id.clone()))
            .collect();
        let mut deprecated = Vec::new();
        for o in &ops {
            let operation = &spec["paths"][&o.path][o.method.to_ascii_lowercase()];
            if let Some(note) = deprecation(operation, &by_page) {
                deprecated.push((o.id.clone(), note));
            }
        }
        assert_eq!(deprecated.len(), 5, "{deprecated:?}");
        let twilio = deprecated
            .iter()
            .find(|(id, _)| id == "put_sms_twilio_factor_provider")
            .expect("the deprecated Twilio SMS operation");
        assert_eq!(
            twilio.1,
            "Auth0 deprecated this operation: use `put_twilio` instead"
        );
        // A link to a page no operation id gives still names the replacement's page.
        let selected = deprecated
            .iter()
            .find(|(id, _)| id == "get_sms_providers")
            .expect("the deprecated SMS provider operation");
        assert_eq!(
            selected.1,
            "Auth0 deprecated this operation: see \
             https://auth0.com/docs/api/management/v2/guardian/get-phone-providers for its replacement"
        );
    }

    #[test]
    fn method_docs_carry_the_facts_without_a_stray_colon() {
        let (spec, ops) = ops();
        let o = op(&ops, "post_log-streams");
        let operation = &spec["paths"][&o.path]["post"];
        let t = OpTypes {
            example: (
                vec!["auth0_m2m::management::log_streams::X".to_owned()],
                vec!["X::new()".to_owned()],
            ),
            body: None,
            query: Vec::new(),
            path_enums: Vec::new(),
        };
        let d = method_doc(o, &t, operation);
        let e = example(o, "log_streams().create", &t);
        assert!(
            e.contains("use auth0_m2m::management::log_streams::X;"),
            "{e}"
        );
        assert!(
            e.contains("let answer = client.log_streams().create(X::new()).await?;"),
            "{e}"
        );
        for fact in [
            "Creates a log stream.",
            "`POST /api/v2/log-streams`",
            "`create:log_streams`",
            "409",
            "https://auth0.com/docs/api/management/v2/log-streams/post-log-streams",
            "[`Call`]",
        ] {
            assert!(d.contains(fact), "{fact} missing from {d}");
        }
        assert!(!d.contains(".:"), "{d}");
        let list = op(&ops, "get_actions");
        let d = method_doc(list, &t, &spec["paths"][&list.path]["get"]);
        assert!(d.contains("Paginated in offset pages"), "{d}");
        assert!(d.contains("[`List`]"), "{d}");
    }

    #[test]
    fn parameter_facts_name_type_values_default_and_bounds() {
        let schema = serde_json::json!({
            "type": "integer", "minimum": 0, "maximum": 100, "default": 50
        });
        assert_eq!(
            param_facts(&schema),
            ": an integer; default `50`; at least 0; at most 100"
        );
        let schema = serde_json::json!({"type": "string", "enum": ["asc", "desc"]});
        assert_eq!(param_facts(&schema), ": a string; one of `asc`, `desc`");
    }
}
