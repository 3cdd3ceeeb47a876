import { expect, test } from "bun:test";
import { allocatorEnv, allocatorReexecPlan } from "./allocator-tuning.ts";

const base = {
  platform: "linux",
  env: { PATH: "/usr/bin", PIER_DATA_DIR: "/srv/pier" },
  execPath: "/usr/local/bin/pier",
  cmdline: "./pier\0serve\0--http-port\x0080\0",
};

test("the plan repeats the original argv and adds the allocator settings to the environment", () => {
  const plan = allocatorReexecPlan(base)!;
  expect(plan.path).toBe("/usr/local/bin/pier");
  expect(plan.argv).toEqual(["./pier", "serve", "--http-port", "80"]);
  expect(plan.env).toContain("PATH=/usr/bin");
  expect(plan.env).toContain("PIER_DATA_DIR=/srv/pier");
  for (const [name, value] of Object.entries(allocatorEnv)) expect(plan.env).toContain(`${name}=${value}`);
});

test("an argument that is empty or has spaces survives; undefined variables are left out", () => {
  const plan = allocatorReexecPlan({
    ...base,
    env: { A: "x=y z", B: undefined },
    cmdline: "bun\0main.ts\0serve\0--log-level\0\0--data-dir\0/tmp/a b\0",
  })!;
  expect(plan.argv).toEqual(["bun", "main.ts", "serve", "--log-level", "", "--data-dir", "/tmp/a b"]);
  expect(plan.env.filter((e) => !e.startsWith("MIMALLOC_"))).toEqual(["A=x=y z"]);
});

test("a setting the operator chose is kept; the missing ones are added", () => {
  const plan = allocatorReexecPlan({ ...base, env: { MIMALLOC_PURGE_DELAY: "100" } })!;
  const mimalloc = plan.env.filter((e) => e.startsWith("MIMALLOC_"));
  expect(mimalloc).toContain("MIMALLOC_PURGE_DELAY=100");
  expect(mimalloc).toHaveLength(Object.keys(allocatorEnv).length);
});

test("nothing to do when already started again, when the operator chose a value, off Linux or without /proc", () => {
  const again = allocatorReexecPlan(base)!;
  const env = Object.fromEntries(
    again.env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
  );
  expect(allocatorReexecPlan({ ...base, env })).toBeNull();
  expect(allocatorReexecPlan({ ...base, env: { ...allocatorEnv, MIMALLOC_PURGE_DELAY: "100" } })).toBeNull();
  expect(allocatorReexecPlan({ ...base, platform: "darwin" })).toBeNull();
  expect(allocatorReexecPlan({ ...base, cmdline: null })).toBeNull();
  expect(allocatorReexecPlan({ ...base, cmdline: "" })).toBeNull();
});

test("a process started again with execve keeps its PID and arguments and has the settings", async () => {
  // A real execve through bun:ffi: a child runs the tuning, prints what it is afterwards.
  const script = `
    import { reexecWithAllocatorTuning } from ${JSON.stringify(`${import.meta.dir}/allocator-tuning.ts`)};
    const first = process.env.MIMALLOC_PURGE_DELAY === undefined;
    const seen = () => ({ pid: process.pid, argv: process.argv.slice(1), delay: process.env.MIMALLOC_PURGE_DELAY, holes: process.env.MIMALLOC_PURGE_HOLES_MIN_INTERVAL });
    if (first) console.log(JSON.stringify(seen()));
    const skipped = await reexecWithAllocatorTuning();
    console.log(JSON.stringify({ ...seen(), skipped: skipped.status }));
  `;
  const env = { ...process.env };
  for (const name of Object.keys(allocatorEnv)) delete env[name];
  const child = Bun.spawnSync([process.execPath, "-e", script, "--", "one", "two words"], { env });
  expect(child.exitCode).toBe(0);
  const [before, after] = child.stdout
    .toString()
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  expect(before.argv).toContain("two words");
  expect(before.delay).toBeUndefined();
  expect(after).toEqual({
    pid: before.pid,
    argv: before.argv,
    delay: allocatorEnv.MIMALLOC_PURGE_DELAY,
    holes: allocatorEnv.MIMALLOC_PURGE_HOLES_MIN_INTERVAL,
    skipped: "not needed",
  });
});
