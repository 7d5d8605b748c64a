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
