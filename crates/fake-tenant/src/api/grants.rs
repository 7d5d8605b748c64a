//! Client grants: `/client-grants`, `/client-grants/{id}`.

use super::base::*;
use super::pagination::paginate;
use super::routes::Route;
use crate::util::IntoObject;

/// Handles the client grant routes.
pub(super) fn handle(route: &Route, m: &str, ctx: &Ctx<'_>, store: &mut Store) -> Res {
    match (route, m) {
        (Route::Grants, "GET") => {
            let items: Vec<Value> = store
                .items(crate::store::GRANTS)
                .iter()
                .filter(|g| {
                    ctx.q("audience")
                        .is_none_or(|a| g["audience"].as_str() == Some(a))
                })
                .filter(|g| {
                    ctx.q("client_id")
                        .is_none_or(|c| g["client_id"].as_str() == Some(c))
                })
                .cloned()
                .collect();
            paginate(ctx, items, "client_grants", false, Some("id"))
        }
        (Route::Grants, "POST") => create_grant(ctx, store),
        (Route::Grant(id), "GET") => {
            let g = find(store.items(crate::store::GRANTS), "id", id).ok_or_else(no_grant)?;
            Ok(json(StatusCode::OK, g))
        }
        (Route::Grant(id), "PATCH") => {
            let body = ctx.obj()?;
            only_described(
                &body,
                "patch_client-grants_by_id",
                &["scope", "organization_usage", "allow_any_organization"],
            )?;
            if let Some(s) = body.get("scope") {
                string_array(s, "scope")?;
            }
            let g =
                find_mut(store.items_mut(crate::store::GRANTS), "id", id).ok_or_else(no_grant)?;
            merge(g, body);
            Ok(json(StatusCode::OK, g))
        }
        (Route::Grant(id), "DELETE") => {
            store
                .items_mut(crate::store::GRANTS)
                .retain(|g| g["id"].as_str() != Some(id.as_str()));
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => Err(ApiErr::not_found("Not Found", None)),
    }
}

pub(super) fn no_grant() -> ApiErr {
    ApiErr::not_found("The grant does not exist.", Some("inexistent_client_grant"))
}

pub(super) fn create_grant(ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let body = ctx.obj()?;
    only_described(
        &body,
        "post_client-grants",
        &[
            "client_id",
            "audience",
            "scope",
            "organization_usage",
            "allow_any_organization",
            "subject_type",
        ],
    )?;
    let client_id = required_str(&body, "client_id")?;
    let audience = required_str(&body, "audience")?;
    let scope = string_array(
        body.get("scope").ok_or_else(|| {
            ApiErr::bad_body("Payload validation error: 'Missing required property: scope'.")
        })?,
        "scope",
    )?;
    find(store.items(crate::store::CLIENTS), "client_id", client_id).ok_or_else(no_client)?;
    find(
        store.items(crate::store::RESOURCE_SERVERS),
        "identifier",
        audience,
    )
    .ok_or_else(|| {
        ApiErr::not_found(
            &format!("No resource server found by identifier: {audience}"),
            Some("inexistent_resource_server"),
        )
    })?;
    if store.items(crate::store::GRANTS).iter().any(|g| {
        g["client_id"].as_str() == Some(client_id) && g["audience"].as_str() == Some(audience)
    }) {
        return Err(ApiErr::conflict(
            "A resource server grant for this client and audience already exists.",
            Some("client_grant_conflict"),
        ));
    }
    let mut grant = seed::new_grant(client_id, audience, &scope);
    let extra: Map<String, Value> = body
        .into_iter()
        .filter(|(k, _)| k != "scope" && k != "client_id" && k != "audience")
        .into_object();
    merge(&mut grant, extra);
    store.items_mut(crate::store::GRANTS).push(grant.clone());
    Ok(json(StatusCode::CREATED, &grant))
}
