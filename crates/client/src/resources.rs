//! Typed resource handles: `client.clients()`, `client.users()`…
//!
//! Each handle borrows the client and turns the modeled endpoints of one resource into
//! methods. List methods return a [`List`], which sends one page or streams every page or
//! item; `list_with` configures the list endpoint (filters, fields…) first.

use auth0_m2m_management::{
    NoContent, client_grants, clients, connections, jobs, logs, organizations, resource_servers,
    roles, tenants, users,
};

use crate::client::ManagementClient;
use crate::error::Error;
use crate::stream::List;

macro_rules! handle {
    ($(#[$meta:meta])* $name:ident, $accessor:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name<'a> {
            pub(crate) client: &'a ManagementClient,
        }

        impl ManagementClient {
            #[doc = concat!("The [`", stringify!($name), "`] handle.")]
            pub fn $accessor(&self) -> $name<'_> {
                $name { client: self }
            }
        }
    };
}

/// Reads an answer that carries no content.
fn done(_: NoContent) {}

handle!(
    /// Applications: `/api/v2/clients`.
    Clients,
    clients
);

impl Clients<'_> {
    /// `GET /api/v2/clients` as a [`List`] (offset or checkpoint pagination).
    pub fn list(&self) -> List<clients::ListClients> {
        self.client.list(clients::ListClients::new())
    }

    /// `GET /api/v2/clients` with filters or fields set by `f`.
    pub fn list_with(
        &self,
        f: impl FnOnce(clients::ListClients) -> clients::ListClients,
    ) -> List<clients::ListClients> {
        self.client.list(f(clients::ListClients::new()))
    }

    /// `GET /api/v2/clients/{id}`.
    pub async fn get(&self, id: &str) -> Result<clients::Client, Error> {
        self.client.execute(&clients::GetClient::new(id)).await
    }

    /// `POST /api/v2/clients`.
    pub async fn create(&self, body: clients::NewClient) -> Result<clients::Client, Error> {
        self.client.execute(&clients::CreateClient::new(body)).await
    }

    /// `PATCH /api/v2/clients/{id}`.
    pub async fn update(
        &self,
        id: &str,
        body: clients::ClientUpdate,
    ) -> Result<clients::Client, Error> {
        self.client
            .execute(&clients::UpdateClient::new(id, body))
            .await
    }

    /// `DELETE /api/v2/clients/{id}`.
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        self.client
            .execute(&clients::DeleteClient::new(id))
            .await
            .map(done)
    }

    /// `POST /api/v2/clients/{id}/rotate-secret`: the answer holds the new secret.
    pub async fn rotate_secret(&self, id: &str) -> Result<clients::Client, Error> {
        self.client
            .execute(&clients::RotateClientSecret::new(id))
            .await
    }
}

handle!(
    /// Client grants: `/api/v2/client-grants`.
    ClientGrants,
    client_grants
);

impl ClientGrants<'_> {
    /// `GET /api/v2/client-grants` as a [`List`] (offset or checkpoint pagination).
    pub fn list(&self) -> List<client_grants::ListClientGrants> {
        self.client.list(client_grants::ListClientGrants::new())
    }

    /// `GET /api/v2/client-grants` with filters set by `f`.
    pub fn list_with(
        &self,
        f: impl FnOnce(client_grants::ListClientGrants) -> client_grants::ListClientGrants,
    ) -> List<client_grants::ListClientGrants> {
        self.client.list(f(client_grants::ListClientGrants::new()))
    }

    /// `POST /api/v2/client-grants`.
    pub async fn create(
        &self,
        body: client_grants::NewClientGrant,
    ) -> Result<client_grants::ClientGrant, Error> {
        self.client
            .execute(&client_grants::CreateClientGrant::new(body))
            .await
    }

    /// `PATCH /api/v2/client-grants/{id}`.
    pub async fn update(
        &self,
        id: &str,
        body: client_grants::ClientGrantUpdate,
    ) -> Result<client_grants::ClientGrant, Error> {
        self.client
            .execute(&client_grants::UpdateClientGrant::new(id, body))
            .await
    }

    /// `DELETE /api/v2/client-grants/{id}`.
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        self.client
            .execute(&client_grants::DeleteClientGrant::new(id))
            .await
            .map(done)
    }
}

handle!(
    /// APIs: `/api/v2/resource-servers`.
    ResourceServers,
    resource_servers
);

