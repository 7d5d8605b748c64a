//! Logs: `/logs`, `/logs/{id}`.

use super::base::*;
use super::pagination::{list_params, offset_page, select_fields_keeping};
use super::routes::Route;
use super::search::search;

/// Handles the log routes.
pub(super) fn handle(route: &Route, m: &str, ctx: &Ctx<'_>, store: &mut Store) -> Res {
    match (route, m) {
        (Route::Logs, _) => list_logs(ctx, store),
        (Route::Log(id), _) => {
            let l = store
                .logs
                .iter()
                .find(|l| l["log_id"].as_str() == Some(id.as_str()))
                .ok_or_else(|| ApiErr::not_found("Log not found", Some("inexistent_log")))?;
            Ok(json(StatusCode::OK, l))
        }
        _ => Err(ApiErr::not_found("Not Found", None)),
    }
}

pub(super) fn list_logs(ctx: &Ctx<'_>, store: &Store) -> Res {
    let p = list_params(ctx)?;
    let logs = search(store.logs.iter(), ctx.q("q"))?;
    if p.from.is_some() || p.take.is_some() {
        // Checkpoint mode: events after `from`, oldest first, as a bare array.
        let take = p.take.unwrap_or(50);
        let from = p.from.clone().unwrap_or_default();
        let out: Vec<Value> = logs
            .into_iter()
            .filter(|l| l["log_id"].as_str().is_some_and(|id| id > from.as_str()))
            .take(take)
            .map(|v| select_fields_keeping(ctx, v, crate::overrides::LOG_FIELDS_ALWAYS))
            .collect();
        return Ok(json(StatusCode::OK, &Value::Array(out)));
    }
    let ascending = ctx.q("sort").is_some_and(|s| s.ends_with(":1"));
    let mut logs: Vec<Value> = logs
        .into_iter()
        .map(|v| select_fields_keeping(ctx, v, crate::overrides::LOG_FIELDS_ALWAYS))
        .collect();
    if !ascending {
        logs.reverse();
    }
    Ok(json(
        StatusCode::OK,
        &offset_page(logs, "logs", &p, true, None),
    ))
}
