//! The Lucene-style `q` search of users and logs.

use super::base::*;

/// Auth0 stops user search pagination after this many results.
pub(super) const SEARCH_CAP: usize = 1000;

/// One `field:value` term; `field` None matches common fields.
pub(super) struct Term {
    pub(super) field: Option<String>,
    pub(super) value: String,
    pub(super) prefix: bool,
    pub(super) exists: bool,
}

pub(super) fn parse_query(q: &str) -> Result<Vec<Term>, ApiErr> {
    let mut terms = Vec::new();
    let chars: Vec<char> = q.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        let mut field = String::new();
        let mut value = String::new();
        let mut quoted = false;
        let mut in_value = false;
        while i < chars.len() && !chars[i].is_whitespace() {
            let c = chars[i];
            if c == ':' && !in_value {
                in_value = true;
                i += 1;
                continue;
            }
            if c == '"' {
                quoted = true;
                i += 1;
                let begin = i;
                while i < chars.len() && chars[i] != '"' {
                    i += 1;
                }
                if i >= chars.len() {
                    return Err(ApiErr::bad_query(
                        "Query validation error: unterminated quoted string in q",
                    ));
                }
                let s: String = chars[begin..i].iter().collect();
                if in_value {
                    value.push_str(&s);
                } else {
                    field.push_str(&s);
                }
                i += 1;
                continue;
            }
            if in_value {
                value.push(c);
            } else {
                field.push(c);
            }
            i += 1;
        }
        if !in_value {
            if field == "AND" || field.is_empty() {
                continue;
            }
            std::mem::swap(&mut field, &mut value);
        }
        check_term(&field, &value, quoted)?;
        let prefix = !quoted && value.ends_with('*');
        if prefix {
            value.pop();
        }
        let field = if in_value { Some(field) } else { None };
        let exists = field.as_deref() == Some("_exists_");
        terms.push(Term {
            field: if exists { Some(value.clone()) } else { field },
            value,
            prefix,
            exists,
        });
    }
    Ok(terms)
}

/// The `q` parameter's description in Auth0's error messages.
pub(super) const Q_PROPERTY: &str = "on property q (Query in Lucene query string syntax).";

/// Refuses what Auth0 refuses (leading wildcards) and what the fake cannot evaluate
/// (boolean operators other than `AND`, grouping, ranges, fuzzy and boosted terms, inner
/// wildcards), instead of silently matching nothing.
pub(super) fn check_term(field: &str, value: &str, quoted: bool) -> Result<(), ApiErr> {
    if quoted && value.contains(['*', '?']) {
        return Err(ApiErr::bad_query(format!(
            "Query validation error: 'The fake tenant cannot evaluate the wildcard inside the \
             quoted value {value:?}; for the users of a domain, search email.domain:\"example.com\"' \
             {Q_PROPERTY}"
        )));
    }
    if !quoted && (value.starts_with('*') || value.starts_with('?')) {
        return Err(ApiErr::bad_query(format!(
            "Query validation error: 'Leading wildcards are not supported: {value}' {Q_PROPERTY}"
        )));
    }
    let operator = field.is_empty() && matches!(value, "OR" | "NOT" | "||" | "&&" | "!");
    let grouping = [field, value]
        .iter()
        .any(|t| t.starts_with(['(', '-', '+', '!']) || t.ends_with(')'));
    let unquoted_syntax = !quoted
        && (value.starts_with(['[', '{'])
            || value.ends_with([']', '}'])
            || value.contains(['~', '^', '?'])
            || value.trim_end_matches('*').contains('*'));
    if operator || grouping || unquoted_syntax {
        let term = if field.is_empty() {
            value.to_string()
        } else {
            format!("{field}:{value}")
        };
        return Err(ApiErr::bad_query(format!(
            "Query validation error: 'The fake tenant cannot evaluate {term:?}; it supports field:value, field:\"quoted value\", trailing wildcards, _exists_:field and AND' {Q_PROPERTY}"
        )));
    }
    Ok(())
}

/// Values at a dotted path; arrays are searched element-wise.
pub(super) fn values_at<'v>(v: &'v Value, path: &str, out: &mut Vec<&'v Value>) {
    match path.split_once('.') {
        None => match &v[path] {
            Value::Null => {}
            Value::Array(a) if !a.is_empty() && !a[0].is_object() => out.extend(a.iter()),
            x => out.push(x),
        },
        Some((head, rest)) => match &v[head] {
            Value::Array(a) => a.iter().for_each(|e| values_at(e, rest, out)),
            x @ Value::Object(_) => values_at(x, rest, out),
            _ => {}
        },
    }
}