impl ResourceServers<'_> {
    /// `GET /api/v2/resource-servers` as a [`List`] (offset pagination).
    pub fn list(&self) -> List<resource_servers::ListResourceServers> {
        self.client
            .list(resource_servers::ListResourceServers::new())
    }

    /// `GET /api/v2/resource-servers/{id}`.
    pub async fn get(&self, id: &str) -> Result<resource_servers::ResourceServer, Error> {
        self.client
            .execute(&resource_servers::GetResourceServer::new(id))
            .await
    }

    /// `POST /api/v2/resource-servers`.
    pub async fn create(
        &self,
        body: resource_servers::NewResourceServer,
    ) -> Result<resource_servers::ResourceServer, Error> {
        self.client
            .execute(&resource_servers::CreateResourceServer::new(body))
            .await
    }

    /// `PATCH /api/v2/resource-servers/{id}`.
    pub async fn update(
        &self,
        id: &str,
        body: resource_servers::ResourceServerUpdate,
    ) -> Result<resource_servers::ResourceServer, Error> {
        self.client
            .execute(&resource_servers::UpdateResourceServer::new(id, body))
            .await
    }

    /// `DELETE /api/v2/resource-servers/{id}`.
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        self.client
            .execute(&resource_servers::DeleteResourceServer::new(id))
            .await
            .map(done)
    }
}

handle!(
    /// Users: `/api/v2/users`.
    Users,
    users
);

impl Users<'_> {
    /// `GET /api/v2/users` as a [`List`] (offset pagination; the search stops at 1000
    /// results).
    pub fn list(&self) -> List<users::ListUsers> {
        self.client.list(users::ListUsers::new())
    }

    /// `GET /api/v2/users` with a search query, sort or fields set by `f`.
    pub fn list_with(
        &self,
        f: impl FnOnce(users::ListUsers) -> users::ListUsers,
    ) -> List<users::ListUsers> {
        self.client.list(f(users::ListUsers::new()))
    }

    /// `GET /api/v2/users/{id}`.
    pub async fn get(&self, id: &str) -> Result<users::User, Error> {
        self.client.execute(&users::GetUser::new(id)).await
    }

    /// `GET /api/v2/users-by-email`: the users with this email (any connection).
    pub async fn by_email(&self, email: &str) -> Result<Vec<users::User>, Error> {
        self.client
            .execute(&users::GetUsersByEmail::new(email))
            .await
    }

    /// `POST /api/v2/users`.
    pub async fn create(&self, body: users::NewUser) -> Result<users::User, Error> {
        self.client.execute(&users::CreateUser::new(body)).await
    }

    /// `PATCH /api/v2/users/{id}`.
    pub async fn update(&self, id: &str, body: users::UserUpdate) -> Result<users::User, Error> {
        self.client.execute(&users::UpdateUser::new(id, body)).await
    }

    /// `DELETE /api/v2/users/{id}`.
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        self.client
            .execute(&users::DeleteUser::new(id))
            .await
            .map(done)
    }

    /// `GET /api/v2/users/{id}/roles` as a [`List`].
    pub fn roles(&self, id: &str) -> List<users::ListUserRoles> {
        self.client.list(users::ListUserRoles::new(id))
    }

    /// `GET /api/v2/users/{id}/permissions` as a [`List`].
    pub fn permissions(&self, id: &str) -> List<users::ListUserPermissions> {
        self.client.list(users::ListUserPermissions::new(id))
    }

    /// `POST /api/v2/users/{id}/roles`: assigns roles (by id) to the user.
    pub async fn assign_roles(&self, id: &str, role_ids: Vec<String>) -> Result<(), Error> {
        self.client
            .execute(&users::AssignUserRoles::new(
                id,
                users::RolesBody::new(role_ids),
            ))
            .await
            .map(done)
    }

    /// `DELETE /api/v2/users/{id}/roles`: removes roles (by id) from the user.
    pub async fn remove_roles(&self, id: &str, role_ids: Vec<String>) -> Result<(), Error> {
        self.client
            .execute(&users::RemoveUserRoles::new(
                id,
                users::RolesBody::new(role_ids),
            ))
            .await
            .map(done)
    }

    /// `POST /api/v2/users/{id}/permissions`: grants permissions directly to the user.
    pub async fn add_permissions(
        &self,
        id: &str,
        permissions: Vec<roles::PermissionRef>,
    ) -> Result<(), Error> {
        self.client
            .execute(&users::AddUserPermissions::new(
                id,
                roles::PermissionsBody::new(permissions),
            ))
            .await
            .map(done)
    }

    /// `DELETE /api/v2/users/{id}/permissions`: removes permissions granted directly.
    pub async fn remove_permissions(
        &self,
        id: &str,
        permissions: Vec<roles::PermissionRef>,
    ) -> Result<(), Error> {
        self.client
            .execute(&users::RemoveUserPermissions::new(
                id,
                roles::PermissionsBody::new(permissions),
            ))
            .await
            .map(done)
    }
}

