import type { Logger } from "@pier/core";
import { labelKeys } from "@pier/deploy";
import type { ClusterImageInput } from "@pier/platform";
import type Docker from "dockerode";
import { z } from "zod";
import { choosePlatforms, type NodeFacts, platformOfArch, platformTag, splitPlatform } from "../placement.ts";
import type { ClusterRegistry } from "../registry/cluster-registry.ts";
import type { ManifestListEntry } from "../registry/registry-client.ts";
import type { RegistryAuth } from "../runtime.ts";
import type { ClusterStateStore } from "../state.ts";
import { followEngineProgress } from "./engine-progress.ts";
import { buildForPlatform } from "./platform-build.ts";

const releaseLogSchema = z.array(
  z.object({
    app: z.string(),
    deploymentId: z.string(),
    at: z.string(),
    /** Tags pushed for it (one per platform, plus the manifest list's). */
    tags: z.array(z.string()),
  }),
);
type ReleaseLog = z.infer<typeof releaseLogSchema>;

export interface PublisherDeps {
  docker: () => Docker;
  registry: ClusterRegistry;
  store: ClusterStateStore;
  nodes(): Promise<NodeFacts[]>;
  logger: Logger;
  /** Releases kept in the registry per app besides the live ones (deployDefaults.keepReleases). */
  keepReleases: number;
  /** Deployments whose services exist: never pruned. */
  inUse(): Promise<Set<string>>;
}

/**
 * Makes a release pullable by every node: builds it for the other platforms its placement
 * allows, pushes each variant to the cluster's registry, ties them together in one manifest list,
 * and answers the reference by digest that Swarm gives the nodes. Publishes run one at a time
 * (the registry's garbage collection must not meet a push), and old releases' images are deleted
 * from the registry as new ones arrive.
 */
