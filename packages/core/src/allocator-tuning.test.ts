import { expect, test } from "bun:test";
import { allocatorEnv, allocatorReexecPlan, missingAllocatorSettings } from "./allocator-tuning.ts";

/** How /proc/self/{cmdline,environ} read: NUL-terminated strings, bytes read as latin1. */
const proc = (items: string[]) =>
  Buffer.from(items.map((item) => `${item}\0`).join(""), "utf8").toString("latin1");
const base = {
  platform: "linux",
  execPath: "/usr/local/bin/pier",
  cmdline: proc(["./pier", "serve", "--http-port", "80"]),
  environ: proc(["PATH=/usr/bin", "PIER_DATA_DIR=/srv/pier"]),
};
const settings = Object.entries(allocatorEnv).map(([name, value]) => `${name}=${value}`);

test("the plan repeats the original argv and environment and adds the allocator settings", () => {
  expect(allocatorReexecPlan(base)).toEqual({
    path: "/usr/local/bin/pier",
    argv: ["./pier", "serve", "--http-port", "80"],
    env: ["PATH=/usr/bin", "PIER_DATA_DIR=/srv/pier", ...settings],
  });
});

test("arguments and variables pass byte for byte: empty, with spaces, '=' or UTF-8", () => {
  const plan = allocatorReexecPlan({
    ...base,
    cmdline: proc(["bun", "main.ts", "serve", "--log-level", "", "--data-dir", "/srv/piér data"]),
    environ: proc(["A=x=y z", "GREETING=grüße"]),
  })!;
  const bytes = (items: string[]) => Buffer.from(items.join("\0"), "latin1").toString("utf8").split("\0");
  expect(bytes(plan.argv)).toEqual([
    "bun",
    "main.ts",
    "serve",
    "--log-level",
    "",
    "--data-dir",
    "/srv/piér data",
  ]);
  expect(bytes(plan.env)).toEqual(["A=x=y z", "GREETING=grüße", ...settings]);
});

test("a setting the operator chose is kept; the missing ones are added", () => {
  const plan = allocatorReexecPlan({ ...base, environ: proc(["MIMALLOC_PURGE_DELAY=100"]) })!;
  expect(plan.env).toEqual([
    "MIMALLOC_PURGE_DELAY=100",
    ...settings.filter((entry) => !entry.startsWith("MIMALLOC_PURGE_DELAY=")),
  ]);
});

test("nothing to do when already started again, when the operator set everything, off Linux or without /proc", () => {
  const again = allocatorReexecPlan(base)!;
  expect(allocatorReexecPlan({ ...base, environ: proc(again.env) })).toBeNull();
  expect(
    allocatorReexecPlan({ ...base, environ: proc(settings.map((e) => e.replace(/=.*/, "=100"))) }),
  ).toBeNull();
  expect(allocatorReexecPlan({ ...base, platform: "darwin" })).toBeNull();
  expect(allocatorReexecPlan({ ...base, cmdline: null })).toBeNull();
  expect(allocatorReexecPlan({ ...base, environ: null })).toBeNull();
  expect(allocatorReexecPlan({ ...base, cmdline: "" })).toBeNull();
});

test("a process started again with execve keeps its PID and arguments and has the settings", async () => {
  // A real execve through bun:ffi: a child runs the tuning, prints what it is afterwards.
  const script = `
    import { reexecWithAllocatorTuning } from ${JSON.stringify(`${import.meta.dir}/allocator-tuning.ts`)};
    const first = process.env.MIMALLOC_PURGE_DELAY === undefined;
    const seen = () => ({ pid: process.pid, argv: process.argv.slice(1), delay: process.env.MIMALLOC_PURGE_DELAY, holes: process.env.MIMALLOC_PURGE_HOLES_MIN_INTERVAL, greeting: process.env.GREETING });
    if (first) console.log(JSON.stringify(seen()));
    const skipped = await reexecWithAllocatorTuning();
    console.log(JSON.stringify({ ...seen(), skipped: skipped.status }));
  `;
  const env: Record<string, string | undefined> = { ...process.env, GREETING: "grüße" };
  for (const name of Object.keys(allocatorEnv)) delete env[name];
  const child = Bun.spawnSync([process.execPath, "-e", script, "--", "one", "two words", "piér"], { env });
  expect(child.exitCode).toBe(0);
  const [before, after] = child.stdout
    .toString()
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  expect(before.argv).toContain("two words");
  expect(before.argv).toContain("piér");
  expect(before.greeting).toBe("grüße");
  expect(before.delay).toBeUndefined();
  expect(after).toEqual({
    pid: before.pid,
    argv: before.argv,
    delay: allocatorEnv.MIMALLOC_PURGE_DELAY,
    holes: allocatorEnv.MIMALLOC_PURGE_HOLES_MIN_INTERVAL,
    greeting: "grüße",
    skipped: "not needed",
  });
});

test("the settings a process runs without: none off Linux, none once all are set", () => {
  const all = Object.fromEntries(Object.entries(allocatorEnv));
  expect(missingAllocatorSettings("linux", {})).toEqual(settings);
  expect(missingAllocatorSettings("linux", all)).toEqual([]);
  expect(missingAllocatorSettings("linux", { ...all, MIMALLOC_PURGE_DELAY: undefined })).toEqual([
    `MIMALLOC_PURGE_DELAY=${allocatorEnv.MIMALLOC_PURGE_DELAY}`,
  ]);
  expect(missingAllocatorSettings("darwin", {})).toEqual([]);
});