handle!(
    /// Roles: `/api/v2/roles`.
    Roles,
    roles
);

impl Roles<'_> {
    /// `GET /api/v2/roles` as a [`List`] (offset pagination).
    pub fn list(&self) -> List<roles::ListRoles> {
        self.client.list(roles::ListRoles::new())
    }

    /// `GET /api/v2/roles` with a name filter set by `f`.
    pub fn list_with(
        &self,
        f: impl FnOnce(roles::ListRoles) -> roles::ListRoles,
    ) -> List<roles::ListRoles> {
        self.client.list(f(roles::ListRoles::new()))
    }

    /// `GET /api/v2/roles/{id}`.
    pub async fn get(&self, id: &str) -> Result<roles::Role, Error> {
        self.client.execute(&roles::GetRole::new(id)).await
    }

    /// `POST /api/v2/roles`.
    pub async fn create(&self, body: roles::NewRole) -> Result<roles::Role, Error> {
        self.client.execute(&roles::CreateRole::new(body)).await
    }

    /// `PATCH /api/v2/roles/{id}`.
    pub async fn update(&self, id: &str, body: roles::RoleUpdate) -> Result<roles::Role, Error> {
        self.client.execute(&roles::UpdateRole::new(id, body)).await
    }

    /// `DELETE /api/v2/roles/{id}`.
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        self.client
            .execute(&roles::DeleteRole::new(id))
            .await
            .map(done)
    }

    /// `GET /api/v2/roles/{id}/permissions` as a [`List`].
    pub fn permissions(&self, id: &str) -> List<roles::ListRolePermissions> {
        self.client.list(roles::ListRolePermissions::new(id))
    }

    /// `GET /api/v2/roles/{id}/users` as a [`List`].
    pub fn users(&self, id: &str) -> List<roles::ListRoleUsers> {
        self.client.list(roles::ListRoleUsers::new(id))
    }

    /// `POST /api/v2/roles/{id}/permissions`.
    pub async fn add_permissions(
        &self,
        id: &str,
        permissions: Vec<roles::PermissionRef>,
    ) -> Result<(), Error> {
        self.client
            .execute(&roles::AddRolePermissions::new(
                id,
                roles::PermissionsBody::new(permissions),
            ))
            .await
            .map(done)
    }

    /// `DELETE /api/v2/roles/{id}/permissions`.
    pub async fn remove_permissions(
        &self,
        id: &str,
        permissions: Vec<roles::PermissionRef>,
    ) -> Result<(), Error> {
        self.client
            .execute(&roles::RemoveRolePermissions::new(
                id,
                roles::PermissionsBody::new(permissions),
            ))
            .await
            .map(done)
    }

    /// `POST /api/v2/roles/{id}/users`: assigns the role to users (by id).
    pub async fn assign_users(&self, id: &str, user_ids: Vec<String>) -> Result<(), Error> {
        self.client
            .execute(&roles::AssignRoleUsers::new(
                id,
                roles::UsersBody::new(user_ids),
            ))
            .await
            .map(done)
    }
}

handle!(
    /// Organizations: `/api/v2/organizations`.
    Organizations,
    organizations
);

