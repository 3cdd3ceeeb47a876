import { statSync } from "node:fs";

/**
 * Archives are made by the system's tar, xz and gzip (GNU tar: --sort and --mtime make the tar
 * stream the same for the same input), spawned with argument arrays.
 */
async function run(argv: string[], options: { stdoutTo?: string } = {}): Promise<void> {
  const child = Bun.spawn(argv, {
    stdout: options.stdoutTo ? Bun.file(options.stdoutTo) : "inherit",
    stderr: "pipe",
  });
  const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
  if (code !== 0) throw new Error(`${argv.join(" ")} exited ${code}: ${stderr.trim()}`);
}

export function requireTools(tools: string[]): void {
  const missing = tools.filter((tool) => Bun.which(tool) === null);
  if (missing.length > 0)
    throw new Error(
      `${missing.join(", ")} not found on PATH: install them (Debian: apt-get install ${missing
        .map((tool) => (tool === "xz" ? "xz-utils" : tool))
        .join(" ")})`,
    );
}

/** A tar of `entries` under `dir`, owned by root, entries sorted, times set to `mtime`. */
export async function writeTar(options: {
  dir: string;
  entries: string[];
  out: string;
  mtime: Date;
}): Promise<void> {
  await run([
    "tar",
    "-C",
    options.dir,
    "--sort=name",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    `--mtime=@${Math.floor(options.mtime.getTime() / 1000)}`,
    "-cf",
    options.out,
    ...options.entries,
  ]);
}

export async function compressXz(input: string, out: string, level: number): Promise<number> {
  // -T0: every core; the output does not depend on how many there are (fixed block size).
  await run(["xz", "-T0", `-${level}`, "-c", input], { stdoutTo: out });
  return statSync(out).size;
}

export async function compressGzip(input: string, out: string, level: number): Promise<number> {
  await run(["gzip", "-n", `-${level}`, "-c", input], { stdoutTo: out });
  return statSync(out).size;
}
