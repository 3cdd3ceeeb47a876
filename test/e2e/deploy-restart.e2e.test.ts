/**
 * pier killed in the middle of a deploy: on the next start the live release's containers are
 * adopted (same container, no restart), the cut-off deploy is marked failed and its container
 * removed, static sites come back, and the proxy serves the adopted replicas.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDockerClient, listPierContainers, removeAppContainersAndImages } from "@pier/deploy";
import type { PierProcess } from "../support/pier-process.ts";
import {
  api,
  baseDomain,
  bunAppFiles,
  gitRemote,
  requireDocker,
  ScratchRepo,
  startDeployPier,
  staticSiteFiles,
  viaProxy,
  waitFor,
} from "./deploy-fixtures.ts";

const ready = await requireDocker();
const token = `pier_restart${crypto.randomUUID().replaceAll("-", "")}`;
const suffix = Date.now().toString(36);
const appName = `rec${suffix}`;
const siteName = `recsite${suffix}`;
const dataDir = mkdtempSync(join(tmpdir(), "pier-e2e-restart-"));
const docker = createDockerClient();
let pier: PierProcess | undefined;

const start = () => startDeployPier(token, { proxyWorkers: 1, dataDir });

afterAll(async () => {
  if (!ready) return;
  await pier?.stop();
  await removeAppContainersAndImages(docker, appName);
});

describe.skipIf(!ready)("restart mid-deploy", () => {
  test("adopts live containers, fails the interrupted deploy, removes its container", async () => {
    pier = await start();
    const call = api(pier.url, token);
    for (const name of [appName, siteName]) await call("POST", "/api/v1/apps", { name });
    const repo = new ScratchRepo(gitRemote(pier, token, appName));
    await repo.commit(bunAppFiles("v1"));
    expect((await repo.push("main")).output).toContain("Live at");
    const site = new ScratchRepo(gitRemote(pier, token, siteName));
    await site.commit(staticSiteFiles("Still here"));
    expect((await site.push("main")).output).toContain("Live at");
    const [v1] = (await listPierContainers(docker, { app: appName })).filter((c) => c.state === "running");

    // v2 takes 60 s to listen: pier is killed while it is being health-checked.
    await repo.commit(
      bunAppFiles("v2", {
        startDelayMs: 60_000,
        pierToml: `[health]\npath = "/health"\ninterval = "200ms"\n[deploy]\ntimeout = "90s"\n`,
      }),
    );
    const pushing = repo.push("main");
    const interrupted = await waitFor("the v2 deploy to start its replica", async () => {
      const { body } = await call<{ deployments: { id: string; status: string }[] }>(
        "GET",
        `/api/v1/apps/${appName}/deployments`,
      );
      const running = (await listPierContainers(docker, { app: appName })).filter(
        (c) => c.state === "running",
      );
      return body.deployments[0]?.status === "starting" && running.length === 2
        ? body.deployments[0]
        : undefined;
    });
    await pier.stop("SIGKILL");
    await pushing;

    const restartedAt = performance.now();
    pier = await start();
    const restartMs = Math.round(performance.now() - restartedAt);
    const again = api(pier.url, token);
    expect(await (await viaProxy(pier.httpPort, `${appName}.${baseDomain}`)).text()).toBe("v1 -");
    expect(await (await viaProxy(pier.httpPort, `${siteName}.${baseDomain}`)).text()).toContain("Still here");

    const { body } = await again<{ deployment: { status: string; error: string } }>(
      "GET",
      `/api/v1/deployments/${interrupted.id}`,
    );
    expect(body.deployment.status).toBe("failed");
    expect(body.deployment.error).toContain("interrupted");
    const containers = await listPierContainers(docker, { app: appName });
    expect(containers.map((c) => c.containerId)).toEqual([v1!.containerId]);
    const log = await again<string>("GET", `/api/v1/deployments/${interrupted.id}/log`);
    expect(log.body).toContain("interrupted");
    console.log(`pier restart with adoption: ready in ${restartMs} ms`);
  }, 180_000);
});