export class ReleasePublisher {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: PublisherDeps) {}

  publish(input: ClusterImageInput): Promise<string> {
    const run = this.tail.then(() => this.publishNow(input));
    this.tail = run.catch(() => {});
    return run;
  }

  private async publishNow(input: ClusterImageInput): Promise<string> {
    const { registry } = this.deps;
    const docker = this.deps.docker();
    const name = registry.imageName(input.app);
    if (input.image.startsWith(`${registry.address.split("/")[0]}/`)) return input.image;
    if (!input.build) {
      const remote = await registryReference(docker, input.image);
      if (remote) {
        input.say(`Cluster: ${input.image} is in a registry; nodes pull ${remote}`);
        return remote;
      }
    }
    const info = (await docker.info()) as { Architecture?: string };
    const native = platformOfArch(info.Architecture ?? "x86_64");
    const choice = choosePlatforms({
      nodes: await this.deps.nodes(),
      placement: input.placement,
      wanted: input.platforms,
      native,
    });
    input.say(`Cluster: publishing for ${choice.build.join(", ")} to ${registry.address}`);
    for (const p of choice.withoutNodes)
      input.say(`Cluster: no node is ${p} yet; built anyway ([deploy] platforms)`);
    const auth = await registry.pushAuth();
    const releaseTag = input.deploymentId.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 100);
    const pushed: (ManifestListEntry & { tag: string })[] = [];
    const skipped: string[] = [];
    for (const platform of choice.build) {
      let local = input.image;
      if (platform !== native) {
        if (!input.build) {
          skipped.push(platform);
          input.say(
            `Cluster: ${platform}: ${input.image} was not built by pier, so only its ${native} variant is published`,
          );
          continue;
        }
        local = `pier/${input.app}:${releaseTag}-${platformTag(platform)}`;
        const started = performance.now();
        input.say(`Cluster: building ${platform} (emulated)`);
        try {
          const clusterHost = `${registry.address.split("/")[0]}/`;
          const auth = await registry.pushAuth();
          await buildForPlatform(docker, {
            platform,
            tag: local,
            contextTarball: input.build.contextTarball,
            dockerfile: input.build.dockerfile,
            buildArgs: input.build.buildArgs,
            labels: {
              [labelKeys.app]: input.app,
              [labelKeys.deployment]: input.deploymentId,
              [labelKeys.builtAt]: String(Date.now()),
            },
            authFor: async (reference) => (reference.startsWith(clusterHost) ? auth : undefined),
            say: (line) => input.say(`  [${platformTag(platform)}] ${line}`),
          });
        } catch (error) {
          skipped.push(platform);
          input.say(`Cluster: ${platform} could not be built (${(error as Error).message.split("\n")[0]})`);
          continue;
        }
        input.say(`Cluster: ${platform} built in ${((performance.now() - started) / 1000).toFixed(1)}s`);
      }
      const tag = `${releaseTag}-${platformTag(platform)}`;
      await docker.getImage(local).tag({ repo: name, tag });
      const { digest, size } = await pushWithRetries(docker, name, tag, auth, input.say);
      const { os, architecture, variant } = splitPlatform(platform);
      pushed.push({
        tag,
        digest,
        size,
        platform: {
          architecture,
          os,
          ...(variant ? { variant } : architecture === "arm64" ? { variant: "v8" } : {}),
        },
      });
    }
    if (pushed.length === 0)
      throw new Error(`no image of the release could be published (${skipped.join(", ")} failed)`);
    if (skipped.length)
      input.say(
        `Cluster: the release runs only on ${pushed.map((p) => `${p.platform.os}/${p.platform.architecture}`).join(", ")} nodes; ${skipped.join(", ")} nodes get none of its replicas`,
      );
    let reference: string;
    const tags = pushed.map((p) => p.tag);
    if (pushed.length === 1) reference = `${name}@${pushed[0]!.digest}`;
    else {
      const client = await registry.client();
      const digest = await client.putManifestList(registry.repository(input.app), releaseTag, pushed);
      reference = `${name}@${digest}`;
      tags.push(releaseTag);
      // This Engine runs the release's one-off commands: it learns the list's digest (layers are here).
      await pullImage(docker, reference, auth);
    }
    input.say(`Cluster: pushed ${reference}`);
    await this.remember({
      app: input.app,
      deploymentId: input.deploymentId,
      at: new Date().toISOString(),
      tags,
    });
    await this.prune(input.app).catch((error) =>
      this.deps.logger.warn("old release images not removed from the registry", { app: input.app, error }),
    );
    return reference;
  }

  private async log(): Promise<ReleaseLog> {
    const text = await this.deps.store.readFile("releases.json");
    return text ? releaseLogSchema.parse(JSON.parse(text)) : [];
  }

  private async remember(entry: ReleaseLog[number]): Promise<void> {
    const log = (await this.log()).filter(
      (e) => !(e.app === entry.app && e.deploymentId === entry.deploymentId),
    );
    log.push(entry);
    await this.deps.store.writeFile("releases.json", `${JSON.stringify(log)}\n`);
  }

  /** The newest `keepReleases` of the app stay (rollback targets), and every release still running. */
  private async prune(app: string): Promise<void> {
    const log = await this.log();
    const mine = log.filter((e) => e.app === app).sort((a, b) => b.at.localeCompare(a.at));
    const inUse = await this.deps.inUse();
    const drop = mine.slice(this.deps.keepReleases).filter((e) => !inUse.has(e.deploymentId));
    if (drop.length === 0) return;
    const { registry } = this.deps;
    const client = await registry.client();
    const docker = this.deps.docker();
    const repository = registry.repository(app);
    for (const entry of drop) {
      for (const tag of entry.tags) {
        const digest = await client.manifestDigest(repository, tag);
        if (digest) await client.deleteManifest(repository, digest);
        await docker
          .getImage(`${registry.imageName(app)}:${tag}`)
          .remove({ noprune: false })
          .catch(() => {});
      }
    }
    const dropped = new Set(drop.map((e) => e.deploymentId));
    await this.deps.store.writeFile(
      "releases.json",
      `${JSON.stringify(log.filter((e) => !(e.app === app && dropped.has(e.deploymentId))))}\n`,
    );
    const outcome = await registry.collectGarbage(docker);
    this.deps.logger.info("old release images removed from the registry", {
      app,
      releases: drop.length,
      outcome,
    });
  }

  /** Every image of a deleted app leaves the registry. */
  async removeApp(app: string): Promise<void> {
    await this.tail;
    const { registry } = this.deps;
    const client = await registry.client();
    const repository = registry.repository(app);
    for (const tag of await client.tags(repository).catch(() => [])) {
      const digest = await client.manifestDigest(repository, tag);
      if (digest) await client.deleteManifest(repository, digest);
    }
    const log = await this.log();
    await this.deps.store.writeFile("releases.json", `${JSON.stringify(log.filter((e) => e.app !== app))}\n`);
    await registry.collectGarbage(this.deps.docker()).catch(() => "");
  }
}

