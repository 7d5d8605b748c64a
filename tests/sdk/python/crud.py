"""The official Auth0 Python SDK (PyPI `auth0-python`) against a running fake tenant.

It creates, reads, updates, lists and deletes clients, connections, roles, users, organizations
with members, log streams and actions through the SDK's own ManagementClient, which fetches its
token with the client-credentials grant at the tenant's /oauth/token.

Environment:
  FAKE_TENANT_DOMAIN         the tenant's domain, e.g. 127.0.0.1:8443
  FAKE_TENANT_CLIENT_ID      a client with a Management API grant
  FAKE_TENANT_CLIENT_SECRET  its secret
  SSL_CERT_FILE              the tenant's CA certificate (auth0-m2m-fake --ca-out FILE); the SDK's
                             HTTP library, httpx, reads it (it ignores REQUESTS_CA_BUNDLE)

Prints one line per step (`ok   STEP: what was checked`) and exits with status 1 at the first
failed expectation (`FAIL STEP: what was expected and what came`).

  python3 -m venv .venv && .venv/bin/pip install -r requirements.txt && .venv/bin/python crud.py
"""

import json
import os
import sys
import time
import traceback
from importlib.metadata import version

from auth0.management import (
    ActionTrigger,
    CreateLogStreamHttpRequestBody,
    LogStreamHttpSink,
    ManagementClient,
    NotFoundError,
)
from auth0.management.core.api_error import ApiError


class Expectation(Exception):
    pass


def env(name):
    value = os.environ.get(name)
    if not value:
        print(f"FAIL setup: the environment variable {name} is not set", flush=True)
        sys.exit(1)
    return value


DOMAIN = env("FAKE_TENANT_DOMAIN")
CLIENT_ID = env("FAKE_TENANT_CLIENT_ID")
CLIENT_SECRET = env("FAKE_TENANT_CLIENT_SECRET")
CA = env("SSL_CERT_FILE")


def show(value):
    return json.dumps(value, default=str)


def expect(condition, message):
    if not condition:
        raise Expectation(message)


def expect_equal(actual, expected, what):
    expect(actual == expected, f"{what}: expected {show(expected)}, got {show(actual)}")


def fields(model):
    """The answer as the JSON object it came as (pydantic model, wire names)."""
    return model.model_dump(by_alias=True, exclude_unset=True, mode="json")


def expect_fields(model, sent, what):
    """Every field of `sent` reads back as sent."""
    got = fields(model)
    for key, value in sent.items():
        expect_equal(got.get(key), value, f"{what}.{key}")


def expect_not_found(read, what):
    try:
        answer = read()
    except NotFoundError as e:
        expect(isinstance(e, ApiError), f"{what}: NotFoundError is not an ApiError")
        expect_equal(e.status_code, 404, f"{what}: the error's status_code")
        return "NotFoundError, status_code 404"
    except ApiError as e:
        raise Expectation(
            f"{what}: expected the SDK's NotFoundError, got {type(e).__name__} "
            f"(status_code {e.status_code}): {show(e.body)}"
        ) from e
    raise Expectation(f"{what}: expected a 404 error, got an answer: {show(fields(answer))}")


def step(name, run):
    try:
        found = run()
    except Expectation as e:
        message = str(e)
    except ApiError as e:
        message = (
            f"the SDK raised {type(e).__name__} (status_code {e.status_code}): body {show(e.body)}"
        )
    except Exception as e:  # noqa: BLE001 - any other failure is the SDK's, shown whole
        message = f"the SDK raised {type(e).__name__}: {e}\n{traceback.format_exc()}"
    else:
        print(f"ok   {name}: {found}" if found else f"ok   {name}", flush=True)
        return
    print(f"FAIL {name}: {message}", flush=True)
    sys.exit(1)


