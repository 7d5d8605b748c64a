//! Where Auth0, as recorded, answers otherwise than its description says, or where the
//! description leaves a value open that the recordings fix (id formats). Each entry names the
//! newest recording (under `recordings/` of Auth0's reference data) that shows it. Nothing here
//! imports the routes: the route table and the behaviours read it.

/// The SCIM attribute mapping Auth0 gives a connection's SCIM configuration when none is sent
/// (recordings/go-auth0/TestConnectionManager_CreateSCIMConfigurationWithoutBody.json), which
/// `GET /connections/{id}/scim-configuration/default-mapping` reads too.
macro_rules! scim_default_mapping {
    () => {
        r#"[{"auth0":"preferred_username","scim":"userName"},{"auth0":"email","scim":"emails[primary eq true].value"},{"auth0":"app_metadata.external_id","scim":"externalId"},{"auth0":"blocked","scim":"active"},{"auth0":"name","scim":"displayName"},{"auth0":"given_name","scim":"name.givenName"},{"auth0":"family_name","scim":"name.familyName"},{"auth0":"app_metadata.middle_name","scim":"name.middleName"},{"auth0":"app_metadata.honorific_prefix","scim":"name.honorificPrefix"},{"auth0":"app_metadata.honorific_suffix","scim":"name.honorificSuffix"},{"auth0":"nickname","scim":"nickName"},{"auth0":"picture","scim":"photos[type eq \"photo\"].value"},{"auth0":"app_metadata.primary_phone_number","scim":"phoneNumbers[primary eq true].value"},{"auth0":"app_metadata.mobile_phone_number","scim":"phoneNumbers[type eq \"mobile\"].value"},{"auth0":"app_metadata.street_address","scim":"addresses[type eq \"work\"].streetAddress"},{"auth0":"app_metadata.city","scim":"addresses[type eq \"work\"].locality"},{"auth0":"app_metadata.state","scim":"addresses[type eq \"work\"].region"},{"auth0":"app_metadata.postal_code","scim":"addresses[type eq \"work\"].postalCode"},{"auth0":"app_metadata.postal_address","scim":"addresses[type eq \"work\"].formatted"},{"auth0":"app_metadata.country","scim":"addresses[type eq \"work\"].country"},{"auth0":"app_metadata.profile_url","scim":"profileUrl"},{"auth0":"app_metadata.user_type","scim":"userType"},{"auth0":"app_metadata.title","scim":"title"},{"auth0":"app_metadata.language","scim":"preferredLanguage"},{"auth0":"app_metadata.locale","scim":"locale"},{"auth0":"app_metadata.timezone","scim":"timezone"},{"auth0":"app_metadata.employee_id","scim":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.employeeNumber"},{"auth0":"app_metadata.cost_center","scim":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.costCenter"},{"auth0":"app_metadata.organization","scim":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.organization"},{"auth0":"app_metadata.division","scim":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.division"},{"auth0":"app_metadata.department","scim":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.department"},{"auth0":"app_metadata.manager","scim":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.manager"}]"#
    };
}

/// How the characters of an id are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Alphabet {
    /// ASCII letters and digits.
    Alphanumeric,
    /// Lowercase hexadecimal digits.
    Hex,
    /// A UUID (`8-4-4-4-12` hexadecimal digits); the length is ignored.
    Uuid,
    /// Uppercase Crockford base 32 (a ULID).
    Ulid,
}

/// The format of the ids Auth0 gives the items of one collection.
#[derive(Debug)]
pub(crate) struct IdFormat {
    /// The collection's path template (`/connections`, `/clients/{id}/credentials`).
    pub(crate) collection: &'static str,
    /// What every id starts with (`con_`).
    pub(crate) prefix: &'static str,
    /// How many characters follow the prefix.
    pub(crate) len: usize,
    /// Which characters follow it.
    pub(crate) alphabet: Alphabet,
    /// The recording that shows the format.
    pub(crate) recording: &'static str,
}

const fn id(
    collection: &'static str,
    prefix: &'static str,
    len: usize,
    alphabet: Alphabet,
    recording: &'static str,
) -> IdFormat {
    IdFormat {
        collection,
        prefix,
        len,
        alphabet,
        recording,
    }
}

use Alphabet::{Alphanumeric as A, Hex, Ulid, Uuid};

/// The id formats of the collections, as the recordings show them (`{type}` in a prefix stands
/// for the item's `type`).
pub(crate) const ID_FORMATS: &[IdFormat] = &[
    id(
        "/connections/{id}/scim-configuration/tokens",
        "tok_",
        16,
        A,
        "go-auth0/TestConnectionManager_CreateSCIMToken.json",
    ),
    id(
        "/users/{id}/authentication-methods",
        "{type}|dev_",
        16,
        A,
        "go-auth0/TestUserManager_AuthenticationMethods.json",
    ),
    id(
        "/keys/encryption",
        "",
        36,
        Uuid,
        "go-auth0/TestEncryptionKeyManager_Read.json",
    ),
    id(
        "/actions/actions",
        "",
        36,
        Uuid,
        "go-auth0/TestActionManager_Bindings.json",
    ),
    id(
        "/branding/phone/providers",
        "pro_",
        22,
        A,
        "go-auth0/TestBrandingManager_CreatePhoneProvider.json",
    ),
    id(
        "/branding/phone/templates",
        "tem_",
        22,
        A,
        "go-auth0/TestBrandingManager_CreatePhoneNotificationTemplate.json",
    ),
    id(
        "/client-grants",
        "cgr_",
        16,
        A,
        "go-auth0/TestClientGrantManager_Organizations.json",
    ),
    id(
        "/clients/{client_id}/credentials",
        "cred_",
        22,
        A,
        "go-auth0/TestClient_CreateAllCredential_Should_create_PrivateJWT_Credential.json",
    ),
    id(
        "/connections",
        "con_",
        16,
        A,
        "go-auth0/TestConnectionManager_Delete.json",
    ),
    id(
        "/custom-domains",
        "cd_",
        16,
        A,
        "go-auth0/TestCustomDomainManager_List.json",
    ),
    id(
        "/event-streams",
        "est_",
        22,
        A,
        "go-auth0/TestEventStreamManager_CreateTypeEventBridge.json",
    ),
    id(
        "/flows",
        "af_",
        22,
        A,
        "go-auth0/TestFlowManager_Create.json",
    ),
    id(
        "/flows/vault/connections",
        "ac_",
        22,
        A,
        "go-auth0/TestFlowVaultConnectionManager_Create.json",
    ),
    id(
        "/forms",
        "ap_",
        22,
        A,
        "go-auth0/TestFormManager_Create.json",
    ),
    id(
        "/hooks",
        "",
        26,
        Ulid,
        "go-auth0/TestHookManager_Create.json",
    ),
    id(
        "/jobs",
        "job_",
        16,
        A,
        "go-auth0/TestJobManager_VerifyEmail.json",
    ),
    id(
        "/log-streams",
        "lst_",
        16,
        A,
        "go-auth0/TestLogStreamManager_Create_It_can_successfully_create_a_AmazonEventBridge_LogStream.json",
    ),
    id(
        "/network-acls",
        "",
        36,
        Uuid,
        "go-auth0/TestNetworkACLManager_Create.json",
    ),
    id(
        "/organizations",
        "org_",
        16,
        A,
        "go-auth0/TestClientGrantManager_Organizations.json",
    ),
    id(
        "/organizations/{id}/discovery-domains",
        "ord_",
        22,
        A,
        "go-auth0/TestOrganizationManager_CreateDiscoveryDomain.json",
    ),
    id(
        "/organizations/{id}/invitations",
        "uinv_",
        16,
        A,
        "go-auth0/TestOrganizationManager_CreateInvitation.json",
    ),
    id(
        "/resource-servers",
        "",
        24,
        Hex,
        "ruby-auth0/Auth0_Api_V2_ResourceServers_create_test_server.json",
    ),
    id(
        "/roles",
        "rol_",
        16,
        A,
        "ruby-auth0/Auth0_Api_V2_Roles_create_test_role.json",
    ),
    id(
        "/rules",
        "rul_",
        16,
        A,
        "ruby-auth0/Auth0_Api_V2_Rules_create_test_disabled_rule.json",
    ),
    id(
        "/self-service-profiles",
        "ssp_",
        22,
        A,
        "go-auth0/TestSelfServiceProfileManager_Create.json",
    ),
    id(
        "/token-exchange-profiles",
        "tep_",
        16,
        A,
        "go-auth0/TestTokenExchangeProfileManager_Create.json",
    ),
    id(
        "/user-attribute-profiles",
        "uap_",
        22,
        A,
        "go-auth0/TestClient_ExpressConfiguration.json",
    ),
];

/// The id format of the collection at `template`, if the recordings show one.
pub(crate) fn id_format(template: &str) -> Option<&'static IdFormat> {
    ID_FORMATS.iter().find(|f| f.collection == template)
}

