import { scopeSchema } from "@pier/auth/scopes";
import { appNameSchema, defineRoutes, timestamp } from "@pier/http/contract";
import { domainStatusSchema } from "@pier/tls/schemas";
import { z } from "zod";
import {
  addDomainBody,
  changePasswordBody,
  cliTokenBody,
  createAppBody,
  createRouteBody,
  createTokenBody,
  credentialsBody,
  hostSchema,
  inviteUserBody,
  settingsBody,
  setupBody,
  updateUserBody,
} from "../schemas.ts";

const appParams = z.object({ name: appNameSchema });
const publishedSchema = z.object({ version: z.number().int(), ackMs: z.number() });
const userSchema = z.object({ id: z.string(), email: z.string(), role: z.enum(["admin", "member"]) });

/** A user as admins see them: never a password, not even its hash. */
export const userView = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(["admin", "member"]),
  createdAt: timestamp(),
  /** The user asking. */
  you: z.boolean(),
});

const bytesFree = z.object({ totalBytes: z.number(), freeBytes: z.number() });

/** What the dashboard's home says about the server pier runs on. */
export const platformHealthView = z.object({
  version: z.string(),
  startedAt: timestamp(),
  database: z.enum(["sqlite", "postgres"]),
  host: z.object({
    platform: z.string(),
    cpus: z.number().int(),
    loadAverage: z.array(z.number()),
    memory: bytesFree,
    /** The file system of the data dir; null when it cannot be read. */
    disk: bytesFree.extend({ path: z.string() }).nullable(),
  }),
  process: z.object({ rssBytes: z.number() }),
  docker: z.object({ reachable: z.boolean() }).nullable(),
  certificates: z.object({
    total: z.number().int(),
    /** Signed by the ACME CA and current. */
    trusted: z.number().int(),
    /** Still on pier's own self-signed certificate (browsers warn). */
    selfSigned: z.number().int(),
    failed: z.number().int(),
    /** Expiring within 14 days: renewal should have happened by then. */
    expiringSoon: z.array(z.object({ host: z.string(), notAfter: z.string(), issuer: z.string() })),
  }),
});

export const appView = z.object({
  id: z.string(),
  name: z.string(),
  defaultBranch: z.string(),
  createdAt: timestamp(),
});

export const tokenView = z.object({
  id: z.string(),
  name: z.string(),
  hint: z.string(),
  scopes: z.array(z.string()),
  /** The apps the token is limited to; null for every app. */
  apps: z.array(z.string()).nullable(),
  createdAt: timestamp(),
  lastUsedAt: timestamp().nullable(),
  revokedAt: timestamp().nullable(),
});

/** A token as it is shown once, at creation. */
export const createdTokenView = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  apps: z.array(z.string()).nullable().optional(),
  token: z.string(),
});

export const staticRouteView = z
  .object({
    id: z.string(),
    host: z.string(),
    pathPrefix: z.string(),
    upstreams: z.array(z.string()),
    createdAt: timestamp(),
  })
  .catchall(z.unknown());

export const settingsView = z.object({
  settings: z.object({ baseDomain: z.string().nullable(), acmeEmail: z.string().nullable() }),
  effective: z.object({ baseDomain: z.string(), acmeEmail: z.string().nullable(), acme: z.boolean() }),
});

