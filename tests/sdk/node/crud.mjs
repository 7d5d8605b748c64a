// The official Auth0 Node SDK (npm `auth0`) against a running fake tenant: it creates, reads,
// updates, lists and deletes clients, connections, roles, users, organizations with members,
// log streams and actions through the SDK's own ManagementClient, which fetches its token with
// the client-credentials grant at the tenant's /oauth/token.
//
// Environment:
//   FAKE_TENANT_DOMAIN         the tenant's domain, e.g. 127.0.0.1:8443
//   FAKE_TENANT_CLIENT_ID      a client with a Management API grant
//   FAKE_TENANT_CLIENT_SECRET  its secret
//   NODE_EXTRA_CA_CERTS        the tenant's CA certificate (auth0-m2m-fake --ca-out FILE); Node
//                              reads it at start, so it must be set before `node` runs
//
// Prints one line per step (`ok   STEP: what was checked`) and exits with status 1 at the first
// failed expectation (`FAIL STEP: what was expected and what came`).
//
//   cd tests/sdk/node && npm ci && node crud.mjs

import { readFileSync } from "node:fs";
import { ManagementClient, ManagementError, Management } from "auth0";

const sdkVersion = JSON.parse(
  readFileSync(new URL("./node_modules/auth0/package.json", import.meta.url), "utf8"),
).version;

class Expectation extends Error {}

function env(name) {
  const value = process.env[name];
  if (!value) {
    console.log(`FAIL setup: the environment variable ${name} is not set`);
    process.exit(1);
  }
  return value;
}

const domain = env("FAKE_TENANT_DOMAIN");
const clientId = env("FAKE_TENANT_CLIENT_ID");
const clientSecret = env("FAKE_TENANT_CLIENT_SECRET");
const ca = env("NODE_EXTRA_CA_CERTS");

const show = (v) => JSON.stringify(v);

function expect(condition, message) {
  if (!condition) throw new Expectation(message);
}

function expectEqual(actual, expected, what) {
  expect(
    show(actual) === show(expected),
    `${what}: expected ${show(expected)}, got ${show(actual)}`,
  );
}

/** Every field of `sent` reads back as sent in `object`. */
function expectFields(object, sent, what) {
  expect(object && typeof object === "object", `${what}: expected an object, got ${show(object)}`);
  for (const [key, value] of Object.entries(sent)) {
    expectEqual(object[key], value, `${what}.${key}`);
  }
}

/** Every item of a paginated list, over all its pages. */
async function all(pagePromise) {
  const items = [];
  for await (const item of await pagePromise) items.push(item);
  return items;
}

/** The read fails with the SDK's 404 error. */
async function expectNotFound(read, what) {
  let answer;
  try {
    answer = await read();
  } catch (e) {
    expect(
      e instanceof Management.NotFoundError && e instanceof ManagementError,
      `${what}: expected the SDK's NotFoundError, got ${e?.constructor?.name}: ${e?.message}`,
    );
    expectEqual(e.statusCode, 404, `${what}: the error's statusCode`);
    return `NotFoundError, statusCode 404`;
  }
  throw new Expectation(`${what}: expected a 404 error, got an answer: ${show(answer)}`);
}

async function step(name, run) {
  try {
    const found = await run();
    console.log(`ok   ${name}${found ? `: ${found}` : ""}`);
  } catch (e) {
    const message =
      e instanceof Expectation
        ? e.message
        : e instanceof ManagementError
          ? `the SDK threw ${e.constructor.name} (statusCode ${e.statusCode}): ${e.message}; ` +
            `body ${show(e.body)}`
          : `the SDK threw ${e?.constructor?.name}: ${e?.stack ?? e}`;
    console.log(`FAIL ${name}: ${message}`);
    process.exit(1);
  }
}

const run = `${Date.now().toString(36)}${process.pid}`;
const management = new ManagementClient({ domain, clientId, clientSecret });
console.log(`auth0 ${sdkVersion} (node ${process.version}) against https://${domain}, CA ${ca}`);

