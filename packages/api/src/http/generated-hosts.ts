/**
 * Hosts pier gives apps itself: APP.BASE_DOMAIN for production, SLUG--APP.BASE_DOMAIN for
 * previews (packages/deploy, serving.ts). A custom domain must never be one of them, or two routes
 * claim one host.
 */

/** Pure. The app whose generated host (production or preview) `host` is, by its form; else null. */
export function generatedHostApp(host: string, baseDomain: string): { app: string; preview: boolean } | null {
  const suffix = `.${baseDomain.toLowerCase()}`;
  const lower = host.toLowerCase();
  if (!lower.endsWith(suffix)) return null;
  const label = lower.slice(0, -suffix.length);
  if (label.length === 0 || label.includes(".")) return null;
  const cut = label.lastIndexOf("--");
  return cut === -1 ? { app: label, preview: false } : { app: label.slice(cut + 2), preview: true };
}
