/** Two-letter country from a CDN header (Cloudflare and friends); "XX"/"T1" mean unknown/Tor. */
export function countryFromHeaders(headers: Headers): string | null {
  const raw =
    headers.get("cf-ipcountry") ?? headers.get("x-vercel-ip-country") ?? headers.get("x-country-code") ?? "";
  const code = raw.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(code) && code !== "XX" && code !== "T1" ? code : null;
}
