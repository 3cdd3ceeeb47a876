import { pierVersion } from "@pier/core";
import { embeddedReleasePublicKey } from "../release/embedded-key.ts";
import type { Command } from "./command.ts";

export const versionCommand: Command = {
  name: "version",
  summary: "Print the version of this pier binary.",
  usage: "pier version [--json]",
  flags: {
    json: {
      type: "boolean",
      help: "print JSON with version, platform, Bun version and the release key this build trusts",
    },
  },
  async run(args) {
    if (args.flags.json) {
      console.log(
        JSON.stringify({
          version: pierVersion,
          platform: `${process.platform}-${process.arch}`,
          bun: Bun.version,
          // The minisign public key of the release this binary came from (null outside a release).
          releasePublicKey: embeddedReleasePublicKey ?? null,
        }),
      );
    } else {
      console.log(`pier ${pierVersion}`);
    }
    return 0;
  },
};