// --- clients ----------------------------------------------------------------------------------
let client;
const clientSent = {
  name: `sdk-node-app-${run}`,
  description: "created by the Node SDK",
  app_type: "non_interactive",
  callbacks: ["https://example.com/callback"],
};
await step("clients.create", async () => {
  client = await management.clients.create(clientSent);
  expectFields(client, clientSent, "the created client");
  expect(client.client_id, "the created client has no client_id");
  return `client_id ${client.client_id}`;
});
await step("clients.get", async () => {
  expectFields(await management.clients.get(client.client_id), clientSent, "the client read back");
  return "name, description, app_type and callbacks as sent";
});
await step("clients.list", async () => {
  const items = await all(management.clients.list({ per_page: 50 }));
  expect(
    items.some((c) => c.client_id === client.client_id),
    `the list of ${items.length} clients lacks ${client.client_id}`,
  );
  return `${items.length} clients, the new one among them`;
});
await step("clients.update", async () => {
  const updated = await management.clients.update(client.client_id, {
    description: "updated by the Node SDK",
  });
  expectEqual(updated.description, "updated by the Node SDK", "the update's answer description");
  const read = await management.clients.get(client.client_id);
  expectEqual(read.description, "updated by the Node SDK", "the description read back");
  expectEqual(read.name, clientSent.name, "the name read back after the update");
  return "description changed, name kept";
});
await step("clients.delete", async () => {
  await management.clients.delete(client.client_id);
  return await expectNotFound(
    () => management.clients.get(client.client_id),
    "clients.get after delete",
  );
});

// --- connections ------------------------------------------------------------------------------
let connection;
const connectionSent = {
  name: `sdk-node-db-${run}`,
  strategy: "auth0",
  display_name: "Node SDK database",
};
await step("connections.create", async () => {
  connection = await management.connections.create(connectionSent);
  expectFields(connection, connectionSent, "the created connection");
  expect(connection.id, "the created connection has no id");
  return `id ${connection.id}`;
});
await step("connections.get", async () => {
  const read = await management.connections.get(connection.id);
  expectFields(read, connectionSent, "the connection read back");
  return "name, strategy and display_name as sent";
});
await step("connections.list", async () => {
  const items = await all(management.connections.list({ strategy: ["auth0"] }));
  expect(
    items.some((c) => c.id === connection.id),
    `the list of ${items.length} auth0 connections lacks ${connection.id}`,
  );
  return `${items.length} auth0 connections, the new one among them`;
});
await step("connections.update", async () => {
  const updated = await management.connections.update(connection.id, {
    display_name: "Node SDK database, renamed",
  });
  expectEqual(updated.display_name, "Node SDK database, renamed", "the update's answer display_name");
  const read = await management.connections.get(connection.id);
  expectEqual(read.display_name, "Node SDK database, renamed", "the display_name read back");
  expectEqual(read.strategy, "auth0", "the strategy read back after the update");
  return "display_name changed, strategy kept";
});
await step("connections.delete", async () => {
  await management.connections.delete(connection.id);
  return await expectNotFound(
    () => management.connections.get(connection.id),
    "connections.get after delete",
  );
});

// --- roles ------------------------------------------------------------------------------------
let role;
const roleSent = { name: `sdk-node-role-${run}`, description: "created by the Node SDK" };
await step("roles.create", async () => {
  role = await management.roles.create(roleSent);
  expectFields(role, roleSent, "the created role");
  expect(role.id, "the created role has no id");
  return `id ${role.id}`;
});
await step("roles.get", async () => {
  expectFields(await management.roles.get(role.id), roleSent, "the role read back");
  return "name and description as sent";
});
await step("roles.list", async () => {
  const items = await all(management.roles.list({ name_filter: roleSent.name }));
  expect(
    items.some((r) => r.id === role.id),
    `the list of roles named ${show(roleSent.name)} (${items.length}) lacks ${role.id}`,
  );
  return `${items.length} role(s) by name_filter, the new one among them`;
});
await step("roles.update", async () => {
  const updated = await management.roles.update(role.id, { description: "updated by the Node SDK" });
  expectEqual(updated.description, "updated by the Node SDK", "the update's answer description");
  const read = await management.roles.get(role.id);
  expectEqual(read.description, "updated by the Node SDK", "the description read back");
  return "description changed";
});
await step("roles.delete", async () => {
  await management.roles.delete(role.id);
  return await expectNotFound(() => management.roles.get(role.id), "roles.get after delete");
});

