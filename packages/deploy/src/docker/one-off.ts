import type Docker from "dockerode";
import type { ReplicaSpec } from "../ports.ts";
import { labelKeys } from "./labels.ts";
import { createLogDemuxer, type LogStream } from "./log-lines.ts";
import { containerOptions, joinNetworks } from "./replicas.ts";

/** What started a one-off container (label pier.one-off). */
export type OneOffKind = "release" | "run" | "cron";

/**
 * A one-off container: the release's image with the environment a replica gets (env, networks,
 * limits, user), running one command instead of serving. Nothing routes to it, nothing restarts it.
 */
export interface OneOffSpec extends Omit<ReplicaSpec, "replica"> {
  kind: OneOffKind;
  /** A string runs through `/bin/sh -c`; an array runs as is. */
  command: string | string[];
  /** Attach a terminal (interactive `pier run`). */
  tty?: boolean;
  /** Keep stdin open for the caller to write to. */
  stdin?: boolean;
}

/** The command as the Engine runs it (exec form): a string goes through the image's shell. */
export function oneOffCommand(command: string | string[]): string[] {
  return typeof command === "string" ? ["/bin/sh", "-c", command] : command;
}

/**
 * How a one-off container is created. Pure. Starts from a replica's options so it shares what
 * replicas get (networks, mounts, limits, user, read-only root) and then takes away what makes
 * a replica a server: no published port, no restart policy.
 */
export function oneOffContainerOptions(spec: OneOffSpec, instance?: string): Docker.ContainerCreateOptions {
  const base = containerOptions({ ...spec, replica: 0 }, instance);
  const clean = (s: string) => s.replace(/[^a-zA-Z0-9_.-]/g, "-");
  const suffix = crypto.randomUUID().slice(0, 8);
  const { PortBindings: _ports, RestartPolicy: _restart, ...hostConfig } = base.HostConfig ?? {};
  const { ExposedPorts: _exposed, ...rest } = base;
  return {
    ...rest,
    name: `pier-${clean(spec.app)}-${clean(spec.env)}-${spec.kind}-${suffix}`,
    Cmd: oneOffCommand(spec.command),
    Labels: { ...base.Labels, [labelKeys.oneOff]: spec.kind },
    Tty: spec.tty ?? false,
    OpenStdin: spec.stdin ?? false,
    // Closing the attached stdin is the command's EOF (cat, a REPL, a pipe into psql).
    StdinOnce: spec.stdin ?? false,
    AttachStdin: spec.stdin ?? false,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: { ...hostConfig, RestartPolicy: { Name: "no" } },
  };
}

export interface OneOffRunOptions {
  instance?: string;
  /** Each line of output as it comes. */
  onLine?: (line: string, stream: LogStream) => void;
  /** Stop (SIGKILL) the command after this long. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Lines of output kept for the result (the end of the output). Default 30. */
  tailLines?: number;
}

export interface OneOffResult {
  containerId: string;
  /** null when the command never ran (the container could not start). */
  exitCode: number | null;
  timedOut: boolean;
  cancelled: boolean;
  /** The last lines of output, stdout and stderr interleaved. */
  tail: string[];
  durationMs: number;
}

/**
 * Runs a one-off container to its end: output streamed line by line, exit code returned, the
 * container removed afterwards whatever happened. A timeout or an abort kills it.
 */
export async function runOneOff(
  docker: Docker,
  spec: OneOffSpec,
  options: OneOffRunOptions,
): Promise<OneOffResult> {
  const started = performance.now();
  const tail: string[] = [];
  const keep = options.tailLines ?? 30;
  const demux = createLogDemuxer((line, stream) => {
    tail.push(line);
    if (tail.length > keep) tail.shift();
    options.onLine?.(line, stream);
  });
  const container = await docker.createContainer(
    oneOffContainerOptions({ ...spec, tty: false, stdin: false }, options.instance),
  );
  let timedOut = false;
  let cancelled = false;
  try {
    // Attached before the start so no early line is lost (logs would also have them, but only
    // while the container exists; attach streams what the process writes, as it writes it).
    const stream = (await container.attach({
      stream: true,
      stdout: true,
      stderr: true,
    })) as unknown as NodeJS.ReadableStream & {
      destroy(): void;
    };
    const output = new Promise<void>((resolve) => {
      stream.on("data", (chunk: Uint8Array) => demux.push(chunk));
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", () => resolve());
    });
    await joinNetworks(docker, container.id, spec.networks);
    await container.start();
    const kill = async () => {
      await container.kill().catch(() => {});
    };
    const timer = setTimeout(() => {
      timedOut = true;
      void kill();
    }, options.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      void kill();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    let exitCode: number | null = null;
    try {
      const waited = (await container.wait()) as { StatusCode?: number };
      exitCode = waited.StatusCode ?? null;
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
    // The attach stream ends with the process; a moment's grace for the last frames.
    await Promise.race([output, Bun.sleep(2000)]);
    stream.destroy();
    demux.end();
    return {
      containerId: container.id,
      exitCode,
      timedOut,
      cancelled,
      tail,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await container.remove({ force: true, v: true }).catch(() => {});
  }
}
