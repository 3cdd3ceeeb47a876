import { expect, test } from "bun:test";
import { matchScore, rankItems } from "./palette.ts";

const items = [
  { label: "Apps", href: "/", group: "Pages" },
  { label: "Settings → API tokens", href: "/settings?tab=tokens", group: "Pages", keywords: "keys ci" },
  { label: "shop", href: "/apps/shop", group: "Apps" },
  { label: "workshop", href: "/apps/workshop", group: "Apps" },
];

test("prefixes beat word starts beat substrings beat letters in order", () => {
  expect(matchScore("sh", "shop")).toBe(4);
  expect(matchScore("tok", "Settings → API tokens")).toBe(3);
  expect(matchScore("hop", "workshop")).toBe(2);
  expect(matchScore("wkp", "workshop")).toBe(1);
  expect(matchScore("xyz", "shop")).toBe(0);
});

test("ranking: best match first, keywords count a little less, no query lists everything", () => {
  expect(rankItems("shop", items).map((i) => i.label)).toEqual(["shop", "workshop"]);
  expect(rankItems("keys", items).map((i) => i.label)).toEqual(["Settings → API tokens"]);
  expect(rankItems("", items)).toHaveLength(4);
  expect(rankItems("", items, 2)).toHaveLength(2);
});
