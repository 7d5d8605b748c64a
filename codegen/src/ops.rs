//! Operations of the API description → `Endpoint` types and catalogue entries.

use serde_json::Value;

use super::names::{doc, lit, pascal, snake};
use super::types::{Ty, Types, ref_name};

/// A path, query or body parameter.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub(crate) name: String,
    pub(crate) ident: String,
    pub(crate) schema: Value,
    /// Whether the description requires it (a required query parameter is an argument of
    /// `new`, as path parameters are).
    pub(crate) required: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct BodySpec {
    pub(crate) schema: Value,
    pub(crate) required: bool,
    /// Whether the body is sent as `multipart/form-data` (else JSON).
    pub(crate) multipart: bool,
}

/// How a list operation pages.
#[derive(Debug, Clone)]
pub(crate) struct Paging {
    pub(crate) offset: bool,
    pub(crate) checkpoint: bool,
    /// The envelope's item list; `None` when pages are bare arrays.
    pub(crate) items_key: Option<String>,
    pub(crate) item: Value,
    /// The pagination query parameters the operation declares.
    pub(crate) declared: Vec<String>,
    /// The fields of the offset envelope (`start`, `limit`, `total`…; `total`, `page`,
    /// `per_page` for actions), when the answer may be one.
    pub(crate) offset_envelope: Vec<String>,
    /// Whether the answer may be a bare array.
    pub(crate) bare: bool,
    /// The item schema of the bare-array answer, when it differs from the envelope's.
    pub(crate) bare_item: Option<Value>,
}

/// What a successful answer carries.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    Nothing,
    Json { schema: Value, or_empty: bool },
    EventStream,
}

/// One operation of the description.
#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub(crate) id: String,
    pub(crate) method: String,
    /// Path template under `/api/v2`.
    pub(crate) path: String,
    pub(crate) tag: String,
    pub(crate) module: String,
    pub(crate) group: Vec<String>,
    pub(crate) name: String,
    /// The Rust type of the operation, chosen by [`resolve_type_names`] from `name_sources`.
    pub(crate) type_name: String,
    /// The names the rule may give the operation's type, best first: from
    /// `x-operation-request-parameters-name`, the request body schema, the 2xx response schema,
    /// and last the verb rule (which always names one).
    pub(crate) name_sources: Vec<(NameSource, String)>,
    pub(crate) scopes: Vec<String>,
    pub(crate) path_params: Vec<Param>,
    pub(crate) query: Vec<Param>,
    pub(crate) headers: Vec<String>,
    /// Whether the description accepts the `auth0-custom-domain` header parameter (inline or
    /// through `#/components/parameters`): a client-wide custom domain is sent on it.
    pub(crate) custom_domain: bool,
    pub(crate) body: Option<BodySpec>,
    pub(crate) answer: Answer,
    pub(crate) paging: Option<Paging>,
    pub(crate) lifecycle: String,
    /// The status of a successful answer: the one with a JSON body, else the first 2xx.
    pub(crate) success_status: u16,
}

/// Where an operation's type name comes from, in the rule's order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum NameSource {
    /// `x-operation-request-parameters-name` without `RequestParameters` (or `QueryParameters`,
    /// `Parameters`).
    Parameters,
    /// The request body schema without `RequestContent`.
    Body,
    /// The 2xx response schema without `ResponseContent`.
    Response,
    /// The verb of `x-operation-name`, the group's nouns, the rest of the operation name.
    Verb,
}

/// Gives every operation its type name: the first of its `name_sources`, unless another
/// operation has that name. On a clash, the operation whose name comes from the better source
/// keeps it and the others fall to their next source. (A schema with an operation's name
/// gets the suffix `Schema`.) Fails when the rule leaves a clash.
pub(crate) fn resolve_type_names(ops: &mut [Op]) -> Result<(), String> {
    let mut choice = vec![0usize; ops.len()];
    loop {
        let mut by_name: std::collections::BTreeMap<&str, Vec<usize>> =
            std::collections::BTreeMap::new();
        for (i, op) in ops.iter().enumerate() {
            by_name
                .entry(op.name_sources[choice[i]].1.as_str())
                .or_default()
                .push(i);
        }
        let mut fall = Vec::new();
        for (name, users) in by_name.iter().filter(|(_, u)| u.len() > 1) {
            let best = users
                .iter()
                .map(|&i| ops[i].name_sources[choice[i]].0)
                .min()
                .unwrap_or(NameSource::Verb);
            let keepers: Vec<usize> = users
                .iter()
                .copied()
                .filter(|&i| ops[i].name_sources[choice[i]].0 == best)
                .collect();
            if keepers.len() > 1 {
                let ids: Vec<&str> = keepers.iter().map(|&i| ops[i].id.as_str()).collect();
                return Err(format!(
                    "codegen: the naming rule gives {ids:?} the same name {name}"
                ));
            }
            fall.extend(users.iter().copied().filter(|i| *i != keepers[0]));
        }
        if fall.is_empty() {
            break;
        }
        for i in fall {
            if choice[i] + 1 >= ops[i].name_sources.len() {
                return Err(format!(
                    "codegen: the naming rule has no name left for {}",
                    ops[i].id
                ));
            }
            choice[i] += 1;
        }
    }
    for (i, op) in ops.iter_mut().enumerate() {
        op.type_name = op.name_sources[choice[i]].1.clone();
    }
    Ok(())
}

