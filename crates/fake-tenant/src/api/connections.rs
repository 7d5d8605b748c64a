//! Connections (read only): `/connections`, `/connections/{id}`.

use super::base::*;
use super::pagination::{paginate_keeping, select_fields_keeping};
use super::routes::Route;

/// Handles the connection routes.
pub(super) fn handle(route: &Route, m: &str, ctx: &Ctx<'_>, store: &mut Store) -> Res {
    match (route, m) {
        (Route::Connections, "GET") => {
            let strategies: Option<Vec<&str>> = ctx.q("strategy").map(|s| s.split(',').collect());
            let items: Vec<Value> = store
                .items(crate::store::CONNECTIONS)
                .iter()
                .filter(|c| {
                    strategies
                        .as_ref()
                        .is_none_or(|s| c["strategy"].as_str().is_some_and(|x| s.contains(&x)))
                })
                .filter(|c| ctx.q("name").is_none_or(|n| c["name"].as_str() == Some(n)))
                .cloned()
                .collect();
            paginate_keeping(
                ctx,
                items,
                "connections",
                false,
                Some("id"),
                crate::overrides::CONNECTION_FIELDS_ALWAYS,
                false,
            )
        }
        (Route::Connection(id), _) => {
            let c = find(store.items(crate::store::CONNECTIONS), "id", id).ok_or_else(|| {
                ApiErr::not_found(
                    "The connection does not exist",
                    Some("inexistent_connection"),
                )
            })?;
            Ok(json(
                StatusCode::OK,
                &select_fields_keeping(ctx, c.clone(), crate::overrides::CONNECTION_FIELDS_ALWAYS),
            ))
        }
        _ => Err(ApiErr::not_found("Not Found", None)),
    }
}

pub(super) fn connection_by_id(store: &Store, id: &str) -> Result<Value, ApiErr> {
    find(store.items(crate::store::CONNECTIONS), "id", id).cloned().ok_or_else(|| {
        ApiErr::bad_body(format!(
            "Payload validation error: 'The connection does not exist: {id}' on property connection_id."
        ))
    })
}
