//! Pagination: request parameters for both styles and the page envelopes.
//!
//! The Management API pages lists in two ways:
//!
//! - **offset**: `page` (from 0), `per_page` (1 to 100) and `include_totals`; with totals the
//!   answer is `{"start", "limit", "total", "<items>": […]}` (users and logs add `length`),
//!   without totals a bare array;
//! - **checkpoint**: `from` (an opaque cursor) and `take` (1 to 100); the answer is
//!   `{"<items>": […], "next": "…"}` with `next` absent on the last page, except `/logs`, which
//!   answers a bare array and continues from the last `log_id`.
//!
//! A list endpoint implements [`Paginated`]: it says which styles it supports, accepts a
//! [`PageRequest`], and computes the request for the page after a given [`Page`].

use std::fmt;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::endpoint::{Endpoint, QueryPairs};
use crate::error::Error;

/// A pagination style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PaginationStyle {
    /// `page` / `per_page` / `include_totals`.
    Offset,
    /// `from` / `take` / `next`.
    Checkpoint,
}

impl fmt::Display for PaginationStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Offset => "offset",
            Self::Checkpoint => "checkpoint",
        })
    }
}

/// The pagination styles an endpoint supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaginationSupport {
    /// Offset pagination is supported.
    pub offset: bool,
    /// Checkpoint pagination is supported.
    pub checkpoint: bool,
}

impl PaginationSupport {
    /// Offset pagination only.
    pub const OFFSET: Self = Self {
        offset: true,
        checkpoint: false,
    };
    /// Checkpoint pagination only.
    pub const CHECKPOINT: Self = Self {
        offset: false,
        checkpoint: true,
    };
    /// Both styles.
    pub const BOTH: Self = Self {
        offset: true,
        checkpoint: true,
    };

    /// Whether `style` is supported.
    pub fn supports(self, style: PaginationStyle) -> bool {
        match style {
            PaginationStyle::Offset => self.offset,
            PaginationStyle::Checkpoint => self.checkpoint,
        }
    }

    /// The style to use when the caller has no preference: checkpoint when supported (it is
    /// not limited to the first 1000 results), otherwise offset.
    pub fn preferred(self) -> PaginationStyle {
        if self.checkpoint {
            PaginationStyle::Checkpoint
        } else {
            PaginationStyle::Offset
        }
    }
}

/// A page size (`per_page` or `take`), between 1 and [`PageSize::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PageSize(u8);

impl PageSize {
    /// The largest page size the Management API accepts: 100.
    pub const MAX: u8 = 100;
    /// The Management API's own default page size: 50.
    pub const DEFAULT: Self = Self(50);

    /// Validates a page size; `0` and values above 100 are rejected.
    pub fn new(value: u64) -> Result<Self, Error> {
        match u8::try_from(value) {
            Ok(v) if (1..=Self::MAX).contains(&v) => Ok(Self(v)),
            _ => Err(Error::InvalidPageSize {
                value,
                max: Self::MAX,
            }),
        }
    }

    /// The value.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Offset pagination parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OffsetRequest {
    /// The page index, from 0.
    pub page: u32,
    /// The page size.
    pub per_page: PageSize,
    /// Whether to ask for the `{start, limit, total, …}` envelope (default `true`).
    pub include_totals: bool,
}

/// Checkpoint pagination parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CheckpointRequest {
    /// The cursor; `None` for the first page.
    pub from: Option<String>,
    /// The page size.
    pub take: PageSize,
}

/// The parameters of one page request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PageRequest {
    /// An offset page.
    Offset(OffsetRequest),
    /// A checkpoint page.
    Checkpoint(CheckpointRequest),
}

impl PageRequest {
    /// The first offset page of `per_page` items, with totals.
    pub fn offset(per_page: u64) -> Result<Self, Error> {
        Ok(Self::Offset(OffsetRequest {
            page: 0,
            per_page: PageSize::new(per_page)?,
            include_totals: true,
        }))
    }

    /// Offset page `page` of `per_page` items, with totals.
    pub fn offset_page(page: u32, per_page: u64) -> Result<Self, Error> {
        Ok(Self::Offset(OffsetRequest {
            page,
            per_page: PageSize::new(per_page)?,
            include_totals: true,
        }))
    }

