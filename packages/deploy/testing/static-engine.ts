import { newId, silentLogger } from "@pier/core";
import type { DeploymentRow } from "@pier/db";
import { DeployLogs } from "../src/engine/deploy-log.ts";
import { DeployEngine, type DeployEngineDeps } from "../src/engine/engine.ts";
import type { TargetEnvironment } from "../src/engine/environments.ts";
import { productionHost, ServingTable } from "../src/engine/serving.ts";
import { defaultPierConfig } from "../src/pier-toml.ts";
import { createStaticReplicaRuntime, staticImageRef } from "../src/static/static-replicas.ts";

/**
 * A real DeployEngine for suites that deploy static releases on the in-process runtime: no Docker,
 * no proxy (every publish keeps all routes), env vars stored in the clear. A suite passes its
 * database and data directory, and whatever it watches or holds open (runtime, publishRoutes, hooks).
 */
export function staticTestEngine(
  deps: Pick<DeployEngineDeps, "stores" | "dataDir"> & Partial<DeployEngineDeps>,
): DeployEngine {
  return new DeployEngine({
    secretBox: { encrypt: async (s) => s, decrypt: async (s) => s },
    logger: silentLogger,
    baseImages: { bun: "none", node: "none" },
    docker: () => {
      throw new Error("no Docker in this test");
    },
    runtime: createStaticReplicaRuntime(),
    serving: new ServingTable(),
    logs: new DeployLogs(deps.dataDir),
    publishRoutes: async () => ({ conflicts: [] }),
    liveUrl: (host) => `http://${host}`,
    ...deps,
  });
}

/** A deployment of the static site in `siteDir`, to start as a release (`kind: "release"`): no build. */
export function staticRelease(siteDir: string): DeploymentRow {
  return {
    id: newId("dep"),
    source: "upload",
    branch: null,
    commitSha: null,
    image: staticImageRef(siteDir, false),
    meta: { kind: "static", config: defaultPierConfig, staticDir: siteDir, spa: false },
  } as unknown as DeploymentRow;
}

/** The production environment of the app `appName`, at its host under `baseDomain`. */
export function productionTarget(appName: string, baseDomain = "pier.test"): TargetEnvironment {
  return {
    name: "production",
    kind: "production",
    branch: "main",
    host: productionHost(appName, baseDomain),
  };
}
