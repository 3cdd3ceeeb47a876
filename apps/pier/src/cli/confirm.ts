import { type Command, type ParsedArgs, UsageError } from "./command.ts";

/** Reads one line from stdin: the typed confirmation of a deletion. */
export async function readLine(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  for await (const line of console) return line.trim();
  return "";
}

/** The `--confirm` flag of a command that destroys `what` (e.g. "the app's name"). */
export const confirmFlag = (value: string, what: string) =>
  ({
    type: "string",
    value,
    help: `${what} again, instead of typing it when asked (needed when stdin is not a terminal)`,
  }) as const;

/**
 * Destroying data needs its name: typed when asked, or `--confirm TARGET`, which a run without a
 * terminal needs (nothing to type into there). `exists` runs before asking: a question about a
 * thing that does not exist would be one for nothing. Throws UsageError with `refusal` without a
 * terminal, or when the name differs (`nothing <undone>`); returns the confirmed name.
 */
export async function confirmByName(
  args: ParsedArgs,
  command: Command,
  options: {
    target: string;
    prompt: string;
    refusal: string;
    undone: "deleted" | "restored";
    exists?: () => Promise<unknown>;
  },
): Promise<string> {
  const { target } = options;
  let confirm = typeof args.flags.confirm === "string" ? args.flags.confirm : undefined;
  if (confirm === undefined) {
    await options.exists?.();
    if (!process.stdin.isTTY) throw new UsageError(options.refusal, command);
    confirm = await readLine(options.prompt);
  }
  if (confirm !== target)
    throw new UsageError(
      `the name typed (${JSON.stringify(confirm)}) is not ${target}: nothing ${options.undone}`,
      command,
    );
  return confirm;
}