// --- users ------------------------------------------------------------------------------------
let user;
const userSent = {
  connection: "Username-Password-Authentication",
  email: `sdk-node-${run}@example.com`,
  name: "Node SDK user",
  user_metadata: { plan: "free" },
};
await step("users.create", async () => {
  user = await management.users.create({ ...userSent, password: `Pw-${run}-x9!Q` });
  const { connection: _, ...readable } = userSent;
  expectFields(user, readable, "the created user");
  expect(user.user_id, "the created user has no user_id");
  expect(!("password" in user), "the created user's answer holds its password");
  return `user_id ${user.user_id}`;
});
await step("users.get", async () => {
  const read = await management.users.get(user.user_id);
  const { connection: _, ...readable } = userSent;
  expectFields(read, readable, "the user read back");
  expect(
    read.identities?.some((i) => i.connection === userSent.connection),
    `the user read back has no identity of ${userSent.connection}: ${show(read.identities)}`,
  );
  return "email, name, user_metadata and identity as sent";
});
await step("users.list", async () => {
  const q = `email:"${userSent.email}"`;
  const items = await all(management.users.list({ q, search_engine: "v3" }));
  expect(
    items.length === 1 && items[0].user_id === user.user_id,
    `the search ${q} found ${show(items.map((u) => u.user_id))}, expected only ${user.user_id}`,
  );
  return "the search by email finds exactly the new user";
});
await step("users.update", async () => {
  const updated = await management.users.update(user.user_id, {
    name: "Node SDK user, renamed",
    user_metadata: { plan: "paid" },
  });
  expectEqual(updated.name, "Node SDK user, renamed", "the update's answer name");
  const read = await management.users.get(user.user_id);
  expectEqual(read.name, "Node SDK user, renamed", "the name read back");
  expectEqual(read.user_metadata, { plan: "paid" }, "the user_metadata read back");
  expectEqual(read.email, userSent.email, "the email read back after the update");
  return "name and user_metadata changed, email kept";
});

// --- organizations, with the user as a member --------------------------------------------------
let organization;
const organizationSent = { name: `sdk-node-org-${run}`, display_name: "Node SDK organization" };
await step("organizations.create", async () => {
  organization = await management.organizations.create(organizationSent);
  expectFields(organization, organizationSent, "the created organization");
  expect(organization.id, "the created organization has no id");
  return `id ${organization.id}`;
});
await step("organizations.get", async () => {
  const read = await management.organizations.get(organization.id);
  expectFields(read, organizationSent, "the organization read back");
  const byName = await management.organizations.getByName(organizationSent.name);
  expectEqual(byName.id, organization.id, "the organization read by name: its id");
  return "name and display_name as sent, also by name";
});
await step("organizations.list", async () => {
  const items = await all(management.organizations.list({ take: 50 }));
  expect(
    items.some((o) => o.id === organization.id),
    `the list of ${items.length} organizations lacks ${organization.id}`,
  );
  return `${items.length} organizations, the new one among them`;
});
await step("organizations.update", async () => {
  const renamed = "Node SDK organization, renamed";
  const updated = await management.organizations.update(organization.id, {
    display_name: renamed,
  });
  expectEqual(updated.display_name, renamed, "the update's answer display_name");
  const read = await management.organizations.get(organization.id);
  expectEqual(read.display_name, renamed, "the display_name read back");
  expectEqual(read.name, organizationSent.name, "the name read back after the update");
  return "display_name changed, name kept";
});
await step("organizations.members.create", async () => {
  await management.organizations.members.create(organization.id, { members: [user.user_id] });
  const members = await all(management.organizations.members.list(organization.id));
  expectEqual(members.map((m) => m.user_id), [user.user_id], "the organization's members");
  expectEqual(members[0].email, userSent.email, "the member's email");
  return "the user is the organization's one member";
});
await step("users.organizations.list", async () => {
  const orgs = await all(management.users.organizations.list(user.user_id));
  expect(
    orgs.some((o) => o.id === organization.id),
    `the user's organizations ${show(orgs.map((o) => o.id))} lack ${organization.id}`,
  );
  return "the user's organizations hold the new one";
});
await step("organizations.members.delete", async () => {
  await management.organizations.members.delete(organization.id, { members: [user.user_id] });
  const members = await all(management.organizations.members.list(organization.id));
  expectEqual(members, [], "the organization's members after the removal");
  return "no member left";
});
await step("organizations.delete", async () => {
  await management.organizations.delete(organization.id);
  return await expectNotFound(
    () => management.organizations.get(organization.id),
    "organizations.get after delete",
  );
});
await step("users.delete", async () => {
  await management.users.delete(user.user_id);
  return await expectNotFound(() => management.users.get(user.user_id), "users.get after delete");
});

