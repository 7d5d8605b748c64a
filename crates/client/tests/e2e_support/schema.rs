//! Validation of the fake tenant's answers against the response schemas of Auth0's Management API
//! description (`../shared/auth0/management-api-oas.json` beside the workspace), with a JSON
//! Schema validator.
//!
//! Formats are checked, the description's own ones included (`cidr`, `ipv6_cidr`,
//! `forms-expression`, `forms-custom-identifier`, defined below from their names and Auth0's
//! documentation); other unknown formats are annotations. Patterns are checked, but for those
//! the validator's regular-expression engine cannot compile (ECMAScript-only syntax), which are
//! left out and counted. Where the description contradicts what Auth0 really answers, a
//! correction is applied, each with the recording that shows the real answer: the required
//! fields of [`ERRATA`] and the keywords of [`KEYWORD_ERRATA`] are dropped, the properties of
//! [`PROPERTY_ERRATA`] and the values of [`ENUM_ERRATA`] added, the properties of
//! [`NULLABLE_ERRATA`] allowed to be `null`, and the `oneOf` of list answers becomes an `anyOf` (see
//! [`pages_any_of`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use std::path::PathBuf;

use auth0_m2m::management::path::decode_segment;
use auth0_m2m_fake::Answer;
use serde_json::{Map, Value, json};

/// Corrections of the description: `(schema, required field to drop, why)`.
pub const ERRATA: &[(&str, &str, &str)] = &[
    (
        "RotateConnectionsKeysResponseContent",
        "fingerprint",
        "recordings/go-auth0/TestConnectionManager_RotateKeys.json: a rotation answers the new \
         key's cert and kid only",
    ),
    (
        "RotateConnectionsKeysResponseContent",
        "thumbprint",
        "as above",
    ),
    (
        "GetBrandingPhoneProviderResponseContent",
        "credentials",
        "required but not a property (additionalProperties is false): no answer can be valid; \
         Auth0 never returns the credentials (recordings/go-auth0/\
         TestBrandingManager_ReadPhoneProvider.json)",
    ),
    (
        "CreateBrandingPhoneProviderResponseContent",
        "credentials",
        "as above (TestBrandingManager_CreatePhoneProvider.json)",
    ),
    (
        "UpdateBrandingPhoneProviderResponseContent",
        "credentials",
        "as above (TestBrandingManager_UpdatePhoneProvider.json)",
    ),
    (
        "PhoneProviderSchemaMasked",
        "credentials",
        "as above, the items of the providers list (TestBrandingManager_ListPhoneProviders.json)",
    ),
];

/// Corrections of the description: `(schema, keyword to drop, why)`.
pub const KEYWORD_ERRATA: &[(&str, &str, &str)] = &[(
    "GetHookSecretResponseContent",
    "minProperties",
    "recordings/go-auth0/TestHookManager_RemoveAllSecrets.json: once every secret is removed, \
     Auth0 answers {}",
)];

