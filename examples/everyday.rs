//! Eight everyday tasks, each a function of its own, written from the README and the rustdoc
//! with one import of the prelude and one of each operation group: a Datadog log stream, an
//! action bound to post-login, an organization with a member and a role, tenant settings, a
//! user search with a deadline and the rate-limit budget of each page, a user's roles, a key
//! rotation on a client, and errors told apart by kind. BENCHMARKS.md ("Lines per task")
//! compares each with the same calls in node-auth0.
//!
//! ```text
//! cargo run -p auth0-m2m-examples --features all --example everyday
//! ```
//!
//! Without `AUTH0_DOMAIN`, a fake tenant is started in-process (see the crate docs for the
//! variables); against a real tenant the application needs the scopes of every call below.

use std::process::ExitCode;
use std::time::Duration;

use auth0_m2m::management::{actions::*, clients::*, log_streams::*, organizations::*};
use auth0_m2m::management::{roles::*, tenants::*, users::*};
use auth0_m2m::prelude::*;
use auth0_m2m_examples::{BoxError, exit_code, management_client_from_env};
use auth0_m2m_fake::FakeTenant;

#[tokio::main]
async fn main() -> ExitCode {
    exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    let (client, _tenant) = management_client_from_env(FakeTenant::builder().seed_users(3)).await?;
    let user = client.users().list().send().await?.items()[0]
        .user_id()
        .to_owned();
    println!("log stream {}", datadog_log_stream(&client).await?);
    println!("action {}", post_login_action(&client).await?);
    println!("organization {}", organization(&client, &user).await?);
    tenant_settings(&client).await?;
    println!("{} users found", user_search(&client).await?);
    println!("{} roles", user_roles(&client, &user).await?);
    println!(
        "client {} rotated",
        key_rotation(&client, OLD_KEY, NEW_KEY).await?
    );
    println!("{}", errors_by_kind(&client).await);
    Ok(())
}

/// Task 1: A Datadog log stream.
async fn datadog_log_stream(client: &ManagementClient) -> Result<String, Error> {
    let sink = LogStreamDatadogSink::new("dd-api-key", "us");
    let body = CreateLogStreamDatadogRequestBody::new(sink).with_name("datadog");
    let created = client.log_streams().create(body.into()).await?;
    Ok(created
        .as_datadog()
        .map(|s| s.id())
        .unwrap_or_default()
        .to_owned())
}

/// Task 2: An action, built, deployed and bound to post-login.
async fn post_login_action(client: &ManagementClient) -> Result<String, Error> {
    let trigger = ActionTrigger::new("post-login").with_version("v3");
    let body = CreateActionRequestContent::new("add-claim", [trigger])
        .with_code("exports.onExecutePostLogin = async (event, api) => {};");
    let action = client.actions().create(body).await?;
    client.actions().wait_until_built(action.id()).await?;
    client.actions().deploy(action.id()).await?;
    let binding = ActionBindingWithRef::new(ActionBindingRef::new().with_value("add-claim"));
    let body = UpdateActionBindingsRequestContent::new().with_bindings([binding]);
    let bindings = client.actions().triggers().bindings();
    bindings
        .update_many(ActionTriggerTypeEnum::PostLogin, body)
        .await?;
    Ok(action.id().to_owned())
}

/// Task 3: An organization with a member who has a role in it.
async fn organization(client: &ManagementClient, user: &str) -> Result<String, Error> {
    let body = CreateOrganizationRequestContent::new("northwind");
    let org = client.organizations().create(body).await?;
    let members = client.organizations().members();
    let body = CreateOrganizationMemberRequestContent::new([user]);
    members.create(org.id(), body).await?;
    let body = CreateRoleRequestContent::new("org-admin");
    let role = client.roles().create(body).await?;
    let body = AssignOrganizationMemberRolesRequestContent::new([role.id()]);
    members.roles().assign(org.id(), user, body).await?;
    Ok(org.id().to_owned())
}

