//! Generated, realistic seed data.

use crate::store::Store;
use crate::util::json;
use crate::util::{
    iso8601, now_ms, random_alnum, random_below, random_bool, random_hex, random_in,
};
use serde_json::Value;

/// The tenant's name, as answers name it (`tenant` of a client or a phone provider).
pub(crate) const TENANT_NAME: &str = "fake-tenant";

/// A client configured through the builder.
#[derive(Clone)]
pub(crate) struct ClientSpec {
    pub(crate) id: String,
    pub(crate) secret: Option<String>,
    pub(crate) public_key_pem: Option<String>,
    /// The self-signed certificate of a `self_signed_tls_client_auth` client.
    pub(crate) certificate_pem: Option<String>,
    /// `None`: the client has no grant for the Management API.
    pub(crate) scopes: Option<Vec<String>>,
}

/// The Management API scopes of the hand-written routes, a subset of [`served_scopes`](crate::served_scopes)
/// (which the default client holds).
pub const MANAGEMENT_SCOPES: &[&str] = &[
    "read:client_grants",
    "create:client_grants",
    "delete:client_grants",
    "update:client_grants",
    "read:users",
    "update:users",
    "delete:users",
    "create:users",
    "read:clients",
    "update:clients",
    "delete:clients",
    "create:clients",
    "read:client_keys",
    "update:client_keys",
    "read:connections",
    "read:resource_servers",
    "update:resource_servers",
    "delete:resource_servers",
    "create:resource_servers",
    "read:tenant_settings",
    "update:tenant_settings",
    "read:logs",
    "read:roles",
    "create:roles",
    "delete:roles",
    "update:roles",
    "read:role_members",
    "create:role_members",
    "delete:role_members",
    "read:organizations",
    "update:organizations",
    "create:organizations",
    "delete:organizations",
    "read:organization_members",
    "create:organization_members",
    "delete:organization_members",
    "read:stats",
];

const FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "Edsger",
    "Radia",
    "Tim",
    "Katherine",
    "John",
    "Hedy",
    "Donald",
    "Anita",
    "Niklaus",
    "Sophie",
    "Leslie",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Berners-Lee",
    "Johnson",
    "McCarthy",
    "Lamarr",
    "Knuth",
    "Borg",
    "Wirth",
    "Wilson",
    "Lamport",
];
const PRODUCTS: &[&str] = &[
    "Billing",
    "Inventory",
    "Reporting",
    "Checkout",
    "Analytics",
    "Support Portal",
    "Onboarding",
    "Notifications",
    "Search",
    "Payments",
    "Scheduler",
    "Catalog",
];
const PLANS: &[&str] = &["free", "pro", "enterprise"];
const ENVS: &[&str] = &["Production", "Staging", "Development", "QA"];

