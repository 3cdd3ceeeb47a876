import { createHash } from "node:crypto";
import type Docker from "dockerode";
import { RegistryError } from "../errors.ts";
import { serviceLabels } from "../service-spec.ts";

export const registryServiceName = "pier-registry";
export const registryVolume = "pier-registry";
/** The `service` of registry tokens and the `iss` pier signs them with. */
export const tokenService = "pier-registry";
export const tokenIssuer = "pier";
const tokenCertPath = "/etc/pier/registry-token.pem";

export interface RegistryServiceInput {
  image: string;
  /** The manager this pier runs on: the registry and its volume live there. */
  nodeId: string;
  localPort: number;
  /** Where clients get tokens: `https://<registry host>/_pier/registry/token`. */
  realm: string;
  /** The certificate of pier's token signing key (the registry checks token signatures with it). */
  tokenCert: string;
  httpSecret: string;
  instance: string;
}

/**
 * The registry as a Swarm service: CNCF distribution (`registry:2`) pinned to the manager with
 * its data in a volume there, on the host network listening on 127.0.0.1 only (pier's proxy is
 * the one way in, with TLS), token authentication against pier, deletes allowed (pier removes the
 * manifests of old releases and collects their blobs).
 */
export function registryServiceSpec(
  input: RegistryServiceInput,
  hostNetworkId: string,
  configId: string,
  configName: string,
) {
  return {
    Name: registryServiceName,
    Labels: { [serviceLabels.instance]: input.instance, [serviceLabels.role]: "registry" },
    TaskTemplate: {
      ContainerSpec: {
        Image: input.image,
        Env: [
          `REGISTRY_HTTP_ADDR=127.0.0.1:${input.localPort}`,
          "REGISTRY_HTTP_RELATIVEURLS=true",
          `REGISTRY_HTTP_SECRET=${input.httpSecret}`,
          "REGISTRY_STORAGE_DELETE_ENABLED=true",
          "REGISTRY_LOG_LEVEL=warn",
          "REGISTRY_AUTH=token",
          `REGISTRY_AUTH_TOKEN_REALM=${input.realm}`,
          `REGISTRY_AUTH_TOKEN_SERVICE=${tokenService}`,
          `REGISTRY_AUTH_TOKEN_ISSUER=${tokenIssuer}`,
          `REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE=${tokenCertPath}`,
        ],
        Labels: { [serviceLabels.instance]: input.instance, [serviceLabels.role]: "registry" },
        Mounts: [{ Type: "volume", Source: registryVolume, Target: "/var/lib/registry" }],
        Configs: [
          {
            File: { Name: tokenCertPath, UID: "0", GID: "0", Mode: 0o444 },
            ConfigID: configId,
            ConfigName: configName,
          },
        ],
      },
      Networks: [{ Target: hostNetworkId }],
      Placement: { Constraints: [`node.id==${input.nodeId}`] },
      RestartPolicy: { Condition: "any", Delay: 2_000_000_000, MaxAttempts: 0 },
    },
    Mode: { Replicated: { Replicas: 1 } },
  };
}

/** Creates or updates the registry service, then waits until it answers on its loopback port. */
export async function ensureRegistryService(docker: Docker, input: RegistryServiceInput): Promise<void> {
  const digest = createHash("sha256").update(input.tokenCert).digest("hex").slice(0, 12);
  const configName = `pier-registry-token-${digest}`;
  const existing = (await docker.listConfigs({ filters: { name: [configName] } })) as {
    ID: string;
    Spec: { Name: string };
  }[];
  const configId =
    existing.find((c) => c.Spec.Name === configName)?.ID ??
    (
      (await docker.createConfig({
        Name: configName,
        Labels: { [serviceLabels.instance]: input.instance },
        Data: Buffer.from(input.tokenCert).toString("base64"),
      })) as { id?: string; ID?: string }
    ).id ??
    "";
  const hostNetworkId = ((await docker.getNetwork("host").inspect()) as { Id: string }).Id;
  const spec = registryServiceSpec(input, hostNetworkId, configId, configName);
  const service = docker.getService(registryServiceName);
  let current: { Version: { Index: number } } | null = null;
  try {
    current = (await service.inspect()) as { Version: { Index: number } };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
  if (current) await service.update({ version: current.Version.Index, ...spec });
  else await docker.createService(spec as never);
  await waitForRegistry(input.localPort, 90_000);
}

export async function waitForRegistry(localPort: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = "";
  while (performance.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${localPort}/v2/`, {
        signal: AbortSignal.timeout(2000),
      });
      await response.body?.cancel();
      if (response.status === 401 || response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await Bun.sleep(300);
  }
  throw new RegistryError(
    `the cluster's registry did not answer on 127.0.0.1:${localPort} within ${timeoutMs / 1000}s (${last}): docker service ps ${registryServiceName} says why`,
  );
}
