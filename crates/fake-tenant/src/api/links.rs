//! Assignments shared by users, roles and organizations: id lists, permissions, links.

use super::base::*;

pub(super) fn ids_in(ctx: &Ctx<'_>, key: &str) -> Result<Vec<String>, ApiErr> {
    let body = ctx.obj()?;
    let v = body.get(key).ok_or_else(|| {
        ApiErr::bad_body(format!(
            "Payload validation error: 'Missing required property: {key}'."
        ))
    })?;
    let ids = string_array(v, key)?;
    if ids.is_empty() {
        return Err(ApiErr::bad_body(format!(
            "Payload validation error: 'Array is too short (0), minimum 1' on property {key}."
        )));
    }
    Ok(ids)
}

/// Validates `{"permissions": [{resource_server_identifier, permission_name}]}`
/// and returns the full permission objects.
pub(super) fn permissions_in(ctx: &Ctx<'_>, store: &Store) -> Result<Vec<Value>, ApiErr> {
    let body = ctx.obj()?;
    let list = body
        .get("permissions")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| {
            ApiErr::bad_body("Payload validation error: 'Missing required property: permissions'.")
        })?;
    let mut out = Vec::new();
    for p in list {
        let (Some(rs_id), Some(name)) = (
            p["resource_server_identifier"].as_str(),
            p["permission_name"].as_str(),
        ) else {
            return Err(ApiErr::bad_body(
                "Payload validation error: 'Missing required property: resource_server_identifier, permission_name' on property permissions.",
            ));
        };
        let rs = find(
            store.items(crate::store::RESOURCE_SERVERS),
            "identifier",
            rs_id,
        );
        let scope = rs.and_then(|rs| {
            rs["scopes"]
                .as_array()
                .and_then(|s| s.iter().find(|s| s["value"].as_str() == Some(name)))
        });
        let (Some(rs), Some(scope)) = (rs, scope) else {
            return Err(ApiErr::not_found(
                &format!("This permission does not exist: '{rs_id} - {name}'"),
                Some("inexistent_resource_server_permission"),
            ));
        };
        out.push(json!({
            "permission_name": name,
            "description": scope["description"].as_str().map_or_else(|| scope_description(name), String::from),
            "resource_server_identifier": rs_id,
            "resource_server_name": rs["name"],
        }));
    }
    Ok(out)
}

/// Adds each of `items` to the list `links` keeps for `owner`, unless `same` finds it there
/// already (role assignments, members and permissions are sets).
pub(super) fn link<T>(
    links: &mut HashMap<String, Vec<T>>,
    owner: &str,
    items: Vec<T>,
    same: impl Fn(&T, &T) -> bool,
) {
    let entry = links.entry(owner.to_owned()).or_default();
    for item in items {
        if !entry.iter().any(|e| same(e, &item)) {
            entry.push(item);
        }
    }
}

/// Removes from the list `links` keeps for `owner` every entry that `same` matches in `items`.
pub(super) fn unlink<T>(
    links: &mut HashMap<String, Vec<T>>,
    owner: &str,
    items: &[T],
    same: impl Fn(&T, &T) -> bool,
) {
    if let Some(entry) = links.get_mut(owner) {
        entry.retain(|e| !items.iter().any(|i| same(e, i)));
    }
}

pub(super) fn same_permission(a: &Value, b: &Value) -> bool {
    a["permission_name"] == b["permission_name"]
        && a["resource_server_identifier"] == b["resource_server_identifier"]
}
