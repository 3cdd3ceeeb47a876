import { type EncryptionKey, formatBytes } from "@pier/backup";
import { type Command, type FlagSpec, type ParsedArgs, UsageError } from "./command.ts";

/** The flags that give an archive's key, shared by create, verify and restore. */
export const keyFlags: Record<string, FlagSpec> = {
  "key-file": { type: "string", value: "FILE", help: "key file (made by `pier backup keygen FILE`)" },
  "passphrase-stdin": {
    type: "boolean",
    help: "read the passphrase from standard input (or set PIER_BACKUP_PASSPHRASE)",
  },
};

/**
 * The key the flags name, or undefined when none is given: `--key-file`, else a passphrase from
 * standard input or PIER_BACKUP_PASSPHRASE. Passphrases never go on the command line, where
 * other users of the machine see them in the process list.
 */
export async function keyFromFlags(
  args: ParsedArgs,
  command: Command,
  env = process.env,
): Promise<EncryptionKey | undefined> {
  const keyFile = args.flags["key-file"];
  if (typeof keyFile === "string") {
    if (args.flags["passphrase-stdin"])
      throw new UsageError("give --key-file or --passphrase-stdin, not both", command);
    const { parseKeyFile } = await import("@pier/backup");
    const text = await Bun.file(keyFile)
      .text()
      .catch((error: Error) => {
        throw new UsageError(`cannot read --key-file ${keyFile}: ${error.message}`, command);
      });
    try {
      return { kind: "key-file", key: parseKeyFile(text) };
    } catch (error) {
      throw new UsageError(`--key-file ${keyFile}: ${(error as Error).message}`, command);
    }
  }
  const passphrase = args.flags["passphrase-stdin"]
    ? (await Bun.stdin.text()).replace(/\r?\n$/, "")
    : env.PIER_BACKUP_PASSPHRASE || undefined;
  if (passphrase === undefined) return undefined;
  if (passphrase.length < 8) throw new UsageError("the passphrase needs at least 8 characters", command);
  return { kind: "passphrase", passphrase };
}

/** Progress on stderr: one line per phase change and every few seconds, so logs stay readable. */
export function progressPrinter(
  verb: string,
): (p: { phase: string; files: number; bytes: number; totalBytes?: number; member?: string }) => void {
  let lastPhase = "";
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.phase === lastPhase && now - last < 2000) return;
    // A phase's first event says nothing yet ("0 files, 0 B"): its next one announces it.
    if (p.phase !== "database" && p.files === 0 && p.bytes === 0) return;
    lastPhase = p.phase;
    last = now;
    const total = p.totalBytes ? ` of ${formatBytes(p.totalBytes)}` : "";
    const what =
      p.phase === "database" ? `copying ${p.member}` : `${p.files} files, ${formatBytes(p.bytes)}${total}`;
    console.error(`${verb}${p.phase === verb ? "" : ` (${p.phase})`}: ${what}`);
  };
}
