//! Client credentials: `/clients/{client_id}/credentials[/{credential_id}]`, for the tenant's
//! own clients. The public keys registered here are the ones `private_key_jwt` assertions are
//! verified with, so a test rotates keys the way an operator does (add the new credential,
//! switch, delete the old one).
//!
//! Requests naming a client the tenant does not hold are answered by the generic handler of
//! the API description, as every other operation without a hand-written handler.

use super::base::*;
use super::generic;
use crate::store::Credential;

/// The most credentials of one type (a public key, a certificate, a subject name) Auth0 lets a
/// client hold, two so that one can replace the other.
pub(crate) const MAX_CREDENTIALS: usize = 2;

/// Whether this request is one of the credential operations on a client the tenant holds.
pub(super) fn owns(op: &generic::Op, segs: &[String], store: &Store) -> bool {
    op.path.starts_with("/clients/{client_id}/credentials")
        && segs.get(1).is_some_and(|id| {
            store
                .items(crate::store::CLIENTS)
                .iter()
                .any(|c| c["client_id"].as_str() == Some(id.as_str()))
        })
}

/// Handles a credential operation on a client the tenant holds.
pub(super) fn handle(method: &Method, segs: &[String], ctx: &Ctx<'_>, store: &mut Store) -> Res {
    let client_id = segs.get(1).cloned().unwrap_or_default();
    let cred_id = segs.get(3).cloned();
    match (method.as_str(), cred_id) {
        ("GET", None) => {
            let items: Vec<Value> = store
                .credentials
                .get(&client_id)
                .map(|v| v.iter().map(Credential::to_json).collect())
                .unwrap_or_default();
            Ok(json(StatusCode::OK, &Value::Array(items)))
        }
        ("POST", None) => create(ctx, store, &client_id),
        ("GET", Some(id)) => {
            let c = find(store, &client_id, &id)?;
            Ok(json(StatusCode::OK, &c.to_json()))
        }
        ("PATCH", Some(id)) => {
            let body = ctx.obj()?;
            if body.is_empty() {
                return Err(ApiErr::bad_body(
                    "Payload validation error: 'Too few properties defined (0), minimum 1'.",
                ));
            }
            let expires_at = match body.get("expires_at") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => {
                    return Err(ApiErr::bad_body(
                        "Payload validation error: 'Expected type string,null' on property expires_at.",
                    ));
                }
            };
            let now = iso8601(now_ms());
            let list = store.credentials.entry(client_id).or_default();
            let c = list
                .iter_mut()
                .find(|c| c.id == id)
                .ok_or_else(no_credential)?;
            c.expires_at = expires_at;
            c.updated_at = now;
            Ok(json(StatusCode::OK, &c.to_json()))
        }
        ("DELETE", Some(id)) => {
            if let Some(list) = store.credentials.get_mut(&client_id) {
                list.retain(|c| c.id != id);
            }
            store.sync_client_credentials(&client_id);
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => Err(ApiErr::not_found("Not Found", None)),
    }
}

fn no_credential() -> ApiErr {
    ApiErr::not_found(
        "The credential does not exist",
        Some("inexistent_credential"),
    )
}

/// Refuses a credential of type `ctype` when the client holds the most of that type.
fn room_for(list: &[Credential], ctype: &str) -> Result<(), ApiErr> {
    if list.iter().filter(|c| c.credential_type == ctype).count() >= MAX_CREDENTIALS {
        return Err(ApiErr::bad_body(format!(
            "A client can have at most {MAX_CREDENTIALS} credentials of type {ctype}; delete one first"
        )));
    }
    Ok(())
}

fn find<'a>(store: &'a Store, client_id: &str, id: &str) -> Result<&'a Credential, ApiErr> {
    store
        .credentials
        .get(client_id)
        .and_then(|l| l.iter().find(|c| c.id == id))
        .ok_or_else(no_credential)
}

fn create(ctx: &Ctx<'_>, store: &mut Store, client_id: &str) -> Res {
    let body = ctx.obj()?;
    let answer = add_credential(store, client_id, &body)?;
    store.sync_client_credentials(client_id);
    Ok(json(StatusCode::CREATED, &answer))
}

