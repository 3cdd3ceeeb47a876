import { connect } from "node:tls";

/**
 * The certificate's notAfter as served at host:port (SNI = host), whatever its validity. `address`,
 * when given, is where to connect (the egress policy's checked address for `host`).
 */
export function fetchCertificateExpiry(
  host: string,
  port: number,
  timeoutMs: number,
  address: string = host,
): Promise<Date> {
  return new Promise((resolve, reject) => {
    const isIp = /^[\d.]+$|:/.test(host);
    const socket = connect({
      host: address,
      port,
      servername: isIp ? undefined : host,
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TLS handshake with ${host}:${port} timed out`));
    }, timeoutMs);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      socket.end();
      const expires = cert?.valid_to ? new Date(cert.valid_to) : undefined;
      if (!expires || Number.isNaN(expires.getTime()))
        reject(new Error(`${host}:${port} sent no certificate`));
      else resolve(expires);
    });
    socket.once("error", (error: Error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
