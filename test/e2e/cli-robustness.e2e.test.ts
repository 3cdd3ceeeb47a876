import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CliResult,
  freePort,
  type PierProcess,
  pierBinary,
  startPier,
} from "../support/pier-process.ts";

// "Every CLI command has --help; unknown flags and bad values give a clear error and exit code 2;
// errors say what to fix; never a stack trace", for every command of the compiled binary. The
// command list comes from `pier --help`, and every listed command must have a row below, so a
// new command without robustness cases fails this suite.

interface CommandCase {
  /** The smallest invocation that parses (required positionals and flags filled in). */
  valid: string[];
  /** Arity errors: each must exit 2 and print the usage line. */
  missing?: string[][];
  /** Bad values: exit 2, or 1 when only the server can refuse them. */
  bad?: { args: string[]; code: 2 | 1 | "1or2"; says?: string }[];
  /** Talks to the server, so it must fail well on a closed port and a wrong token. */
  server?: boolean;
  /** Names an app: an unknown app must fail with a message naming it. */
  unknownApp?: string[];
}

const NUMBER_BAD = ["abc", "-5", "1e400", ""];
const number = (prefix: string[], flag: string, codeFor: (v: string) => 2 | 1 | "1or2" = () => 2) =>
  NUMBER_BAD.map((v) => ({ args: [...prefix, flag, v], code: codeFor(v) }));

