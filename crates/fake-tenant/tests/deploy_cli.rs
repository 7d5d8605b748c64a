//! Behaviour of Auth0 that Auth0's Deploy CLI relies on when it exports a tenant and imports it
//! into another (`cargo xtask deploy-cli` runs the tool itself): each test names the recording
//! the behaviour comes from.

mod common;

use common::{api, http_client, token};
use reqwest::Method;
use serde_json::{Value, json};

/// `GET /custom-domains` without `from` or `take` answers a bare array of every domain; with
/// `take` it answers the checkpoint envelope
/// (`go-auth0/TestCustomDomainManager_List.json`,
/// `go-auth0/TestCustomDomainManager_ListWithPagination.json`).
#[tokio::test]
async fn custom_domains_are_listed_bare_unless_a_checkpoint_is_asked_for() {
    let t = common::tenant().await;
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (status, _, list) = api(&t, &http, &tok, Method::GET, "custom-domains", None).await;
    assert_eq!(status, 200);
    assert_eq!(list, json!([]));

    for domain in ["login.example.com", "auth.example.com"] {
        let (status, _, _) = api(
            &t,
            &http,
            &tok,
            Method::POST,
            "custom-domains",
            Some(json!({"domain": domain, "type": "auth0_managed_certs"})),
        )
        .await;
        assert_eq!(status, 201);
    }
    let (_, _, list) = api(&t, &http, &tok, Method::GET, "custom-domains", None).await;
    let domains: Vec<&str> = list
        .as_array()
        .expect("a bare array")
        .iter()
        .filter_map(|d| d["domain"].as_str())
        .collect();
    assert_eq!(domains, ["login.example.com", "auth.example.com"]);
    // Each listed as created: Auth0's id and CNAME record, nothing of the description's sample
    // (`go-auth0/TestCustomDomainManager_List.json`).
    let first = &list[0];
    let id = first["custom_domain_id"]
        .as_str()
        .expect("custom_domain_id");
    assert!(
        id.len() == 19
            && id.starts_with("cd_")
            && id[3..].chars().all(|c| c.is_ascii_alphanumeric()),
        "{id}"
    );
    assert_eq!(
        first["verification"]["methods"][0]["record"],
        Value::from(format!(
            "{}-cd-{}.edge.tenants.us.auth0.com",
            t.domain(),
            id[3..].to_lowercase()
        ))
    );
    assert!(!list.to_string().contains("\"sample\""), "{list}");
    for key in [
        "certificate",
        "custom_client_ip_header",
        "origin_domain_name",
        "tls_policy",
    ] {
        assert!(first.get(key).is_none(), "{key} in {first}");
    }

    let (status, _, page) = api(&t, &http, &tok, Method::GET, "custom-domains?take=1", None).await;
    assert_eq!(status, 200);
    assert_eq!(page["custom_domains"].as_array().map(Vec::len), Some(1));
    assert!(page["next"].is_string(), "{page}");
    let routes = common::routes(&t, &http).await;
    let listing = routes
        .iter()
        .find(|r| r["method"] == "GET" && r["path"] == "/api/v2/custom-domains")
        .expect("listed");
    assert_eq!(
        listing["recorded"]["bare_without_checkpoint"]["recording"],
        Value::from("go-auth0/TestCustomDomainManager_List.json"),
        "{listing}"
    );
}

