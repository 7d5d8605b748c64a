//! Creates an organization, adds two users as members, and gives one of them a role inside it.
//!
//! ```text
//! AUTH0_DOMAIN=tenant.eu.auth0.com AUTH0_CLIENT_ID=… AUTH0_CLIENT_SECRET=… \
//!     cargo run -p auth0-m2m-examples --features organizations,roles,users --example organizations
//! ```
//!
//! Needs the scopes `create:organizations`, `create:organization_members`,
//! `create:organization_member_roles`, `read:users`, `read:roles` and `create:roles`. Without
//! `AUTH0_DOMAIN`, a fake tenant with a few users is started in-process.

use std::process::ExitCode;

use auth0_m2m::management::organizations::{
    AssignOrganizationMemberRolesRequestContent, CreateOrganizationMemberRequestContent,
    CreateOrganizationRequestContent,
};
use auth0_m2m::management::roles::CreateRoleRequestContent;
use auth0_m2m_examples::{BoxError, exit_code, management_client_from_env};
use auth0_m2m_fake::FakeTenant;

#[tokio::main]
async fn main() -> ExitCode {
    exit_code(run().await)
}

async fn run() -> Result<(), BoxError> {
    let (client, _tenant) = management_client_from_env(FakeTenant::builder().seed_users(2)).await?;

    let org = client
        .organizations()
        .create(
            CreateOrganizationRequestContent::new("northwind")
                .with_display_name("Northwind Traders"),
        )
        .await?;
    let users = client.users().list().collect_all().await?;
    let members: Vec<String> = users
        .iter()
        .take(2)
        .map(|u| u.user_id().to_owned())
        .collect();
    client
        .organizations()
        .members()
        .create(
            org.id(),
            CreateOrganizationMemberRequestContent::new(members.clone()),
        )
        .await?;

    let role = client
        .roles()
        .create(CreateRoleRequestContent::new("billing-admin"))
        .await?;
    let admin = members.first().ok_or("the tenant has no users")?;
    client
        .organizations()
        .members()
        .roles()
        .assign(
            org.id(),
            admin,
            AssignOrganizationMemberRolesRequestContent::new(vec![role.id().to_owned()]),
        )
        .await?;
    println!(
        "{} ({}): {} members, {admin} is {}",
        org.name(),
        org.id(),
        members.len(),
        role.name()
    );
    Ok(())
}
