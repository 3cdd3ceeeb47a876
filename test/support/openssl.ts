import { join } from "node:path";

/**
 * A throwaway self-signed certificate made by the openssl CLI (independent of pier's own
 * node-forge generator, so tests of pier's TLS do not grade their own homework). `altNames` are
 * subjectAltName entries such as "DNS:bench.test" or "IP:127.0.0.1"; the first DNS name is the CN.
 */
export function opensslSelfSigned(
  dir: string,
  name: string,
  altNames: string[],
  /** "ec": an ECDSA P-256 key, what pier's ACME certificates have; default RSA 2048. */
  keyType: "rsa" | "ec" = "rsa",
): { cert: string; key: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  const openssl = Bun.which("openssl") ?? "openssl";
  const p = Bun.spawnSync([
    openssl,
    "req",
    "-x509",
    "-newkey",
    ...(keyType === "ec" ? ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"] : ["rsa:2048"]),
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
    "-addext",
    `subjectAltName=${altNames.join(",")}`,
  ]);
  if (p.exitCode !== 0) throw new Error(`openssl req failed: ${p.stderr.toString()}`);
  return { cert, key };
}
