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