/** `name@digest` when the image comes from a registry every node can reach as well, else null. */
async function registryReference(docker: Docker, image: string): Promise<string | null> {
  try {
    const info = (await (
      docker.getImage(image) as unknown as { distribution(): Promise<{ Descriptor?: { digest?: string } }> }
    ).distribution()) as { Descriptor?: { digest?: string } };
    const digest = info.Descriptor?.digest;
    if (!digest) return null;
    return `${image.replace(/@.*$/, "").replace(/:[^/:]+$/, "")}@${digest}`;
  } catch {
    return null;
  }
}

/**
 * The Engine's registry client gives up on a slow answer (a busy registry or manager) with a
 * timeout or a dropped connection; the layers already sent stay, so trying again is cheap.
 * Refusals (auth, a bad manifest) fail at once.
 */
export function isTransientPushFailure(message: string): boolean {
  return /timeout|timed out|deadline exceeded|connection reset|connection refused|broken pipe|EOF|50[234]/i.test(
    message,
  );
}

const PUSH_ATTEMPTS = 3;
/** A push or pull the Engine reports nothing of for this long has stalled (followEngineProgress). */
const PROGRESS_STALL_MS = 60_000;

async function pushWithRetries(
  docker: Docker,
  name: string,
  tag: string,
  auth: RegistryAuth,
  say: (line: string) => void,
): Promise<{ digest: string; size: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pushImage(docker, name, tag, auth);
    } catch (error) {
      const message = (error as Error).message;
      if (attempt >= PUSH_ATTEMPTS || !isTransientPushFailure(message)) throw error;
      say(`Cluster: ${message}; trying again (${attempt + 1} of ${PUSH_ATTEMPTS})`);
      await Bun.sleep(1_000 * 3 ** (attempt - 1));
    }
  }
}

async function pushImage(
  docker: Docker,
  name: string,
  tag: string,
  auth: RegistryAuth,
): Promise<{ digest: string; size: number }> {
  const stream = (await docker
    .getImage(name)
    .push({ tag, authconfig: auth } as never)) as unknown as NodeJS.ReadableStream;
  let result: { digest: string; size: number } | null = null;
  await followEngineProgress(
    docker.modem,
    stream,
    (event) => {
      if (event.aux?.Digest) result = { digest: event.aux.Digest, size: event.aux.Size ?? 0 };
    },
    PROGRESS_STALL_MS,
  ).catch((error: Error) => {
    throw new Error(`push of ${name}:${tag} failed: ${error.message}`);
  });
  if (!result) throw new Error(`push of ${name}:${tag} reported no digest`);
  return result;
}

async function pullImage(docker: Docker, reference: string, auth: RegistryAuth): Promise<void> {
  const stream = await docker.pull(reference, { authconfig: auth });
  await followEngineProgress(docker.modem, stream, () => {}, PROGRESS_STALL_MS).catch((error: Error) => {
    throw new Error(`pull of ${reference} failed: ${error.message}`);
  });
}