/// Corrections of the description: `(schema, property it lacks, the property's schema, why)`;
/// the property is added to a schema whose `additionalProperties` is false.
pub const PROPERTY_ERRATA: &[(&str, &str, &str, &str)] = &[
    (
        "CreateFlowsVaultConnectionResponseContent",
        "refreshed_at",
        r#"{"type": ["string", "null"], "format": "date-time"}"#,
        "recordings/go-auth0/TestFlowVaultConnectionManager_List.json: null until refreshed",
    ),
    (
        "FlowsVaultConnectionSummary",
        "refreshed_at",
        r#"{"type": ["string", "null"], "format": "date-time"}"#,
        "as above",
    ),
    (
        "GetFlowsVaultConnectionResponseContent",
        "refreshed_at",
        r#"{"type": ["string", "null"], "format": "date-time"}"#,
        "as above",
    ),
    (
        "UpdateFlowsVaultConnectionResponseContent",
        "refreshed_at",
        r#"{"type": ["string", "null"], "format": "date-time"}"#,
        "as above",
    ),
    (
        "ConnectionForList",
        "enabled_clients",
        r#"{"type": "array", "items": {"type": "string"}}"#,
        "recordings/go-auth0/TestConnectionManager_ReadByName_It_can_successfully_find_a_Auth0_Connection_by_its_name.json: \
         listed connections hold it",
    ),
    (
        "EventStreamCloudEvent",
        "a0purpose",
        r#"{"type": "string"}"#,
        "recordings/go-auth0/TestEventStreamManager_Integration.json: a test event holds it",
    ),
    (
        "EventStreamCloudEvent",
        "a0stream",
        r#"{"type": "string"}"#,
        "as above",
    ),
    (
        "EventStreamCloudEvent",
        "a0tenant",
        r#"{"type": "string"}"#,
        "as above",
    ),
    (
        "AssociateOrganizationClientGrantResponseContent",
        "grant_id",
        r#"{"type": "string"}"#,
        "recordings/go-auth0/TestClientGrantManager_Organizations.json: the answer names the \
         grant `grant_id`",
    ),
    (
        "CreateCustomDomainResponseContent",
        "created_at",
        r#"{"type": "string", "format": "date-time"}"#,
        "recordings/go-auth0/TestPromptManager_UpdateRendering.json: a new custom domain has it",
    ),
    (
        "CreatePhoneTemplateResponseContent",
        "created_at",
        r#"{"type": "string", "format": "date-time"}"#,
        "recordings/go-auth0/TestBrandingManager_CreatePhoneNotificationTemplate.json",
    ),
    (
        "CreatePhoneTemplateResponseContent",
        "updated_at",
        r#"{"type": "string", "format": "date-time"}"#,
        "as above",
    ),
    (
        "TenantSettingsFlags",
        "allow_other_legacy_grant_types",
        r#"{"type": "boolean"}"#,
        "recordings/go-auth0/TestTenantManager_CIMDAndResourceParameterProfile.json: a tenant's \
         flags hold it",
    ),
    (
        "TenantSettingsFlags",
        "universal_login",
        r#"{"type": "boolean"}"#,
        "as above",
    ),
    (
        "ResetPhoneTemplateResponseContent",
        "created_at",
        r#"{"type": "string", "format": "date-time"}"#,
        "recordings/go-auth0/TestBrandingManager_ResetPhoneNotificationTemplate.json: the reset \
         template whole, with its timestamps",
    ),
    (
        "ResetPhoneTemplateResponseContent",
        "updated_at",
        r#"{"type": "string", "format": "date-time"}"#,
        "as above",
    ),
    (
        "CreateBrandingThemeResponseContent",
        "identifiers",
        r#"{"type": "object"}"#,
        "recordings/go-auth0/TestBrandingThemeManager_Update_Identifiers.json: a new theme has \
         its identifiers' display settings",
    ),
    (
        "GetBrandingThemeResponseContent",
        "identifiers",
        r#"{"type": "object"}"#,
        "as above",
    ),
    (
        "UpdateBrandingThemeResponseContent",
        "identifiers",
        r#"{"type": "object"}"#,
        "as above",
    ),
];

/// The properties of every log event that Auth0 answers `null` where they do not apply to the
/// event (see [`NULLABLE_ERRATA`]).
const LOG_NULLABLE: &[&str] = &[
    "audience",
    "client_id",
    "client_name",
    "connection",
    "connection_id",
    "details",
    "hostname",
    "location_info",
    "strategy",
    "strategy_type",
    "user_id",
    "user_name",
];