/// A word of a group name in the singular (`policies` → `policy`, `keys` → `key`).
fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if word.ends_with("ss") {
        word.to_owned()
    } else if let Some(stem) = word.strip_suffix('s') {
        stem.to_owned()
    } else {
        word.to_owned()
    }
}

/// The verb rule: the first word of the operation name, the nouns of the group (each group's
/// last word in the singular, but the last group's when the operation answers a list), then
/// the rest of the operation name; `deleteAll` puts `All` before the nouns.
/// (`logStreams` + `delete` → `DeleteLogStream`, `users`/`authenticationMethods` + `deleteAll`
/// → `DeleteAllUserAuthenticationMethods`, `anomaly`/`blocks` + `checkIp` →
/// `CheckAnomalyBlockIp`.)
pub(crate) fn verb_name(operation_name: &str, group: &[String], answers_list: bool) -> String {
    let words = super::names::words(operation_name);
    let (verb, rest) = words
        .split_first()
        .map_or(("call", &[][..]), |(v, r)| (v.as_str(), r));
    let all = rest.len() == 1 && rest[0].eq_ignore_ascii_case("all");
    let plural_last = answers_list || verb == "list" || all;
    let mut nouns = String::new();
    for (i, g) in group.iter().enumerate() {
        let mut ws = super::names::words(g);
        let last_group = i + 1 == group.len();
        if let Some(w) = ws.last_mut()
            && !(last_group && plural_last)
        {
            *w = singular(w);
        }
        nouns.push_str(&pascal(&ws.join("_")));
    }
    let rest = pascal(&rest.join("_"));
    if all {
        format!("{}All{nouns}", pascal(verb))
    } else if rest == "Empty" {
        format!("{}{nouns}", pascal(verb))
    } else {
        format!("{}{nouns}{rest}", pascal(verb))
    }
}

const PAGE_PARAMS: &[&str] = &["page", "per_page", "include_totals", "from", "take"];

/// Method names an endpoint's setter must not take (they are the traits' methods).
const RESERVED_METHODS: &[&str] = &[
    "new",
    "method",
    "path",
    "query",
    "body",
    "scopes",
    "checked_path",
    "parse_response",
    "returning",
    "pagination",
    "items_key",
    "page_request",
    "store_page_request",
    "set_page",
    "with_page",
    "next_page_request",
    "result_limit",
    "cursor_of",
];

impl Op {
    /// The required query parameters (arguments of the operation's `new`, after the path
    /// parameters), each beside its companion: `companions` holds one value per query
    /// parameter, in the same order (their Rust types, say).
    pub(crate) fn required_query<'a, T>(
        &'a self,
        companions: &'a [T],
    ) -> impl Iterator<Item = (&'a Param, &'a T)> {
        self.query_where(companions, true)
    }

    /// The optional query parameters (a setter each), beside their companions as in
    /// [`Op::required_query`].
    pub(crate) fn optional_query<'a, T>(
        &'a self,
        companions: &'a [T],
    ) -> impl Iterator<Item = (&'a Param, &'a T)> {
        self.query_where(companions, false)
    }

    fn query_where<'a, T>(
        &'a self,
        companions: &'a [T],
        required: bool,
    ) -> impl Iterator<Item = (&'a Param, &'a T)> {
        self.query
            .iter()
            .zip(companions)
            .filter(move |(q, _)| q.required == required)
    }

    /// Whether the operation's `new` takes its body (the description requires one).
    pub(crate) fn body_required(&self) -> bool {
        self.body.as_ref().is_some_and(|b| b.required)
    }

    /// Every schema the operation mentions.
    pub(crate) fn schemas(&self, f: &mut dyn FnMut(&Value)) {
        self.non_body_schemas(f);
        if let Some(b) = &self.body {
            f(&b.schema);
        }
    }

    /// Every schema the operation mentions, but its body.
    pub(crate) fn non_body_schemas(&self, f: &mut dyn FnMut(&Value)) {
        for p in self.path_params.iter().chain(&self.query) {
            f(&p.schema);
        }
        match &self.paging {
            Some(p) => f(&p.item),
            None => {
                if let Answer::Json { schema, .. } = &self.answer {
                    f(schema);
                }
            }
        }
    }
}

/// The header parameter that names the custom domain an operation's links and emails use.
pub(crate) const CUSTOM_DOMAIN_HEADER: &str = "auth0-custom-domain";

/// A parameter of the description, its `$ref` to `#/components/parameters` followed.
fn parameter<'s>(spec: &'s Value, p: &'s Value) -> &'s Value {
    let mut p = p;
    for _ in 0..8 {
        match p["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/parameters/"))
            .and_then(|name| spec["components"]["parameters"].get(name))
        {
            Some(target) => p = target,
            None => break,
        }
    }
    p
}

