//! Routes Auth0 serves, as recorded, that the API description lacks
//! ([`UNDESCRIBED_ROUTES`](crate::overrides::UNDESCRIBED_ROUTES)): settings and a list, kept in
//! the one store like every other.

use super::base::{Ctx, Res};
use crate::overrides::{Undescribed, UndescribedRoute};
use crate::resp::{empty, json};
use crate::state::Store;
use http::StatusCode;
use serde_json::{Map, Value};

/// The scope `method` on `route` needs.
pub(super) fn scope(route: &UndescribedRoute, method: &str) -> &'static str {
    if method == "GET" {
        route.read_scope
    } else {
        route.write_scope
    }
}

/// Whether `route` answers `method`.
pub(super) fn serves(route: &UndescribedRoute, method: &str) -> bool {
    match route.kind {
        Undescribed::Setting(_) => matches!(method, "GET" | "PUT" | "PATCH"),
        Undescribed::List => matches!(method, "GET" | "POST"),
        Undescribed::StreamStats => method == "GET",
    }
}

/// Answers `method` on `route`.
pub(super) fn handle(
    route: &UndescribedRoute,
    method: &str,
    segs: &[String],
    ctx: &Ctx<'_>,
    store: &mut Store,
) -> Res {
    match route.kind {
        Undescribed::StreamStats => stream_stats(segs.get(1).map_or("", String::as_str), store),
        Undescribed::Setting(fresh) => {
            let setting = store.singleton_mut(route.path);
            if setting.is_null() {
                *setting =
                    serde_json::from_str(fresh).unwrap_or_else(|_| Value::Object(Map::new()));
            }
            match method {
                "PUT" => *setting = Value::Object(ctx.obj()?),
                "PATCH" => {
                    let body = ctx.obj()?;
                    if let Some(o) = setting.as_object_mut() {
                        o.extend(body);
                    }
                }
                _ => {
                    // A read adds what Auth0 reads back though the last write left it out.
                    let mut read = setting.clone();
                    crate::overrides::add_read_defaults(route.path, &mut read);
                    return Ok(json(StatusCode::OK, &read));
                }
            }
            Ok(json(StatusCode::OK, setting))
        }
        Undescribed::List => {
            if method == "POST" {
                let body = ctx.obj()?;
                store.items_mut(route.path).push(Value::Object(body));
                return Ok(empty(StatusCode::NO_CONTENT));
            }
            let items: Vec<Value> = store
                .items(route.path)
                .iter()
                .filter(|item| {
                    ctx.query.iter().all(|(k, v)| {
                        item.get(k)
                            .is_none_or(|held| held.as_str() == Some(v.as_str()))
                    })
                })
                .cloned()
                .collect();
            Ok(json(StatusCode::OK, &Value::Array(items)))
        }
    }
}

/// The days a stream's statistics cover: the last fifteen, today's included.
const STATS_DAYS: u64 = 15;

/// `GET /event-streams/{id}/stats`: the stream's successful and failed deliveries by day over
/// the last [`STATS_DAYS`] days, with their totals, as recordings/go-auth0/
/// TestEventStreamManager_Integration.json reads them. Each attempt of a delivery counts once,
/// on its day; the fake tenant's attempts all fail (it sends events to no other host).
fn stream_stats(stream: &str, store: &mut Store) -> Res {
    let Some(found) = store
        .items("/event-streams")
        .iter()
        .find(|s| s["id"].as_str() == Some(stream))
        .cloned()
    else {
        return Err(super::base::ApiErr(
            StatusCode::NOT_FOUND,
            "The event stream does not exist".into(),
            Some("inexistent_event_stream"),
        ));
    };
    const DAY_MS: u64 = 86_400_000;
    const HOUR_MS: u64 = 3_600_000;
    let now = crate::util::now_ms();
    let today = now - now % DAY_MS;
    let first = today - (STATS_DAYS - 1) * DAY_MS;
    let buckets: Vec<Value> = (0..STATS_DAYS)
        .map(|i| Value::String(crate::util::iso8601(first + i * DAY_MS)))
        .collect();
    let mut counts = [
        vec![0u64; STATS_DAYS as usize],
        vec![0u64; STATS_DAYS as usize],
    ];
    let deliveries = format!("/event-streams/{stream}/deliveries");
    for attempt in store
        .items(&deliveries)
        .iter()
        .flat_map(|d| d["attempts"].as_array().into_iter().flatten())
    {
        let (Some(status), Some(at)) = (attempt["status"].as_str(), attempt["timestamp"].as_str())
        else {
            continue;
        };
        let metric = match status {
            "success" => 0,
            "failed" => 1,
            _ => continue,
        };
        let day = buckets
            .iter()
            .position(|b| b.as_str().is_some_and(|b| at.get(..10) == b.get(..10)));
        if let Some(day) = day {
            counts[metric][day] += 1;
        }
    }
    let metric = |name: &str, data: &[u64]| crate::util::json!({"name": name, "type": "sum", "data": data, "window_total": data.iter().sum::<u64>()});
    let to = now + (HOUR_MS - now % HOUR_MS) % HOUR_MS;
    let from = to - (STATS_DAYS - 1) * DAY_MS;
    Ok(json(
        StatusCode::OK,
        &crate::util::json!({
            "id": stream,
            "name": found["name"],
            "buckets": buckets,
            "metrics": [
                metric("auth0.event_streams.successful_deliveries", &counts[0]),
                metric("auth0.event_streams.failed_deliveries", &counts[1]),
            ],
            "window": {
                "bucket_interval": {"scale_factor": 86_400},
                "date_from": crate::util::iso8601(from),
                "date_to": crate::util::iso8601(to),
            },
        }),
    ))
}
