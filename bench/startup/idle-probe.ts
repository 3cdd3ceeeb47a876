// One quick idle-footprint reading of the compiled binary, for trying a change without the whole
// `make bench-startup` (which takes minutes): drops the page cache (as root), starts `pier serve`
// with N proxy workers ("default" for pier's own choice), waits, prints RSS and its anonymous and
// file parts in MB. KEEP=SECONDS keeps it running afterwards to look at /proc/PID/smaps.
//   bun bench/startup/idle-probe.ts [WORKERS=2] [SECONDS=10]
import { readFileSync, writeFileSync } from "node:fs";
import { startPier } from "../../test/support/pier-process.ts";

const workers = process.argv[2] ?? "2";
const wait = Number(process.argv[3] ?? 10);
try {
  writeFileSync("/proc/sys/vm/drop_caches", "3");
} catch {
  console.error("not root: the page cache stays as it is (file pages read higher)");
}
const pier = await startPier({ args: workers === "default" ? [] : ["--proxy-workers", workers] });
await Bun.sleep(wait * 1000);
const pid = pier.proc.pid;
const roll = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
const f = (n: string) => Number(roll.match(new RegExp(`${n}:\\s+(\\d+)`))?.[1] ?? 0) / 1024;
console.log(
  `workers=${workers} rss=${f("Rss").toFixed(1)} anon=${f("Pss_Anon").toFixed(1)} file=${f("Pss_File").toFixed(1)}`,
);
if (process.env.KEEP) {
  console.log("pid", pid, "url", pier.url);
  await Bun.sleep(Number(process.env.KEEP) * 1000);
}
await pier.stop();
