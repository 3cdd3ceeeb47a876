// Runs the query benchmark alone and writes its figures as JSON (for run.ts --query-json).
import { writeFileSync } from "node:fs";
import { queryBenchmark } from "./query.ts";

const [count = "10000000", runs = "5", out = "/tmp/pier-bench-logs-query.json"] = process.argv.slice(2);
const load = (await Bun.file("/proc/loadavg").text()).split(" ")[0];
const figures = await queryBenchmark(Number(count), Number(runs));
writeFileSync(
  out,
  JSON.stringify(
    { ...figures, loadAtStart: load, loadAtEnd: (await Bun.file("/proc/loadavg").text()).split(" ")[0] },
    null,
    2,
  ),
);
console.log(`wrote ${out}`);
