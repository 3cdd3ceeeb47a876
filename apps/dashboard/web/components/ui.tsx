import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, errorMessage } from "../api.ts";
import { statusLabel, statusTone } from "../format.ts";
import { listView } from "../list-view.ts";
import { linkClick } from "../router.ts";
import type { Loaded } from "../use-api.ts";

export function Link(props: {
  href: string;
  class?: string;
  children: ComponentChildren;
  /** The page this link leads to is the one shown: `aria-current="page"`. */
  current?: boolean;
  title?: string;
  "aria-label"?: string;
  /** Runs before the navigation (closing a menu, say). */
  onNavigate?: () => void;
}) {
  return (
    <a
      href={props.href}
      class={props.class}
      title={props.title}
      aria-label={props["aria-label"]}
      aria-current={props.current ? "page" : undefined}
      onClick={(event) => {
        props.onNavigate?.();
        linkClick(event);
      }}
    >
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

/** A status in the dashboard's words ("Rolled back", not `rolled_back`); `data-status` keeps the API's. */
export function StatusBadge({ status }: { status: string | null | undefined }) {
  return (
    <span class={`badge ${statusTone(status)}`} data-status={status ?? "new"}>
      {statusLabel(status)}
    </span>
  );
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

/** Placeholder bars where data will be, with "Loading {what}…" for screen readers and tests. */
export function Loading({ what, rows = 3 }: { what: string; rows?: number }) {
  return (
    <div class="skeleton" role="status" aria-live="polite">
      <span class="skeleton-text">Loading {what}…</span>
      {Array.from({ length: rows }, (_, i) => (
        <span key={i} class="skeleton-bar" style={{ width: `${92 - i * 17}%` }} />
      ))}
    </div>
  );
}

/** What an empty panel says: what is missing, and the next step (a sentence, a link, a button). */
export function EmptyState(props: { title: string; children?: ComponentChildren; testid?: string }) {
  return (
    <div class="empty" data-testid={props.testid}>
      <p class="empty-title">{props.title}</p>
      {props.children ? <div class="empty-next">{props.children}</div> : null}
    </div>
  );
}

/**
 * A destructive action that needs its target's name typed first (deleting an app): a slip of the
 * mouse cannot do it, and the name on screen says what goes.
 */
export function TypedConfirm(props: {
  name: string;
  label: string;
  consequence: ComponentChildren;
  onConfirm: () => Promise<unknown>;
}) {
  const [typed, setTyped] = useState("");
  const action = useAction();
  return (
    <form
      class="stack typed-confirm"
      onSubmit={(event) => {
        event.preventDefault();
        if (typed === props.name) action.run(props.onConfirm);
      }}
    >
      <div class="small">{props.consequence}</div>
      <label>
        Type <strong class="mono">{props.name}</strong> to confirm
        <input
          name="confirm-name"
          autocomplete="off"
          spellcheck={false}
          value={typed}
          onInput={(e) => setTyped(e.currentTarget.value)}
        />
      </label>
      <ErrorBox error={action.error} />
      <div class="row">
        <button type="submit" class="danger" disabled={typed !== props.name || action.busy}>
          {action.busy ? "Working…" : props.label}
        </button>
      </div>
    </form>
  );
}

/**
 * Tabs that scroll sideways when they do not fit (a phone): the hidden side fades out so there is
 * visibly more, and the current tab is scrolled into view.
 */
export function ScrollTabs(props: {
  label: string;
  tabs: { href: string; label: string; current: boolean }[];
}) {
  const strip = useRef<HTMLDivElement>(null);
  const [more, setMore] = useState({ left: false, right: false });
  const measure = () => {
    const el = strip.current;
    if (!el) return;
    setMore({ left: el.scrollLeft > 2, right: el.scrollLeft + el.clientWidth < el.scrollWidth - 2 });
  };
  const currentHref = props.tabs.find((t) => t.current)?.href;
  useLayoutEffect(() => {
    const el = strip.current;
    const active = el?.querySelector<HTMLElement>("[aria-current=page]");
    if (el && active) {
      const left = active.offsetLeft - el.clientWidth / 2 + active.offsetWidth / 2;
      el.scrollLeft = Math.max(0, left);
    }
    measure();
  }, [currentHref]);
  useEffect(() => {
    addEventListener("resize", measure);
    return () => removeEventListener("resize", measure);
  }, []);
  return (
    <nav
      class={`tabs-wrap${more.left ? " more-left" : ""}${more.right ? " more-right" : ""}`}
      aria-label={props.label}
    >
      <div class="tabs" ref={strip} onScroll={measure}>
        {props.tabs.map((t) => (
          <Link key={t.href} href={t.href} class={t.current ? "active" : ""} current={t.current}>
            {t.label}
          </Link>
        ))}
      </div>
    </nav>
  );
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
