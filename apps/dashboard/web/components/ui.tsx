import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { api, errorMessage } from "../api.ts";
import { statusTone } from "../format.ts";
import { listView } from "../list-view.ts";
import { linkClick } from "../router.ts";
import type { Loaded } from "../use-api.ts";

export function Link(props: { href: string; class?: string; children: ComponentChildren }) {
  return (
    <a href={props.href} class={props.class} onClick={linkClick}>
      {props.children}
    </a>
  );
}

export function ErrorBox({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      {error}
    </div>
  );
}

export function StatusBadge({ status }: { status: string | null | undefined }) {
  return <span class={`badge ${statusTone(status)}`}>{status ?? "not deployed"}</span>;
}

/** Runs a write and keeps its error on screen; `busy` disables the button that started it. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run(action: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}

/** A destructive button that asks once more inline (no window.confirm: it blocks and is unstyleable). */
export function ConfirmButton(props: {
  label: string;
  question: string;
  confirmLabel?: string;
  onConfirm: () => Promise<unknown>;
  danger?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const action = useAction();
  if (!asking) {
    return (
      <span>
        <button type="button" class={props.danger ? "danger" : ""} onClick={() => setAsking(true)}>
          {props.label}
        </button>
        <ErrorBox error={action.error} />
      </span>
    );
  }
  return (
    <span class="confirm">
      <span>{props.question}</span>
      <button
        type="button"
        class={props.danger ? "danger" : "primary"}
        disabled={action.busy}
        onClick={async () => {
          if (await action.run(props.onConfirm)) setAsking(false);
        }}
      >
        {props.confirmLabel ?? "Confirm"}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
      <ErrorBox error={action.error} />
    </span>
  );
}

/**
 * The Delete (Remove, Revoke…) button of a list row: asks, sends the deletion, then reloads the
 * list. `remove` is the typed call (`() => pier.call("DELETE /api/v1/…", …)`); `path`, a path
 * under /api/v1, serves the pages that do not use pier.call yet.
 */
export function DeleteButton(
  props: {
    label: string;
    question: string;
    onDeleted: () => Promise<unknown>;
  } & ({ remove: () => Promise<unknown> } | { path: string }),
) {
  return (
    <ConfirmButton
      label={props.label}
      danger
      question={props.question}
      confirmLabel={props.label}
      onConfirm={async () => {
        await ("remove" in props ? props.remove() : api.delete(props.path));
        await props.onDeleted();
      }}
    />
  );
}

export function CopyBlock({ text, label }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div>
      <div class="spread">
        {label ? <span class="small muted">{label}</span> : <span />}
        <button
          type="button"
          class="link small"
          onClick={async () => {
            await navigator.clipboard?.writeText(text).catch(() => {});
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          }}
        >
          {copied ? "copied" : "copy"}
        </button>
      </div>
      <pre>{text}</pre>
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="muted">Loading {what}…</p>;
}

/**
 * The state line of a panel that shows loaded data: its error, "Loading …" before the first
 * answer, the `empty` sentence when there is nothing, otherwise `children(data)`. Without
 * children it shows only the error and the loading line, for pages that lay out data themselves.
 */
export function ListState<T>(props: {
  query: Loaded<T>;
  /** What is loading, as in "Loading {what}…". */
  what: string;
  /** A sentence (shown muted) or an element of its own; nothing is shown when omitted. */
  empty?: ComponentChildren;
  /** Defaults to "an array with no rows". */
  isEmpty?: (data: T) => boolean;
  /** A failed write on the same panel; shown instead of the load error while it lasts. */
  extraError?: string | null;
  children?: (data: T) => ComponentChildren;
}) {
  const view = listView(props.query, props.isEmpty, props.extraError);
  const empty = typeof props.empty === "string" ? <p class="muted">{props.empty}</p> : props.empty;
  return (
    <>
      <ErrorBox error={view.error} />
      {view.loading ? <Loading what={props.what} /> : null}
      {view.empty ? empty : null}
      {view.data !== undefined && props.children ? props.children(view.data) : null}
    </>
  );
}

/**
 * A table that style.css turns into cards on narrow screens: each `td` then shows its
 * `data-label`. An empty column name heads a column of row buttons.
 */
export function CardsTable<T>(props: {
  testid?: string;
  columns: string[];
  rows: T[];
  children: (row: T) => ComponentChildren;
}) {
  return (
    <table class="cards" data-testid={props.testid}>
      <thead>
        <tr>
          {props.columns.map((name, i) => (
            <th key={i}>{name}</th>
          ))}
        </tr>
      </thead>
      <tbody>{props.rows.map((row) => props.children(row))}</tbody>
    </table>
  );
}
