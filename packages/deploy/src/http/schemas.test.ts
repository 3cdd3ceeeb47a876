import { expect, test } from "bun:test";
import { envBody, imageBody, imageReferenceSchema } from "./schemas.ts";

test("image references: what docker pull takes passes, anything else is refused before a deploy is queued", () => {
  for (const ok of [
    "nginx",
    "nginx:1.27",
    "library/nginx:latest",
    "ghcr.io/acme/web:v2",
    "localhost:5000/app",
    "127.0.0.1:5000/a/b:c",
    "pier-base/bun:1",
    `registry.example.com:443/x/y@sha256:${"a".repeat(64)}`,
    "my_app__x",
    "a-b--c",
  ])
    expect([ok, imageReferenceSchema.safeParse(ok).success]).toEqual([ok, true]);
  for (const bad of ["Bad Ref", "UPPER", "nginx:", "a//b", ":tag", "x@sha256:zz", "-x", "a:b:c"])
    expect([bad, imageReferenceSchema.safeParse(bad).success]).toEqual([bad, false]);
  expect(imageBody.safeParse({ image: "nginx", branch: "bad branch" }).success).toBe(false);
});

test("env: one variable or several, never both, no name twice", () => {
  expect(envBody.parse({ key: "A", value: "1" })).toMatchObject({
    key: "A",
    value: "1",
    secret: true,
    environment: "",
  });
  expect(
    envBody.parse({
      vars: [
        { key: "A", value: "1" },
        { key: "B", value: "" },
      ],
    }).vars,
  ).toHaveLength(2);
  const messages = (body: unknown) => envBody.safeParse(body).error?.issues.map((i) => i.message) ?? [];
  expect(messages({ key: "A" })).toEqual(["send key and value, or vars: [{key, value}, ...]"]);
  expect(messages({ key: "A", value: "1", vars: [{ key: "B", value: "2" }] })).toEqual([
    "send either key and value, or vars, not both",
  ]);
  expect(
    messages({
      vars: [
        { key: "A", value: "1" },
        { key: "A", value: "2" },
      ],
    }),
  ).toEqual(["A is given twice"]);
  expect(messages({ vars: [{ key: "bad key", value: "1" }] })[0]).toContain("env var names are letters");
  expect(messages({ vars: [] }).length).toBe(1);
});
