//! Schemas of the API description → Rust types: structs, string enums, unions.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::names::{doc, lit, pascal, snake};

/// A Rust type a field, a parameter or a response has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ty {
    Str,
    Secret,
    Bool,
    Int,
    Num,
    Json,
    Map,
    Named(String),
    Vec(Box<Ty>),
    Boxed(Box<Ty>),
}

impl Ty {
    pub(crate) fn rust(&self) -> String {
        match self {
            Ty::Str => "String".into(),
            Ty::Secret => "crate::Secret".into(),
            Ty::Bool => "bool".into(),
            Ty::Int => "i64".into(),
            Ty::Num => "f64".into(),
            Ty::Json => "serde_json::Value".into(),
            Ty::Map => "crate::secret::SecretMap".into(),
            Ty::Named(n) => n.clone(),
            Ty::Vec(t) => format!("Vec<{}>", t.rust()),
            Ty::Boxed(t) => format!("Box<{}>", t.rust()),
        }
    }

    /// The kind of JSON value this type reads.
    fn json_kind(&self, defs: &BTreeMap<String, TypeDef>) -> &'static str {
        match self {
            Ty::Str | Ty::Secret => "String",
            Ty::Bool => "Bool",
            Ty::Int => "Integer",
            Ty::Num => "Number",
            Ty::Json => "Any",
            Ty::Map => "Object",
            Ty::Vec(_) => "Array",
            Ty::Boxed(t) => t.json_kind(defs),
            Ty::Named(n) => match defs.get(n).map(|d| &d.def) {
                Some(Def::Struct { .. }) => "Object",
                Some(Def::Enum { .. }) => "String",
                _ => "Any",
            },
        }
    }
}

/// A struct field.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) json: String,
    pub(crate) ident: String,
    pub(crate) ty: Ty,
    pub(crate) required: bool,
    /// The property's schema in the description.
    pub(crate) schema: Value,
}

/// One alternative of a union.
#[derive(Debug, Clone)]
pub(crate) struct Variant {
    pub(crate) name: String,
    pub(crate) ty: Ty,
    /// Required keys of an object alternative.
    pub(crate) required: Vec<String>,
    /// Every key an object alternative names.
    pub(crate) known: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum Def {
    /// An object. `request`: a top-level request body, built with `new(required…)`.
    Struct { fields: Vec<Field>, request: bool },
    /// A string enum: `(variant, wire value)`.
    Enum { variants: Vec<(String, String)> },
    /// `oneOf` / `anyOf`.
    Union { variants: Vec<Variant> },
}

#[derive(Debug, Clone)]
pub(crate) struct TypeDef {
    pub(crate) name: String,
    pub(crate) module: String,
    pub(crate) def: Def,
    /// Where the type comes from, for its doc comment.
    pub(crate) origin: String,
}

/// The description's components and the Rust types made of them.
pub(crate) struct Types<'a> {
    pub(crate) schemas: &'a serde_json::Map<String, Value>,
    pub(crate) defs: BTreeMap<String, TypeDef>,
    /// Component name → Rust type, for components that became a named type.
    by_component: HashMap<String, Ty>,
    /// Component name → module it lives in.
    pub(crate) module_of: HashMap<String, String>,
    /// Rust names taken (types and endpoint structs).
    pub(crate) taken: BTreeSet<String>,
    /// Components used as a top-level request body and nowhere else.
    pub(crate) request_bodies: BTreeSet<String>,
    /// Names of the fields the secret rule turned into `Secret`, for the docs.
    pub(crate) secret_fields: BTreeSet<String>,
}

pub(crate) fn ref_name(s: &Value) -> Option<&str> {
    s.get("$ref")?.as_str()?.rsplit('/').next()
}

/// Components a schema refers to, directly.
pub(crate) fn direct_refs(s: &Value, out: &mut BTreeSet<String>) {
    match s {
        Value::Object(m) => {
            if let Some(r) = ref_name(s) {
                out.insert(r.to_owned());
            }
            for v in m.values() {
                direct_refs(v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|v| direct_refs(v, out)),
        _ => {}
    }
}

fn types_of(s: &Value) -> Vec<&str> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => Vec::new(),
    }
}