/// `GET /branding/themes/default` reads the tenant's theme, the one created
/// (`go-auth0/TestBrandingThemeManager_Default.json`); a tenant without one answers Auth0's 404
/// `theme_not_found` (`go-auth0/TestBrandingThemeManager_Delete.json`), where the answer of
/// every required field, placeholders included, was given before.
#[tokio::test]
async fn the_default_theme_is_the_tenant_s_theme_or_a_404() {
    let t = common::tenant().await;
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (status, _, body) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "branding/themes/default",
        None,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["errorCode"], "theme_not_found");

    let theme = json!({
        "displayName": "Our theme",
        "borders": {"button_border_radius": 3, "button_border_weight": 1, "buttons_style": "rounded",
                    "input_border_radius": 3, "input_border_weight": 1, "inputs_style": "rounded",
                    "show_widget_shadow": false, "widget_border_weight": 0, "widget_corner_radius": 5},
        "colors": {"body_text": "#1e212a", "error": "#d03c38", "header": "#1e212a",
                   "icons": "#65676e", "input_background": "#ffffff", "input_border": "#c9cace",
                   "input_filled_text": "#000000", "input_labels_placeholders": "#65676e",
                   "links_focused_components": "#635dff", "primary_button": "#635dff",
                   "primary_button_label": "#ffffff", "secondary_button_border": "#c9cace",
                   "secondary_button_label": "#1e212a", "success": "#13a688",
                   "widget_background": "#ffffff", "widget_border": "#c9cace"},
        "fonts": {"body_text": {"bold": false, "size": 87.5}, "buttons_text": {"bold": false, "size": 100},
                  "font_url": "", "input_labels": {"bold": false, "size": 100},
                  "links": {"bold": true, "size": 87.5}, "links_style": "normal",
                  "reference_text_size": 16, "subtitle": {"bold": false, "size": 87.5},
                  "title": {"bold": false, "size": 150}},
        "page_background": {"background_color": "#000000", "background_image_url": "",
                            "page_layout": "center"},
        "widget": {"header_text_alignment": "center", "logo_height": 52, "logo_position": "center",
                   "logo_url": "", "social_buttons_layout": "bottom"}
    });
    let (status, _, created) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "branding/themes",
        Some(theme),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created["themeId"].as_str().expect("themeId").to_owned();
    let (status, _, read) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "branding/themes/default",
        None,
    )
    .await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["themeId"], id.as_str());
    assert_eq!(read["displayName"], "Our theme");
    assert_eq!(read["widget"]["logo_height"], 52);

    let (status, _, _) = api(
        &t,
        &http,
        &tok,
        Method::DELETE,
        &format!("branding/themes/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _, _) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "branding/themes/default",
        None,
    )
    .await;
    assert_eq!(status, 404);
}

/// A client answer holds no `encrypted`: none of the 107 client answers of the go-auth0
/// recordings (2023–2025, `go-auth0/TestClient_Create.json` among them) has it, though the
/// ruby-auth0 ones of 2021 did. Auth0 refuses it in a create, as the description closes the
/// create body without it, so a client exported and created again must not carry it.
#[tokio::test]
async fn client_answers_hold_no_encrypted_flag_which_a_create_refuses() {
    let t = auth0_m2m_fake::FakeTenant::builder()
        .seed_clients(3)
        .start()
        .await
        .expect("start");
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (status, _, clients) = api(&t, &http, &tok, Method::GET, "clients", None).await;
    assert_eq!(status, 200);
    let clients = clients.as_array().expect("array");
    assert!(clients.len() >= 5, "{clients:?}");
    for c in clients {
        assert!(c.get("encrypted").is_none(), "{c}");
    }
    let (status, _, created) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "clients",
        Some(json!({"name": "Exported", "app_type": "spa"})),
    )
    .await;
    assert_eq!(status, 201);
    assert!(created.get("encrypted").is_none(), "{created}");
    let (status, _, refused) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "clients",
        Some(json!({"name": "Exported again", "encrypted": true})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        refused["message"],
        "Payload validation error: 'Additional properties not allowed: encrypted'."
    );
}

