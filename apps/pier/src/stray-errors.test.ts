import { expect, test } from "bun:test";
import { join } from "node:path";

// In a child process, as the handlers are process-wide: the stray errors are logged and the
// process goes on to its normal end.
const script = `
import { createLogger } from "@pier/core";
import { keepServingOnStrayErrors } from ${JSON.stringify(join(import.meta.dir, "stray-errors.ts"))};
keepServingOnStrayErrors(createLogger({ format: "json", write: (line) => console.log(line) }));
Promise.reject(new Error("nobody awaited this"));
setTimeout(() => { throw new TypeError("thrown in a timer"); }, 10);
setTimeout(() => console.log("still serving"), 100);
`;

test("a stray rejection or exception is logged as an error and the process keeps running", async () => {
  const proc = Bun.spawn([process.execPath, "-e", script], {
    cwd: import.meta.dir,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  expect({ code, err }).toEqual({ code: 0, err: "" });
  const lines = out.trim().split("\n");
  expect(lines.at(-1)).toBe("still serving");
  const records = lines
    .slice(0, -1)
    .map((l) => JSON.parse(l) as { level: string; msg: string; error: string; stack: string });
  expect(records.map((r) => [r.level, r.msg, r.error])).toEqual([
    ["error", "unhandled promise rejection: pier keeps serving", "nobody awaited this"],
    ["error", "uncaught exception: pier keeps serving", "thrown in a timer"],
  ]);
  expect(records[1]!.stack).toContain("TypeError");
});