fn is_null_schema(s: &Value) -> bool {
    s.get("type").and_then(Value::as_str) == Some("null")
}

impl<'a> Types<'a> {
    pub(crate) fn new(schemas: &'a serde_json::Map<String, Value>) -> Self {
        Self {
            schemas,
            defs: BTreeMap::new(),
            by_component: HashMap::new(),
            module_of: HashMap::new(),
            taken: BTreeSet::new(),
            request_bodies: BTreeSet::new(),
            secret_fields: BTreeSet::new(),
        }
    }

    /// A Rust name not taken yet, from `base`.
    pub(crate) fn fresh(&mut self, base: &str) -> String {
        let mut name = base.to_owned();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    fn component(&self, name: &str) -> &'a Value {
        self.schemas.get(name).unwrap_or(&Value::Null)
    }

    /// The type of a component, creating its definition on first use.
    fn component_ty(&mut self, name: &str) -> Ty {
        if let Some(t) = self.by_component.get(name) {
            return t.clone();
        }
        let schema = self.component(name);
        let module = self
            .module_of
            .get(name)
            .cloned()
            .unwrap_or_else(|| "shared".to_owned());
        if !self.names_a_type(schema) {
            let t = self.ty_of(schema, &pascal(name), &module, None);
            self.by_component.insert(name.to_owned(), t.clone());
            return t;
        }
        let rust = self.fresh(&pascal(name));
        let t = Ty::Named(rust.clone());
        // Insert first: a schema may refer to itself.
        self.by_component.insert(name.to_owned(), t.clone());
        let request = self.request_bodies.contains(name);
        self.define(
            schema,
            &rust,
            &module,
            request,
            format!("the schema `{name}`"),
        );
        t
    }

