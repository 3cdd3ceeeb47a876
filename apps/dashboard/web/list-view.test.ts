import { describe, expect, test } from "bun:test";
import { listView } from "./list-view.ts";

describe("list view", () => {
  test("shows loading only until the first answer", () => {
    expect(listView({ data: undefined, error: null, loading: true })).toEqual({
      error: null,
      loading: true,
      data: undefined,
      empty: false,
    });
    // A reload after a change of filters keeps loading=true while the old rows are still shown.
    expect(listView({ data: [1], error: null, loading: true }).loading).toBe(false);
  });

  test("a failed refresh shows its error next to the last good data", () => {
    expect(listView({ data: [1, 2], error: "offline", loading: false })).toEqual({
      error: "offline",
      loading: false,
      data: [1, 2],
      empty: false,
    });
  });

  test("a failed first load shows the error and neither rows nor the empty sentence", () => {
    const view = listView({ data: undefined, error: "HTTP 500", loading: false });
    expect(view).toEqual({ error: "HTTP 500", loading: false, data: undefined, empty: false });
  });

  test("a failed write outranks the load error, and the load error returns once the write is cleared", () => {
    const query = { data: [] as number[], error: "offline", loading: false };
    expect(listView(query, undefined, "name taken").error).toBe("name taken");
    expect(listView(query, undefined, null).error).toBe("offline");
  });

  test("an empty array is empty; a report object is not unless the caller says so", () => {
    expect(listView({ data: [], error: null, loading: false })).toMatchObject({
      empty: true,
      data: undefined,
    });
    const report = { issues: [] as string[], total: 0 };
    expect(listView({ data: report, error: null, loading: false }).empty).toBe(false);
    expect(listView({ data: report, error: null, loading: false }, (d) => d.issues.length === 0).empty).toBe(
      true,
    );
  });
});
