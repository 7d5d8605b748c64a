//! Where Auth0's answers differ from its API description, as recorded real traffic shows. Each
//! row: the Rust type, the JSON field, and why the field reads any JSON value instead of the
//! described type.

pub(crate) const ANY_JSON_FIELDS: &[(&str, &str, &str)] = &[(
    "EventStreamCloudEvent",
    "data",
    "described as a string; real test events and deliveries carry the event as an object",
)];

/// Whether a field of a type reads any JSON value.
pub(crate) fn any_json(ty: &str, field: &str) -> bool {
    ANY_JSON_FIELDS
        .iter()
        .any(|(t, f, _)| *t == ty && *f == field)
}

/// Properties the description types as `number` that Auth0 only ever answers with integers, as
/// recorded real traffic shows: each row, the JSON field and the evidence. These fields are
/// `i64` wherever they appear (pagination envelopes, versions, orderings).
pub(crate) const INTEGER_FIELDS: &[(&str, &str)] = &[
    (
        "total",
        "81 recorded values, all integral (go-auth0 recordings of list envelopes)",
    ),
    ("start", "76 recorded values, all integral (list envelopes)"),
    ("limit", "78 recorded values, all integral (list envelopes)"),
    (
        "length",
        "35 recorded values, all integral (users and logs envelopes)",
    ),
    (
        "page",
        "a page index (from 0) that the list operations take as an integer query parameter",
    ),
    (
        "per_page",
        "4 recorded values, all integral; the list operations take it as an integer parameter",
    ),
    (
        "number",
        "45 recorded values, all integral (action version numbers)",
    ),
    ("order", "133 recorded values, all integral (rule order)"),
    (
        "priority",
        "21 recorded values, all integral (network ACL priority)",
    ),
];

/// Whether a `number` field reads and writes an integer.
pub(crate) fn integral(field: &str) -> bool {
    INTEGER_FIELDS.iter().any(|(f, _)| *f == field)
}

/// Query parameters an operation sends together with another one, because Auth0 requires the
/// pair: each row, the operation, the parameter that triggers it, the parameter sent with it
/// (unless the caller set it), its value, and the evidence.
pub(crate) const QUERY_COMPANIONS: &[(&str, &str, &str, &str, &str)] = &[(
    "get_users",
    "q",
    "search_engine",
    "v3",
    "the description: \"The 'q' parameter is available only if you specify \
     'search_engine=v2|v3'\" and \"You are not allowed to use search_engine=v1\"; v2 is retired",
)];

/// The most results an offset-paginated list gives however many pages are read: each row, the
/// operation, the limit and the evidence. A list walk stops there instead of asking for pages
/// Auth0 refuses.
pub(crate) const RESULT_LIMITS: &[(&str, u64, &str)] = &[(
    "get_users",
    1000,
    "Auth0's user search returns at most 1,000 users through page/per_page \
     (https://auth0.com/docs/manage-users/user-search/view-search-results-by-page); \
     a larger export is a users-exports job",
)];

/// Checkpoint lists whose pages come back as bare arrays without a `next` cursor: each row, the
/// operation, the item field the next page continues from, and the evidence.
pub(crate) const CHECKPOINT_CURSORS: &[(&str, &str, &str)] = &[(
    "get_logs",
    "log_id",
    "GET /logs with from/take answers a bare array of events; the next page starts from the \
     last event's log_id (https://auth0.com/docs/deploy-monitor/logs/retrieve-log-events-using-mgmt-api)",
)];

/// File parts of `multipart/form-data` bodies: each row, the operation, the property, the file
/// name and media type sent, and the evidence. Other properties with a `contentMediaType`
/// are sent as a file named after the property, with that media type.
pub(crate) const FILE_PARTS: &[(&str, &str, &str, &str, &str)] = &[(
    "post_users-imports",
    "users",
    "users.json",
    "application/json",
    "the users file of an import job is a JSON array of users \
     (https://auth0.com/docs/manage-users/user-migration/bulk-user-imports)",
)];
