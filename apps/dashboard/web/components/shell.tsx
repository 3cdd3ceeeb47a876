import { Component, type ComponentChildren } from "preact";
import { useLayoutEffect, useState } from "preact/hooks";
import { lazyPage } from "../lazy-page.tsx";
import { navSections, type Route } from "../routes.ts";
import { ErrorBox, Link } from "./ui.tsx";

const Palette = lazyPage<{ onClose: () => void }>(
  () => import("./command-palette.tsx").then((m) => m.CommandPalette),
  "search",
);

const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

/**
 * Ctrl-K (Cmd-K on a Mac) opens the palette from anywhere, even from inside a field. A layout
 * effect: the shortcut works from the first painted frame, not an effect tick later.
 */
export function usePaletteShortcut(open: () => void): void {
  useLayoutEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        open();
      }
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
}

/** The top bar: the sections (the current one marked), search, who is signed in. */
export function Header(props: {
  route: Route | null;
  email: string;
  onLogout: () => void;
  onSearch: () => void;
}) {
  const [open, setOpen] = useState(false);
  const page = props.route?.page;
  return (
    <header class={`top${open ? " open" : ""}`}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Link href="/" class="brand" aria-label="pier home" onNavigate={() => setOpen(false)}>
        pier
      </Link>
      <nav class="main" aria-label="Main" id="main-nav">
        {navSections.map((section) => (
          <Link
            key={section.href}
            href={section.href}
            current={!!page && section.pages.includes(page)}
            onNavigate={() => setOpen(false)}
          >
            {section.label}
          </Link>
        ))}
      </nav>
      <button type="button" class="search" onClick={props.onSearch} aria-label="Search (Ctrl K)">
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
          <circle cx="7" cy="7" r="4.5" fill="none" stroke="currentColor" stroke-width="1.6" />
          <path d="M10.5 10.5L14 14" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" />
        </svg>
        <span class="search-label">Search…</span>
        <span aria-hidden="true">
          <kbd>{isMac ? "⌘" : "Ctrl"}</kbd> <kbd>K</kbd>
        </span>
      </button>
      <button
        type="button"
        class="menu"
        aria-expanded={open}
        aria-controls="main-nav"
        onClick={() => setOpen(!open)}
      >
        {open ? "Close" : "Menu"}
      </button>
      <span class="who">
        <span data-testid="user-email" title={props.email}>
          {props.email}
        </span>
        <button type="button" class="link" onClick={props.onLogout}>
          Log out
        </button>
      </span>
    </header>
  );
}

export function PaletteHost({ open, onClose }: { open: boolean; onClose: () => void }) {
  return open ? <Palette onClose={onClose} /> : null;
}

/** The dashboard's own "Page not found" (the server answers 404 with the dashboard for such paths). */
export function NotFound({ what }: { what?: string }) {
  return (
    <div class="panel not-found" data-testid="not-found">
      <h1>{what ? `${what} not found` : "Page not found"}</h1>
      <p class="muted">
        {what
          ? "It may have been deleted, or the address has a typo."
          : `Nothing lives at ${location.pathname}. The address may have a typo, or the page moved.`}
      </p>
      <div class="row">
        <Link href="/" class="button primary">
          Go to the overview
        </Link>
        <span class="small muted">
          or press <kbd>{isMac ? "⌘" : "Ctrl"}</kbd> <kbd>K</kbd> to search
        </span>
      </div>
    </div>
  );
}

/**
 * A page that throws while rendering shows what happened and a way back, instead of a blank
 * screen; the rest of the dashboard (the navigation) keeps working. `resetKey` (the path) clears it.
 */
export class ErrorBoundary extends Component<
  { resetKey: string; children: ComponentChildren },
  { error: string | null; key: string }
> {
  override state = { error: null as string | null, key: this.props.resetKey };

  static override getDerivedStateFromProps(
    props: { resetKey: string },
    state: { error: string | null; key: string },
  ) {
    return props.resetKey === state.key ? null : { error: null, key: props.resetKey };
  }

  override componentDidCatch(error: unknown) {
    this.setState({ error: error instanceof Error ? error.message : String(error) });
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div class="panel" data-testid="page-error">
        <h1>Something went wrong on this page</h1>
        <ErrorBox error={this.state.error} />
        <div class="row">
          <button type="button" class="primary" onClick={() => location.reload()}>
            Reload
          </button>
          <Link href="/">Go to the overview</Link>
        </div>
      </div>
    );
  }
}
