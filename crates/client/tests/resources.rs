//! Every resource handle against the fake tenant over TLS.
#![cfg(all(
    feature = "client_grants",
    feature = "clients",
    feature = "connections",
    feature = "jobs",
    feature = "logs",
    feature = "organizations",
    feature = "resource_servers",
    feature = "roles",
    feature = "tenants",
    feature = "users"
))]

mod common;

use auth0_m2m::management::{
    client_grants::{CreateClientGrantRequestContent, UpdateClientGrantRequestContent},
    clients::{CreateClientRequestContent, UpdateClientRequestContent},
    jobs::{CreateExportUsersRequestContent, CreateImportUsersRequestContent},
    organizations::{
        CreateOrganizationMemberRequestContent, CreateOrganizationRequestContent,
        UpdateOrganizationRequestContent,
    },
    resource_servers::{CreateResourceServerRequestContent, UpdateResourceServerRequestContent},
    roles::{
        AddRolePermissionsRequestContent, AssignRoleUsersRequestContent, CreateRoleRequestContent,
        UpdateRoleRequestContent,
    },
    shared::PermissionRequestPayload,
    tenants::UpdateTenantSettingsRequestContent,
    users::{
        AssignUserRolesRequestContent, CreateUserPermissionsRequestContent,
        CreateUserRequestContent, UpdateUserRequestContent,
    },
};
use futures::TryStreamExt;

#[tokio::test]
async fn clients_handle() {
    let tenant = common::tenant(3, 0).await;
    let client = common::client(&tenant);
    let clients = client.clients();

    let all = clients.list().collect_all().await.unwrap();
    assert_eq!(all.len(), 5);
    let created = clients
        .create(CreateClientRequestContent::new("Reporting job"))
        .await
        .unwrap();
    let id = created.client_id.clone().unwrap();
    assert_eq!(created.name.as_deref(), Some("Reporting job"));
    let got = clients.get(&id).await.unwrap();
    assert_eq!(got.client_id.as_deref(), Some(id.as_str()));
    let updated = clients
        .update(&id, UpdateClientRequestContent::new().with_name("Renamed"))
        .await
        .unwrap();
    assert_eq!(updated.name.as_deref(), Some("Renamed"));
    let rotated = clients.rotate_secret(&id).await.unwrap();
    assert!(rotated.client_secret.is_some());
    clients.delete(&id).await.unwrap();
    assert_eq!(clients.get(&id).await.unwrap_err().status(), Some(404));
}

#[tokio::test]
async fn client_grants_and_resource_servers_handles() {
    let tenant = common::tenant(1, 0).await;
    let client = common::client(&tenant);

    let apis = client.resource_servers();
    let api = apis
        .create(
            CreateResourceServerRequestContent::new("https://reports.example/")
                .with_name("Reports"),
        )
        .await
        .unwrap();
    let api_id = api.id.clone().unwrap();
    assert_eq!(
        apis.get(&api_id).await.unwrap().identifier.as_deref(),
        Some("https://reports.example/")
    );
    let renamed = apis
        .update(
            &api_id,
            UpdateResourceServerRequestContent::new().with_name("Reports v2"),
        )
        .await
        .unwrap();
    assert_eq!(renamed.name.as_deref(), Some("Reports v2"));
    let listed = apis.list().collect_all().await.unwrap();
    assert!(listed.iter().any(|a| a.id.as_deref() == Some(&api_id)));

    let grants = client.client_grants();
    let before = grants.list().collect_all().await.unwrap().len();
    let grant = grants
        .create(
            CreateClientGrantRequestContent::new("https://reports.example/")
                .with_client_id(tenant.client_id())
                .with_scope(vec!["read:reports".to_owned()]),
        )
        .await
        .unwrap();
    let grant_id = grant.id.clone().unwrap();
    let updated = grants
        .update(
            &grant_id,
            UpdateClientGrantRequestContent::new()
                .with_scope(vec!["read:reports".to_owned(), "write:reports".to_owned()]),
        )
        .await
        .unwrap();
    assert_eq!(updated.scope.map(|s| s.len()), Some(2));
    assert_eq!(grants.list().collect_all().await.unwrap().len(), before + 1);
    let filtered = grants
        .list()
        .audience("https://reports.example/")
        .collect_all()
        .await
        .unwrap();
    assert_eq!(filtered.len(), 1);
    grants.delete(&grant_id).await.unwrap();
    apis.delete(&api_id).await.unwrap();
    assert_eq!(apis.get(&api_id).await.unwrap_err().status(), Some(404));
}

