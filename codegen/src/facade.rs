//! The resource handles of `ManagementClient`, one per operation group of the description.
//!
//! Rules: the handle of group `["actions", "versions"]` is `ActionsVersions`, reached with
//! `client.actions().versions()`; an operation's method is its operation name in snake_case.
//! The ten handles written by hand (`Clients`, `Users`…) get the generated operations of their
//! group as methods too. An accessor or method whose name a hand-written method already takes
//! gets the suffix `_api`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::names::{doc, pascal, snake};
use super::ops::{Op, describe};

/// What the facade needs of a generated operation.
#[derive(Debug, Clone)]
pub(crate) struct OpTypes {
    /// `Endpoint::Response`, with names qualified from the client crate.
    pub(crate) response: String,
    /// Whether the response is `NoContent`.
    pub(crate) no_content: bool,
    /// The body type (qualified), when the body is required.
    pub(crate) body: Option<String>,
    /// Whether the operation has optional inputs (query parameters, an optional body).
    pub(crate) has_options: bool,
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
        // `handle!(doc, Type, accessor)` adds `accessor` to ManagementClient.
        let mut rest = text.as_str();
        while let Some(i) = rest.find("handle!(") {
            rest = &rest[i + 8..];
            let end = rest.find(");").unwrap_or(rest.len());
            let parts: Vec<&str> = rest[..end]
                .split(',')
                .filter_map(|p| p.split_whitespace().last())
                .collect();
            if let [.., ty, accessor] = parts.as_slice()
                && ty.chars().all(|c| c.is_ascii_alphanumeric())
            {
                out.entry("ManagementClient".into())
                    .or_default()
                    .insert((*accessor).to_owned());
                out.entry(format!("handle:{ty}")).or_default();
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
    hand_written: bool,
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
    let mut taken: BTreeMap<String, BTreeSet<String>> = known
        .iter()
        .filter(|(k, _)| !k.starts_with("handle:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for g in &groups {
        let ty = pascal(&g.join("_"));
        let hand = g.len() == 1 && known.contains_key(&format!("handle:{ty}"));
        let parent_ty = if g.len() == 1 {
            "ManagementClient".to_owned()
        } else {
            handles[&g[..g.len() - 1].to_vec()].ty.clone()
        };
        let accessor = if hand {
            snake(&g[0])
        } else {
            let base = snake(g.last().map_or("api", String::as_str));
            let used = taken.entry(parent_ty.clone()).or_default();
            let name = if used.contains(&base) {
                format!("{base}_api")
            } else {
                base
            };
            used.insert(name.clone());
            name
        };
        handles.insert(
            g.clone(),
            Handle {
                ty,
                accessor,
                parent: (g.len() > 1).then(|| g[..g.len() - 1].to_vec()),
                hand_written: hand,
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
        if op.paging.is_some() || has_options(op) {
            let with = format!("{name}_with");
            if !used.insert(with.clone()) {
                return Err(format!("{}: method {with} is taken twice", op.id));
            }
        }
        h.methods.insert(op.id.clone(), name);
    }
    Ok(Plan { handles })
}

fn has_options(op: &Op) -> bool {
    !op.query.is_empty() || op.body.as_ref().is_some_and(|b| !b.required)
}

impl Plan {
    /// `actions().versions().list(action_id)`.
    pub(crate) fn call_text(&self, op: &Op) -> String {
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
        let mut args: Vec<String> = op.path_params.iter().map(|p| p.ident.clone()).collect();
        if op.body.as_ref().is_some_and(|b| b.required) {
            args.push("body".into());
        }
        chain.push(format!("{method}({})", args.join(", ")));
        chain.join(".")
    }

    /// The client crate's `api` modules: path → source.
    pub(crate) fn emit(
        &self,
        ops: &[Op],
        info: &BTreeMap<String, OpTypes>,
    ) -> Result<Vec<(PathBuf, String)>, String> {
        let dir = PathBuf::from("crates/client/src/api");
        let mut files: BTreeMap<String, String> = BTreeMap::new();
        for (g, h) in &self.handles {
            let top = snake(&g[0]);
            let src = files.entry(top.clone()).or_insert_with(|| {
                "#[allow(unused_imports)]\nuse auth0_m2m_management as m;\n\
                 #[allow(unused_imports)]\nuse crate::{Error, List, ManagementClient};\n"
                    .to_owned()
            });
            let ty_path = if h.hand_written {
                format!("crate::{}", h.ty)
            } else {
                h.ty.clone()
            };
            if !h.hand_written {
                src.push_str(&doc(&format!(
                    "The operations of the group `{}` of Auth0's API description.",
                    g.join(".")
                )));
                src.push_str(&format!(
                    "#[derive(Debug, Clone, Copy)]\npub struct {}<'a> {{\n\
                     /// Read by the methods of the tags whose features are enabled.\n\
                     #[allow(dead_code)]\nclient: &'a ManagementClient,\n}}\n",
                    h.ty
                ));
                match &h.parent {
                    None => src.push_str(&format!(
                        "impl ManagementClient {{\n/// The [`{ty}`](crate::api::{top}::{ty}) handle: operations of the group `{}`.\npub fn {}(&self) -> {ty}<'_> {{ {ty} {{ client: self }} }}\n}}\n",
                        g.join("."),
                        h.accessor,
                        ty = h.ty,
                    )),
                    Some(p) => {
                        let parent = &self.handles[p];
                        let parent_ty = if parent.hand_written {
                            format!("crate::{}", parent.ty)
                        } else {
                            parent.ty.clone()
                        };
                        src.push_str(&format!(
                            "impl<'a> {parent_ty}<'a> {{\n/// The [`{ty}`] handle: operations of the group `{}`.\npub fn {}(&self) -> {ty}<'a> {{ {ty} {{ client: self.client }} }}\n}}\n",
                            g.join("."),
                            h.accessor,
                            ty = h.ty,
                        ));
                    }
                }
            }
            let mut methods = String::new();
            for op in ops.iter().filter(|o| &o.group == g) {
                let name = &h.methods[&op.id];
                let t = &info[&op.id];
                methods.push_str(&method(op, name, t).replace(
                    "\npub ",
                    &format!("\n#[cfg(feature = {:?})]\npub ", op.module),
                ));
            }
            if !methods.is_empty() {
                src.push_str(&format!("impl<'a> {ty_path}<'a> {{\n{methods}}}\n"));
            }
        }
        let mut out = Vec::new();
        let mut mod_rs = String::from(
            "//! Handles of every generated operation of the Management API, one per operation\n\
             //! group of Auth0's API description: `client.actions().list()`,\n\
             //! `client.log_streams().get(id)`, `client.actions().versions().list(action_id)`.\n\
             //!\n\
             //! The table of every operation with its type and call is in\n\
             //! [`auth0_m2m_management::api`].\n",
        );
        for (top, src) in &files {
            mod_rs.push_str(&format!(
                "/// Handles of the group `{top}` and its subgroups.\npub mod {top};\n"
            ));
            out.push((dir.join(format!("{top}.rs")), src.clone()));
        }
        out.push((dir.join("mod.rs"), mod_rs));
        Ok(out)
    }
}

fn method(op: &Op, name: &str, t: &OpTypes) -> String {
    let ep = format!("m::api::{}::{}", op.module, op.type_name);
    let mut params: Vec<String> = op
        .path_params
        .iter()
        .map(|p| format!("{}: &str", p.ident))
        .collect();
    let mut args: Vec<String> = op.path_params.iter().map(|p| p.ident.clone()).collect();
    if let Some(b) = &t.body {
        params.push(format!("body: {b}"));
        args.push("body".into());
    }
    let make = format!("{ep}::new({})", args.join(", "));
    let mut s = String::new();
    let summary = describe(op);
    let first = summary.lines().next().unwrap_or_default();
    let allow = if params.len() > 6 {
        "#[allow(clippy::too_many_arguments)]\n"
    } else {
        ""
    };
    let plist = if params.is_empty() {
        String::new()
    } else {
        format!(", {}", params.join(", "))
    };
    if op.paging.is_some() {
        s.push_str(&doc(&format!(
            "{first}: every page or item as a [`List`] of [`{}`](m::api::{}::{}).",
            op.type_name, op.module, op.type_name
        )));
        s.push_str(&format!(
            "{allow}pub fn {name}(&self{plist}) -> List<{ep}> {{\nself.client.list({make})\n}}\n"
        ));
        s.push_str(&doc(&format!(
            "[`{name}`](Self::{name}) with the endpoint's filters set by `f`."
        )));
        s.push_str(&format!(
            "{allow}pub fn {name}_with(&self{plist}, f: impl FnOnce({ep}) -> {ep}) -> List<{ep}> {{\nself.client.list(f({make}))\n}}\n"
        ));
        return s;
    }
    let (ret, map) = if t.no_content {
        ("()".to_owned(), ".map(|_| ())")
    } else {
        (t.response.clone(), "")
    };
    s.push_str(&doc(&format!(
        "{first}: sends [`{}`](m::api::{}::{}).",
        op.type_name, op.module, op.type_name
    )));
    s.push_str(&format!(
        "{allow}pub async fn {name}(&self{plist}) -> Result<{ret}, Error> {{\nself.client.execute(&{make}).await{map}\n}}\n"
    ));
    if t.has_options {
        s.push_str(&doc(&format!(
            "[`{name}`](Self::{name}) with the endpoint's optional parameters set by `f`."
        )));
        s.push_str(&format!(
            "{allow}pub async fn {name}_with(&self{plist}, f: impl FnOnce({ep}) -> {ep}) -> Result<{ret}, Error> {{\nself.client.execute(&f({make})).await{map}\n}}\n"
        ));
    }
    s
}

/// Whether an operation has optional inputs.
pub(crate) fn options_of(op: &Op) -> bool {
    has_options(op)
}
