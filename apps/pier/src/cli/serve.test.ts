import { expect, test } from "bun:test";
import { serveOptions } from "@pier/config";
import { renderCommandHelp } from "./command.ts";
import { serveCommand, serveOptionHelp } from "./serve.ts";

test("pier serve --help shows each option's default", () => {
  const help = renderCommandHelp(serveCommand);
  expect(help).toContain("[PIER_CONSOLE_PORT] (default 7070)");
  expect(help).toContain(`[PIER_DATA_DIR] (default ${serveOptions.dataDir.defaultValue()})`);
  expect(serveOptionHelp(serveOptions.logLevel)).toEndWith("(default info)");
  // No default to show: none, a secret, or one the help text already gives.
  expect(serveOptionHelp(serveOptions.databaseUrl)).toEndWith("[PIER_DATABASE_URL]");
  expect(serveOptionHelp(serveOptions.trustedProxies)).not.toContain("(default");
});