pub(super) fn term_matches(t: &Term, v: &Value) -> bool {
    let text = |x: &Value| match x {
        Value::String(s) => s.to_lowercase(),
        other => other.to_string(),
    };
    let want = t.value.to_lowercase();
    let check = |x: &Value| {
        let s = text(x);
        if t.prefix {
            s.starts_with(&want)
        } else {
            s == want
        }
    };
    match &t.field {
        Some(f) if t.exists => {
            let mut out = Vec::new();
            values_at(v, f, &mut out);
            !out.is_empty()
        }
        // The domain of a user's e-mail address, which Auth0's user search indexes on its own.
        Some(f) if f == "email.domain" => v["email"]
            .as_str()
            .and_then(|e| e.rsplit_once('@'))
            .is_some_and(|(_, domain)| check(&Value::from(domain))),
        Some(f) => {
            let mut out = Vec::new();
            values_at(v, f, &mut out);
            out.into_iter().any(check)
        }
        None => [
            "email",
            "name",
            "nickname",
            "user_id",
            "username",
            "type",
            "description",
        ]
        .iter()
        .any(|f| {
            let s = text(&v[*f]);
            !v[*f].is_null() && (s.contains(&want) || check(&v[*f]))
        }),
    }
}

pub(super) fn search<'v>(
    items: impl IntoIterator<Item = &'v Value>,
    q: Option<&str>,
) -> Result<Vec<Value>, ApiErr> {
    let terms = match q {
        Some(q) => parse_query(q)?,
        None => Vec::new(),
    };
    Ok(items
        .into_iter()
        .filter(|v| terms.iter().all(|t| term_matches(t, v)))
        .cloned()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lucene_terms() {
        let t = parse_query("email:\"a@b.c\" AND name:jo* plain").expect("parse");
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].field.as_deref(), Some("email"));
        assert_eq!(t[0].value, "a@b.c");
        assert!(t[1].prefix);
        assert!(t[2].field.is_none());
        assert!(parse_query("email:\"open").is_err());
    }

    #[test]
    fn the_domain_of_an_email_is_searchable_and_quoted_wildcards_are_refused() {
        let users = vec![
            json!({"email": "ann@example.com"}),
            json!({"email": "bob@example.org"}),
            json!({"name": "no email"}),
        ];
        let found = search(&users, Some("email.domain:\"example.com\"")).expect("search");
        assert_eq!(found, vec![json!({"email": "ann@example.com"})]);
        assert_eq!(
            search(&users, Some("email.domain:example.*"))
                .map(|v| v.len())
                .ok(),
            Some(2)
        );
        let refused = search(&users, Some("email:\"*@example.com\"")).map(|_| ());
        assert!(
            matches!(&refused, Err(ApiErr(StatusCode::BAD_REQUEST, m, _)) if m.contains("email.domain")),
            "{}",
            refused.err().map(|e| e.1).unwrap_or_default()
        );
    }

    #[test]
    fn matches_nested_fields() {
        let u = json!({"email": "A@b.c", "identities": [{"connection": "db"}], "app_metadata": {"plan": "pro"}});
        let users = vec![u];
        assert_eq!(
            search(&users, Some("email:a@b.c")).map(|v| v.len()).ok(),
            Some(1)
        );
        assert_eq!(
            search(&users, Some("identities.connection:db"))
                .map(|v| v.len())
                .ok(),
            Some(1)
        );
        assert_eq!(
            search(&users, Some("app_metadata.plan:free"))
                .map(|v| v.len())
                .ok(),
            Some(0)
        );
        assert_eq!(
            search(&users, Some("_exists_:app_metadata.plan"))
                .map(|v| v.len())
                .ok(),
            Some(1)
        );
    }

    #[test]
    fn refuses_what_it_cannot_evaluate() {
        for q in [
            "*foo",
            "email:*@x.com",
            "a OR b",
            "NOT a",
            "(a",
            "name:[a TO b]",
            "jo*n",
            "jon~",
            "email:\"*quoted\"",
        ] {
            let e = parse_query(q).err().unwrap_or_else(|| panic!("{q} parsed"));
            assert_eq!(e.0, StatusCode::BAD_REQUEST, "{q}");
            assert_eq!(e.2, Some("invalid_query_string"), "{q}");
        }
        for q in [
            "email:\"quoted value\"",
            "name:jo*",
            "a AND b",
            "user_id:auth0|123",
        ] {
            assert!(parse_query(q).is_ok(), "{q}");
        }
    }
}
