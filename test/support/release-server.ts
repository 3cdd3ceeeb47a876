import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checksumsFile,
  generateReleaseKey,
  minisignFile,
  releaseTrustedComment,
  sha256Hex,
  signMinisign,
  signSsh,
  sshSignatureFile,
} from "../../apps/pier/src/release/index.ts";
import { repoRoot } from "./pier-process.ts";

export const releaseVersion: string = JSON.parse(
  readFileSync(join(repoRoot, "apps/pier/package.json"), "utf8"),
).version;

/**
 * Packages binaries already built (dist/pier, dist/pier-linux-arm64) as a release the way
 * `make release` does, with an ephemeral key and the fastest compression: the four-target build
 * and xz -6 are minutes that prove nothing more here.
 */
export async function packageTestRelease(
  binaries: { target: string; path: string }[],
  baseUrl: string,
): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), "pier-e2e-release-"));
  const run = Bun.spawn(
    [
      process.execPath,
      join(repoRoot, "scripts/release/package.ts"),
      "--version",
      releaseVersion,
      "--out",
      out,
      "--xz-level",
      "0",
      "--gzip-level",
      "1",
      "--base-url",
      baseUrl,
      ...binaries.flatMap(({ target, path }) => ["--binary", `${target}=${path}`]),
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  const [code, stdout, stderr] = await Promise.all([
    run.exited,
    new Response(run.stdout).text(),
    new Response(run.stderr).text(),
  ]);
  if (code !== 0) throw new Error(`packaging the test release failed (${code}):\n${stdout}\n${stderr}`);
  return out;
}

/**
 * The variants of one release a test can ask for, by the first path segment:
 * - good: the release as made;
 * - corrupt-archive: the linux-x64 archives have a byte changed (SHA256SUMS and its signature intact);
 * - bad-signature: the archive changed and SHA256SUMS edited to match it, the signatures left as
 *   they were (a mirror that swapped both);
 * - other-key: as bad-signature, but SHA256SUMS signed again, validly, with another key.
 */
export type ReleaseVariant = "good" | "corrupt-archive" | "bad-signature" | "other-key";

export interface ReleaseServer {
  /** http://HOST:PORT/VARIANT, on the first host unless another is named. */
  url(variant: ReleaseVariant, host?: string): string;
  /** Paths requested so far, newest last. */
  requests: string[];
  stop(): Promise<void>;
}

function flipOneByte(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(bytes);
  const at = Math.floor(copy.length / 2);
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}

/** Serves `dir` (a --out of package.ts) on `port` of each of `hosts`. */
export async function serveRelease(dir: string, hosts: string[], port: number): Promise<ReleaseServer> {
  const versionDir = join(dir, releaseVersion);
  const sums = readFileSync(join(versionDir, checksumsFile), "utf8");
  const corrupted = new Map<string, Uint8Array<ArrayBuffer>>();
  let editedSums = sums;
  for (const format of ["tar.xz", "tar.gz"]) {
    const name = `pier-${releaseVersion}-linux-x64.${format}`;
    const bytes = flipOneByte(readFileSync(join(versionDir, name)));
    corrupted.set(name, bytes);
    editedSums = editedSums.replace(
      new RegExp(`^[0-9a-f]{64}(  ${name.replace(/\./g, "\\.")})$`, "m"),
      `${sha256Hex(bytes)}$1`,
    );
  }
  const foreign = await generateReleaseKey();
  const foreignSums = new TextEncoder().encode(editedSums);
  const foreignSignatures = {
    [minisignFile]: await signMinisign({
      privateKey: foreign.privateKey,
      keyId: foreign.publicKey.keyId,
      message: foreignSums,
      trustedComment: releaseTrustedComment(releaseVersion, new Date()),
      untrustedComment: "not pier's key",
    }),
    [sshSignatureFile]: await signSsh({ ...foreign, message: foreignSums }),
  } as Record<string, string>;

  const requests: string[] = [];
  const respond = (variant: string, rest: string): Response => {
    const name = rest.split("/").at(-1)!;
    if (rest.includes("..") || !/^[A-Za-z0-9._/+-]+$/.test(rest))
      return new Response("bad path", { status: 400 });
    if (variant !== "good") {
      if (corrupted.has(name)) return new Response(corrupted.get(name)!);
      if (name === checksumsFile && variant !== "corrupt-archive") return new Response(editedSums);
      if (variant === "other-key" && name in foreignSignatures) return new Response(foreignSignatures[name]!);
    }
    const file = Bun.file(join(dir, rest));
    return new Response(file);
  };
  const servers = hosts.map((hostname) =>
    Bun.serve({
      hostname,
      port,
      async fetch(request) {
        const path = new URL(request.url).pathname;
        requests.push(path);
        const [, variant = "", ...rest] = path.split("/");
        if (!["good", "corrupt-archive", "bad-signature", "other-key"].includes(variant))
          return new Response("unknown variant", { status: 404 });
        return respond(variant, rest.join("/"));
      },
      error: () => new Response("not found", { status: 404 }),
    }),
  );
  return {
    url(variant, host = hosts[0]!) {
      if (!hosts.includes(host)) throw new Error(`the release server does not listen on ${host}`);
      return `http://${host}:${port}/${variant}`;
    },
    requests,
    async stop() {
      await Promise.all(servers.map((server) => server.stop(true)));
    },
  };
}

/**
 * The host's address on Docker's default bridge, where containers without --network host reach
 * it. From `ip` rather than os.networkInterfaces(), which leaves the bridge out while no
 * container is attached to it.
 */
export function dockerBridgeAddress(): string | undefined {
  const ip = Bun.which("ip");
  if (!ip) return undefined;
  const shown = Bun.spawnSync([ip, "-4", "-o", "addr", "show", "dev", "docker0"], {
    stdout: "pipe",
    stderr: "ignore",
  });
  return /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(shown.stdout.toString())?.[1];
}
