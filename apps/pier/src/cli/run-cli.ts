import { PierError, pierVersion } from "@pier/core";
import { ApiRequestError, NotLoggedInError } from "./api-client.ts";
import { parseCommandArgs, renderCommandHelp, UsageError } from "./command.ts";
import { commands, commandsInGroup, findCommand } from "./registry.ts";

function renderMainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `pier ${pierVersion}: a whole deployment platform in one binary.`,
    "",
    "Usage: pier COMMAND [options]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `pier COMMAND --help` for the options of a command.",
    "",
  ].join("\n");
}

function renderGroupHelp(group: string): string {
  const members = commandsInGroup(group);
  const width = Math.max(...members.map((c) => c.name.length));
  return [
    `Usage: pier ${group} SUBCOMMAND`,
    "",
    ...members.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
  ].join("\n");
}

/** Exit codes: 0 success, 1 the operation failed, 2 the command line was wrong. */
export async function runCli(argv: string[]): Promise<number> {
  const [first] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(renderMainHelp());
    return first === undefined ? 2 : 0;
  }
  if (first === "--version" || first === "-v") {
    console.log(`pier ${pierVersion}`);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    if (commandsInGroup(first).length > 0) {
      const sub = argv[1];
      if (sub === undefined || sub === "--help" || sub === "-h") {
        process.stdout.write(renderGroupHelp(first));
        return sub === undefined ? 2 : 0;
      }
      console.error(`pier: unknown command "${first} ${sub}".\n\n${renderGroupHelp(first)}`);
      return 2;
    }
    console.error(`pier: unknown command "${first}". Run \`pier --help\` for the list.`);
    return 2;
  }
  try {
    const parsed = parseCommandArgs(found.command, found.rest);
    if (parsed === "help") {
      process.stdout.write(renderCommandHelp(found.command));
      return 0;
    }
    return await found.command.run(parsed);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(
        `pier ${found.command.name}: ${error.message}\nUsage: ${found.command.usage}\nRun \`pier ${found.command.name} --help\` for details.`,
      );
      return 2;
    }
    if (error instanceof ApiRequestError || error instanceof NotLoggedInError || error instanceof PierError) {
      console.error(`pier ${found.command.name}: ${error.message}`);
      return 1;
    }
    console.error(`pier ${found.command.name}: ${(error as Error)?.message ?? String(error)}`);
    return 1;
  }
}