/// Task 4: Tenant settings: a name and a support address.
async fn tenant_settings(client: &ManagementClient) -> Result<(), Error> {
    let body = UpdateTenantSettingsRequestContent::new()
        .with_friendly_name("Acme")
        .with_support_email("support@acme.example");
    client.tenants().settings().update(body).await?;
    Ok(())
}

/// Task 5: A user search with a deadline for each page's call, and the budget left after
/// each page.
async fn user_search(client: &ManagementClient) -> Result<usize, Error> {
    let options = CallOptions::new().deadline(Duration::from_secs(5));
    let search = client.users().list().q("email_verified:true");
    let mut pages = search.options(options).responses();
    let mut found = 0;
    while let Some(page) = pages.try_next().await? {
        found += page.body().items().len();
        println!("{:?} calls left", page.meta().rate_limit().remaining);
    }
    Ok(found)
}

/// Task 6: A user's roles: assign one, list them.
async fn user_roles(client: &ManagementClient, user: &str) -> Result<usize, Error> {
    let body = CreateRoleRequestContent::new("auditor");
    let role = client.roles().create(body).await?;
    let roles = client.users().roles();
    roles
        .assign(user, AssignUserRolesRequestContent::new([role.id()]))
        .await?;
    Ok(roles.list(user).collect_all().await?.len())
}

/// Task 7: A key rotation on a client: register the new public key, switch the client to it (the
/// method cleared, as Auth0 requires), delete the old credential.
async fn key_rotation(client: &ManagementClient, old: &str, new: &str) -> Result<String, Error> {
    let app = CreateClientRequestContent::new("signer");
    let app = client.clients().create(app).await?;
    let id = app.client_id();
    let key = |pem| PostClientCredentialRequestContent::new("public_key").with_pem(pem);
    let credentials = client.clients().credentials();
    let old = credentials.create(id, key(old)).await?;
    let new = credentials.create(id, key(new)).await?;
    let jwt = ClientAuthenticationMethodPrivateKeyJwt::new([new.id()]);
    let methods = ClientAuthenticationMethod::new().with_private_key_jwt(jwt);
    let body = UpdateClientRequestContent::new()
        .with_client_authentication_methods(methods)
        .clear_token_endpoint_auth_method();
    client.clients().update(id, body).await?;
    credentials.delete(id, old.id()).await?;
    Ok(id.to_owned())
}

/// Task 8: Errors told apart by kind, without status codes.
async fn errors_by_kind(client: &ManagementClient) -> String {
    match client.users().get("auth0|nobody").await {
        Ok(user) => format!("found {}", user.user_id()),
        Err(e) => match e.kind() {
            ErrorKind::NotFound { .. } => "no such user".to_owned(),
            ErrorKind::RateLimited { .. } => "slow down".to_owned(),
            ErrorKind::InsufficientScope { .. } => "the application lacks a scope".to_owned(),
            _ => format!("failed: {e}"),
        },
    }
}

/// Two public keys for the key rotation (their private halves are not needed here).
const OLD_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo
4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u
+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyeh
kd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ
0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdg
cKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbc
mwIDAQAB
-----END PUBLIC KEY-----
";

const NEW_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAv3s9xNj91nW5pjwQ29pF
gWbqA330t8M6QFKsEXH+PmXbzl4sqW68E+YYXjufeEeJ6Q40HHXhtAYjJiXX0klm
t3AYpLTOn7ksskqpxu2365SykhwYzjVPT85y24NCTTw/EbVtjlheusB+9b7Bsc9a
kehffZ2nn6g6rN/bC7uD/2kDY8ThdACKBbx3tszUm/sy0EEPKJ0MN8D/WZpoHGH0
+L6P8U3sUT1bLdN7nEjCUHeNIU7bx1tat1Ihsc29PxQFYQkW41P5SjLZxTKYal+n
5F5kF9DFECFHRq4PsLRAabxku9U5E8yLRBen4avwNONHWFGIV3Akx/+wJwwbbO5V
0QIDAQAB
-----END PUBLIC KEY-----
";
