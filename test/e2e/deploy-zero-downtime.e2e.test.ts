/**
 * No failed request and no 5xx while an app is redeployed 10 times under constant load through
 * the proxy: health-checked start, route swap acknowledged by every worker, then drain.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { createDockerClient, removeAppContainersAndImages } from "@pier/deploy";
import { type PierProcess, requireTool, startPier } from "../support/pier-process.ts";
import {
  api,
  baseDomain,
  bunAppFiles,
  deployEnv,
  dockerReady,
  redeployRepeatedly,
  runLoad,
  ScratchRepo,
} from "./deploy-fixtures.ts";

const ready = requireTool(
  await dockerReady(),
  "Docker Engine with pier-base/bun:1 (scripts/base-images/build.sh)",
);
const token = `pier_zdt${crypto.randomUUID().replaceAll("-", "")}`;
const appName = `zdt${Date.now().toString(36)}`;
const docker = createDockerClient();
let pier: PierProcess | undefined;

afterAll(async () => {
  if (!ready) return;
  await pier?.stop();
  await removeAppContainersAndImages(docker, appName);
});

describe.skipIf(!ready)("zero-downtime redeploys", () => {
  test("10 redeploys under constant load: zero failed requests, zero 5xx", async () => {
    pier = await startPier({
      env: { PIER_ADMIN_TOKEN: token, ...deployEnv() },
      args: ["--proxy-workers", "2", "--base-domain", baseDomain],
    });
    await api(pier.url, token)("POST", "/api/v1/apps", { name: appName });
    const repo = new ScratchRepo(`http://x:${token}@127.0.0.1:${pier.consolePort}/git/${appName}.git`);
    await redeployRepeatedly(repo, 1, () => bunAppFiles("r0"));

    const stop = new AbortController();
    const load = runLoad({
      httpPort: pier.httpPort,
      host: `${appName}.${baseDomain}`,
      loops: 4,
      stop: stop.signal,
      maxSeconds: 150,
      accept: (body) => /^r\d+ -$/.test(body),
    });
    let pushes: number[] = [];
    try {
      pushes = await redeployRepeatedly(repo, Number(process.env.ZDT_TIMES ?? 10), (i) =>
        bunAppFiles(`r${i}`),
      );
      await Bun.sleep(500);
    } finally {
      stop.abort();
    }
    const result = await load;
    const versions = [...result.bodies.keys()].sort();
    console.log(
      `zero-downtime: ${result.requests} requests in ${result.seconds.toFixed(1)} s ` +
        `(${Math.round(result.requests / result.seconds)} req/s, 4 loops) across 10 redeploys; ` +
        `failed ${result.failed}, 5xx ${result.status5xx}, unexpected ${result.unexpected}; ` +
        `versions seen ${versions.length}; push->live median ${pushes.sort((a, b) => a - b)[5]} ms`,
    );
    if (result.errors.length) console.log(result.errors.join("\n"));
    expect(result.failed).toBe(0);
    expect(result.status5xx).toBe(0);
    expect(result.unexpected).toBe(0);
    expect(result.bodies.get("r10 -")).toBeGreaterThan(0);
    expect(result.requests).toBeGreaterThan(1000);
  }, 240_000);
});