/// Title-cases a scope into Auth0's description style (`read:users` -> `Read Users`).
pub(crate) fn scope_description(scope: &str) -> String {
    scope
        .split([':', '_'])
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A new client object with the fields real Auth0 clients carry.
pub(crate) fn new_client(name: &str, app_type: &str, client_id: String, secret: String) -> Value {
    let m2m = app_type == "non_interactive";
    let grant_types: Vec<&str> = if m2m {
        vec!["client_credentials"]
    } else if app_type == "spa" {
        vec!["authorization_code", "implicit", "refresh_token"]
    } else {
        vec![
            "authorization_code",
            "implicit",
            "refresh_token",
            "client_credentials",
        ]
    };
    let slug: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let callbacks: Vec<String> = if m2m {
        vec![]
    } else {
        vec![format!("https://{slug}.example.com/callback")]
    };
    json!({
        "tenant": TENANT_NAME,
        "global": false,
        "is_token_endpoint_ip_header_trusted": false,
        "name": name,
        "description": "",
        "client_id": client_id,
        "client_secret": secret,
        "app_type": app_type,
        "is_first_party": true,
        "oidc_conformant": true,
        "callbacks": callbacks,
        "allowed_origins": [],
        "web_origins": [],
        "allowed_logout_urls": [],
        "allowed_clients": [],
        "callback_url_template": false,
        "cross_origin_auth": false,
        "custom_login_page_on": true,
        "sso_disabled": false,
        "grant_types": grant_types,
        "token_endpoint_auth_method": if app_type == "spa" { "none" } else { "client_secret_post" },
        "jwt_configuration": {"alg": "RS256", "lifetime_in_seconds": 36000, "secret_encoded": false},
        "refresh_token": {"expiration_type": "non-expiring", "idle_token_lifetime": 1_296_000,
                          "infinite_idle_token_lifetime": true, "infinite_token_lifetime": true,
                          "leeway": 0, "rotation_type": "non-rotating", "token_lifetime": 2_592_000},
        "organization_usage": "deny",
        "organization_require_behavior": "no_prompt",
        // Server-set on every new client, as recordings/go-auth0/
        // TestClient_CreateWithTokenExchange.json (`cross_origin_authentication`) and
        // TestClient_ExpressConfiguration.json (`async_approval_notification_channels`) show.
        "cross_origin_authentication": false,
        "async_approval_notification_channels": ["guardian-push"],
    })
}

/// A client id in Auth0's format (32 alphanumerics).
pub(crate) fn client_id() -> String {
    random_alnum(32)
}

/// A client secret in Auth0's format (64 URL-safe characters).
pub(crate) fn client_secret() -> String {
    random_alnum(64)
}

/// A client grant object.
pub(crate) fn new_grant(client_id: &str, audience: &str, scopes: &[String]) -> Value {
    json!({
        "id": format!("cgr_{}", random_alnum(16)),
        "client_id": client_id,
        "audience": audience,
        "scope": scopes,
        "subject_type": "client",
    })
}

/// A database user object, as Auth0 returns it.
pub(crate) fn new_user(email: &str, connection: &str, created_ms: u64) -> Value {
    let hex = random_hex(24);
    let nickname = email.split('@').next().unwrap_or(email).to_string();
    let created = iso8601(created_ms);
    json!({
        "user_id": format!("auth0|{hex}"),
        "email": email,
        "email_verified": false,
        "name": email,
        "nickname": nickname,
        "picture": format!("https://s.gravatar.com/avatar/{}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F{}.png",
                           random_hex(32), nickname.chars().take(2).collect::<String>().to_lowercase()),
        "identities": [{"connection": connection, "provider": "auth0", "user_id": hex, "isSocial": false}],
        "created_at": created,
        "updated_at": created,
        "user_metadata": {},
        "app_metadata": {},
    })
}

/// What a fresh tenant is made of: the configuration a store is seeded from, at start and at
/// each reset.
#[derive(Clone)]
pub(crate) struct Fresh {
    /// The configured clients (or the default client), first the one the tenant names.
    pub(crate) clients: Vec<ClientSpec>,
    pub(crate) seed_clients: usize,
    pub(crate) seed_users: usize,
    /// Whether collections are filled with an item of their schema (see
    /// [`FakeTenantBuilder::schema_samples`](crate::FakeTenantBuilder::schema_samples)).
    pub(crate) schema_samples: bool,
    /// The id and secret of the tenant's "Default App", the same after each reset.
    pub(crate) default_app: (String, String),
    pub(crate) max_logs: usize,
    pub(crate) log_retention_ms: u64,
    /// The delay of token answers the tenant started with.
    pub(crate) token_latency_ms: u64,
}

/// A fresh tenant's store for `fresh`.
pub(crate) fn fresh_store(fresh: &Fresh, audience: &str, domain: &str) -> Store {
    let mut store = Store::default();
    store.logs.max_events = fresh.max_logs;
    store.logs.retention_ms = fresh.log_retention_ms;
    store.schema_samples = fresh.schema_samples;
    seed(&mut store, audience, domain, fresh);
    store
}

/// Fills a fresh store.
fn seed(store: &mut Store, audience: &str, domain: &str, fresh: &Fresh) {
    let (clients, seed_clients, seed_users) =
        (&fresh.clients, fresh.seed_clients, fresh.seed_users);
    let now = now_ms();
    let day = 86_400_000u64;

    // What a new Auth0 tenant holds: its database connection and the Google social connection
    // (with Auth0's development keys), both enabled for the "Default App"
    // (recordings/ruby-auth0/Auth0_Api_V2_Connections__connections_should_not_be_empty.json
    // lists `enabled_clients`), the Management API, the "Default App" client.
    let default_app_id = &fresh.default_app.0;
    *store.items_mut(crate::store::CONNECTIONS) = vec![
        json!({"id": format!("con_{}", random_alnum(16)), "name": "Username-Password-Authentication",
               "display_name": "Username-Password-Authentication", "strategy": "auth0",
               "is_domain_connection": false, "realms": ["Username-Password-Authentication"],
               "enabled_clients": [default_app_id],
               "options": {"mfa": {"active": true, "return_enroll_settings": true},
                           "passwordPolicy": "good", "brute_force_protection": true,
                           "strategy_version": 2, "disable_signup": false,
                           "requires_username": false}}),
        json!({"id": format!("con_{}", random_alnum(16)), "name": "google-oauth2",
               "display_name": "google-oauth2", "strategy": "google-oauth2",
               "is_domain_connection": false, "realms": ["google-oauth2"],
               "enabled_clients": [default_app_id],
               "options": {"email": true, "profile": true, "scope": ["email", "profile"]}}),
    ];

    *store.items_mut(crate::store::RESOURCE_SERVERS) = vec![
        json!({"id": random_hex(24), "name": "Auth0 Management API", "identifier": audience,
               "is_system": true, "allow_offline_access": false, "skip_consent_for_verifiable_first_party_clients": false,
               "token_lifetime": 86400, "token_lifetime_for_web": 7200, "signing_alg": "RS256",
               "scopes": crate::served_scopes().iter().map(|s| json!({"value": s, "description": scope_description(s)})).collect::<Vec<_>>()}),
    ];
    // The data the `seed_*` settings add name an API of the tenant's own.
    let billing_api = "https://billing.example.com/api";
    let billing_scopes = [
        "read:invoices",
        "create:invoices",
        "read:customers",
        "update:customers",
    ];
    if seed_clients > 0 || seed_users > 0 {
        store.items_mut(crate::store::RESOURCE_SERVERS).push(
            json!({"id": random_hex(24), "name": "Billing API", "identifier": billing_api,
                   "allow_offline_access": false, "skip_consent_for_verifiable_first_party_clients": true,
                   "token_lifetime": 86400, "token_lifetime_for_web": 7200, "signing_alg": "RS256",
                   "token_dialect": "access_token", "enforce_policies": false,
                   "scopes": billing_scopes.iter().map(|s| json!({"value": s, "description": scope_description(s)})).collect::<Vec<_>>()}),
        );
    }

    // The MFA factors, all disabled.
    *store.items_mut(crate::store::GUARDIAN_FACTORS) = crate::overrides::GUARDIAN_FACTORS
        .iter()
        .map(|name| json!({"enabled": false, "name": name, "trial_expired": false}))
        .collect();

    // Every new tenant's first application, as recordings/ruby-auth0/
    // Auth0_Api_V2_Clients__clients_should_get_at_least_one_client.json lists it first.
    let (id, secret) = fresh.default_app.clone();
    let mut default_app = new_client("Default App", "regular_web", id, secret);
    if let Some(o) = default_app.as_object_mut() {
        // The recording reads `null` for both, which the description does not allow; the
        // recording wins for `callbacks`. Auth0's own deployment tool refuses a client whose
        // `app_type` is `null` (its export of such a tenant cannot be imported), so tenants it
        // serves have none: left out.
        o.remove("app_type");
        o.insert("callbacks".into(), Value::Null);
        o.insert(
            "grant_types".into(),
            json!([
                "implicit",
                "authorization_code",
                "client_credentials",
                "refresh_token"
            ]),
        );
        o.insert("custom_login_page_on".into(), Value::Bool(false));
    }
    store.items_mut(crate::store::CLIENTS).push(default_app);

    for spec in clients {
        let mut c = new_client(
            &format!("{} (Test Application)", spec.id),
            "non_interactive",
            spec.id.clone(),
            spec.secret.clone().unwrap_or_default(),
        );
        if let Some(o) = c.as_object_mut()
            && let Some(pem) = &spec.public_key_pem
        {
            o.remove("client_secret");
            o.insert("token_endpoint_auth_method".into(), Value::Null);
            let now = crate::util::iso8601(crate::util::now_ms());
            store.credentials.insert(
                spec.id.clone(),
                vec![crate::store::Credential {
                    id: format!("cred_{}", random_alnum(22)),
                    name: String::new(),
                    kid: crate::keys::rsa_public_thumbprint(pem).unwrap_or_default(),
                    alg: "RS256".into(),
                    credential_type: "public_key".into(),
                    pem: pem.clone(),
                    thumbprint: None,
                    created_at: now.clone(),
                    updated_at: now,
                    expires_at: None,
                    subject_dn: None,
                }],
            );
        }
        if let Some(cert) = &spec.certificate_pem
            && let Some(o) = c.as_object_mut()
        {
            o.remove("client_secret");
            o.insert("token_endpoint_auth_method".into(), Value::Null);
            let now = crate::util::iso8601(crate::util::now_ms());
            store
                .credentials
                .entry(spec.id.clone())
                .or_default()
                .push(crate::store::Credential {
                    id: format!("cred_{}", random_alnum(22)),
                    name: String::new(),
                    kid: String::new(),
                    alg: String::new(),
                    credential_type: "x509_cert".into(),
                    pem: cert.clone(),
                    thumbprint: crate::keys::pem_certificate_x5t(cert),
                    created_at: now.clone(),
                    updated_at: now,
                    expires_at: None,
                    subject_dn: None,
                });
        }
        store.items_mut(crate::store::CLIENTS).push(c);
        if spec.public_key_pem.is_some() || spec.certificate_pem.is_some() {
            store.sync_client_credentials(&spec.id);
        }
        if let Some(scopes) = &spec.scopes {
            store
                .items_mut(crate::store::GRANTS)
                .push(new_grant(&spec.id, audience, scopes));
        }
    }

    let app_types = ["regular_web", "spa", "native", "non_interactive"];
    for i in 0..seed_clients {
        let product = PRODUCTS[i % PRODUCTS.len()];
        let env = ENVS[(i / PRODUCTS.len()) % ENVS.len()];
        let app_type = app_types
            .get(random_below(app_types.len() as u64) as usize)
            .copied()
            .unwrap_or("regular_web");
        let name = if i < PRODUCTS.len() * ENVS.len() {
            format!("{product} ({env})")
        } else {
            format!(
                "{product} ({env} {})",
                i / (PRODUCTS.len() * ENVS.len()) + 1
            )
        };
        let id = client_id();
        let c = new_client(&name, app_type, id.clone(), client_secret());
        if app_type == "non_interactive" {
            let n = random_in(1, billing_scopes.len() as u64) as usize;
            let scopes: Vec<String> = billing_scopes[..n].iter().map(|s| s.to_string()).collect();
            store
                .items_mut(crate::store::GRANTS)
                .push(new_grant(&id, billing_api, &scopes));
        }
        store.items_mut(crate::store::CLIENTS).push(c);
    }

    let db = "Username-Password-Authentication";
    for i in 0..seed_users {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i / FIRST.len() + i) % LAST.len()];
        let email = format!(
            "{}.{}{}@example.com",
            first.to_ascii_lowercase(),
            last.to_ascii_lowercase(),
            i + 1
        );
        let created = now.saturating_sub(random_in(1, 400) * day);
        let mut u = new_user(&email, db, created);
        if let Some(o) = u.as_object_mut() {
            let logins: u64 = random_below(250);
            o.insert("name".into(), json!(format!("{first} {last}")));
            o.insert("given_name".into(), json!(first));
            o.insert("family_name".into(), json!(last));
            o.insert("email_verified".into(), json!(random_bool(0.8)));
            o.insert("logins_count".into(), json!(logins));
            if logins > 0 {
                let last_login = created + random_in(0, now.saturating_sub(created).max(1));
                o.insert("last_login".into(), json!(iso8601(last_login)));
                o.insert(
                    "last_ip".into(),
                    json!(format!("203.0.113.{}", random_in(1, 254))),
                );
            }
            o.insert("app_metadata".into(), json!({"plan": PLANS[i % 3]}));
        }
        store.items_mut(crate::store::USERS).push(u);
    }

    if seed_users > 0 {
        seed_organizations(store, billing_api, &billing_scopes);
    }

    // The key that signs the tenant's tokens, and the next one, as `GET /keys/signing` lists
    // them (recordings/go-auth0/TestSigningKey_List.json lists a current and a next key).
    let records: Vec<Value> = crate::keys::signing_keys()
        .unwrap_or_default()
        .iter()
        .take(2)
        .enumerate()
        .filter_map(|(i, k)| {
            let mut record = k.management_record(domain).ok()?;
            record["current"] = Value::Bool(i == 0);
            record["next"] = Value::Bool(i == 1);
            if i == 0 {
                record["current_since"] = Value::from(crate::util::iso8601(crate::util::now_ms()));
            }
            Some(record)
        })
        .collect();
    store
        .collections
        .insert(crate::store::SIGNING_KEYS.to_owned(), records);
    // Every client shows the current key's certificate.
    store.show_signing_keys_on_clients();

    // A new tenant's settings, as recordings/go-auth0/
    // TestTenantManager_CIMDAndResourceParameterProfile.json reads them before its first write
    // (the two settings that test changes read there as TestTenantManager_CountryCodes.json
    // reads them too, before it changes them itself).
    *store.singleton_mut(crate::store::TENANT_SETTINGS) = json!({
        "change_password": {"enabled": false},
        "client_id_metadata_document_supported": false,
        "ephemeral_session_lifetime": 1,
        "idle_ephemeral_session_lifetime": 1,
        "resource_parameter_profile": "audience",
        "enabled_locales": ["en"],
        "flags": {"allow_changing_enable_sso": false, "allow_legacy_delegation_grant_types": true,
                  "allow_legacy_ro_grant_types": true, "allow_other_legacy_grant_types": true,
                  "disable_clickjack_protection_headers": false, "disable_impersonation": true,
                  "enable_sso": true, "revoke_refresh_token_grant": false, "universal_login": true},
        "guardian_mfa_page": {"enabled": false},
        "idle_session_lifetime": 72,
        "oidc_logout": {"rp_logout_end_session_endpoint_discovery": true},
        "phone_consolidated_experience": true,
        "sandbox_version": "22",
        "sandbox_versions_available": ["22", "18"],
        "session_lifetime": 168,
    });

    if seed_users > 0 {
        seed_logs(store, clients, domain);
    }
}