    /// Whether a schema becomes a named type (struct, enum or union) rather than a plain one.
    fn names_a_type(&self, s: &Value) -> bool {
        if ref_name(s).is_some() {
            return false;
        }
        if let Some(alts) = s.get("oneOf").or_else(|| s.get("anyOf")) {
            let n = alts
                .as_array()
                .map_or(0, |a| a.iter().filter(|x| !is_null_schema(x)).count());
            return n > 1;
        }
        if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
            return parts.len() > 1 || s.get("properties").is_some();
        }
        if self.string_enum_values(s).is_some() {
            return true;
        }
        s.get("properties")
            .and_then(Value::as_object)
            .is_some_and(|p| !p.is_empty())
    }

    fn string_enum_values(&self, s: &Value) -> Option<Vec<String>> {
        let values: Vec<String> = s
            .get("enum")?
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        (!values.is_empty()).then_some(values)
    }

    /// The Rust type of schema `s`; `hint` names a type created for it.
    pub(crate) fn ty_of(&mut self, s: &Value, hint: &str, module: &str, field: Option<&str>) -> Ty {
        if let Some(r) = ref_name(s) {
            let t = self.component_ty(r);
            return secret_rule(t, field, &mut self.secret_fields);
        }
        if self.names_a_type(s) {
            // Single-part allOf / single non-null oneOf are handled below as plain schemas.
            let name = self.fresh(hint);
            self.define(s, &name, module, false, "an inline schema".to_owned());
            return Ty::Named(name);
        }
        if let Some(alts) = s
            .get("oneOf")
            .or_else(|| s.get("anyOf"))
            .and_then(Value::as_array)
        {
            if let Some(only) = alts.iter().find(|x| !is_null_schema(x)) {
                return self.ty_of(only, hint, module, field);
            }
            return Ty::Json;
        }
        if let Some(parts) = s.get("allOf").and_then(Value::as_array)
            && let Some(only) = parts.first()
        {
            return self.ty_of(only, hint, module, field);
        }
        let types = types_of(s);
        if types.len() != 1 {
            return Ty::Json;
        }
        let t = match types[0] {
            "string" => Ty::Str,
            "boolean" => Ty::Bool,
            "integer" => Ty::Int,
            "number" => Ty::Num,
            "array" => {
                let items = s.get("items").unwrap_or(&Value::Null);
                if items.is_null() {
                    Ty::Vec(Box::new(Ty::Json))
                } else {
                    let item_hint = format!("{hint}Item");
                    Ty::Vec(Box::new(self.ty_of(items, &item_hint, module, None)))
                }
            }
            "object" => Ty::Map,
            _ => Ty::Json,
        };
        secret_rule(t, field, &mut self.secret_fields)
    }

    /// The properties and required keys of an object schema, `allOf` parts merged.
    fn object_parts(&self, s: &Value) -> (Vec<(String, Value)>, BTreeSet<String>) {
        let mut props: Vec<(String, Value)> = Vec::new();
        let mut required = BTreeSet::new();
        self.collect_parts(s, &mut props, &mut required, 0);
        (props, required)
    }

    fn collect_parts(
        &self,
        s: &Value,
        props: &mut Vec<(String, Value)>,
        required: &mut BTreeSet<String>,
        depth: usize,
    ) {
        if depth > 16 {
            return;
        }
        if let Some(r) = ref_name(s) {
            let target = self.component(r);
            self.collect_parts(target, props, required, depth + 1);
            return;
        }
        if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
            for p in parts {
                self.collect_parts(p, props, required, depth + 1);
            }
        }
        if let Some(p) = s.get("properties").and_then(Value::as_object) {
            for (k, v) in p {
                if let Some(existing) = props.iter_mut().find(|(n, _)| n == k) {
                    existing.1 = v.clone();
                } else {
                    props.push((k.clone(), v.clone()));
                }
            }
        }
        if let Some(r) = s.get("required").and_then(Value::as_array) {
            required.extend(r.iter().filter_map(Value::as_str).map(str::to_owned));
        }
    }

    fn define(&mut self, s: &Value, name: &str, module: &str, request: bool, origin: String) {
        let def = if let Some(alts) = s.get("oneOf").or_else(|| s.get("anyOf")) {
            let alts: Vec<Value> = alts
                .as_array()
                .map(|a| a.iter().filter(|x| !is_null_schema(x)).cloned().collect())
                .unwrap_or_default();
            let mut variants: Vec<Variant> = Vec::new();
            for (i, alt) in alts.iter().enumerate() {
                let base = match ref_name(alt) {
                    Some(r) => pascal(r),
                    None => match types_of(alt).first().copied() {
                        Some("string") if self.string_enum_values(alt).is_some() => {
                            "Named".to_owned()
                        }
                        Some("string") => "String".to_owned(),
                        Some("boolean") => "Bool".to_owned(),
                        Some("integer") => "Integer".to_owned(),
                        Some("number") => "Number".to_owned(),
                        Some("array") => "List".to_owned(),
                        Some("object") => "Object".to_owned(),
                        _ => format!("Variant{}", i + 1),
                    },
                };
                let mut vname = strip_prefix_common(name, &base);
                while variants.iter().any(|v| v.name == vname) || vname == "Unclassified" {
                    vname = format!("{vname}{}", i + 1);
                }
                let hint = format!("{name}{vname}");
                let ty = self.ty_of(alt, &hint, module, None);
                let (props, required) = self.object_parts(alt);
                variants.push(Variant {
                    name: vname,
                    ty,
                    required: required.into_iter().collect(),
                    known: props.into_iter().map(|(k, _)| k).collect(),
                });
            }
            Def::Union { variants }
        } else if let Some(values) = self.string_enum_values(s) {
            let mut variants: Vec<(String, String)> = Vec::new();
            for v in values {
                if variants.iter().any(|(_, w)| *w == v) {
                    continue;
                }
                let base = match v.as_str() {
                    "" => "Empty".to_owned(),
                    "*" => "All".to_owned(),
                    other => pascal(other),
                };
                let base = if base == "Self" {
                    "SelfValue".to_owned()
                } else {
                    base
                };
                let mut vname = base.clone();
                let mut n = 2;
                while variants.iter().any(|(x, _)| *x == vname) || vname == "Unknown" {
                    vname = format!("{base}{n}");
                    n += 1;
                }
                variants.push((vname, v));
            }
            Def::Enum { variants }
        } else {
            let (props, required) = self.object_parts(s);
            let mut fields: Vec<Field> = Vec::new();
            for (key, prop) in props {
                let mut ident = snake(&key);
                if ident == "extra" || (request && (ident == "new" || ident == "with_field")) {
                    ident.push_str("_field");
                }
                while fields.iter().any(|f| f.ident == ident) {
                    ident.push('_');
                }
                let hint = format!("{name}{}", pascal(&key));
                let ty = if super::overrides::any_json(name, &key) {
                    Ty::Json
                } else {
                    self.ty_of(&prop, &hint, module, Some(&key))
                };
                fields.push(Field {
                    schema: prop.clone(),
                    required: required.contains(&key),
                    json: key,
                    ident,
                    ty,
                });
            }
            Def::Struct { fields, request }
        };
        self.defs.insert(
            name.to_owned(),
            TypeDef {
                name: name.to_owned(),
                module: module.to_owned(),
                def,
                origin,
            },
        );
    }

    /// Boxes fields and variants that would make a type contain itself.
    pub(crate) fn box_cycles(&mut self) {
        let edges: HashMap<String, Vec<String>> = self
            .defs
            .iter()
            .map(|(n, d)| {
                let mut out = Vec::new();
                match &d.def {
                    Def::Struct { fields, .. } => {
                        for f in fields {
                            if let Ty::Named(t) = &f.ty {
                                out.push(t.clone());
                            }
                        }
                    }
                    Def::Union { variants } => {
                        for v in variants {
                            if let Ty::Named(t) = &v.ty {
                                out.push(t.clone());
                            }
                        }
                    }
                    Def::Enum { .. } => {}
                }
                (n.clone(), out)
            })
            .collect();
        let reaches = |from: &str, to: &str| -> bool {
            let mut seen = BTreeSet::new();
            let mut stack = vec![from.to_owned()];
            while let Some(n) = stack.pop() {
                if n == to {
                    return true;
                }
                if seen.insert(n.clone())
                    && let Some(next) = edges.get(&n)
                {
                    stack.extend(next.iter().cloned());
                }
            }
            false
        };
        let names: Vec<String> = self.defs.keys().cloned().collect();
        for name in names {
            let mut def = self.defs[&name].def.clone();
            match &mut def {
                Def::Struct { fields, .. } => {
                    for f in fields.iter_mut() {
                        if let Ty::Named(t) = &f.ty
                            && reaches(t, &name)
                        {
                            f.ty = Ty::Boxed(Box::new(f.ty.clone()));
                        }
                    }
                }
                Def::Union { variants } => {
                    for v in variants.iter_mut() {
                        if let Ty::Named(t) = &v.ty
                            && reaches(t, &name)
                        {
                            v.ty = Ty::Boxed(Box::new(v.ty.clone()));
                        }
                    }
                }
                Def::Enum { .. } => {}
            }
            if let Some(d) = self.defs.get_mut(&name) {
                d.def = def;
            }
        }
    }

    /// The Rust source of every type of `module`.
    pub(crate) fn emit_module(&self, module: &str) -> String {
        let mut out = String::new();
        for d in self.defs.values().filter(|d| d.module == module) {
            out.push_str(&self.emit(d));
        }
        out
    }

    fn emit(&self, d: &TypeDef) -> String {
        match &d.def {
            Def::Struct {
                fields,
                request: true,
            } => emit_request(d, fields),
            Def::Struct { fields, .. } => emit_model(d, fields),
            Def::Enum { variants } => {
                let mut s = String::from("string_enum!(\n");
                s.push_str(&doc(&format!("A string enum: {}.", d.origin)));
                s.push_str(&format!("{} {{\n", d.name));
                for (v, w) in variants {
                    s.push_str(&format!("/// `{w}`.\n{v} => {},\n", lit(w)));
                }
                s.push_str("});\n");
                s
            }
            Def::Union { variants } => self.emit_union(d, variants),
        }
    }

    fn emit_union(&self, d: &TypeDef, variants: &[Variant]) -> String {
        let name = &d.name;
        let mut s = doc(&format!(
            "One of several shapes: {}. A value that fits none of them is kept in \
             `Unclassified`.",
            d.origin
        ));
        s.push_str(
            "#[derive(Debug, Clone, PartialEq, serde::Serialize)]\n#[serde(untagged)]\n\
             #[non_exhaustive]\n#[allow(clippy::large_enum_variant)]\n",
        );
        s.push_str(&format!("pub enum {name} {{\n"));
        for v in variants {
            s.push_str(&format!(
                "/// The `{}` shape.\n{}({}),\n",
                v.name,
                v.name,
                v.ty.rust()
            ));
        }
        s.push_str("/// A value none of the shapes above accepted, kept as received.\nUnclassified(crate::Unclassified),\n}\n");
        s.push_str(&format!(
            "impl<'de> serde::Deserialize<'de> for {name} {{\n\
             fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{\n\
             let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;\n\
             let scores = [\n"
        ));
        for v in variants {
            let kind = v.ty.json_kind(&self.defs);
            let req = v
                .required
                .iter()
                .map(|r| lit(r))
                .collect::<Vec<_>>()
                .join(", ");
            let known = v
                .known
                .iter()
                .map(|r| lit(r))
                .collect::<Vec<_>>()
                .join(", ");
            s.push_str(&format!(
                "crate::api_support::fit(&value, crate::api_support::JsonKind::{kind}, &[{req}], &[{known}]),\n"
            ));
        }
        // Every shape that fits is read; the first one that keeps nothing in `extra` wins,
        // else the one that keeps the fewest fields there.
        s.push_str(
            "];\nlet mut best: Option<(Vec<String>, Self)> = None;\n\
             for i in crate::api_support::best_first(&scores) {\n\
             let (parsed, extra) = crate::secret::collect_extra_keys(|| match i {\n",
        );
        for (i, v) in variants.iter().enumerate() {
            s.push_str(&format!(
                "{i} => serde_json::from_value(value.clone()).ok().map(Self::{}),\n",
                v.name
            ));
        }
        s.push_str(
            "_ => None,\n});\n\
             let Some(parsed) = parsed else { continue };\n\
             if extra.is_empty() { return Ok(parsed); }\n\
             if best.as_ref().is_none_or(|(e, _)| extra.len() < e.len()) { best = Some((extra, parsed)); }\n\
             }\n\
             if let Some((extra, parsed)) = best {\n\
             crate::secret::report_extra_keys(extra);\n\
             return Ok(parsed);\n}\n",
        );
        s.push_str("Ok(Self::Unclassified(crate::Unclassified(value)))\n}\n}\n");
        s
    }
}

