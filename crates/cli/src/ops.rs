//! `auth0-m2m ops`: the operations the client models, with their scopes and pagination.

use auth0_m2m::management::{self, Endpoint, EndpointInfo, PaginationSupport};
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
    use management::{
        client_grants as cg, clients as c, connections as co, jobs as j, logs as l,
        organizations as o, resource_servers as rs, roles as r, tenants as t, users as u,
    };
    fn of<E: Endpoint>(endpoint: E) -> Vec<&'static str> {
        endpoint.scopes().to_vec()
    }
    let perms = || r::PermissionsBody::new(vec![]);
    match name {
        "ListClients" => of(c::ListClients::new()),
        "GetClient" => of(c::GetClient::new("x")),
        "CreateClient" => of(c::CreateClient::new(c::NewClient::new("n"))),
        "UpdateClient" => of(c::UpdateClient::new("x", c::ClientUpdate::new())),
        "DeleteClient" => of(c::DeleteClient::new("x")),
        "RotateClientSecret" => of(c::RotateClientSecret::new("x")),
        "ListClientGrants" => of(cg::ListClientGrants::new()),
        "CreateClientGrant" => of(cg::CreateClientGrant::new(cg::NewClientGrant::new(
            "c",
            "a",
            vec![],
        ))),
        "UpdateClientGrant" => of(cg::UpdateClientGrant::new(
            "x",
            cg::ClientGrantUpdate::new(),
        )),
        "DeleteClientGrant" => of(cg::DeleteClientGrant::new("x")),
        "ListResourceServers" => of(rs::ListResourceServers::new()),
        "GetResourceServer" => of(rs::GetResourceServer::new("x")),
        "CreateResourceServer" => of(rs::CreateResourceServer::new(rs::NewResourceServer::new(
            "i",
        ))),
        "UpdateResourceServer" => of(rs::UpdateResourceServer::new(
            "x",
            rs::ResourceServerUpdate::new(),
        )),
        "DeleteResourceServer" => of(rs::DeleteResourceServer::new("x")),
        "ListUsers" => of(u::ListUsers::new()),
        "GetUser" => of(u::GetUser::new("x")),
        "CreateUser" => of(u::CreateUser::new(u::NewUser::new("db"))),
        "UpdateUser" => of(u::UpdateUser::new("x", u::UserUpdate::new())),
        "DeleteUser" => of(u::DeleteUser::new("x")),
        "GetUsersByEmail" => of(u::GetUsersByEmail::new("a@b")),
        "ListUserRoles" => of(u::ListUserRoles::new("x")),
        "AssignUserRoles" => of(u::AssignUserRoles::new("x", u::RolesBody::new(vec![]))),
        "RemoveUserRoles" => of(u::RemoveUserRoles::new("x", u::RolesBody::new(vec![]))),
        "ListUserPermissions" => of(u::ListUserPermissions::new("x")),
        "AddUserPermissions" => of(u::AddUserPermissions::new("x", perms())),
        "RemoveUserPermissions" => of(u::RemoveUserPermissions::new("x", perms())),
        "ListRoles" => of(r::ListRoles::new()),
        "GetRole" => of(r::GetRole::new("x")),
        "CreateRole" => of(r::CreateRole::new(r::NewRole::new("n"))),
        "UpdateRole" => of(r::UpdateRole::new("x", r::RoleUpdate::new())),
        "DeleteRole" => of(r::DeleteRole::new("x")),
        "ListRolePermissions" => of(r::ListRolePermissions::new("x")),
        "AddRolePermissions" => of(r::AddRolePermissions::new("x", perms())),
        "RemoveRolePermissions" => of(r::RemoveRolePermissions::new("x", perms())),
        "ListRoleUsers" => of(r::ListRoleUsers::new("x")),
        "AssignRoleUsers" => of(r::AssignRoleUsers::new("x", r::UsersBody::new(vec![]))),
        "ListOrganizations" => of(o::ListOrganizations::new()),
        "GetOrganization" => of(o::GetOrganization::new("x")),
        "GetOrganizationByName" => of(o::GetOrganizationByName::new("x")),
        "CreateOrganization" => of(o::CreateOrganization::new(o::NewOrganization::new("n"))),
        "UpdateOrganization" => of(o::UpdateOrganization::new(
            "x",
            o::OrganizationUpdate::new(),
        )),
        "DeleteOrganization" => of(o::DeleteOrganization::new("x")),
        "ListMembers" => of(o::ListMembers::new("x")),
        "AddMembers" => of(o::AddMembers::new("x", o::MembersBody::new(vec![]))),
        "RemoveMembers" => of(o::RemoveMembers::new("x", o::MembersBody::new(vec![]))),
        "ListConnections" => of(co::ListConnections::new()),
        "GetConnection" => of(co::GetConnection::new("x")),
        "ListLogs" => of(l::ListLogs::new()),
        "GetLog" => of(l::GetLog::new("x")),
        "CreateUsersExport" => of(j::CreateUsersExport::new(j::UsersExport::new())),
        "ImportUsers" => of(j::ImportUsers::new("c", vec![])),
        "GetJob" => of(j::GetJob::new("x")),
        "GetTenantSettings" => of(t::GetTenantSettings::new()),
        "UpdateTenantSettings" => of(t::UpdateTenantSettings::new(t::TenantSettingsUpdate::new())),
        _ => Vec::new(),
    }
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
        assert_eq!(scopes("ListClients"), ["read:clients"]);
        assert_eq!(scopes("DeleteUser"), ["delete:users"]);
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