/// Corrections of the description: `(schema, properties that may be null, why)`; each
/// property's schema becomes "its schema or null".
pub const NULLABLE_ERRATA: &[(&str, &[&str], &str)] = &[
    (
        "Log",
        LOG_NULLABLE,
        "recordings/go-auth0/TestLogManager_Search.json: every event holds every key, null \
         where it does not apply (an API operation has no connection, no user)",
    ),
    ("GetLogResponseContent", LOG_NULLABLE, "as above"),
    (
        "Client",
        DEFAULT_APP_NULLABLE,
        "recordings/ruby-auth0/Auth0_Api_V2_Clients__clients_should_get_at_least_one_client.json: \
         a new tenant's Default App reads `callbacks: null`",
    ),
    ("GetClientResponseContent", DEFAULT_APP_NULLABLE, "as above"),
    (
        "UpdateClientResponseContent",
        DEFAULT_APP_NULLABLE,
        "as above",
    ),
    (
        "RotateClientSecretResponseContent",
        DEFAULT_APP_NULLABLE,
        "as above",
    ),
];

/// The properties a new tenant's Default App reads as `null` (see [`NULLABLE_ERRATA`]).
const DEFAULT_APP_NULLABLE: &[&str] = &["callbacks"];

/// Corrections of the description: `(enum schema, value it lacks, why)`.
pub const ENUM_ERRATA: &[(&str, &str, &str)] = &[
    (
        "EventStreamDeliveryStatusEnum",
        "pending",
        "recordings/go-auth0/TestEventStreamManager_Integration.json: a test event is pending \
         before its first attempt",
    ),
    (
        "LogStreamFilterGroupNameEnum",
        "security",
        "recordings/go-auth0/TestLogStreamManager_Update_It_can_successfully_update_a_Sumo_LogStream.json: \
         a new log stream's default filter names it",
    ),
    (
        "DomainVerificationMethodNameEnum",
        "CNAME",
        "recordings/go-auth0/TestPromptManager_UpdateRendering.json: a new custom domain's \
         verification method is named in capitals",
    ),
];

/// Statuses the description gets wrong: `(method, path template, status Auth0 answers,
/// status the description documents, evidence)`; the answer is checked against the documented
/// status's schema.
pub const STATUS_ERRATA: &[(&str, &str, u16, u16, &str)] = &[
    (
        "POST",
        "/flows/vault/connections",
        200,
        201,
        "recordings/go-auth0/TestFlowVaultConnectionManager_List.json: Auth0 answers 200",
    ),
    (
        "POST",
        "/organizations/{id}/invitations",
        201,
        200,
        "recordings/go-auth0/TestOrganizationManager_CreateInvitation.json: Auth0 answers 201",
    ),
    (
        "DELETE",
        "/network-acls/{id}",
        200,
        204,
        "recordings/go-auth0/TestNetworkACLManager_Delete.json: Auth0 answers 200 with a body",
    ),
    (
        "PATCH",
        "/resource-servers/{id}",
        200,
        201,
        "recordings/go-auth0/TestResourceServer_Update.json: Auth0 answers 200",
    ),
    (
        "POST",
        "/actions/actions/{id}/deploy",
        200,
        202,
        "recordings/go-auth0/TestActionManager_Deploy.json: Auth0 answers 200",
    ),
    (
        "POST",
        "/actions/actions/{actionId}/versions/{id}/deploy",
        200,
        202,
        "recordings/go-auth0/TestActionManager_DeployVersion.json: Auth0 answers 200",
    ),
];

/// The most `pattern` keywords the validator may fail to compile and leave out: the count of
/// the description this was written against. A validator or description that loses more
/// patterns fails the run instead of silently checking less.
pub const MAX_PATTERNS_LEFT_OUT: usize = 3;

/// The outcome of validating a set of answers and the requests they answered.
#[derive(Debug, Default)]
pub struct Validation {
    /// Answers with a JSON body that were validated.
    pub checked: usize,
    /// Operations with at least one validated answer.
    pub operations: BTreeSet<String>,
    /// Operations whose successful answers have no body (204, or no JSON schema).
    pub bodiless: BTreeSet<String>,
    /// One line per invalid answer.
    pub invalid: Vec<String>,
    /// Requests whose path, query and body were checked.
    pub requests: usize,
    /// Of those, requests with a JSON body validated against the operation's `requestBody`.
    pub request_bodies: usize,
    /// Query parameters checked against the operation's parameters.
    pub query_parameters: usize,
    /// One line per invalid request.
    pub invalid_requests: Vec<String>,
    /// Patterns left out because the engine cannot compile them.
    pub patterns_left_out: usize,
    /// List answers whose `oneOf` became an `anyOf`.
    pub lists_corrected: usize,
    /// Patterns whose counts were written with a space.
    pub counts_corrected: usize,
}

