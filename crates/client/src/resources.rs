//! Typed resource handles: `client.clients()`, `client.users()`…
//!
//! Each handle borrows the client and turns the modeled endpoints of one resource into
//! methods. A list method returns a [`List`] (send one page, or stream every page or item), any
//! other method a [`Call`] (`.await` it, or set per-call options first); the optional query
//! parameters of an operation are methods of its builder.

use auth0_m2m_management::{
    client_grants, clients, connections, jobs, logs, organizations, resource_servers, roles,
    tenants, users,
};

use crate::call::Call;
use crate::client::ManagementClient;
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

/// The optional query parameters of a hand-written endpoint, as methods of its builder
/// ([`Call`] or [`List`]) that set them on the endpoint.
macro_rules! setters {
    ($builder:ident<$endpoint:ty> { $($(#[$meta:meta])* $name:ident($($arg:ident: $ty:ty),*);)* }) => {
        impl $builder<$endpoint> {
            $(
                $(#[$meta])*
                pub fn $name(self, $($arg: $ty),*) -> Self {
                    self.map_endpoint(|e| e.$name($($arg),*))
                }
            )*
        }
    };
}

setters!(List<clients::ListClients> {
    /// The fields to include (`include` true) or to leave out of each client.
    fields(fields: impl Into<String>, include: bool);
    /// Only global clients (`true`) or only others (`false`).
    is_global(value: bool);
    /// Only first-party clients (`true`) or only third-party ones (`false`).
    is_first_party(value: bool);
    /// Only clients of these application types (comma-separated, such as `spa,native`).
    app_type(value: impl Into<String>);
    /// A search query over the clients (such as `client_grant.organization_id:org_1`).
    q(value: impl Into<String>);
});

setters!(Call<clients::GetClient> {
    /// The fields to include (`include` true) or to leave out of the client.
    fields(fields: impl Into<String>, include: bool);
});

setters!(List<client_grants::ListClientGrants> {
    /// Only the grants of this API identifier (audience).
    audience(audience: impl Into<String>);
    /// Only the grants of this client.
    client_id(client_id: impl Into<String>);
});

setters!(List<resource_servers::ListResourceServers> {
    /// Only the APIs with these identifiers.
    identifiers(identifiers: Vec<String>);
});

setters!(List<users::ListUsers> {
    /// A search query in Auth0's user search syntax (such as `email:"jane@example.com"`).
    q(query: impl Into<String>);
    /// The sort order, a field and `:1` (ascending) or `:-1` (descending), such as
    /// `created_at:1`.
    sort(sort: impl Into<String>);
    /// Only the users of this connection.
    connection(connection: impl Into<String>);
    /// The fields to include (`include` true) or to leave out of each user.
    fields(fields: impl Into<String>, include: bool);
});

setters!(Call<users::GetUser> {
    /// The fields to include (`include` true) or to leave out of the user.
    fields(fields: impl Into<String>, include: bool);
});

setters!(Call<users::GetUsersByEmail> {
    /// The fields to include (`include` true) or to leave out of each user.
    fields(fields: impl Into<String>, include: bool);
});

setters!(List<roles::ListRoles> {
    /// Only the roles whose name contains this text (case-insensitive).
    name_filter(value: impl Into<String>);
});

setters!(List<organizations::ListOrganizations> {
    /// The sort order, such as `name:1`.
    sort(sort: impl Into<String>);
});

setters!(List<connections::ListConnections> {
    /// Only the connections of this strategy (such as `auth0`, `google-oauth2`).
    strategy(strategy: impl Into<String>);
    /// Only the connection of this name.
    name(name: impl Into<String>);
    /// The fields to include (`include` true) or to leave out of each connection.
    fields(fields: impl Into<String>, include: bool);
});

setters!(Call<connections::GetConnection> {
    /// The fields to include (`include` true) or to leave out of the connection.
    fields(fields: impl Into<String>, include: bool);
});

setters!(List<logs::ListLogs> {
    /// A search query in Auth0's log search syntax (such as `type:f`).
    q(query: impl Into<String>);
    /// The sort order, such as `date:-1`.
    sort(sort: impl Into<String>);
    /// The fields to include (`include` true) or to leave out of each event.
    fields(fields: impl Into<String>, include: bool);
});

setters!(Call<tenants::GetTenantSettings> {
    /// The settings to include (`include` true) or to leave out.
    fields(fields: impl Into<String>, include: bool);
});

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

    /// `GET /api/v2/clients/{id}`.
    pub fn get(&self, id: &str) -> Call<clients::GetClient> {
        self.client.call(clients::GetClient::new(id))
    }

    /// `POST /api/v2/clients`.
    pub fn create(&self, body: clients::NewClient) -> Call<clients::CreateClient> {
        self.client.call(clients::CreateClient::new(body))
    }

    /// `PATCH /api/v2/clients/{id}`.
    pub fn update(&self, id: &str, body: clients::ClientUpdate) -> Call<clients::UpdateClient> {
        self.client.call(clients::UpdateClient::new(id, body))
    }

    /// `DELETE /api/v2/clients/{id}`.
    pub fn delete(&self, id: &str) -> Call<clients::DeleteClient> {
        self.client.call(clients::DeleteClient::new(id))
    }

    /// `POST /api/v2/clients/{id}/rotate-secret`: the answer holds the new secret.
    pub fn rotate_secret(&self, id: &str) -> Call<clients::RotateClientSecret> {
        self.client.call(clients::RotateClientSecret::new(id))
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

    /// `POST /api/v2/client-grants`.
    pub fn create(
        &self,
        body: client_grants::NewClientGrant,
    ) -> Call<client_grants::CreateClientGrant> {
        self.client
            .call(client_grants::CreateClientGrant::new(body))
    }

    /// `PATCH /api/v2/client-grants/{id}`.
    pub fn update(
        &self,
        id: &str,
        body: client_grants::ClientGrantUpdate,
    ) -> Call<client_grants::UpdateClientGrant> {
        self.client
            .call(client_grants::UpdateClientGrant::new(id, body))
    }

    /// `DELETE /api/v2/client-grants/{id}`.
    pub fn delete(&self, id: &str) -> Call<client_grants::DeleteClientGrant> {
        self.client.call(client_grants::DeleteClientGrant::new(id))
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
    pub fn get(&self, id: &str) -> Call<resource_servers::GetResourceServer> {
        self.client
            .call(resource_servers::GetResourceServer::new(id))
    }

    /// `POST /api/v2/resource-servers`.
    pub fn create(
        &self,
        body: resource_servers::NewResourceServer,
    ) -> Call<resource_servers::CreateResourceServer> {
        self.client
            .call(resource_servers::CreateResourceServer::new(body))
    }

    /// `PATCH /api/v2/resource-servers/{id}`.
    pub fn update(
        &self,
        id: &str,
        body: resource_servers::ResourceServerUpdate,
    ) -> Call<resource_servers::UpdateResourceServer> {
        self.client
            .call(resource_servers::UpdateResourceServer::new(id, body))
    }

    /// `DELETE /api/v2/resource-servers/{id}`.
    pub fn delete(&self, id: &str) -> Call<resource_servers::DeleteResourceServer> {
        self.client
            .call(resource_servers::DeleteResourceServer::new(id))
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

    /// `GET /api/v2/users/{id}`.
    pub fn get(&self, id: &str) -> Call<users::GetUser> {
        self.client.call(users::GetUser::new(id))
    }

    /// `GET /api/v2/users-by-email`: the users with this email (any connection).
    pub fn by_email(&self, email: &str) -> Call<users::GetUsersByEmail> {
        self.client.call(users::GetUsersByEmail::new(email))
    }

    /// `POST /api/v2/users`.
    pub fn create(&self, body: users::NewUser) -> Call<users::CreateUser> {
        self.client.call(users::CreateUser::new(body))
    }

    /// `PATCH /api/v2/users/{id}`.
    pub fn update(&self, id: &str, body: users::UserUpdate) -> Call<users::UpdateUser> {
        self.client.call(users::UpdateUser::new(id, body))
    }

    /// `DELETE /api/v2/users/{id}`.
    pub fn delete(&self, id: &str) -> Call<users::DeleteUser> {
        self.client.call(users::DeleteUser::new(id))
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
    pub fn assign_roles(&self, id: &str, role_ids: Vec<String>) -> Call<users::AssignUserRoles> {
        self.client.call(users::AssignUserRoles::new(
            id,
            users::RolesBody::new(role_ids),
        ))
    }

    /// `DELETE /api/v2/users/{id}/roles`: removes roles (by id) from the user.
    pub fn remove_roles(&self, id: &str, role_ids: Vec<String>) -> Call<users::RemoveUserRoles> {
        self.client.call(users::RemoveUserRoles::new(
            id,
            users::RolesBody::new(role_ids),
        ))
    }

    /// `POST /api/v2/users/{id}/permissions`: grants permissions directly to the user.
    pub fn add_permissions(
        &self,
        id: &str,
        permissions: Vec<roles::PermissionRef>,
    ) -> Call<users::AddUserPermissions> {
        self.client.call(users::AddUserPermissions::new(
            id,
            roles::PermissionsBody::new(permissions),
        ))
    }

    /// `DELETE /api/v2/users/{id}/permissions`: removes permissions granted directly.
    pub fn remove_permissions(
        &self,
        id: &str,
        permissions: Vec<roles::PermissionRef>,
    ) -> Call<users::RemoveUserPermissions> {
        self.client.call(users::RemoveUserPermissions::new(
            id,
            roles::PermissionsBody::new(permissions),
        ))
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

    /// `GET /api/v2/roles/{id}`.
    pub fn get(&self, id: &str) -> Call<roles::GetRole> {
        self.client.call(roles::GetRole::new(id))
    }

    /// `POST /api/v2/roles`.
    pub fn create(&self, body: roles::NewRole) -> Call<roles::CreateRole> {
        self.client.call(roles::CreateRole::new(body))
    }

    /// `PATCH /api/v2/roles/{id}`.
    pub fn update(&self, id: &str, body: roles::RoleUpdate) -> Call<roles::UpdateRole> {
        self.client.call(roles::UpdateRole::new(id, body))
    }

    /// `DELETE /api/v2/roles/{id}`.
    pub fn delete(&self, id: &str) -> Call<roles::DeleteRole> {
        self.client.call(roles::DeleteRole::new(id))
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
    pub fn add_permissions(
        &self,
        id: &str,
        permissions: Vec<roles::PermissionRef>,
    ) -> Call<roles::AddRolePermissions> {
        self.client.call(roles::AddRolePermissions::new(
            id,
            roles::PermissionsBody::new(permissions),
        ))
    }

    /// `DELETE /api/v2/roles/{id}/permissions`.
    pub fn remove_permissions(
        &self,
        id: &str,
        permissions: Vec<roles::PermissionRef>,
    ) -> Call<roles::RemoveRolePermissions> {
        self.client.call(roles::RemoveRolePermissions::new(
            id,
            roles::PermissionsBody::new(permissions),
        ))
    }

    /// `POST /api/v2/roles/{id}/users`: assigns the role to users (by id).
    pub fn assign_users(&self, id: &str, user_ids: Vec<String>) -> Call<roles::AssignRoleUsers> {
        self.client.call(roles::AssignRoleUsers::new(
            id,
            roles::UsersBody::new(user_ids),
        ))
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
    pub fn get(&self, id: &str) -> Call<organizations::GetOrganization> {
        self.client.call(organizations::GetOrganization::new(id))
    }

    /// `GET /api/v2/organizations/name/{name}`.
    pub fn get_by_name(&self, name: &str) -> Call<organizations::GetOrganizationByName> {
        self.client
            .call(organizations::GetOrganizationByName::new(name))
    }

    /// `POST /api/v2/organizations`.
    pub fn create(
        &self,
        body: organizations::NewOrganization,
    ) -> Call<organizations::CreateOrganization> {
        self.client
            .call(organizations::CreateOrganization::new(body))
    }

    /// `PATCH /api/v2/organizations/{id}`.
    pub fn update(
        &self,
        id: &str,
        body: organizations::OrganizationUpdate,
    ) -> Call<organizations::UpdateOrganization> {
        self.client
            .call(organizations::UpdateOrganization::new(id, body))
    }

    /// `DELETE /api/v2/organizations/{id}`.
    pub fn delete(&self, id: &str) -> Call<organizations::DeleteOrganization> {
        self.client.call(organizations::DeleteOrganization::new(id))
    }

    /// `GET /api/v2/organizations/{id}/members` as a [`List`].
    pub fn members(&self, id: &str) -> List<organizations::ListMembers> {
        self.client.list(organizations::ListMembers::new(id))
    }

    /// `POST /api/v2/organizations/{id}/members`: adds users (by id).
    pub fn add_members(&self, id: &str, user_ids: Vec<String>) -> Call<organizations::AddMembers> {
        self.client.call(organizations::AddMembers::new(
            id,
            organizations::MembersBody::new(user_ids),
        ))
    }

    /// `DELETE /api/v2/organizations/{id}/members`: removes users (by id).
    pub fn remove_members(
        &self,
        id: &str,
        user_ids: Vec<String>,
    ) -> Call<organizations::RemoveMembers> {
        self.client.call(organizations::RemoveMembers::new(
            id,
            organizations::MembersBody::new(user_ids),
        ))
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
    pub fn get(&self, id: &str) -> Call<connections::GetConnection> {
        self.client.call(connections::GetConnection::new(id))
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

    /// `GET /api/v2/logs/{id}`.
    pub fn get(&self, id: &str) -> Call<logs::GetLog> {
        self.client.call(logs::GetLog::new(id))
    }
}

handle!(
    /// Jobs: `/api/v2/jobs`.
    Jobs,
    jobs
);

impl Jobs<'_> {
    /// `GET /api/v2/jobs/{id}`.
    pub fn get(&self, id: &str) -> Call<jobs::GetJob> {
        self.client.call(jobs::GetJob::new(id))
    }

    /// `POST /api/v2/jobs/users-exports`.
    pub fn export_users(&self, body: jobs::UsersExport) -> Call<jobs::CreateUsersExport> {
        self.client.call(jobs::CreateUsersExport::new(body))
    }

    /// `POST /api/v2/jobs/users-imports` (a multipart upload).
    pub fn import_users(&self, import: jobs::ImportUsers) -> Call<jobs::ImportUsers> {
        self.client.call(import)
    }
}

handle!(
    /// Tenant settings: `/api/v2/tenants/settings`.
    Tenants,
    tenants
);

impl Tenants<'_> {
    /// `GET /api/v2/tenants/settings`.
    pub fn settings(&self) -> Call<tenants::GetTenantSettings> {
        self.client.call(tenants::GetTenantSettings::new())
    }

    /// `PATCH /api/v2/tenants/settings`.
    pub fn update_settings(
        &self,
        body: tenants::TenantSettingsUpdate,
    ) -> Call<tenants::UpdateTenantSettings> {
        self.client.call(tenants::UpdateTenantSettings::new(body))
    }
}