/// Registers the credential `body` describes for the client `client_id` and returns it as
/// Auth0 answers it; the client's `client_authentication_methods` are left to the caller
/// ([`Store::sync_client_credentials`]).
pub(crate) fn add_credential(
    store: &mut Store,
    client_id: &str,
    body: &Map<String, Value>,
) -> Result<Value, ApiErr> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let ctype = text("credential_type").ok_or_else(|| {
        ApiErr::bad_body("Payload validation error: 'Missing required property: credential_type'.")
    })?;
    match ctype.as_str() {
        "public_key" => {}
        "x509_cert" | "cert_subject_dn" => {
            return add_certificate(store, client_id, body, &ctype);
        }
        other => {
            return Err(ApiErr::bad_body(format!(
                "Payload validation error: 'No enum match for: \"{other}\"' on property credential_type (expected one of public_key, cert_subject_dn, x509_cert)."
            )));
        }
    }
    let alg = text("alg").unwrap_or_else(|| "RS256".to_owned());
    if !["RS256", "RS384", "PS256"].contains(&alg.as_str()) {
        return Err(ApiErr::bad_body(format!(
            "Payload validation error: 'No enum match for: \"{alg}\"' on property alg (expected one of RS256, RS384, PS256)."
        )));
    }
    let pem = text("pem").ok_or_else(|| {
        ApiErr::bad_body("Payload validation error: 'Missing required property: pem'.")
    })?;
    let thumbprint = crate::keys::rsa_public_thumbprint(&pem).ok_or_else(|| {
        ApiErr::bad_body("The pem is not a valid RSA public key (SPKI or PKCS#1 PEM)")
    })?;
    let kid = match text("kid") {
        Some(k) => {
            let ok = (10..=64).contains(&k.len())
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                return Err(ApiErr::bad_body(
                    "Payload validation error: 'String does not match pattern ^([0-9a-zA-Z-_]{10,64})$' on property kid.",
                ));
            }
            k
        }
        None => thumbprint,
    };
    let list = store.credentials.entry(client_id.to_owned()).or_default();
    room_for(list, &ctype)?;
    if list.iter().any(|c| c.kid == kid) {
        return Err(ApiErr::conflict(
            "A credential with this kid already exists",
            Some("credential_conflict"),
        ));
    }
    let now = iso8601(now_ms());
    let cred = Credential {
        id: format!("cred_{}", random_alnum(22)),
        name: text("name").unwrap_or_default(),
        kid,
        alg,
        credential_type: "public_key".into(),
        pem,
        thumbprint: None,
        created_at: now.clone(),
        updated_at: now,
        expires_at: text("expires_at"),
        subject_dn: None,
    };
    let mut answer = cred.to_json();
    if let Some(o) = answer.as_object_mut()
        && o.get("expires_at").is_some_and(Value::is_null)
    {
        o.remove("expires_at");
    }
    list.push(cred);
    Ok(answer)
}

/// A credential of a certificate: `x509_cert` (the certificate itself, known by its SHA-256
/// thumbprint, for `self_signed_tls_client_auth`) or `cert_subject_dn` (a subject name, for
/// `tls_client_auth`), as go-auth0's `TestClient_CreateAllCredential_*` recordings show them.
fn add_certificate(
    store: &mut Store,
    client_id: &str,
    body: &Map<String, Value>,
    ctype: &str,
) -> Result<Value, ApiErr> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let (pem, thumbprint, subject_dn) = if ctype == "x509_cert" {
        let pem = text("pem").ok_or_else(|| {
            ApiErr::bad_body("Payload validation error: 'Missing required property: pem'.")
        })?;
        let x5t = crate::keys::pem_certificate_x5t(&pem)
            .ok_or_else(|| ApiErr::bad_body("The pem is not a valid X.509 certificate (PEM)"))?;
        (pem, Some(x5t), None)
    } else {
        // A subject given as such, or read out of the certificate sent.
        let dn = match (text("subject_dn").filter(|d| !d.is_empty()), text("pem")) {
            (Some(dn), None) => dn,
            (Some(_), Some(_)) => {
                return Err(ApiErr::bad_body(
                    "Payload validation error: subject_dn and pem are mutually exclusive",
                ));
            }
            (None, Some(pem)) => crate::keys::pem_certificate_subject(&pem).ok_or_else(|| {
                ApiErr::bad_body("The pem is not a valid X.509 certificate (PEM)")
            })?,
            (None, None) => {
                return Err(ApiErr::bad_body(
                    "Payload validation error: a cert_subject_dn credential needs subject_dn or pem",
                ));
            }
        };
        (String::new(), None, Some(dn))
    };
    let list = store.credentials.entry(client_id.to_owned()).or_default();
    room_for(list, ctype)?;
    let now = iso8601(now_ms());
    let cred = Credential {
        id: format!("cred_{}", random_alnum(22)),
        name: text("name").unwrap_or_default(),
        kid: String::new(),
        alg: String::new(),
        credential_type: ctype.to_owned(),
        pem,
        thumbprint,
        created_at: now.clone(),
        updated_at: now,
        // A certificate's credential has no expiry of its own.
        expires_at: (ctype == "x509_cert").then(|| "9999-12-31T23:59:59.000Z".to_owned()),
        subject_dn,
    };
    let answer = cred.to_json();
    list.push(cred);
    Ok(answer)
}
