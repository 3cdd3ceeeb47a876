import { expect, test } from "bun:test";
import { createVerify, X509Certificate } from "node:crypto";
import { createSigningCertificate } from "./certificates.ts";
import { basicCredentials, grantAccess, libtrustKeyId, parseScope, signRegistryToken } from "./token.ts";

test("scopes parse like the registry writes them, names with a port included", () => {
  expect(parseScope("repository:pier/shop:pull,push")).toEqual({
    type: "repository",
    name: "pier/shop",
    actions: ["pull", "push"],
  });
  expect(parseScope("repository:host:5000/a/b:pull")).toEqual({
    type: "repository",
    name: "host:5000/a/b",
    actions: ["pull"],
  });
  expect(parseScope("registry:catalog:*")).toEqual({ type: "registry", name: "catalog", actions: ["*"] });
  expect(parseScope("nonsense")).toBeNull();
});

test("nodes may only pull; pier's own credential pushes and deletes", () => {
  const asked = [{ type: "repository", name: "pier/shop", actions: ["pull", "push", "delete"] }];
  expect(grantAccess(asked, "pull")).toEqual([{ type: "repository", name: "pier/shop", actions: ["pull"] }]);
  expect(grantAccess(asked, "push")).toEqual(asked);
  expect(grantAccess([{ type: "repository", name: "x", actions: ["push"] }], "pull")).toEqual([]);
});

test("the key id is libtrust's: 12 groups of 4 base32 characters of the key's SHA-256", () => {
  const signer = createSigningCertificate("test");
  const id = libtrustKeyId(signer.cert);
  expect(id).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
  expect(libtrustKeyId(signer.cert)).toBe(id);
});

test("tokens are RS256 JWTs the signing certificate verifies, with the registry's claims", () => {
  const signer = createSigningCertificate("test");
  const now = new Date("2026-01-01T00:00:00Z");
  const token = signRegistryToken(
    {
      issuer: "pier",
      service: "pier-registry",
      subject: "pier-node",
      access: [{ type: "repository", name: "pier/shop", actions: ["pull"] }],
      ttlSeconds: 300,
      now,
    },
    signer,
  );
  const [header, claims, signature] = token.split(".") as [string, string, string];
  expect(JSON.parse(Buffer.from(header, "base64url").toString())).toEqual({
    typ: "JWT",
    alg: "RS256",
    kid: libtrustKeyId(signer.cert),
  });
  const body = JSON.parse(Buffer.from(claims, "base64url").toString());
  expect(body).toMatchObject({ iss: "pier", aud: "pier-registry", sub: "pier-node", exp: 1767225900 });
  expect(body.access).toEqual([{ type: "repository", name: "pier/shop", actions: ["pull"] }]);
  const verify = createVerify("sha256").update(`${header}.${claims}`);
  expect(verify.verify(new X509Certificate(signer.cert).publicKey, Buffer.from(signature, "base64url"))).toBe(
    true,
  );
});

test("basic credentials", () => {
  expect(basicCredentials(`Basic ${Buffer.from("pier:s3:cret").toString("base64")}`)).toEqual({
    username: "pier",
    password: "s3:cret",
  });
  expect(basicCredentials("Bearer x")).toBeNull();
  expect(basicCredentials(null)).toBeNull();
});