RUN = f"{int(time.time() * 1000):x}{os.getpid()}"
management = ManagementClient(domain=DOMAIN, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
print(
    f"auth0-python {version('auth0-python')} (python {sys.version.split()[0]}, "
    f"httpx {version('httpx')}) against https://{DOMAIN}, CA {CA}",
    flush=True,
)

state = {}

# --- clients ------------------------------------------------------------------------------------
CLIENT = {
    "name": f"sdk-python-app-{RUN}",
    "description": "created by the Python SDK",
    "app_type": "non_interactive",
    "callbacks": ["https://example.com/callback"],
}


def clients_create():
    client = management.clients.create(**CLIENT)
    expect_fields(client, CLIENT, "the created client")
    expect(client.client_id, "the created client has no client_id")
    state["client"] = client.client_id
    return f"client_id {client.client_id}"


def clients_get():
    expect_fields(management.clients.get(state["client"]), CLIENT, "the client read back")
    return "name, description, app_type and callbacks as sent"


def clients_list():
    items = list(management.clients.list(per_page=50))
    expect(
        any(c.client_id == state["client"] for c in items),
        f"the list of {len(items)} clients lacks {state['client']}",
    )
    return f"{len(items)} clients, the new one among them"


def clients_update():
    updated = management.clients.update(state["client"], description="updated by the Python SDK")
    expect_equal(updated.description, "updated by the Python SDK", "the update's answer description")
    read = management.clients.get(state["client"])
    expect_equal(read.description, "updated by the Python SDK", "the description read back")
    expect_equal(read.name, CLIENT["name"], "the name read back after the update")
    return "description changed, name kept"


def clients_delete():
    management.clients.delete(state["client"])
    return expect_not_found(lambda: management.clients.get(state["client"]), "clients.get after delete")


step("clients.create", clients_create)
step("clients.get", clients_get)
step("clients.list", clients_list)
step("clients.update", clients_update)
step("clients.delete", clients_delete)

# --- connections --------------------------------------------------------------------------------
CONNECTION = {
    "name": f"sdk-python-db-{RUN}",
    "strategy": "auth0",
    "display_name": "Python SDK database",
}


def connections_create():
    connection = management.connections.create(**CONNECTION)
    expect_fields(connection, CONNECTION, "the created connection")
    expect(connection.id, "the created connection has no id")
    state["connection"] = connection.id
    return f"id {connection.id}"


def connections_get():
    read = management.connections.get(state["connection"])
    expect_fields(read, CONNECTION, "the connection read back")
    return "name, strategy and display_name as sent"


def connections_list():
    items = list(management.connections.list(strategy="auth0"))
    expect(
        any(c.id == state["connection"] for c in items),
        f"the list of {len(items)} auth0 connections lacks {state['connection']}",
    )
    return f"{len(items)} auth0 connections, the new one among them"


def connections_update():
    renamed = "Python SDK database, renamed"
    updated = management.connections.update(state["connection"], display_name=renamed)
    expect_equal(updated.display_name, renamed, "the update's answer display_name")
    read = management.connections.get(state["connection"])
    expect_equal(read.display_name, renamed, "the display_name read back")
    expect_equal(read.strategy, "auth0", "the strategy read back after the update")
    return "display_name changed, strategy kept"


def connections_delete():
    management.connections.delete(state["connection"])
    return expect_not_found(
        lambda: management.connections.get(state["connection"]), "connections.get after delete"
    )


step("connections.create", connections_create)
step("connections.get", connections_get)
step("connections.list", connections_list)
step("connections.update", connections_update)
step("connections.delete", connections_delete)

# --- roles --------------------------------------------------------------------------------------
ROLE = {"name": f"sdk-python-role-{RUN}", "description": "created by the Python SDK"}


def roles_create():
    role = management.roles.create(**ROLE)
    expect_fields(role, ROLE, "the created role")
    expect(role.id, "the created role has no id")
    state["role"] = role.id
    return f"id {role.id}"


def roles_get():
    expect_fields(management.roles.get(state["role"]), ROLE, "the role read back")
    return "name and description as sent"


def roles_list():
    items = list(management.roles.list(name_filter=ROLE["name"]))
    expect(
        any(r.id == state["role"] for r in items),
        f"the list of roles named {show(ROLE['name'])} ({len(items)}) lacks {state['role']}",
    )
    return f"{len(items)} role(s) by name_filter, the new one among them"


def roles_update():
    updated = management.roles.update(state["role"], description="updated by the Python SDK")
    expect_equal(updated.description, "updated by the Python SDK", "the update's answer description")
    read = management.roles.get(state["role"])
    expect_equal(read.description, "updated by the Python SDK", "the description read back")
    return "description changed"


def roles_delete():
    management.roles.delete(state["role"])
    return expect_not_found(lambda: management.roles.get(state["role"]), "roles.get after delete")


step("roles.create", roles_create)
step("roles.get", roles_get)
step("roles.list", roles_list)
step("roles.update", roles_update)
step("roles.delete", roles_delete)

# --- users --------------------------------------------------------------------------------------
USER = {
    "email": f"sdk-python-{RUN}@example.com",
    "name": "Python SDK user",
    "user_metadata": {"plan": "free"},
}
USER_CONNECTION = "Username-Password-Authentication"


def users_create():
    user = management.users.create(connection=USER_CONNECTION, password=f"Pw-{RUN}-x9!Q", **USER)
    expect_fields(user, USER, "the created user")
    expect(user.user_id, "the created user has no user_id")
    expect("password" not in fields(user), "the created user's answer holds its password")
    state["user"] = user.user_id
    return f"user_id {user.user_id}"


def users_get():
    read = management.users.get(state["user"])
    expect_fields(read, USER, "the user read back")
    identities = fields(read).get("identities") or []
    expect(
        any(i.get("connection") == USER_CONNECTION for i in identities),
        f"the user read back has no identity of {USER_CONNECTION}: {show(identities)}",
    )
    return "email, name, user_metadata and identity as sent"


def users_list():
    items = list(management.users.list(q=f'email:"{USER["email"]}"', search_engine="v3"))
    ids = [u.user_id for u in items]
    expect(
        ids == [state["user"]],
        f'the search email:"{USER["email"]}" found {show(ids)}, expected only {state["user"]}',
    )
    return "the search by email finds exactly the new user"


def users_update():
    updated = management.users.update(
        state["user"], name="Python SDK user, renamed", user_metadata={"plan": "paid"}
    )
    expect_equal(updated.name, "Python SDK user, renamed", "the update's answer name")
    read = management.users.get(state["user"])
    expect_equal(read.name, "Python SDK user, renamed", "the name read back")
    expect_equal(read.user_metadata, {"plan": "paid"}, "the user_metadata read back")
    expect_equal(read.email, USER["email"], "the email read back after the update")
    return "name and user_metadata changed, email kept"


step("users.create", users_create)
step("users.get", users_get)
step("users.list", users_list)
step("users.update", users_update)

# --- organizations, with the user as a member ---------------------------------------------------
ORGANIZATION = {"name": f"sdk-python-org-{RUN}", "display_name": "Python SDK organization"}


def organizations_create():
    organization = management.organizations.create(**ORGANIZATION)
    expect_fields(organization, ORGANIZATION, "the created organization")
    expect(organization.id, "the created organization has no id")
    state["organization"] = organization.id
    return f"id {organization.id}"


def organizations_get():
    read = management.organizations.get(state["organization"])
    expect_fields(read, ORGANIZATION, "the organization read back")
    by_name = management.organizations.get_by_name(ORGANIZATION["name"])
    expect_equal(by_name.id, state["organization"], "the organization read by name: its id")
    return "name and display_name as sent, also by name"


def organizations_list():
    items = list(management.organizations.list(take=50))
    expect(
        any(o.id == state["organization"] for o in items),
        f"the list of {len(items)} organizations lacks {state['organization']}",
    )
    return f"{len(items)} organizations, the new one among them"


def organizations_update():
    renamed = "Python SDK organization, renamed"
    updated = management.organizations.update(state["organization"], display_name=renamed)
    expect_equal(updated.display_name, renamed, "the update's answer display_name")
    read = management.organizations.get(state["organization"])
    expect_equal(read.display_name, renamed, "the display_name read back")
    expect_equal(read.name, ORGANIZATION["name"], "the name read back after the update")
    return "display_name changed, name kept"


def organizations_members_create():
    management.organizations.members.create(state["organization"], members=[state["user"]])
    members = list(management.organizations.members.list(state["organization"]))
    expect_equal([m.user_id for m in members], [state["user"]], "the organization's members")
    expect_equal(members[0].email, USER["email"], "the member's email")
    return "the user is the organization's one member"


def users_organizations_list():
    orgs = list(management.users.organizations.list(state["user"]))
    expect(
        any(o.id == state["organization"] for o in orgs),
        f"the user's organizations {show([o.id for o in orgs])} lack {state['organization']}",
    )
    return "the user's organizations hold the new one"


def organizations_members_delete():
    management.organizations.members.delete(state["organization"], members=[state["user"]])
    members = list(management.organizations.members.list(state["organization"]))
    expect_equal([m.user_id for m in members], [], "the organization's members after the removal")
    return "no member left"


def organizations_delete():
    management.organizations.delete(state["organization"])
    return expect_not_found(
        lambda: management.organizations.get(state["organization"]),
        "organizations.get after delete",
    )


def users_delete():
    management.users.delete(state["user"])
    return expect_not_found(lambda: management.users.get(state["user"]), "users.get after delete")


step("organizations.create", organizations_create)
step("organizations.get", organizations_get)
step("organizations.list", organizations_list)
step("organizations.update", organizations_update)
step("organizations.members.create", organizations_members_create)
step("users.organizations.list", users_organizations_list)
step("organizations.members.delete", organizations_members_delete)
step("organizations.delete", organizations_delete)
step("users.delete", users_delete)

# --- log streams --------------------------------------------------------------------------------
LOG_STREAM_NAME = f"sdk-python-stream-{RUN}"
LOG_STREAM_ENDPOINT = "https://logs.example.com/ingest"


def log_streams_create():
    stream = management.log_streams.create(
        request=CreateLogStreamHttpRequestBody(
            name=LOG_STREAM_NAME,
            type="http",
            sink=LogStreamHttpSink(
                http_endpoint=LOG_STREAM_ENDPOINT,
                http_content_type="application/json",
                http_content_format="JSONLINES",
                http_authorization="Bearer not-a-secret",
            ),
        )
    )
    got = fields(stream)
    expect_equal(got.get("name"), LOG_STREAM_NAME, "the created log stream's name")
    expect_equal(got.get("type"), "http", "the created log stream's type")
    expect_equal(
        (got.get("sink") or {}).get("httpEndpoint"),
        LOG_STREAM_ENDPOINT,
        "the created log stream's sink.httpEndpoint",
    )
    expect(got.get("id"), "the created log stream has no id")
    state["log_stream"] = got["id"]
    return f"id {got['id']}, status {got.get('status')}"


def log_streams_get():
    got = fields(management.log_streams.get(state["log_stream"]))
    expect_equal(got.get("name"), LOG_STREAM_NAME, "the log stream read back: its name")
    expect_equal(got.get("type"), "http", "the log stream read back: its type")
    sink = got.get("sink") or {}
    expect_equal(sink.get("httpEndpoint"), LOG_STREAM_ENDPOINT, "the sink.httpEndpoint read back")
    expect_equal(sink.get("httpContentFormat"), "JSONLINES", "the sink.httpContentFormat read back")
    return "name, type and sink as sent"


def log_streams_list():
    items = management.log_streams.list()
    expect(isinstance(items, list), f"the list is not a list: {items!r}")
    ids = [fields(s).get("id") for s in items]
    expect(
        state["log_stream"] in ids,
        f"the list of {len(items)} log streams lacks {state['log_stream']}",
    )
    return f"{len(items)} log stream(s), the new one among them"


def log_streams_update():
    updated = fields(management.log_streams.update(state["log_stream"], status="paused"))
    expect_equal(updated.get("status"), "paused", "the update's answer status")
    read = fields(management.log_streams.get(state["log_stream"]))
    expect_equal(read.get("status"), "paused", "the status read back")
    expect_equal(read.get("name"), LOG_STREAM_NAME, "the name read back after the update")
    return "status paused, name kept"


def log_streams_delete():
    management.log_streams.delete(state["log_stream"])
    return expect_not_found(
        lambda: management.log_streams.get(state["log_stream"]), "log_streams.get after delete"
    )


step("log_streams.create", log_streams_create)
step("log_streams.get", log_streams_get)
step("log_streams.list", log_streams_list)
step("log_streams.update", log_streams_update)
step("log_streams.delete", log_streams_delete)

# --- actions ------------------------------------------------------------------------------------
ACTION = {
    "name": f"sdk-python-action-{RUN}",
    "code": "exports.onExecutePostLogin = async (event, api) => {};",
    "runtime": "node22",
}


def actions_create():
    action = management.actions.create(
        supported_triggers=[ActionTrigger(id="post-login", version="v3")], **ACTION
    )
    expect_fields(action, ACTION, "the created action")
    triggers = [(t.id, t.version) for t in action.supported_triggers or []]
    expect_equal(triggers, [("post-login", "v3")], "the created action's supported_triggers")
    expect(action.id, "the created action has no id")
    state["action"] = action.id
    return f"id {action.id}"


def actions_get():
    expect_fields(management.actions.get(state["action"]), ACTION, "the action read back")
    return "name, code and runtime as sent"


def actions_list():
    items = list(management.actions.list(action_name=ACTION["name"]))
    expect(
        any(a.id == state["action"] for a in items),
        f"the actions named {show(ACTION['name'])} ({len(items)}) lack {state['action']}",
    )
    return f"{len(items)} action(s) by name, the new one among them"


def actions_update():
    code = "exports.onExecutePostLogin = async (event, api) => { api.user.setAppMetadata('n', 1); };"
    updated = management.actions.update(state["action"], code=code)
    expect_equal(updated.code, code, "the update's answer code")
    read = management.actions.get(state["action"])
    expect_equal(read.code, code, "the code read back")
    expect_equal(read.name, ACTION["name"], "the name read back after the update")
    return "code changed, name kept"


def actions_delete():
    management.actions.delete(state["action"])
    return expect_not_found(lambda: management.actions.get(state["action"]), "actions.get after delete")


step("actions.create", actions_create)
step("actions.get", actions_get)
step("actions.list", actions_list)
step("actions.update", actions_update)
step("actions.delete", actions_delete)

print("all steps passed", flush=True)
