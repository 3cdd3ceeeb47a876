import { useState } from "preact/hooks";
import { pier } from "../../api.ts";
import { Segmented } from "../../components/segmented.tsx";
import { ListState } from "../../components/ui.tsx";
import { useApi } from "../../use-api.ts";
import {
  type BreakdownRow,
  type Dimension,
  dimensionNames,
  type Filters,
  filterParams,
  type Period,
  valueLabel,
} from "./analytics-query.ts";

/** Visitors per value as a bar behind the label; clicking a value filters the whole page by it. */
export function BreakdownTable(props: {
  dimension: Dimension;
  rows: BreakdownRow[];
  filters: Filters;
  onFilter: (dimension: Dimension, value: string) => void;
}) {
  const { dimension, rows } = props;
  const max = Math.max(1, ...rows.map((r) => r.visitors));
  const name = dimensionNames[dimension];
  return (
    <table class="bars" data-testid={`breakdown-${dimension}`}>
      <thead>
        <tr>
          <th>{name}</th>
          <th class="num">Visitors</th>
          <th class="num">Views</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const active = props.filters[dimension] === r.value;
          return (
            <tr key={r.value} class={active ? "selected" : ""}>
              <td class="label">
                <span class="bar" style={{ width: `${(r.visitors / max) * 100}%` }} />
                <button
                  type="button"
                  class="link"
                  aria-pressed={active}
                  title={
                    active
                      ? "Remove this filter"
                      : `Show only ${name.toLowerCase()} ${valueLabel(dimension, r.value)}`
                  }
                  onClick={() => props.onFilter(dimension, r.value)}
                >
                  {valueLabel(dimension, r.value)}
                </button>
              </td>
              <td class="num">{r.visitors}</td>
              <td class="num">{r.pageviews}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** One panel of breakdowns (pages, sources, devices…), a view button per dimension. */
export function BreakdownPanel(props: {
  title: string;
  app: string;
  period: Period;
  filters: Filters;
  dimensions: readonly Dimension[];
  onFilter: (dimension: Dimension, value: string) => void;
}) {
  const [dimension, setDimension] = useState<Dimension>(props.dimensions[0]!);
  const filterKey = JSON.stringify(props.filters);
  const rows = useApi(
    () =>
      pier
        .call("GET /api/v1/analytics/:site/breakdown/:dimension", {
          params: { site: props.app, dimension },
          query: { period: props.period, limit: 10, ...filterParams(props.filters) },
        })
        .then((a) => a.rows),
    [props.app, props.period, filterKey, dimension],
    60_000,
  );
  return (
    <section class="panel" aria-label={props.title}>
      <div class="spread">
        <h2>{props.title}</h2>
        {props.dimensions.length > 1 ? (
          <Segmented
            label={`${props.title}: show`}
            options={props.dimensions.map((d) => [d, dimensionNames[d]] as const)}
            value={dimension}
            onChange={setDimension}
          />
        ) : null}
      </div>
      <ListState query={rows} what={dimensionNames[dimension].toLowerCase()} empty="Nothing in this period.">
        {(data) => (
          <BreakdownTable
            dimension={dimension}
            rows={data}
            filters={props.filters}
            onFilter={props.onFilter}
          />
        )}
      </ListState>
    </section>
  );
}
