/** Where an absolute request URL's path starts, without building a URL object per request. */
export function pathOf(url: string): string {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  if (slash === -1) return "/";
  const q = url.indexOf("?", slash);
  return q === -1 ? url.slice(slash) : url.slice(slash, q);
}