/** The core API: sign-in, apps, domains, tokens, static routes, certificates, settings. */
export const apiRoutes = defineRoutes({
  setupStatus: {
    method: "GET",
    path: "/api/v1/auth/setup",
    tag: "auth",
    access: "public",
    summary: "Whether pier still needs its first admin",
    response: z.object({ needsSetup: z.boolean() }),
  },
  setup: {
    method: "POST",
    path: "/api/v1/auth/setup",
    tag: "auth",
    access: "public",
    summary:
      "Create the first admin and start a session: only while no user exists, with the setup code pier printed at start (or an admin token)",
    body: setupBody,
    status: 201,
    response: z.object({ user: userSchema, csrfToken: z.string() }),
  },
  login: {
    method: "POST",
    path: "/api/v1/auth/login",
    tag: "auth",
    access: "public",
    summary: "Log in with email and password: sets the session cookie",
    body: credentialsBody,
    response: z.object({ user: userSchema, csrfToken: z.string() }),
  },
  cliToken: {
    method: "POST",
    path: "/api/v1/auth/cli-token",
    tag: "auth",
    access: "public",
    summary: "Trade email and password for a new API token (shown once)",
    body: cliTokenBody,
    status: 201,
    response: createdTokenView,
  },
  logout: {
    method: "POST",
    path: "/api/v1/auth/logout",
    tag: "auth",
    access: "public",
    summary: "End the session",
    response: z.object({ ok: z.literal(true) }),
  },
  me: {
    method: "GET",
    path: "/api/v1/auth/me",
    tag: "auth",
    access: "self",
    summary: "Who the credential belongs to and what it may do",
    response: z.discriminatedUnion("kind", [
      z.object({
        kind: z.literal("session"),
        user: z.object({ id: z.string(), email: z.string(), role: z.enum(["admin", "member"]).optional() }),
        scopes: z.array(scopeSchema),
        csrfToken: z.string(),
      }),
      z.object({ kind: z.literal("token"), tokenId: z.string(), scopes: z.array(scopeSchema) }),
    ]),
  },

  changePassword: {
    method: "POST",
    path: "/api/v1/auth/password",
    tag: "auth",
    access: "self",
    summary: "Change the signed-in user's password (the current one is asked again); other sessions end",
    body: changePasswordBody,
    response: z.object({ ok: z.literal(true) }),
  },

  listUsers: {
    method: "GET",
    path: "/api/v1/users",
    tag: "users",
    access: "admin",
    summary: "The people who can sign in to the dashboard",
    response: z.object({ users: z.array(userView) }),
  },
  inviteUser: {
    method: "POST",
    path: "/api/v1/users",
    tag: "users",
    access: "admin",
    summary:
      "Add a user (admin or member) with a temporary password, shown once: hand it over, they change it after signing in",
    body: inviteUserBody,
    status: 201,
    response: z.object({ user: userView, temporaryPassword: z.string() }),
  },
  updateUser: {
    method: "PATCH",
    path: "/api/v1/users/:id",
    tag: "users",
    access: "admin",
    summary: "Change a user's role (the last admin stays an admin)",
    body: updateUserBody,
    response: z.object({ user: userView }),
  },
  removeUser: {
    method: "DELETE",
    path: "/api/v1/users/:id",
    tag: "users",
    access: "admin",
    summary:
      "Remove a user: their sessions end and the API tokens they created are revoked (not yourself, not the last admin)",
    response: z.object({ ok: z.literal(true), id: z.string(), revokedTokens: z.number().int() }),
  },

  platformHealth: {
    method: "GET",
    path: "/api/v1/platform/health",
    tag: "platform",
    access: "read",
    summary:
      "The server: pier's version, memory and disk of the host, Docker reachable, certificates that need attention",
    response: platformHealthView,
  },

  listApps: {
    method: "GET",
    path: "/api/v1/apps",
    tag: "apps",
    access: "read",
    summary: "List apps",
    response: z.object({ apps: z.array(appView) }),
  },
  createApp: {
    method: "POST",
    path: "/api/v1/apps",
    tag: "apps",
    access: "write",
    summary: "Create an app",
    body: createAppBody,
    status: 201,
    response: z.object({ app: appView }),
  },
  getApp: {
    method: "GET",
    path: "/api/v1/apps/:name",
    tag: "apps",
    access: "read",
    summary: "An app and its domains",
    params: appParams,
    response: z.object({ app: appView.extend({ domains: z.array(z.string()) }) }),
  },
  deleteApp: {
    method: "DELETE",
    path: "/api/v1/apps/:name",
    tag: "apps",
    access: "write",
    summary: "Delete an app with its domains, env vars, deployments, replicas and files",
    params: appParams,
    response: z.object({ ok: z.literal(true), name: z.string() }),
  },
  listDomains: {
    method: "GET",
    path: "/api/v1/apps/:name/domains",
    tag: "apps",
    access: "read",
    summary: "An app's domains with their certificate state",
    params: appParams,
    response: z.object({
      domains: z.array(
        z.object({ host: z.string(), createdAt: timestamp(), tls: domainStatusSchema.nullable() }),
      ),
    }),
  },
  addDomain: {
    method: "POST",
    path: "/api/v1/apps/:name/domains",
    tag: "apps",
    access: "write",
    summary: "Attach a domain (a certificate follows: self-signed at once, ACME in the background)",
    params: appParams,
    body: addDomainBody,
    status: 201,
    response: z.object({ domain: z.object({ host: z.string(), app: z.string(), createdAt: timestamp() }) }),
  },
  removeDomain: {
    method: "DELETE",
    path: "/api/v1/apps/:name/domains/:host",
    tag: "apps",
    access: "write",
    summary: "Detach a domain",
    params: z.object({ name: appNameSchema, host: hostSchema }),
    response: z.object({ ok: z.literal(true), host: z.string() }),
  },

  listTokens: {
    method: "GET",
    path: "/api/v1/tokens",
    tag: "tokens",
    access: "admin",
    summary: "List API tokens (hints only; a token is shown once, at creation)",
    response: z.object({ tokens: z.array(tokenView) }),
  },
  createToken: {
    method: "POST",
    path: "/api/v1/tokens",
    tag: "tokens",
    access: "admin",
    summary: "Create an API token with scopes",
    body: createTokenBody,
    status: 201,
    response: createdTokenView,
  },
  revokeToken: {
    method: "DELETE",
    path: "/api/v1/tokens/:id",
    tag: "tokens",
    access: "admin",
    summary: "Revoke an API token",
    response: z.object({ ok: z.literal(true), id: z.string() }),
  },

  listRoutes: {
    method: "GET",
    path: "/api/v1/routes",
    tag: "routes",
    access: "read",
    summary: "Static routes to fixed upstreams",
    response: z.object({ routes: z.array(staticRouteView) }),
  },
  createRoute: {
    method: "POST",
    path: "/api/v1/routes",
    tag: "routes",
    access: "write",
    summary: "Add a static route; answers once every proxy worker serves it",
    body: createRouteBody,
    status: 201,
    response: z.object({ route: staticRouteView, published: publishedSchema }),
  },
  deleteRoute: {
    method: "DELETE",
    path: "/api/v1/routes/:id",
    tag: "routes",
    access: "write",
    summary: "Remove a static route",
    response: z.object({ ok: z.literal(true), id: z.string(), published: publishedSchema }),
  },

  listCertificates: {
    method: "GET",
    path: "/api/v1/certificates",
    tag: "certificates",
    access: "read",
    summary: "Certificate state of every domain",
    response: z.object({ acme: z.boolean(), certificates: z.array(domainStatusSchema) }),
  },
  renewCertificate: {
    method: "POST",
    path: "/api/v1/certificates/:host/renew",
    tag: "certificates",
    access: "admin",
    summary: "Renew a domain's certificate now",
    response: z.object({ certificate: domainStatusSchema }),
  },
  proxyStatus: {
    method: "GET",
    path: "/api/v1/proxy",
    tag: "proxy",
    access: "read",
    summary: "Proxy workers, respawns and the live route-table version",
    response: z.object({
      enabled: z.boolean(),
      httpPort: z.number().int(),
      httpsPort: z.number().int(),
      workers: z.number().int(),
      respawns: z.number().int(),
      version: z.number().int(),
    }),
  },
  getSettings: {
    method: "GET",
    path: "/api/v1/settings",
    tag: "settings",
    access: "read",
    summary: "Platform settings and what is in effect",
    response: settingsView,
  },
  updateSettings: {
    method: "PUT",
    path: "/api/v1/settings",
    tag: "settings",
    access: "admin",
    summary: "Change platform settings (null restores the start-up default)",
    body: settingsBody,
    response: settingsView,
  },
});