/// A tenant setting sent in minutes is stored and answered in hours, without the `…_in_minutes`
/// field (`go-auth0/TestTenantManager.json`: `idle_ephemeral_session_lifetime_in_minutes: 15`
/// is answered as `idle_ephemeral_session_lifetime: 0.25`); the Deploy CLI sends the session
/// lifetimes this way.
#[tokio::test]
async fn tenant_settings_in_minutes_are_answered_in_hours() {
    let t = common::tenant().await;
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (status, _, patched) = api(
        &t,
        &http,
        &tok,
        Method::PATCH,
        "tenants/settings",
        Some(
            json!({"session_lifetime_in_minutes": 10080, "idle_session_lifetime_in_minutes": 90,
                    "idle_ephemeral_session_lifetime_in_minutes": 15}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    let (_, _, read) = api(&t, &http, &tok, Method::GET, "tenants/settings", None).await;
    for settings in [&patched, &read] {
        assert_eq!(settings["session_lifetime"], json!(168));
        assert_eq!(settings["idle_session_lifetime"], json!(1.5));
        assert_eq!(settings["idle_ephemeral_session_lifetime"], json!(0.25));
        let keys: Vec<&String> = settings.as_object().expect("object").keys().collect();
        assert!(keys.iter().all(|k| !k.ends_with("_in_minutes")), "{keys:?}");
    }
    let (status, _, refused) = api(
        &t,
        &http,
        &tok,
        Method::PATCH,
        "tenants/settings",
        Some(json!({"session_lifetime_in_minutes": "an hour"})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        refused["message"],
        "Payload validation error: 'Expected type integer but found type string' on property session_lifetime_in_minutes."
    );
    let (_, _, read) = api(&t, &http, &tok, Method::GET, "tenants/settings", None).await;
    assert_eq!(read["session_lifetime"], json!(168));
}

/// A client's `jwt_configuration` keeps `secret_encoded` when a create or an update sends one
/// without it (`go-auth0/TestClientAuthenticationMethods_GetPrivateKeyJWT.json`,
/// `go-auth0/TestClient_Update.json`); the Deploy CLI leaves it out of every update.
#[tokio::test]
async fn jwt_configuration_keeps_secret_encoded_through_create_and_update() {
    let t = common::tenant().await;
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (status, _, created) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "clients",
        Some(json!({"name": "Signed", "jwt_configuration": {"alg": "PS256"}})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        created["jwt_configuration"],
        json!({"alg": "PS256", "secret_encoded": false})
    );
    let id = created["client_id"].as_str().expect("client_id");
    let (status, _, updated) = api(
        &t,
        &http,
        &tok,
        Method::PATCH,
        &format!("clients/{id}"),
        Some(json!({"jwt_configuration": {"alg": "RS256", "lifetime_in_seconds": 600}})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        updated["jwt_configuration"],
        json!({"alg": "RS256", "lifetime_in_seconds": 600, "secret_encoded": false})
    );
    let (_, _, read) = api(&t, &http, &tok, Method::GET, &format!("clients/{id}"), None).await;
    assert_eq!(read["jwt_configuration"], updated["jwt_configuration"]);
}

/// `GET /branding/templates/universal-login` answers the 404 the description documents
/// ("Template does not exist.") until a template is put
/// (`go-auth0/TestBrandingManager_UniversalLogin.json` puts one, reads it and deletes it); the
/// Deploy CLI reads it whenever the tenant has a custom domain, and writes what it reads.
#[tokio::test]
async fn the_universal_login_template_does_not_exist_until_put() {
    let t = common::tenant().await;
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let path = "branding/templates/universal-login";
    let (status, _, body) = api(&t, &http, &tok, Method::GET, path, None).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["message"], "Template does not exist.");
    let template = "<!DOCTYPE html><html><head>{%- auth0:head -%}</head><body>{%- auth0:widget -%}</body></html>";
    let (status, _, _) = api(
        &t,
        &http,
        &tok,
        Method::PUT,
        path,
        Some(json!({"template": template})),
    )
    .await;
    assert!(status == 200 || status == 201 || status == 204, "{status}");
    let (status, _, body) = api(&t, &http, &tok, Method::GET, path, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["body"], template);
    let (status, _, _) = api(&t, &http, &tok, Method::DELETE, path, None).await;
    assert_eq!(status, 204);
    let (status, _, _) = api(&t, &http, &tok, Method::GET, path, None).await;
    assert_eq!(status, 404);
}

/// Auth0 builds an action on its own after a create (`pending`, `building`, `built`); the fake
/// moves it a step at each read, a list's included. A deploy leaves the action with its changes
/// deployed and the version it runs (`go-auth0/TestActionManager_CreateWithDeploy.json` reads
/// `all_changes_deployed: true` and `deployed_version`); an update is a draft not deployed.
#[tokio::test]
async fn actions_build_on_list_reads_and_deploys_show_on_the_action() {
    let t = common::tenant().await;
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (status, _, created) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        "actions/actions",
        Some(
            json!({"name": "add-claims", "code": "exports.onExecutePostLogin = async () => {};",
                    "supported_triggers": [{"id": "post-login", "version": "v3"}]}),
        ),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(created["status"], "pending");
    let id = created["id"].as_str().expect("id").to_owned();
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let (_, _, list) = api(&t, &http, &tok, Method::GET, "actions/actions", None).await;
        statuses.push(list["actions"][0]["status"].clone());
    }
    assert_eq!(
        statuses,
        [json!("building"), json!("built"), json!("built")]
    );

    let (status, _, version) = api(
        &t,
        &http,
        &tok,
        Method::POST,
        &format!("actions/actions/{id}/deploy"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{version}");
    let (_, _, action) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        &format!("actions/actions/{id}"),
        None,
    )
    .await;
    assert_eq!(action["all_changes_deployed"], true, "{action}");
    assert_eq!(action["deployed_version"]["id"], version["id"], "{action}");
    assert_eq!(action["deployed_version"]["deployed"], true, "{action}");

    let (status, _, updated) = api(
        &t,
        &http,
        &tok,
        Method::PATCH,
        &format!("actions/actions/{id}"),
        Some(json!({"code": "exports.onExecutePostLogin = async (event) => {};"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["all_changes_deployed"], false, "{updated}");
    assert_eq!(updated["status"], "pending");
}

/// A tenant lists the triggers actions bind to (`go-auth0/TestActionManager_Triggers.json`), and
/// a trigger's bindings, put with a `PATCH` naming each action by id or name, are answered and
/// listed with their id, trigger, display name and action
/// (`go-auth0/TestActionManager_Bindings.json`); the Deploy CLI exports each binding by the
/// name of its action.
#[tokio::test]
async fn triggers_are_listed_and_bindings_name_their_actions() {
    let t = common::tenant().await;
    let http = http_client(&t);
    let tok = token(&t, &http).await;
    let (status, _, triggers) = api(&t, &http, &tok, Method::GET, "actions/triggers", None).await;
    assert_eq!(status, 200);
    let current: Vec<&str> = triggers["triggers"]
        .as_array()
        .expect("triggers")
        .iter()
        .filter(|t| t["status"] == "CURRENT")
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert!(
        current.contains(&"post-login") && current.contains(&"credentials-exchange"),
        "{current:?}"
    );

    let mut ids = Vec::new();
    for name in ["first", "second"] {
        let (_, _, action) = api(
            &t,
            &http,
            &tok,
            Method::POST,
            "actions/actions",
            Some(
                json!({"name": name, "code": "exports.onExecutePostLogin = async () => {};",
                        "supported_triggers": [{"id": "post-login", "version": "v3"}]}),
            ),
        )
        .await;
        ids.push(action["id"].as_str().expect("id").to_owned());
    }
    let (status, _, patched) = api(
        &t,
        &http,
        &tok,
        Method::PATCH,
        "actions/triggers/post-login/bindings",
        Some(json!({"bindings": [
            {"ref": {"type": "action_id", "value": ids[0]}, "display_name": "First"},
            {"ref": {"type": "action_name", "value": "second"}}
        ]})),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    let (status, _, listed) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "actions/triggers/post-login/bindings",
        None,
    )
    .await;
    assert_eq!(status, 200);
    for answer in [&patched, &listed] {
        let bindings = answer["bindings"].as_array().expect("bindings");
        assert_eq!(bindings.len(), 2, "{answer}");
        assert_eq!(bindings[0]["action"]["id"], ids[0].as_str());
        assert_eq!(bindings[0]["display_name"], "First");
        assert_eq!(bindings[1]["action"]["name"], "second");
        assert_eq!(bindings[1]["display_name"], "second");
        for b in bindings {
            assert_eq!(b["trigger_id"], "post-login");
            assert_eq!(b["id"].as_str().map(str::len), Some(36), "{b}");
        }
    }
    assert_eq!(listed["bindings"][0]["id"], patched["bindings"][0]["id"]);
    let (_, _, other) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "actions/triggers/credentials-exchange/bindings",
        None,
    )
    .await;
    assert_eq!(other["bindings"], json!([]));
    let (_, _, _) = api(
        &t,
        &http,
        &tok,
        Method::PATCH,
        "actions/triggers/post-login/bindings",
        Some(json!({"bindings": []})),
    )
    .await;
    let (_, _, emptied) = api(
        &t,
        &http,
        &tok,
        Method::GET,
        "actions/triggers/post-login/bindings",
        None,
    )
    .await;
    assert_eq!(emptied["bindings"], json!([]));
}
