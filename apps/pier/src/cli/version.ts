import { pierVersion } from "@pier/core";
import type { Command } from "./command.ts";

export const versionCommand: Command = {
  name: "version",
  summary: "Print the version of this pier binary.",
  usage: "pier version [--json]",
  flags: { json: { type: "boolean", help: "print JSON with version, platform and Bun version" } },
  async run(args) {
    if (args.flags.json) {
      console.log(
        JSON.stringify({
          version: pierVersion,
          platform: `${process.platform}-${process.arch}`,
          bun: Bun.version,
        }),
      );
    } else {
      console.log(`pier ${pierVersion}`);
    }
    return 0;
  },
};