// --- log streams ------------------------------------------------------------------------------
let logStream;
const logStreamSent = {
  name: `sdk-node-stream-${run}`,
  type: "http",
  sink: {
    httpEndpoint: "https://logs.example.com/ingest",
    httpContentType: "application/json",
    httpContentFormat: "JSONLINES",
    httpAuthorization: "Bearer not-a-secret",
  },
};
await step("logStreams.create", async () => {
  logStream = await management.logStreams.create(logStreamSent);
  expectFields(logStream, { name: logStreamSent.name, type: "http" }, "the created log stream");
  expectEqual(
    logStream.sink?.httpEndpoint,
    logStreamSent.sink.httpEndpoint,
    "the created log stream's sink.httpEndpoint",
  );
  expect(logStream.id, "the created log stream has no id");
  return `id ${logStream.id}, status ${logStream.status}`;
});
await step("logStreams.get", async () => {
  const read = await management.logStreams.get(logStream.id);
  expectFields(read, { name: logStreamSent.name, type: "http" }, "the log stream read back");
  const endpoint = logStreamSent.sink.httpEndpoint;
  expectEqual(read.sink?.httpEndpoint, endpoint, "the sink.httpEndpoint read back");
  expectEqual(read.sink?.httpContentFormat, "JSONLINES", "the sink.httpContentFormat read back");
  return "name, type and sink as sent";
});
await step("logStreams.list", async () => {
  const items = await management.logStreams.list();
  expect(Array.isArray(items), `the list is not an array: ${show(items)}`);
  expect(
    items.some((s) => s.id === logStream.id),
    `the list of ${items.length} log streams lacks ${logStream.id}`,
  );
  return `${items.length} log stream(s), the new one among them`;
});
await step("logStreams.update", async () => {
  const updated = await management.logStreams.update(logStream.id, { status: "paused" });
  expectEqual(updated.status, "paused", "the update's answer status");
  const read = await management.logStreams.get(logStream.id);
  expectEqual(read.status, "paused", "the status read back");
  expectEqual(read.name, logStreamSent.name, "the name read back after the update");
  return "status paused, name kept";
});
await step("logStreams.delete", async () => {
  await management.logStreams.delete(logStream.id);
  return await expectNotFound(
    () => management.logStreams.get(logStream.id),
    "logStreams.get after delete",
  );
});

// --- actions ----------------------------------------------------------------------------------
let action;
const actionSent = {
  name: `sdk-node-action-${run}`,
  supported_triggers: [{ id: "post-login", version: "v3" }],
  code: "exports.onExecutePostLogin = async (event, api) => {};",
  runtime: "node22",
};
await step("actions.create", async () => {
  action = await management.actions.create(actionSent);
  const { supported_triggers: _, ...readable } = actionSent;
  expectFields(action, readable, "the created action");
  expectEqual(
    action.supported_triggers?.map((t) => [t.id, t.version]),
    [["post-login", "v3"]],
    "the created action's supported_triggers",
  );
  expect(action.id, "the created action has no id");
  return `id ${action.id}`;
});
await step("actions.get", async () => {
  const read = await management.actions.get(action.id);
  const { supported_triggers: _, ...readable } = actionSent;
  expectFields(read, readable, "the action read back");
  return "name, code and runtime as sent";
});
await step("actions.list", async () => {
  const items = await all(management.actions.list({ actionName: actionSent.name }));
  expect(
    items.some((a) => a.id === action.id),
    `the actions named ${show(actionSent.name)} (${items.length}) lack ${action.id}`,
  );
  return `${items.length} action(s) by name, the new one among them`;
});
await step("actions.update", async () => {
  const code =
    "exports.onExecutePostLogin = async (event, api) => { api.user.setAppMetadata('n', 1); };";
  const updated = await management.actions.update(action.id, { code });
  expectEqual(updated.code, code, "the update's answer code");
  const read = await management.actions.get(action.id);
  expectEqual(read.code, code, "the code read back");
  expectEqual(read.name, actionSent.name, "the name read back after the update");
  return "code changed, name kept";
});
await step("actions.delete", async () => {
  await management.actions.delete(action.id);
  return await expectNotFound(() => management.actions.get(action.id), "actions.get after delete");
});

console.log("all steps passed");
