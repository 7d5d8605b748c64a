//! Operations modeled by hand before the generator existed. The generator skips them; their
//! types and facade methods keep today's names. Each row: the description's `operationId`, the
//! Rust type (module and name in `auth0-m2m-management`) and the facade call.

pub(crate) const CURATED: &[(&str, &str, &str)] = &[
    ("get_clients", "clients::ListClients", "clients().list()"),
    (
        "get_clients_by_id",
        "clients::GetClient",
        "clients().get(id)",
    ),
    (
        "post_clients",
        "clients::CreateClient",
        "clients().create(body)",
    ),
    (
        "patch_clients_by_id",
        "clients::UpdateClient",
        "clients().update(id, body)",
    ),
    (
        "delete_clients_by_id",
        "clients::DeleteClient",
        "clients().delete(id)",
    ),
    (
        "post_rotate-secret",
        "clients::RotateClientSecret",
        "clients().rotate_secret(id)",
    ),
    (
        "get_client-grants",
        "client_grants::ListClientGrants",
        "client_grants().list()",
    ),
    (
        "post_client-grants",
        "client_grants::CreateClientGrant",
        "client_grants().create(body)",
    ),
    (
        "patch_client-grants_by_id",
        "client_grants::UpdateClientGrant",
        "client_grants().update(id, body)",
    ),
    (
        "delete_client-grants_by_id",
        "client_grants::DeleteClientGrant",
        "client_grants().delete(id)",
    ),
    (
        "get_resource-servers",
        "resource_servers::ListResourceServers",
        "resource_servers().list()",
    ),
    (
        "get_resource-servers_by_id",
        "resource_servers::GetResourceServer",
        "resource_servers().get(id)",
    ),
    (
        "post_resource-servers",
        "resource_servers::CreateResourceServer",
        "resource_servers().create(body)",
    ),
    (
        "patch_resource-servers_by_id",
        "resource_servers::UpdateResourceServer",
        "resource_servers().update(id, body)",
    ),
    (
        "delete_resource-servers_by_id",
        "resource_servers::DeleteResourceServer",
        "resource_servers().delete(id)",
    ),
    ("get_users", "users::ListUsers", "users().list()"),
    ("get_users_by_id", "users::GetUser", "users().get(id)"),
    ("post_users", "users::CreateUser", "users().create(body)"),
    (
        "patch_users_by_id",
        "users::UpdateUser",
        "users().update(id, body)",
    ),
    (
        "delete_users_by_id",
        "users::DeleteUser",
        "users().delete(id)",
    ),
    (
        "get_users-by-email",
        "users::GetUsersByEmail",
        "users().by_email(email)",
    ),
    (
        "get_user_roles",
        "users::ListUserRoles",
        "users().roles(id)",
    ),
    (
        "post_user_roles",
        "users::AssignUserRoles",
        "users().assign_roles(id, roles)",
    ),
    (
        "delete_user_roles",
        "users::RemoveUserRoles",
        "users().remove_roles(id, roles)",
    ),
    (
        "get_permissions",
        "users::ListUserPermissions",
        "users().permissions(id)",
    ),
    (
        "post_permissions",
        "users::AddUserPermissions",
        "users().add_permissions(id, permissions)",
    ),
    (
        "delete_permissions",
        "users::RemoveUserPermissions",
        "users().remove_permissions(id, permissions)",
    ),
    ("get_roles", "roles::ListRoles", "roles().list()"),
    ("get_roles_by_id", "roles::GetRole", "roles().get(id)"),
    ("post_roles", "roles::CreateRole", "roles().create(body)"),
    (
        "patch_roles_by_id",
        "roles::UpdateRole",
        "roles().update(id, body)",
    ),
    (
        "delete_roles_by_id",
        "roles::DeleteRole",
        "roles().delete(id)",
    ),
    (
        "get_role_permission",
        "roles::ListRolePermissions",
        "roles().permissions(id)",
    ),
    (
        "post_role_permission_assignment",
        "roles::AddRolePermissions",
        "roles().add_permissions(id, permissions)",
    ),
    (
        "delete_role_permission_assignment",
        "roles::RemoveRolePermissions",
        "roles().remove_permissions(id, permissions)",
    ),
    ("get_role_user", "roles::ListRoleUsers", "roles().users(id)"),
    (
        "post_role_users",
        "roles::AssignRoleUsers",
        "roles().assign_users(id, users)",
    ),
    (
        "get_organizations",
        "organizations::ListOrganizations",
        "organizations().list()",
    ),
    (
        "get_organizations_by_id",
        "organizations::GetOrganization",
        "organizations().get(id)",
    ),
    (
        "get_name_by_name",
        "organizations::GetOrganizationByName",
        "organizations().get_by_name(name)",
    ),
    (
        "post_organizations",
        "organizations::CreateOrganization",
        "organizations().create(body)",
    ),
    (
        "patch_organizations_by_id",
        "organizations::UpdateOrganization",
        "organizations().update(id, body)",
    ),
    (
        "delete_organizations_by_id",
        "organizations::DeleteOrganization",
        "organizations().delete(id)",
    ),
    (
        "get_organization_members",
        "organizations::ListMembers",
        "organizations().members(id)",
    ),
    (
        "post_members",
        "organizations::AddMembers",
        "organizations().add_members(id, members)",
    ),
    (
        "delete_members",
        "organizations::RemoveMembers",
        "organizations().remove_members(id, members)",
    ),
    (
        "get_connections",
        "connections::ListConnections",
        "connections().list()",
    ),
    (
        "get_connections_by_id",
        "connections::GetConnection",
        "connections().get(id)",
    ),
    ("get_logs", "logs::ListLogs", "logs().list()"),
    ("get_logs_by_id", "logs::GetLog", "logs().get(id)"),
    (
        "post_users-exports",
        "jobs::CreateUsersExport",
        "jobs().export_users(body)",
    ),
    (
        "post_users-imports",
        "jobs::ImportUsers",
        "jobs().import_users(connection_id, file)",
    ),
    ("get_jobs_by_id", "jobs::GetJob", "jobs().get(id)"),
    (
        "tenant_settings_route",
        "tenants::GetTenantSettings",
        "tenants().settings()",
    ),
    (
        "patch_settings",
        "tenants::UpdateTenantSettings",
        "tenants().update_settings(body)",
    ),
];
