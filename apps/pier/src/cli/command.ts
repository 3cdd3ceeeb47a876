import { parseArgs } from "node:util";

export interface FlagSpec {
  type: "string" | "boolean";
  help: string;
  short?: string;
  /** Shown in help as the value placeholder. */
  value?: string;
  /** An empty string is a meaningful value (e.g. "allow all"); otherwise `--flag ""` is refused. */
  allowEmpty?: boolean;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  /** Positional arguments this command accepts, for help and arity checks. */
  positionals?: { name: string; required: boolean }[];
  /** The last positional takes every argument left (`pier run -- CMD ARGS...`). */
  variadic?: boolean;
  run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  flags: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Bad invocations exit with code 2 and say what to type instead. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: Command,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

export function parseCommandArgs(command: Command, argv: string[]): ParsedArgs | "help" {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, spec] of Object.entries(command.flags))
    options[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
  } catch (error) {
    // `--tail -1`: parseArgs cannot tell a negative number from a flag and says "ambiguous".
    const given = /^Option '(--?[\w-]+)' argument is ambiguous/.exec((error as Error).message)?.[1];
    const value = given ? argv[argv.indexOf(given) + 1] : undefined;
    if (given && value !== undefined && /^-\d/.test(value))
      throw new UsageError(`${given} ${value}: negative numbers are not accepted`, command);
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new UsageError(message, command);
  }
  if (parsed.values.help) return "help";
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === "" && !command.flags[name]?.allowEmpty)
      throw new UsageError(`--${name} needs a value, got an empty string`, command);
  }
  const expected = command.positionals ?? [];
  const required = expected.filter((p) => p.required).length;
  // An empty required argument (`pier apps delete ""`) is as missing as an absent one.
  const empty = parsed.positionals.findIndex((value, i) => value === "" && expected[i]?.required);
  if (empty !== -1) throw new UsageError(`missing argument <${expected[empty]!.name}> (got "")`, command);
  if (parsed.positionals.length < required) {
    const missing = expected[parsed.positionals.length]!.name;
    throw new UsageError(`missing argument <${missing}>`, command);
  }
  if (parsed.positionals.length > expected.length && !command.variadic) {
    throw new UsageError(`unexpected argument "${parsed.positionals[expected.length]}"`, command);
  }
  return { flags: parsed.values as ParsedArgs["flags"], positionals: parsed.positionals };
}

export function renderCommandHelp(command: Command): string {
  const lines = [`${command.summary}`, "", `Usage: ${command.usage}`];
  const entries = Object.entries(command.flags);
  lines.push("", "Options:");
  if (entries.length) {
    const labels = entries.map(([name, spec]) => {
      const short = spec.short ? `-${spec.short}, ` : "    ";
      return `${short}--${name}${spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : ""}`;
    });
    const width = Math.max(...labels.map((l) => l.length), 12);
    entries.forEach(([, spec], i) => {
      lines.push(`  ${labels[i]!.padEnd(width)}  ${spec.help}`);
    });
  }
  lines.push(`  ${"-h, --help".padEnd(12)}  show this help`);
  return `${lines.join("\n")}\n`;
}

/**
 * A whole-number flag within [min, max], or undefined when absent. `Number("")` is 0 and
 * `Number("1e400")` is Infinity, so both are checked rather than trusted.
 */
export function intFlag(
  args: ParsedArgs,
  name: string,
  command: Command,
  range: { min: number; max: number },
): number | undefined {
  const raw = args.flags[name];
  if (raw === undefined) return undefined;
  const value = typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max)
    throw new UsageError(
      `--${name} must be a whole number from ${range.min} to ${range.max}, got "${String(raw)}"`,
      command,
    );
  return value;
}

export function requireStringFlag(args: ParsedArgs, name: string, command: Command): string {
  const value = args.flags[name];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} is required`, command);
  return value;
}