/// Reads every operation of the description.
pub(crate) fn collect(spec: &Value) -> Result<Vec<Op>, String> {
    let empty = serde_json::Map::new();
    let schemas = spec["components"]["schemas"].as_object().unwrap_or(&empty);
    let deref = |s: &Value| -> Value {
        let mut s = s.clone();
        for _ in 0..8 {
            match ref_name(&s).and_then(|r| schemas.get(r)) {
                Some(t) => s = t.clone(),
                None => break,
            }
        }
        s
    };
    let mut ops = Vec::new();
    let paths = spec["paths"]
        .as_object()
        .ok_or("the description has no paths")?;
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(o) = item.get(method) else { continue };
            let id = o["operationId"]
                .as_str()
                .ok_or_else(|| format!("{method} {path} has no operationId"))?
                .to_owned();
            let tag = o["tags"][0].as_str().unwrap_or("untagged").to_owned();
            let group = match &o["x-operation-group"] {
                Value::String(s) => vec![s.clone()],
                Value::Array(a) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                _ => vec![tag.clone()],
            };
            let name = o["x-operation-name"].as_str().unwrap_or(&id).to_owned();
            let scopes: Vec<String> = o["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.get("oAuth2ClientCredentials"))
                .filter_map(Value::as_array)
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            let mut path_params = Vec::new();
            let mut query = Vec::new();
            let mut headers = Vec::new();
            // The path item's parameters, then the operation's; references resolved.
            let declared = item["parameters"].as_array().into_iter().flatten();
            let declared = declared.chain(o["parameters"].as_array().into_iter().flatten());
            for p in declared.map(|p| parameter(spec, p)) {
                let pname = p["name"].as_str().unwrap_or_default().to_owned();
                let param = Param {
                    ident: snake(&pname),
                    name: pname.clone(),
                    schema: p["schema"].clone(),
                    required: p["required"] == true,
                };
                match p["in"].as_str() {
                    Some("path") => path_params.push(param),
                    Some("query") => query.push(param),
                    Some("header") => headers.push(pname),
                    _ => {}
                }
            }
            // Path parameters in the order the path has them.
            let mut ordered = Vec::new();
            for seg in path.split('/').filter(|s| !s.is_empty()) {
                if let Some(n) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    let p = path_params
                        .iter()
                        .find(|p: &&Param| p.name == n)
                        .cloned()
                        .ok_or_else(|| format!("{id}: path parameter {n} is not declared"))?;
                    ordered.push(p);
                } else if seg.contains('{') {
                    return Err(format!(
                        "{id}: a path segment mixes text and a parameter: {seg}"
                    ));
                }
            }
            let body = o.get("requestBody").map(|b| {
                let content = &b["content"];
                let multipart = content.get("application/json").is_none()
                    && content.get("multipart/form-data").is_some();
                let schema = content
                    .get("application/json")
                    .or_else(|| content.get("multipart/form-data"))
                    .map(|c| c["schema"].clone())
                    .unwrap_or(Value::Null);
                // The description marks no body as required, yet an operation with a body
                // needs one (a create without its object, an update without its changes):
                // every body is taken by `new`, and an empty body is one `new()` away.
                BodySpec {
                    schema,
                    required: true,
                    multipart,
                }
            });
            let responses = o["responses"].as_object().cloned().unwrap_or_default();
            let mut json = None;
            let mut json_status = None;
            let mut first_status = None;
            let mut empty_ok = false;
            let mut sse = false;
            for (code, r) in &responses {
                if !code.starts_with('2') {
                    continue;
                }
                let status: u16 = code.parse().unwrap_or(200);
                first_status.get_or_insert(status);
                match r.get("content").and_then(Value::as_object) {
                    Some(c) if c.contains_key("application/json") => {
                        if json.is_none() {
                            json = Some(c["application/json"]["schema"].clone());
                            json_status = Some(status);
                        }
                    }
                    Some(c) if c.contains_key("text/event-stream") => sse = true,
                    _ => empty_ok = true,
                }
            }
            let answer = match (json, sse) {
                (Some(schema), _) => Answer::Json {
                    schema,
                    or_empty: empty_ok,
                },
                (None, true) => Answer::EventStream,
                (None, false) => Answer::Nothing,
            };
            let qnames: Vec<&str> = query.iter().map(|p| p.name.as_str()).collect();
            let offset = qnames.contains(&"page") && qnames.contains(&"per_page");
            let checkpoint = qnames.contains(&"from") && qnames.contains(&"take");
            let mut paging = None;
            if (offset || checkpoint)
                && method == "get"
                && let Answer::Json { schema, .. } = &answer
            {
                paging = paging_of(&deref(schema), &deref, offset, checkpoint, &qnames)
                    .map_err(|e| format!("{id}: {e}"))?;
            }
            if paging.is_some() {
                query.retain(|p| !PAGE_PARAMS.contains(&p.name.as_str()));
            }
            for p in &mut query {
                if RESERVED_METHODS.contains(&p.ident.as_str())
                    || ordered.iter().any(|q: &Param| q.ident == p.ident)
                {
                    p.ident.push_str("_param");
                }
            }
            let mut name_sources = Vec::new();
            if let Some(n) = o["x-operation-request-parameters-name"].as_str() {
                let n = ["RequestParameters", "QueryParameters", "Parameters"]
                    .iter()
                    .find_map(|suffix| n.strip_suffix(suffix))
                    .unwrap_or(n);
                name_sources.push((NameSource::Parameters, pascal(n)));
            }
            if let Some(n) = body
                .as_ref()
                .and_then(|b| ref_name(&b.schema))
                .and_then(|r| r.strip_suffix("RequestContent"))
            {
                name_sources.push((NameSource::Body, pascal(n)));
            }
            if let Some(n) = responses
                .iter()
                .filter(|(code, _)| code.starts_with('2'))
                .flat_map(|(_, r)| r["content"].as_object().into_iter().flatten())
                .find_map(|(_, c)| ref_name(&c["schema"]))
                .and_then(|r| r.strip_suffix("ResponseContent"))
            {
                name_sources.push((NameSource::Response, pascal(n)));
            }
            let answers_list = paging.is_some()
                || matches!(&answer, Answer::Json { schema, .. }
                    if deref(schema).get("type").and_then(Value::as_str) == Some("array"));
            name_sources.push((NameSource::Verb, verb_name(&name, &group, answers_list)));
            ops.push(Op {
                type_name: String::new(),
                name_sources,
                module: super::module_name(&group[0]),
                id,
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                tag,
                group,
                name,
                scopes,
                path_params: ordered,
                query,
                custom_domain: headers
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(CUSTOM_DOMAIN_HEADER)),
                headers,
                body,
                answer,
                paging,
                lifecycle: o["x-release-lifecycle"].as_str().unwrap_or("").to_owned(),
                success_status: json_status.or(first_status).unwrap_or(200),
            });
        }
    }
    Ok(ops)
}

