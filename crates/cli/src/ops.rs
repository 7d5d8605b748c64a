//! `auth0-m2m ops`: the operations the client models, with their scopes and pagination.

use auth0_m2m::management::{self, EndpointInfo, PaginationSupport};
use serde_json::json;

use crate::cli::OpsArgs;
use crate::error::CliError;
use crate::output::print_line;

/// Lists the catalogue, filtered.
pub(crate) fn run(args: &OpsArgs) -> Result<(), CliError> {
    let filter = args.filter.as_deref().map(str::to_ascii_lowercase);
    let ops: Vec<&EndpointInfo> = management::catalogue()
        .iter()
        .filter(|op| match &filter {
            None => true,
            Some(f) => [op.method.as_str(), op.path, op.name, op.resource]
                .iter()
                .any(|field| field.to_ascii_lowercase().contains(f.as_str())),
        })
        .collect();
    if ops.is_empty() {
        return Err(CliError::usage(format!(
            "no operation matches {:?}; `auth0-m2m ops` lists them all",
            args.filter.as_deref().unwrap_or("")
        )));
    }
    if args.json {
        for op in ops {
            let line = json!({
                "name": op.name,
                "resource": op.resource,
                "method": op.method.as_str(),
                "path": op.path,
                "scopes": scopes(op.name),
                "pagination": pagination(op.pagination),
            });
            print_line(&line.to_string())?;
        }
        return Ok(());
    }
    let rows: Vec<[String; 4]> = ops
        .iter()
        .map(|op| {
            [
                op.method.to_string(),
                op.path.to_owned(),
                scopes(op.name).join(" "),
                pagination(op.pagination).unwrap_or("-").to_owned(),
            ]
        })
        .collect();
    let header = ["METHOD", "PATH", "SCOPES", "PAGINATION"].map(str::to_owned);
    let width = |i: usize| {
        rows.iter()
            .chain(std::iter::once(&header))
            .map(|r| r[i].len())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0), width(1), width(2));
    let mut out = Vec::new();
    for row in std::iter::once(&header).chain(&rows) {
        out.push(
            format!("{:w0$}  {:w1$}  {:w2$}  {}", row[0], row[1], row[2], row[3])
                .trim_end()
                .to_owned(),
        );
    }
    print_line(&out.join("\n"))
}

/// The pagination styles, as shown: `offset`, `checkpoint`, `offset,checkpoint`.
fn pagination(support: Option<PaginationSupport>) -> Option<&'static str> {
    support.map(|s| match (s.offset, s.checkpoint) {
        (true, true) => "offset,checkpoint",
        (false, true) => "checkpoint",
        _ => "offset",
    })
}

/// The scopes the operation named `name` (a catalogue entry's name) needs, as its endpoint
/// type declares them.
pub(crate) fn scopes(name: &str) -> Vec<&'static str> {
    management::catalogue()
        .iter()
        .find(|op| op.name == name)
        .map(|op| op.scopes.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every modeled operation has its scopes listed, so `ops` and the insufficient-scope hint
    /// never come up empty.
    #[test]
    fn every_operation_has_scopes() {
        for op in management::catalogue() {
            let scopes = scopes(op.name);
            assert!(!scopes.is_empty(), "{} has no scopes", op.name);
            assert!(
                scopes.iter().all(|s| s.contains(':')),
                "{}: {scopes:?}",
                op.name
            );
        }
        assert_eq!(
            scopes("ListClients"),
            [
                "read:clients",
                "read:client_keys",
                "read:client_credentials",
                "read:client_summary"
            ]
        );
        assert_eq!(
            scopes("DeleteUser"),
            ["delete:users", "delete:current_user"]
        );
    }

    #[test]
    fn pagination_labels() {
        assert_eq!(pagination(None), None);
        assert_eq!(pagination(Some(PaginationSupport::OFFSET)), Some("offset"));
        assert_eq!(
            pagination(Some(PaginationSupport::BOTH)),
            Some("offset,checkpoint")
        );
    }
}
