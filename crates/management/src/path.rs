//! Percent-encoding of path segments.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Characters encoded in a path segment: everything except RFC 3986 unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'~');

/// The prefix of every Management API path.
pub const API_PREFIX: &str = "/api/v2";

/// Percent-encodes one path segment, so that `auth0|abc` becomes `auth0%7Cabc` and slashes,
/// spaces, dots and every non-ASCII byte are encoded too.
///
/// Dots are encoded so that a segment such as `..` can never be read as a relative reference.
///
/// ```
/// assert_eq!(auth0_m2m_management::path::encode_segment("auth0|abc"), "auth0%7Cabc");
/// assert_eq!(auth0_m2m_management::path::encode_segment("a/b c"), "a%2Fb%20c");
/// ```
pub fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

/// Decodes a percent-encoded path segment; returns `None` when the result is not UTF-8.
pub fn decode_segment(segment: &str) -> Option<String> {
    percent_decode_str(segment)
        .decode_utf8()
        .ok()
        .map(|s| s.into_owned())
}

/// Builds a Management API path from raw segments: `/api/v2/` followed by the segments,
/// each one percent-encoded.
///
/// ```
/// use auth0_m2m_management::path::build;
/// assert_eq!(build(&["users", "auth0|abc", "roles"]), "/api/v2/users/auth0%7Cabc/roles");
/// ```
pub fn build(segments: &[&str]) -> String {
    let mut path = String::from(API_PREFIX);
    for segment in segments {
        path.push('/');
        path.push_str(&encode_segment(segment));
    }
    path
}

/// `Some(number of literal segments)` when `path` (encoded, without query) fits `template`
/// (`/api/v2/users/{id}`): as many segments, literal ones equal, parameters not empty.
pub(crate) fn match_template(template: &str, path: &str) -> Option<usize> {
    let template: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let actual: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if template.len() != actual.len() {
        return None;
    }
    let mut literals = 0;
    for (t, a) in template.iter().zip(&actual) {
        if t.starts_with('{') && t.ends_with('}') {
            if a.is_empty() {
                return None;
            }
        } else if t == a {
            literals += 1;
        } else {
            return None;
        }
    }
    Some(literals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_user_ids_and_reserved_characters() {
        assert_eq!(encode_segment("auth0|abc"), "auth0%7Cabc");
        assert_eq!(encode_segment("a/b"), "a%2Fb");
        assert_eq!(encode_segment("a b"), "a%20b");
        assert_eq!(encode_segment(".."), "%2E%2E");
        assert_eq!(encode_segment("?#%&="), "%3F%23%25%26%3D");
        assert_eq!(encode_segment("é"), "%C3%A9");
        assert_eq!(encode_segment("rol_AbC-1~x"), "rol_AbC-1~x");
    }

    #[test]
    fn builds_paths() {
        assert_eq!(build(&["clients"]), "/api/v2/clients");
        assert_eq!(
            build(&["users", "google-oauth2|1 2/3"]),
            "/api/v2/users/google-oauth2%7C1%202%2F3"
        );
    }

    #[test]
    fn decodes() {
        assert_eq!(decode_segment("auth0%7Cabc").as_deref(), Some("auth0|abc"));
        assert_eq!(decode_segment("%FF"), None);
    }
}