const cases: Record<string, CommandCase> = {
  serve: {
    valid: ["serve", "--print-config"],
    bad: [
      ...number(["serve", "--print-config"], "--console-port"),
      { args: ["serve", "--print-config", "--http-port", "99999999"], code: 2 },
      { args: ["serve", "--print-config", "--log-level", "loud"], code: 2 },
    ],
  },
  login: {
    valid: ["login", "http://127.0.0.1:9", "--token", "t"],
    missing: [["login"], ["login", "http://127.0.0.1:9"]],
    bad: [
      { args: ["login", "not a url", "--token", "t"], code: 2, says: "not a URL" },
      { args: ["login", "", "--token", "t"], code: 2 },
      { args: ["login", "http://127.0.0.1:9", "--token", ""], code: 2 },
      { args: ["login", "CLOSEDURL", "--token", "t"], code: 1, says: "Cannot reach pier" },
      { args: ["login", "PIERURL", "--token", "pier_wrong_token_00000000"], code: 1, says: "token" },
      {
        args: ["login", "PIERURL", "--email", "nobody@example.test", "--password", "wrong-password"],
        code: 1,
      },
    ],
  },
  "apps create": {
    valid: ["apps", "create", "fresh-app"],
    missing: [["apps", "create"]],
    bad: [
      { args: ["apps", "create", "Bad_Name"], code: "1or2" },
      { args: ["apps", "create", "../x"], code: "1or2" },
      { args: ["apps", "create", ""], code: 2 },
      { args: ["apps", "create", "ok-name", "--default-branch", ""], code: "1or2" },
    ],
    server: true,
  },
  "apps list": { valid: ["apps", "list"], server: true },
  "apps delete": {
    valid: ["apps", "delete", "no-such-app"],
    missing: [["apps", "delete"]],
    bad: [
      { args: ["apps", "delete", ".."], code: 2 },
      { args: ["apps", "delete", "../x"], code: 1 },
      { args: ["apps", "delete", ""], code: 2 },
    ],
    server: true,
    unknownApp: ["apps", "delete", "no-such-app"],
  },
  "token create": {
    valid: ["token", "create", "--name", "robust"],
    bad: [
      { args: ["token", "create", "--name", "t", "--scopes", "root"], code: "1or2" },
      { args: ["token", "create", "--name", "t", "--scopes", ""], code: "1or2" },
    ],
    server: true,
  },
  "token list": { valid: ["token", "list"], server: true },
  "token revoke": {
    valid: ["token", "revoke", "tok_nope"],
    missing: [["token", "revoke"]],
    bad: [
      { args: ["token", "revoke", ""], code: 2 },
      { args: ["token", "revoke", ".."], code: 2 },
    ],
    server: true,
  },
  "admin create": {
    valid: ["admin", "create", "--email", "a@example.test", "--password", "long-enough-pw"],
    missing: [["admin", "create", "--password", "long-enough-pw"]],
    bad: [
      { args: ["admin", "create", "--email", "", "--password", "long-enough-pw"], code: 2 },
      { args: ["admin", "create", "--email", "a@example.test", "--password", "short"], code: "1or2" },
      { args: ["admin", "create", "--email", "not-an-email", "--password", "long-enough-pw"], code: "1or2" },
    ],
  },
  version: { valid: ["version"] },
  // Host checks and the systemd service: every case here is refused before anything is checked,
  // written or started (CI runs this suite as root).
  doctor: {
    valid: ["doctor"],
    bad: [...number(["doctor"], "--http-port"), { args: ["doctor", "--console-port", "70000"], code: 2 }],
  },
  "service install": {
    valid: ["service", "install"],
    bad: [
      ...number(["service", "install"], "--https-port"),
      { args: ["service", "install", "--data-dir", "relative/dir"], code: 2, says: "absolute path" },
      { args: ["service", "install", "--binary", "/nonexistent/pier"], code: 1, says: "does not exist" },
    ],
  },
  "service status": {
    valid: ["service", "status"],
    bad: [{ args: ["service", "status", "--unit-dir", "systemd"], code: 2, says: "absolute path" }],
  },
  "service uninstall": {
    valid: ["service", "uninstall"],
    bad: [{ args: ["service", "uninstall", "--config-dir", "etc/pier"], code: 2, says: "absolute path" }],
  },
  // The cluster: the cases are refused before Docker or the server is asked (CI runs as root, and
  // a valid `cluster init` against the suite's pier would make this machine a swarm manager).
  "cluster init": {
    valid: ["cluster", "init"],
    bad: [
      { args: ["cluster", "init", "--advertise-addr", "not an addr"], code: 2, says: "--advertise-addr" },
      { args: ["cluster", "init", "--registry-host", "a b"], code: 2, says: "host name" },
      { args: ["cluster", "init", "--registry-tls", "self"], code: 2, says: "cluster-ca or acme" },
      { args: ["cluster", "init", "--registry-user", "u"], code: 2, says: "--registry" },
      { args: ["cluster", "init", "--registry", "reg.example.test:5000"], code: 2, says: "--registry-user" },
    ],
    server: true,
  },
  "cluster join-command": { valid: ["cluster", "join-command"], server: true },
  "cluster join": {
    valid: ["cluster", "join", "10.0.0.1", "--token", "SWMTKN-1-abc-def"],
    missing: [
      ["cluster", "join"],
      ["cluster", "join", "10.0.0.1"],
    ],
    bad: [
      { args: ["cluster", "join", "bad host!", "--token", "SWMTKN-1-abc-def"], code: 2, says: "MANAGER" },
      { args: ["cluster", "join", "10.0.0.1:99999", "--token", "SWMTKN-1-abc-def"], code: 2, says: "port" },
      { args: ["cluster", "join", "10.0.0.1", "--token", "nope"], code: 2, says: "join-command" },
      { args: ["cluster", "join", "10.0.0.1", "--token", ""], code: 2 },
      {
        args: ["cluster", "join", "10.0.0.1", "--token", "SWMTKN-1-abc-def", "--registry", "reg:5000"],
        code: 2,
        says: "go together",
      },
      {
        args: [
          ...["cluster", "join", "10.0.0.1", "--token", "SWMTKN-1-abc-def"],
          ...["--registry", "reg:5000", "--registry-ca-sha256", "zz"],
        ],
        code: 2,
        says: "64 hex digits",
      },
    ],
  },
  "cluster nodes": { valid: ["cluster", "nodes"], server: true },
  "cluster label": {
    valid: ["cluster", "label", "no-such-node", "zone=b"],
    missing: [
      ["cluster", "label"],
      ["cluster", "label", "no-such-node"],
    ],
    bad: [
      { args: ["cluster", "label", "no-such-node", "=b"], code: 2, says: "KEY=VALUE" },
      { args: ["cluster", "label", "no-such-node", "bad key=1"], code: 2, says: "label names" },
      // No cluster on this pier: the server says so.
      { args: ["cluster", "label", "no-such-node", "zone=b"], code: 1, says: "cluster" },
    ],
    server: true,
  },
  "cluster drain": {
    valid: ["cluster", "drain", "no-such-node"],
    missing: [
      ["cluster", "drain"],
      ["cluster", "drain", ""],
    ],
    bad: [{ args: ["cluster", "drain", "no-such-node"], code: 1, says: "cluster" }],
    server: true,
  },
  "cluster activate": {
    valid: ["cluster", "activate", "no-such-node"],
    missing: [["cluster", "activate"]],
    bad: [{ args: ["cluster", "activate", "no-such-node"], code: 1, says: "cluster" }],
    server: true,
  },
  "cluster remove": {
    valid: ["cluster", "remove", "no-such-node"],
    missing: [["cluster", "remove"]],
    bad: [{ args: ["cluster", "remove", "no-such-node", "--force"], code: 1, says: "cluster" }],
    server: true,
  },
  upgrade: {
    valid: ["upgrade", "--check"],
    bad: [
      { args: ["upgrade", "--version", "latest-please"], code: 2, says: "version like 1.2.3" },
      { args: ["upgrade", "--rollback", "--version", "1.2.3"], code: 2, says: "--rollback" },
      { args: ["upgrade", "--check", "--release-url", "ftp://releases"], code: 2, says: "http://" },
      { args: ["upgrade", "--check", "--data-dir", "relative/dir"], code: 2, says: "absolute path" },
      { args: ["upgrade", "--timeout", "soon"], code: 2, says: "duration" },
      { args: ["upgrade", "--deploy-wait", "-5m"], code: 2 },
      // dist/pier is no release build: it has no key to verify a download with.
      { args: ["upgrade", "--check", "--release-url", "http://127.0.0.1:9"], code: 1, says: "release key" },
      {
        args: ["upgrade", "--rollback", "--data-dir", "/nonexistent/pier-data"],
        code: 1,
        says: "pier.previous",
      },
    ],
  },
  deploy: {
    valid: ["deploy", "--app", "no-such-app", "--image", "nginx:1", "--detach"],
    missing: [["deploy", "--image", "nginx:1"]],
    bad: [
      ...number(["deploy", "--app", "robust", "--image", "nginx:1"], "--port"),
      { args: ["deploy", "--app", "robust", "--image", "nginx:1", "--port", "70000"], code: 2 },
      { args: ["deploy", "--app", "robust", "/definitely/not/here"], code: 2, says: "/definitely/not/here" },
      // MAPS holds only a source map: refused before anything is packed or uploaded.
      { args: ["deploy", "--app", "robust", "MAPS"], code: 2, says: "Cannot tell how to build" },
      { args: ["deploy", "--app", "Bad_Name", "--image", "nginx:1"], code: "1or2" },
      { args: ["deploy", "--app", "..", "--image", "nginx:1"], code: 2 },
      { args: ["deploy", "--app", "robust", "--image", ""], code: "1or2" },
    ],
    server: true,
    unknownApp: ["deploy", "--app", "no-such-app", "--image", "nginx:1", "--detach"],
  },
  rollback: {
    valid: ["rollback", "--app", "no-such-app", "--detach"],
    missing: [["rollback"]],
    bad: [
      { args: ["rollback", "--app", "robust", "--to", "dep_nope", "--detach"], code: 1 },
      { args: ["rollback", "--app", "", "--detach"], code: 2 },
    ],
    server: true,
    unknownApp: ["rollback", "--app", "no-such-app", "--detach"],
  },
  "deployments list": {
    valid: ["deployments", "list", "--app", "no-such-app"],
    missing: [["deployments", "list"]],
    bad: [
      ...number(["deployments", "list", "--app", "robust"], "--limit"),
      { args: ["deployments", "list", "--app", "robust", "--limit", "201"], code: 2, says: "--limit" },
      { args: ["deployments", "list", "--app", "robust", "--environment", ""], code: 2 },
    ],
    server: true,
    unknownApp: ["deployments", "list", "--app", "no-such-app"],
  },
  "env set": {
    valid: ["env", "set", "A=1", "--app", "no-such-app"],
    missing: [
      ["env", "set", "--app", "robust"],
      ["env", "set", "A=1"],
    ],
    bad: [
      { args: ["env", "set", "NOEQUALS", "--app", "robust"], code: 2 },
      { args: ["env", "set", "=1", "--app", "robust"], code: 2 },
      { args: ["env", "set", "bad key=1", "--app", "robust"], code: "1or2" },
      {
        args: ["env", "set", "A=1", "--app", "robust", "--environment", "../x"],
        code: 1,
        says: "environment",
      },
    ],
    server: true,
    unknownApp: ["env", "set", "A=1", "--app", "no-such-app"],
  },
  "env unset": {
    valid: ["env", "unset", "A", "--app", "no-such-app"],
    missing: [
      ["env", "unset", "--app", "robust"],
      ["env", "unset", "A"],
    ],
    bad: [
      { args: ["env", "unset", "..", "--app", "robust"], code: 2 },
      { args: ["env", "unset", "", "--app", "robust"], code: 2 },
      {
        args: ["env", "unset", "A", "--app", "robust", "--environment", "Bad Env"],
        code: 1,
        says: "environment",
      },
    ],
    server: true,
    unknownApp: ["env", "unset", "A", "--app", "no-such-app"],
  },
  "env list": {
    valid: ["env", "list", "--app", "no-such-app"],
    missing: [["env", "list"]],
    bad: [{ args: ["env", "list", "--app", ".."], code: 2 }],
    server: true,
    unknownApp: ["env", "list", "--app", "no-such-app"],
  },
  "domains add": {
    valid: ["domains", "add", "a.example.test", "--app", "no-such-app"],
    missing: [
      ["domains", "add", "--app", "robust"],
      ["domains", "add", "a.example.test"],
    ],
    bad: [
      { args: ["domains", "add", "not a host", "--app", "robust"], code: "1or2" },
      { args: ["domains", "add", "", "--app", "robust"], code: 2 },
    ],
    server: true,
    unknownApp: ["domains", "add", "a.example.test", "--app", "no-such-app"],
  },
  "domains remove": {
    valid: ["domains", "remove", "a.example.test", "--app", "no-such-app"],
    missing: [["domains", "remove", "--app", "robust"]],
    bad: [{ args: ["domains", "remove", "..", "--app", "robust"], code: 2 }],
    server: true,
    unknownApp: ["domains", "remove", "a.example.test", "--app", "no-such-app"],
  },
  "domains list": {
    valid: ["domains", "list", "--app", "no-such-app"],
    missing: [["domains", "list"]],
    server: true,
    unknownApp: ["domains", "list", "--app", "no-such-app"],
  },
  logs: {
    valid: ["logs", "--app", "no-such-app"],
    missing: [["logs"]],
    bad: [
      ...number(["logs", "--app", "robust"], "--tail"),
      { args: ["logs", "--app", "..", "--tail", "5"], code: 2 },
      { args: ["logs", "--app", "robust", "--since", "yesterday"], code: 2, says: "--since" },
      { args: ["logs", "--app", "robust", "--until", "1y"], code: 2, says: "--until" },
      { args: ["logs", "--app", "robust", "--level", "loud"], code: 2, says: "--level" },
      { args: ["logs", "--app", "robust", "--stream", "stdin"], code: 2, says: "--stream" },
      { args: ["logs", "--app", "robust", "--grep", "x".repeat(501)], code: "1or2" },
    ],
    server: true,
    unknownApp: ["logs", "--app", "no-such-app"],
  },
  run: {
    // Without --: a command with no dashes needs none, and flags after it stay flags.
    valid: ["run", "--app", "no-such-app", "true"],
    missing: [
      ["run", "--app", "robust"],
      ["run", "true"],
    ],
    bad: [{ args: ["run", "--app", "robust", "--env", "nowhere", "true"], code: 1 }],
    server: true,
    unknownApp: ["run", "--app", "no-such-app", "true"],
  },
  exec: {
    valid: ["exec", "--app", "no-such-app", "true"],
    missing: [
      ["exec", "--app", "robust"],
      ["exec", "true"],
    ],
    bad: [{ args: ["exec", "--app", "robust", "--replica", "0", "true"], code: 1 }],
    server: true,
    unknownApp: ["exec", "--app", "no-such-app", "true"],
  },
  "cron list": {
    valid: ["cron", "list", "--app", "no-such-app"],
    missing: [["cron", "list"]],
    server: true,
    unknownApp: ["cron", "list", "--app", "no-such-app"],
  },
  "cron run": {
    valid: ["cron", "run", "digest", "--app", "no-such-app", "--detach"],
    missing: [
      ["cron", "run", "--app", "robust"],
      ["cron", "run", "digest"],
    ],
    bad: [
      { args: ["cron", "run", "Bad Name", "--app", "robust"], code: 1 },
      { args: ["cron", "run", "nojob", "--app", "robust"], code: 1, says: "nojob" },
    ],
    server: true,
    unknownApp: ["cron", "run", "digest", "--app", "no-such-app"],
  },
  "cron history": {
    valid: ["cron", "history", "--app", "no-such-app"],
    missing: [["cron", "history"]],
    bad: number(["cron", "history", "--app", "robust"], "--limit"),
    server: true,
    unknownApp: ["cron", "history", "--app", "no-such-app"],
  },
  "ai provider": {
    valid: ["ai", "provider", "p1", "--kind", "openai"],
    missing: [
      ["ai", "provider", "--kind", "openai"],
      ["ai", "provider", "p1"],
    ],
    bad: [
      { args: ["ai", "provider", "p1", "--kind", "skynet"], code: "1or2" },
      { args: ["ai", "provider", "Bad_Name", "--kind", "openai"], code: "1or2" },
      { args: ["ai", "provider", "p1", "--kind", "openai-compatible", "--base-url", "nope"], code: "1or2" },
    ],
    server: true,
  },
  "ai providers": { valid: ["ai", "providers"], server: true },
  "ai alias": {
    valid: ["ai", "alias", "fast", "p1/m"],
    missing: [["ai", "alias", "fast"]],
    bad: [
      { args: ["ai", "alias", "fast", ""], code: 2 },
      { args: ["ai", "alias", "fast", "no-slash"], code: "1or2" },
    ],
    server: true,
  },
  "ai key": {
    valid: ["ai", "key", "k1"],
    missing: [["ai", "key"]],
    bad: [
      ...number(["ai", "key", "k1"], "--rpm"),
      ...number(["ai", "key", "k1"], "--budget"),
      { args: ["ai", "key", "k1", "--app", "no-such-app"], code: 1 },
    ],
    server: true,
  },
  "ai keys": { valid: ["ai", "keys"], server: true },
  "ai limits": {
    valid: ["ai", "limits", "aik_nope", "--rpm", "5"],
    missing: [["ai", "limits", "--rpm", "5"]],
    bad: [
      ...number(["ai", "limits", "aik_nope"], "--tpm"),
      { args: ["ai", "limits", "aik_nope"], code: 2, says: "nothing to change" },
      { args: ["ai", "limits", "aik_nope", "--rpm", "5"], code: 1 },
    ],
    server: true,
  },
  "ai revoke": {
    valid: ["ai", "revoke", "aik_nope"],
    missing: [["ai", "revoke"]],
    bad: [{ args: ["ai", "revoke", ".."], code: 2 }],
    server: true,
  },
  "ai spend": {
    valid: ["ai", "spend"],
    bad: [...number(["ai", "spend"], "--days"), { args: ["ai", "spend", "--days", "1e20"], code: 2 }],
    server: true,
  },
  "monitors list": { valid: ["monitors", "list"], server: true },
  "monitors create": {
    valid: ["monitors", "create", "m1", "http://127.0.0.1:9/"],
    missing: [["monitors", "create"]],
    bad: [
      ...number(["monitors", "create", "m1", "http://127.0.0.1:9/"], "--interval", (v) =>
        v === "-5" ? "1or2" : 2,
      ),
      { args: ["monitors", "create", "m1", "http://127.0.0.1:9/", "--interval", "1e30"], code: "1or2" },
      { args: ["monitors", "create", "m1"], code: 2 },
      { args: ["monitors", "create", "m1", "not a url"], code: "1or2" },
      { args: ["monitors", "create", "m1", "--tcp", "nohostport"], code: "1or2" },
      { args: ["monitors", "create", "m1", "http://127.0.0.1:9/", "--header", "nocolon"], code: 2 },
    ],
    server: true,
  },
  ...Object.fromEntries(
    ["show", "check", "pause", "resume", "delete"].map((verb) => [
      `monitors ${verb}`,
      {
        valid: ["monitors", verb, "no-such-monitor"],
        missing: [["monitors", verb]],
        bad: [
          { args: ["monitors", verb, ""], code: 2 },
          { args: ["monitors", verb, ".."], code: 2 },
          { args: ["monitors", verb, "no-such-monitor"], code: 1, says: "no-such-monitor" },
        ],
        server: true,
      } satisfies CommandCase,
    ]),
  ),
  "monitors incidents": {
    valid: ["monitors", "incidents"],
    bad: [{ args: ["monitors", "incidents", "--monitor", "no-such-monitor"], code: "1or2" }],
    server: true,
  },
  "notify add": {
    valid: ["notify", "add", "n1", "--webhook", "http://127.0.0.1:9/hook"],
    missing: [["notify", "add", "--webhook", "http://127.0.0.1:9/hook"]],
    bad: [
      { args: ["notify", "add", "n1"], code: 2 },
      { args: ["notify", "add", "n1", "--webhook", "u", "--slack", "u"], code: 2 },
      { args: ["notify", "add", "n1", "--webhook", "not a url"], code: "1or2" },
      {
        args: ["notify", "add", "n1", "--webhook", "http://127.0.0.1:9/", "--events", "bogus"],
        code: "1or2",
      },
      ...number(
        [
          "notify",
          "add",
          "n1",
          "--email",
          "a@example.test",
          "--smtp-host",
          "127.0.0.1",
          "--from",
          "b@example.test",
        ],
        "--smtp-port",
        () => "1or2",
      ),
      {
        args: [
          "notify",
          "add",
          "n1",
          "--email",
          "a@example.test",
          "--smtp-host",
          "h",
          "--from",
          "b@example.test",
          "--smtp-security",
          "maybe",
        ],
        code: "1or2",
      },
    ],
    server: true,
  },
  "notify list": { valid: ["notify", "list"], server: true },
  "notify test": {
    valid: ["notify", "test", "no-such-channel"],
    missing: [["notify", "test"]],
    bad: [{ args: ["notify", "test", "no-such-channel"], code: 1, says: "no-such-channel" }],
    server: true,
  },
  "notify delete": {
    valid: ["notify", "delete", "no-such-channel"],
    missing: [["notify", "delete"]],
    bad: [{ args: ["notify", "delete", ".."], code: 2 }],
    server: true,
  },
  "status-pages create": {
    valid: ["status-pages", "create", "s1"],
    missing: [["status-pages", "create"]],
    bad: [
      { args: ["status-pages", "create", "Bad_Slug"], code: "1or2" },
      { args: ["status-pages", "create", "s1", "--monitors", "no-such-monitor"], code: "1or2" },
      { args: ["status-pages", "create", "s1", "--host", "not a host"], code: "1or2" },
    ],
    server: true,
  },
  "status-pages list": { valid: ["status-pages", "list"], server: true },
  "status-pages delete": {
    valid: ["status-pages", "delete", "no-such-page"],
    missing: [["status-pages", "delete"]],
    bad: [
      { args: ["status-pages", "delete", ".."], code: 2 },
      { args: ["status-pages", "delete", "no-such-page"], code: 1, says: "no-such-page" },
    ],
    server: true,
  },
  "errors projects": { valid: ["errors", "projects"], server: true },
  "errors create": {
    valid: ["errors", "create", "e1"],
    missing: [["errors", "create"]],
    bad: [
      ...number(["errors", "create", "e1"], "--rate-limit"),
      { args: ["errors", "create", "e1", "--rate-limit", "1.5"], code: 2 },
      { args: ["errors", "create", "e1", "--webhook", "not a url"], code: "1or2" },
    ],
    server: true,
  },
  "traces list": {
    valid: ["traces", "list"],
    bad: [
      ...number(["traces", "list"], "--min-ms"),
      ...number(["traces", "list"], "--limit"),
      { args: ["traces", "list", "--status", "sleeping"], code: 2, says: "--status" },
      { args: ["traces", "list", "--period", "1y"], code: 2, says: "--period" },
      { args: ["traces", "list", "--route", "x".repeat(501)], code: "1or2" },
    ],
    server: true,
    unknownApp: ["traces", "list", "--app", "no-such-app"],
  },
  "traces routes": {
    valid: ["traces", "routes"],
    bad: [{ args: ["traces", "routes", "--period", "forever"], code: 2, says: "--period" }],
    server: true,
    unknownApp: ["traces", "routes", "--app", "no-such-app"],
  },
  "traces show": {
    valid: ["traces", "show", "4bf92f3577b34da6a3ce929d0e0e4736"],
    missing: [["traces", "show"]],
    bad: [
      { args: ["traces", "show", "not-a-trace"], code: 2, says: "TRACE_ID" },
      { args: ["traces", "show", "0".repeat(31)], code: 2 },
    ],
    server: true,
  },
  "errors issues": {
    valid: ["errors", "issues"],
    bad: [
      { args: ["errors", "issues", "--status", "sleeping"], code: 2 },
      { args: ["errors", "issues", "--sort", "random"], code: 2 },
      { args: ["errors", "issues", "--project", "1", "--app", "a"], code: 2 },
      { args: ["errors", "issues", "--project", "abc"], code: "1or2" },
      { args: ["errors", "issues", "--project", "-5"], code: "1or2" },
      { args: ["errors", "issues", "--app", "no-such-app"], code: "1or2" },
    ],
    server: true,
  },
  "errors sourcemaps": {
    valid: ["errors", "sourcemaps", "MAPS", "--project", "1", "--release", "r1"],
    missing: [["errors", "sourcemaps", "--project", "1", "--release", "r1"]],
    bad: [
      { args: ["errors", "sourcemaps", "MAPS", "--project", "abc", "--release", "r1"], code: 2 },
      { args: ["errors", "sourcemaps", "MAPS", "--project", "-1", "--release", "r1"], code: 2 },
      { args: ["errors", "sourcemaps", "MAPS", "--project", "1", "--release", ""], code: 2 },
      {
        args: ["errors", "sourcemaps", "/definitely/not/here", "--project", "1", "--release", "r1"],
        code: 2,
      },
      { args: ["errors", "sourcemaps", "MAPS", "--project", "99999", "--release", "r1"], code: 1 },
    ],
    server: true,
  },
  ...Object.fromEntries(
    ["resolve", "ignore", "reopen"].map((verb) => [
      `errors ${verb}`,
      {
        valid: ["errors", verb, "no-such-issue"],
        missing: [["errors", verb]],
        bad: [
          { args: ["errors", verb, ""], code: 2 },
          { args: ["errors", verb, ".."], code: 2 },
          { args: ["errors", verb, "no-such-issue"], code: 1 },
        ],
        server: true,
      } satisfies CommandCase,
    ]),
  ),
  // Managed services (packages/services): bad input is refused before anything is created.
  "services create": {
    valid: ["services", "create", "redis", "robust-svc"],
    missing: [
      ["services", "create"],
      ["services", "create", "redis"],
    ],
    bad: [
      { args: ["services", "create", "mongodb", "robust-svc"], code: 2, says: "unknown kind" },
      { args: ["services", "create", "redis", "Bad_Name"], code: 1 },
      { args: ["services", "create", "postgres", "robust-svc", "--version", "42"], code: 1, says: "42" },
      ...number(["services", "create", "redis", "robust-svc"], "--keep"),
    ],
    server: true,
  },
  "services list": { valid: ["services", "list"], server: true },
  "services info": {
    valid: ["services", "info", "no-such-svc"],
    missing: [["services", "info"]],
    bad: [{ args: ["services", "info", "no-such-svc"], code: 1, says: "no-such-svc" }],
    server: true,
  },
  "services link": {
    valid: ["services", "link", "no-such-svc", "--app", "robust"],
    missing: [
      ["services", "link", "no-such-svc"],
      ["services", "link", "--app", "robust"],
    ],
    bad: [{ args: ["services", "link", "no-such-svc", "--app", "robust", "--var", "1BAD"], code: 1 }],
    server: true,
  },
  "services unlink": {
    valid: ["services", "unlink", "no-such-svc", "--app", "robust"],
    missing: [["services", "unlink", "no-such-svc"]],
    server: true,
  },
  "services backup": {
    valid: ["services", "backup", "no-such-svc"],
    missing: [["services", "backup"]],
    bad: [{ args: ["services", "backup", "no-such-svc"], code: 1, says: "no-such-svc" }],
    server: true,
  },
  "services restore": {
    valid: ["services", "restore", "no-such-svc", "bak_nope"],
    missing: [["services", "restore", "no-such-svc"]],
    bad: [{ args: ["services", "restore", "no-such-svc", "bak_nope", "--to", "Bad_Name"], code: 1 }],
    server: true,
  },
  "services connect": {
    valid: ["services", "connect", "no-such-svc", "--expose", "127.0.0.1:1"],
    missing: [["services", "connect"]],
    bad: [
      ...number(["services", "connect", "no-such-svc", "--expose", "127.0.0.1:1"], "--minutes"),
      {
        args: ["services", "connect", "no-such-svc", "--expose", "10.0.0.1:5432"],
        code: 1,
        says: "loopback",
      },
    ],
    server: true,
  },
  "services delete": {
    valid: ["services", "delete", "no-such-svc", "--confirm", "no-such-svc"],
    missing: [["services", "delete"]],
    bad: [
      { args: ["services", "delete", "no-such-svc", "--confirm", "other"], code: 2, says: "nothing deleted" },
    ],
    server: true,
  },
  "services restart": {
    valid: ["services", "restart", "no-such-svc"],
    missing: [["services", "restart"]],
    server: true,
  },
  "services logs": {
    valid: ["services", "logs", "no-such-svc"],
    missing: [["services", "logs"]],
    bad: number(["services", "logs", "no-such-svc"], "--tail"),
    server: true,
  },
  "services upgrade": {
    valid: ["services", "upgrade", "no-such-svc", "--version", "16"],
    missing: [["services", "upgrade", "no-such-svc"]],
    bad: [{ args: ["services", "upgrade", "no-such-svc", "--version", "x.y"], code: 1 }],
    server: true,
  },
  "services configure": {
    valid: ["services", "configure", "no-such-svc", "--keep", "3"],
    missing: [["services", "configure"]],
    bad: [
      ...number(["services", "configure", "no-such-svc"], "--keep"),
      { args: ["services", "configure", "no-such-svc", "--backup", "sometimes"], code: 1, says: "schedule" },
    ],
    server: true,
  },
  "services download": {
    valid: ["services", "download", "no-such-svc", "bak_nope", "--output", "robust.dump"],
    missing: [
      ["services", "download", "no-such-svc", "bak_nope"],
      ["services", "download", "no-such-svc"],
    ],
    server: true,
  },
  "volumes list": { valid: ["volumes", "list"], server: true },
  "backup create": {
    valid: ["backup", "create"],
    bad: [
      { args: ["backup", "create", "--encrypt"], code: 2, says: "--key-file" },
      { args: ["backup", "create", "--key-file", "/nonexistent/key"], code: 2, says: "--encrypt" },
      { args: ["backup", "create", "--to", "s3://"], code: "1or2", says: "s3://BUCKET" },
    ],
    server: true,
  },
  "backup list": {
    valid: ["backup", "list", "/nonexistent-backups"],
    missing: [["backup", "list"]],
    bad: [{ args: ["backup", "list", "s3://"], code: 1, says: "s3://BUCKET" }],
  },
  "backup verify": {
    valid: ["backup", "verify", "/nonexistent/archive.pier"],
    missing: [["backup", "verify"]],
    bad: [{ args: ["backup", "verify", "/nonexistent/archive.pier"], code: 1, says: "does not exist" }],
  },
  "backup restore": {
    valid: ["backup", "restore", "/nonexistent/archive.pier", "--data-dir", "/nonexistent/restored"],
    missing: [
      ["backup", "restore"],
      ["backup", "restore", "/nonexistent/archive.pier"],
    ],
    bad: [
      {
        args: ["backup", "restore", "/nonexistent/archive.pier", "--data-dir", "/nonexistent/restored"],
        code: 1,
        says: "does not exist",
      },
    ],
  },
  "backup prune": {
    valid: ["backup", "prune", "/nonexistent-backups", "--keep", "3"],
    missing: [
      ["backup", "prune"],
      ["backup", "prune", "/nonexistent-backups"],
    ],
    bad: [
      ...number(["backup", "prune", "/nonexistent-backups"], "--keep"),
      { args: ["backup", "prune", "/nonexistent-backups", "--keep", "0"], code: 2, says: "--keep" },
    ],
  },
  "backup status": { valid: ["backup", "status"], server: true },
  "backup settings": {
    valid: ["backup", "settings"],
    bad: [
      ...number(["backup", "settings"], "--keep"),
      { args: ["backup", "settings", "--schedule", "sometimes"], code: 2, says: "--schedule" },
      { args: ["backup", "settings", "--key-file", "/k", "--no-encryption"], code: 2, says: "one of" },
    ],
    server: true,
  },
  "backup keygen": {
    valid: ["backup", "keygen", "backup.key"],
    missing: [["backup", "keygen"]],
  },
  "volumes backup": {
    valid: ["volumes", "backup", "no-such-app", "data"],
    missing: [["volumes", "backup", "robust"]],
    server: true,
  },
  "volumes restore": {
    valid: ["volumes", "restore", "no-such-app", "data", "bak_nope"],
    missing: [["volumes", "restore", "robust", "data"]],
    server: true,
  },
};