impl Organizations<'_> {
    /// `GET /api/v2/organizations` as a [`List`] (offset or checkpoint pagination).
    pub fn list(&self) -> List<organizations::ListOrganizations> {
        self.client.list(organizations::ListOrganizations::new())
    }

    /// `GET /api/v2/organizations/{id}`.
    pub async fn get(&self, id: &str) -> Result<organizations::Organization, Error> {
        self.client
            .execute(&organizations::GetOrganization::new(id))
            .await
    }

    /// `GET /api/v2/organizations/name/{name}`.
    pub async fn get_by_name(&self, name: &str) -> Result<organizations::Organization, Error> {
        self.client
            .execute(&organizations::GetOrganizationByName::new(name))
            .await
    }

    /// `POST /api/v2/organizations`.
    pub async fn create(
        &self,
        body: organizations::NewOrganization,
    ) -> Result<organizations::Organization, Error> {
        self.client
            .execute(&organizations::CreateOrganization::new(body))
            .await
    }

    /// `PATCH /api/v2/organizations/{id}`.
    pub async fn update(
        &self,
        id: &str,
        body: organizations::OrganizationUpdate,
    ) -> Result<organizations::Organization, Error> {
        self.client
            .execute(&organizations::UpdateOrganization::new(id, body))
            .await
    }

    /// `DELETE /api/v2/organizations/{id}`.
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        self.client
            .execute(&organizations::DeleteOrganization::new(id))
            .await
            .map(done)
    }

    /// `GET /api/v2/organizations/{id}/members` as a [`List`].
    pub fn members(&self, id: &str) -> List<organizations::ListMembers> {
        self.client.list(organizations::ListMembers::new(id))
    }

    /// `POST /api/v2/organizations/{id}/members`: adds users (by id).
    pub async fn add_members(&self, id: &str, user_ids: Vec<String>) -> Result<(), Error> {
        self.client
            .execute(&organizations::AddMembers::new(
                id,
                organizations::MembersBody::new(user_ids),
            ))
            .await
            .map(done)
    }

    /// `DELETE /api/v2/organizations/{id}/members`: removes users (by id).
    pub async fn remove_members(&self, id: &str, user_ids: Vec<String>) -> Result<(), Error> {
        self.client
            .execute(&organizations::RemoveMembers::new(
                id,
                organizations::MembersBody::new(user_ids),
            ))
            .await
            .map(done)
    }
}

handle!(
    /// Connections: `/api/v2/connections`.
    Connections,
    connections
);

impl Connections<'_> {
    /// `GET /api/v2/connections` as a [`List`] (offset or checkpoint pagination).
    pub fn list(&self) -> List<connections::ListConnections> {
        self.client.list(connections::ListConnections::new())
    }

    /// `GET /api/v2/connections/{id}`.
    pub async fn get(&self, id: &str) -> Result<connections::Connection, Error> {
        self.client
            .execute(&connections::GetConnection::new(id))
            .await
    }
}

handle!(
    /// Log events: `/api/v2/logs`.
    Logs,
    logs
);

impl Logs<'_> {
    /// `GET /api/v2/logs` as a [`List`] (offset pagination, or checkpoint pagination that
    /// continues from the last `log_id`).
    pub fn list(&self) -> List<logs::ListLogs> {
        self.client.list(logs::ListLogs::new())
    }

    /// `GET /api/v2/logs` with a search query or fields set by `f`.
    pub fn list_with(
        &self,
        f: impl FnOnce(logs::ListLogs) -> logs::ListLogs,
    ) -> List<logs::ListLogs> {
        self.client.list(f(logs::ListLogs::new()))
    }

    /// `GET /api/v2/logs/{id}`.
    pub async fn get(&self, id: &str) -> Result<logs::LogEvent, Error> {
        self.client.execute(&logs::GetLog::new(id)).await
    }
}

handle!(
    /// Jobs: `/api/v2/jobs`.
    Jobs,
    jobs
);

impl Jobs<'_> {
    /// `GET /api/v2/jobs/{id}`.
    pub async fn get(&self, id: &str) -> Result<jobs::Job, Error> {
        self.client.execute(&jobs::GetJob::new(id)).await
    }

    /// `POST /api/v2/jobs/users-exports`.
    pub async fn export_users(&self, body: jobs::UsersExport) -> Result<jobs::Job, Error> {
        self.client
            .execute(&jobs::CreateUsersExport::new(body))
            .await
    }

    /// `POST /api/v2/jobs/users-imports` (a multipart upload).
    pub async fn import_users(&self, import: jobs::ImportUsers) -> Result<jobs::Job, Error> {
        self.client.execute(&import).await
    }
}

handle!(
    /// Tenant settings: `/api/v2/tenants/settings`.
    Tenants,
    tenants
);

impl Tenants<'_> {
    /// `GET /api/v2/tenants/settings`.
    pub async fn settings(&self) -> Result<tenants::TenantSettings, Error> {
        self.client
            .execute(&tenants::GetTenantSettings::new())
            .await
    }

    /// `PATCH /api/v2/tenants/settings`.
    pub async fn update_settings(
        &self,
        body: tenants::TenantSettingsUpdate,
    ) -> Result<tenants::TenantSettings, Error> {
        self.client
            .execute(&tenants::UpdateTenantSettings::new(body))
            .await
    }
}
