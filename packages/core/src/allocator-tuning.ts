import { readFileSync } from "node:fs";

/**
 * Bun hands every socket read to JavaScript as a fresh buffer, freed at the next collection, and
 * the mimalloc in Bun gives freed memory back to the OS soon after: whole pages 100 ms after they
 * empty (purge_delay) and the free holes inside pages each time a thread goes idle, at most every
 * 100 ms (purge_holes_min_interval), from its mi-scavenger thread. Under traffic the next reads
 * then fault the same pages in again: proxying 64 KB answers cost 1.5-2.5 page faults per request
 * (nginx: 0.006) and left pier's p99 at 1.3-1.7x nginx's on a VM where faults are dear. Holding
 * freed memory for 10 s keeps it for reuse while traffic lasts and still returns it once traffic
 * stops (docs/performance.md, Proxy: faults, requests/s, p99 and RSS after idle per setting).
 */
export const allocatorEnv: Readonly<Record<string, string>> = {
  MIMALLOC_PURGE_DELAY: "10000",
  MIMALLOC_PURGE_HOLES_MIN_INTERVAL: "10000",
};

/** What to execute again: the same program and arguments with the allocator settings added. */
export interface ReexecPlan {
  path: string;
  argv: string[];
  env: string[];
}

/**
 * Null when there is nothing to do: not Linux (no /proc/self/cmdline to repeat the arguments
 * from), or every setting is in the environment already, because this process was started again
 * or because the operator set them. A value the operator set is kept as it is.
 */
export function allocatorReexecPlan(input: {
  platform: string;
  env: Record<string, string | undefined>;
  execPath: string;
  cmdline: string | null;
}): ReexecPlan | null {
  if (input.platform !== "linux" || input.cmdline === null) return null;
  if (Object.keys(allocatorEnv).every((name) => input.env[name] !== undefined)) return null;
  // /proc/self/cmdline is the original argv, NUL-terminated: unlike process.argv it is exactly
  // what a compiled binary or `bun main.ts` was started with.
  const argv = input.cmdline.split("\0");
  if (argv.at(-1) === "") argv.pop();
  if (argv.length === 0) return null;
  const env = Object.entries({ ...allocatorEnv, ...input.env })
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}=${value}`);
  return { path: input.execPath, argv, env };
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
  let cmdline: string | null = null;
  try {
    cmdline = readFileSync("/proc/self/cmdline", "latin1");
  } catch {
    // not Linux, or no /proc: the plan is null
  }
  const plan = allocatorReexecPlan({
    platform: process.platform,
    env: process.env,
    execPath: process.execPath,
    cmdline,
  });
  if (plan === null) return { status: "not needed" };
  try {
    const { dlopen, FFIType, ptr } = await import("bun:ffi");
    const keep: Buffer[] = [];
    const cString = (text: string) => {
      const bytes = Buffer.from(`${text}\0`, "utf8");
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
