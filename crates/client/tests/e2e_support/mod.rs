//! Set-up of the end-to-end run of every operation (`every_operation.rs`, generated): a fake
//! tenant, a client granted every scope a served operation accepts, the path parameters of each
//! generically answered operation (from the tenant's routes listing), and the calls of the
//! operations the tenant answers from its state, which need real objects to work on.

#![allow(dead_code, unreachable_pub)]

mod schema;

use std::collections::HashMap;

use auth0_m2m::ManagementClient;
use auth0_m2m::management::path::decode_segment;
use auth0_m2m::management::{
    client_grants::{CreateClientGrantRequestContent, UpdateClientGrantRequestContent},
    clients::{CreateClientRequestContent, UpdateClientRequestContent},
    jobs::{CreateExportUsersRequestContent, CreateImportUsersRequestContent},
    organizations::{
        CreateOrganizationMemberRequestContent, CreateOrganizationRequestContent,
        DeleteOrganizationMembersRequestContent, UpdateOrganizationRequestContent,
    },
    resource_servers::{CreateResourceServerRequestContent, UpdateResourceServerRequestContent},
    roles::{
        AddRolePermissionsRequestContent, AssignRoleUsersRequestContent, CreateRoleRequestContent,
        DeleteRolePermissionsRequestContent, UpdateRoleRequestContent,
    },
    shared::{IdentityProviderEnum, PermissionRequestPayload},
    tenants::UpdateTenantSettingsRequestContent,
    users::{
        AssignUserRolesRequestContent, CreateUserPermissionsRequestContent,
        CreateUserRequestContent, DeleteUserPermissionsRequestContent,
        DeleteUserRolesRequestContent, LinkUserIdentityRequestContent, UpdateUserRequestContent,
        UserId,
    },
};
use auth0_m2m_fake::FakeTenant;
use serde_json::Value;