/// The secret rule: a string field is a `Secret` when its name contains `secret`,
/// `password`, `passphrase`, `private_key`, `signing_key` or `api_key`, or ends with `token`
/// (`access_token`, `auth_token`; not `token_dialect`).
pub(crate) fn is_secret_field(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "secret",
        "password",
        "passphrase",
        "private_key",
        "signing_key",
        "api_key",
    ]
    .iter()
    .any(|w| n.contains(w))
        || n.ends_with("token")
}

fn secret_rule(t: Ty, field: Option<&str>, seen: &mut BTreeSet<String>) -> Ty {
    match (t, field) {
        (Ty::Str, Some(f)) if is_secret_field(f) => {
            seen.insert(f.to_owned());
            Ty::Secret
        }
        (t, _) => t,
    }
}

/// A variant name without the union's own name in front (`ConnectionOptionsAd` in
/// `ConnectionOptions` → `Ad`), when something is left.
fn strip_prefix_common(union: &str, variant: &str) -> String {
    match variant.strip_prefix(union) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => rest.to_owned(),
        _ => variant.to_owned(),
    }
}

fn field_doc(f: &Field) -> String {
    doc(&format!(
        "`{}`{}.",
        f.json,
        if f.required {
            " (the description marks it required)"
        } else {
            ""
        }
    ))
}