/// The paging of a list operation: its items key and item schema, from the answer's schema.
fn paging_of(
    answer: &Value,
    deref: &dyn Fn(&Value) -> Value,
    offset: bool,
    checkpoint: bool,
    qnames: &[&str],
) -> Result<Option<Paging>, String> {
    let shapes: Vec<Value> = match answer.get("oneOf").or_else(|| answer.get("anyOf")) {
        Some(Value::Array(a)) => a.iter().map(deref).collect(),
        _ => vec![answer.clone()],
    };
    let mut key: Option<String> = None;
    let mut item: Option<Value> = None;
    let mut offset_envelope = Vec::new();
    let mut bare = false;
    let mut bare_item: Option<Value> = None;
    for shape in &shapes {
        if shape["type"] == "array" {
            bare = true;
            bare_item.get_or_insert_with(|| shape["items"].clone());
            item.get_or_insert_with(|| shape["items"].clone());
            continue;
        }
        let Some(props) = shape["properties"].as_object() else {
            continue;
        };
        let lists: Vec<(&String, Value)> = props
            .iter()
            .map(|(k, v)| (k, deref(v)))
            .filter(|(_, v)| v["type"] == "array")
            .collect();
        match lists.as_slice() {
            [(k, v)] => {
                if key.as_deref().is_some_and(|old| old != k.as_str()) {
                    return Err(format!(
                        "envelopes name different item lists: {key:?} and {k}"
                    ));
                }
                key = Some((*k).clone());
                item = Some(v["items"].clone());
                if !props.contains_key("next") && offset_envelope.is_empty() {
                    offset_envelope = props.keys().filter(|p| *p != *k).cloned().collect();
                }
            }
            [] => {}
            _ => return Err("an envelope has several item lists".to_owned()),
        }
    }
    let Some(item) = item else {
        return Ok(None);
    };
    Ok(Some(Paging {
        offset,
        checkpoint,
        items_key: key,
        item,
        declared: PAGE_PARAMS
            .iter()
            .filter(|p| qnames.contains(p))
            .map(|p| (*p).to_owned())
            .collect(),
        offset_envelope,
        bare,
        bare_item,
    }))
}

/// The code of one operation and its catalogue entry.
pub(crate) struct Emitted {
    pub(crate) code: String,
    pub(crate) entry: String,
    /// The required body's type, as named inside the management crate.
    pub(crate) body: Option<String>,
    /// The body's type.
    pub(crate) body_ty: Option<Ty>,
    /// The type of the model the answer is read into (a page's item), if any.
    pub(crate) response_ty: Option<Ty>,
    /// The types of the query parameters, in order.
    pub(crate) query_tys: Vec<Ty>,
    /// For each path parameter, the string enum the description gives it, if any.
    pub(crate) path_enums: Vec<Option<String>>,
}

/// The Rust type of an operation's answer, as `Endpoint::Response`, whether it is read from
/// JSON, and the type of the model read (a page's item).
pub(crate) fn response_type(op: &Op, types: &mut Types<'_>) -> (String, bool, Option<Ty>) {
    match (&op.paging, &op.answer) {
        (Some(p), _) => {
            let item = types.ty_of(&p.item, &format!("{}Item", op.type_name), &op.module, None);
            (
                format!("crate::pagination::Page<{}>", item.rust()),
                true,
                Some(item),
            )
        }
        (None, Answer::Json { schema, or_empty }) => {
            let t = types.ty_of(
                schema,
                &format!("{}Response", op.type_name),
                &op.module,
                None,
            );
            if *or_empty {
                (format!("Option<{}>", t.rust()), true, Some(t))
            } else {
                (t.rust(), true, Some(t))
            }
        }
        (None, Answer::EventStream) => ("String".to_owned(), false, None),
        (None, Answer::Nothing) => ("crate::NoContent".to_owned(), false, None),
    }
}

/// The body type of an operation, if it has a body.
pub(crate) fn body_type(op: &Op, types: &mut Types<'_>) -> Option<Ty> {
    op.body.as_ref().map(|b| {
        if b.schema.is_null() {
            Ty::Json
        } else {
            types.ty_of(
                &b.schema,
                &format!("{}Body", op.type_name),
                &op.module,
                None,
            )
        }
    })
}

