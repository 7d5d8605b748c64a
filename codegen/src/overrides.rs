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
