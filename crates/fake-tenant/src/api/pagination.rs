//! Offset and checkpoint pagination, and field selection.

use super::base::*;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Parsed list parameters.
pub(super) struct ListParams {
    pub(super) page: usize,
    pub(super) per_page: usize,
    pub(super) include_totals: bool,
    pub(super) from: Option<String>,
    pub(super) take: Option<usize>,
}

pub(super) fn number(ctx: &Ctx<'_>, key: &str, description: &str) -> Result<Option<usize>, ApiErr> {
    match ctx.q(key) {
        None => Ok(None),
        Some(v) => v.parse::<usize>().map(Some).map_err(|_| {
            ApiErr::bad_query(format!(
                "Query validation error: 'Expected type integer but found type string' on property {key} ({description})."
            ))
        }),
    }
}

pub(super) fn list_params(ctx: &Ctx<'_>) -> Result<ListParams, ApiErr> {
    let page = number(
        ctx,
        "page",
        "Page index of the results to return. First page is 0.",
    )?
    .unwrap_or(0);
    let per_page = number(
        ctx,
        "per_page",
        "Number of results per page. Defaults to 50.",
    )?
    .unwrap_or(50);
    if per_page > 100 {
        return Err(ApiErr::bad_query(
            "Query validation error: 'Expected a number less than or equal to 100' on property per_page (Number of results per page. Defaults to 50.).",
        ));
    }
    let take = number(ctx, "take", "Number of results per page. Defaults to 50.")?;
    if take.is_some_and(|t| t > 100) {
        return Err(ApiErr::bad_query(
            "Query validation error: 'Expected a number less than or equal to 100' on property take (Number of results per page. Defaults to 50.).",
        ));
    }
    Ok(ListParams {
        page,
        per_page,
        include_totals: ctx.q("include_totals") == Some("true"),
        from: ctx.q("from").map(String::from),
        take,
    })
}

/// Applies `fields` / `include_fields` to one object.
pub(super) fn select_fields(ctx: &Ctx<'_>, v: Value) -> Value {
    select_fields_keeping(ctx, v, &[])
}

/// [`select_fields`], keeping the fields of `always` whichever fields the request names, as
/// Auth0 keeps some in every answer of a resource (a log event's `_id`).
pub(super) fn select_fields_keeping(ctx: &Ctx<'_>, mut v: Value, always: &[&str]) -> Value {
    let Some(fields) = ctx.q("fields") else {
        return v;
    };
    let wanted: Vec<&str> = fields.split(',').map(str::trim).collect();
    let include = ctx.q("include_fields") != Some("false");
    if let Some(o) = v.as_object_mut() {
        o.retain(|k, _| always.contains(&k.as_str()) || wanted.contains(&k.as_str()) == include);
    }
    v
}

/// Answers a list with offset pagination (and checkpoint pagination when
/// `checkpoint_id` names the id field and `from`/`take` are present).
pub(super) fn paginate(
    ctx: &Ctx<'_>,
    items: Vec<Value>,
    key: &str,
    with_length: bool,
    checkpoint_id: Option<&str>,
) -> Res {
    paginate_keeping(ctx, items, key, with_length, checkpoint_id, &[], false)
}

/// [`paginate`] for the list at `template` (a path template of the description), whose
/// checkpoint pages answer `next` as Auth0 answers it there
/// ([`next_on_every_page`](crate::overrides::next_on_every_page)).
pub(super) fn paginate_list(
    ctx: &Ctx<'_>,
    items: Vec<Value>,
    key: &str,
    checkpoint_id: &str,
    template: &str,
) -> Res {
    let every_page = crate::overrides::next_on_every_page(template);
    paginate_keeping(ctx, items, key, false, Some(checkpoint_id), &[], every_page)
}

/// [`paginate`], keeping the fields of `always` in every item whichever fields the request
/// names (see [`select_fields_keeping`]); `next_on_every_page` as [`checkpoint`] takes it.
pub(super) fn paginate_keeping(
    ctx: &Ctx<'_>,
    items: Vec<Value>,
    key: &str,
    with_length: bool,
    checkpoint_id: Option<&str>,
    always: &[&str],
    next_on_every_page: bool,
) -> Res {
    let p = list_params(ctx)?;
    let items: Vec<Value> = items
        .into_iter()
        .map(|v| select_fields_keeping(ctx, v, always))
        .collect();
    if let Some(id_field) = checkpoint_id
        && (p.from.is_some() || p.take.is_some())
    {
        return checkpoint(items, key, &p, id_field, next_on_every_page);
    }
    Ok(json(
        StatusCode::OK,
        &offset_page(items, key, &p, with_length, None),
    ))
}

pub(super) fn offset_page(
    items: Vec<Value>,
    key: &str,
    p: &ListParams,
    with_length: bool,
    total_cap: Option<usize>,
) -> Value {
    let total = items.len();
    let start = p.page.saturating_mul(p.per_page);
    let slice: Vec<Value> = items.into_iter().skip(start).take(p.per_page).collect();
    if !p.include_totals {
        return Value::Array(slice);
    }
    let total = total_cap.map_or(total, |c| total.min(c));
    let mut o = Map::new();
    o.insert("start".into(), json!(start));
    o.insert("limit".into(), json!(p.per_page));
    if with_length {
        o.insert("length".into(), json!(slice.len()));
    }
    o.insert("total".into(), json!(total));
    o.insert(key.into(), Value::Array(slice));
    Value::Object(o)
}

/// A checkpoint page of `items`: `take` items after the one the `from` cursor names (the first
/// page without `from`), and a `next` cursor naming the page's last item while items follow it
/// — or, where Auth0 answers one on every page that holds items
/// ([`next_on_every_page`](crate::overrides::next_on_every_page)), whenever the page holds
/// items: a page after the last item is then empty and has no `next`.
pub(super) fn checkpoint(
    items: Vec<Value>,
    key: &str,
    p: &ListParams,
    id_field: &str,
    next_on_every_page: bool,
) -> Res {
    let take = p.take.unwrap_or(50);
    let start = match &p.from {
        None => 0,
        Some(from) => {
            let id = URL_SAFE_NO_PAD
                .decode(from)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    ApiErr::bad_query("Query validation error: 'from' is not a valid checkpoint.")
                })?;
            items
                .iter()
                .position(|v| v[id_field].as_str() == Some(id.as_str()))
                .map(|i| i + 1)
                .ok_or_else(|| {
                    ApiErr::bad_query("Query validation error: 'from' is not a valid checkpoint.")
                })?
        }
    };
    let more = items.len() > start + take;
    let page: Vec<Value> = items.into_iter().skip(start).take(take).collect();
    let next = (more || next_on_every_page)
        .then(|| page.last())
        .flatten()
        .and_then(|v| v[id_field].as_str())
        .map(|id| URL_SAFE_NO_PAD.encode(id));
    let mut o = Map::new();
    o.insert(key.into(), Value::Array(page));
    if let Some(n) = next {
        o.insert("next".into(), Value::String(n));
    }
    Ok(json(StatusCode::OK, &Value::Object(o)))
}