const adminToken = "pier_cli_robustness_admin_token_0123456789";
let pier: PierProcess;
let sandbox: string;
let mapsDir: string;
let env: Record<string, string>;
const closedPort = freePort();

const placeholder = (arg: string) =>
  arg === "MAPS"
    ? mapsDir
    : arg === "PIERURL"
      ? pier.url
      : arg === "CLOSEDURL"
        ? `http://127.0.0.1:${closedPort}`
        : arg;

/** The compiled CLI with a deadline: a bad invocation that starts a server instead must not hang. */
async function run(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  const proc = Bun.spawn([pierBinary, ...args.map(placeholder)], {
    env: { ...process.env, ...env, ...extraEnv },
    cwd: sandbox,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Runs invocations 8 at a time; returns results in order. */
async function runAll(jobs: { args: string[]; env?: Record<string, string> }[]): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (let i = 0; i < jobs.length; i += 8) {
    const batch = jobs.slice(i, i + 8);
    results.push(...(await Promise.all(batch.map((j) => run(j.args, j.env)))));
  }
  return results;
}

/** What never belongs in the output of a failed command. */
function problems(result: CliResult): string[] {
  const found: string[] = [];
  const all = `${result.stdout}\n${result.stderr}`;
  if (/^\s+at /m.test(all)) found.push("stack trace");
  if (/^error: /m.test(result.stderr)) found.push("Bun internal error line");
  if (all.includes("[object Object]")) found.push("[object Object]");
  if (
    /\b(TypeError|RangeError|SyntaxError|ReferenceError)\b|undefined is not|Invalid Date|^pier [a-z -]+: Invalid URL$/m.test(
      all,
    )
  )
    found.push("raw JavaScript error");
  if (result.stderr.trim() === "") found.push("empty stderr");
  return found;
}

interface Check {
  label: string;
  args: string[];
  env?: Record<string, string>;
  verify(result: CliResult): string[];
}

const usageError = (flagOrText?: string) => (r: CliResult) => {
  const out: string[] = [];
  if (r.code !== 2) out.push(`exit ${r.code}, want 2`);
  if (!/^Usage: pier /m.test(r.stderr)) out.push("no usage line");
  if (!r.stderr.includes("--help")) out.push("does not point to --help");
  if (flagOrText && !r.stderr.includes(flagOrText)) out.push(`does not name ${flagOrText}`);
  return [...out, ...problems(r)];
};

const failure = (codes: number[], says?: RegExp | string) => (r: CliResult) => {
  const out: string[] = [];
  if (!codes.includes(r.code)) out.push(`exit ${r.code}, want ${codes.join(" or ")}`);
  if (r.code === 1 && r.stderr.trim().split("\n").length > 2) out.push("more than a short message");
  if (says && !(typeof says === "string" ? r.stderr.includes(says) : says.test(r.stderr)))
    out.push(`does not say ${says}`);
  return [...out, ...problems(r)];
};

function checksFor(name: string, c: CommandCase): Check[] {
  const checks: Check[] = [
    {
      label: `${name} --help`,
      args: [...name.split(" "), "--help"],
      verify: (r) => [
        ...(r.code === 0 ? [] : [`exit ${r.code}, want 0`]),
        ...(r.stdout.includes(`Usage: pier ${name}`) ? [] : ["no usage in help"]),
      ],
    },
    {
      label: `${name} --no-such-flag`,
      args: [...c.valid, "--no-such-flag"],
      verify: usageError("--no-such-flag"),
    },
    {
      label: `${name} --app= (flag without value)`,
      args: [...c.valid, name === "serve" ? "--data-dir" : "--url"],
      verify: usageError(),
    },
  ];
  for (const args of c.missing ?? []) checks.push({ label: args.join(" "), args, verify: usageError() });
  for (const bad of c.bad ?? []) {
    const codes = bad.code === "1or2" ? [1, 2] : [bad.code];
    checks.push({
      label: bad.args.map((a) => (a === "" ? '""' : a)).join(" "),
      args: bad.args,
      verify: bad.code === 2 ? usageError(bad.says) : failure(codes, bad.says),
    });
  }
  if (c.server) {
    checks.push(
      {
        label: `${name} against a closed port`,
        args: c.valid,
        env: { PIER_URL: `http://127.0.0.1:${closedPort}` },
        verify: failure([1], /Cannot reach pier at http:\/\/127\.0\.0\.1:\d+.*pier serve/),
      },
      {
        label: `${name} with a wrong token`,
        args: c.valid,
        env: { PIER_TOKEN: "pier_wrong_token_0000000000000000" },
        verify: failure([1], "pier login"),
      },
      {
        label: `${name} with a PIER_URL that is not a URL`,
        args: c.valid,
        env: { PIER_URL: "not-a-url" },
        verify: failure([1, 2], "PIER_URL"),
      },
      {
        label: `${name} when not logged in`,
        args: c.valid,
        env: { PIER_URL: "", PIER_TOKEN: "" },
        verify: failure([1], "pier login"),
      },
    );
  }
  if (c.unknownApp)
    checks.push({
      label: `${name} on an unknown app`,
      args: c.unknownApp,
      verify: failure([1], "no-such-app"),
    });
  return checks;
}

beforeAll(async () => {
  sandbox = mkdtempSync(join(tmpdir(), "pier-cli-robust-"));
  mapsDir = join(sandbox, "maps");
  mkdirSync(mapsDir);
  writeFileSync(join(mapsDir, "app.min.js.map"), JSON.stringify({ version: 3, sources: [], mappings: "" }));
  pier = await startPier({ env: { PIER_ADMIN_TOKEN: adminToken } });
  env = {
    PIER_URL: pier.url,
    PIER_TOKEN: adminToken,
    HOME: sandbox,
    XDG_CONFIG_HOME: join(sandbox, ".config"),
    PIER_DATA_DIR: join(sandbox, "data"),
  };
  const created = await run(["apps", "create", "robust"]);
  expect(created.code).toBe(0);
});

afterAll(async () => {
  await pier?.stop();
  if (sandbox) rmSync(sandbox, { recursive: true, force: true });
});

describe("pier CLI robustness", () => {
  test("every command in `pier --help` has robustness cases, and each case is a real command", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    const listed = help.stdout
      .split("Commands:\n")[1]!
      .split("\n\n")[0]!
      .split("\n")
      .map((line) => line.trim().split(/\s{2,}/)[0]!)
      .filter(Boolean);
    expect(listed.length).toBeGreaterThan(40);
    expect(listed.sort()).toEqual(Object.keys(cases).sort());
  });

  test("unknown commands, groups and subcommands exit 2 and point to --help", async () => {
    const [unknown, sub, group, groupHelp] = await runAll([
      { args: ["deploy-everything"] },
      { args: ["apps", "explode"] },
      { args: ["apps"] },
      { args: ["apps", "--help"] },
    ]);
    expect(unknown!.code).toBe(2);
    expect(unknown!.stderr).toContain("pier --help");
    expect(sub!.code).toBe(2);
    expect(sub!.stderr).toContain("apps explode");
    expect(group!.code).toBe(2);
    expect(groupHelp!.code).toBe(0);
    expect(groupHelp!.stdout).toContain("apps create");
  });

  test("every command: --help, unknown flags, missing arguments, bad values, server failures", async () => {
    const checks = Object.entries(cases).flatMap(([name, c]) => checksFor(name, c));
    const results = await runAll(checks);
    const failures = checks.flatMap((check, i) => {
      const result = results[i]!;
      const found = check.verify(result);
      return found.length
        ? [
            `${check.label}: ${found.join(", ")}\n    exit ${result.code}; stderr: ${result.stderr.trim().slice(0, 300)}`,
          ]
        : [];
    });
    console.log(`${checks.length} invocations over ${Object.keys(cases).length} commands`);
    expect(failures).toEqual([]);
    // Nothing the bad invocations did removed the app made in beforeAll.
    const list = await run(["apps", "list", "--json"]);
    expect(JSON.parse(list.stdout).map((a: { name: string }) => a.name)).toContain("robust");
  });
});
