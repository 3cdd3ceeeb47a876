import { pier } from "../api.ts";
import {
  type Deployment,
  deploymentOrigin,
  deploymentStory,
  releaseLine,
  timingSteps,
} from "../deployments.ts";
import { isInProgress, relativeTime } from "../format.ts";
import { DeploymentLog } from "./deployment-log.tsx";
import { ConfirmButton, StatusBadge } from "./ui.tsx";

/** How long each step took, as a bar and in words. */
export function TimingBar({ timings }: { timings: Deployment["timings"] }) {
  const steps = timingSteps(timings);
  if (steps.length === 0) return null;
  return (
    <div data-testid="deploy-timings">
      <div class="steps" aria-hidden="true">
        {steps.map((s) => (
          <span
            key={s.label}
            style={{ width: `${Math.max(1.5, s.share * 100)}%` }}
            title={`${s.label}: ${s.text}`}
          />
        ))}
      </div>
      <ul class="step-list">
        {steps.map((s) => (
          <li key={s.label}>
            {s.label} <b>{s.text}</b>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * One deployment: where it came from, who started it, what it put back or replaced, the time each
 * step took, and its log (live while it runs, with Cancel until traffic moves).
 */
export function DeploymentDetail(props: {
  deployment: Deployment;
  all: Deployment[];
  onChanged: () => void;
}) {
  const d = props.deployment;
  const running = isInProgress(d.status);
  const story = deploymentStory(d, props.all);
  return (
    <section class="panel" data-testid="deployment-detail" aria-label={`Deployment ${d.id}`}>
      <div class="spread">
        <div>
          <StatusBadge status={d.status} /> <span class="mono">{d.id}</span>{" "}
          <span class="small muted">
            {deploymentOrigin(d)}
            {d.environment && d.environment !== "production" ? ` · preview ${d.environment}` : ""}
          </span>
        </div>
        {running ? (
          <ConfirmButton
            label="Cancel deploy"
            question="Stop this deploy? The running release keeps serving."
            confirmLabel="Stop it"
            danger
            onConfirm={async () => {
              await pier.call("POST /api/v1/deployments/:id/cancel", { params: { id: d.id } });
              props.onChanged();
            }}
          />
        ) : null}
      </div>
      <p class="small">
        <span class="mono">{releaseLine(d)}</span>
        <span class="muted">
          {" "}
          · started {relativeTime(d.createdAt)}
          {d.actor ? ` by ${d.actor}` : ""}
        </span>
      </p>
      {story ? <p class="story">{story}</p> : null}
      {d.error && d.status !== "cancelled" ? (
        <div class="error" role="alert">
          {d.error}
        </div>
      ) : null}
      <TimingBar timings={d.timings} />
      <DeploymentLog id={d.id} live={running} onFinished={props.onChanged} bare />
    </section>
  );
}