/// Where the description is, if it is there.
pub fn description_path() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/auth0/management-api-oas.json");
    path.exists().then_some(path)
}

/// One operation of the description.
struct Operation<'a> {
    method: &'a str,
    template: &'a str,
    /// The template's segments below `/api/v2` (`{id}` for a parameter).
    segments: Vec<&'a str>,
    op: &'a Value,
    /// The path item's parameters, which every operation of the path shares.
    shared_parameters: &'a Value,
}

impl Operation<'_> {
    /// `operationId`, or `METHOD template` where the description gives none.
    fn id(&self) -> String {
        self.op["operationId"].as_str().map_or_else(
            || format!("{} {}", self.method, self.template),
            str::to_owned,
        )
    }
}

/// The operations of the description.
fn operations(spec: &Value) -> Vec<Operation<'_>> {
    spec["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(template, item)| {
            item.as_object()
                .into_iter()
                .flatten()
                .filter(|(method, _)| {
                    matches!(method.as_str(), "get" | "put" | "post" | "delete" | "patch")
                })
                .map(move |(method, op)| Operation {
                    method,
                    template,
                    segments: template.split('/').filter(|s| !s.is_empty()).collect(),
                    op,
                    shared_parameters: &item["parameters"],
                })
        })
        .collect()
}

/// The operation a request of `method` on `path` (`/api/v2/...`, percent-encoded as sent) is
/// for: its method is `method` and its template matches the path's decoded segments; where
/// several match (`/jobs/{id}` and `/jobs/users-exports`), the one with the most literal
/// segments.
fn find<'a, 'b>(
    operations: &'b [Operation<'a>],
    method: &str,
    path: &str,
) -> Option<&'b Operation<'a>> {
    let below = path.strip_prefix("/api/v2")?;
    let segments: Vec<String> = below
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| decode_segment(s).unwrap_or_else(|| s.to_owned()))
        .collect();
    operations
        .iter()
        .filter(|o| o.method.eq_ignore_ascii_case(method) && o.segments.len() == segments.len())
        .filter_map(|o| {
            let mut literals = 0;
            for (t, s) in o.segments.iter().zip(&segments) {
                if t.starts_with('{') && t.ends_with('}') {
                    if s.is_empty() {
                        return None;
                    }
                } else if t == s {
                    literals += 1;
                } else {
                    return None;
                }
            }
            Some((literals, o))
        })
        .max_by_key(|(literals, _)| *literals)
        .map(|(_, o)| o)
}

/// `value` with a `$ref` to the description's components replaced by what it refers to.
fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(r) => r
            .strip_prefix("#/")
            .map(|p| p.split('/').fold(spec, |v, k| &v[k]))
            .unwrap_or(value),
        None => value,
    }
}

/// The names of the query parameters the operation takes.
fn query_names(spec: &Value, o: &Operation<'_>) -> BTreeSet<String> {
    [o.shared_parameters, &o.op["parameters"]]
        .into_iter()
        .filter_map(Value::as_array)
        .flatten()
        .map(|p| resolve(spec, p))
        .filter(|p| p["in"] == "query")
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect()
}

/// The names in a query string, decoded.
fn names_in_query(query: &str) -> Vec<String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or(pair).replace('+', " ");
            decode_segment(&name).unwrap_or(name)
        })
        .collect()
}

