import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";

/** What `pier login` remembers: where pier runs and the token to use there. */
export const cliConfigSchema = z.object({
  url: z.url(),
  token: z.string().min(1),
});
export type CliConfig = z.infer<typeof cliConfigSchema>;

export function cliConfigPath(env: Record<string, string | undefined> = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "pier", "config.json");
}

export function readCliConfig(path = cliConfigPath()): CliConfig | undefined {
  if (!existsSync(path)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    throw new Error(`${path} is not valid JSON; run \`pier login\` again to rewrite it.`);
  }
  const parsed = cliConfigSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${path} is not a pier CLI config; run \`pier login\` again.`);
  return parsed.data;
}

export function writeCliConfig(config: CliConfig, path = cliConfigPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}
