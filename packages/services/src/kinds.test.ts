import { expect, test } from "bun:test";
import { compareVersions, upgradeDecision, versionSeries } from "./kinds.ts";
import { serviceImage } from "./settings.ts";

test("versions belong to a series pier knows, or to none", () => {
  expect(versionSeries("postgres", "16")).toBe("16");
  expect(versionSeries("postgres", "16.4")).toBe("16");
  expect(versionSeries("postgres", "42")).toBeNull();
  expect(versionSeries("mariadb", "10.11.6")).toBe("10.11");
  expect(versionSeries("mariadb", "11.4.2")).toBe("11.4");
  expect(versionSeries("mariadb", "11.2")).toBe("11");
  expect(versionSeries("redis", "7.2")).toBe("7");
  expect(versionSeries("mysql", "latest")).toBeNull();
  expect(compareVersions("10.11", "10.6")).toBeGreaterThan(0);
});

test("minor upgrades recreate on the same volume; a new PostgreSQL major or any downgrade is refused", () => {
  expect(upgradeDecision("postgres", "16.2", "16.4", "db")).toEqual({ ok: true, recreate: true });
  expect(upgradeDecision("postgres", "16", "16", "db")).toEqual({ ok: true, recreate: false });
  const major = upgradeDecision("postgres", "15", "16", "db");
  expect(major.ok).toBe(false);
  if (!major.ok) {
    expect(major.reason).toBe("major");
    expect(major.message).toContain("pier services restore db BACKUP --to NEW_NAME --version 16");
  }
  expect(upgradeDecision("mariadb", "10.11", "11.4", "db").ok).toBe(false);
  expect(upgradeDecision("redis", "6", "7", "cache")).toEqual({ ok: true, recreate: true });
  const down = upgradeDecision("redis", "7", "6", "cache");
  expect(down.ok || down.reason).toBe("downgrade");
});

test("the image of a kind and version: the exact setting, the series' setting, then the official image", () => {
  const env = {
    PIER_SERVICE_IMAGE_POSTGRES_16: "local/pg:16",
    PIER_SERVICE_IMAGE_MARIADB_10_11: "local/mdb",
  };
  expect(serviceImage("postgres", "16.4", "16", env)).toBe("local/pg:16");
  expect(serviceImage("mariadb", "10.11", "10.11", env)).toBe("local/mdb");
  expect(serviceImage("redis", "7", "7", env)).toBe("redis:7");
});
