//! Stats: `/stats/active-users`.

use super::base::*;
use super::routes::Route;

/// Handles the stats routes.
pub(super) fn handle(route: &Route, m: &str, _ctx: &Ctx<'_>, store: &mut Store) -> Res {
    match (route, m) {
        (Route::ActiveUsers, _) => Ok(json(StatusCode::OK, &json!(active_users(store)))),
        _ => Err(ApiErr::not_found("Not Found", None)),
    }
}

/// Users whose `last_login` lies within the last 30 days, as `GET /stats/active-users` counts.
pub(super) fn active_users(store: &Store) -> usize {
    let since = iso8601(now_ms().saturating_sub(30 * 86_400 * 1000));
    store
        .items(crate::store::USERS)
        .iter()
        .filter(|u| {
            u["last_login"]
                .as_str()
                .is_some_and(|d| d >= since.as_str())
        })
        .count()
}
