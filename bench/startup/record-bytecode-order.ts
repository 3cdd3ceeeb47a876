// Records which functions a start of `pier serve` runs, for `bun build --bytecode-order` (see the
// Makefile's BUILD_FLAGS): the bytecode used at start is then laid out together at the front of the
// executable, so a start reads fewer pages of it. Run after a change that moves a lot of start-up
// code: `bun bench/startup/record-bytecode-order.ts` (uses dist/pier), then `make build` again.
// A profile from an older build still applies; functions it does not know are laid out after.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPier } from "../../test/support/pier-process.ts";

const out = join(import.meta.dir, "bytecode-order.txt");
if (existsSync(out)) rmSync(out);
const dataDir = mkdtempSync(join(tmpdir(), "pier-order-"));
// The control plane alone, as `make bench-startup` measures it: proxy workers run their own
// module graph and would push main-thread functions further back.
const pier = await startPier({
  dataDir,
  args: ["--proxy-workers", "0"],
  env: { BUN_BYTECODE_ORDER_OUT: out },
});
await Bun.sleep(1000);
await pier.stop();
rmSync(dataDir, { recursive: true, force: true });
if (!existsSync(out)) throw new Error(`no profile written to ${out}: is dist/pier built with --bytecode?`);
console.log(`wrote ${out} (${(await Bun.file(out).text()).split("\n").length - 2} functions)`);