/// A new id in `format`.
pub(crate) fn new_id(format: &IdFormat) -> String {
    use crate::util::{random_chars, random_uuid};
    let body = match format.alphabet {
        Alphabet::Alphanumeric => random_chars(
            format.len,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        ),
        Alphabet::Hex => random_chars(format.len, b"0123456789abcdef"),
        Alphabet::Ulid => random_chars(format.len, b"0123456789ABCDEFGHJKMNPQRSTVWXYZ"),
        Alphabet::Uuid => random_uuid(),
    };
    format!("{}{body}", format.prefix)
}

/// A success status the recordings show where the description gives another.
#[derive(Debug)]
pub(crate) struct Status {
    /// The HTTP method.
    pub(crate) method: &'static str,
    /// The path template below `/api/v2`.
    pub(crate) path: &'static str,
    /// The status Auth0 answers.
    pub(crate) status: u16,
    /// Whether the answer is `{"deleted_at": …}` (a deletion Auth0 completes later).
    pub(crate) deleted_at: bool,
    /// The recording that shows it.
    pub(crate) recording: &'static str,
}

/// The statuses the recordings show where the description gives another (or several).
pub(crate) const STATUSES: &[Status] = &[
    Status {
        method: "DELETE",
        path: "/connections/{id}",
        status: 202,
        deleted_at: true,
        recording: "go-auth0/TestConnectionManager_IDTokenSessionExpirySupportedForOktaAndOIDC.json",
    },
    Status {
        method: "POST",
        path: "/actions/actions/{id}/deploy",
        status: 200,
        deleted_at: false,
        recording: "go-auth0/TestActionManager_Deploy.json",
    },
    Status {
        method: "POST",
        path: "/actions/actions/{actionId}/versions/{id}/deploy",
        status: 200,
        deleted_at: false,
        recording: "go-auth0/TestActionManager_DeployVersion.json",
    },
    // Every recording of the create answers 200, the newest too (…_List.json); the newest
    // creates of forms and flows answer 201 as described (TestFormManager_Update.json,
    // TestFlowManager_Update.json), so those keep the description's status.
    Status {
        method: "POST",
        path: "/flows/vault/connections",
        status: 200,
        deleted_at: false,
        recording: "go-auth0/TestFlowVaultConnectionManager_List.json",
    },
    Status {
        method: "POST",
        path: "/organizations/{id}/invitations",
        status: 201,
        deleted_at: false,
        recording: "go-auth0/TestOrganizationManager_CreateInvitation.json",
    },
    Status {
        method: "DELETE",
        path: "/network-acls/{id}",
        status: 200,
        deleted_at: false,
        recording: "go-auth0/TestNetworkACLManager_Delete.json",
    },
];

