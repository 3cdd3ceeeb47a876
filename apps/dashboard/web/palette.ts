/** The command palette's list and how a query ranks it. Pure. */

export interface PaletteItem {
  label: string;
  href: string;
  group: string;
  /** Other words it is found by ("tokens" finds Settings → API tokens). */
  keywords?: string;
}

/**
 * How well `query` matches `text`: 4 a prefix, 3 the start of a word, 2 anywhere, 1 its letters
 * in order (a typo-tolerant "shp" finds "shop"), 0 not at all.
 */
export function matchScore(query: string, text: string): number {
  const q = query.trim().toLowerCase();
  const t = text.toLowerCase();
  if (!q) return 1;
  if (t.startsWith(q)) return 4;
  if (t.split(/[\s/·→-]+/).some((word) => word.startsWith(q))) return 3;
  if (t.includes(q)) return 2;
  let at = 0;
  for (const char of q) {
    at = t.indexOf(char, at);
    if (at === -1) return 0;
    at++;
  }
  return 1;
}

/** The items that match, best first; ties keep the list's order (pages before apps). */
export function rankItems(query: string, items: PaletteItem[], limit = 12): PaletteItem[] {
  return items
    .map((item, index) => ({
      item,
      index,
      score: Math.max(
        matchScore(query, item.label),
        item.keywords ? matchScore(query, item.keywords) - 1 : 0,
      ),
    }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, limit)
    .map((x) => x.item);
}
