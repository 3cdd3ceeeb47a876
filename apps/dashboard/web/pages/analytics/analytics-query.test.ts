import { expect, test } from "bun:test";
import {
  alignPrevious,
  filterParams,
  funnelDropOff,
  parseFunnelSteps,
  previousRange,
  toggleFilter,
  valueLabel,
} from "./analytics-query.ts";

test("filters become filter.<dimension> parameters; clicking a value twice removes it", () => {
  const one = toggleFilter({}, "country", "DE");
  const two = toggleFilter(one, "page", "/pricing");
  expect(filterParams(two)).toEqual({ "filter.page": "/pricing", "filter.country": "DE" });
  expect(toggleFilter(two, "country", "DE")).toEqual({ page: "/pricing" });
  expect(toggleFilter(one, "country", "FR")).toEqual({ country: "FR" });
  // An empty value ("unknown") is a filter too.
  expect(filterParams({ browser: "" })).toEqual({ "filter.browser": "" });
});

test("the previous period has the same length and ends where the current one starts", () => {
  expect(previousRange({ from: 1000, to: 4000 })).toEqual({ from: -2000, to: 1000 });
  expect(alignPrevious(3, [5, 6])).toEqual([5, 6, null]);
  expect(alignPrevious(1, [5, 6])).toEqual([5]);
});

test("funnel steps from text, and the visits lost at each step", () => {
  expect(parseFunnelSteps(" /, /pricing ,event: signup,,")).toEqual([
    { page: "/" },
    { page: "/pricing" },
    { event: "signup" },
  ]);
  expect(funnelDropOff([100, 40, 40, 10])).toEqual([
    { lost: 0, share: 0 },
    { lost: 60, share: 0.6 },
    { lost: 0, share: 0 },
    { lost: 30, share: 0.75 },
  ]);
  expect(funnelDropOff([0, 0])[1]).toEqual({ lost: 0, share: 0 });
});

test("empty values read as direct traffic for sources and unknown elsewhere", () => {
  expect(valueLabel("source", "")).toBe("Direct / none");
  expect(valueLabel("browser", "")).toBe("(unknown)");
  expect(valueLabel("browser", "Chrome")).toBe("Chrome");
});

test("bidi controls a visitor sent in a path, referrer or user agent are shown, not obeyed", () => {
  expect(valueLabel("page", "/\u202Egnp.exe")).toBe("/⟨U+202E⟩gnp.exe");
  expect(valueLabel("referrer", "evil\u2066.com\u2069")).toBe("evil⟨U+2066⟩.com⟨U+2069⟩");
  expect(valueLabel("utm_source", "news\u200Fletter")).toBe("news⟨U+200F⟩letter");
  expect(valueLabel("page", "/שלום")).toBe("/שלום");
});