/// Up to three errors of `validator` on `body`, each with where it is.
fn errors_of(validator: &jsonschema::Validator, body: &Value) -> Vec<String> {
    validator
        .iter_errors(body)
        .take(3)
        .map(|e| {
            let text = e.to_string();
            let text = match text.char_indices().nth(240) {
                Some((cut, _)) => format!("{}…", &text[..cut]),
                None => text,
            };
            format!(
                "{text} at `{}` (schema `{}`)",
                e.instance_path(),
                e.schema_path()
            )
        })
        .collect()
}

/// Checks the request an answer answered against its operation: the query's parameter names
/// against the operation's parameters, and the body against its `requestBody` (a JSON body
/// against the schema of `application/json`; another body's media type against the
/// description's). Returns the problems found.
fn check_request(
    spec: &Value,
    o: &Operation<'_>,
    answer: &Answer,
    validate: &mut impl FnMut(&Value) -> Vec<String>,
    out: &mut Validation,
) -> Vec<String> {
    let mut problems = Vec::new();
    let allowed = query_names(spec, o);
    for name in names_in_query(&answer.query) {
        out.query_parameters += 1;
        if !allowed.contains(&name) {
            problems.push(format!(
                "query parameter `{name}` is not a parameter of the operation (it takes {allowed:?})"
            ));
        }
    }
    let request_body = resolve(spec, &o.op["requestBody"]);
    if answer.request_body.is_empty() {
        if request_body["required"] == true {
            problems.push("no body, where the description requires one".to_owned());
        }
        return problems;
    }
    let Some(content) = request_body["content"].as_object() else {
        problems.push("a body, where the description takes none".to_owned());
        return problems;
    };
    let media = answer
        .request_content_type
        .as_deref()
        .and_then(|ct| ct.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !content.contains_key(&media) {
        problems.push(format!(
            "a body of type `{media}`, where the description takes {:?}",
            content.keys().collect::<Vec<_>>()
        ));
        return problems;
    }
    if media != "application/json" {
        return problems;
    }
    match serde_json::from_slice::<Value>(&answer.request_body) {
        Ok(body) => {
            out.request_bodies += 1;
            problems.extend(validate(&body));
        }
        Err(e) => problems.push(format!("the JSON body does not parse ({e})")),
    }
    problems
}

/// Validates every recorded request against its operation, found by method and path in the
/// description, and every successful answer with a JSON body against that operation's schema.
pub fn validate(spec: &Value, answers: &[Answer]) -> Validation {
    let mut out = Validation::default();
    let mut components = spec["components"].clone();
    for (schema, field, _) in ERRATA {
        let required = &mut components["schemas"][*schema]["required"];
        if let Some(list) = required.as_array_mut() {
            list.retain(|f| f != field);
        }
    }
    for (schema, keyword, _) in KEYWORD_ERRATA {
        if let Some(o) = components["schemas"][*schema].as_object_mut() {
            o.remove(*keyword);
        }
    }
    for (schema, value, _) in ENUM_ERRATA {
        let enum_schema = &mut components["schemas"][*schema];
        if let Some(values) = enum_schema["enum"].as_array_mut() {
            values.push(Value::from(*value));
        }
        // Length bounds derived from the listed values do not bind the added one.
        if let Some(o) = enum_schema.as_object_mut() {
            o.remove("maxLength");
            o.remove("minLength");
        }
    }
    for (schema, property, property_schema, _) in PROPERTY_ERRATA {
        if let Some(props) = components["schemas"][*schema]["properties"].as_object_mut() {
            let s = serde_json::from_str(property_schema).expect("an erratum's schema is JSON");
            props.insert((*property).to_owned(), s);
        }
    }
    for (schema, properties, _) in NULLABLE_ERRATA {
        if let Some(props) = components["schemas"][*schema]["properties"].as_object_mut() {
            for property in *properties {
                if let Some(p) = props.get_mut(*property) {
                    *p = json!({"anyOf": [p.clone(), {"type": "null"}]});
                }
            }
        }
    }
    out.lists_corrected = pages_any_of(&mut components);
    out.counts_corrected = spaced_counts(&mut components);
    out.patterns_left_out = strip_uncompilable_patterns(&mut components);
    let options = jsonschema::options()
        .should_validate_formats(true)
        .with_format("cidr", is_ipv4_cidr)
        .with_format("ipv6_cidr", is_ipv6_cidr)
        .with_format("forms-expression", |s: &str| s.contains("{{"))
        .with_format("forms-custom-identifier", |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        });
    let build = |schema: &Value| {
        options
            .build(&json!({"allOf": [schema], "components": components}))
            .expect("the description's schema compiles")
    };
    let operations = operations(spec);
    let mut validators = BTreeMap::new();
    let mut request_validators = BTreeMap::new();
    for answer in answers {
        let Some(o) = find(&operations, &answer.method, &answer.path) else {
            out.invalid_requests.push(format!(
                "{} {}: no operation of the description has this method and path",
                answer.method, answer.path
            ));
            continue;
        };
        let (template, operation) = (o.template, o.id());
        out.requests += 1;
        let problems = {
            let key = (o.method, template);
            let schema =
                &resolve(spec, &o.op["requestBody"])["content"]["application/json"]["schema"];
            let mut validate = |body: &Value| {
                let validator = request_validators
                    .entry(key)
                    .or_insert_with(|| build(schema));
                errors_of(validator, body)
            };
            check_request(spec, o, answer, &mut validate, &mut out)
        };
        if !problems.is_empty() {
            out.invalid_requests.push(format!(
                "{} {} ({template}): {}",
                answer.method,
                answer.path,
                problems.join("; ")
            ));
        }
        if !(200..300).contains(&answer.status) {
            continue;
        }
        let documented = STATUS_ERRATA
            .iter()
            .find(|(m, t, real, _, _)| {
                *m == answer.method && *t == template && *real == answer.status
            })
            .map_or(answer.status, |e| e.3);
        let mut schema =
            o.op["responses"][documented.to_string()]["content"]["application/json"]["schema"]
                .clone();
        let fresh = !validators.contains_key(&(operation.clone(), answer.status));
        if page_any_of(&mut schema) && fresh {
            out.lists_corrected += 1;
        }
        if answer.body.is_empty() && !schema.is_null() && answer.status != 204 {
            out.invalid.push(format!(
                "{} {template}: no body, where the description gives one",
                answer.method
            ));
            continue;
        }
        if answer.body.is_empty() || schema.is_null() {
            if !answer.body.is_empty() && !o.op["responses"][documented.to_string()].is_object() {
                out.invalid.push(format!(
                    "{} {template}: status {} is not a documented answer",
                    answer.method, answer.status
                ));
            }
            out.bodiless.insert(operation);
            continue;
        }
        let body: Value = match serde_json::from_slice(&answer.body) {
            Ok(v) => v,
            Err(e) => {
                out.invalid
                    .push(format!("{} {template}: not JSON ({e})", answer.method));
                continue;
            }
        };
        let validator = validators
            .entry((operation.clone(), answer.status))
            .or_insert_with(|| build(&schema));
        out.checked += 1;
        out.operations.insert(operation);
        let errors = errors_of(validator, &body);
        if !errors.is_empty() {
            out.invalid.push(format!(
                "{} {} ({template}): {}",
                answer.method,
                answer.path,
                errors.join("; ")
            ));
        }
    }
    let validated = out.operations.clone();
    out.bodiless.retain(|op| !validated.contains(op));
    out
}