/// Our own description of an operation, for doc comments.
pub(crate) fn describe(op: &Op) -> String {
    let mut d = format!("`{} /api/v2{}` (operation `{}`", op.method, op.path, op.id);
    if !op.lifecycle.is_empty() && op.lifecycle != "GA" {
        d.push_str(&format!(", {} in the description", op.lifecycle));
    }
    d.push_str(").\n\n");
    if op.scopes.is_empty() {
        d.push_str("Scopes: none named.");
    } else {
        d.push_str(&format!(
            "Scopes: {}.",
            op.scopes
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(p) = &op.paging {
        let style = match (p.offset, p.checkpoint) {
            (true, true) => "offset (`page`/`per_page`) or checkpoint (`from`/`take`) pages",
            (true, false) => "offset pages (`page`/`per_page`)",
            _ => "checkpoint pages (`from`/`take`)",
        };
        match &p.items_key {
            Some(k) => d.push_str(&format!(" Pagination: {style}, items under `{k}`.")),
            None => d.push_str(&format!(" Pagination: {style}, pages are bare arrays.")),
        }
    } else {
        d.push_str(" Not paginated.");
    }
    if !op.headers.is_empty() {
        d.push_str(&format!(
            " Header parameters ({}) are sent with `CallOptions::header` of the facade.",
            op.headers
                .iter()
                .map(|h| format!("`{h}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    d
}

pub(crate) fn emit(op: &Op, types: &mut Types<'_>) -> Result<Emitted, String> {
    let name = &op.type_name;
    let (response, typed, response_ty) = response_type(op, types);
    let body = body_type(op, types);
    let body_required = op.body_required();
    let mut query_types = Vec::new();
    for q in &op.query {
        let hint = format!("{name}{}", pascal(&q.name));
        query_types.push(types.ty_of(&q.schema, &hint, &op.module, None));
    }

    // Path parameters with a string enum take it (and any string, through its `From`).
    let mut path_enums: Vec<Option<String>> = Vec::new();
    for p in &op.path_params {
        let hint = format!("{name}{}", pascal(&p.name));
        let t = types.ty_of(&p.schema, &hint, &op.module, None);
        path_enums.push(match t {
            Ty::Named(n)
                if matches!(
                    types.defs.get(&n).map(|d| &d.def),
                    Some(super::types::Def::Enum { .. })
                ) =>
            {
                Some(n)
            }
            _ => None,
        });
    }

    let mut s = doc(&describe(op));
    let no_args = op.path_params.is_empty()
        && op.required_query(&op.query).next().is_none()
        && !(body.is_some() && body_required);
    s.push_str(&format!(
        "#[derive(Debug, Clone{})]\npub struct {name} {{\n",
        if no_args { ", Default" } else { "" }
    ));
    for p in &op.path_params {
        s.push_str(&format!("{}: String,\n", p.ident));
    }
    if let Some(b) = &body {
        if body_required {
            s.push_str(&format!("body: {},\n", b.rust()));
        } else {
            s.push_str(&format!("body: Option<{}>,\n", b.rust()));
        }
    }
    for (q, t) in op.query.iter().zip(&query_types) {
        s.push_str(&format!("{}: Option<{}>,\n", q.ident, t.rust()));
    }
    if op.paging.is_some() {
        s.push_str("page: Option<crate::pagination::PageRequest>,\n");
    }
    s.push_str("}\n");

    // Constructor and setters.
    s.push_str(&format!("impl {name} {{\n"));
    let mut args = Vec::new();
    let mut inits = Vec::new();
    for (p, e) in op.path_params.iter().zip(&path_enums) {
        match e {
            Some(e) => {
                args.push(format!("{}: impl Into<{e}>", p.ident));
                inits.push(format!("{0}: {0}.into().as_str().to_owned()", p.ident));
            }
            None => {
                args.push(format!("{}: impl Into<String>", p.ident));
                inits.push(format!("{0}: {0}.into()", p.ident));
            }
        }
    }
    for (q, t) in op.required_query(&query_types) {
        args.push(format!("{}: impl Into<{}>", q.ident, t.rust()));
    }
    if let Some(b) = &body {
        if body_required {
            args.push(format!("body: {}", b.rust()));
            inits.push("body".to_owned());
        } else {
            inits.push("body: None".to_owned());
        }
    }
    for q in &op.query {
        if q.required {
            inits.push(format!("{0}: Some({0}.into())", q.ident));
        } else {
            inits.push(format!("{}: None", q.ident));
        }
    }
    if op.paging.is_some() {
        inits.push("page: None".to_owned());
    }
    let mut new_doc = String::from("The operation");
    if !op.path_params.is_empty() {
        new_doc.push_str(&format!(
            " on {}",
            op.path_params
                .iter()
                .map(|p| format!("`{}`", p.name))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let required: Vec<String> = op
        .required_query(&op.query)
        .map(|(q, _)| format!("`{}`", q.name))
        .collect();
    if !required.is_empty() {
        new_doc.push_str(&format!(
            ", with the required query parameter{} {}",
            if required.len() > 1 { "s" } else { "" },
            required.join(", ")
        ));
    }
    if body.is_some() && body_required {
        new_doc.push_str(", sending `body`");
    }
    new_doc.push('.');
    if !op.path_params.is_empty() {
        new_doc.push_str(" An empty or blank path parameter is refused when the call is made.");
    }
    s.push_str(&doc(&new_doc));
    if args.len() > 7 {
        s.push_str("#[allow(clippy::too_many_arguments)]\n");
    }
    if no_args {
        s.push_str("pub fn new() -> Self { Self::default() }\n");
    } else {
        s.push_str(&format!(
            "pub fn new({}) -> Self {{\nSelf {{ {} }}\n}}\n",
            args.join(", "),
            inits.join(", ")
        ));
    }
    if let (Some(b), false) = (&body, body_required) {
        s.push_str(&format!(
            "/// Sends `body` (the description makes the body optional).\npub fn with_body(mut self, body: impl Into<{}>) -> Self {{\nself.body = Some(body.into());\nself\n}}\n",
            b.rust()
        ));
    }
    for (q, t) in op.query.iter().zip(&query_types) {
        s.push_str(&format!(
            "/// Sets the query parameter `{}`.\npub fn {}(mut self, value: impl Into<{}>) -> Self {{\nself.{} = Some(value.into());\nself\n}}\n",
            q.name,
            q.ident,
            t.rust(),
            q.ident
        ));
    }
    s.push_str("}\n");

    // Endpoint.
    s.push_str(&format!(
        "impl crate::Endpoint for {name} {{\ntype Response = {response};\n\
         fn method(&self) -> http::Method {{ http::Method::{} }}\n",
        op.method
    ));
    let segs: Vec<String> = op
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(
            |seg| match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(n) => {
                    let p = op.path_params.iter().find(|p| p.name == n);
                    format!("&self.{}", p.map_or("missing", |p| p.ident.as_str()))
                }
                None => lit(seg),
            },
        )
        .collect();
    s.push_str(&format!(
        "fn path(&self) -> String {{ crate::path::build(&[{}]) }}\n",
        segs.join(", ")
    ));
    if !op.query.is_empty() || op.paging.is_some() {
        s.push_str(
            "fn query(&self) -> crate::QueryPairs {\nlet mut q = crate::QueryPairs::new();\n",
        );
        for (q, t) in op.query.iter().zip(&query_types) {
            let value = match t {
                Ty::Vec(_) => format!(
                    "self.{}.as_ref().map(|v| crate::api_support::join(v))",
                    q.ident
                ),
                _ => format!("self.{}.as_ref()", q.ident),
            };
            s.push_str(&format!("q.push_opt({}, {value});\n", lit(&q.name)));
            for (_, _, with, value, _) in super::overrides::QUERY_COMPANIONS
                .iter()
                .filter(|(id, when, ..)| *id == op.id && *when == q.name)
            {
                let ident = &op
                    .query
                    .iter()
                    .find(|p| p.name == *with)
                    .map_or_else(|| snake(with), |p| p.ident.clone());
                s.push_str(&format!(
                    "if self.{}.is_some() && self.{ident}.is_none() {{ q.push({}, {}); }}\n",
                    q.ident,
                    lit(with),
                    lit(value)
                ));
            }
        }
        if let Some(p) = &op.paging {
            s.push_str(&format!(
                "if let Some(page) = &self.page {{ q.extend(crate::api_support::page_query(page, &[{}])); }}\n",
                p.declared.iter().map(|d| lit(d)).collect::<Vec<_>>().join(", ")
            ));
        }
        s.push_str("q\n}\n");
    }
    if let Some(spec) = op.body.as_ref().filter(|b| b.multipart && body.is_some()) {
        // Each property a part; a property with a `contentMediaType` a file.
        let schema = types.resolved(&spec.schema);
        let mut files = Vec::new();
        for (prop, p) in schema["properties"].as_object().into_iter().flatten() {
            let Some(media) = p["contentMediaType"].as_str() else {
                continue;
            };
            let (file, media) = super::overrides::FILE_PARTS
                .iter()
                .find(|(id, field, ..)| *id == op.id && field == prop)
                .map_or((prop.clone(), media.to_owned()), |(_, _, f, m, _)| {
                    ((*f).to_owned(), (*m).to_owned())
                });
            files.push(format!("({}, {}, {})", lit(prop), lit(&file), lit(&media)));
        }
        let value = if body_required {
            "Some(&self.body)"
        } else {
            "self.body.as_ref()"
        };
        s.push_str(&format!(
            "fn body(&self) -> Result<Option<crate::Body>, crate::Error> {{ {value}.map(|b| crate::Body::multipart_from(b, &[{}])).transpose() }}\n",
            files.join(", ")
        ));
    } else if body.is_some() {
        if body_required {
            s.push_str("fn body(&self) -> Result<Option<crate::Body>, crate::Error> { Ok(Some(crate::Body::of(&self.body))) }\n");
        } else {
            s.push_str("fn body(&self) -> Result<Option<crate::Body>, crate::Error> { Ok(self.body.as_ref().map(crate::Body::of)) }\n");
        }
    }
    s.push_str(&format!(
        "fn scopes(&self) -> &[&'static str] {{ &[{}] }}\n",
        op.scopes
            .iter()
            .map(|x| lit(x))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if op.custom_domain {
        s.push_str("fn accepts_custom_domain(&self) -> bool { true }\n");
    }
    if op.paging.is_some() {
        s.push_str("page_response!();\n");
    }
    if matches!(op.answer, Answer::EventStream) && op.paging.is_none() {
        s.push_str("fn parse_response(&self, body: &[u8]) -> Result<String, crate::Error> { Ok(String::from_utf8_lossy(body).into_owned()) }\n");
    }
    s.push_str("}\n");
    let mut support = "None".to_owned();
    let mut key = "None".to_owned();
    if let Some(p) = &op.paging {
        let item = response
            .strip_prefix("crate::pagination::Page<")
            .and_then(|r| r.strip_suffix('>'))
            .unwrap_or("serde_json::Value");
        let sup = match (p.offset, p.checkpoint) {
            (true, true) => "BOTH",
            (true, false) => "OFFSET",
            _ => "CHECKPOINT",
        };
        let k = p.items_key.clone().unwrap_or_default();
        let mut extra = String::new();
        if let Some((_, limit, _)) = super::overrides::RESULT_LIMITS
            .iter()
            .find(|(id, ..)| *id == op.id)
        {
            extra.push_str(&format!(
                ", fn result_limit(&self) -> Option<u64> {{ Some({limit}) }}"
            ));
        }
        if let Some((_, field, _)) = super::overrides::CHECKPOINT_CURSORS
            .iter()
            .find(|(id, ..)| *id == op.id)
        {
            extra.push_str(&format!(
                ", fn cursor_of(item: &{item}) -> Option<String> {{ item.{}.clone() }}",
                snake(field)
            ));
        }
        s.push_str(&format!(
            "paginated!({name}, {item}, crate::pagination::PaginationSupport::{sup}, {}{extra});\n",
            lit(&k)
        ));
        support = format!("Some(PaginationSupport::{sup})");
        key = match &p.items_key {
            Some(k) => format!("Some({})", lit(k)),
            None => "None".to_owned(),
        };
    }
    let roundtrip = if typed {
        format!(
            "Some(crate::catalogue::roundtrip::<<crate::{}::{name} as crate::Endpoint>::Response>)",
            op.module
        )
    } else {
        "None".to_owned()
    };
    let entry = format!(
        "EndpointInfo {{ name: {}, resource: {}, method: Method::{}, path: {}, scopes: vec![{}], pagination: {support}, items_key: {key}, custom_domain: {}, roundtrip: {roundtrip} }},\n",
        lit(name),
        lit(&op.module),
        op.method,
        lit(&format!("/api/v2{}", op.path)),
        op.scopes
            .iter()
            .map(|x| lit(x))
            .collect::<Vec<_>>()
            .join(", "),
        op.custom_domain,
    );
    Ok(Emitted {
        code: s,
        entry,
        body: body.clone().filter(|_| body_required).map(|b| b.rust()),
        body_ty: body,
        response_ty,
        query_tys: query_types,
        path_enums,
    })
}

/// A Rust expression of type `ty` for tests: the simplest value the type has.
fn sample(ty: &Ty, types: &Types<'_>) -> String {
    use super::types::Def;
    match ty {
        Ty::Str => "\"x\".to_owned()".into(),
        Ty::Secret => "crate::Secret::new(\"s\")".into(),
        Ty::Timestamp => "crate::Timestamp::new(\"2025-01-01T00:00:00Z\")".into(),
        Ty::Bool => "true".into(),
        Ty::Int => "1i64".into(),
        Ty::Num => "1.0f64".into(),
        Ty::Json => "serde_json::Value::Null".into(),
        Ty::Map => "crate::secret::SecretMap::default()".into(),
        Ty::Vec(t) => format!("vec![{}]", sample(t, types)),
        Ty::Boxed(t) => format!("Box::new({})", sample(t, types)),
        Ty::Named(n) => match types.defs.get(n).map(|d| &d.def) {
            Some(Def::Struct {
                fields,
                request: true,
            }) => types.new_call(n, fields, |f| sample(&f.ty, types)),
            Some(Def::Enum { variants }) => format!("{n}::{}", variants[0].0),
            Some(Def::Union { .. }) => {
                format!("{n}::Unknown(crate::Unclassified(serde_json::json!({{}})))")
            }
            _ => format!("{n}::default()"),
        },
    }
}

/// A Rust expression of type `ty` valid against `schema` (the end-to-end run's request bodies):
/// a request body is built with `new` from valid required fields, any other value is read from
/// the schema's sample (`serde_json::from_str`), so that the fake tenant, which keeps what it
/// is sent, answers values its response schemas allow.
pub(crate) fn valid_sample(
    ty: &Ty,
    schema: &Value,
    types: &Types<'_>,
    sampler: &super::fake::Sampler<'_>,
) -> String {
    use super::types::Def;
    if let Ty::Named(n) = ty
        && let Some(Def::Struct {
            fields,
            request: true,
        }) = types.defs.get(n).map(|d| &d.def)
    {
        let mut expr = types.new_call(n, fields, |f| {
            valid_sample(&f.ty, &f.schema, types, sampler)
        });
        // A body that must hold a property (`minProperties`) and has no required one gets
        // one optional field: a boolean if it has one, else a string, else the first.
        let min = types.resolved(schema)["minProperties"]
            .as_u64()
            .unwrap_or(0);
        if types.constructor_args(fields).is_empty() && min > 0 {
            let optional = |want: Option<&Ty>| {
                fields
                    .iter()
                    .filter(|f| !f.required && f.schema["deprecated"] != true)
                    .filter(|f| want.is_none_or(|w| f.ty == *w))
                    .find(|f| !sampler.value(&f.schema).is_null())
            };
            if let Some(f) = optional(Some(&Ty::Bool))
                .or_else(|| optional(Some(&Ty::Str)))
                .or_else(|| optional(None))
            {
                expr.push_str(&format!(
                    ".with_{}({})",
                    f.ident.trim_end_matches('_'),
                    valid_sample(&f.ty, &f.schema, types, sampler)
                ));
            }
        }
        return expr;
    }
    let value = sampler.value(schema);
    if value.is_null() {
        return sample(ty, types);
    }
    if let (Ty::Str, Value::String(text)) = (ty, &value) {
        return format!("{text:?}.to_owned()");
    }
    format!(
        "serde_json::from_str::<{}>({:?}).expect(\"a sample of the description\")",
        ty.rust(),
        value.to_string()
    )
}

/// A path segment as the management crate encodes it (every byte but ASCII letters, digits,
/// `-`, `_` and `~` percent-encoded); computed here on its own, so that the tests check it.
fn encode_segment(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A block of the module's test: the operation's method, encoded path, scopes, body, refused
/// blank path parameter and first query parameter.
pub(crate) fn emit_test(op: &Op, e: &Emitted, types: &Types<'_>) -> String {
    let name = &op.type_name;
    let params: Vec<String> = (1..=op.path_params.len())
        .map(|i| format!("a b|{i}"))
        .collect();
    let mut args: Vec<String> = params.iter().map(|p| lit(p)).collect();
    let required: Vec<String> = op
        .required_query(&e.query_tys)
        .map(|(_, t)| sample(t, types))
        .collect();
    args.extend(required.iter().cloned());
    let body = e.body_ty.as_ref().map(|b| sample(b, types));
    if let Some(b) = &body {
        args.push(b.clone());
    }
    let mut expected = String::from("/api/v2");
    let mut i = 0;
    for seg in op.path.split('/').filter(|s| !s.is_empty()) {
        expected.push('/');
        if seg.starts_with('{') {
            expected.push_str(&encode_segment(&params[i]));
            i += 1;
        } else {
            expected.push_str(&encode_segment(seg));
        }
    }
    let mut t = format!(
        "{{\nlet ep = {name}::new({});\n\
         assert_eq!(crate::Endpoint::method(&ep), http::Method::{});\n\
         assert_eq!(crate::Endpoint::path(&ep), {});\n\
         assert_eq!(crate::Endpoint::scopes(&ep), &[{}] as &[&str]);\n\
         assert!(crate::Endpoint::body(&ep).expect(\"body\").{}());\n",
        args.join(", "),
        op.method,
        lit(&expected),
        op.scopes
            .iter()
            .map(|s| lit(s))
            .collect::<Vec<_>>()
            .join(", "),
        if body.is_some() { "is_some" } else { "is_none" },
    );
    if !op.path_params.is_empty() {
        let mut blank = vec![lit(" ")];
        blank.extend((1..op.path_params.len()).map(|_| lit("x")));
        blank.extend(required.iter().cloned());
        if let Some(b) = &body {
            blank.push(b.clone());
        }
        t.push_str(&format!(
            "assert!(crate::Endpoint::checked_path(&{name}::new({})).is_err());\n",
            blank.join(", ")
        ));
    }
    if let Some((q, qt)) = op.optional_query(&e.query_tys).next() {
        t.push_str(&format!(
            "let ep = {name}::new({}).{}({});\nassert!(crate::Endpoint::query(&ep).get({}).is_some());\n",
            args.join(", "),
            q.ident,
            sample(qt, types),
            lit(&q.name)
        ));
    }
    t.push_str("}\n");
    t
}

/// A readable Rust expression of type `ty` for a documentation example, and the types it
/// names (to `use`): a request body or model with `new(required…)`, each string its field's
/// name, the first variant of a union or an enum.
pub(crate) fn doc_sample(
    ty: &Ty,
    hint: &str,
    types: &Types<'_>,
    uses: &mut std::collections::BTreeSet<String>,
) -> String {
    sample_expr(ty, hint, types, uses, 0, false)
}

/// [`doc_sample`]; `exact`: the value goes where its type is expected exactly (a union
/// variant's payload, a list item), not through `impl Into`.
fn sample_expr(
    ty: &Ty,
    hint: &str,
    types: &Types<'_>,
    uses: &mut std::collections::BTreeSet<String>,
    depth: usize,
    exact: bool,
) -> String {
    use super::types::Def;
    let owned = |s: String| format!("{s}.to_owned()");
    match ty {
        Ty::Str if exact => owned(lit(hint)),
        Ty::Str => lit(hint),
        Ty::Secret => format!("auth0_m2m::management::Secret::new({})", lit(hint)),
        Ty::Timestamp => {
            "auth0_m2m::management::Timestamp::new(\"2025-01-01T00:00:00Z\")".to_owned()
        }
        Ty::Bool => "true".into(),
        Ty::Int => "1".into(),
        Ty::Num => "1.0".into(),
        Ty::Json => "serde_json::json!({})".into(),
        Ty::Map => "auth0_m2m::management::secret::SecretMap::default()".into(),
        Ty::Vec(t) => {
            format!(
                "vec![{}]",
                sample_expr(t, hint, types, uses, depth + 1, true)
            )
        }
        Ty::Boxed(t) => format!(
            "Box::new({})",
            sample_expr(t, hint, types, uses, depth + 1, true)
        ),
        Ty::Named(n) => {
            let name = types.aliases.get(n).unwrap_or(n);
            let Some(def) = types.defs.get(name) else {
                return "Default::default()".to_owned();
            };
            let n = name;
            let path = format!("auth0_m2m::management::{}::{}", def.module, n);
            match &def.def {
                Def::Struct { fields, request } if *request || types.settable.contains(name) => {
                    if depth > 4 {
                        return "Default::default()".to_owned();
                    }
                    uses.insert(path);
                    types.new_call(n, fields, |f| {
                        sample_expr(&f.ty, &f.json, types, uses, depth + 1, false)
                    })
                }
                Def::Enum { variants } => {
                    uses.insert(path);
                    format!("{n}::{}", variants[0].0)
                }
                Def::Union { variants, .. } => {
                    uses.insert(path);
                    match variants.first() {
                        Some(v) if depth <= 4 => format!(
                            "{n}::{}({})",
                            v.name,
                            sample_expr(&v.ty, hint, types, uses, depth + 1, true)
                        ),
                        _ => format!(
                            "{n}::Unknown(auth0_m2m::management::Unclassified(serde_json::json!({{}})))"
                        ),
                    }
                }
                _ => {
                    uses.insert(path);
                    format!("{n}::default()")
                }
            }
        }
    }
}
