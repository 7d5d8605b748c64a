//! Every route reads and writes one store: what one operation writes, the others read, over
//! HTTP, whichever handler (generated or hand-written) answers each of them.

mod common;

use common::{call, setup};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn a_connection_created_is_read_listed_and_deleted_as_auth0_does() {
    let s = setup().await;
    let (status, created) = call(
        &s,
        Method::POST,
        "connections",
        Some(json!({"name": "my-db", "strategy": "auth0"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    assert!(
        id.len() == 20
            && id.starts_with("con_")
            && id[4..].chars().all(|c| c.is_ascii_alphanumeric()),
        "{id}"
    );
    let (status, read) = call(&s, Method::GET, &format!("connections/{id}"), None).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(
        (read["name"].as_str(), read["strategy"].as_str()),
        (Some("my-db"), Some("auth0"))
    );
    let (status, listed) = call(&s, Method::GET, "connections?name=my-db", None).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = listed
        .as_array()
        .expect("a bare list")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, [id.as_str()]);
    let (status, patched) = call(
        &s,
        Method::PATCH,
        &format!("connections/{id}"),
        Some(json!({"display_name": "My database"})),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    let (_, read) = call(&s, Method::GET, &format!("connections/{id}"), None).await;
    assert_eq!(read["display_name"], "My database");
    // recordings/go-auth0/TestConnectionManager_Delete.json: 202 {"deleted_at"}, then 204.
    let (status, deleted) = call(&s, Method::DELETE, &format!("connections/{id}"), None).await;
    assert_eq!(status, 202, "{deleted}");
    assert!(
        deleted["deleted_at"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z')),
        "{deleted}"
    );
    let (status, _) = call(&s, Method::GET, &format!("connections/{id}"), None).await;
    assert_eq!(status, 404);
    let (status, again) = call(&s, Method::DELETE, &format!("connections/{id}"), None).await;
    assert_eq!((status, again), (204, Value::Null));
    let (_, listed) = call(&s, Method::GET, "connections?name=my-db", None).await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn a_verification_email_job_is_read_back() {
    let s = setup().await;
    let (status, user) = call(
        &s,
        Method::POST,
        "users",
        Some(json!({"connection": "Username-Password-Authentication",
                    "email": "verify@example.com", "password": "Passw0rd!Passw0rd"})),
    )
    .await;
    assert_eq!(status, 201, "{user}");
    let user_id = user["user_id"].as_str().expect("user id");
    let (status, job) = call(
        &s,
        Method::POST,
        "jobs/verification-email",
        Some(json!({"user_id": user_id})),
    )
    .await;
    assert_eq!(status, 201, "{job}");
    assert_eq!(
        (job["type"].as_str(), job["status"].as_str()),
        (Some("verification_email"), Some("pending"))
    );
    let id = job["id"].as_str().expect("job id");
    assert!(id.starts_with("job_") && id.len() == 20, "{id}");
    let (status, read) = call(&s, Method::GET, &format!("jobs/{id}"), None).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["type"], "verification_email");
    assert_eq!(read["created_at"], job["created_at"]);
    // Pending when created, done when read (go-auth0/TestJobManager_ImportUsers.json).
    assert_eq!(read["status"], "completed", "{read}");
    let (_, again) = call(&s, Method::GET, &format!("jobs/{id}"), None).await;
    assert_eq!(again["status"], "completed", "{again}");
    assert!(
        again.get("reads").is_none(),
        "no bookkeeping field: {again}"
    );
    let (status, _) = call(
        &s,
        Method::POST,
        "jobs/verification-email",
        Some(json!({"user_id": "auth0|nobody"})),
    )
    .await;
    assert_eq!(status, 404, "a job for a user the tenant does not hold");
}

#[tokio::test]
async fn hook_secrets_are_added_updated_removed_and_never_shown() {
    let s = setup().await;
    let (status, hook) = call(
        &s,
        Method::POST,
        "hooks",
        Some(
            json!({"name": "my-hook", "script": "module.exports = function(){};",
                    "triggerId": "credentials-exchange"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{hook}");
    let id = hook["id"].as_str().expect("hook id").to_owned();
    let secrets = format!("hooks/{id}/secrets");
    let (status, _) = call(
        &s,
        Method::POST,
        &secrets,
        Some(json!({"SECRET1": "a", "SECRET2": "b"})),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = call(&s, Method::POST, &secrets, Some(json!({"SECRET3": "c"}))).await;
    assert_eq!(status, 201);
    let (status, _) = call(&s, Method::PATCH, &secrets, Some(json!({"SECRET1": "z"}))).await;
    assert!((200..300).contains(&status), "{status}");
    let (status, _) = call(&s, Method::DELETE, &secrets, Some(json!(["SECRET2"]))).await;
    assert_eq!(status, 204);
    // recordings/go-auth0/TestHookManager_ReplaceSecrets.json: SECRET1 and SECRET3 remain.
    let (status, read) = call(&s, Method::GET, &secrets, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        read,
        json!({"SECRET1": "_VALUE_NOT_SHOWN_", "SECRET3": "_VALUE_NOT_SHOWN_"})
    );
}

#[tokio::test]
async fn an_organization_keeps_the_connection_it_enables() {
    let s = setup().await;
    let (_, org) = call(
        &s,
        Method::POST,
        "organizations",
        Some(json!({"name": "umbrella"})),
    )
    .await;
    let org_id = org["id"].as_str().expect("org id").to_owned();
    assert!(org_id.starts_with("org_") && org_id.len() == 20, "{org_id}");
    let (_, conns) = call(
        &s,
        Method::GET,
        "connections?name=Username-Password-Authentication",
        None,
    )
    .await;
    let conn_id = conns[0]["id"]
        .as_str()
        .expect("the database connection")
        .to_owned();
    let path = format!("organizations/{org_id}/enabled_connections");
    let (status, enabled) = call(
        &s,
        Method::POST,
        &path,
        Some(json!({"connection_id": conn_id, "assign_membership_on_login": true})),
    )
    .await;
    assert_eq!(status, 201, "{enabled}");
    assert_eq!(enabled["connection_id"], conn_id.as_str());
    assert_eq!(enabled["assign_membership_on_login"], true);
    assert_eq!(
        enabled["connection"],
        json!({"name": "Username-Password-Authentication", "strategy": "auth0"})
    );
    let (status, read) = call(&s, Method::GET, &format!("{path}/{conn_id}"), None).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["connection_id"], conn_id.as_str());
    let (_, listed) = call(&s, Method::GET, &path, None).await;
    let listed = listed.get("enabled_connections").cloned().unwrap_or(listed);
    let ids: Vec<&str> = listed
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["connection_id"].as_str())
        .collect();
    assert_eq!(ids, [conn_id.as_str()]);
}

#[tokio::test]
async fn an_organization_lists_the_client_grants_associated_with_it() {
    let s = setup().await;
    let (_, org) = call(
        &s,
        Method::POST,
        "organizations",
        Some(json!({"name": "hooli"})),
    )
    .await;
    let org_id = org["id"].as_str().expect("org id").to_owned();
    let (_, api) = call(
        &s,
        Method::POST,
        "resource-servers",
        Some(json!({"identifier": "https://api.example.com/", "name": "Example"})),
    )
    .await;
    assert!(api["id"].is_string(), "{api}");
    let (_, client) = call(
        &s,
        Method::POST,
        "clients",
        Some(json!({"name": "worker", "app_type": "non_interactive"})),
    )
    .await;
    let client_id = client["client_id"].as_str().expect("client id").to_owned();
    let (status, grant) = call(
        &s,
        Method::POST,
        "client-grants",
        Some(json!({"client_id": client_id, "audience": "https://api.example.com/", "scope": []})),
    )
    .await;
    assert_eq!(status, 201, "{grant}");
    let grant_id = grant["id"].as_str().expect("grant id").to_owned();
    let path = format!("organizations/{org_id}/client-grants");
    let (status, associated) =
        call(&s, Method::POST, &path, Some(json!({"grant_id": grant_id}))).await;
    assert_eq!(status, 201, "{associated}");
    assert_eq!(associated["grant_id"], grant_id.as_str());
    assert_eq!(associated["client_id"], client_id.as_str());
    assert_eq!(associated["audience"], "https://api.example.com/");
    let (status, listed) = call(&s, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{listed}");
    let items = listed.get("client_grants").cloned().unwrap_or(listed);
    let ids: Vec<&str> = items
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|g| g["id"].as_str())
        .collect();
    assert_eq!(ids, [grant_id.as_str()]);
    // The clients whose grants the organization holds, by the query the description permits.
    let (status, clients) = call(
        &s,
        Method::GET,
        &format!("clients?q=client_grant.organization_id:{org_id}&take=50"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{clients}");
    let listed: Vec<&str> = clients["clients"]
        .as_array()
        .expect("a checkpoint page")
        .iter()
        .filter_map(|c| c["client_id"].as_str())
        .collect();
    assert_eq!(listed, [client_id.as_str()]);
    for query in [
        format!("clients?q=client_grant.organization_id:{org_id}"),
        format!("clients?q=client_grant.organization_id:{org_id}&take=5&app_type=spa"),
        "clients?q=name:worker&take=5".to_owned(),
    ] {
        let (status, e) = call(&s, Method::GET, &query, None).await;
        assert_eq!(
            (status, e["errorCode"].as_str()),
            (400, Some("invalid_query_string")),
            "{query}: {e}"
        );
    }
    let (status, _) = call(&s, Method::DELETE, &format!("{path}/{grant_id}"), None).await;
    assert_eq!(status, 204);
    let (_, listed) = call(&s, Method::GET, &path, None).await;
    let items = listed.get("client_grants").cloned().unwrap_or(listed);
    assert_eq!(items, json!([]));
    let (status, _) = call(
        &s,
        Method::POST,
        &path,
        Some(json!({"grant_id": "cgr_missing"})),
    )
    .await;
    assert_eq!(status, 404, "a grant the tenant does not hold");
}

#[tokio::test]
async fn credentials_inline_and_certificates_are_registered_as_auth0_registers_them() {
    use rsa::pkcs8::{EncodePublicKey, LineEnding};
    let s = setup().await;
    let private = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("rsa");
    let public_pem = private
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("public pem");
    // A key given inline to the create gets a credential id, and the credentials list holds it.
    let (status, client) = call(
        &s,
        Method::POST,
        "clients",
        Some(json!({"name": "jwt-app", "app_type": "non_interactive",
                    "client_authentication_methods": {"private_key_jwt": {"credentials": [
                        {"credential_type": "public_key", "name": "k1", "pem": public_pem}]}}})),
    )
    .await;
    assert_eq!(status, 201, "{client}");
    let id = client["client_id"].as_str().expect("client_id").to_owned();
    let inline = &client["client_authentication_methods"]["private_key_jwt"]["credentials"][0];
    let cred_id = inline["id"].as_str().expect("a credential id").to_owned();
    assert!(cred_id.starts_with("cred_"), "{inline}");
    assert_eq!(
        (inline["alg"].as_str(), inline["credential_type"].as_str()),
        (Some("RS256"), Some("public_key"))
    );
    assert!(inline.get("pem").is_none(), "the key is never read back");
    let (status, listed) = call(&s, Method::GET, &format!("clients/{id}/credentials"), None).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = listed
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, [cred_id.as_str()]);

    // A certificate (`x509_cert`): known by its thumbprint, with Auth0's far expiry, and the
    // client lists it under `self_signed_tls_client_auth`.
    let cert = s.0.ca_cert_pem();
    let (status, x509) = call(
        &s,
        Method::POST,
        &format!("clients/{id}/credentials"),
        Some(json!({"credential_type": "x509_cert", "name": "cert", "pem": cert})),
    )
    .await;
    assert_eq!(status, 201, "{x509}");
    assert!(
        x509["thumbprint_sha256"]
            .as_str()
            .is_some_and(|t| t.len() == 43),
        "{x509}"
    );
    assert_eq!(x509["expires_at"], "9999-12-31T23:59:59.000Z");
    // A subject name (`cert_subject_dn`), listed under `tls_client_auth`.
    let (status, dn) = call(
        &s,
        Method::POST,
        &format!("clients/{id}/credentials"),
        Some(json!({"credential_type": "cert_subject_dn", "subject_dn": "CN=client.example.org"})),
    )
    .await;
    assert_eq!(
        (status, dn["subject_dn"].as_str()),
        (201, Some("CN=client.example.org")),
        "{dn}"
    );
    // The subject read out of a certificate: the fake's own CA names itself.
    let (status, from_pem) = call(
        &s,
        Method::POST,
        &format!("clients/{id}/credentials"),
        Some(json!({"credential_type": "cert_subject_dn", "pem": cert})),
    )
    .await;
    assert_eq!(status, 201, "{from_pem}");
    assert!(
        from_pem["subject_dn"]
            .as_str()
            .is_some_and(|dn| dn.contains("CN=")),
        "{from_pem}"
    );
    let (_, read) = call(&s, Method::GET, &format!("clients/{id}"), None).await;
    let methods = &read["client_authentication_methods"];
    assert_eq!(
        methods["self_signed_tls_client_auth"]["credentials"][0]["id"],
        x509["id"]
    );
    assert_eq!(methods["tls_client_auth"]["credentials"][0]["id"], dn["id"]);
    assert_eq!(
        methods["private_key_jwt"]["credentials"][0]["id"],
        json!(cred_id)
    );
    // Not a certificate: a clear 400, and nothing registered.
    let (status, refused) = call(
        &s,
        Method::POST,
        &format!("clients/{id}/credentials"),
        Some(json!({"credential_type": "x509_cert", "pem": "not a certificate"})),
    )
    .await;
    assert_eq!(
        (status, refused["errorCode"].as_str()),
        (400, Some("invalid_body"))
    );
    let (_, listed) = call(&s, Method::GET, &format!("clients/{id}/credentials"), None).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(4));
}

#[tokio::test]
async fn a_user_lists_the_organizations_that_hold_it_as_a_member() {
    // recordings/go-auth0/TestUserManager_Organizations.json: a member added through
    // /organizations/{id}/members is listed by /users/{id}/organizations.
    let s = setup().await;
    let (status, user) = call(
        &s,
        Method::POST,
        "users",
        Some(json!({"connection": "Username-Password-Authentication",
                    "email": "member@example.com", "password": "Passw0rd!x"})),
    )
    .await;
    assert_eq!(status, 201, "{user}");
    let user_id = user["user_id"].as_str().expect("user_id").to_owned();
    let mut org_ids = Vec::new();
    for name in ["with-member", "without-member"] {
        let (status, org) = call(
            &s,
            Method::POST,
            "organizations",
            Some(json!({"name": name, "display_name": "Test Organization"})),
        )
        .await;
        assert_eq!(status, 201, "{org}");
        org_ids.push(org["id"].as_str().expect("org id").to_owned());
    }
    let members = format!("organizations/{}/members", org_ids[0]);
    let (status, _) = call(
        &s,
        Method::POST,
        &members,
        Some(json!({"members": [user_id]})),
    )
    .await;
    assert_eq!(status, 204);
    let user_orgs = format!("users/{}/organizations", user_id.replace('|', "%7C"));

    let (status, listed) = call(&s, Method::GET, &user_orgs, None).await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(
        listed,
        json!([{"id": org_ids[0], "name": "with-member", "display_name": "Test Organization"}])
    );
    let (status, page) = call(
        &s,
        Method::GET,
        &format!("{user_orgs}?include_totals=true"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        (&page["total"], &page["start"], &page["limit"]),
        (&json!(1), &json!(0), &json!(50))
    );
    assert_eq!(page["organizations"][0]["id"], org_ids[0].as_str());

    let (status, _) = call(
        &s,
        Method::DELETE,
        &members,
        Some(json!({"members": [user_id]})),
    )
    .await;
    assert_eq!(status, 204);
    let (_, listed) = call(&s, Method::GET, &user_orgs, None).await;
    assert_eq!(listed, json!([]));
    let (status, v) = call(&s, Method::GET, "users/auth0%7Cnobody/organizations", None).await;
    assert_eq!((status, &v["errorCode"]), (404, &json!("inexistent_user")));
}

#[tokio::test]
async fn routes_auth0_serves_beyond_the_description_keep_what_is_written() {
    let s = setup().await;
    let path = "guardian/factors/webauthn-roaming/settings";
    let (status, fresh) = call(&s, Method::GET, path, None).await;
    assert_eq!(status, 200, "{fresh}");
    assert_eq!(
        fresh,
        json!({"overrideRelyingParty": false, "userVerification": "required"})
    );
    let sent = json!({"userVerification": "preferred"});
    let (status, put) = call(&s, Method::PUT, path, Some(sent.clone())).await;
    assert_eq!((status, &put), (200, &sent), "a PUT replaces the setting");
    // A read adds what Auth0 reads back though the write left it out.
    assert_eq!(
        call(&s, Method::GET, path, None).await,
        (
            200,
            json!({"overrideRelyingParty": false, "userVerification": "preferred"})
        )
    );

    let (status, patched) = call(
        &s,
        Method::PATCH,
        "prompts/mfa-push",
        Some(json!({"app_name": "bestApp"})),
    )
    .await;
    assert_eq!((status, patched), (200, json!({"app_name": "bestApp"})));

    let token = json!({"aud": "some-client", "jti": "a-token"});
    let (status, _) = call(&s, Method::POST, "blacklists/tokens", Some(token.clone())).await;
    assert_eq!(status, 204);
    let (status, listed) = call(&s, Method::GET, "blacklists/tokens?aud=some-client", None).await;
    assert_eq!((status, listed), (200, json!([token])));
    let (_, other) = call(&s, Method::GET, "blacklists/tokens?aud=another", None).await;
    assert_eq!(other, json!([]));
    // Methods Auth0 does not serve there stay unknown.
    let (status, _) = call(&s, Method::DELETE, "blacklists/tokens", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn linking_a_user_moves_its_identity_and_unlinking_gives_it_back() {
    let s = setup().await;
    let mut ids = Vec::new();
    for email in ["primary@example.com", "secondary@example.com"] {
        let (status, user) = call(
            &s,
            Method::POST,
            "users",
            Some(
                json!({"connection": "Username-Password-Authentication", "email": email,
                        "password": "Passw0rd!Passw0rd"}),
            ),
        )
        .await;
        assert_eq!(status, 201, "{user}");
        ids.push(user["user_id"].as_str().expect("user_id").to_owned());
    }
    let (primary, secondary) = (&ids[0], &ids[1]);
    let plain = secondary.strip_prefix("auth0|").expect("an auth0 user");
    let (status, identities) = call(
        &s,
        Method::POST,
        &format!("users/{primary}/identities"),
        Some(json!({"provider": "auth0", "user_id": plain})),
    )
    .await;
    assert_eq!(status, 201, "{identities}");
    let list = identities.as_array().expect("the identities");
    assert_eq!(list.len(), 2, "{identities}");
    assert_eq!(list[1]["user_id"], plain);
    assert_eq!(list[1]["isSocial"], false);
    assert_eq!(list[1]["profileData"]["email"], "secondary@example.com");
    let (status, _) = call(&s, Method::GET, &format!("users/{secondary}"), None).await;
    assert_eq!(status, 404, "a linked user is no user of its own");

    let (status, remaining) = call(
        &s,
        Method::DELETE,
        &format!("users/{primary}/identities/auth0/{plain}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{remaining}");
    assert_eq!(remaining.as_array().map(Vec::len), Some(1), "{remaining}");
    let (status, back) = call(&s, Method::GET, &format!("users/{secondary}"), None).await;
    assert_eq!(
        (status, &back["email"]),
        (200, &json!("secondary@example.com"))
    );
    let (status, _) = call(
        &s,
        Method::DELETE,
        &format!("users/{primary}/identities/auth0/{plain}"),
        None,
    )
    .await;
    assert_eq!(status, 404, "unlinking twice");
}

#[tokio::test]
async fn an_invitation_gets_its_ticket_url_and_expiry() {
    let s = setup().await;
    let (_, org) = call(
        &s,
        Method::POST,
        "organizations",
        Some(json!({"name": "inviting"})),
    )
    .await;
    let org_id = org["id"].as_str().expect("organization id");
    let (_, client) = call(
        &s,
        Method::POST,
        "clients",
        Some(json!({"name": "portal", "initiate_login_uri": "https://portal.example.com/login"})),
    )
    .await;
    let client_id = client["client_id"].as_str().expect("client id");
    let (status, invitation) = call(
        &s,
        Method::POST,
        &format!("organizations/{org_id}/invitations"),
        Some(
            json!({"client_id": client_id, "invitee": {"email": "new@example.com"},
                    "inviter": {"name": "Admin"}, "ttl_sec": 3600}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{invitation}");
    let ticket = invitation["ticket_id"].as_str().expect("ticket");
    assert_eq!(ticket.len(), 32);
    assert_eq!(invitation["organization_id"], org_id);
    assert_eq!(
        invitation["invitation_url"],
        format!(
            "https://portal.example.com/login?invitation={ticket}&organization={org_id}&organization_name=inviting"
        )
    );
    assert!(invitation.get("ttl_sec").is_none(), "{invitation}");
    let created = invitation["created_at"].as_str().expect("created_at");
    let expires = invitation["expires_at"].as_str().expect("expires_at");
    assert!(expires > created, "{created} → {expires}");
    let (status, read) = call(
        &s,
        Method::GET,
        &format!(
            "organizations/{org_id}/invitations/{}",
            invitation["id"].as_str().expect("id")
        ),
        None,
    )
    .await;
    assert_eq!(
        (status, &read["ticket_id"]),
        (200, &invitation["ticket_id"])
    );
}

#[tokio::test]
async fn a_bulk_rendering_update_sets_each_screen() {
    let s = setup().await;
    let configs = json!({"configs": [
        {"prompt": "login", "screen": "login", "rendering_mode": "advanced",
         "context_configuration": ["branding.settings"], "head_tags": []},
        {"prompt": "signup", "screen": "signup", "rendering_mode": "standard"},
    ]});
    let (status, answer) = call(
        &s,
        Method::PATCH,
        "prompts/rendering",
        Some(configs.clone()),
    )
    .await;
    assert_eq!((status, &answer), (200, &configs));
    let (status, login) = call(
        &s,
        Method::GET,
        "prompts/login/screen/login/rendering",
        None,
    )
    .await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["rendering_mode"], "advanced");
    assert_eq!(login["context_configuration"], json!(["branding.settings"]));
    let (_, signup) = call(
        &s,
        Method::GET,
        "prompts/signup/screen/signup/rendering",
        None,
    )
    .await;
    assert_eq!(signup["rendering_mode"], "standard");
    let (status, _) = call(
        &s,
        Method::PATCH,
        "prompts/rendering",
        Some(json!({"configs": [{"rendering_mode": "advanced"}]})),
    )
    .await;
    assert_eq!(status, 400, "a config names its prompt and screen");
}
