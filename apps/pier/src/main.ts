#!/usr/bin/env bun
import { reexecWithAllocatorTuning } from "@pier/core/allocator-tuning";

const args = process.argv.slice(2);
// `pier serve` starts itself again with its allocator settings (operations.md, Memory) before
// the CLI and the platform load: everything loaded before the restart is loaded twice, so the
// earlier it happens the less cold start it costs (docs/performance.md, Proxy notes).
const startsServer =
  args[0] === "serve" && !args.some((arg) => arg === "--help" || arg === "-h" || arg === "--print-config");
if (startsServer) await reexecWithAllocatorTuning();

const { runCli } = await import("./cli/run-cli.ts");
process.exitCode = await runCli(args);
