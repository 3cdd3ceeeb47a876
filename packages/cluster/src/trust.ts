import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RegistryError } from "./errors.ts";
import { certificateFingerprint, splitPemChain } from "./registry/certificates.ts";

/** Where the Docker Engine looks for the CA of a registry, per `host:port` (no daemon restart needed). */
export const dockerCertsDir = process.env.PIER_DOCKER_CERTS_DIR || "/etc/docker/certs.d";

/** Makes this machine's Docker Engine trust `caPem` for the registry at `address` (host[:port]). */
export async function trustRegistryCa(
  address: string,
  caPem: string,
  root = dockerCertsDir,
): Promise<string> {
  const dir = join(root, address.split("/")[0]!);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const path = join(dir, "ca.crt");
  await writeFile(path, caPem, { mode: 0o644 });
  return path;
}

/**
 * Fetches the cluster CA from the registry host (`/_pier/registry/ca.crt`) and keeps it only if
 * its SHA-256 is the one the join command names: the connection is not verified (there is nothing
 * to verify it with yet), the pin is what makes it safe, as with kubeadm's CA cert hash.
 */
export async function fetchPinnedCa(address: string, sha256: string): Promise<string> {
  const url = `https://${address.split("/")[0]}/_pier/registry/ca.crt`;
  let text: string;
  try {
    const response = await fetch(url, {
      tls: { rejectUnauthorized: false },
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    text = await response.text();
  } catch (error) {
    throw new RegistryError(
      `could not fetch the cluster's CA from ${url} (${(error as Error).message}): is ${address.split(":")[0]} resolvable from this machine and port ${address.split(":")[1] ?? 443} open to it?`,
    );
  }
  const ca = splitPemChain(text)[0];
  const want = sha256.replaceAll(":", "").toLowerCase();
  if (!ca || certificateFingerprint(ca) !== want)
    throw new RegistryError(
      `the CA served at ${url} is not the one the join command names (sha256 ${want.slice(0, 16)}…): someone in between, or a join command of another cluster`,
      400,
    );
  return ca;
}