/// Turns the `oneOf` of every list answer (a bare array, an offset envelope, a checkpoint
/// envelope) into an `anyOf`; returns how many. Both envelopes' fields are optional, so a page
/// holding only its items (`{"users": […]}`: the last checkpoint page, which has no `next`) is
/// valid under both, and `oneOf` would refuse it. Auth0 answers exactly that
/// (recordings/go-auth0/TestRoleManager_UsersCheckpointPagination.json,
/// TestOrganizationManager_MembersCheckpointPagination.json).
fn pages_any_of(components: &mut Value) -> usize {
    components["schemas"]
        .as_object_mut()
        .into_iter()
        .flat_map(|m| m.values_mut())
        .filter_map(|schema| page_any_of(schema).then_some(()))
        .count()
}

/// [`pages_any_of`] for one schema; whether it was a list answer.
fn page_any_of(schema: &mut Value) -> bool {
    let Some(map) = schema.as_object_mut() else {
        return false;
    };
    let pages = map
        .get("oneOf")
        .and_then(Value::as_array)
        .is_some_and(|alts| {
            alts.iter().any(|a| {
                a["$ref"]
                    .as_str()
                    .is_some_and(|r| r.ends_with("PaginatedResponseContent"))
            })
        });
    if pages && let Some(alts) = map.remove("oneOf") {
        map.insert("anyOf".to_owned(), alts);
    }
    pages
}

