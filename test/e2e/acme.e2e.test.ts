import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type PeerCertificate } from "node:tls";
import type { Server } from "bun";
import { type Pebble, requirePebble, startPebble } from "../support/pebble.ts";
import { freePort, type PierProcess, startPier } from "../support/pier-process.ts";

// Let's Encrypt's test server validates HTTP-01 through pier's own HTTP port: the proxy workers
// answer the challenge, the certificate is stored and then served by SNI on the HTTPS port.
const runnable = requirePebble();
const adminToken = `pier_acme${crypto.randomUUID().replaceAll("-", "")}`;
const host = "shop.pier.test";
let pebble: Pebble;
let pier: PierProcess;
let upstream: Server<unknown>;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${pier.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
  });

function peerCertificate(port: number, servername: string, ca: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername, ca, rejectUnauthorized: true }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on("error", reject);
  });
}

async function waitForStatus(wanted: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const body = await (await api("/api/v1/apps/shop/domains")).json();
    last = body.domains[0]?.tls;
    if (
      (last as { issuer?: string; status?: string })?.issuer === "acme" &&
      (last as { status: string }).status === wanted
    ) {
      return last as { serial: string; notAfter: string };
    }
    await Bun.sleep(250);
  }
  throw new Error(`certificate never reached ${wanted}: ${JSON.stringify(last)}\n${pier.logs()}`);
}

beforeAll(async () => {
  if (!runnable) return;
  const httpPort = freePort();
  pebble = await startPebble({ httpPort });
  const caFile = join(mkdtempSync(join(tmpdir(), "pier-acme-ca-")), "pebble-api-ca.pem");
  writeFileSync(caFile, pebble.caPem);
  upstream = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("secure shop") });
  pier = await startPier({
    httpPort,
    args: ["--proxy-workers", "2"],
    env: {
      PIER_ADMIN_TOKEN: adminToken,
      PIER_ACME_DIRECTORY: pebble.directoryUrl,
      PIER_ACME_CA_FILE: caFile,
      PIER_ACME_EMAIL: "ops@pier.test",
    },
  });
});

afterAll(async () => {
  await pier?.stop();
  await pebble?.stop();
  upstream?.stop(true);
});

test.if(runnable)(
  "a domain gets a Pebble certificate through pier's HTTP port, served by SNI, renewed when forced",
  async () => {
    expect(
      (await api("/api/v1/apps", { method: "POST", body: JSON.stringify({ name: "shop" }) })).status,
    ).toBe(201);
    // The certificate is the domain's (asked for whether or not the app is deployed); the static
    // route serves the host meanwhile. The other way round the domain is refused: a routed host.
    const added = await api("/api/v1/apps/shop/domains", { method: "POST", body: JSON.stringify({ host }) });
    expect(added.status).toBe(201);
    const route = await api("/api/v1/routes", {
      method: "POST",
      body: JSON.stringify({ host, upstreams: [`http://127.0.0.1:${upstream.port}`] }),
    });
    expect(route.status).toBe(201);

    const issued = await waitForStatus("issued");
    const root = (await pebble.rootPem()) + (await pebble.intermediatePem());
    // Workers pick up the new certificate without a restart; give the push a moment.
    let peer: PeerCertificate | undefined;
    for (let i = 0; i < 40 && peer?.serialNumber?.toLowerCase() !== issued.serial.toLowerCase(); i++) {
      peer = await peerCertificate(pier.httpsPort, host, root).catch(() => undefined);
      if (peer?.serialNumber?.toLowerCase() !== issued.serial.toLowerCase()) await Bun.sleep(250);
    }
    expect(peer?.subjectaltname).toContain(`DNS:${host}`);
    expect(peer?.serialNumber?.toLowerCase()).toBe(issued.serial.toLowerCase());

    const body = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port: pier.httpsPort, servername: host, ca: root }, () => {
        socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      });
      let data = "";
      socket.on("data", (chunk: Buffer) => {
        data += chunk;
      });
      socket.on("end", () => resolve(data));
      socket.on("error", reject);
    });
    expect(body).toContain("secure shop");

    const renewed = await api(`/api/v1/certificates/${host}/renew`, { method: "POST" });
    expect(renewed.status).toBe(200);
    const after = (await renewed.json()).certificate;
    expect(after.status).toBe("issued");
    expect(after.serial).not.toBe(issued.serial);
    let peerAfter: PeerCertificate | undefined;
    for (let i = 0; i < 40 && peerAfter?.serialNumber?.toLowerCase() !== after.serial.toLowerCase(); i++) {
      peerAfter = await peerCertificate(pier.httpsPort, host, root).catch(() => undefined);
      if (peerAfter?.serialNumber?.toLowerCase() !== after.serial.toLowerCase()) await Bun.sleep(250);
    }
    expect(peerAfter?.serialNumber?.toLowerCase()).toBe(after.serial.toLowerCase());
  },
  90_000,
);