    /// The first checkpoint page of `take` items.
    pub fn checkpoint(take: u64) -> Result<Self, Error> {
        Ok(Self::Checkpoint(CheckpointRequest {
            from: None,
            take: PageSize::new(take)?,
        }))
    }

    /// A checkpoint page of `take` items continuing from the cursor `from`.
    pub fn checkpoint_from(from: impl Into<String>, take: u64) -> Result<Self, Error> {
        Ok(Self::Checkpoint(CheckpointRequest {
            from: Some(from.into()),
            take: PageSize::new(take)?,
        }))
    }

    /// The first page of `size` items in `style`.
    pub fn first(style: PaginationStyle, size: u64) -> Result<Self, Error> {
        match style {
            PaginationStyle::Offset => Self::offset(size),
            PaginationStyle::Checkpoint => Self::checkpoint(size),
        }
    }

    /// The style of this request.
    pub fn style(&self) -> PaginationStyle {
        match self {
            Self::Offset(_) => PaginationStyle::Offset,
            Self::Checkpoint(_) => PaginationStyle::Checkpoint,
        }
    }

    /// The page size.
    pub fn size(&self) -> PageSize {
        match self {
            Self::Offset(o) => o.per_page,
            Self::Checkpoint(c) => c.take,
        }
    }

    /// The query parameters of this request.
    pub fn query(&self) -> QueryPairs {
        let mut q = QueryPairs::new();
        match self {
            Self::Offset(o) => {
                q.push("page", o.page)
                    .push("per_page", o.per_page.get())
                    .push("include_totals", o.include_totals);
            }
            Self::Checkpoint(c) => {
                q.push_opt("from", c.from.as_deref())
                    .push("take", c.take.get());
            }
        }
        q
    }
}

/// A list endpoint that can be paged.
pub trait Paginated: Endpoint<Response = Page<Self::Item>> {
    /// The type of one item.
    type Item: DeserializeOwned;

    /// The styles the endpoint supports.
    fn pagination(&self) -> PaginationSupport;

    /// The name of the item list in the page envelope (`clients`, `users`, `members`…), as
    /// Auth0's API description names it for this operation. Pages are read with it
    /// ([`parse_page`]): other array fields of the envelope are kept in
    /// [`Page::extra`], never mistaken for the items.
    fn items_key(&self) -> &'static str;

    /// The current page request, if one was set.
    fn page_request(&self) -> Option<&PageRequest>;

    /// Stores `request` without checking it; use [`set_page`](Paginated::set_page).
    fn store_page_request(&mut self, request: PageRequest);

    /// The most results the endpoint returns in offset mode, whatever the page
    /// (the user search stops at 1000). Defaults to no limit.
    fn result_limit(&self) -> Option<u64> {
        None
    }

    /// The cursor to continue after `item` when a checkpoint page has no `next`
    /// (as `/logs` answers a bare array). Defaults to none.
    fn cursor_of(_item: &Self::Item) -> Option<String> {
        None
    }

    /// Sets the page request, rejecting a style the endpoint does not support.
    fn set_page(&mut self, request: PageRequest) -> Result<(), Error> {
        if !self.pagination().supports(request.style()) {
            return Err(Error::UnsupportedPagination(request.style()));
        }
        self.store_page_request(request);
        Ok(())
    }

    /// Builder form of [`set_page`](Paginated::set_page).
    fn with_page(mut self, request: PageRequest) -> Result<Self, Error>
    where
        Self: Sized,
    {
        self.set_page(request)?;
        Ok(self)
    }

