import { readFileSync } from "node:fs";

/**
 * Bun hands every socket read to JavaScript as a fresh buffer, freed at the next collection, and
 * the mimalloc in Bun gives freed memory back to the OS soon after: whole pages 100 ms after they
 * empty (purge_delay) and the free holes inside pages each time a thread goes idle, at most every
 * 100 ms (purge_holes_min_interval), from its mi-scavenger thread. Under traffic the next reads
 * then fault the same pages in again, which put pier's tail latency for large answers well above
 * nginx's. Holding freed memory for 60 s keeps it for reuse while traffic lasts and across a lull of
 * other traffic (a shorter hold still gave the pages back between bursts), and still returns it a
 * minute after traffic stops. The measurements per setting (faults, requests/s, p99, RSS after
 * idle) are in docs/performance.md, Proxy; the choice in docs/decisions/0004-allocator-settings.md.
 */
export const allocatorEnv: Readonly<Record<string, string>> = {
  MIMALLOC_PURGE_DELAY: "60000",
  MIMALLOC_PURGE_HOLES_MIN_INTERVAL: "60000",
};

/** The settings this process runs without: on Linux, those not in its environment. */
export function missingAllocatorSettings(
  platform: string,
  env: Record<string, string | undefined>,
): string[] {
  if (platform !== "linux") return [];
  return Object.entries(allocatorEnv)
    .filter(([name]) => env[name] === undefined)
    .map(([name, value]) => `${name}=${value}`);
}

/** What to execute again: the same program and arguments with the allocator settings added. */
export interface ReexecPlan {
  path: string;
  argv: string[];
  env: string[];
}

/** The NUL-terminated strings of /proc/self/cmdline or /proc/self/environ. */
function nulSeparated(text: string): string[] {
  const items = text.split("\0");
  if (items.at(-1) === "") items.pop();
  return items;
}

/**
 * Null when there is nothing to do: not Linux (no /proc/self to repeat the arguments and the
 * environment from), or every setting is in the environment already, because this process was
 * started again or because the operator set them. A value the operator set is kept as it is.
 * cmdline and environ are the bytes of /proc/self/{cmdline,environ} read as latin1, and the plan's
 * strings are meant to be written back as latin1: arguments and variables pass byte for byte,
 * whatever their encoding (unlike process.argv and process.env, decoded as UTF-8).
 */
export function allocatorReexecPlan(input: {
  platform: string;
  execPath: string;
  cmdline: string | null;
  environ: string | null;
}): ReexecPlan | null {
  if (input.platform !== "linux" || input.cmdline === null || input.environ === null) return null;
  const argv = nulSeparated(input.cmdline);
  if (argv.length === 0) return null;
  const env = nulSeparated(input.environ);
  const names = Object.fromEntries(env.map((entry) => [entry.slice(0, entry.indexOf("=")), ""]));
  const missing = missingAllocatorSettings(input.platform, names);
  if (missing.length === 0) return null;
  return { path: Buffer.from(input.execPath, "utf8").toString("latin1"), argv, env: [...env, ...missing] };
}

/** Why this process runs without the settings: they were not needed, or starting again failed. */
export type AllocatorTuningSkipped = { status: "not needed" } | { status: "failed"; reason: string };

/**
 * mimalloc reads its options from the environment once, before any JavaScript runs, so the only
 * way to change them is to start again with them set: execve(2) of the same program with the same
 * arguments, which keeps the PID, the open stdio and the parent's view of the process. Returns
 * only when nothing was executed; a failed execve (e.g. an arm64 binary under qemu-user without
 * binfmt) leaves this process running with Bun's defaults.
 */
export async function reexecWithAllocatorTuning(): Promise<AllocatorTuningSkipped> {
  const readProc = (name: string) => {
    try {
      return readFileSync(`/proc/self/${name}`, "latin1");
    } catch {
      return null; // not Linux, or no /proc: the plan is null
    }
  };
  const plan = allocatorReexecPlan({
    platform: process.platform,
    execPath: process.execPath,
    cmdline: readProc("cmdline"),
    environ: readProc("environ"),
  });
  if (plan === null) return { status: "not needed" };
  try {
    const { dlopen, FFIType, ptr } = await import("bun:ffi");
    const keep: Buffer[] = [];
    const cString = (text: string) => {
      const bytes = Buffer.from(`${text}\0`, "latin1");
      keep.push(bytes);
      return bytes;
    };
    const pointerArray = (items: string[]) => {
      const array = new BigUint64Array(items.length + 1);
      items.forEach((item, i) => {
        array[i] = BigInt(ptr(cString(item)));
      });
      return array;
    };
    const libc = dlopen("libc.so.6", {
      execve: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
    });
    const argv = pointerArray(plan.argv);
    const env = pointerArray(plan.env);
    libc.symbols.execve(ptr(cString(plan.path)), ptr(argv), ptr(env));
    libc.close();
    return { status: "failed", reason: `execve of ${plan.path} returned` };
  } catch (error) {
    return { status: "failed", reason: (error as Error).message };
  }
}
