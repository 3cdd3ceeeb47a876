/**
 * The one rule for tests that need something outside the process (Docker, PostgreSQL, ClickHouse,
 * Pebble, Chromium, qemu, a tool on PATH): when the environment variable CI is exactly "true", a
 * missing service is a failure, because .ci/run installs and starts all of them and a suite that
 * skips there would pass without running. Anywhere else the test says once what it skips and why,
 * and skips, so `bun test` works on a laptop without them.
 */
export function servicesRequired(env: Record<string, string | undefined> = process.env): boolean {
  return env.CI === "true";
}

/** Thrown in CI when a test's service is missing; the message says what is missing and the fix. */
export class MissingServiceError extends Error {
  readonly code = "missing_service";
  constructor(
    readonly what: string,
    readonly missing: string,
    readonly fix: string,
  ) {
    super(`${what} is required in CI (CI=true) but ${missing}. ${fix}`);
    this.name = "MissingServiceError";
  }
}

const warned = new Set<string>();

/**
 * Whether the service a test needs is there. `missing` is null when it is, else what is wrong
 * ("PIER_TEST_POSTGRES_URL is not set"); `fix` says how to provide it ("start PostgreSQL and set
 * PIER_TEST_POSTGRES_URL"). With CI=true a missing service throws MissingServiceError: at the top
 * of a test file that fails the file, in a hook or a test it fails them. Elsewhere it warns once
 * per process for each service and reason and returns false: the caller skips what needs it
 * (`describe.skipIf(!ready)`, `test.if(ready)`, or leaving a backend out of the list).
 */
export function requireService(
  what: string,
  missing: string | null,
  fix: string,
  env: Record<string, string | undefined> = process.env,
): boolean {
  if (missing === null) return true;
  if (servicesRequired(env)) throw new MissingServiceError(what, missing, fix);
  const key = `${what}\u0000${missing}`;
  if (!warned.has(key)) {
    warned.add(key);
    console.warn(`skipping tests that need ${what}: ${missing}. ${fix}`);
  }
  return false;
}
