//! The module `shared`: the schemas that the operations of several operation groups use. Each
//! is compiled only when the feature of one of the groups that use it (directly or through
//! another shared schema) is on, so that a program that enables one group does not build the
//! schemas only other groups need.

use std::collections::{BTreeMap, BTreeSet};

use crate::names::snake;
use crate::types::Types;

/// The identifiers a piece of generated code names outside its comments.
fn identifiers(code: &str) -> BTreeSet<&str> {
    code.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .flat_map(|l| l.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
        .filter(|w| !w.is_empty())
        .collect()
}

/// The groups that use each shared type: those whose code (`groups`: module name → its
/// generated code) names it, or names a shared type whose code names it, and so on.
pub(crate) fn users(
    defs: &BTreeMap<String, String>,
    groups: &BTreeMap<String, String>,
) -> BTreeMap<String, BTreeSet<String>> {
    let named = |code: &str| -> Vec<String> {
        identifiers(code)
            .into_iter()
            .filter(|w| defs.contains_key(*w))
            .map(str::to_owned)
            .collect()
    };
    let refs: BTreeMap<&String, Vec<String>> = defs
        .iter()
        .map(|(name, code)| (name, named(code)))
        .collect();
    let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (group, code) in groups {
        let mut stack = named(code);
        let mut seen = BTreeSet::new();
        while let Some(name) = stack.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            if let Some(next) = refs.get(&name) {
                stack.extend(next.iter().cloned());
            }
            users.entry(name).or_default().insert(group.clone());
        }
    }
    users
}

/// The `cfg` predicate of a set of group features.
fn predicate(groups: &BTreeSet<String>) -> String {
    let features: Vec<String> = groups.iter().map(|g| format!("feature = {g:?}")).collect();
    match features.as_slice() {
        [one] => one.clone(),
        many => format!("any({})", many.join(", ")),
    }
}

/// The source of `shared.rs`, after its module doc: the shared types, grouped in private
/// modules by the set of groups that use them, each module and its re-export behind those
/// groups' features. A type no group names (none today) is compiled always.
pub(crate) fn emit(types: &Types<'_>, groups: &BTreeMap<String, String>) -> String {
    let defs: BTreeMap<String, String> = types
        .defs
        .values()
        .filter(|d| d.module == "shared")
        .map(|d| (d.name.clone(), types.emit_def(d)))
        .filter(|(_, code)| !code.is_empty())
        .collect();
    let users = users(&defs, groups);
    let mut by_users: BTreeMap<BTreeSet<String>, Vec<&String>> = BTreeMap::new();
    for name in defs.keys() {
        by_users
            .entry(users.get(name).cloned().unwrap_or_default())
            .or_default()
            .push(name);
    }
    let mut out = String::new();
    for (set, names) in &by_users {
        let code: String = names.iter().map(|n| defs[*n].as_str()).collect();
        if set.is_empty() {
            out.push_str(&code);
            continue;
        }
        let module = snake(names[0]);
        let cfg = predicate(set);
        let groups = set
            .iter()
            .map(|g| format!("`{g}`"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!(
            "/// The shared schemas that the groups {groups} use.\n\
             #[cfg({cfg})]\n\
             mod {module} {{\n\
             #[allow(unused_imports)]\nuse super::*;\n\
             {code}}}\n\
             #[cfg({cfg})]\n\
             #[cfg_attr(docsrs, doc(cfg({cfg})))]\n\
             pub use {module}::*;\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_shared_type_is_built_for_the_groups_that_name_it_directly_or_through_another() {
        let defs = map(&[
            ("Log", "pub struct Log { pub date: Option<LogDate> }\n"),
            ("LogDate", "pub enum LogDate { Text(String) }\n"),
            ("Role", "pub struct Role { pub id: Option<String> }\n"),
        ]);
        let groups = map(&[
            ("logs", "pub struct GetLog; type Answer = Log;\n"),
            (
                "users",
                "/// Roles are not a Role here.\npub struct ListUserRoles;\n",
            ),
            ("roles", "fn f() -> Vec<Role> { Vec::new() }\n"),
        ]);
        let users = users(&defs, &groups);
        let of = |name: &str| -> Vec<&str> {
            users
                .get(name)
                .map(|s| s.iter().map(String::as_str).collect())
                .unwrap_or_default()
        };
        assert_eq!(of("Log"), ["logs"]);
        assert_eq!(of("LogDate"), ["logs"], "through Log");
        assert_eq!(
            of("Role"),
            ["roles"],
            "a doc comment naming it does not count"
        );
    }

    #[test]
    fn the_predicate_names_one_feature_or_any_of_several() {
        let set = |g: &[&str]| g.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
        assert_eq!(predicate(&set(&["clients"])), r#"feature = "clients""#);
        assert_eq!(
            predicate(&set(&["users", "logs"])),
            r#"any(feature = "logs", feature = "users")"#
        );
    }
}