#[tokio::test]
async fn users_and_roles_handles() {
    let tenant = common::tenant(0, 5).await;
    let client = common::client(&tenant);
    let users = client.users();
    let roles = client.roles();

    assert_eq!(users.list().collect_all().await.unwrap().len(), 5);
    let user = users
        .create(
            CreateUserRequestContent::new("Username-Password-Authentication")
                .with_email("jane@example.com")
                .with_password("Correct-Horse-9!"),
        )
        .await
        .unwrap();
    let uid = user.user_id.clone().unwrap();
    assert_eq!(
        users.get(&uid).await.unwrap().email.as_deref(),
        Some("jane@example.com")
    );
    let by_email = users.list_users_by_email("jane@example.com").await.unwrap();
    assert_eq!(by_email.len(), 1);
    let blocked = users
        .update(&uid, UpdateUserRequestContent::new().with_blocked(true))
        .await
        .unwrap();
    assert_eq!(blocked.blocked, Some(true));

    let role = roles
        .create(CreateRoleRequestContent::new("auditor").with_description("Reads logs"))
        .await
        .unwrap();
    let rid = role.id.clone().unwrap();
    assert_eq!(
        roles.get(&rid).await.unwrap().name.as_deref(),
        Some("auditor")
    );
    let renamed = roles
        .update(&rid, UpdateRoleRequestContent::new().with_name("auditors"))
        .await
        .unwrap();
    assert_eq!(renamed.name.as_deref(), Some("auditors"));
    assert!(!roles.list().collect_all().await.unwrap().is_empty());
    let perm = PermissionRequestPayload::new("read:logs", tenant.audience());
    roles
        .permissions()
        .add(
            &rid,
            AddRolePermissionsRequestContent::new(vec![perm.clone()]),
        )
        .await
        .unwrap();
    assert_eq!(
        roles
            .permissions()
            .list(&rid)
            .collect_all()
            .await
            .unwrap()
            .len(),
        1
    );
    roles
        .users()
        .assign(&rid, AssignRoleUsersRequestContent::new(vec![uid.clone()]))
        .await
        .unwrap();
    assert_eq!(
        roles.users().list(&rid).collect_all().await.unwrap().len(),
        1
    );
    let user_roles = users.roles();
    assert_eq!(user_roles.list(&uid).collect_all().await.unwrap().len(), 1);
    let the_role = || AssignUserRolesRequestContent::new(vec![rid.clone()]);
    user_roles.delete(&uid, the_role()).await.unwrap();
    assert!(
        user_roles
            .list(&uid)
            .collect_all()
            .await
            .unwrap()
            .is_empty()
    );
    user_roles.assign(&uid, the_role()).await.unwrap();

    let direct = CreateUserPermissionsRequestContent::new(vec![PermissionRequestPayload::new(
        "read:users",
        tenant.audience(),
    )]);
    users
        .permissions()
        .create(&uid, direct.clone())
        .await
        .unwrap();
    let perms = users.permissions().list(&uid).collect_all().await.unwrap();
    assert!(
        perms
            .iter()
            .any(|p| p.permission_name.as_deref() == Some("read:users"))
    );
    users.permissions().delete(&uid, direct).await.unwrap();
    roles
        .permissions()
        .delete(&rid, AddRolePermissionsRequestContent::new(vec![perm]))
        .await
        .unwrap();
    assert!(
        roles
            .permissions()
            .list(&rid)
            .collect_all()
            .await
            .unwrap()
            .is_empty()
    );

    roles.delete(&rid).await.unwrap();
    users.delete(&uid).await.unwrap();
    assert_eq!(users.get(&uid).await.unwrap_err().status(), Some(404));
}

#[tokio::test]
async fn organizations_connections_logs_jobs_and_tenant_handles() {
    let tenant = common::tenant(0, 2).await;
    let client = common::client(&tenant);

    let orgs = client.organizations();
    let org = orgs
        .create(
            CreateOrganizationRequestContent::new("integration-org")
                .with_display_name("Integration"),
        )
        .await
        .unwrap();
    let oid = org.id.clone().unwrap();
    assert_eq!(
        orgs.get(&oid).await.unwrap().name.as_deref(),
        Some("integration-org")
    );
    assert_eq!(
        orgs.get_by_name("integration-org")
            .await
            .unwrap()
            .id
            .as_deref(),
        Some(oid.as_str())
    );
    let updated = orgs
        .update(
            &oid,
            UpdateOrganizationRequestContent::new().with_display_name("Integration Inc."),
        )
        .await
        .unwrap();
    assert_eq!(updated.display_name.as_deref(), Some("Integration Inc."));
    let listed = orgs.list().collect_all().await.unwrap();
    assert!(listed.iter().any(|o| o.id.as_deref() == Some(oid.as_str())));
    let some_user = client.users().list().collect_all().await.unwrap()[0]
        .user_id
        .clone()
        .unwrap();
    let members = orgs.members();
    let member = || CreateOrganizationMemberRequestContent::new(vec![some_user.clone()]);
    members.create(&oid, member()).await.unwrap();
    assert_eq!(members.list(&oid).collect_all().await.unwrap().len(), 1);
    members.delete(&oid, member()).await.unwrap();
    assert!(members.list(&oid).collect_all().await.unwrap().is_empty());
    orgs.delete(&oid).await.unwrap();

    let connections = client.connections().list().collect_all().await.unwrap();
    assert!(!connections.is_empty());
    let cid = connections[0].id.clone().unwrap();
    assert_eq!(
        client.connections().get(&cid).await.unwrap().id.as_deref(),
        Some(cid.as_str())
    );

    let logs: Vec<_> = client.logs().list().items().try_collect().await.unwrap();
    if let Some(first) = logs.first().and_then(|l| l.log_id.clone()) {
        assert_eq!(
            client.logs().get(&first).await.unwrap().log_id.as_deref(),
            Some(first.as_str())
        );
    }

    let jobs = client.jobs();
    let export = jobs
        .users_exports()
        .create(CreateExportUsersRequestContent::new().with_connection_id(cid.clone()))
        .await
        .unwrap();
    let job_id = export.id.clone().unwrap();
    assert_eq!(
        jobs.get(&job_id).await.unwrap().id.as_deref(),
        Some(job_id.as_str())
    );
    let users = serde_json::json!([{"email": "imported@example.com", "email_verified": true}]);
    let imported = jobs
        .users_imports()
        .create(CreateImportUsersRequestContent::new(cid, users.to_string()))
        .await
        .unwrap();
    assert!(imported.id.is_some());

    let settings = client
        .tenants()
        .settings()
        .update(UpdateTenantSettingsRequestContent::new().with_friendly_name("Fake & Co"))
        .await
        .unwrap();
    assert_eq!(settings.friendly_name.as_deref(), Some("Fake & Co"));
    assert_eq!(
        client
            .tenants()
            .settings()
            .get()
            .await
            .unwrap()
            .friendly_name
            .as_deref(),
        Some("Fake & Co")
    );
}
