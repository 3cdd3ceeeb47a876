import { dockerEndpoint } from "@pier/deploy";
import { traceLines } from "./buildkit-trace.ts";

export interface PlatformBuildInput {
  platform: string;
  tag: string;
  contextTarball: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** Registries the build may pull its base images from (X-Registry-Config). */
  registryAuth: Record<string, { username: string; password: string }>;
  say(line: string): void;
  signal?: AbortSignal;
}

/**
 * Builds the release for another platform with the Engine's BuildKit (`/build?version=2`), which
 * resolves every FROM image for that platform from its registry and runs RUN steps through the
 * kernel's binfmt emulation (qemu-user). The classic builder, used for the native build, cannot:
 * it takes a base image already on the Engine whatever its platform. The context tarball is sent
 * as the request body, so no BuildKit session is needed.
 */
export async function buildForPlatform(input: PlatformBuildInput): Promise<void> {
  const params = new URLSearchParams({
    version: "2",
    platform: input.platform,
    t: input.tag,
    dockerfile: input.dockerfile,
    buildargs: JSON.stringify(input.buildArgs),
    labels: JSON.stringify(input.labels),
    rm: "1",
    forcerm: "1",
  });
  const endpoint = dockerEndpoint(process.env.DOCKER_HOST);
  const url = "unix" in endpoint ? `http://docker/build?${params}` : `${endpoint.url}/build?${params}`;
  const response = await fetch(url, {
    method: "POST",
    ...("unix" in endpoint ? { unix: endpoint.unix } : {}),
    body: Bun.file(input.contextTarball),
    headers: {
      "content-type": "application/x-tar",
      "x-registry-config": Buffer.from(JSON.stringify(input.registryAuth)).toString("base64"),
    },
    signal: input.signal,
  });
  if (!response.ok || !response.body) {
    throw new Error(
      `the Engine refused the build: HTTP ${response.status} ${(await response.text()).trim()}`,
    );
  }
  const lines = traceLines();
  let pending = "";
  let failure: string | null = null;
  const decoder = new TextDecoder();
  const handle = (line: string) => {
    if (!line.trim()) return;
    let event: { id?: string; aux?: unknown; error?: string; stream?: string };
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    if (event.error) failure = event.error;
    if (event.id === "moby.buildkit.trace" && typeof event.aux === "string") {
      for (const out of lines(event.aux)) input.say(out);
    } else if (event.stream?.trim()) input.say(event.stream.trim());
  };
  for await (const chunk of response.body) {
    pending += decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf("\n");
    while (newline !== -1) {
      handle(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf("\n");
    }
  }
  handle(pending);
  if (failure) throw new Error(String(failure).trim());
}
