import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { useIsAdmin } from "../access.ts";
import { pier } from "../api.ts";
import { type PaletteItem, rankItems } from "../palette.ts";
import { navigate } from "../router.ts";
import { appTabs, navSections, routeHref, type SettingsTab, visibleSettingsTabs } from "../routes.ts";

const appTabWords: Record<(typeof appTabs)[number], string> = {
  deployments: "Deployments",
  env: "Environment",
  domains: "Domains",
  previews: "Previews",
  cron: "Cron",
  logs: "Logs",
  metrics: "Metrics",
  traces: "Traces",
  analytics: "Analytics",
  settings: "Settings",
};

const settingsWords: Record<SettingsTab, [string, string]> = {
  general: ["General", "base domain acme password account"],
  users: ["Users", "people members admins invite"],
  tokens: ["API tokens", "keys ci deploy token"],
  certificates: ["Certificates", "tls https ssl renew"],
  notifications: ["Notifications", "channels slack discord webhook email alerts"],
  routes: ["Static routes", "proxy upstream"],
  backups: ["Backups", "restore archive"],
};

/** Every page the user may open (a member is not offered admin sections), then the apps and services (fetched when the palette opens). */
function staticItems(admin: boolean): PaletteItem[] {
  const pages: PaletteItem[] = navSections.map((s) => ({ label: s.label, href: s.href, group: "Page" }));
  pages.push({ label: "New app", href: "/new", group: "Action", keywords: "create add" });
  for (const tab of visibleSettingsTabs(admin)) {
    const [label, keywords] = settingsWords[tab];
    pages.push({
      label: `Settings → ${label}`,
      href: routeHref({ page: "settings", tab }),
      group: "Settings",
      keywords,
    });
  }
  return pages;
}

async function loadedItems(): Promise<PaletteItem[]> {
  const [apps, services] = await Promise.all([
    pier.call("GET /api/v1/apps").then(
      (a) => a.apps.map((x) => x.name),
      () => [] as string[],
    ),
    pier.call("GET /api/v1/services").then(
      (a) => a.services.map((x) => x.name),
      () => [] as string[],
    ),
  ]);
  const items: PaletteItem[] = [];
  for (const name of apps) {
    items.push({ label: name, href: `/apps/${name}`, group: "App", keywords: "deploy" });
    for (const tab of appTabs) {
      if (tab === "deployments") continue;
      items.push({
        label: `${name} → ${appTabWords[tab]}`,
        href: routeHref({ page: "app", name, tab }),
        group: "App",
      });
    }
  }
  for (const name of services) items.push({ label: name, href: `/services/${name}`, group: "Service" });
  return items;
}

/** Ctrl/Cmd-K: type a few letters of a page, an app or a service, Enter goes there. */
export function CommandPalette({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [query, setQuery] = useState("");
  const admin = useIsAdmin();
  const [items, setItems] = useState<PaletteItem[]>(() => staticItems(admin));
  const [selected, setSelected] = useState(0);
  const loading = useRef<Promise<PaletteItem[]> | null>(null);
  const results = rankItems(query, items);

  useLayoutEffect(() => {
    const el = dialog.current;
    if (el && !el.open) el.showModal();
  }, []);
  useEffect(() => {
    let live = true;
    loading.current = loadedItems().then((more) => {
      const all = [...staticItems(admin), ...more];
      if (live) setItems(all);
      return all;
    });
    return () => {
      live = false;
    };
  }, []);
  useEffect(() => setSelected(0), [query]);

  function go(item: PaletteItem | undefined) {
    if (!item) return;
    onClose();
    navigate(item.href);
  }

  function onKey(event: KeyboardEvent) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      setSelected((i) => (results.length ? (i + step + results.length) % results.length : 0));
    } else if (event.key === "Enter") {
      event.preventDefault();
      // Typed faster than the apps arrived: go once they are there, to the best match then.
      if (results.length === 0 && loading.current)
        loading.current.then((all) => go(rankItems(query, all)[0]));
      else go(results[selected]);
    }
  }

  return (
    // The dialog closes itself on Escape; a click on its backdrop is the mouse's way to do the same.
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape is handled by the dialog element
    <dialog
      class="palette"
      ref={dialog}
      aria-label="Go to a page or an app"
      onClose={onClose}
      onClick={(event) => {
        // A click on the backdrop lands on the dialog itself.
        if (event.target === dialog.current) onClose();
      }}
    >
      <input
        type="text"
        role="combobox"
        aria-expanded="true"
        aria-controls="palette-results"
        aria-activedescendant={results[selected] ? `palette-${selected}` : undefined}
        aria-label="Search pages and apps"
        placeholder="Type a page, an app or a service…"
        autocomplete="off"
        spellcheck={false}
        value={query}
        onInput={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={onKey}
      />
      {results.length ? (
        <div id="palette-results" role="listbox" aria-label="Results" class="palette-list">
          {results.map((item, i) => (
            <div
              key={item.href}
              id={`palette-${i}`}
              role="option"
              tabIndex={-1}
              aria-selected={i === selected}
              onMouseMove={() => setSelected(i)}
              onClick={() => go(item)}
              onKeyDown={(event) => event.key === "Enter" && go(item)}
            >
              <span>{item.label}</span>
              <span class="group">{item.group}</span>
            </div>
          ))}
        </div>
      ) : (
        <p class="palette-empty">Nothing matches "{query}".</p>
      )}
    </dialog>
  );
}