fn serde_rename(f: &Field) -> String {
    if f.ident == f.json {
        String::new()
    } else {
        format!("rename = {}, ", lit(&f.json))
    }
}

fn emit_model(d: &TypeDef, fields: &[Field]) -> String {
    let mut s = doc(&format!(
        "A model of {}: every field is optional, fields this crate does not name are kept \
         in `extra`.",
        d.origin
    ));
    s.push_str(
        "#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]\n\
         #[non_exhaustive]\n",
    );
    s.push_str(&format!("pub struct {} {{\n", d.name));
    for f in fields {
        s.push_str(&field_doc(f));
        s.push_str(&format!(
            "#[serde({}default, skip_serializing_if = \"Option::is_none\")]\npub {}: Option<{}>,\n",
            serde_rename(f),
            f.ident,
            f.ty.rust()
        ));
    }
    s.push_str(
        "/// Fields this crate does not name, kept as received.\n#[serde(flatten)]\n\
         pub extra: crate::secret::ExtraFields,\n}\n",
    );
    let ids: Vec<&Field> = fields
        .iter()
        .filter(|f| f.ty == Ty::Str && is_identifying(&f.json) && f.ident == f.json)
        .collect();
    if !ids.is_empty() {
        s.push_str(&format!(
            "str_accessors!({}: {});\n",
            d.name,
            ids.iter()
                .map(|f| f.ident.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    s
}

/// The accessor rule: string fields that identify a resource.
fn is_identifying(key: &str) -> bool {
    matches!(key, "id" | "name" | "identifier" | "email")
        || key.ends_with("_id")
        || key.ends_with("_name")
}

fn emit_request(d: &TypeDef, fields: &[Field]) -> String {
    let mut s = doc(&format!(
        "A request body, {}: required fields in `new`, one method per optional field; only \
         the fields that were set are sent.",
        d.origin
    ));
    let all_optional = fields.iter().all(|f| !f.required);
    s.push_str(&format!(
        "#[derive(Debug, Clone, {}PartialEq, serde::Serialize)]\npub struct {} {{\n",
        if all_optional { "Default, " } else { "" },
        d.name
    ));
    for f in fields {
        if f.required {
            s.push_str(&format!(
                "#[serde({})]\n{}: {},\n",
                serde_rename(f).trim_end_matches(", "),
                f.ident,
                f.ty.rust()
            ));
        } else {
            s.push_str(&format!(
                "#[serde({}skip_serializing_if = \"Option::is_none\")]\n{}: Option<{}>,\n",
                serde_rename(f),
                f.ident,
                f.ty.rust()
            ));
        }
    }
    s.push_str("#[serde(flatten)]\nextra: serde_json::Map<String, serde_json::Value>,\n}\n");
    s = s.replace("#[serde()]\n", "");
    s.push_str(&format!("impl {} {{\n", d.name));
    let required: Vec<&Field> = fields.iter().filter(|f| f.required).collect();
    if required.is_empty() {
        s.push_str("/// An empty body; set the fields to send with the methods below.\npub fn new() -> Self { Self::default() }\n");
    } else {
        let mut docs = String::from("/// A body with the required fields:\n");
        for f in &required {
            docs.push_str(&format!("/// - `{}`\n", f.json));
        }
        s.push_str(&docs);
        let args = required
            .iter()
            .map(|f| format!("{}: impl Into<{}>", f.ident, f.ty.rust()))
            .collect::<Vec<_>>()
            .join(", ");
        s.push_str(&format!("pub fn new({args}) -> Self {{\nSelf {{\n"));
        for f in fields {
            if f.required {
                s.push_str(&format!("{0}: {0}.into(),\n", f.ident));
            } else {
                s.push_str(&format!("{}: None,\n", f.ident));
            }
        }
        s.push_str("extra: serde_json::Map::new(),\n}\n}\n");
    }
    for f in fields.iter().filter(|f| !f.required) {
        s.push_str(&format!(
            "/// Sets `{}`.\npub fn {}(mut self, value: impl Into<{}>) -> Self {{\nself.{} = Some(value.into());\nself\n}}\n",
            f.json,
            f.ident,
            f.ty.rust(),
            f.ident
        ));
    }
    s.push_str(
        "/// Adds a field this type does not name (it is sent as given).\n\
         pub fn with_field(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {\n\
         self.extra.insert(key.into(), value);\nself\n}\n}\n",
    );
    s
}