/// The body of a success the recordings show where the description gives none (or another).
#[derive(Debug, Clone, Copy)]
pub(crate) enum RecordedBody {
    /// `{}`.
    EmptyObject,
    /// What the operation stored: the item or setting as it now is.
    Stored,
    /// This JSON.
    Fixed(&'static str),
}

/// An answer body the recordings show for one operation.
#[derive(Debug)]
pub(crate) struct RecordedAnswer {
    /// The HTTP method.
    pub(crate) method: &'static str,
    /// The path template below `/api/v2`.
    pub(crate) path: &'static str,
    /// The body Auth0 answers.
    pub(crate) body: RecordedBody,
    /// The recording that shows it.
    pub(crate) recording: &'static str,
}

const fn recorded(
    method: &'static str,
    path: &'static str,
    body: RecordedBody,
    recording: &'static str,
) -> RecordedAnswer {
    RecordedAnswer {
        method,
        path,
        body,
        recording,
    }
}

use RecordedBody::{EmptyObject, Fixed, Stored};

/// The answer bodies the recordings show where the description gives none or another.
pub(crate) const RECORDED_ANSWERS: &[RecordedAnswer] = &[
    recorded(
        "POST",
        "/branding/phone/templates/{id}/try",
        Fixed(r#"{"code":202,"message":"Test notification successfully sent for processing"}"#),
        "go-auth0/TestBrandingManager_TryPhoneNotificationTemplate.json",
    ),
    recorded(
        "POST",
        "/branding/phone/providers/{id}/try",
        Fixed(r#"{"code":202,"message":"Test notification successfully sent for processing"}"#),
        "go-auth0/TestBrandingManager_TryPhoneProvider.json",
    ),
    recorded(
        "PUT",
        "/branding/templates/universal-login",
        EmptyObject,
        "go-auth0/TestBrandingManager_UniversalLogin.json",
    ),
    recorded(
        "PUT",
        "/prompts/{prompt}/partials",
        Stored,
        "go-auth0/TestPromptManager_CreatePartials.json",
    ),
    recorded(
        "PUT",
        "/prompts/{prompt}/custom-text/{language}",
        Stored,
        "go-auth0/TestPromptCustomText.json",
    ),
    recorded(
        "POST",
        "/hooks/{id}/secrets",
        EmptyObject,
        "go-auth0/TestHookManager_CreateSecrets.json",
    ),
    recorded(
        "PATCH",
        "/hooks/{id}/secrets",
        EmptyObject,
        "go-auth0/TestHookManager_UpdateSecrets.json",
    ),
    recorded(
        "DELETE",
        "/network-acls/{id}",
        Fixed(r#"{"code":204,"object":""}"#),
        "go-auth0/TestNetworkACLManager_Delete.json",
    ),
    recorded(
        "PATCH",
        "/token-exchange-profiles/{id}",
        Stored,
        "go-auth0/TestTokenExchangeProfileManager_Update.json",
    ),
    recorded(
        "DELETE",
        "/sessions/{id}",
        EmptyObject,
        "go-auth0/TestSessionManager_Delete.json",
    ),
    recorded(
        "POST",
        "/sessions/{id}/revoke",
        EmptyObject,
        "go-auth0/TestSessionManager_Revoke.json",
    ),
    recorded(
        "DELETE",
        "/users/{user_id}/refresh-tokens",
        EmptyObject,
        "go-auth0/TestUserManager_DeleteRefreshTokens.json",
    ),
    recorded(
        "DELETE",
        "/users/{user_id}/sessions",
        EmptyObject,
        "go-auth0/TestUserManager_DeleteUserSessions.json",
    ),
    recorded(
        "POST",
        "/event-streams/{id}/redeliver/{event_id}",
        EmptyObject,
        "go-auth0/TestEventStreamManager_Integration.json",
    ),
];

/// The recorded answer body of `method` on `path` (a template), if one overrides the
/// description's.
pub(crate) fn recorded_answer(method: &str, path: &str) -> Option<&'static RecordedAnswer> {
    RECORDED_ANSWERS
        .iter()
        .find(|a| a.method == method && a.path == path)
}

/// The key a checkpoint page asked for with `take` or `from` holds its items under where the
/// description gives the page as a bare array: `(list, key, recording)`.
pub(crate) const CHECKPOINT_KEYS: &[(&str, &str, &str)] = &[(
    "/event-streams/{id}/deliveries",
    "deliveries",
    "go-auth0/TestEventStreamManager_Integration.json",
)];

/// The key of a checkpoint page of `list` (a template) where a recording shows one the
/// description lacks.
pub(crate) fn checkpoint_key(list: &str) -> Option<&'static str> {
    CHECKPOINT_KEYS
        .iter()
        .find(|(l, _, _)| *l == list)
        .map(|(_, k, _)| *k)
}

/// The checkpoint lists whose every page that holds items has a `next` cursor, the last page
/// too (the page after it is empty and has none), as `(list, recording)`: the members'
/// recording reads one member with a `next` on a page of `take=2`, then an empty page.
pub(crate) const NEXT_ON_EVERY_PAGE: &[(&str, &str)] = &[
    (
        "/organizations/{id}/members",
        "go-auth0/TestOrganizationManager_MembersCheckpointPagination.json",
    ),
    // Four deliveries, and then one, with `next` on pages of `take=50`.
    (
        "/event-streams/{id}/deliveries",
        "go-auth0/TestEventStreamManager_Integration.json",
    ),
];

/// Whether every checkpoint page of `list` (a template) that holds items has a `next` cursor.
pub(crate) fn next_on_every_page(list: &str) -> bool {
    NEXT_ON_EVERY_PAGE.iter().any(|(l, _)| *l == list)
}

/// What a route the description lacks holds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Undescribed {
    /// A setting: `GET` reads it (this JSON before any write), `PUT` replaces it, `PATCH`
    /// merges into it; both answer it.
    Setting(&'static str),
    /// A list: `POST` appends the body and answers 204, `GET` lists what was appended (the
    /// query's fields that items hold filter it).
    List,
    /// An event stream's delivery counts by day over the last two weeks, read by `GET`.
    StreamStats,
}

/// A route Auth0 serves, as recorded, that the description lacks.
#[derive(Debug)]
pub(crate) struct UndescribedRoute {
    /// The path below `/api/v2`.
    pub(crate) path: &'static str,
    /// What it holds.
    pub(crate) kind: Undescribed,
    /// The scope a read needs.
    pub(crate) read_scope: &'static str,
    /// The scope a write needs.
    pub(crate) write_scope: &'static str,
    /// The recording that shows it.
    pub(crate) recording: &'static str,
}

/// The routes Auth0 serves that the description lacks.
pub(crate) const UNDESCRIBED_ROUTES: &[UndescribedRoute] = &[
    UndescribedRoute {
        path: "/guardian/factors/webauthn-roaming/settings",
        kind: Undescribed::Setting(
            r#"{"overrideRelyingParty":false,"userVerification":"required"}"#,
        ),
        read_scope: "read:guardian_factors",
        write_scope: "update:guardian_factors",
        recording: "go-auth0/TestGuardian_MultiFactor_WebAuthn_Roaming_Settings.json",
    },
    UndescribedRoute {
        path: "/guardian/factors/webauthn-platform/settings",
        kind: Undescribed::Setting(r#"{"overrideRelyingParty":false}"#),
        read_scope: "read:guardian_factors",
        write_scope: "update:guardian_factors",
        recording: "go-auth0/TestGuardian_MultiFactor_WebAuthn_Platform_Settings.json",
    },
    UndescribedRoute {
        path: "/prompts/mfa-push",
        kind: Undescribed::Setting("{}"),
        read_scope: "read:prompts",
        write_scope: "update:prompts",
        recording: "go-auth0/TestGuardian_MultiFactor_Push_CustomApp.json",
    },
    UndescribedRoute {
        path: "/event-streams/{id}/stats",
        kind: Undescribed::StreamStats,
        read_scope: "read:event_streams",
        write_scope: "update:event_streams",
        recording: "go-auth0/TestEventStreamManager_Integration.json",
    },
    UndescribedRoute {
        path: "/blacklists/tokens",
        kind: Undescribed::List,
        read_scope: "blacklist:tokens",
        write_scope: "blacklist:tokens",
        recording: "go-auth0/TestBlacklist.json",
    },
];

/// The route the description lacks at `path` (below `/api/v2`), if Auth0 serves one there;
/// a `{…}` segment of a route's path matches any one segment.
pub(crate) fn undescribed_route(path: &str) -> Option<&'static UndescribedRoute> {
    UNDESCRIBED_ROUTES.iter().find(|r| {
        let (mut want, mut got) = (r.path.split('/'), path.split('/'));
        loop {
            match (want.next(), got.next()) {
                (None, None) => return true,
                (Some(w), Some(g)) if w == g || (w.starts_with('{') && !g.is_empty()) => {}
                _ => return false,
            }
        }
    })
}

/// The recorded status of `method` on `path`, if it overrides the description's.
pub(crate) fn status(method: &str, path: &str) -> Option<&'static Status> {
    STATUSES
        .iter()
        .find(|s| s.method == method && s.path == path)
}

/// Deleting what is not there succeeds, as deleting it did: Auth0's deletions are idempotent.
/// Each collection a recording shows deleting twice, with that recording; the fake applies the
/// rule to every deletion of an item.
pub(crate) const IDEMPOTENT_DELETES: &[(&str, &str)] = &[
    (
        "/client-grants/{id}",
        "go-auth0/TestOrganizationManager_ClientGrantsWithOrg.json",
    ),
    ("/clients/{id}", "go-auth0/TestClient_Delete.json"),
    (
        "/clients/{client_id}/credentials/{credential_id}",
        "go-auth0/TestClient_DeleteCredential.json",
    ),
    (
        "/connections/{id}",
        "go-auth0/TestConnectionManager_Delete.json",
    ),
    (
        "/connections/{id}/scim-configuration",
        "go-auth0/TestConnectionManager_DeleteSCIMConfiguration.json",
    ),
    (
        "/custom-domains/{id}",
        "go-auth0/TestCustomDomainManager_Delete.json",
    ),
    (
        "/device-credentials/{id}",
        "go-auth0/TestDeviceCredentials_Delete.json",
    ),
    (
        "/emails/provider",
        "go-auth0/TestEmailProviderManager_Delete.json",
    ),
    (
        "/event-streams/{id}",
        "go-auth0/TestEventStreamManager_Update.json",
    ),
    (
        "/keys/encryption/{kid}",
        "go-auth0/TestEncryptionKeyManager_Delete.json",
    ),
    (
        "/log-streams/{id}",
        "go-auth0/TestLogStreamManager_Delete_It_can_successfully_delete_a_Sumo_LogStream.json",
    ),
    (
        "/organizations/{id}/discovery-domains/{discovery_domain_id}",
        "go-auth0/TestOrganizationManager_DeleteDiscoveryDomain.json",
    ),
    (
        "/resource-servers/{id}",
        "go-auth0/TestResourceServer_Delete.json",
    ),
    (
        "/rules-configs/{key}",
        "go-auth0/TestRuleConfigManager_Delete.json",
    ),
    ("/rules/{id}", "go-auth0/TestRuleManager_Delete.json"),
    (
        "/self-service-profiles/{id}",
        "go-auth0/TestSelfServiceProfileManager_Delete.json",
    ),
    (
        "/token-exchange-profiles/{id}",
        "go-auth0/TestTokenExchangeProfileManager_Delete.json",
    ),
    (
        "/user-attribute-profiles/{id}",
        "go-auth0/TestUserAttributeProfileManager_Delete.json",
    ),
    ("/users/{id}", "go-auth0/TestUserManager_Delete.json"),
];

/// Whether the recordings show deleting the item at `path` (a template) twice succeeding.
pub(crate) fn idempotent_delete(path: &str) -> bool {
    IDEMPOTENT_DELETES.iter().any(|(p, _)| *p == path)
}

/// What a fresh tenant answers for a setting nobody has written yet.
#[derive(Debug)]
pub(crate) enum FreshAnswer {
    /// This value (JSON); `{domain}` in it stands for the tenant's domain.
    Value(&'static str),
    /// Auth0's 404 with this message and error code: the setting does not exist until it is
    /// written.
    NotFound {
        /// The body's `message`.
        message: &'static str,
        /// The body's `errorCode`, where Auth0's answer is known to hold one.
        error_code: Option<&'static str>,
    },
}

/// A setting's answer on a fresh tenant, where the recordings show one; other settings answer
/// the fields their schema requires, and nothing else.
#[derive(Debug)]
pub(crate) struct FreshSetting {
    /// The setting's path template.
    pub(crate) path: &'static str,
    /// Its answer before any write.
    pub(crate) answer: FreshAnswer,
    /// The recording that shows it.
    pub(crate) recording: &'static str,
}

/// The settings whose answer before any write a recording shows.
pub(crate) const FRESH_SETTINGS: &[FreshSetting] = &[
    FreshSetting {
        path: "/emails/provider",
        answer: FreshAnswer::NotFound {
            message: "There is not a configured email provider",
            error_code: Some("inexistent_email_provider"),
        },
        recording: "ruby-auth0/Auth0_Api_V2_Emails__delete_provider_should_throw_an_error_trying_to_get_the_email_provider.json",
    },
    FreshSetting {
        // The recording puts a template before reading one and deletes it after; a tenant
        // without one answers the 404 the description documents, with its message.
        path: "/branding/templates/universal-login",
        answer: FreshAnswer::NotFound {
            message: "Template does not exist.",
            error_code: None,
        },
        recording: "go-auth0/TestBrandingManager_UniversalLogin.json",
    },
    FreshSetting {
        // The triggers an action can be bound to, as a tenant lists them.
        path: "/actions/triggers",
        answer: FreshAnswer::Value(
            r#"{"triggers":[{"compatible_triggers":[],"default_runtime":"node12","id":"post-login","runtimes":["node12"],"status":"DEPRECATED","version":"v1"},{"compatible_triggers":[],"default_runtime":"node16","id":"post-login","runtimes":["node12","node16","node18"],"status":"DEPRECATED","version":"v2"},{"compatible_triggers":[{"id":"post-login","version":"v2"}],"default_runtime":"node16","id":"post-login","runtimes":["node12","node16","node18"],"status":"CURRENT","version":"v3"},{"compatible_triggers":[],"default_runtime":"node16","id":"credentials-exchange","runtimes":["node12","node16","node18"],"status":"CURRENT","version":"v2"},{"compatible_triggers":[],"default_runtime":"node12","id":"credentials-exchange","runtimes":["node12"],"status":"DEPRECATED","version":"v1"},{"compatible_triggers":[],"default_runtime":"node12","id":"pre-user-registration","runtimes":["node12"],"status":"DEPRECATED","version":"v1"},{"compatible_triggers":[],"default_runtime":"node16","id":"pre-user-registration","runtimes":["node12","node16","node18"],"status":"CURRENT","version":"v2"},{"compatible_triggers":[],"default_runtime":"node12","id":"post-user-registration","runtimes":["node12"],"status":"DEPRECATED","version":"v1"},{"compatible_triggers":[],"default_runtime":"node16","id":"post-user-registration","runtimes":["node12","node16","node18"],"status":"CURRENT","version":"v2"},{"compatible_triggers":[],"default_runtime":"node16","id":"post-change-password","runtimes":["node12","node16","node18"],"status":"CURRENT","version":"v2"},{"compatible_triggers":[],"default_runtime":"node12","id":"post-change-password","runtimes":["node12"],"status":"DEPRECATED","version":"v1"},{"compatible_triggers":[],"id":"send-phone-message","runtimes":["node12"],"status":"DEPRECATED","version":"v1"},{"compatible_triggers":[],"default_runtime":"node16","id":"send-phone-message","runtimes":["node12","node16","node18"],"status":"CURRENT","version":"v2"}]}"#,
        ),
        recording: "go-auth0/TestActionManager_Triggers.json",
    },
    FreshSetting {
        path: "/custom-domains/default",
        answer: FreshAnswer::Value(r#"{"domain":"{domain}"}"#),
        recording: "go-auth0/TestCustomDomainManager_ReadDefault_Canonical_domain.json",
    },
    FreshSetting {
        path: "/guardian/policies",
        answer: FreshAnswer::Value("[]"),
        recording: "go-auth0/TestGuardian_MultiFactor_Policy.json",
    },
    FreshSetting {
        path: "/guardian/factors/phone/message-types",
        answer: FreshAnswer::Value(r#"{"message_types":[]}"#),
        recording: "go-auth0/TestGuardian_MultiFactor_Phone_Message-types.json",
    },
    FreshSetting {
        path: "/risk-assessments/settings",
        answer: FreshAnswer::Value(r#"{"enabled":false}"#),
        recording: "go-auth0/TestRiskAssessmentManager_ReadSettings.json",
    },
    FreshSetting {
        path: "/risk-assessments/settings/new-device",
        answer: FreshAnswer::Value(r#"{"remember_for":30}"#),
        recording: "go-auth0/TestRiskAssessmentManager_ReadNewDeviceSettings.json",
    },
    // The three attack protections: the keys a tenant reads as the recordings show them, the
    // values those of a new tenant as Auth0's attack-protection documentation gives them
    // (brute-force protection and suspicious IP throttling on, breached password detection off).
    FreshSetting {
        path: "/attack-protection/brute-force-protection",
        answer: FreshAnswer::Value(
            r#"{"enabled":true,"shields":["block","user_notification"],"mode":"count_per_identifier_and_ip","allowlist":[],"max_attempts":10}"#,
        ),
        recording: "go-auth0/TestAttackProtection_Get_the_brute_force_configuration.json",
    },
    FreshSetting {
        path: "/attack-protection/suspicious-ip-throttling",
        answer: FreshAnswer::Value(
            r#"{"enabled":true,"shields":["admin_notification","block"],"allowlist":[],"stage":{"pre-login":{"max_attempts":100,"rate":864000},"pre-user-registration":{"max_attempts":50,"rate":1200}}}"#,
        ),
        recording: "go-auth0/TestAttackProtection_Get_the_suspicious_IP_throttling_configuration.json",
    },
    FreshSetting {
        path: "/attack-protection/breached-password-detection",
        answer: FreshAnswer::Value(
            r#"{"enabled":false,"shields":[],"admin_notification_frequency":[],"method":"standard","stage":{"pre-user-registration":{"shields":[]},"pre-change-password":{"shields":[]}}}"#,
        ),
        recording: "go-auth0/TestAttackProtection_Get_breached_password_detection_settings.json",
    },
    FreshSetting {
        path: "/connections/{id}/scim-configuration/default-mapping",
        answer: FreshAnswer::Value(concat!(r#"{"mapping":"#, scim_default_mapping!(), "}")),
        recording: "go-auth0/TestConnectionManager_ReadSCIMDefaultConfiguration.json",
    },
    // The providers a new tenant sends MFA codes and notifications with: Auth0's own for SMS
    // and voice, Guardian for push (the key as the recordings read it, the values as Auth0's
    // MFA documentation gives a tenant's defaults).
    FreshSetting {
        path: "/guardian/factors/phone/selected-provider",
        answer: FreshAnswer::Value(r#"{"provider":"auth0"}"#),
        recording: "go-auth0/TestGuardian_MultiFactor_Phone_Provider.json",
    },
    FreshSetting {
        path: "/guardian/factors/sms/selected-provider",
        answer: FreshAnswer::Value(r#"{"provider":"auth0"}"#),
        recording: "go-auth0/TestGuardian_MultiFactor_Phone_Provider.json",
    },
    FreshSetting {
        path: "/guardian/factors/push-notification/selected-provider",
        answer: FreshAnswer::Value(r#"{"provider":"guardian"}"#),
        recording: "go-auth0/TestGuardian_MultiFactor_Push_Provider.json",
    },
    FreshSetting {
        // No user is blocked for an identifier the tenant has not blocked.
        path: "/user-blocks",
        answer: FreshAnswer::Value(r#"{"blocked_for":[]}"#),
        recording: "go-auth0/TestUserManager_BlocksByIdentifier.json",
    },
    FreshSetting {
        path: "/prompts",
        answer: FreshAnswer::Value(
            r#"{"identifier_first":false,"universal_login_experience":"classic","webauthn_platform_first_factor":false}"#,
        ),
        recording: "go-auth0/TestPrompt.json",
    },
];

/// The answer of an operation that acts rather than stores (a ticket, a code), where the
/// description's answer holds only optional fields.
#[derive(Debug)]
pub(crate) struct ActionAnswer {
    /// The HTTP method.
    pub(crate) method: &'static str,
    /// The path template.
    pub(crate) path: &'static str,
    /// The answer (a JSON object); `"{tenant_domain}"` stands for the tenant's domain,
    /// `"{alnum32}"` for 32 random letters and digits (one value per answer, wherever it
    /// appears: a ticket's id and its URL), `"{code24}"` for a recovery code of 24 capitals and
    /// digits.
    pub(crate) fields: &'static str,
    /// The recording that shows it.
    pub(crate) recording: &'static str,
}

/// The answers of operations that act.
pub(crate) const ACTION_ANSWERS: &[ActionAnswer] = &[
    ActionAnswer {
        method: "POST",
        path: "/guardian/enrollments/ticket",
        fields: r#"{"ticket_id":"{alnum32}","ticket_url":"https://{tenant_domain}/mfa/enrollment?ticket={alnum32}"}"#,
        recording: "go-auth0/TestGuardian_Enrollment_CreateTicket.json",
    },
    ActionAnswer {
        method: "POST",
        path: "/users/{id}/recovery-code-regeneration",
        fields: r#"{"recovery_code":"{code24}"}"#,
        recording: "go-auth0/TestUserManager_RegenerateRecoveryCode.json",
    },
];

/// The answer of the operation `method` `path` (a template) that acts, where one is recorded.
pub(crate) fn action_answer(method: &str, path: &str) -> Option<&'static ActionAnswer> {
    ACTION_ANSWERS
        .iter()
        .find(|a| a.method == method && a.path == path)
}

/// The content Auth0 gives a phone notification template of a type when it is reset:
/// `(type, content body)`; a reset of a type not listed keeps its content.
pub(crate) const PHONE_TEMPLATE_DEFAULTS: &[(&str, &str)] = &[(
    "otp_verify",
    r#"{"text":"{{ code | escape }} is your verification code for {{ friendly_name | escape }}","voice":"Hello. Your verification code for {{ friendly_name | escape }} is {{ pause }} {{ code | escape }}. I repeat, your verification code is {{ pause }} {{ code | escape }}"}"#,
)];

/// The recording of [`PHONE_TEMPLATE_DEFAULTS`].
pub(crate) const PHONE_TEMPLATE_DEFAULTS_RECORDING: &str =
    "go-auth0/TestBrandingManager_ResetPhoneNotificationTemplate.json";

/// Fields a read of a setting holds once the setting is written, where the write did not
/// set them.
#[derive(Debug)]
pub(crate) struct ReadDefaults {
    /// The setting's path template.
    pub(crate) path: &'static str,
    /// The fields (a JSON object).
    pub(crate) fields: &'static str,
    /// The recording that shows them.
    pub(crate) recording: &'static str,
}

/// The fields reads of written settings add.
pub(crate) const READ_DEFAULTS: &[ReadDefaults] = &[
    ReadDefaults {
        path: "/guardian/factors/sms/providers/twilio",
        fields: r#"{"auth_token":null,"from":null,"messaging_service_sid":null,"sid":null}"#,
        recording: "go-auth0/TestGuardian_MultiFactor_SMS_Twilio.json",
    },
    ReadDefaults {
        path: "/guardian/factors/push-notification/providers/apns",
        fields: r#"{"enabled":true}"#,
        recording: "go-auth0/TestGuardian_MultiFactor_Push_DirectAPNS.json",
    },
    ReadDefaults {
        path: "/guardian/factors/webauthn-roaming/settings",
        fields: r#"{"overrideRelyingParty":false}"#,
        recording: "go-auth0/TestGuardian_MultiFactor_WebAuthn_Roaming_Settings.json",
    },
    ReadDefaults {
        path: "/prompts/{prompt}/screen/{screen}/rendering",
        fields: r#"{"filters":null}"#,
        recording: "go-auth0/TestPromptManager_BulkUpdateRendering.json",
    },
];

/// The fields a read of the written setting at `path` (a template) adds.
pub(crate) fn read_defaults(path: &str) -> Option<&'static ReadDefaults> {
    READ_DEFAULTS.iter().find(|d| d.path == path)
}

/// Adds to `read`, a read of the written setting at `path` (a template), the fields of its
/// [`READ_DEFAULTS`] entry it lacks.
pub(crate) fn add_read_defaults(path: &str, read: &mut serde_json::Value) {
    if let (Some(o), Some(defaults)) = (
        read.as_object_mut(),
        read_defaults(path).and_then(|d| {
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(d.fields).ok()
        }),
    ) {
        for (k, v) in defaults {
            o.entry(k).or_insert(v);
        }
    }
}

/// What Auth0 adds to an item it creates, beside the id and the timestamps: the fields its
/// answer holds that the request did not send.
#[derive(Debug)]
pub(crate) struct CreateDefaults {
    /// The collection's path template.
    pub(crate) collection: &'static str,
    /// The fields (a JSON object), each added where the request did not send it; `"{name}"`
    /// stands for the item's `name`, `"{now}"` for the time of the creation, `"{tenant}"` for
    /// the tenant's name, `"{domain}"` for the item's `domain`, `"{tenant_domain}"` for the
    /// tenant's domain, `"{parent_id}"` for the id of the item the collection lies below and
    /// `"{parent.FIELD}"` for a field of it, `"{id_label}"` for the new item's id as a DNS label
    /// (lowercase, `_` as `-`: `cd_10ZCCFSyo8ZzBWZs` is `cd-10zccfsyo8zzbwzs`), `"{hex32}"` for
    /// 32 random hexadecimal digits, `"{alnum32}"` for 32 random letters and digits (at any
    /// depth; inside a longer string, the text of the value).
    pub(crate) fields: &'static str,
    /// The recording that shows them.
    pub(crate) recording: &'static str,
}

/// The fields Auth0 adds on create, by collection.
pub(crate) const CREATE_DEFAULTS: &[CreateDefaults] = &[
    CreateDefaults {
        collection: "/connections",
        fields: r#"{"authentication":{"active":true},"connected_accounts":{"active":false},"enabled_clients":[],"is_domain_connection":false,"realms":["{name}"]}"#,
        recording: "go-auth0/TestConnectionManager_CreateDBConnectionWithDifferentOptions_It_handles_Auth0_Connection_With_RequireUsername.json",
    },
    CreateDefaults {
        collection: "/log-streams",
        // The filter's name, `security`, is not among the description's filter names: the
        // recording wins.
        fields: r#"{"status":"active","filters":[{"name":"security","type":"category"}]}"#,
        recording: "go-auth0/TestLogStreamManager_Update_It_can_successfully_update_a_Sumo_LogStream.json",
    },
    CreateDefaults {
        collection: "/event-streams",
        fields: r#"{"status":"enabled"}"#,
        recording: "go-auth0/TestEventStreamManager_Read.json",
    },
    CreateDefaults {
        collection: "/hooks",
        fields: r#"{"dependencies":{}}"#,
        recording: "go-auth0/TestHookManager_Update.json",
    },
    CreateDefaults {
        collection: "/rules",
        fields: r#"{"stage":"login_success"}"#,
        recording: "go-auth0/TestRuleManager_Update.json",
    },
    CreateDefaults {
        collection: "/custom-domains",
        // The CNAME record names the tenant's domain and the new domain's id.
        fields: r#"{"primary":false,"is_default":false,"status":"pending_verification","created_at":"{now}","verification":{"methods":[{"name":"CNAME","domain":"{domain}","record":"{tenant_domain}-{id_label}.edge.tenants.us.auth0.com"}]}}"#,
        recording: "go-auth0/TestCustomDomainManager_List.json",
    },
    CreateDefaults {
        collection: "/branding/phone/templates",
        fields: r#"{"channel":"phone","tenant":"{tenant}","created_at":"{now}","updated_at":"{now}"}"#,
        recording: "go-auth0/TestBrandingManager_CreatePhoneNotificationTemplate.json",
    },
    CreateDefaults {
        collection: "/branding/phone/providers",
        fields: r#"{"channel":"phone","tenant":"{tenant}"}"#,
        recording: "go-auth0/TestBrandingManager_CreatePhoneProvider.json",
    },
    CreateDefaults {
        collection: "/flows/vault/connections",
        // `refreshed_at` is null until the connection is refreshed, where the description
        // allows only a string: the recording wins.
        fields: r#"{"fingerprint":"{hex32}","ready":false,"refreshed_at":null}"#,
        recording: "go-auth0/TestFlowVaultConnectionManager_List.json",
    },
    CreateDefaults {
        collection: "/actions/actions",
        fields: r#"{"dependencies":[],"secrets":[]}"#,
        recording: "go-auth0/TestTokenExchangeProfileManager_Update.json",
    },
    CreateDefaults {
        collection: "/organizations/{id}/enabled_connections",
        fields: r#"{"show_as_button":true}"#,
        recording: "go-auth0/TestOrganizationManager_UpdateDBConnection_When_signup_enabled_with_assign_membership_true_should_succeed.json",
    },
    CreateDefaults {
        collection: "/organizations/{id}/discovery-domains",
        fields: r#"{"use_for_organization_discovery":true,"status":"pending","verification_host":"_ss-verification.{parent_id}.{domain}","verification_txt":"{hex32}"}"#,
        recording: "go-auth0/TestOrganizationManager_DiscoveryDomainsCheckpointPagination.json",
    },
    CreateDefaults {
        collection: "/connections/{id}/scim-configuration",
        fields: concat!(
            r#"{"connection_id":"{parent_id}","connection_name":"{parent.name}","strategy":"{parent.strategy}","tenant_name":"{tenant_domain}","created_at":"{now}","updated_on":"{now}","user_id_attribute":"externalId","mapping":"#,
            scim_default_mapping!(),
            "}"
        ),
        recording: "go-auth0/TestConnectionManager_CreateSCIMConfigurationWithoutBody.json",
    },
    CreateDefaults {
        // The token itself, which only the create answers.
        collection: "/connections/{id}/scim-configuration/tokens",
        fields: r#"{"token":"{alnum32}"}"#,
        recording: "go-auth0/TestConnectionManager_CreateSCIMToken.json",
    },
    CreateDefaults {
        collection: "/self-service-profiles",
        fields: r#"{"user_attributes":[]}"#,
        recording: "go-auth0/TestSelfServiceProfileManager_Create.json",
    },
    CreateDefaults {
        collection: "/self-service-profiles/{id}/sso-ticket",
        fields: r#"{"ticket":"https://{tenant_domain}/self-service/connections-flow?ticket={alnum32}"}"#,
        recording: "go-auth0/TestSelfServiceProfileManager_CreateAndRevokeTicket.json",
    },
    CreateDefaults {
        // The user id's mappings, where the request gives none.
        collection: "/user-attribute-profiles",
        fields: r#"{"user_id":{"oidc_mapping":"sub","saml_mapping":["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"],"scim_mapping":"externalId"}}"#,
        recording: "go-auth0/TestUserAttributeProfileManager_Create.json",
    },
    CreateDefaults {
        collection: "/users/{id}/authentication-methods",
        fields: r#"{"confirmed":true}"#,
        recording: "go-auth0/TestUserManager_AuthenticationMethods.json",
    },
    CreateDefaults {
        collection: "/branding/themes",
        fields: r#"{"identifiers":{"login_display":"unified","otp_autocomplete":true,"phone_display":{"formatting":"international","masking":"mask_digits"}}}"#,
        recording: "go-auth0/TestBrandingThemeManager_Update_Identifiers.json",
    },
    CreateDefaults {
        collection: "/forms",
        fields: r#"{"ending":{"resume_flow":true}}"#,
        recording: "go-auth0/TestFormManager_Update.json",
    },
    CreateDefaults {
        collection: "/network-acls",
        fields: r#"{"tenant_id":"{tenant_domain}","deleted_at":null}"#,
        recording: "go-auth0/TestNetworkACLManager_Patch.json",
    },
    CreateDefaults {
        collection: "/keys/encryption",
        fields: r#"{"parent_kid":null,"state":"pre-activation"}"#,
        recording: "go-auth0/TestEncryptionKeyManager_Read.json",
    },
];

/// Fields of an item that some answers never hold.
#[derive(Debug)]
pub(crate) struct NeverAnswered {
    /// The methods of the answers.
    pub(crate) methods: &'static [&'static str],
    /// The path templates of the answers.
    pub(crate) paths: &'static [&'static str],
    /// The fields left out.
    pub(crate) fields: &'static [&'static str],
    /// The recording that shows it.
    pub(crate) recording: &'static str,
}

/// The fields some answers never hold.
pub(crate) const NEVER_ANSWERED: &[NeverAnswered] = &[
    NeverAnswered {
        // A verification answers the domain without saying whether it is the default.
        methods: &["POST"],
        paths: &["/custom-domains/{id}/verify"],
        fields: &["is_default"],
        recording: "go-auth0/TestCustomDomainManager_Verify.json",
    },
    NeverAnswered {
        methods: &["GET", "POST", "PATCH", "PUT", "DELETE"],
        paths: &["/actions/actions", "/actions/actions/{id}"],
        // A request to deploy, not a field of the action, though the description gives it a
        // default: none of the 45 recorded answers that hold an action has it.
        fields: &["deploy"],
        recording: "go-auth0/TestActionManager_CreateWithDeploy.json",
    },
    NeverAnswered {
        // A method made by the Management API is confirmed, which reads show and writes'
        // answers do not.
        methods: &["POST", "PATCH", "PUT"],
        paths: &[
            "/users/{id}/authentication-methods",
            "/users/{id}/authentication-methods/{authentication_method_id}",
        ],
        fields: &["confirmed"],
        recording: "go-auth0/TestUserManager_AuthenticationMethods.json",
    },
];

/// The entry of [`NEVER_ANSWERED`] for an answer of `method` at `path` (a template).
fn never_answered_entry(method: &str, path: &str) -> Option<&'static NeverAnswered> {
    NEVER_ANSWERED
        .iter()
        .find(|n| n.methods.contains(&method) && n.paths.contains(&path))
}

/// The fields of [`NEVER_ANSWERED`] for an answer of `method` at `path` (a template).
pub(crate) fn never_answered(method: &str, path: &str) -> &'static [&'static str] {
    never_answered_entry(method, path).map_or(&[], |n| n.fields)
}

/// Fields of a new item that only the create's answer holds, never a later read:
/// `(collection, fields, recording)`.
pub(crate) const CREATE_ANSWER_ONLY: &[(&str, &[&str], &str)] = &[(
    "/connections/{id}/scim-configuration/tokens",
    &["token"],
    "go-auth0/TestConnectionManager_ListSCIMTokens.json",
)];

/// The fields of a new item of `collection` (a template) that only its create answers.
pub(crate) fn create_answer_only(collection: &str) -> &'static [&'static str] {
    CREATE_ANSWER_ONLY
        .iter()
        .find(|(c, _, _)| *c == collection)
        .map_or(&[], |(_, fields, _)| fields)
}

/// The creates that answer the new item where the description gives no answer body:
/// `(collection, recording)`.
pub(crate) const CREATE_ANSWERS_ITEM: &[(&str, &str)] =
    &[("/network-acls", "go-auth0/TestNetworkACLManager_Read.json")];

/// Whether a create in `collection` (a template) answers the new item though the description
/// gives no body.
pub(crate) fn create_answers_item(collection: &str) -> bool {
    CREATE_ANSWERS_ITEM.iter().any(|(c, _)| *c == collection)
}

/// The fields Auth0 adds to a new item of `collection` (a template), if a recording shows any.
pub(crate) fn create_defaults(collection: &str) -> Option<&'static CreateDefaults> {
    CREATE_DEFAULTS.iter().find(|d| d.collection == collection)
}

/// The fresh answer of the setting at `path` (a template), where a recording shows it.
pub(crate) fn fresh_setting(path: &str) -> Option<&'static FreshSetting> {
    FRESH_SETTINGS.iter().find(|s| s.path == path)
}

/// The lists whose items read as their item read answers them, where the description's list
/// item merges a union's alternatives into one object (a network ACL's rule `action` would
/// hold `allow`, `block`, `log` and `redirect` at once): `(collection, recording)`.
pub(crate) const LISTED_AS_READ: &[(&str, &str)] =
    &[("/network-acls", "go-auth0/TestNetworkACLManager_List.json")];

/// Whether the items of the list `collection` (a template) read as its item read answers them.
pub(crate) fn listed_as_read(collection: &str) -> bool {
    LISTED_AS_READ.iter().any(|(c, _)| *c == collection)
}

/// The checkpoint lists that add `total` (every item's count) to a page when the request asks
/// for totals: `(list, recording)`.
pub(crate) const CHECKPOINT_TOTALS: &[(&str, &str)] = &[(
    "/users/{user_id}/refresh-tokens",
    "go-auth0/TestUserManager_DeleteRefreshTokens.json",
)];

/// Whether a checkpoint page of `list` (a template) holds `total` when asked for totals.
pub(crate) fn checkpoint_total(list: &str) -> bool {
    CHECKPOINT_TOTALS.iter().any(|(l, _)| *l == list)
}

/// The checkpoint lists that answer a bare array of every item when the request sends neither
/// `from` nor `take` (the description allows the bare array beside the checkpoint envelope, and
/// Auth0 chooses by the query): `(collection, recording)`.
pub(crate) const BARE_WITHOUT_CHECKPOINT: &[(&str, &str)] = &[(
    "/custom-domains",
    "go-auth0/TestCustomDomainManager_List.json",
)];

/// Whether a list of `collection` (a template) sent without `from` and `take` answers a bare
/// array of every item.
pub(crate) fn bare_without_checkpoint(collection: &str) -> bool {
    BARE_WITHOUT_CHECKPOINT
        .iter()
        .any(|(c, _)| *c == collection)
}

/// A path that reads the one item of a collection the tenant holds at most one of (its default),
/// and answers Auth0's 404 when the collection is empty.
#[derive(Debug)]
pub(crate) struct DefaultItem {
    /// The path template of the read.
    pub(crate) path: &'static str,
    /// The collection's path template.
    pub(crate) collection: &'static str,
    /// The 404's `message` and `errorCode` when there is no item.
    pub(crate) not_found: (&'static str, &'static str),
    /// The recording that shows the read answering the item created.
    pub(crate) recording: &'static str,
    /// The recording that shows the 404 of a read that finds no item.
    pub(crate) not_found_recording: &'static str,
}

/// The reads of a collection's one item.
pub(crate) const DEFAULT_ITEMS: &[DefaultItem] = &[DefaultItem {
    path: "/branding/themes/default",
    collection: "/branding/themes",
    not_found: (
        "There was an error retrieving branding settings: invalid theme ID",
        "theme_not_found",
    ),
    recording: "go-auth0/TestBrandingThemeManager_Default.json",
    not_found_recording: "go-auth0/TestBrandingThemeManager_Delete.json",
}];

/// The read of a collection's one item at `path` (a template), if it is one.
pub(crate) fn default_item(path: &str) -> Option<&'static DefaultItem> {
    DEFAULT_ITEMS.iter().find(|d| d.path == path)
}

/// The tenant settings a `PATCH /tenants/settings` may send in minutes, each with the setting in
/// hours that it writes: Auth0 stores the hours and answers no `…_in_minutes` field (the update
/// and read schemas have none).
pub(crate) const SETTINGS_IN_MINUTES: &[(&str, &str)] = &[
    ("session_lifetime_in_minutes", "session_lifetime"),
    ("idle_session_lifetime_in_minutes", "idle_session_lifetime"),
    (
        "ephemeral_session_lifetime_in_minutes",
        "ephemeral_session_lifetime",
    ),
    (
        "idle_ephemeral_session_lifetime_in_minutes",
        "idle_ephemeral_session_lifetime",
    ),
];

/// The recording of [`SETTINGS_IN_MINUTES`]: `idle_ephemeral_session_lifetime_in_minutes: 15`
/// is answered as `idle_ephemeral_session_lifetime: 0.25`.
pub(crate) const SETTINGS_IN_MINUTES_RECORDING: &str = "go-auth0/TestTenantManager.json";

/// The factors of a new tenant's MFA, all disabled, in Auth0's order, as
/// [`GUARDIAN_FACTORS_RECORDING`] lists them before enabling one.
pub(crate) const GUARDIAN_FACTORS: &[&str] = &[
    "sms",
    "push-notification",
    "otp",
    "email",
    "duo",
    "webauthn-roaming",
    "webauthn-platform",
    "recovery-code",
];

/// The recording of [`GUARDIAN_FACTORS`].
pub(crate) const GUARDIAN_FACTORS_RECORDING: &str =
    "go-auth0/TestGuardian_MultiFactor_DUO_Enable.json";

/// An API of Auth0's own that a tenant creates on request: a `POST /resource-servers` with its
/// identifier answers the system API, whatever else the request sends.
#[derive(Debug)]
pub(crate) struct SystemApi {
    /// Its identifier; `{tenant_domain}` stands for the tenant's domain.
    pub(crate) identifier: &'static str,
    /// Its fields beside `id` and `identifier` (a JSON object).
    pub(crate) fields: &'static str,
    /// The recording that shows it created.
    pub(crate) recording: &'static str,
}

/// The system APIs a tenant creates on request.
pub(crate) const SYSTEM_APIS: &[SystemApi] = &[
    SystemApi {
        identifier: "urn:auth0:express-configure",
        fields: r#"{"name":"Okta OIN Express Configuration API","is_system":true,"allow_offline_access":false,"enforce_policies":true,"scopes":[{"description":"Ability to create SSO configurations","value":"express_configure:sso"},{"description":"Ability to create scim configurations","value":"express_configure:scim"}],"signing_alg":"RS256","skip_consent_for_verifiable_first_party_clients":false,"subject_type_authorization":{"client":{"policy":"deny_all"},"user":{"policy":"allow_all"}},"token_lifetime":300,"token_lifetime_for_web":7200}"#,
        recording: "go-auth0/TestResourceServer_ExpressConfiguration.json",
    },
    SystemApi {
        identifier: "https://{tenant_domain}/me/",
        fields: r#"{"name":"Auth0 My Account API","is_system":true,"allow_offline_access":true,"proof_of_possession":{"mechanism":"dpop","required":false},"scopes":[{"description":"Create Connected Accounts","value":"create:me:connected_accounts"},{"description":"Read Connected Accounts","value":"read:me:connected_accounts"},{"description":"Delete Connected Accounts","value":"delete:me:connected_accounts"}],"signing_alg":"RS256","skip_consent_for_verifiable_first_party_clients":true,"subject_type_authorization":{"client":{"policy":"deny_all"},"user":{"policy":"require_client_grant"}},"token_lifetime":600,"token_lifetime_for_web":600}"#,
        recording: "go-auth0/TestResourceServer_ACR.json",
    },
];

/// The system API whose identifier is `identifier` on the tenant of `domain`.
pub(crate) fn system_api(identifier: &str, domain: &str) -> Option<&'static SystemApi> {
    SYSTEM_APIS
        .iter()
        .find(|a| a.identifier.replace("{tenant_domain}", domain) == identifier)
}

