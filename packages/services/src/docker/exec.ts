import { PassThrough, type Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type Docker from "dockerode";
import { streamChunk } from "../backup/chunks.ts";
import { ExecOutputDemux } from "./demux.ts";

export interface ExecOptions {
  env?: Record<string, string>;
  user?: string;
  /** Fed to the command's stdin, which is closed at its end. */
  stdin?: Readable;
  /** Where stdout goes (left open: the caller ends it); without one it is collected (up to 1 MiB). */
  stdout?: Writable;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class ExecFailedError extends Error {
  constructor(
    readonly command: string[],
    readonly result: ExecResult,
  ) {
    const detail = (result.stderr || result.stdout).trim().split("\n").slice(-5).join(" | ");
    super(`${command[0]} exited with ${result.exitCode}${detail ? `: ${detail}` : ""}`);
    this.name = "ExecFailedError";
  }
}

/**
 * Runs `cmd` in a running container through the Engine's exec API (the hijacked connection
 * dockerode gives: stdin raw, output multiplexed), streaming both ways with backpressure.
 */
export async function execIn(
  docker: Docker,
  containerId: string,
  cmd: string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const exec = await docker.getContainer(containerId).exec({
    Cmd: cmd,
    Env: options.env ? Object.entries(options.env).map(([k, v]) => `${k}=${v}`) : undefined,
    User: options.user,
    AttachStdin: Boolean(options.stdin),
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = (await exec.start({ hijack: true, stdin: Boolean(options.stdin) })) as unknown as Readable &
    Writable;
  const demux = new ExecOutputDemux();
  let collected = "";
  const sink =
    options.stdout ??
    new PassThrough().on("data", (chunk: Buffer) => {
      if (collected.length < 1 << 20) collected += chunk.toString("utf8");
    });
  const output = pipeline(stream, demux, sink, { end: false });
  let inputError: unknown;
  const input = options.stdin
    ? feed(options.stdin, stream).catch((error) => {
        // The command may exit before reading everything (a failed restore): its exit code and
        // stderr say why; a broken pipe here only follows from it.
        inputError = error;
        stream.destroy();
      })
    : Promise.resolve();
  await Promise.all([output.catch((error) => (inputError ? undefined : Promise.reject(error))), input]);
  const exitCode = await exitCodeOf(exec);
  if (inputError && exitCode === 0) throw inputError;
  return { exitCode, stdout: collected, stderr: demux.stderr };
}

/**
 * The command's stdout as a stream that ends when the command exits 0 and fails with
 * ExecFailedError otherwise, so a dump that broke half-way is never stored as a good backup.
 */
export function execOutput(
  docker: Docker,
  containerId: string,
  cmd: string[],
  options: Omit<ExecOptions, "stdout"> = {},
): Readable {
  const out = new PassThrough({ highWaterMark: streamChunk });
  execIn(docker, containerId, cmd, { ...options, stdout: out }).then(
    (result) => (result.exitCode === 0 ? out.end() : out.destroy(new ExecFailedError(cmd, result))),
    (error: Error) => out.destroy(error),
  );
  return out;
}

/** execIn that throws ExecFailedError on a non-zero exit. */
export async function execChecked(
  docker: Docker,
  containerId: string,
  cmd: string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const result = await execIn(docker, containerId, cmd, options);
  if (result.exitCode !== 0) throw new ExecFailedError(cmd, result);
  return result;
}

async function feed(source: Readable, target: Writable): Promise<void> {
  for await (const chunk of source) {
    if (!target.write(chunk)) await drained(target);
    if (target.destroyed) throw new Error("the command closed its input");
  }
  // Half-close: the command sees the end of its stdin while its output keeps coming.
  target.end();
}

/** The next `drain` (or the end of the stream); the listeners go again either way. */
function drained(target: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      target.off("drain", done);
      target.off("close", done);
      resolve();
    };
    target.on("drain", done);
    target.on("close", done);
  });
}

async function exitCodeOf(exec: Docker.Exec): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const info = await exec.inspect();
    if (!info.Running) return info.ExitCode ?? -1;
    await Bun.sleep(50);
  }
  return -1;
}
