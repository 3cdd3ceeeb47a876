import { expect, test } from "bun:test";
import { linkedVars, renderEnvList } from "./env.ts";

const services = [
  {
    name: "r3db",
    links: [
      { app: "r3app", envVar: "DATABASE_URL" },
      { app: "other", envVar: "DATABASE_URL" },
    ],
  },
  { name: "r3cache", links: [{ app: "r3app", envVar: "REDIS_URL" }] },
];

test("env list shows the variables linked services inject, and which stored var overrides one", () => {
  const linked = linkedVars(services, "r3app");
  expect(linked).toEqual([
    { key: "DATABASE_URL", service: "r3db" },
    { key: "REDIS_URL", service: "r3cache" },
  ]);
  expect(
    renderEnvList(
      [
        { key: "GREETING", value: "plain", environment: null },
        { key: "REDIS_URL", value: "••••", environment: null },
      ],
      linked,
    ),
  ).toEqual([
    "GREETING=plain",
    "REDIS_URL=••••",
    "DATABASE_URL  (from service r3db)",
    "REDIS_URL  (from service r3cache; overridden by the value set above)",
  ]);
});
