import { expect, test } from "bun:test";
import { otlpEnv } from "./otlp-env.ts";

test("an app host's DSN gives /_pier/otlp on that host; the console's gives the console", () => {
  const key = "0123456789abcdef0123456789abcdef";
  expect(otlpEnv(`http://${key}@shop.example.com:8080/_pier/3`, key, "shop")).toEqual({
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://shop.example.com:8080/_pier/otlp",
    OTEL_EXPORTER_OTLP_HEADERS: `x-pier-key=${key}`,
    OTEL_SERVICE_NAME: "shop",
  });
  expect(otlpEnv(`https://${key}@pier.example.com/3`, key, "shop").OTEL_EXPORTER_OTLP_ENDPOINT).toBe(
    "https://pier.example.com",
  );
});