    /// The request for the page after `page`, or `None` when `page` was the last one.
    ///
    /// With no page request set, the server answered its default first page and there is no
    /// way to continue, so this returns `None`.
    fn next_page_request(&self, page: &Page<Self::Item>) -> Option<PageRequest> {
        let received = page.items().len() as u64;
        match self.page_request()? {
            PageRequest::Offset(o) => {
                if received == 0 {
                    return None;
                }
                let per_page = u64::from(o.per_page.get());
                let seen = page
                    .start()
                    .unwrap_or(u64::from(o.page).saturating_mul(per_page))
                    .saturating_add(received);
                match page.total() {
                    Some(total) if seen >= total => return None,
                    None if received < per_page => return None,
                    _ => {}
                }
                let next_start = u64::from(o.page).saturating_add(1).saturating_mul(per_page);
                if self.result_limit().is_some_and(|limit| next_start >= limit) {
                    return None;
                }
                Some(PageRequest::Offset(OffsetRequest {
                    page: o.page.checked_add(1)?,
                    ..o.clone()
                }))
            }
            PageRequest::Checkpoint(c) => {
                let from = match page.next() {
                    Some(next) if !next.is_empty() && received > 0 => next.to_owned(),
                    Some(_) => return None,
                    None if page.is_bare_array() && received >= u64::from(c.take.get()) => {
                        Self::cursor_of(page.items().last()?)?
                    }
                    None => return None,
                };
                Some(PageRequest::Checkpoint(CheckpointRequest {
                    from: Some(from),
                    take: c.take,
                }))
            }
        }
    }
}

/// Reads a page whose envelope holds its items under `items_key`: a bare array, an offset
/// envelope `{start, limit, total, length?, <items_key>}` or a checkpoint envelope
/// `{<items_key>, next?}`. Every other field, arrays included, is kept in
/// [`Page::extra`]. An envelope without `items_key` is an error (Auth0 always sends the list,
/// even when it is empty), as is an empty body.
///
/// ```
/// use auth0_m2m_management::pagination::{Page, parse_page};
/// let body = br#"{"start":0,"limit":50,"total":1,"clients":[{"client_id":"a"}],"warnings":[]}"#;
/// let page: Page<serde_json::Value> = parse_page(body, "clients").unwrap();
/// assert_eq!(page.items().len(), 1);
/// assert!(page.extra().contains_key("warnings"));
/// ```
pub fn parse_page<T: DeserializeOwned>(body: &[u8], items_key: &str) -> Result<Page<T>, Error> {
    let value: Value = crate::endpoint::parse_json(body)?;
    Page::from_value(value, Some(items_key))
        .map_err(|e| Error::Response(serde::de::Error::custom(e)))
}

/// Envelope keys that are not the item list.
const ENVELOPE_KEYS: [&str; 5] = ["start", "limit", "total", "length", "next"];

/// One page of a list: a bare array, an offset envelope `{start, limit, total, length?, <items>}`
/// or a checkpoint envelope `{<items>, next?}`.
///
/// The item list of an envelope is its one array-valued field other than the counters; its
/// name is kept so the page serializes back to the same shape. Other unknown fields are kept
/// in [`extra`](Page::extra).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    items: Vec<T>,
    start: Option<u64>,
    limit: Option<u64>,
    total: Option<u64>,
    length: Option<u64>,
    next: Option<String>,
    shape: Shape,
    extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Array,
    Envelope { items_key: Option<String> },
}

impl<T> Page<T> {
    /// A page in the bare-array shape.
    pub fn from_items(items: Vec<T>) -> Self {
        Self {
            items,
            start: None,
            limit: None,
            total: None,
            length: None,
            next: None,
            shape: Shape::Array,
            extra: Map::new(),
        }
    }

    /// The items.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// Takes the items.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }

    /// `start`: the offset of the first item (offset envelopes).
    pub fn start(&self) -> Option<u64> {
        self.start
    }

    /// `limit`: the page size the server applied (offset envelopes).
    pub fn limit(&self) -> Option<u64> {
        self.limit
    }

    /// `total`: the number of results over all pages (offset envelopes).
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    /// `length`: the number of items on this page (users and logs envelopes).
    pub fn length(&self) -> Option<u64> {
        self.length
    }

    /// `next`: the cursor of the following page (checkpoint envelopes; absent on the last one).
    pub fn next(&self) -> Option<&str> {
        self.next.as_deref()
    }

    /// The name of the item list in the envelope (`"clients"`, `"users"`…); `None` for a bare
    /// array or an envelope without a list.
    pub fn items_key(&self) -> Option<&str> {
        match &self.shape {
            Shape::Array => None,
            Shape::Envelope { items_key } => items_key.as_deref(),
        }
    }

    /// Whether the page was a bare JSON array.
    pub fn is_bare_array(&self) -> bool {
        self.shape == Shape::Array
    }

    /// Envelope fields not named above.
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }
}

