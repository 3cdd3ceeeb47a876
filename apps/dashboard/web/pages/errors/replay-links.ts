// A recording is whatever a visitor's browser sent, and rrweb rebuilds it in a frame of the
// console's origin. The dashboard's CSP keeps images, media, fonts and stylesheets of that origin
// out, but Chromium fetches `<link rel="prefetch">` whatever the CSP says, and `rel="preload"
// as="fetch"` falls under connect-src, which the dashboard needs for its API. Without an href a
// link fetches nothing; the recorded page's stylesheets are not lost, since rrweb replays them
// from the CSS text it captured (`_cssText`), not from their address.

interface SerializedNode {
  id?: unknown;
  tagName?: unknown;
  attributes?: Record<string, unknown>;
  childNodes?: unknown;
}

interface RecordedEvent {
  type: number;
  data?: unknown;
}

const fullSnapshot = 2;
const incrementalSnapshot = 3;
const mutation = 0;

function isLink(node: SerializedNode): boolean {
  return typeof node.tagName === "string" && node.tagName.toLowerCase() === "link";
}

function stripLinks(node: SerializedNode | undefined, links: Set<unknown>): void {
  if (!node || typeof node !== "object") return;
  if (isLink(node)) {
    links.add(node.id);
    if (node.attributes) delete node.attributes.href;
  }
  if (Array.isArray(node.childNodes)) for (const child of node.childNodes) stripLinks(child, links);
}

/**
 * Removes the href of every `<link>` in `events` (in place, and returned): those of full
 * snapshots, of nodes added later, and attribute changes that would give one back.
 */
export function withoutLinkHrefs<E extends RecordedEvent>(events: E[]): E[] {
  const links = new Set<unknown>();
  for (const event of events) {
    const data = event.data as
      | {
          node?: SerializedNode;
          source?: number;
          adds?: { node?: SerializedNode }[];
          attributes?: { id?: unknown; attributes?: Record<string, unknown> }[];
        }
      | undefined;
    if (!data || typeof data !== "object") continue;
    if (event.type === fullSnapshot) stripLinks(data.node, links);
    if (event.type !== incrementalSnapshot || data.source !== mutation) continue;
    if (Array.isArray(data.adds)) for (const add of data.adds) stripLinks(add?.node, links);
    if (Array.isArray(data.attributes))
      for (const change of data.attributes)
        if (links.has(change?.id) && change.attributes) delete change.attributes.href;
  }
  return events;
}
