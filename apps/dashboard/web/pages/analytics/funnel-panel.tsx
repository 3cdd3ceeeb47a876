import { useState } from "preact/hooks";
import { pier } from "../../api.ts";
import { TextField } from "../../components/text-field.tsx";
import { ErrorBox, useAction } from "../../components/ui.tsx";
import {
  type Filters,
  type FunnelResult,
  funnelDropOff,
  type Period,
  parseFunnelSteps,
  percent,
} from "./analytics-query.ts";

/** Visits through ordered steps (pages or events), as bars with what is lost between them. */
export function FunnelPanel(props: { app: string; period: Period; filters: Filters }) {
  const [steps, setSteps] = useState("/, /pricing, event:signup");
  const [result, setResult] = useState<FunnelResult | null>(null);
  const action = useAction();
  const compute = (event: Event) => {
    event.preventDefault();
    action.run(async () => {
      const answer = await pier.call("POST /api/v1/analytics/:site/funnel", {
        params: { site: props.app },
        body: { period: props.period, steps: parseFunnelSteps(steps), filters: props.filters },
      });
      setResult(answer.funnel);
    });
  };
  const drops = result ? funnelDropOff(result.steps.map((s) => s.visits)) : [];
  const first = result?.steps[0]?.visits ?? 0;
  return (
    <section class="panel" aria-label="Funnel">
      <h2>Funnel</h2>
      <form class="inline" onSubmit={compute}>
        <TextField
          label="Steps in order: pages, or event:name (2 to 8, comma separated)"
          name="funnel-steps"
          value={steps}
          onValue={setSteps}
        />
        <button type="submit" class="primary" disabled={action.busy}>
          Compute funnel
        </button>
      </form>
      <ErrorBox error={action.error} />
      {result ? (
        <ol class="funnel-steps" data-testid="funnel">
          {result.steps.map((s, i) => {
            const name = "page" in s.step ? s.step.page : `event ${s.step.event}`;
            return (
              <li key={`${name}-${i}`}>
                <div class="spread">
                  <span>
                    <b>{i + 1}.</b> {name}
                  </span>
                  <span class="small">
                    <b>{s.visits}</b> visits · {percent(s.conversionRate)} of step 1
                  </span>
                </div>
                <div
                  class="funnel-bar"
                  role="img"
                  aria-label={`${name}: ${s.visits} visits, ${percent(s.conversionRate)} of the first step`}
                >
                  <span style={{ width: `${first ? (s.visits / first) * 100 : 0}%` }} />
                </div>
                {i > 0 && drops[i]!.lost > 0 ? (
                  <div class="funnel-drop">
                    −{drops[i]!.lost} visits dropped off ({percent(drops[i]!.share)} of step {i})
                  </div>
                ) : null}
              </li>
            );
          })}
        </ol>
      ) : (
        <p class="small muted">
          Counts visits that reach each step after the ones before it, in this period.
        </p>
      )}
    </section>
  );
}
