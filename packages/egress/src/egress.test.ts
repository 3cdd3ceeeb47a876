import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEgressFetch } from "./egress-fetch.ts";
import { EgressRefusedError } from "./errors.ts";
import { egressPolicy } from "./policy.ts";
import { resolveAllowed } from "./resolve.ts";

describe("egressPolicy", () => {
  const policy = egressPolicy({ ownAddresses: ["192.0.2.10"] });

  test("refuses loopback, link-local (metadata), unspecified, multicast and the machine's own addresses", () => {
    for (const address of [
      "127.0.0.1",
      "127.9.9.9",
      "169.254.169.254",
      "0.0.0.0",
      "224.0.0.1",
      "::1",
      "fe80::1",
      "::ffff:169.254.169.254",
      "::ffff:a9fe:a9fe",
      "192.0.2.10",
    ]) {
      expect(policy.check(address).allowed, address).toBe(false);
    }
    expect(policy.check("::ffff:a9fe:a9fe").why).toContain("link-local");
  });

  test("allows public and private addresses, and what the operator lists", () => {
    for (const address of ["93.184.216.34", "10.1.2.3", "192.168.1.20", "2001:db8::1"]) {
      expect(policy.check(address).allowed, address).toBe(true);
    }
    const opened = egressPolicy({ allow: ["127.0.0.1", "fe80::/10"] });
    expect(opened.check("127.0.0.1").allowed).toBe(true);
    expect(opened.check("127.0.0.2").allowed).toBe(false);
    expect(opened.check("fe80::5").allowed).toBe(true);
    expect(() => egressPolicy({ allow: ["localhost"] })).toThrow("not an IP address");
  });
});

describe("resolveAllowed", () => {
  const policy = egressPolicy({ allow: ["127.0.0.1"] });
  test("checks every address a name resolves to", async () => {
    expect(await resolveAllowed("ok.test", policy, async () => ["127.0.0.1"])).toBe("127.0.0.1");
    await expect(
      resolveAllowed("mixed.test", policy, async () => ["127.0.0.1", "169.254.169.254"]),
    ).rejects.toBeInstanceOf(EgressRefusedError);
    await expect(resolveAllowed("[::1]", policy)).rejects.toThrow("::1 (loopback)");
  });
});

describe("createEgressFetch", () => {
  const dir = mkdtempSync(join(tmpdir(), "pier-egress-"));
  Bun.spawnSync(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "k.pem",
      "-out",
      "c.pem",
      "-days",
      "1",
    ].concat(["-subj", "/CN=monitor.test", "-addext", "subjectAltName=DNS:monitor.test"]),
    { cwd: dir },
  );
  const ca = readFileSync(join(dir, "c.pem"), "utf8");
  const echo = (r: Request) =>
    new Response(`${r.method} ${new URL(r.url).pathname} host=${r.headers.get("host")}`);
  const plain: Bun.Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(r): Response {
      const path = new URL(r.url).pathname;
      if (path === "/to-loopback6") return Response.redirect(`http://[::1]:${plain.port}/`, 302);
      if (path === "/see-other") return Response.redirect(`http://127.0.0.1:${plain.port}/landed`, 303);
      return echo(r);
    },
  });
  const secure = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: readFileSync(join(dir, "c.pem"), "utf8"), key: readFileSync(join(dir, "k.pem"), "utf8") },
    fetch: echo,
  });
  afterAll(() => {
    plain.stop(true);
    secure.stop(true);
    rmSync(dir, { recursive: true, force: true });
  });
  const lookup = async (host: string) => (host === "monitor.test" ? ["127.0.0.1"] : ["127.0.0.2"]);
  const egress = createEgressFetch(egressPolicy({ allow: ["127.0.0.1"] }), lookup);

  test("a name is fetched at its checked address, keeping Host", async () => {
    const res = await egress(`http://monitor.test:${plain.port}/a`);
    expect(await res.text()).toBe(`GET /a host=monitor.test:${plain.port}`);
  });

  test("HTTPS to the checked address verifies the certificate against the name", async () => {
    const res = await egress(`https://monitor.test:${secure.port}/tls`, { tls: { ca } } as RequestInit);
    expect(await res.text()).toBe(`GET /tls host=monitor.test:${secure.port}`);
  });

  test("a refused address is an EgressRefusedError, also when a name resolves there (DNS rebinding)", async () => {
    await expect(egress(`http://rebind.test:${plain.port}/`)).rejects.toBeInstanceOf(EgressRefusedError);
    await expect(egress("http://169.254.169.254/latest/meta-data/")).rejects.toThrow("link-local");
  });

  test("every redirect hop is checked; 303 continues as GET; manual hands the 3xx back", async () => {
    await expect(egress(`http://127.0.0.1:${plain.port}/to-loopback6`)).rejects.toThrow("::1 (loopback)");
    const manual = await egress(`http://127.0.0.1:${plain.port}/to-loopback6`, { redirect: "manual" });
    expect(manual.status).toBe(302);
    const posted = await egress(`http://127.0.0.1:${plain.port}/see-other`, { method: "POST", body: "x" });
    expect(await posted.text()).toBe(`GET /landed host=127.0.0.1:${plain.port}`);
  });
});
