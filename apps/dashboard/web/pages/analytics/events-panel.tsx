import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { pier } from "../../api.ts";
import { ListState } from "../../components/ui.tsx";
import { showBidiControls } from "../../format.ts";
import { useApi } from "../../use-api.ts";
import { type Dashboard, type Filters, filterParams, type Period } from "./analytics-query.ts";

function EventProps(props: { app: string; name: string; period: Period; filters: Filters }) {
  const rows = useApi(
    () =>
      pier
        .call("GET /api/v1/analytics/:site/events/:name/props", {
          params: { site: props.app, name: props.name },
          query: { period: props.period, limit: 20, ...filterParams(props.filters) },
        })
        .then((a) => a.props),
    [props.app, props.name, props.period, JSON.stringify(props.filters)],
  );
  return (
    <ListState query={rows} what="properties" empty="Sent without properties.">
      {(data) => (
        <table class="bars" data-testid={`event-props-${props.name}`}>
          <tbody>
            {data.map((p) => (
              <tr key={`${p.prop}=${p.value}`}>
                <td class="label">
                  <span class="mono">{showBidiControls(p.prop)}</span> = {showBidiControls(p.value)}
                </td>
                <td class="num">{p.events}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </ListState>
  );
}

/** Custom events (`pier("signup", {props})`), each with the properties sent with it. */
export function EventsPanel(props: {
  app: string;
  period: Period;
  filters: Filters;
  events: Dashboard["events"];
}) {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <section class="panel" aria-label="Custom events">
      <h2>Custom events</h2>
      {props.events.length === 0 ? (
        <p class="muted">
          No custom events. Send one with <code>{'pier("signup", { props: { plan: "pro" } })'}</code> or{" "}
          <code>data-pier-event="signup"</code> on an element.
        </p>
      ) : (
        <table class="bars" data-testid="analytics-events">
          <thead>
            <tr>
              <th>Event</th>
              <th class="num">Visitors</th>
              <th class="num">Events</th>
            </tr>
          </thead>
          <tbody>
            {props.events.map((e) => (
              <Fragment key={e.name}>
                <tr>
                  <td class="label">
                    <button
                      type="button"
                      class="link"
                      aria-expanded={open === e.name}
                      onClick={() => setOpen(open === e.name ? null : e.name)}
                    >
                      {open === e.name ? "▾" : "▸"} {showBidiControls(e.name)}
                    </button>
                  </td>
                  <td class="num">{e.visitors}</td>
                  <td class="num">{e.events}</td>
                </tr>
                {open === e.name ? (
                  <tr>
                    <td colSpan={3}>
                      <EventProps
                        app={props.app}
                        name={e.name}
                        period={props.period}
                        filters={props.filters}
                      />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
