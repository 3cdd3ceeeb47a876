import { existsSync } from "node:fs";
import { chmod } from "node:fs/promises";
import { type Command, intFlag, UsageError } from "./command.ts";

const targetPositional = [{ name: "TARGET", required: true }];

export const backupListCommand: Command = {
  name: "backup list",
  summary: "List the archives in a directory or s3://bucket/prefix, newest first.",
  usage: "pier backup list TARGET [--json]",
  positionals: targetPositional,
  flags: { json: { type: "boolean", help: "print JSON" } },
  async run(args) {
    const { formatBytes, openTarget } = await import("@pier/backup");
    const target = openTarget(args.positionals[0]!);
    const archives = await target.list();
    if (args.flags.json) {
      console.log(
        JSON.stringify(
          archives.map((a) => ({ ...a, createdAt: a.createdAt.toISOString() })),
          null,
          2,
        ),
      );
      return 0;
    }
    if (archives.length === 0) {
      console.log(
        `No archives in ${target.location}. Make one with \`pier backup create --to ${args.positionals[0]}\`.`,
      );
      return 0;
    }
    const width = Math.max(4, ...archives.map((a) => a.name.length));
    console.log(`${"NAME".padEnd(width)}  ${"SIZE".padStart(9)}  CREATED                   ENCRYPTED`);
    for (const a of archives)
      console.log(
        `${a.name.padEnd(width)}  ${formatBytes(a.size).padStart(9)}  ${a.createdAt.toISOString().padEnd(24)}  ${a.encrypted ? "yes" : "no"}`,
      );
    console.log(`${archives.length} archive(s) in ${target.location}`);
    return 0;
  },
};

export const backupPruneCommand: Command = {
  name: "backup prune",
  summary: "Delete all but the N newest archives of a target (other files there are never touched).",
  usage: "pier backup prune TARGET --keep N [--dry-run]",
  positionals: targetPositional,
  flags: {
    keep: { type: "string", value: "N", help: "how many of the newest archives to keep (at least 1)" },
    "dry-run": { type: "boolean", help: "only say what would be deleted" },
  },
  async run(args) {
    const keep = intFlag(args, "keep", backupPruneCommand, { min: 1, max: 100_000 });
    if (keep === undefined) throw new UsageError("--keep is required", backupPruneCommand);
    const { openTarget, selectPrunable } = await import("@pier/backup");
    const target = openTarget(args.positionals[0]!);
    const doomed = selectPrunable(
      (await target.list()).map((a) => a.name),
      keep,
    );
    for (const name of doomed) {
      if (!args.flags["dry-run"]) await target.remove(name);
      console.log(`${args.flags["dry-run"] ? "would delete" : "deleted"} ${name}`);
    }
    console.log(
      `${doomed.length === 0 ? "Nothing to delete" : `${doomed.length} archive(s) ${args.flags["dry-run"] ? "to delete" : "deleted"}`}; the ${keep} newest are kept in ${target.location}.`,
    );
    return 0;
  },
};

export const backupKeygenCommand: Command = {
  name: "backup keygen",
  summary: "Write a new random key file for encrypted backups (keep a copy away from the server).",
  usage: "pier backup keygen FILE",
  positionals: [{ name: "FILE", required: true }],
  flags: {},
  async run(args) {
    const { newKeyFileText } = await import("@pier/backup");
    const path = args.positionals[0]!;
    if (existsSync(path))
      throw new UsageError(
        `${path} exists already: pier never overwrites a key (archives made with it would be lost)`,
        backupKeygenCommand,
      );
    await Bun.write(path, newKeyFileText());
    await chmod(path, 0o600);
    console.log(
      `Wrote a backup key to ${path} (mode 0600). Keep a copy somewhere other than this server: without it, archives encrypted with it cannot be restored.`,
    );
    return 0;
  },
};