/// The keys every log event holds, `null` where they do not apply to the event (an API
/// operation has no connection, a token issuance no user), as [`LOG_EVENT_KEYS_RECORDING`]
/// lists events of every type.
pub(crate) const LOG_EVENT_KEYS: &[&str] = &[
    "audience",
    "client_id",
    "client_name",
    "connection",
    "connection_id",
    "details",
    "hostname",
    "location_info",
    "organization_id",
    "organization_name",
    "strategy",
    "strategy_type",
    "user_id",
    "user_name",
];

/// The recording of [`LOG_EVENT_KEYS`].
pub(crate) const LOG_EVENT_KEYS_RECORDING: &str = "go-auth0/TestLogManager_Search.json";

/// Fields a read answers whichever fields its `fields` query names: `(path template, fields,
/// recording)`.
pub(crate) const FIELDS_ALWAYS: &[(&str, &[&str], &str)] = &[
    (
        "/logs",
        LOG_FIELDS_ALWAYS,
        "ruby-auth0/Auth0_Api_V2_Logs__logs__filters_should_include_the_specified_fields.json",
    ),
    (
        "/clients",
        CLIENT_FIELDS_ALWAYS,
        "ruby-auth0/Auth0_Api_V2_Clients__clients__filters_should_paginate_results.json",
    ),
    (
        "/connections",
        CONNECTION_FIELDS_ALWAYS,
        "ruby-auth0/Auth0_Api_V2_Connections__connections__filters_should_should_include_the_fields_indicated_from_filtered_results.json",
    ),
    (
        "/tenants/settings",
        TENANT_SETTINGS_FIELDS_ALWAYS,
        "ruby-auth0/Auth0_Api_V2_Tenants__get_tenant_settings_with_specific_fields_should_include_the_field_requested.json",
    ),
];

