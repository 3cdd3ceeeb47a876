/**
 * No failed request and no 5xx while an app is redeployed 10 times under constant load through
 * the proxy: health-checked start, route swap acknowledged by every worker, then drain.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { createDockerClient, removeAppContainersAndImages } from "@pier/deploy";
import type { PierProcess } from "../support/pier-process.ts";
import {
  api,
  baseDomain,
  gitRemote,
  redeploysUnderLoad,
  requireDocker,
  ScratchRepo,
  startDeployPier,
} from "./deploy-fixtures.ts";

const ready = await requireDocker();
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
    pier = await startDeployPier(token, { proxyWorkers: 2 });
    await api(pier.url, token)("POST", "/api/v1/apps", { name: appName });
    const { load: result, pushes } = await redeploysUnderLoad({
      repo: new ScratchRepo(gitRemote(pier, token, appName)),
      httpPort: pier.httpPort,
      host: `${appName}.${baseDomain}`,
      times: Number(process.env.ZDT_TIMES ?? 10),
      maxSeconds: 150,
    });
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