fn counter(map: &mut Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("`{key}` is not a non-negative integer")),
        Some(_) => Err(format!("`{key}` is not a number")),
    }
}

impl<T: DeserializeOwned> Page<T> {
    /// Reads a page from JSON. With `items_key`, the envelope's items are under that key;
    /// without it, they are the envelope's one array-valued field other than the counters
    /// (several arrays are an error).
    fn from_value(value: Value, items_key: Option<&str>) -> Result<Self, String> {
        match value {
            Value::Array(items) => Ok(Self::from_items(
                serde_json::from_value(Value::Array(items)).map_err(|e| e.to_string())?,
            )),
            Value::Object(mut map) => {
                let start = counter(&mut map, "start")?;
                let limit = counter(&mut map, "limit")?;
                let total = counter(&mut map, "total")?;
                let length = counter(&mut map, "length")?;
                let next = match map.remove("next") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s),
                    Some(_) => return Err("`next` is not a string".to_owned()),
                };
                // Auth0 always sends the item list, even when it is empty: an envelope without
                // one is not a page, and reading it as an empty page would end a paging loop
                // early without a word.
                let items_key = match items_key {
                    Some(key) => {
                        if !map.get(key).is_some_and(Value::is_array) {
                            return Err(format!(
                                "page envelope has no item list `{key}` (an array)"
                            ));
                        }
                        key.to_owned()
                    }
                    None => {
                        let mut lists = map
                            .iter()
                            .filter(|(k, v)| v.is_array() && !ENVELOPE_KEYS.contains(&k.as_str()))
                            .map(|(k, _)| k.clone());
                        match (lists.next(), lists.next()) {
                            (Some(key), None) => key,
                            (None, _) => {
                                return Err("page envelope has no item list (expected an array such as `clients` or `users`)".to_owned());
                            }
                            (Some(_), Some(_)) => {
                                return Err(
                                    "page envelope has several item lists; read it with the endpoint's items key"
                                        .to_owned(),
                                );
                            }
                        }
                    }
                };
                let items = serde_json::from_value(map.remove(&items_key).unwrap_or_default())
                    .map_err(|e| e.to_string())?;
                Ok(Self {
                    items,
                    start,
                    limit,
                    total,
                    length,
                    next,
                    shape: Shape::Envelope {
                        items_key: Some(items_key),
                    },
                    extra: map,
                })
            }
            Value::Null => {
                Err("a page is a JSON array or object, but the body was empty or null".to_owned())
            }
            _ => Err("a page is a JSON array or object".to_owned()),
        }
    }
}

/// Reads a page without knowing its items key (the one array field of the envelope). List
/// endpoints read their pages with their own key instead ([`parse_page`]).
impl<'de, T: DeserializeOwned> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::from_value(Value::deserialize(deserializer)?, None).map_err(D::Error::custom)
    }
}