/// The fields of a client that every read of clients answers (see [`FIELDS_ALWAYS`]).
pub(crate) const CLIENT_FIELDS_ALWAYS: &[&str] = &["tenant"];

/// The fields of a connection that every read of connections answers (see [`FIELDS_ALWAYS`]).
pub(crate) const CONNECTION_FIELDS_ALWAYS: &[&str] = &["id", "is_domain_connection"];

/// The fields of a log event that every read of logs answers (see [`FIELDS_ALWAYS`]).
pub(crate) const LOG_FIELDS_ALWAYS: &[&str] = &["_id"];

/// The tenant settings that every read of them answers (see [`FIELDS_ALWAYS`]).
pub(crate) const TENANT_SETTINGS_FIELDS_ALWAYS: &[&str] =
    &["sandbox_version", "sandbox_versions_available"];

/// What the overrides say about `method` on `path` (a template), with their recordings, as the
/// routes listing shows it: `{"status": …, "id_format": …, "idempotent_delete": …}`; `None` when
/// nothing.
pub(crate) fn describe(method: &str, path: &str) -> Option<serde_json::Value> {
    let mut out = serde_json::Map::new();
    if let Some(s) = status(method, path) {
        out.insert(
            "status".into(),
            crate::util::json!({"status": s.status, "deleted_at": s.deleted_at, "recording": s.recording}),
        );
    }
    if let Some(a) = recorded_answer(method, path) {
        let body = match a.body {
            RecordedBody::EmptyObject => crate::util::json!({}),
            RecordedBody::Stored => crate::util::json!("what the operation stored"),
            RecordedBody::Fixed(v) => serde_json::from_str(v).unwrap_or_default(),
        };
        out.insert(
            "body".into(),
            crate::util::json!({"body": body, "recording": a.recording}),
        );
    }
    if method == "GET"
        && let Some((_, key, recording)) = CHECKPOINT_KEYS.iter().find(|(l, _, _)| *l == path)
    {
        out.insert(
            "checkpoint_key".into(),
            crate::util::json!({"key": key, "recording": recording}),
        );
    }
    if method == "POST"
        && let Some(d) = create_defaults(path)
    {
        out.insert(
            "create_defaults".into(),
            crate::util::json!({"fields": serde_json::from_str::<serde_json::Value>(d.fields).unwrap_or_default(), "recording": d.recording}),
        );
    }
    if let Some(n) = never_answered_entry(method, path) {
        out.insert(
            "never_answered".into(),
            crate::util::json!({"fields": n.fields, "recording": n.recording}),
        );
    }
    if method == "POST"
        && let Some((_, fields, recording)) = CREATE_ANSWER_ONLY.iter().find(|(c, _, _)| *c == path)
    {
        out.insert(
            "answer_only".into(),
            crate::util::json!({"fields": fields, "recording": recording}),
        );
    }
    if method == "POST"
        && let Some((_, recording)) = CREATE_ANSWERS_ITEM.iter().find(|(c, _)| *c == path)
    {
        out.insert(
            "answers_item".into(),
            crate::util::json!({"recording": recording}),
        );
    }
    if method == "POST"
        && let Some(f) = id_format(path)
    {
        out.insert(
            "id_format".into(),
            crate::util::json!({"prefix": f.prefix, "length": f.len, "recording": f.recording}),
        );
    }
    if method == "GET"
        && let Some(f) = fresh_setting(path)
    {
        let answer = match f.answer {
            FreshAnswer::Value(v) => {
                crate::util::json!({"status": 200, "body": serde_json::from_str::<serde_json::Value>(v).unwrap_or_default()})
            }
            FreshAnswer::NotFound {
                message,
                error_code,
            } => crate::util::json!({"status": 404, "message": message, "errorCode": error_code}),
        };
        out.insert(
            "fresh".into(),
            crate::util::json!({"answer": answer, "recording": f.recording}),
        );
    }
    if method == "PATCH" && path == "/branding/phone/templates/{id}/reset" {
        out.insert(
            "reset_to".into(),
            crate::util::json!({"types": PHONE_TEMPLATE_DEFAULTS.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
                "recording": PHONE_TEMPLATE_DEFAULTS_RECORDING}),
        );
    }
    if let Some(a) = action_answer(method, path) {
        out.insert(
            "action_answer".into(),
            crate::util::json!({"fields": serde_json::from_str::<serde_json::Value>(a.fields).unwrap_or_default(), "recording": a.recording}),
        );
    }
    if method == "GET"
        && let Some(d) = read_defaults(path)
    {
        out.insert(
            "read_defaults".into(),
            crate::util::json!({"fields": serde_json::from_str::<serde_json::Value>(d.fields).unwrap_or_default(), "recording": d.recording}),
        );
    }
    if method == "GET"
        && let Some(d) = default_item(path)
    {
        out.insert(
            "default_item".into(),
            crate::util::json!({"collection": d.collection, "recording": d.recording,
                "not_found": {"message": d.not_found.0, "errorCode": d.not_found.1,
                    "recording": d.not_found_recording}}),
        );
    }
    if method == "PATCH" && path == "/tenants/settings" {
        out.insert(
            "in_minutes".into(),
            crate::util::json!({"fields": SETTINGS_IN_MINUTES.iter().map(|(m, h)| crate::util::json!({"minutes": m, "hours": h})).collect::<Vec<_>>(),
                "recording": SETTINGS_IN_MINUTES_RECORDING}),
        );
    }
    if method == "POST" && path == "/resource-servers" {
        out.insert(
            "system_apis".into(),
            crate::util::json!(SYSTEM_APIS.iter().map(|a| crate::util::json!({"identifier": a.identifier, "recording": a.recording})).collect::<Vec<_>>()),
        );
    }
    if method == "GET" && (path == "/logs" || path == "/logs/{id}") {
        out.insert(
            "event_keys".into(),
            crate::util::json!({"keys": LOG_EVENT_KEYS, "recording": LOG_EVENT_KEYS_RECORDING}),
        );
    }
    if method == "GET"
        && let Some((_, fields, recording)) = FIELDS_ALWAYS.iter().find(|(p, _, _)| *p == path)
    {
        out.insert(
            "fields_always".into(),
            crate::util::json!({"fields": fields, "recording": recording}),
        );
    }
    if method == "GET" && path == "/guardian/factors" {
        out.insert(
            "fresh".into(),
            crate::util::json!({"factors": GUARDIAN_FACTORS, "recording": GUARDIAN_FACTORS_RECORDING}),
        );
    }
    if method == "GET"
        && let Some((_, recording)) = LISTED_AS_READ.iter().find(|(l, _)| *l == path)
    {
        out.insert(
            "listed_as_read".into(),
            crate::util::json!({"recording": recording}),
        );
    }
    if method == "GET"
        && let Some((_, recording)) = NEXT_ON_EVERY_PAGE.iter().find(|(l, _)| *l == path)
    {
        out.insert(
            "next_on_every_page".into(),
            crate::util::json!({"recording": recording}),
        );
    }
    if method == "GET"
        && let Some((_, recording)) = CHECKPOINT_TOTALS.iter().find(|(l, _)| *l == path)
    {
        out.insert(
            "checkpoint_total".into(),
            crate::util::json!({"recording": recording}),
        );
    }
    if method == "GET"
        && let Some((_, recording)) = BARE_WITHOUT_CHECKPOINT.iter().find(|(c, _)| *c == path)
    {
        out.insert(
            "bare_without_checkpoint".into(),
            crate::util::json!({"recording": recording}),
        );
    }
    if method == "DELETE"
        && let Some((_, recording)) = IDEMPOTENT_DELETES.iter().find(|(p, _)| *p == path)
    {
        out.insert(
            "idempotent_delete".into(),
            crate::util::json!({"recording": recording}),
        );
    }
    (!out.is_empty()).then_some(serde_json::Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_recorded_formats() {
        let con = new_id(id_format("/connections").expect("format"));
        assert!(con.starts_with("con_") && con.len() == 20, "{con}");
        assert!(con[4..].chars().all(|c| c.is_ascii_alphanumeric()));
        let hook = new_id(id_format("/hooks").expect("format"));
        assert_eq!(hook.len(), 26);
        assert!(
            hook.chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        let action = new_id(id_format("/actions/actions").expect("format"));
        let groups: Vec<usize> = action.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{action}");
        assert!(
            action.chars().all(|c| c == '-' || c.is_ascii_hexdigit()) && &action[14..15] == "4",
            "{action}"
        );
        let rs = new_id(id_format("/resource-servers").expect("format"));
        assert!(rs.len() == 24 && rs.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(con, new_id(id_format("/connections").expect("format")));
    }

    #[test]
    fn every_override_names_a_recording_and_appears_once() {
        for (i, f) in ID_FORMATS.iter().enumerate() {
            assert!(f.recording.ends_with(".json"), "{f:?}");
            assert!(
                ID_FORMATS[i + 1..]
                    .iter()
                    .all(|g| g.collection != f.collection)
            );
        }
        for s in STATUSES {
            assert!(s.recording.ends_with(".json"), "{s:?}");
        }
        for (i, a) in RECORDED_ANSWERS.iter().enumerate() {
            assert!(a.recording.ends_with(".json"), "{a:?}");
            if let RecordedBody::Fixed(body) = a.body {
                assert!(
                    serde_json::from_str::<serde_json::Value>(body).is_ok(),
                    "{a:?}"
                );
            }
            assert!(
                RECORDED_ANSWERS[i + 1..]
                    .iter()
                    .all(|b| (b.method, b.path) != (a.method, a.path))
            );
        }
        for (i, r) in UNDESCRIBED_ROUTES.iter().enumerate() {
            assert!(r.recording.ends_with(".json"), "{r:?}");
            if let Undescribed::Setting(fresh) = r.kind {
                assert!(
                    serde_json::from_str::<serde_json::Value>(fresh).is_ok_and(|v| v.is_object())
                );
            }
            assert!(UNDESCRIBED_ROUTES[i + 1..].iter().all(|o| o.path != r.path));
        }
        for a in SYSTEM_APIS {
            assert!(a.recording.ends_with(".json"), "{a:?}");
            assert!(
                serde_json::from_str::<serde_json::Value>(a.fields).is_ok_and(|v| v.is_object()),
                "{a:?}"
            );
        }
        for (path, fields, recording) in FIELDS_ALWAYS {
            assert!(path.starts_with('/') && !fields.is_empty() && recording.ends_with(".json"));
        }
        for (list, key, recording) in CHECKPOINT_KEYS {
            assert!(list.starts_with('/') && !key.is_empty() && recording.ends_with(".json"));
        }
        for (path, recording) in IDEMPOTENT_DELETES
            .iter()
            .chain(BARE_WITHOUT_CHECKPOINT)
            .chain(CHECKPOINT_TOTALS)
            .chain(NEXT_ON_EVERY_PAGE)
            .chain(LISTED_AS_READ)
        {
            assert!(path.starts_with('/') && recording.ends_with(".json"));
        }
        for (i, d) in CREATE_DEFAULTS.iter().enumerate() {
            assert!(d.recording.ends_with(".json"), "{d:?}");
            assert!(
                serde_json::from_str::<serde_json::Value>(d.fields).is_ok_and(|v| v.is_object()),
                "{d:?}"
            );
            assert!(
                CREATE_DEFAULTS[i + 1..]
                    .iter()
                    .all(|e| e.collection != d.collection)
            );
        }
        for (kind, body) in PHONE_TEMPLATE_DEFAULTS {
            assert!(
                !kind.is_empty()
                    && serde_json::from_str::<serde_json::Value>(body).is_ok_and(|v| v.is_object())
            );
        }
        for a in ACTION_ANSWERS {
            assert!(a.recording.ends_with(".json"), "{a:?}");
            assert!(
                serde_json::from_str::<serde_json::Value>(a.fields).is_ok_and(|v| v.is_object()),
                "{a:?}"
            );
        }
        for (i, d) in READ_DEFAULTS.iter().enumerate() {
            assert!(d.recording.ends_with(".json"), "{d:?}");
            assert!(
                serde_json::from_str::<serde_json::Value>(d.fields).is_ok_and(|v| v.is_object()),
                "{d:?}"
            );
            assert!(READ_DEFAULTS[i + 1..].iter().all(|e| e.path != d.path));
        }
        for d in DEFAULT_ITEMS {
            assert!(d.recording.ends_with(".json") && d.not_found_recording.ends_with(".json"));
            assert!(d.path.starts_with(d.collection) && fresh_setting(d.path).is_none());
        }
        for (i, f) in FRESH_SETTINGS.iter().enumerate() {
            assert!(f.recording.ends_with(".json"), "{f:?}");
            if let FreshAnswer::Value(body) = f.answer {
                assert!(
                    serde_json::from_str::<serde_json::Value>(body).is_ok(),
                    "{f:?}"
                );
            }
            assert!(FRESH_SETTINGS[i + 1..].iter().all(|g| g.path != f.path));
        }
    }
}