/// Counts written with a space (`^\+[0-9]{8, 20}`, a phone number) are literal text to
/// ECMAScript and to the validator, so no phone number would match; they are read as the counts
/// they are meant to be. Returns how many patterns were corrected.
fn spaced_counts(schema: &mut Value) -> usize {
    with_each_pattern(schema, &mut |map| {
        if let Some(Value::String(p)) = map.get_mut("pattern")
            && let Some(corrected) = without_spaced_counts(p)
        {
            *p = corrected;
            true
        } else {
            false
        }
    })
}

/// `{8, 20}` → `{8,20}`, if the pattern has such a count.
fn without_spaced_counts(pattern: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = pattern;
    let mut changed = false;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let close = after.find('}').unwrap_or(after.len() - 1);
        let inner = &after[1..close];
        let is_count = inner
            .split(',')
            .all(|n| n.trim().chars().all(|c| c.is_ascii_digit()))
            && inner.contains(", ");
        if is_count {
            out.push('{');
            out.push_str(&inner.replace(' ', ""));
            out.push('}');
            changed = true;
        } else {
            out.push_str(&after[..=close]);
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// Removes the `pattern` keywords the validator cannot compile; returns how many.
fn strip_uncompilable_patterns(schema: &mut Value) -> usize {
    let mut compiles: HashMap<String, bool> = HashMap::new();
    with_each_pattern(schema, &mut |map| {
        let pattern = map["pattern"].as_str().unwrap_or_default().to_owned();
        let compiles = *compiles
            .entry(pattern)
            .or_insert_with_key(|p| jsonschema::validator_for(&json!({"pattern": p})).is_ok());
        if !compiles {
            map.remove("pattern");
        }
        !compiles
    })
}

/// Calls `f` with every schema object that has a string `pattern` keyword (a property named
/// `pattern` holds a schema object, not a string); returns how many calls answered `true`.
fn with_each_pattern(
    schema: &mut Value,
    f: &mut impl FnMut(&mut Map<String, Value>) -> bool,
) -> usize {
    match schema {
        Value::Object(map) => {
            let changed = map.get("pattern").is_some_and(Value::is_string) && f(map);
            usize::from(changed)
                + map
                    .values_mut()
                    .map(|v| with_each_pattern(v, f))
                    .sum::<usize>()
        }
        Value::Array(items) => items.iter_mut().map(|v| with_each_pattern(v, f)).sum(),
        _ => 0,
    }
}

/// `192.0.2.0/24`.
fn is_ipv4_cidr(s: &str) -> bool {
    s.split_once('/').is_some_and(|(ip, bits)| {
        ip.parse::<std::net::Ipv4Addr>().is_ok() && bits.parse::<u8>().is_ok_and(|b| b <= 32)
    })
}

/// `2001:db8::/32`.
fn is_ipv6_cidr(s: &str) -> bool {
    s.split_once('/').is_some_and(|(ip, bits)| {
        ip.parse::<std::net::Ipv6Addr>().is_ok() && bits.parse::<u8>().is_ok_and(|b| b <= 128)
    })
}
