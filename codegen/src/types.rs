//! Schemas of the API description → Rust types: structs, string enums, unions.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::Value;

use super::names::{doc, lit, pascal, snake};

/// A Rust type a field, a parameter or a response has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ty {
    Str,
    Secret,
    /// A `date-time` string, kept as received.
    Timestamp,
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
            Ty::Timestamp => "crate::Timestamp".into(),
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
            Ty::Str | Ty::Secret | Ty::Timestamp => "String",
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
    /// Whether the description allows the property to be `null` (a tri-state
    /// [`Nullable`](crate) in request types).
    pub(crate) nullable: bool,
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
    /// Keys of an object alternative that can hold only one string: `(key, value)`.
    pub(crate) constants: Vec<(String, String)>,
    /// The values of the union's tag that name this alternative (empty for an untagged union).
    pub(crate) tag_values: Vec<String>,
    /// The alternative's schema in the description.
    pub(crate) schema: Value,
}

#[derive(Debug, Clone)]
pub(crate) enum Def {
    /// An object. `request`: a top-level request body, built with `new(required…)`.
    Struct { fields: Vec<Field>, request: bool },
    /// A string enum: `(variant, wire value)`.
    Enum { variants: Vec<(String, String)> },
    /// `oneOf` / `anyOf`; `tag`: the property whose value names the alternative, when the
    /// description declares a discriminator or every alternative holds its own values there.
    Union {
        variants: Vec<Variant>,
        tag: Option<String>,
    },
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
    /// Names of the string fields the secret rule left plain `String`s.
    pub(crate) plain_fields: BTreeSet<String>,
    /// Model types reachable from a request body: they get `new(required…)` and setters.
    pub(crate) settable: BTreeSet<String>,
    /// Types with the same shape as another: name → the one type emitted for the shape.
    pub(crate) aliases: BTreeMap<String, String>,
    /// Types made from a component that also allows `null` (`…OrNullEnum`): the `null` is the
    /// property's, so no alias of this name is emitted and fields name the type of the shape.
    pub(crate) null_components: BTreeSet<String>,
    /// Components an operation names directly (its body, answer or parameters): their types
    /// keep their names.
    pub(crate) operation_components: BTreeSet<String>,
    /// Notes on constrained fields from the facts file, by (type, JSON name): sentences for
    /// the docs of the field, its setter and its getter.
    pub(crate) notes: BTreeMap<(String, String), Vec<String>>,
    /// Model types reachable from an operation's answer: they get getters.
    pub(crate) readable: BTreeSet<String>,
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

/// Whether a schema itself (its `$ref` not followed) allows `null`: a type list with `null`, a
/// `null` alternative, `null` among its values, or `nullable`.
fn accepts_null_here(s: &Value) -> bool {
    let listed = match s.get("type") {
        Some(Value::Array(a)) => a.iter().any(|t| t == "null"),
        Some(t) => t == "null",
        None => false,
    };
    listed
        || s.get("nullable").and_then(Value::as_bool) == Some(true)
        || s.get("enum")
            .and_then(Value::as_array)
            .is_some_and(|v| v.iter().any(Value::is_null))
        || s.get("oneOf")
            .or_else(|| s.get("anyOf"))
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(is_null_schema))
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
            plain_fields: BTreeSet::new(),
            settable: BTreeSet::new(),
            aliases: BTreeMap::new(),
            null_components: BTreeSet::new(),
            operation_components: BTreeSet::new(),
            notes: BTreeMap::new(),
            readable: BTreeSet::new(),
        }
    }

    /// The type emitted for a component's shape, if a generated type comes from it.
    pub(crate) fn component_type(&self, component: &str) -> Option<String> {
        match self.by_component.get(component)? {
            Ty::Named(n) => Some(self.canonical(n).to_owned()),
            _ => None,
        }
    }

    /// Whether a type is sent: a request body, or a model reachable from one.
    pub(crate) fn is_sent(&self, d: &TypeDef) -> bool {
        matches!(d.def, Def::Struct { request: true, .. }) || self.settable.contains(&d.name)
    }

    /// The paragraph of notes the facts file gives a field (empty when none), to follow its
    /// first line of docs.
    fn note(&self, d: &TypeDef, f: &Field) -> String {
        match self.notes.get(&(d.name.clone(), f.json.clone())) {
            Some(sentences) if !sentences.is_empty() => {
                format!("\n\nNote: {}", sentences.join(" "))
            }
            _ => String::new(),
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
        // An operation's type keeps its name; the schema takes the suffix `Schema`.
        let base = pascal(name);
        let rust = if self.taken.contains(&base) {
            self.fresh(&format!("{base}Schema"))
        } else {
            self.fresh(&base)
        };
        let t = Ty::Named(rust.clone());
        if accepts_null_here(schema) && !self.operation_components.contains(name) {
            self.null_components.insert(rust.clone());
        }
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
            return self.secret_rule(t, field);
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
            "string" if s.get("format").and_then(Value::as_str) == Some("date-time") => {
                Ty::Timestamp
            }
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
        self.secret_rule(t, field)
    }

    /// Whether a property's schema allows `null`, its `$ref`s and single `allOf` parts followed.
    pub(crate) fn accepts_null(&self, s: &Value) -> bool {
        let mut s = s;
        for _ in 0..8 {
            if accepts_null_here(s) {
                return true;
            }
            if let Some(r) = ref_name(s) {
                s = self.component(r);
            } else if let Some([only]) = s.get("allOf").and_then(Value::as_array).map(Vec::as_slice)
            {
                s = only;
            } else {
                return false;
            }
        }
        false
    }

    /// The Rust text of a field's or variant's type: a type made from a component that allows
    /// `null` is named by the type of its shape (its `null` belongs to the property).
    pub(crate) fn field_rust(&self, t: &Ty) -> String {
        match t {
            Ty::Named(n) if self.null_components.contains(n) => self.canonical(n).to_owned(),
            Ty::Vec(t) => format!("Vec<{}>", self.field_rust(t)),
            Ty::Boxed(t) => format!("Box<{}>", self.field_rust(t)),
            other => other.rust(),
        }
    }

    /// Whether a field of type `d` is a tri-state [`Nullable`](crate): it accepts `null` and
    /// belongs to a request body or a model reachable from one, and is not required.
    pub(crate) fn is_tristate(&self, d: &TypeDef, f: &Field) -> bool {
        let request = matches!(d.def, Def::Struct { request: true, .. });
        f.nullable && !f.required && (request || self.settable.contains(&d.name))
    }

    /// The one string a schema allows (`const`, or an `enum` of one value), if so.
    pub(crate) fn single_value(&self, s: &Value) -> Option<String> {
        match self.values_of(s)?.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        }
    }

    /// The strings a schema allows (`const` or `enum`), if it lists them.
    fn values_of(&self, s: &Value) -> Option<Vec<String>> {
        let s = match ref_name(s) {
            Some(r) => self.component(r),
            None => s,
        };
        if let Some(c) = s.get("const").and_then(Value::as_str) {
            return Some(vec![c.to_owned()]);
        }
        self.string_enum_values(s)
    }

    /// The values property `prop` can have in an alternative of a union: its `const` or `enum`,
    /// or, for an alternative that is itself a union, the values of all of its alternatives.
    fn tag_values(&self, alt: &Value, prop: &str, depth: usize) -> Option<Vec<String>> {
        if depth > 8 {
            return None;
        }
        let s = match ref_name(alt) {
            Some(r) => self.component(r),
            None => alt,
        };
        if let Some(alts) = s
            .get("oneOf")
            .or_else(|| s.get("anyOf"))
            .and_then(Value::as_array)
        {
            let mut all: Vec<String> = Vec::new();
            for a in alts.iter().filter(|x| !is_null_schema(x)) {
                for v in self.tag_values(a, prop, depth + 1)? {
                    if !all.contains(&v) {
                        all.push(v);
                    }
                }
            }
            return Some(all);
        }
        let (props, _) = self.object_parts(s);
        let (_, schema) = props.iter().find(|(k, _)| k == prop)?;
        self.values_of(schema)
    }

    /// The keys of the first object a schema reaches through its first alternatives.
    fn first_keys(&self, s: &Value, depth: usize) -> Vec<String> {
        let s = match ref_name(s) {
            Some(r) => self.component(r),
            None => s,
        };
        if depth < 8
            && let Some(first) = s
                .get("oneOf")
                .or_else(|| s.get("anyOf"))
                .and_then(Value::as_array)
                .and_then(|a| a.iter().find(|x| !is_null_schema(x)))
        {
            return self.first_keys(first, depth + 1);
        }
        self.object_parts(s).0.into_iter().map(|(k, _)| k).collect()
    }

    /// The tag of a union and the values that name each alternative: the description's
    /// `discriminator` (with its mapping), else the first property (single-valued ones first, then
    /// by name) that every alternative holds with values of its own, no two sharing one.
    fn find_tag(&self, s: &Value, alts: &[Value]) -> Option<(String, Vec<Vec<String>>)> {
        if alts.len() < 2 {
            return None;
        }
        if let Some(d) = s.get("discriminator") {
            let prop = d.get("propertyName")?.as_str()?;
            let values: Option<Vec<Vec<String>>> = alts
                .iter()
                .map(|alt| {
                    let target = alt.get("$ref").and_then(Value::as_str);
                    let mapped: Vec<String> = d
                        .get("mapping")
                        .and_then(Value::as_object)
                        .map(|m| {
                            m.iter()
                                .filter(|(_, v)| v.as_str() == target)
                                .map(|(k, _)| k.clone())
                                .collect()
                        })
                        .unwrap_or_default();
                    if mapped.is_empty() {
                        self.tag_values(alt, prop, 0)
                    } else {
                        Some(mapped)
                    }
                })
                .collect();
            if let Some(values) = values.filter(|v| disjoint(v)) {
                return Some((prop.to_owned(), values));
            }
        }
        let mut keys = self.first_keys(&alts[0], 0);
        keys.sort();
        let mut candidates: Vec<(String, Vec<Vec<String>>)> = keys
            .into_iter()
            .filter_map(|k| {
                let values: Option<Vec<Vec<String>>> =
                    alts.iter().map(|a| self.tag_values(a, &k, 0)).collect();
                values.filter(|v| disjoint(v)).map(|v| (k, v))
            })
            .collect();
        candidates.sort_by_key(|(_, v)| !v.iter().all(|x| x.len() == 1));
        candidates.into_iter().next()
    }

    /// A string field whose name the secret rule marks becomes a `Secret`.
    fn secret_rule(&mut self, t: Ty, field: Option<&str>) -> Ty {
        match (t, field) {
            (Ty::Str, Some(f)) if is_secret_field(f) => {
                self.secret_fields.insert(f.to_owned());
                Ty::Secret
            }
            (Ty::Str, Some(f)) => {
                self.plain_fields.insert(f.to_owned());
                Ty::Str
            }
            (t, _) => t,
        }
    }

    /// The properties and required keys of an object schema, `allOf` parts merged.
    pub(crate) fn object_parts(&self, s: &Value) -> (Vec<(String, Value)>, BTreeSet<String>) {
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

    /// Names the inline object variants of a union that has more than one (which would
    /// otherwise be `Object`, `Object2`…): by the values of the union's tag (`Allow`,
    /// `BlockOrLog`); else by the first property no other variant has (`AccessKeyId`,
    /// `SmtpHost`); else by all its properties when no other variant has the same set
    /// (`ApiKey`, `ApiKeyRegion`). A variant none of these names keeps its name.
    fn name_inline_objects(
        &self,
        alts: &[Value],
        tag_values: Option<&[Vec<String>]>,
        names: &mut [String],
    ) {
        // Each alternative's property names, in the description's order, and as a set.
        let keys: Vec<Vec<String>> = alts
            .iter()
            .map(|a| self.object_parts(a).0.into_iter().map(|(k, _)| k).collect())
            .collect();
        let sets: Vec<BTreeSet<&String>> = keys.iter().map(|k| k.iter().collect()).collect();
        let inline: Vec<usize> = (0..alts.len())
            .filter(|&i| {
                ref_name(&alts[i]).is_none()
                    && types_of(&alts[i]).first() == Some(&"object")
                    && !keys[i].is_empty()
            })
            .collect();
        if inline.len() < 2 {
            return;
        }
        for &i in &inline {
            let by_tag = tag_values
                .map(|values| &values[i])
                .filter(|v| !v.is_empty())
                .map(|v| v.iter().map(|x| pascal(x)).collect::<Vec<_>>().join("Or"));
            let others = |k: &String| (0..alts.len()).any(|j| j != i && sets[j].contains(k));
            let by_property = || keys[i].iter().find(|k| !others(k)).map(|k| pascal(k));
            let by_set = || {
                let unique = (0..alts.len()).all(|j| j == i || sets[j] != sets[i]);
                unique.then(|| keys[i].iter().map(|k| pascal(k)).collect::<String>())
            };
            if let Some(n) = by_tag.or_else(by_property).or_else(by_set) {
                names[i] = n;
            }
        }
    }

    fn define(&mut self, s: &Value, name: &str, module: &str, request: bool, origin: String) {
        let def = if let Some(alts) = s.get("oneOf").or_else(|| s.get("anyOf")) {
            let alts: Vec<Value> = alts
                .as_array()
                .map(|a| a.iter().filter(|x| !is_null_schema(x)).cloned().collect())
                .unwrap_or_default();
            let tag = self.find_tag(s, &alts);
            let bases: Vec<String> = alts
                .iter()
                .enumerate()
                .map(|(i, alt)| match ref_name(alt) {
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
                })
                .collect();
            let mut names = match &tag {
                Some((_, values)) if values.iter().all(|v| v.len() == 1) => {
                    values.iter().map(|v| pascal(&v[0])).collect()
                }
                _ => variant_names(name, &bases),
            };
            self.name_inline_objects(&alts, tag.as_ref().map(|(_, v)| v.as_slice()), &mut names);
            let mut variants: Vec<Variant> = Vec::new();
            for (i, alt) in alts.iter().enumerate() {
                let mut vname = names[i].clone();
                while variants.iter().any(|v| v.name == vname) || vname == "Unknown" {
                    vname = format!("{vname}{}", i + 1);
                }
                let hint = format!("{name}{vname}");
                let ty = self.ty_of(alt, &hint, module, None);
                let (props, required) = self.object_parts(alt);
                let constants = props
                    .iter()
                    .filter_map(|(k, v)| self.single_value(v).map(|c| (k.clone(), c)))
                    .collect();
                variants.push(Variant {
                    name: vname,
                    ty,
                    required: required.into_iter().collect(),
                    known: props.into_iter().map(|(k, _)| k).collect(),
                    constants,
                    tag_values: tag.as_ref().map(|(_, v)| v[i].clone()).unwrap_or_default(),
                    schema: alt.clone(),
                });
            }
            Def::Union {
                variants,
                tag: tag.map(|(p, _)| p),
            }
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
                if ident == "extra" {
                    ident.push_str("_field");
                }
                while fields.iter().any(|f| f.ident == ident) {
                    ident.push('_');
                }
                let hint = format!("{name}{}", pascal(&key));
                let ty = if super::overrides::any_json(name, &key) {
                    Ty::Json
                } else {
                    match self.ty_of(&prop, &hint, module, Some(&key)) {
                        Ty::Num if super::overrides::integral(&key) => Ty::Int,
                        t => t,
                    }
                };
                fields.push(Field {
                    nullable: self.accepts_null(&prop),
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

    /// Marks every model reachable from the request bodies `roots` as settable.
    pub(crate) fn mark_settable(&mut self, roots: &[Ty]) {
        self.settable = self.reachable(roots);
    }

    /// Marks every model reachable from the answers `roots` as readable: they get getters.
    pub(crate) fn mark_readable(&mut self, roots: &[Ty]) {
        self.readable = self.reachable(roots);
    }

    /// The types (as emitted for their shapes) reachable from `roots` through fields, list
    /// items, boxes and union variants.
    fn reachable(&self, roots: &[Ty]) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = Vec::new();
        fn named(t: &Ty, out: &mut Vec<String>) {
            match t {
                Ty::Named(n) => out.push(n.clone()),
                Ty::Vec(t) | Ty::Boxed(t) => named(t, out),
                _ => {}
            }
        }
        for r in roots {
            named(r, &mut stack);
        }
        while let Some(n) = stack.pop() {
            let n = self.canonical(&n).to_owned();
            if !seen.insert(n.clone()) {
                continue;
            }
            match self.defs.get(&n).map(|d| &d.def) {
                Some(Def::Struct { fields, .. }) => {
                    fields.iter().for_each(|f| named(&f.ty, &mut stack))
                }
                Some(Def::Union { variants, .. }) => {
                    variants.iter().for_each(|v| named(&v.ty, &mut stack))
                }
                _ => {}
            }
        }
        seen
    }

    /// The doc comment of a field: its wire name and what the description says of its value
    /// (type, format, values, default, bounds, whether it is required and redacted).
    fn field_doc(&self, d: &TypeDef, f: &Field) -> String {
        let mut out = doc(&format!(
            "`{}`: {}.{}",
            f.json,
            self.field_facts(d, f),
            self.note(d, f)
        ));
        if is_deprecated(&f.schema) {
            out.push_str("#[deprecated(note = \"deprecated in Auth0's API description\")]\n");
        }
        out
    }

    /// What the description says of a field's value, as a clause: its kind, format, values,
    /// default or example, bounds, pattern, whether it is required, nullable, redacted.
    fn field_facts(&self, d: &TypeDef, f: &Field) -> String {
        let schema = self.resolved(&f.schema);
        let mut facts = vec![self.kind_text(&f.ty)];
        if let Some(format) = schema.get("format").and_then(Value::as_str) {
            facts.push(format!("format `{format}`"));
        }
        if !matches!(&f.ty, Ty::Named(_))
            && let Some(values) = self.values_of(&schema)
        {
            let shown: Vec<String> = values.iter().take(12).map(|v| format!("`{v}`")).collect();
            let more = if values.len() > 12 { ", …" } else { "" };
            facts.push(format!("one of {}{more}", shown.join(", ")));
        }
        if let Some(default) = schema.get("default") {
            let sent = self.is_sent(d);
            // A required property is always sent, so its `default` cannot apply.
            if f.required || default_is_example(sent, &f.json, &f.ty, &schema, default) {
                facts.push(format!("for example `{default}`"));
            } else {
                facts.push(format!("defaults to `{default}`"));
            }
        }
        let bound = |lo: &str, hi: &str, unit: &str| -> Option<String> {
            match (schema.get(lo), schema.get(hi)) {
                (Some(a), Some(b)) if a == b => Some(format!("exactly {a}{unit}")),
                (Some(a), Some(b)) => Some(format!("{a} to {b}{unit}")),
                (Some(a), None) => Some(format!("at least {a}{unit}")),
                (None, Some(b)) => Some(format!("at most {b}{unit}")),
                (None, None) => None,
            }
        };
        facts.extend(bound("minLength", "maxLength", " characters"));
        facts.extend(bound("minimum", "maximum", ""));
        facts.extend(bound("minItems", "maxItems", " items"));
        if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
            let shown: String = p
                .chars()
                .map(|c| match c {
                    '`' => "'".to_owned(),
                    c if c.is_control() => c.escape_unicode().to_string(),
                    c => c.to_string(),
                })
                .collect();
            facts.push(format!("matches `{shown}`"));
        }
        if f.required {
            facts.push("required".to_owned());
        }
        if f.nullable {
            facts.push("may be `null`".to_owned());
        }
        if f.ty == Ty::Secret {
            facts.push("redacted in `Debug`".to_owned());
        }
        facts.join("; ")
    }

    /// A schema with its `$ref` followed (one level), for its facts.
    pub(crate) fn resolved(&self, s: &Value) -> Value {
        match ref_name(s) {
            Some(r) => self.component(r).clone(),
            None => s.clone(),
        }
    }

    /// What kind of value a type holds, in words.
    fn kind_text(&self, t: &Ty) -> String {
        match t {
            Ty::Str => "a string".to_owned(),
            Ty::Secret => "a secret string".to_owned(),
            Ty::Timestamp => "a [`Timestamp`](crate::Timestamp)".to_owned(),
            Ty::Bool => "a boolean".to_owned(),
            Ty::Int => "an integer".to_owned(),
            Ty::Num => "a number".to_owned(),
            Ty::Json => "any JSON value".to_owned(),
            Ty::Map => "a JSON object".to_owned(),
            Ty::Named(n) => match self.defs.get(n).map(|d| &d.def) {
                _ if self.null_components.contains(n) && self.canonical(n) != n => {
                    self.kind_text(&Ty::Named(self.canonical(n).to_owned()))
                }
                Some(Def::Enum { variants }) => {
                    let shown: Vec<String> = variants
                        .iter()
                        .take(12)
                        .map(|(_, w)| format!("`{w}`"))
                        .collect();
                    let more = if variants.len() > 12 { ", …" } else { "" };
                    format!("a [`{n}`] (one of {}{more})", shown.join(", "))
                }
                _ => format!("a [`{n}`]"),
            },
            Ty::Vec(t) => format!("a list, each item {}", self.kind_text(t)),
            Ty::Boxed(t) => self.kind_text(t),
        }
    }

    /// The value `new` gives a required field that can hold only one value (a union's tag), as
    /// a Rust expression, if the field is such a field.
    fn constant_expr(&self, f: &Field) -> Option<String> {
        if !f.required {
            return None;
        }
        let value = self.single_value(&f.schema)?;
        match &f.ty {
            Ty::Str => Some(format!("{}.to_owned()", lit(&value))),
            Ty::Named(n) if matches!(self.defs.get(n).map(|d| &d.def), Some(Def::Enum { .. })) => {
                Some(format!("{n}::from({})", lit(&value)))
            }
            _ => None,
        }
    }

    /// The fields `new` takes as arguments: the required ones that can hold more than one value.
    pub(crate) fn constructor_args<'f>(&self, fields: &'f [Field]) -> Vec<&'f Field> {
        fields
            .iter()
            .filter(|f| f.required && self.constant_expr(f).is_none())
            .collect()
    }

    /// The call of a struct's `new` (`Name::new(a, b)`), each argument rendered by `arg` from
    /// its field: the one shape every sample expression of a request struct takes.
    pub(crate) fn new_call(
        &self,
        name: &str,
        fields: &[Field],
        mut arg: impl FnMut(&Field) -> String,
    ) -> String {
        let args: Vec<String> = self
            .constructor_args(fields)
            .into_iter()
            .map(&mut arg)
            .collect();
        format!("{name}::new({})", args.join(", "))
    }

    /// `new(required…)` and one `with_*` setter per other field, for a model (`model`: every
    /// field an `Option`) or a request body.
    fn emit_constructors(&self, d: &TypeDef, fields: &[Field], model: bool) -> String {
        let mut s = String::new();
        let required = self.constructor_args(fields);
        let constants: Vec<(&Field, String)> = fields
            .iter()
            .filter_map(|f| self.constant_expr(f).map(|e| (f, e)))
            .collect();
        let mut docs = if required.is_empty() {
            String::from("A value with no field set")
        } else {
            format!(
                "A value with the required {}",
                required
                    .iter()
                    .map(|f| format!("`{}`", f.json))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        if !constants.is_empty() {
            docs.push_str(&format!(
                "; {} filled in",
                constants
                    .iter()
                    .map(|(f, _)| format!("`{}`", f.json))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let has_setters = fields
            .iter()
            .any(|f| (model || !f.required) && self.constant_expr(f).is_none());
        docs.push_str(if has_setters {
            "; set the others with the `with_*` methods."
        } else {
            "."
        });
        let args = required
            .iter()
            .map(|f| match &f.ty {
                Ty::Vec(item) => format!(
                    "{}: impl IntoIterator<Item = impl Into<{}>>",
                    f.ident,
                    self.field_rust(item)
                ),
                _ => format!("{}: impl Into<{}>", f.ident, self.field_rust(&f.ty)),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let wrap = |e: String| if model { format!("Some({e})") } else { e };
        let mut inits = String::new();
        for f in fields {
            if let Some((_, e)) = constants.iter().find(|(c, _)| c.ident == f.ident) {
                inits.push_str(&format!("{}: {},\n", f.ident, wrap(e.clone())));
            } else if f.required {
                let value = if matches!(f.ty, Ty::Vec(_)) {
                    format!("{}.into_iter().map(Into::into).collect()", f.ident)
                } else {
                    format!("{}.into()", f.ident)
                };
                inits.push_str(&format!("{0}: {1},\n", f.ident, wrap(value)));
            } else if !model && self.is_tristate(d, f) {
                inits.push_str(&format!("{}: crate::Nullable::Absent,\n", f.ident));
            } else if !model {
                inits.push_str(&format!("{}: None,\n", f.ident));
            }
        }
        let rest = if model {
            "..Default::default()"
        } else {
            "extra: serde_json::Map::new(),"
        };
        s.push_str(&format!(
            "#[allow(deprecated)]\nimpl {} {{\n{}#[allow(clippy::new_without_default, clippy::too_many_arguments)]\npub fn new({args}) -> Self {{\nSelf {{\n{inits}{rest}\n}}\n}}\n}}\n",
            d.name,
            doc(&docs)
        ));
        let optional: Vec<&Field> = fields
            .iter()
            .filter(|f| model || !f.required)
            .filter(|f| self.constant_expr(f).is_none())
            .collect();
        let (tristate, plain): (Vec<&Field>, Vec<&Field>) =
            optional.into_iter().partition(|f| self.is_tristate(d, f));
        let (lists, plain): (Vec<&Field>, Vec<&Field>) =
            plain.into_iter().partition(|f| matches!(f.ty, Ty::Vec(_)));
        let setter_of = |f: &Field| {
            let mut setter = format!("with_{}", f.ident.trim_end_matches('_'));
            if setter == "with_field" {
                setter.push_str("_value");
            }
            setter
        };
        let deprecated = |f: &Field| {
            if is_deprecated(&f.schema) {
                "#[deprecated(note = \"deprecated in Auth0's API description\")]\n"
            } else {
                ""
            }
        };
        if !plain.is_empty() {
            s.push_str(&format!("setters!({} {{\n", d.name));
            for f in plain {
                s.push_str(&format!(
                    "{}{}{}({}): {};\n",
                    doc(&format!(
                        "Sets `{}`: {}.{}",
                        f.json,
                        self.field_facts(d, f),
                        self.note(d, f)
                    )),
                    deprecated(f),
                    setter_of(f),
                    f.ident,
                    self.field_rust(&f.ty)
                ));
            }
            s.push_str("});\n");
        }
        if !lists.is_empty() {
            s.push_str(&format!("list_setters!({} {{\n", d.name));
            for f in lists {
                let Ty::Vec(item) = &f.ty else { continue };
                s.push_str(&format!(
                    "{}{}{}({}): {};\n",
                    doc(&format!(
                        "Sets `{}`: {}.{}",
                        f.json,
                        self.field_facts(d, f),
                        self.note(d, f)
                    )),
                    deprecated(f),
                    setter_of(f),
                    f.ident,
                    self.field_rust(item)
                ));
            }
            s.push_str("});\n");
        }
        // A wrapper of one value (`CredentialId { id }`) converts from that value.
        if model
            && let [only] = fields
            && only.required
            && self.constant_expr(only).is_none()
            && !matches!(only.ty, Ty::Vec(_))
        {
            let ty = self.field_rust(&only.ty);
            s.push_str(&format!(
                "impl From<{ty}> for {0} {{\nfn from(value: {ty}) -> Self {{\nSelf::new(value)\n}}\n}}\n",
                d.name
            ));
            if only.ty == Ty::Str {
                s.push_str(&format!(
                    "impl From<&str> for {0} {{\nfn from(value: &str) -> Self {{\nSelf::new(value)\n}}\n}}\n",
                    d.name
                ));
            }
        }
        if !tristate.is_empty() {
            s.push_str(&format!("nullable_setters!({} {{\n", d.name));
            for f in tristate {
                s.push_str(&format!(
                    "{}{}{}, clear_{}({}): {};\n",
                    doc(&format!(
                        "`{}`: {}.{}",
                        f.json,
                        self.field_facts(d, f),
                        self.note(d, f)
                    )),
                    deprecated(f),
                    setter_of(f),
                    f.ident.trim_end_matches('_'),
                    f.ident,
                    self.field_rust(&f.ty)
                ));
            }
            s.push_str("});\n");
        }
        s
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
                    Def::Union { variants, .. } => {
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
                Def::Union { variants, .. } => {
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

    /// A test of the tagged unions of `module`: a sample of each alternative, with each value of
    /// its tag, is read as that alternative and no other.
    pub(crate) fn emit_tag_test(&self, module: &str, sampler: &super::fake::Sampler<'_>) -> String {
        let mut body = String::new();
        for d in self.defs.values().filter(|d| d.module == module) {
            let Def::Union {
                variants,
                tag: Some(tag),
            } = &d.def
            else {
                continue;
            };
            for v in variants {
                for value in &v.tag_values {
                    let mut sample = sampler.value(&v.schema);
                    if let Some(map) = sample.as_object_mut() {
                        map.insert(tag.clone(), Value::String(value.clone()));
                    }
                    body.push_str(&format!(
                        "assert!(serde_json::from_str::<{}>({}).expect({}).is_{}());\n",
                        d.name,
                        lit(&sample.to_string()),
                        lit(&format!("{} {value}", d.name)),
                        snake(&v.name).trim_end_matches('_')
                    ));
                }
            }
            body.push_str(&format!(
                "assert!(matches!(serde_json::from_str::<{}>({}).expect(\"unknown tag\"), {}::Unknown(_)));\n",
                d.name,
                lit(&format!("{{\"{tag}\":\"not-a-known-value\"}}")),
                d.name
            ));
        }
        if body.is_empty() {
            return body;
        }
        format!(
            "/// Each tagged union reads a value as the variant its tag names, and a tag it does not\n\
             /// know as `Unknown`.\n#[test]\nfn tagged_unions_follow_their_tag() {{\n{body}}}\n"
        )
    }

    /// The Rust source of every type of `module`.
    pub(crate) fn emit_module(&self, module: &str) -> String {
        self.defs
            .values()
            .filter(|d| d.module == module)
            .map(|d| self.emit_def(d))
            .collect()
    }

    /// The code of one type definition: its items, or an alias (nothing for a nullable
    /// component's alias, which is not emitted).
    pub(crate) fn emit_def(&self, d: &TypeDef) -> String {
        match self.aliases.get(&d.name) {
            Some(_) if self.null_components.contains(&d.name) => String::new(),
            Some(target) => format!(
                "{}pub type {} = {target};\n",
                doc(&format!(
                    "{}: the same shape as [`{target}`], so one type serves both.",
                    capitalize(&d.origin)
                )),
                d.name
            ),
            None => self.emit(d),
        }
    }

    /// For a body whose type is a union: one JSON sample per variant (each tag value of a tagged
    /// union), with the union's type name, so that every variant can be sent.
    pub(crate) fn union_variant_samples(
        &self,
        ty: &Ty,
        sampler: &super::fake::Sampler<'_>,
    ) -> Option<Vec<(String, String)>> {
        let Ty::Named(name) = ty else { return None };
        let Some(Def::Union { variants, tag }) = self.defs.get(name).map(|d| &d.def) else {
            return None;
        };
        let mut out = Vec::new();
        for v in variants {
            let mut sample = sampler.value(&v.schema);
            if let (Some(tag), Some(value), Some(map)) =
                (tag, v.tag_values.first(), sample.as_object_mut())
            {
                map.insert(tag.clone(), Value::String(value.clone()));
            }
            out.push((name.clone(), sample.to_string()));
        }
        Some(out)
    }

    /// The type emitted for `name`'s shape.
    pub(crate) fn canonical<'n>(&'n self, name: &'n str) -> &'n str {
        self.aliases.get(name).map_or(name, String::as_str)
    }

    /// Makes types of the same shape one type: the same fields (names, types with aliases
    /// followed, required), the same enum values, the same union variants. The type kept is the
    /// one whose name does not end in `RequestContent`/`ResponseContent`, else the shortest
    /// name, else the first by name; it must be visible from every alias (the same module, or
    /// `shared`). Repeated until no more shapes meet, as collapsing field types can make their
    /// owners identical.
    pub(crate) fn collapse_shapes(&mut self) {
        loop {
            let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (name, d) in &self.defs {
                if self.aliases.contains_key(name) {
                    continue;
                }
                groups
                    .entry(self.shape_key(&d.def))
                    .or_default()
                    .push(name.clone());
            }
            let mut changed = false;
            for members in groups.values().filter(|m| m.len() > 1) {
                let shared: Vec<&String> = members
                    .iter()
                    .filter(|m| self.defs[*m].module == "shared")
                    .collect();
                // One canonical type per module, or one in `shared` for every module.
                let mut by_module: BTreeMap<String, Vec<String>> = BTreeMap::new();
                for m in members {
                    let module = if shared.is_empty() {
                        self.defs[m].module.clone()
                    } else {
                        "shared".to_owned()
                    };
                    by_module.entry(module).or_default().push(m.clone());
                }
                for (module, names) in by_module {
                    let candidates: Vec<&String> = names
                        .iter()
                        .filter(|n| self.defs[*n].module == module)
                        .collect();
                    let Some(keep) = candidates
                        .iter()
                        .min_by_key(|n| {
                            let generic =
                                n.ends_with("RequestContent") || n.ends_with("ResponseContent");
                            (generic, n.len(), n.to_string())
                        })
                        .map(|n| (*n).clone())
                    else {
                        continue;
                    };
                    for n in names.iter().filter(|n| **n != keep) {
                        self.aliases.insert(n.clone(), keep.clone());
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// What makes two definitions the same shape.
    fn shape_key(&self, def: &Def) -> String {
        let ty = |t: &Ty| self.canonical_ty(t);
        match def {
            Def::Struct { fields, request } => format!(
                "struct {request} {}",
                fields
                    .iter()
                    .map(|f| {
                        format!(
                            "{}:{}:{}:{}:{}",
                            f.json,
                            f.ident,
                            ty(&f.ty),
                            f.required,
                            f.nullable
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Def::Enum { variants } => format!(
                "enum {}",
                variants
                    .iter()
                    .map(|(v, w)| format!("{v}={w}"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Def::Union { variants, tag } => format!(
                "union {tag:?} {}",
                variants
                    .iter()
                    .map(|v| format!("{}:{}:{:?}", v.name, ty(&v.ty), v.tag_values))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }

    /// A type's Rust text with every named type replaced by the type emitted for its shape.
    fn canonical_ty(&self, t: &Ty) -> String {
        match t {
            Ty::Named(n) => self.canonical(n).to_owned(),
            Ty::Vec(t) => format!("Vec<{}>", self.canonical_ty(t)),
            Ty::Boxed(t) => format!("Box<{}>", self.canonical_ty(t)),
            other => other.rust(),
        }
    }

    fn emit(&self, d: &TypeDef) -> String {
        match &d.def {
            Def::Struct {
                fields,
                request: true,
            } => self.emit_request(d, fields),
            Def::Struct { fields, .. } => self.emit_model(d, fields),
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
            Def::Union { variants, tag } => self.emit_union(d, variants, tag.as_deref()),
        }
    }

    fn emit_union(&self, d: &TypeDef, variants: &[Variant], tag: Option<&str>) -> String {
        let name = &d.name;
        let mut s = match tag {
            Some(t) => doc(&format!(
                "One of several shapes, named by the value of `{t}`: {}. A value whose `{t}` \
                 names none of them is kept in [`Unknown`](Self::Unknown).",
                d.origin
            )),
            None => doc(&format!(
                "One of several shapes: {}. A value that fits none of them is kept in \
                 [`Unknown`](Self::Unknown).",
                d.origin
            )),
        };
        s.push_str(
            "#[derive(Debug, Clone, PartialEq)]\n\
             #[non_exhaustive]\n#[allow(clippy::large_enum_variant)]\n",
        );
        s.push_str(&format!("pub enum {name} {{\n"));
        for v in variants {
            let what = match tag {
                Some(t) => format!(
                    "`{t}` is {}",
                    v.tag_values
                        .iter()
                        .map(|x| format!("`{x}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                None => "The value".to_owned(),
            };
            let of = match &v.ty {
                Ty::Named(_) => format!("[`{}`]", self.field_rust(&v.ty)),
                Ty::Boxed(b) => format!("[`{}`]", b.rust()),
                other => format!("`{}`", other.rust()),
            };
            s.push_str(&format!(
                "/// {what}: {of}.\n{}({}),\n",
                v.name,
                self.field_rust(&v.ty)
            ));
        }
        s.push_str(&format!(
            "/// {}, kept as received.\nUnknown(crate::Unclassified),\n}}\n",
            match tag {
                Some(t) => format!("A value whose `{t}` names none of the variants above"),
                None => "A value none of the shapes above accepted".to_owned(),
            }
        ));
        s.push_str(&format!(
            "impl crate::json::ToJson for {name} {{\n\
             fn to_json(&self) -> serde_json::Value {{\nmatch self {{\n"
        ));
        for v in variants {
            s.push_str(&format!(
                "Self::{}(value) => crate::json::ToJson::to_json(value),\n",
                v.name
            ));
        }
        s.push_str("Self::Unknown(value) => value.0.clone(),\n}\n}\n}\n");
        s.push_str(&format!("crate::json::json_serde!({name});\n"));
        s.push_str(&format!(
            "impl crate::json::FromJson for {name} {{\n\
             fn from_json(value: serde_json::Value) -> Result<Self, crate::json::JsonError> {{\n"
        ));
        match tag {
            Some(t) => {
                s.push_str(&format!(
                    "Ok(match crate::api_support::tag(&value, {}) {{\n",
                    lit(t)
                ));
                for v in variants {
                    let values = v
                        .tag_values
                        .iter()
                        .map(|x| lit(x))
                        .collect::<Vec<_>>()
                        .join(" | ");
                    // The variant the tag names, read as that shape alone: an error says what
                    // the tagged shape lacks, rather than reading the value as another shape.
                    s.push_str(&format!(
                        "Some({values}) => Self::{}(crate::json::FromJson::from_json(value)?),\n",
                        v.name
                    ));
                }
                s.push_str("_ => Self::Unknown(crate::Unclassified(value)),\n})\n}\n}\n");
            }
            None => {
                s.push_str("Ok(crate::api_support::untagged(value, &[\n");
                let strs = |xs: &[String]| xs.iter().map(|x| lit(x)).collect::<Vec<_>>().join(", ");
                for v in variants {
                    let constants = v
                        .constants
                        .iter()
                        .map(|(k, c)| format!("({}, {})", lit(k), lit(c)))
                        .collect::<Vec<_>>()
                        .join(", ");
                    s.push_str(&format!(
                        "crate::api_support::Shape {{ kind: crate::api_support::JsonKind::{}, \
                         required: &[{}], known: &[{}], constants: &[{constants}], \
                         read: |v| crate::json::FromJson::from_json(v).ok().map(Self::{}) }},\n",
                        v.ty.json_kind(&self.defs),
                        strs(&v.required),
                        strs(&v.known),
                        v.name
                    ));
                }
                s.push_str("], Self::Unknown))\n}\n}\n");
            }
        }
        s.push_str(&format!("union_accessors!({name} {{\n"));
        for v in variants {
            let snake_name = snake(&v.name);
            let base = snake_name.trim_end_matches('_');
            s.push_str(&format!(
                "{}({}) => as_{base}, is_{base};\n",
                v.name,
                self.field_rust(&v.ty)
            ));
        }
        s.push_str("} from {\n");
        for v in variants {
            if let Ty::Named(_) = &v.ty
                && variants
                    .iter()
                    .filter(|o| self.canonical_ty(&o.ty) == self.canonical_ty(&v.ty))
                    .count()
                    == 1
            {
                s.push_str(&format!("{}({});\n", v.name, self.field_rust(&v.ty)));
            }
        }
        s.push_str("});\n");
        s
    }
}

/// The secret rule, by words (the same rule as `auth0_m2m_management::secret::is_secret_field`,
/// which a test of that crate checks against this generator's output over every string field of
/// the description): a string field is a `Secret` when the last word of its name is `secret`,
/// `password`, `passphrase`, `pass`, `token`, `authorization`, `assertion`, `credential` or `key`
/// (but not `public_key`, `site_key`, `header_key`), or its whole name is `skey`, `masterkey` or
/// `apikey`. `datadogApiKey` and `datadog_api_key` are the same words.
pub(crate) fn is_secret_field(name: &str) -> bool {
    let words: Vec<String> = super::names::words(name)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    if ["skey", "masterkey", "apikey"].contains(&name.to_ascii_lowercase().as_str()) {
        return true;
    }
    let Some(last) = words.last() else {
        return false;
    };
    let secret_last = [
        "secret",
        "password",
        "passphrase",
        "pass",
        "token",
        "authorization",
        "assertion",
        "credential",
        "key",
    ];
    if !secret_last.contains(&last.as_str()) {
        return false;
    }
    let before = words.len().checked_sub(2).map(|i| words[i].as_str());
    !(last == "key" && before.is_some_and(|b| ["public", "site", "header"].contains(&b)))
}

/// Whether every alternative has values and no value names two alternatives.
fn disjoint(values: &[Vec<String>]) -> bool {
    let mut seen = BTreeSet::new();
    values.iter().all(|v| !v.is_empty()) && values.iter().flatten().all(|v| seen.insert(v.clone()))
}

/// The names of a union's variants: the part of each alternative's name that differs from the
/// others (`LogStreamHttpResponseSchema`, `LogStreamDatadogResponseSchema` → `Http`,
/// `Datadog`), without the union's own name in front.
fn variant_names(union: &str, bases: &[String]) -> Vec<String> {
    let words: Vec<Vec<String>> = bases.iter().map(|b| super::names::words(b)).collect();
    let shortest = words.iter().map(Vec::len).min().unwrap_or(0);
    let prefix = (0..shortest)
        .take_while(|&i| words.iter().all(|w| w[i] == words[0][i]))
        .count();
    let suffix = (0..shortest - prefix)
        .take_while(|&i| {
            words
                .iter()
                .all(|w| w[w.len() - 1 - i] == words[0][words[0].len() - 1 - i])
        })
        .count();
    words
        .iter()
        .zip(bases)
        .map(|(w, base)| {
            let middle = &w[prefix..w.len() - suffix];
            if bases.len() > 1 && !middle.is_empty() {
                pascal(&middle.join("_"))
            } else {
                strip_prefix_common(union, base)
            }
        })
        .collect()
}

/// A variant name without the union's own name in front (`ConnectionOptionsAd` in
/// `ConnectionOptions` → `Ad`), when something is left.
fn strip_prefix_common(union: &str, variant: &str) -> String {
    match variant.strip_prefix(union) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => rest.to_owned(),
        _ => variant.to_owned(),
    }
}

/// The fields of a `json_model!` or `json_request!` call: each Rust name with its JSON key.
fn json_fields<'f>(fields: impl Iterator<Item = &'f Field>) -> String {
    fields
        .map(|f| format!("{}: {}", f.ident, lit(&f.json)))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Types<'_> {
    fn emit_model(&self, d: &TypeDef, fields: &[Field]) -> String {
        let mut s = doc(&format!(
            "A model of {}: every field is optional, fields this crate does not name are kept \
             in `extra`.",
            d.origin
        ));
        s.push_str("#[derive(Debug, Clone, Default, PartialEq)]\n#[non_exhaustive]\n");
        s.push_str(&format!("pub struct {} {{\n", d.name));
        for f in fields {
            s.push_str(&self.field_doc(d, f));
            let wrapper = if self.is_tristate(d, f) {
                "crate::Nullable"
            } else {
                "Option"
            };
            s.push_str(&format!(
                "pub {}: {wrapper}<{}>,\n",
                f.ident,
                self.field_rust(&f.ty)
            ));
        }
        s.push_str(
            "/// Fields this crate does not name, kept as received.\n\
             pub extra: crate::secret::ExtraFields,\n}\n",
        );
        s.push_str(&format!(
            "json_model!({} {{ {} }});\n",
            d.name,
            json_fields(fields.iter())
        ));
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
        if self.settable.contains(&d.name) {
            s.push_str(&self.emit_constructors(d, fields, true));
        }
        if self.readable.contains(&d.name) {
            let identifying: Vec<&str> = ids.iter().map(|f| f.ident.as_str()).collect();
            s.push_str(&self.emit_getters(d, fields, &identifying));
        }
        s
    }

    /// One getter per field of a model read from answers (the fields that have a `&str`
    /// accessor already aside), as aws-sdk-rust's models have: `Option<&T>` (`Option<&str>`
    /// for a string, `Option<T>` for a boolean or a number, a slice for a list, empty when
    /// the list is absent), so that nested optional fields read as a chain:
    /// `client.jwt_configuration().and_then(|j| j.alg())`. Written as one `getters!` call per
    /// type (the macro makes them `#[inline]`, so a build compiles only the getters it calls).
    fn emit_getters(&self, d: &TypeDef, fields: &[Field], identifying: &[&str]) -> String {
        // The names the type's other methods take.
        let mut taken: BTreeSet<String> = identifying.iter().map(|s| (*s).to_owned()).collect();
        taken.extend(["new", "with_field"].map(str::to_owned));
        for f in fields {
            let base = f.ident.trim_end_matches('_');
            taken.insert(format!("with_{base}"));
            taken.insert(format!("clear_{base}"));
        }
        let mut out = String::new();
        for f in fields {
            let name = getter_name(&f.ident);
            if !taken.insert(name.trim_start_matches("r#").to_owned()) {
                continue;
            }
            let (ret, body, what) = self.getter_parts(d, f);
            out.push_str(&doc(&format!("`{}`{what}.{}", f.json, self.note(d, f))));
            if is_deprecated(&f.schema) {
                out.push_str("#[deprecated(note = \"deprecated in Auth0's API description\")]\n");
            }
            out.push_str(&format!("{name}({}) -> {ret} {{{body}}};\n", f.ident));
        }
        if out.is_empty() {
            return out;
        }
        format!("getters!({} {{\n{out}}});\n", d.name)
    }

    /// A getter's return type, the rest of its body after `self.field`, and the end of its
    /// doc's first sentence.
    fn getter_parts(&self, d: &TypeDef, f: &Field) -> (String, String, &'static str) {
        let some = ", if present";
        let list = ", or an empty slice when it is absent";
        let copy = matches!(f.ty, Ty::Bool | Ty::Int | Ty::Num);
        let t = self.field_rust(&f.ty);
        if self.is_tristate(d, f) {
            // A `Nullable`: `null` reads as absent.
            let some = ", if it holds a value";
            return match &f.ty {
                Ty::Str => (
                    "Option<&str>".into(),
                    ".value().map(String::as_str)".into(),
                    some,
                ),
                Ty::Vec(item) => (
                    format!("&[{}]", self.field_rust(item)),
                    ".value().map_or(&[], Vec::as_slice)".into(),
                    list,
                ),
                Ty::Boxed(inner) => (
                    format!("Option<&{}>", self.field_rust(inner)),
                    ".value().map(|b| &**b)".into(),
                    some,
                ),
                _ if copy => (format!("Option<{t}>"), ".value().copied()".into(), some),
                _ => (format!("Option<&{t}>"), ".value()".into(), some),
            };
        }
        match &f.ty {
            Ty::Str => ("Option<&str>".into(), ".as_deref()".into(), some),
            Ty::Vec(item) => (
                format!("&[{}]", self.field_rust(item)),
                ".as_deref().unwrap_or_default()".into(),
                list,
            ),
            Ty::Boxed(inner) => (
                format!("Option<&{}>", self.field_rust(inner)),
                ".as_deref()".into(),
                some,
            ),
            _ if copy => (format!("Option<{t}>"), String::new(), some),
            _ => (format!("Option<&{t}>"), ".as_ref()".into(), some),
        }
    }

    fn emit_request(&self, d: &TypeDef, fields: &[Field]) -> String {
        let mut s = doc(&format!(
            "A request body, {}: required fields in `new`, one `with_*` method per optional \
             field; only the fields that were set are sent.",
            d.origin
        ));
        let all_optional = fields.iter().all(|f| !f.required);
        s.push_str(&format!(
            "#[derive(Debug, Clone, {}PartialEq)]\npub struct {} {{\n",
            if all_optional { "Default, " } else { "" },
            d.name
        ));
        for f in fields {
            s.push_str(
                &self
                    .field_doc(d, f)
                    .replace("#[deprecated", "#[allow(dead_code)]\n#[deprecated"),
            );
            if f.required {
                s.push_str(&format!("{}: {},\n", f.ident, self.field_rust(&f.ty)));
            } else if self.is_tristate(d, f) {
                s.push_str(&format!(
                    "{}: crate::Nullable<{}>,\n",
                    f.ident,
                    self.field_rust(&f.ty)
                ));
            } else {
                s.push_str(&format!(
                    "{}: Option<{}>,\n",
                    f.ident,
                    self.field_rust(&f.ty)
                ));
            }
        }
        s.push_str("extra: serde_json::Map<String, serde_json::Value>,\n}\n");
        s.push_str(&format!(
            "json_request!({} {{ {}; {} }});\n",
            d.name,
            json_fields(fields.iter().filter(|f| f.required)),
            json_fields(fields.iter().filter(|f| !f.required))
        ));
        s.push_str(&self.emit_constructors(d, fields, false));
        s.push_str(&format!(
            "impl {} {{\n\
             /// Adds a field this type does not name (it is sent as given).\n\
             pub fn with_field(mut self, key: impl Into<String>, value: serde_json::Value) -> Self {{\n\
             self.extra.insert(key.into(), value);\nself\n}}\n}}\n",
            d.name
        ));
        s
    }
}

/// `text` with its first letter in upper case.
fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Whether the description deprecates a schema.
fn is_deprecated(s: &Value) -> bool {
    s.get("deprecated").and_then(Value::as_bool) == Some(true)
}

/// Whether the description's `default` for a property is an example rather than the value
/// Auth0 uses when the property is left out. It is a default only on a type that is sent (a
/// request body or a model reachable from one), for a boolean, a number or a value of a closed
/// set (`enum`); it is an example on a type only read from answers, for a timestamp, an id, a
/// key or secret, a name, and any free-form string (`"my-action"`, a URL, an e-mail address, a
/// PEM).
pub(crate) fn default_is_example(
    sent: bool,
    json: &str,
    ty: &Ty,
    schema: &Value,
    default: &Value,
) -> bool {
    let words: Vec<String> = super::names::snake(json)
        .split('_')
        .map(str::to_owned)
        .collect();
    let named = |w: &str| words.iter().any(|x| x == w);
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    let closed = schema.get("enum").is_some() || schema.get("const").is_some();
    !sent
        || *ty == Ty::Timestamp
        || format == "date-time"
        || format.ends_with("-id")
        || format.ends_with("-name")
        || named("id")
        || named("name")
        || named("key")
        || named("pem")
        || is_secret_field(json)
        || (default.is_string() && !closed && !matches!(ty, Ty::Named(_)))
}

/// Methods of the traits a model implements or converts through (`Type::default()`,
/// `Type::from(x)`, `value.clone()`…): a getter of that name would shadow them.
const TRAIT_METHODS: &[&str] = &[
    "borrow",
    "borrow_mut",
    "clone",
    "clone_from",
    "default",
    "deserialize",
    "eq",
    "fmt",
    "from",
    "hash",
    "into",
    "ne",
    "serialize",
    "to_owned",
    "to_string",
    "try_from",
    "try_into",
    "type_id",
];

/// The name of a field's getter: the field's name; a keyword as a raw identifier (`type_` →
/// `r#type`, as aws-sdk-rust names it); `get_` and the name for one that a trait's method
/// has (`default` → `get_default`, so that `Type::default()` stays `Default`'s).
fn getter_name(ident: &str) -> String {
    let base = ident.trim_end_matches('_');
    if base != ident
        && super::names::is_keyword(base)
        && !["self", "super", "crate"].contains(&base)
    {
        format!("r#{base}")
    } else if TRAIT_METHODS.contains(&ident) {
        format!("get_{ident}")
    } else {
        ident.to_owned()
    }
}

/// The accessor rule: string fields that identify a resource.
fn is_identifying(key: &str) -> bool {
    matches!(key, "id" | "name" | "identifier" | "email")
        || key.ends_with("_id")
        || key.ends_with("_name")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The variant names of the union `schema` defines under the name `Union`.
    fn variant_names_of(schema: Value) -> Vec<String> {
        let schemas = serde_json::Map::new();
        let mut types = Types::new(&schemas);
        let Ty::Named(name) = types.ty_of(&schema, "Union", "m", None) else {
            panic!("the union is not a named type");
        };
        match &types.defs[&name].def {
            Def::Union { variants, .. } => variants.iter().map(|v| v.name.clone()).collect(),
            _ => panic!("not a union"),
        }
    }

    #[test]
    fn inline_objects_are_named_by_their_tag_values() {
        let action = |values: &[&str]| json!({"type": "string", "enum": values});
        let names = variant_names_of(json!({"oneOf": [
            {"type": "object", "required": ["action"], "properties": {"action": action(&["allow"])}},
            {"type": "object", "required": ["action", "limit"],
             "properties": {"action": action(&["block", "log"]), "limit": {"type": "integer"}}},
            {"type": "object", "required": ["action", "redirect_uri"],
             "properties": {"action": action(&["redirect"]), "redirect_uri": {"type": "string"}}}
        ]}));
        assert_eq!(names, ["Allow", "BlockOrLog", "Redirect"]);
    }

    #[test]
    fn untagged_inline_objects_are_named_by_a_property_of_their_own_else_by_their_set() {
        let names = variant_names_of(json!({"anyOf": [
            {"type": "object", "properties": {"api_key": {"type": "string"}}},
            {"type": "object", "properties": {"accessKeyId": {"type": "string"}, "region": {"type": "string"}}},
            {"type": "object", "properties": {"api_key": {"type": "string"}, "region": {"type": "string"}}},
            {"type": "object", "properties": {"api_key": {"type": "string"}, "domain": {"type": "string"}, "region": {"type": "string"}}},
            {"type": "string"}
        ]}));
        assert_eq!(
            names,
            ["ApiKey", "AccessKeyId", "ApiKeyRegion", "Domain", "String"]
        );
    }

    #[test]
    fn one_inline_object_keeps_its_kind_as_its_name() {
        let names = variant_names_of(json!({"oneOf": [
            {"type": "string"},
            {"type": "object", "properties": {"template": {"type": "string"}}}
        ]}));
        assert_eq!(names, ["String", "Object"]);
    }
}

#[cfg(test)]
mod nullable_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_request_property_that_accepts_null_is_tri_state_and_drops_no_null() {
        let schemas = json!({
            "MethodEnum": {"type": "string", "enum": ["none", "client_secret_post"]},
            "MethodOrNullEnum": {"type": ["string", "null"], "enum": ["none", "client_secret_post", null]},
            "UpdateThing": {"type": "object", "properties": {
                "method": {"$ref": "#/components/schemas/MethodOrNullEnum"},
                "plain": {"$ref": "#/components/schemas/MethodEnum"},
                "note": {"type": ["string", "null"]},
                "name": {"type": "string"}
            }}
        });
        let schemas = schemas.as_object().unwrap();
        let mut types = Types::new(schemas);
        types.request_bodies.insert("UpdateThing".to_owned());
        let body = types.ty_of(
            &json!({"$ref": "#/components/schemas/UpdateThing"}),
            "X",
            "m",
            None,
        );
        types.ty_of(
            &json!({"$ref": "#/components/schemas/MethodEnum"}),
            "X",
            "m",
            None,
        );
        types.collapse_shapes();
        types.mark_settable(&[body]);
        let src = types.emit_module("shared");
        assert!(src.contains("method: crate::Nullable<MethodEnum>"), "{src}");
        assert!(src.contains("note: crate::Nullable<String>"), "{src}");
        assert!(src.contains("plain: Option<MethodEnum>"), "{src}");
        assert!(src.contains("name: Option<String>"), "{src}");
        assert!(
            src.contains("with_method, clear_method(method): MethodEnum;"),
            "{src}"
        );
        assert!(!src.contains("pub type MethodOrNullEnum"), "{src}");
    }
}

#[cfg(test)]
mod getter_tests {
    use super::*;
    use serde_json::json;

    /// A model read from answers gets one getter per field (not the identifying strings, which
    /// have `&str` accessors): references for values, copies for booleans and numbers, slices
    /// for lists, raw identifiers for keywords; a `Nullable` reads `null` as absent. A model
    /// only sent gets none.
    #[test]
    fn models_read_from_answers_get_getters() {
        let schemas = json!({
            "Jwt": {"type": "object", "properties": {"alg": {"type": "string", "enum": ["HS256", "RS256"]}}},
            "Thing": {"type": "object", "properties": {
                "id": {"type": "string"},
                "type": {"type": "string"},
                "jwt": {"$ref": "#/components/schemas/Jwt"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "count": {"type": "integer"},
                "default": {"type": "boolean"},
                "note": {"type": ["string", "null"]}
            }},
            "Sent": {"type": "object", "properties": {"flag": {"type": "boolean"}}},
            "Body": {"type": "object", "properties": {
                "thing": {"$ref": "#/components/schemas/Thing"},
                "sent": {"$ref": "#/components/schemas/Sent"}
            }}
        });
        let schemas = schemas.as_object().unwrap();
        let mut types = Types::new(schemas);
        let of = |n: &str| json!({"$ref": format!("#/components/schemas/{n}")});
        let thing = types.ty_of(&of("Thing"), "X", "m", None);
        types.request_bodies.insert("Body".to_owned());
        let body = types.ty_of(&of("Body"), "X", "m", None);
        types.mark_settable(&[body]);
        types.mark_readable(&[thing]);
        // Components live in `shared` unless placed elsewhere.
        let src = types.emit_module("shared");
        let getters = |ty: &str| {
            let start = src
                .find(&format!("getters!({ty} {{"))
                .unwrap_or_else(|| panic!("no getters for {ty}: {src}"));
            src[start..].split("});").next().unwrap().to_owned()
        };
        let thing = getters("Thing");
        for expected in [
            "r#type(type_) -> Option<&str> {.as_deref()};",
            "jwt(jwt) -> Option<&Jwt> {.as_ref()};",
            "tags(tags) -> &[String] {.as_deref().unwrap_or_default()};",
            "count(count) -> Option<i64> {};",
            "get_default(default) -> Option<bool> {};",
            "note(note) -> Option<&str> {.value().map(String::as_str)};",
        ] {
            assert!(thing.contains(expected), "{expected} in {thing}");
        }
        assert!(!thing.contains("id(id)"), "{thing}");
        assert!(src.contains("str_accessors!(Thing: id);"), "{src}");
        assert!(getters("Jwt").contains("alg(alg) -> Option<&JwtAlg> {.as_ref()};"));
        assert!(!src.contains("getters!(Sent"), "{src}");
    }
}

#[cfg(test)]
mod default_tests {
    use std::collections::BTreeSet;

    /// Over the checked-in generated models (which `codegen --check` keeps equal to the
    /// generator's output for the description): a value documented as a default is on a type
    /// that is sent, and is a boolean, a number or one of the field's listed values; never a
    /// timestamp, an id, a key or a name.
    #[test]
    fn no_generated_doc_calls_an_example_a_default() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../crates/management/src/generated");
        let mut checked = 0;
        let mut examples = 0;
        for entry in std::fs::read_dir(&dir).expect("the generated models") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("read");
            // Types that are sent: request bodies and models with a `new`.
            let mut sent: BTreeSet<String> = BTreeSet::new();
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if let Some(name) = line
                    .strip_prefix("impl ")
                    .and_then(|r| r.strip_suffix(" {"))
                    && lines[i + 1..]
                        .iter()
                        .take(4)
                        .any(|l| l.contains("pub fn new("))
                {
                    sent.insert(name.to_owned());
                }
            }
            let mut current = String::new();
            for line in &lines {
                if let Some(rest) = line.strip_prefix("pub struct ") {
                    current = rest.trim_end_matches(" {").to_owned();
                }
                examples += line.matches("; for example `").count();
                let Some((head, value)) = line.split_once("; defaults to `") else {
                    continue;
                };
                checked += 1;
                let value = value.split('`').next().unwrap_or_default();
                let field = head
                    .trim_start()
                    .trim_start_matches("/// `")
                    .split('`')
                    .next()
                    .unwrap_or_default();
                let at = format!("{}: {current}.{field} = {value}", path.display());
                assert!(
                    sent.contains(&current),
                    "a default on a type never sent: {at}"
                );
                let words: Vec<String> = crate::names::snake(field)
                    .split('_')
                    .map(str::to_owned)
                    .collect();
                for w in ["id", "name", "key", "pem"] {
                    assert!(!words.iter().any(|x| x == w), "an {w} as a default: {at}");
                }
                if let Some(text) = value.strip_prefix('"') {
                    let listed = format!("`{}`", text.trim_end_matches('"'));
                    assert!(
                        head.contains(&listed) || head.contains(", …)"),
                        "a string default outside the field's listed values: {at}"
                    );
                    assert!(
                        !text.chars().take(4).all(|c| c.is_ascii_digit()),
                        "a timestamp as a default: {at}"
                    );
                }
            }
        }
        assert!(checked > 50, "only {checked} defaults seen");
        assert!(examples > 300, "only {examples} examples seen");
    }
}