/// The roles (with permissions on the seeded API), organizations and memberships that come
/// with seeded users.
fn seed_organizations(store: &mut Store, billing_api: &str, billing_scopes: &[&str]) {
    for (name, desc) in [
        ("Billing Admin", "Manages invoices and customers"),
        ("Billing Viewer", "Reads invoices"),
        ("Support Agent", "Helps customers"),
    ] {
        let id = format!("rol_{}", random_alnum(16));
        let perms: Vec<Value> = billing_scopes
            .iter()
            .filter(|s| name == "Billing Admin" || s.starts_with("read:"))
            .map(|s| json!({"permission_name": s, "description": scope_description(s),
                            "resource_server_identifier": billing_api, "resource_server_name": "Billing API"}))
            .collect();
        store.role_permissions.insert(id.clone(), perms);
        store
            .items_mut(crate::store::ROLES)
            .push(json!({"id": id, "name": name, "description": desc}));
    }

    for (name, display) in [
        ("acme", "Acme Corporation"),
        ("globex", "Globex"),
        ("initech", "Initech"),
    ] {
        let id = format!("org_{}", random_alnum(16));
        store.items_mut(crate::store::ORGANIZATIONS).push(json!({
            "id": id, "name": name, "display_name": display,
            "branding": {"logo_url": format!("https://{name}.example.com/logo.png"),
                         "colors": {"primary": "#0059d6", "page_background": "#000000"}},
            "metadata": {"tier": "gold"},
        }));
    }
    let user_ids: Vec<String> = store
        .items(crate::store::USERS)
        .iter()
        .filter_map(|u| u["user_id"].as_str().map(String::from))
        .collect();
    let org_ids: Vec<String> = store
        .items(crate::store::ORGANIZATIONS)
        .iter()
        .filter_map(|o| o["id"].as_str().map(String::from))
        .collect();
    let role_ids: Vec<String> = store
        .items(crate::store::ROLES)
        .iter()
        .filter_map(|r| r["id"].as_str().map(String::from))
        .collect();
    for (i, uid) in user_ids.iter().enumerate() {
        if let Some(org) = org_ids.get(i % org_ids.len().max(1)) {
            store
                .org_members
                .entry(org.clone())
                .or_default()
                .push(uid.clone());
        }
        if i % 2 == 0
            && let Some(role) = role_ids.get(i % role_ids.len().max(1))
        {
            store
                .user_roles
                .entry(uid.clone())
                .or_default()
                .push(role.clone());
        }
    }
}

/// The log events of the seeded users' logins.
fn seed_logs(store: &mut Store, clients: &[ClientSpec], domain: &str) {
    let db = "Username-Password-Authentication";
    // Log events name the application they came from, as Auth0's do.
    let first_client = clients.first().map_or("", |c| c.id.as_str());
    for (i, u) in store
        .items(crate::store::USERS)
        .to_vec()
        .iter()
        .take(5)
        .enumerate()
    {
        store.log(
            "s",
            "Success Login",
            json!({"connection": db, "client_id": first_client, "client_name": "Fake Tenant Login",
                   "user_id": u["user_id"], "user_name": u["email"], "strategy": "auth0",
                   "strategy_type": "database", "hostname": domain, "details": {"prompts": [], "session_id": random_alnum(32), "stats": {"loginsCount": i + 1}}}),
        );
    }
}
