// The eight everyday tasks of examples/everyday.rs written with node-auth0 (npm `auth0`), for
// the line counts of BENCHMARKS.md ("Lines per task, beside node-auth0"). Run against the fake
// tenant binary started with `--client test-id:test-secret --seed-users 3 --ca-out CA`:
//   npm install auth0@7
//   NODE_EXTRA_CA_CERTS=CA DOMAIN=127.0.0.1:PORT OLD_KEY=old.pem NEW_KEY=new.pem node everyday.mjs
// (OLD_KEY and NEW_KEY: two RSA public keys in PEM, those of examples/everyday.rs for example).
import { ManagementClient, ManagementError } from "auth0";
import fs from "node:fs";

const OLD_KEY = fs.readFileSync(process.env.OLD_KEY, "utf8");
const NEW_KEY = fs.readFileSync(process.env.NEW_KEY, "utf8");

// Task 1: A Datadog log stream.
async function datadogLogStream(client) {
    const created = await client.logStreams.create({
        type: "datadog",
        name: "datadog",
        sink: {
            datadogApiKey: "dd-api-key",
            datadogRegion: "us",
        },
    });
    return created.id;
}

// Task 2: An action, built, deployed and bound to post-login.
async function postLoginAction(client) {
    const action = await client.actions.create({
        name: "add-claim",
        supportedTriggers: [{ id: "post-login", version: "v3" }],
        code: "exports.onExecutePostLogin = async (event, api) => {};",
    });
    let status = action.status;
    while (status !== "built") {
        await new Promise((resolve) => setTimeout(resolve, 500));
        status = (await client.actions.get(action.id)).status;
    }
    await client.actions.deploy(action.id);
    await client.actions.triggers.bindings.updateMany("post-login", {
        bindings: [{ ref: { type: "action_name", value: "add-claim" } }],
    });
    return action.id;
}

// Task 3: An organization with a member who has a role in it.
async function organization(client, user) {
    const org = await client.organizations.create({ name: "northwind" });
    await client.organizations.members.create(org.id, {
        members: [user],
    });
    const role = await client.roles.create({ name: "org-admin" });
    await client.organizations.members.roles.assign(org.id, user, {
        roles: [role.id],
    });
    return org.id;
}

// Task 4: Tenant settings: a name and a support address.
async function tenantSettings(client) {
    await client.tenants.settings.update({
        friendly_name: "Acme",
        support_email: "support@acme.example",
    });
}

// Task 5: A user search with a deadline for each page's call, and the budget left after
// each page.
async function userSearch(client) {
    let found = 0;
    let page = await client.users.list(
        { q: "email_verified:true" },
        { timeoutInSeconds: 5 },
    );
    while (true) {
        found += page.data.length;
        console.log(`${page.rawResponse.headers.get("x-ratelimit-remaining")} calls left`);
        if (!page.hasNextPage()) break;
        page = await page.getNextPage();
    }
    return found;
}

// Task 6: A user's roles: assign one, list them.
async function userRoles(client, user) {
    const role = await client.roles.create({ name: "auditor" });
    await client.users.roles.assign(user, { roles: [role.id] });
    const roles = [];
    for await (const r of await client.users.roles.list(user)) roles.push(r);
    return roles.length;
}

// Task 7: A key rotation on a client.
async function keyRotation(client) {
    const app = await client.clients.create({ name: "signer" });
    const id = app.client_id;
    const key = (pem) => ({ credential_type: "public_key", pem });
    const old = await client.clients.credentials.create(id, key(OLD_KEY));
    const fresh = await client.clients.credentials.create(id, key(NEW_KEY));
    await client.clients.update(id, {
        client_authentication_methods: {
            private_key_jwt: { credentials: [{ id: fresh.id }] },
        },
        token_endpoint_auth_method: null,
    });
    await client.clients.credentials.delete(id, old.id);
    return id;
}

// Task 8: Errors told apart by kind, without status codes.
async function errorsByKind(client) {
    try {
        const user = await client.users.get("auth0|nobody");
        return `found ${user.user_id}`;
    } catch (e) {
        if (!(e instanceof ManagementError)) throw e;
        if (e.statusCode === 404) return "no such user";
        if (e.statusCode === 429) return "slow down";
        if (e.statusCode === 403) return "the application lacks a scope";
        return `failed: ${e.message}`;
    }
}

const client = new ManagementClient({
    domain: process.env.DOMAIN,
    clientId: "test-id",
    clientSecret: "test-secret",
});
const users = await client.users.list();
const user = users.data[0].user_id;
console.log("log stream", await datadogLogStream(client));
console.log("action", await postLoginAction(client));
console.log("organization", await organization(client, user));
await tenantSettings(client);
console.log(await userSearch(client), "users found");
console.log(await userRoles(client, user), "roles");
console.log("client", await keyRotation(client), "rotated");
console.log(await errorsByKind(client));
