import { mkdir, rm } from "node:fs/promises";
import { BuildContextError, DeployError } from "./errors.ts";
import { type ReleaseLimits, TarScanner, type TarSummary } from "./tar-limits.ts";

/**
 * Extracts a tar stream (gzip-compressed or not: told by its first bytes) into `destDir`, checked
 * on the way by a TarScanner: past a limit, or at a device node or FIFO, extraction stops and
 * `destDir` is removed, so a refused release leaves nothing behind. GNU tar itself refuses
 * absolute and `..` member names and delays symlinks, so no member is written outside destDir.
 */
export async function extractArchive(
  input: ReadableStream<Uint8Array>,
  destDir: string,
  limits: ReleaseLimits,
): Promise<TarSummary> {
  await mkdir(destDir, { recursive: true });
  const untar = Bun.spawn(["tar", "-x", "-f", "-", "-C", destDir, "--no-same-owner"], {
    stdin: "pipe",
    stdout: "ignore",
    stderr: "pipe",
  });
  const scanner = new TarScanner(limits);
  const reader = (await decompressIfGzip(input)).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      scanner.push(value);
      untar.stdin.write(value);
    }
    await untar.stdin.end();
    const [code, stderr] = await Promise.all([untar.exited, new Response(untar.stderr).text()]);
    if (code !== 0) throw new BuildContextError(`Could not extract the release: ${stderr.trim()}`);
    return scanner.summary;
  } catch (error) {
    // Not awaited: cancelling a decompressing pipe need not finish before we stop caring about it.
    reader.cancel().catch(() => {});
    untar.kill("SIGKILL");
    await untar.exited;
    await rm(destDir, { recursive: true, force: true });
    if (error instanceof DeployError) throw error;
    throw new BuildContextError(`Could not read the release archive: ${(error as Error).message}`);
  }
}

/** The stream itself, gunzipped when its first two bytes are gzip's magic. */
async function decompressIfGzip(input: ReadableStream<Uint8Array>): Promise<ReadableStream<Uint8Array>> {
  const reader = input.getReader();
  const first = await reader.read();
  const head = first.value ?? new Uint8Array(0);
  const whole = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length > 0) controller.enqueue(head);
      if (first.done) controller.close();
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  return gzip ? whole.pipeThrough(new DecompressionStream("gzip") as never) : whole;
}
