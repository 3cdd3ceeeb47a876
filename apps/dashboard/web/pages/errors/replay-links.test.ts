import { expect, test } from "bun:test";
import { withoutLinkHrefs } from "./replay-links.ts";

const node = (
  id: number,
  tagName: string,
  attributes: Record<string, unknown>,
  childNodes: unknown[] = [],
) => ({
  type: 2,
  id,
  tagName,
  attributes,
  childNodes,
});

test("recorded <link>s lose their href wherever they come from; other elements keep theirs", () => {
  const events = withoutLinkHrefs([
    {
      type: 2,
      timestamp: 1,
      data: {
        node: {
          type: 0,
          id: 1,
          childNodes: [
            node(2, "html", {}, [
              node(3, "head", {}, [
                node(4, "link", { rel: "prefetch", href: "/api/v1/whatever-probe" }),
                node(5, "link", { rel: "stylesheet", href: "/site.css", _cssText: "p{color:red}" }),
              ]),
              node(6, "body", {}, [node(7, "a", { href: "/pricing" })]),
            ]),
          ],
        },
      },
    },
    {
      type: 3,
      timestamp: 2,
      data: {
        source: 0,
        adds: [
          { parentId: 3, nextId: null, node: node(8, "LINK", { rel: "preload", as: "fetch", href: "/p" }) },
        ],
        removes: [],
        texts: [],
        attributes: [
          { id: 4, attributes: { href: "/api/v1/again" } },
          { id: 7, attributes: { href: "/checkout" } },
        ],
      },
    },
  ]);
  const json = JSON.stringify(events);
  expect(json).not.toContain("/api/v1/");
  expect(json).not.toContain('"href":"/p"');
  expect(json).not.toContain("/site.css");
  // The stylesheet's text stays: rrweb replays it as a <style>.
  expect(json).toContain("p{color:red}");
  expect(json).toContain('"href":"/pricing"');
  expect(json).toContain('"href":"/checkout"');
});

test("events of other kinds and odd shapes pass through", () => {
  const events = [
    { type: 4, timestamp: 1, data: { href: "https://shop.example/", width: 800, height: 600 } },
    { type: 3, timestamp: 2, data: { source: 2, type: 1, id: 4, x: 1, y: 2 } },
    { type: 3, timestamp: 3, data: { source: 0, adds: [null, { node: null }], attributes: [null] } },
    { type: 2, timestamp: 4, data: null },
  ];
  const before = JSON.stringify(events);
  expect(JSON.stringify(withoutLinkHrefs(events as never))).toBe(before);
});
