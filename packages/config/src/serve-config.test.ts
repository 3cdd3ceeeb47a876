import { describe, expect, test } from "bun:test";
import { ConfigError, redactServeConfig, resolveServeConfig } from "./serve-config.ts";

describe("resolveServeConfig", () => {
  test("flags beat env, env beats defaults", () => {
    const { config, sources } = resolveServeConfig(
      { "console-port": "9000" },
      { PIER_CONSOLE_PORT: "8000", PIER_HTTP_PORT: "8081" },
    );
    expect(config.consolePort).toBe(9000);
    expect(sources.consolePort).toBe("flag");
    expect(config.httpPort).toBe(8081);
    expect(sources.httpPort).toBe("env");
    expect(sources.dataDir).toBe("default");
    expect(config.logLevel).toBe("info");
  });

  test("empty env values fall back to the default", () => {
    const { config } = resolveServeConfig({}, { PIER_CONSOLE_PORT: "" });
    expect(config.consolePort).toBe(7070);
  });

  test("bad values name the flag or variable they came from", () => {
    try {
      resolveServeConfig({ "console-port": "seventy" }, { PIER_DATABASE_URL: "mysql://x" });
      throw new Error("expected ConfigError");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).message;
      expect(message).toContain("--console-port");
      expect(message).toContain("PIER_DATABASE_URL");
    }
  });

  test("error tracking settings: retention days and the writer thread, old 0/1 form accepted", () => {
    const defaults = resolveServeConfig({}, {}).config;
    expect(defaults.errorsRetentionDays).toBe(30);
    expect(defaults.errorsWriterThread).toBe("on");
    const { config } = resolveServeConfig(
      { "errors-retention-days": "7" },
      { PIER_ERRORS_WRITER_THREAD: "0" },
    );
    expect(config.errorsRetentionDays).toBe(7);
    expect(config.errorsWriterThread).toBe("off");
    expect(() => resolveServeConfig({ "errors-retention-days": "0" }, {})).toThrow(ConfigError);
    expect(() => resolveServeConfig({ "errors-writer-thread": "maybe" }, {})).toThrow(ConfigError);
  });

  test("session replay settings: retention days and the size per replay", () => {
    const defaults = resolveServeConfig({}, {}).config;
    expect(defaults.replayRetentionDays).toBe(14);
    expect(defaults.replayMaxMb).toBe(20);
    const { config } = resolveServeConfig({ "replay-max-mb": "5" }, { PIER_REPLAY_RETENTION_DAYS: "3" });
    expect(config.replayRetentionDays).toBe(3);
    expect(config.replayMaxMb).toBe(5);
    expect(() => resolveServeConfig({ "replay-max-mb": "0" }, {})).toThrow(ConfigError);
    expect(() => resolveServeConfig({ "replay-retention-days": "x" }, {})).toThrow(ConfigError);
  });

  test("the proxy's timeouts: durations with a unit or seconds, defaults 10 s, 30 s and 30 s", () => {
    const defaults = resolveServeConfig({}, {}).config;
    expect([defaults.headTimeoutMs, defaults.shutdownTimeoutMs, defaults.wakeTimeoutMs]).toEqual([
      10_000, 30_000, 30_000,
    ]);
    const { config } = resolveServeConfig(
      { "head-timeout": "500ms", "shutdown-timeout": "2m" },
      { PIER_WAKE_TIMEOUT: "45" },
    );
    expect([config.headTimeoutMs, config.shutdownTimeoutMs, config.wakeTimeoutMs]).toEqual([
      500, 120_000, 45_000,
    ]);
    for (const bad of ["soon", "0", "-1s", "2h"])
      expect(() => resolveServeConfig({ "head-timeout": bad }, {})).toThrow(ConfigError);
  });

  test("the proxy's body and send timeouts: 60 s each by default, like nginx's", () => {
    const defaults = resolveServeConfig({}, {}).config;
    expect([defaults.bodyTimeoutMs, defaults.sendTimeoutMs]).toEqual([60_000, 60_000]);
    const { config } = resolveServeConfig({ "body-timeout": "5m" }, { PIER_SEND_TIMEOUT: "90s" });
    expect([config.bodyTimeoutMs, config.sendTimeoutMs]).toEqual([300_000, 90_000]);
    expect(() => resolveServeConfig({ "send-timeout": "never" }, {})).toThrow(ConfigError);
  });

  test("ports outside 0..65535 are rejected", () => {
    expect(() => resolveServeConfig({ "http-port": "70000" }, {})).toThrow(ConfigError);
  });
});

describe("redactServeConfig", () => {
  test("hides passwords in URLs and whole tokens", () => {
    const { config } = resolveServeConfig(
      {},
      {
        PIER_DATABASE_URL: "postgres://pier:hunter2@db:5432/pier",
        PIER_ADMIN_TOKEN: "pier_supersecretvalue123",
      },
    );
    const shown = redactServeConfig(config);
    expect(shown.databaseUrl).toBe("postgres://pier:***@db:5432/pier");
    expect(shown.adminToken).toBe("***");
    expect(JSON.stringify(shown)).not.toContain("hunter2");
    expect(shown.consolePort).toBe(7070);
  });
});

describe("listeners on one port", () => {
  test("the console and the proxy on one port are refused, naming both flags", () => {
    expect(() =>
      resolveServeConfig({ "console-port": "7070", "http-port": "7070", "proxy-workers": "1" }, {}),
    ).toThrow("--console-port and --http-port are both 7070");
    expect(() =>
      resolveServeConfig({ "https-port": "9443" }, { PIER_HTTP_PORT: "9443", PIER_PROXY_WORKERS: "2" }),
    ).toThrow("PIER_HTTP_PORT and --https-port are both 9443");
  });

  test("without the proxy its ports do not matter, and port 0 (any free port) never clashes", () => {
    expect(
      resolveServeConfig({ "console-port": "7070", "http-port": "7070", "proxy-workers": "0" }, {}).config
        .httpPort,
    ).toBe(7070);
    expect(
      resolveServeConfig(
        { "console-port": "0", "http-port": "0", "https-port": "0", "proxy-workers": "1" },
        {},
      ).config.consolePort,
    ).toBe(0);
  });

  test("a port that is not a number says so", () => {
    expect(() => resolveServeConfig({ "console-port": "abc" }, {})).toThrow(
      '--console-port: must be a number (got "abc")',
    );
  });
});