/// The outcome of one operation: its id and the error, if any.
pub type Outcome = (&'static str, Result<(), String>);

pub struct Harness {
    pub tenant: FakeTenant,
    pub client: ManagementClient,
    params: HashMap<String, Vec<String>>,
    /// Ids of the objects `stateful` created, which `deletions` removes.
    ids: HashMap<&'static str, String>,
    /// The operations `stateful` and `deletions` call, which the generated calls skip.
    covered: std::collections::HashSet<&'static str>,
}

impl Harness {
    pub async fn start() -> Self {
        let tenant = FakeTenant::builder()
            .seed_users(2)
            .schema_samples(true)
            .record_answers(true)
            .client("e2e", "e2e-secret", &auth0_m2m_fake::served_scopes())
            .start()
            .await
            .expect("fake tenant starts");
        let client = ManagementClient::builder(tenant.domain())
            .with_client_secret("e2e", "e2e-secret")
            .with_root_certificate_pem(tenant.ca_cert_pem())
            .build()
            .expect("client builds");
        let ca = reqwest::Certificate::from_pem(tenant.ca_cert_pem().as_bytes()).expect("CA");
        let http = reqwest::Client::builder()
            .add_root_certificate(ca)
            .build()
            .expect("http client");
        let routes: Vec<Value> = http
            .get(format!("{}/__fake/routes", tenant.base_url()))
            .send()
            .await
            .expect("routes")
            .json()
            .await
            .expect("routes json");
        let mut params = HashMap::new();
        for r in routes {
            let (Some(id), Some(template), Some(sample)) = (
                r["operation"].as_str(),
                r["path"].as_str(),
                r["sample_path"].as_str(),
            ) else {
                continue;
            };
            let values: Vec<String> = template
                .split('/')
                .zip(sample.split('/'))
                .filter(|(t, _)| t.starts_with('{'))
                .map(|(_, s)| decode_segment(s).unwrap_or_else(|| s.to_owned()))
                .collect();
            params.insert(id.to_owned(), values);
        }
        Self {
            tenant,
            client,
            params,
            ids: HashMap::new(),
            covered: DELETIONS.iter().copied().collect(),
        }
    }

    /// The path parameters of a generically answered operation.
    pub fn params(&self, operation: &str) -> Vec<String> {
        self.params.get(operation).cloned().unwrap_or_default()
    }

    /// Whether `stateful` or `deletions` calls the operation.
    pub fn covered(&self, operation: &str) -> bool {
        self.covered.contains(operation)
    }

    /// The operations the tenant answers from its state, but deletions, on objects created
    /// for them (their ids are kept for the generated calls that the tenant's stateful routes
    /// serve, such as reading a client grant or a user's blocks).
    pub async fn stateful(&mut self) -> Vec<Outcome> {
        let out = self.stateful_calls().await;
        self.covered.extend(out.iter().map(|(id, _)| *id));
        out
    }

    async fn stateful_calls(&mut self) -> Vec<Outcome> {
        let c = &self.client;
        let t = &self.tenant;
        let mut out: Vec<Outcome> = Vec::new();
        fn done<T>(r: Result<T, auth0_m2m::Error>) -> Result<(), String> {
            r.map(|_| ()).map_err(|e| e.to_string())
        }
        // Applications.
        out.push(("get_clients", done(c.clients().list().collect_all().await)));
        let created = c
            .clients()
            .create(CreateClientRequestContent::new("e2e app"))
            .await;
        let client_id = created
            .as_ref()
            .ok()
            .and_then(|x| x.client_id.clone())
            .unwrap_or_default();
        out.push(("post_clients", done(created)));
        out.push(("get_clients_by_id", done(c.clients().get(&client_id).await)));
        out.push((
            "patch_clients_by_id",
            done(
                c.clients()
                    .update(
                        &client_id,
                        UpdateClientRequestContent::new().with_name("renamed"),
                    )
                    .await,
            ),
        ));
        out.push((
            "post_rotate-secret",
            done(c.clients().rotate_secret(&client_id).await),
        ));
        // APIs and grants.
        let api = c
            .resource_servers()
            .create(
                CreateResourceServerRequestContent::new("https://e2e.example/").with_name("E2E"),
            )
            .await;
        let api_id = api
            .as_ref()
            .ok()
            .and_then(|a| a.id.clone())
            .unwrap_or_default();
        out.push(("post_resource-servers", done(api)));
        out.push((
            "get_resource-servers",
            done(c.resource_servers().list().collect_all().await),
        ));
        out.push((
            "get_resource-servers_by_id",
            done(c.resource_servers().get(&api_id).await),
        ));
        out.push((
            "patch_resource-servers_by_id",
            done(
                c.resource_servers()
                    .update(
                        &api_id,
                        UpdateResourceServerRequestContent::new().with_name("E2E v2"),
                    )
                    .await,
            ),
        ));
        let grant = c
            .client_grants()
            .create(
                CreateClientGrantRequestContent::new("https://e2e.example/")
                    .with_client_id(client_id.clone())
                    .with_scope(Vec::<String>::new()),
            )
            .await;
        let grant_id = grant
            .as_ref()
            .ok()
            .and_then(|g| g.id.clone())
            .unwrap_or_default();
        out.push(("post_client-grants", done(grant)));
        out.push((
            "get_client-grants",
            done(c.client_grants().list().collect_all().await),
        ));
        out.push((
            "patch_client-grants_by_id",
            done(
                c.client_grants()
                    .update(
                        &grant_id,
                        UpdateClientGrantRequestContent::new()
                            .with_scope(vec!["read:e2e".to_owned()]),
                    )
                    .await,
            ),
        ));
        // Users and roles.
        let user = c
            .users()
            .create(
                CreateUserRequestContent::new("Username-Password-Authentication")
                    .with_email("e2e@example.com")
                    .with_password("Correct-Horse-9!"),
            )
            .await;
        let uid = user
            .as_ref()
            .ok()
            .and_then(|u| u.user_id.clone())
            .unwrap_or_default();
        out.push(("post_users", done(user)));
        out.push(("get_users", done(c.users().list().collect_all().await)));
        out.push(("get_users_by_id", done(c.users().get(&uid).await)));
        out.push((
            "get_users-by-email",
            done(c.users().list_users_by_email("e2e@example.com").await),
        ));
        // A second user, linked to the first, then unlinked (a user of its own again).
        let linked = c
            .users()
            .create(
                CreateUserRequestContent::new("Username-Password-Authentication")
                    .with_email("e2e-linked@example.com")
                    .with_password("Correct-Horse-9!"),
            )
            .await
            .ok()
            .and_then(|u| u.user_id)
            .unwrap_or_default();
        let linked = linked.strip_prefix("auth0|").unwrap_or(&linked).to_owned();
        out.push((
            "post_identities",
            done(
                c.users()
                    .identities()
                    .link(
                        &uid,
                        LinkUserIdentityRequestContent::new()
                            .with_provider(IdentityProviderEnum::Auth0)
                            .with_user_id(UserId::String(linked.clone())),
                    )
                    .await,
            ),
        ));
        out.push((
            "delete_user_identity_by_user_id",
            done(
                c.users()
                    .identities()
                    .delete(&uid, IdentityProviderEnum::Auth0, &linked)
                    .await,
            ),
        ));
        // Authentication methods of the user: one created, read and updated, then all of them
        // replaced (new ids), and one of those deleted.
        {
            use auth0_m2m::management::users as u;
            let method = c
                .execute(&u::CreateUserAuthenticationMethod::new(
                    &uid,
                    u::CreateUserAuthenticationMethodRequestContent::new(
                        u::CreatedUserAuthenticationMethodTypeEnum::Email,
                    )
                    .with_field("email", Value::from("e2e-method@example.com")),
                ))
                .await;
            let method_id = method
                .as_ref()
                .ok()
                .and_then(|m| m.id.clone())
                .unwrap_or_default();
            out.push(("post_authentication-methods", done(method)));
            out.push((
                "get_authentication-methods",
                done(
                    c.execute(&u::ListUserAuthenticationMethods::new(&uid))
                        .await,
                ),
            ));
            out.push((
                "get_authentication-methods_by_authentication_method_id",
                done(
                    c.execute(&u::GetUserAuthenticationMethod::new(&uid, &method_id))
                        .await,
                ),
            ));
            out.push((
                "patch_authentication-methods_by_authentication_method_id",
                done(
                    c.execute(&u::UpdateUserAuthenticationMethod::new(
                        &uid,
                        &method_id,
                        u::UpdateUserAuthenticationMethodRequestContent::new(),
                    ))
                    .await,
                ),
            ));
            let replaced = c
                .execute(&u::SetUserAuthenticationMethods::new(
                    &uid,
                    vec![
                        serde_json::from_value::<u::SetUserAuthenticationMethodsSchema>(
                            serde_json::json!({"type": "email", "name": "e2e",
                                               "email": "e2e-replaced@example.com"}),
                        )
                        .expect("a method"),
                    ],
                ))
                .await;
            let replaced_id = replaced
                .as_ref()
                .ok()
                .and_then(|all| all.first())
                .and_then(|m| m.id.clone())
                .unwrap_or_default();
            out.push(("put_authentication-methods", done(replaced)));
            out.push((
                "delete_authentication-methods_by_authentication_method_id",
                done(
                    c.execute(&u::DeleteUserAuthenticationMethod::new(&uid, &replaced_id))
                        .await,
                ),
            ));
        }
        out.push((
            "patch_users_by_id",
            done(
                c.users()
                    .update(&uid, UpdateUserRequestContent::new().with_blocked(false))
                    .await,
            ),
        ));
        let role = c
            .roles()
            .create(CreateRoleRequestContent::new("e2e-role"))
            .await;
        let rid = role
            .as_ref()
            .ok()
            .and_then(|r| r.id.clone())
            .unwrap_or_default();
        out.push(("post_roles", done(role)));
        out.push(("get_roles", done(c.roles().list().collect_all().await)));
        out.push(("get_roles_by_id", done(c.roles().get(&rid).await)));
        out.push((
            "patch_roles_by_id",
            done(
                c.roles()
                    .update(&rid, UpdateRoleRequestContent::new().with_description("d"))
                    .await,
            ),
        ));
        let perm = PermissionRequestPayload::new("read:logs", t.audience());
        out.push((
            "post_role_permission_assignment",
            done(
                c.roles()
                    .permissions()
                    .add(
                        &rid,
                        AddRolePermissionsRequestContent::new(vec![perm.clone()]),
                    )
                    .await,
            ),
        ));
        out.push((
            "get_role_permission",
            done(c.roles().permissions().list(&rid).collect_all().await),
        ));
        out.push((
            "delete_role_permission_assignment",
            done(
                c.roles()
                    .permissions()
                    .delete(
                        &rid,
                        DeleteRolePermissionsRequestContent::new(vec![perm.clone()]),
                    )
                    .await,
            ),
        ));
        out.push((
            "post_role_users",
            done(
                c.roles()
                    .users()
                    .assign(&rid, AssignRoleUsersRequestContent::new(vec![uid.clone()]))
                    .await,
            ),
        ));
        out.push((
            "get_role_user",
            done(c.roles().users().list(&rid).collect_all().await),
        ));
        out.push((
            "get_user_roles",
            done(c.users().roles().list(&uid).collect_all().await),
        ));
        out.push((
            "delete_user_roles",
            done(
                c.users()
                    .roles()
                    .delete(&uid, DeleteUserRolesRequestContent::new(vec![rid.clone()]))
                    .await,
            ),
        ));
        out.push((
            "post_user_roles",
            done(
                c.users()
                    .roles()
                    .assign(&uid, AssignUserRolesRequestContent::new(vec![rid.clone()]))
                    .await,
            ),
        ));
        out.push((
            "post_permissions",
            done(
                c.users()
                    .permissions()
                    .create(
                        &uid,
                        CreateUserPermissionsRequestContent::new(vec![perm.clone()]),
                    )
                    .await,
            ),
        ));
        out.push((
            "get_permissions",
            done(c.users().permissions().list(&uid).collect_all().await),
        ));
        out.push((
            "delete_permissions",
            done(
                c.users()
                    .permissions()
                    .delete(&uid, DeleteUserPermissionsRequestContent::new(vec![perm]))
                    .await,
            ),
        ));
        // Organizations.
        let org = c
            .organizations()
            .create(CreateOrganizationRequestContent::new("e2e-org"))
            .await;
        let oid = org
            .as_ref()
            .ok()
            .and_then(|o| o.id.clone())
            .unwrap_or_default();
        out.push(("post_organizations", done(org)));
        out.push((
            "get_organizations",
            done(c.organizations().list().collect_all().await),
        ));
        out.push((
            "get_organizations_by_id",
            done(c.organizations().get(&oid).await),
        ));
        out.push((
            "get_name_by_name",
            done(c.organizations().get_by_name("e2e-org").await),
        ));
        out.push((
            "patch_organizations_by_id",
            done(
                c.organizations()
                    .update(
                        &oid,
                        UpdateOrganizationRequestContent::new().with_display_name("E2E"),
                    )
                    .await,
            ),
        ));
        out.push((
            "post_members",
            done(
                c.organizations()
                    .members()
                    .create(
                        &oid,
                        CreateOrganizationMemberRequestContent::new(vec![uid.clone()]),
                    )
                    .await,
            ),
        ));
        out.push((
            "get_organization_members",
            done(c.organizations().members().list(&oid).collect_all().await),
        ));
        out.push((
            "get_user_organizations",
            done(c.users().organizations().list(&uid).collect_all().await),
        ));
        out.push((
            "delete_members",
            done(
                c.organizations()
                    .members()
                    .delete(
                        &oid,
                        DeleteOrganizationMembersRequestContent::new(vec![uid.clone()]),
                    )
                    .await,
            ),
        ));
        // Connections, logs, jobs, tenant settings.
        let connections = c.connections().list().collect_all().await;
        let cid = connections
            .as_ref()
            .ok()
            .and_then(|l| l.first())
            .and_then(|x| x.id.clone())
            .unwrap_or_default();
        out.push(("get_connections", done(connections)));
        out.push((
            "get_connections_by_id",
            done(c.connections().get(&cid).await),
        ));
        // An OIDC connection's signing keys, read and rotated.
        {
            use auth0_m2m::management::connections as cn;
            let oidc = c
                .execute(&cn::CreateConnection::new(
                    cn::CreateConnectionRequestContent::new(
                        "e2e-oidc".to_owned(),
                        cn::ConnectionIdentityProviderEnum::Oidc,
                    )
                    .with_field(
                        "options",
                        serde_json::json!({"client_id": "e2e", "issuer": "https://idp.example.com",
                            "discovery_url": "https://idp.example.com/.well-known/openid-configuration"}),
                    ),
                ))
                .await;
            let oidc_id = oidc
                .as_ref()
                .ok()
                .and_then(|x| x.id.clone())
                .unwrap_or_default();
            out.push((
                "get_keys",
                done(c.execute(&cn::GetConnectionKeys::new(&oidc_id)).await),
            ));
            out.push((
                "post_rotate",
                done(
                    c.execute(&cn::RotateConnectionKeys::new(
                        &oidc_id,
                        cn::RotateConnectionKeysRequestContent::new(),
                    ))
                    .await,
                ),
            ));
        }
        // The tenant's signing keys: a rotation, then the revocation of the key it made
        // previously used (Auth0 revokes no other). The client's cached token, signed by that
        // key, is refused afterwards, and the client fetches a new one.
        out.push(("post_signing_keys", done(c.keys().signing().rotate().await)));
        let previous = c
            .keys()
            .signing()
            .list()
            .await
            .ok()
            .and_then(|keys| {
                keys.into_iter()
                    .find(|k| k.previous == Some(true) && k.revoked != Some(true))
            })
            .and_then(|k| k.kid)
            .unwrap_or_default();
        out.push((
            "put_signing_keys",
            done(c.keys().signing().revoke(&previous).await),
        ));
        let logs = c.logs().list().collect_all().await;
        let log_id = logs
            .as_ref()
            .ok()
            .and_then(|l| l.first())
            .and_then(|x| x.log_id.clone())
            .unwrap_or_default();
        out.push(("get_logs", done(logs)));
        out.push(("get_logs_by_id", done(c.logs().get(&log_id).await)));
        let export = c
            .jobs()
            .users_exports()
            .create(CreateExportUsersRequestContent::new().with_connection_id(cid.clone()))
            .await;
        let job_id = export
            .as_ref()
            .ok()
            .and_then(|j| j.id.clone())
            .unwrap_or_default();
        out.push(("post_users-exports", done(export)));
        out.push(("get_jobs_by_id", done(c.jobs().get(&job_id).await)));
        let users = serde_json::json!([{"email": "imported@example.com", "email_verified": true}]);
        out.push((
            "post_users-imports",
            done(
                c.jobs()
                    .users_imports()
                    .create(CreateImportUsersRequestContent::new(cid, users.to_string()))
                    .await,
            ),
        ));
        // A verification email for the user created above, read back as a job.
        let verification = c
            .execute(&auth0_m2m::management::jobs::CreateVerificationEmail::new(
                auth0_m2m::management::jobs::CreateVerificationEmailRequestContent::new(
                    uid.clone(),
                ),
            ))
            .await;
        out.push(("post_verification-email", done(verification)));
        // The grant created above, associated with the organization created above.
        let associated = c
            .execute(
                &auth0_m2m::management::organizations::AssociateOrganizationClientGrant::new(
                    &oid,
                    auth0_m2m::management::organizations::AssociateOrganizationClientGrantRequestContent::new(
                        grant_id.clone(),
                    ),
                ),
            )
            .await;
        out.push(("create_organization-client-grants", done(associated)));
        out.push((
            "patch_settings",
            done(
                c.tenants()
                    .settings()
                    .update(UpdateTenantSettingsRequestContent::new().with_friendly_name("E2E"))
                    .await,
            ),
        ));
        out.push((
            "tenant_settings_route",
            done(c.tenants().settings().get().await),
        ));
        self.params
            .insert("get_client-grant".into(), vec![grant_id.clone()]);
        self.params
            .insert("get_user-blocks_by_id".into(), vec![uid.clone()]);
        self.params
            .insert("delete_user-blocks_by_id".into(), vec![uid.clone()]);
        for (k, v) in [
            ("grant", grant_id),
            ("organization", oid),
            ("role", rid),
            ("user", uid),
            ("api", api_id),
            ("client", client_id),
        ] {
            self.ids.insert(k, v);
        }
        out
    }
}

/// The deletions of the objects `stateful` created, which `deletions` calls after every other
/// call.
const DELETIONS: &[&str] = &[
    "delete_client-grants_by_id",
    "delete_organizations_by_id",
    "delete_roles_by_id",
    "delete_users_by_id",
    "delete_resource-servers_by_id",
    "delete_clients_by_id",
];

impl Harness {
    /// The deletions of the objects `stateful` created, after every other call.
    pub async fn deletions(&self) -> Vec<Outcome> {
        let c = &self.client;
        let id = |k: &str| self.ids.get(k).cloned().unwrap_or_default();
        fn done<T>(r: Result<T, auth0_m2m::Error>) -> Result<(), String> {
            r.map(|_| ()).map_err(|e| e.to_string())
        }
        let out = vec![
            (
                "delete_client-grants_by_id",
                done(c.client_grants().delete(&id("grant")).await),
            ),
            (
                "delete_organizations_by_id",
                done(c.organizations().delete(&id("organization")).await),
            ),
            (
                "delete_roles_by_id",
                done(c.roles().delete(&id("role")).await),
            ),
            (
                "delete_users_by_id",
                done(c.users().delete(&id("user")).await),
            ),
            (
                "delete_resource-servers_by_id",
                done(c.resource_servers().delete(&id("api")).await),
            ),
            (
                "delete_clients_by_id",
                done(c.clients().delete(&id("client")).await),
            ),
        ];
        debug_assert!(out.iter().map(|(id, _)| id).eq(DELETIONS.iter()));
        out
    }
}

/// Prints `e2e: N/TOTAL operations answered` and fails on any failure or missing operation;
/// then validates every answer the tenant sent against the description and prints
/// `schema validation: …`, failing on any invalid answer or on an operation left unchecked.
pub fn report(h: &Harness, results: Vec<Outcome>, total: usize) {
    let mut seen = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    let mut answered = 0;
    for (id, result) in &results {
        assert!(seen.insert(*id), "{id} was called twice");
        match result {
            Ok(()) => answered += 1,
            Err(e) => failures.push(format!("{id}: {e}")),
        }
    }
    println!("e2e: {answered}/{total} operations answered");
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        answered, total,
        "every operation of the description is called"
    );
    let Some(path) = schema::description_path() else {
        println!("schema validation: skipped, the description is not beside the workspace");
        return;
    };
    let spec: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("the description is readable"))
            .expect("the description is JSON");
    let v = schema::validate(&spec, &h.tenant.answers());
    println!(
        "schema validation: {} answers of {} operations checked, {} operations answer no body, \
         {} invalid answers; {} requests checked ({} JSON bodies, {} query parameters), {} \
         invalid requests ({} patterns the validator cannot compile left out, at most {}; \
         corrections of the description: {} required fields, {} added properties, {} \
         nullable properties, {} enum values, {} list answers, {} patterns, {} statuses)",
        v.checked,
        v.operations.len(),
        v.bodiless.len(),
        v.invalid.len(),
        v.requests,
        v.request_bodies,
        v.query_parameters,
        v.invalid_requests.len(),
        v.patterns_left_out,
        schema::MAX_PATTERNS_LEFT_OUT,
        schema::ERRATA.len(),
        schema::PROPERTY_ERRATA.len(),
        schema::NULLABLE_ERRATA
            .iter()
            .map(|(_, p, _)| p.len())
            .sum::<usize>(),
        schema::ENUM_ERRATA.len(),
        v.lists_corrected,
        v.counts_corrected,
        schema::STATUS_ERRATA.len()
    );
    assert!(
        v.invalid.is_empty(),
        "{} invalid answers:\n{}",
        v.invalid.len(),
        v.invalid.join("\n")
    );
    assert!(
        v.invalid_requests.is_empty(),
        "{} invalid requests:\n{}",
        v.invalid_requests.len(),
        v.invalid_requests.join("\n")
    );
    assert!(
        v.patterns_left_out <= schema::MAX_PATTERNS_LEFT_OUT,
        "{} patterns of the description cannot be compiled and were left out, more than the {} \
         known: the validation checks less than it did",
        v.patterns_left_out,
        schema::MAX_PATTERNS_LEFT_OUT
    );
    assert_eq!(
        v.operations.len() + v.bodiless.len(),
        total,
        "every operation has a validated answer"
    );
    assert_eq!(
        v.requests,
        h.tenant.answers().len(),
        "every request the tenant received is an operation of the description"
    );
}
