/**
 * The DNS label of a preview environment: `BRANCH--APP` must fit in 63 characters, so the branch
 * part is lowercased, non-alphanumerics become "-", and it is cut (with a short hash to keep two
 * long branches apart) when too long. Pure.
 */
export function previewSlug(branch: string, app: string): string {
  const budget = Math.max(1, 63 - app.length - 2);
  let slug = branch
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .replace(/--+/g, "-");
  if (slug === "") slug = "branch";
  if (slug.length > budget) {
    const hash = Bun.hash(branch).toString(36).slice(0, 6);
    slug = `${slug.slice(0, Math.max(1, budget - 7)).replace(/-+$/, "")}-${hash}`;
  }
  return slug;
}