impl<T: Serialize> Serialize for Page<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match &self.shape {
            Shape::Array => self.items.serialize(serializer),
            Shape::Envelope { items_key } => {
                let mut map = serializer.serialize_map(None)?;
                for (key, value) in [
                    ("start", self.start),
                    ("limit", self.limit),
                    ("total", self.total),
                    ("length", self.length),
                ] {
                    if let Some(value) = value {
                        map.serialize_entry(key, &value)?;
                    }
                }
                if let Some(next) = &self.next {
                    map.serialize_entry("next", next)?;
                }
                if let Some(key) = items_key {
                    map.serialize_entry(key, &self.items)?;
                }
                for (key, value) in &self.extra {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_envelope_without_an_item_list_is_not_a_page() {
        let err = serde_json::from_value::<Page<Value>>(json!({"clients": "nope", "total": 3}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no item list"), "{err}");
        let err = serde_json::from_value::<Page<Value>>(json!({"start": 0, "limit": 50}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no item list"), "{err}");
        let err = serde_json::from_value::<Page<Value>>(Value::Null)
            .unwrap_err()
            .to_string();
        assert!(err.contains("empty or null"), "{err}");
        let empty: Page<Value> =
            serde_json::from_value(json!({"clients": [], "total": 0})).unwrap();
        assert!(empty.items().is_empty());
        assert_eq!(empty.total(), Some(0));
    }

    #[test]
    fn a_new_array_field_in_the_envelope_does_not_break_a_list() {
        let body = br#"{"start":0,"limit":50,"total":2,"users":[{"user_id":"a"},{"user_id":"b"}],"warnings":["x"]}"#;
        let page: Page<Value> = parse_page(body, "users").unwrap();
        assert_eq!(page.items().len(), 2);
        assert_eq!(page.items_key(), Some("users"));
        assert_eq!(page.extra()["warnings"], json!(["x"]));
        let back = serde_json::to_value(&page).unwrap();
        assert_eq!(back["warnings"], json!(["x"]));
        // The named key is required, even when another array is present.
        let err = parse_page::<Value>(br#"{"clients":[],"total":0}"#, "users").unwrap_err();
        assert!(
            std::error::Error::source(&err)
                .unwrap()
                .to_string()
                .contains("no item list `users`"),
            "{err:?}"
        );
        let bare: Page<Value> = parse_page(br#"[{"log_id":"1"}]"#, "logs").unwrap();
        assert!(bare.is_bare_array());
        assert!(parse_page::<Value>(b"", "logs").is_err());
    }

    #[test]
    fn page_size_validation() {
        assert!(matches!(
            PageSize::new(0),
            Err(Error::InvalidPageSize { value: 0, max: 100 })
        ));
        assert!(PageSize::new(101).is_err());
        assert!(PageSize::new(u64::MAX).is_err());
        assert_eq!(PageSize::new(1).unwrap().get(), 1);
        assert_eq!(PageSize::new(100).unwrap().get(), 100);
        assert!(PageRequest::checkpoint(0).is_err());
        assert!(PageRequest::offset(1000).is_err());
        assert_eq!(PageSize::default().get(), 50);
    }

    #[test]
    fn request_query() {
        let q = PageRequest::offset_page(2, 10).unwrap().query();
        assert_eq!(
            q.to_query_string(),
            "page=2&per_page=10&include_totals=true"
        );
        let q = PageRequest::checkpoint(5).unwrap().query();
        assert_eq!(q.to_query_string(), "take=5");
        let q = PageRequest::checkpoint_from("abc=", 5).unwrap().query();
        assert_eq!(q.to_query_string(), "from=abc%3D&take=5");
    }

    #[test]
    fn parses_offset_envelope() {
        let page: Page<Value> = serde_json::from_value(json!({
            "start": 0, "limit": 2, "length": 2, "total": 3,
            "users": [{"user_id": "a"}, {"user_id": "b"}], "odd": true
        }))
        .unwrap();
        assert_eq!(page.items().len(), 2);
        assert_eq!(page.total(), Some(3));
        assert_eq!(page.length(), Some(2));
        assert_eq!(page.items_key(), Some("users"));
        assert_eq!(page.extra()["odd"], true);
        let back = serde_json::to_value(&page).unwrap();
        assert_eq!(back["users"][1]["user_id"], "b");
        assert_eq!(back["odd"], true);
        assert_eq!(back["total"], 3);
    }

    #[test]
    fn parses_checkpoint_envelope_and_bare_array() {
        let page: Page<Value> =
            serde_json::from_value(json!({"members": [{"user_id": "a"}], "next": "cur"})).unwrap();
        assert_eq!(page.next(), Some("cur"));
        assert!(!page.is_bare_array());
        let last: Page<Value> = serde_json::from_value(json!({"members": []})).unwrap();
        assert_eq!(last.next(), None);
        let bare: Page<Value> = serde_json::from_value(json!([{"log_id": "1"}])).unwrap();
        assert!(bare.is_bare_array());
        assert_eq!(
            serde_json::to_value(&bare).unwrap(),
            json!([{"log_id": "1"}])
        );
    }

    #[test]
    fn rejects_malformed_pages() {
        assert!(serde_json::from_value::<Page<Value>>(json!("x")).is_err());
        assert!(serde_json::from_value::<Page<Value>>(json!({"total": "3"})).is_err());
        assert!(serde_json::from_value::<Page<Value>>(json!({"a": [], "b": []})).is_err());
        assert!(serde_json::from_value::<Page<Value>>(json!({"next": 1})).is_err());
        assert!(serde_json::from_value::<Page<u8>>(json!(["x"])).is_err());
    }
}
