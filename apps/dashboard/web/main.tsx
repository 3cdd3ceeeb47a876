import { type ComponentChildren, render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { AdminContext } from "./access.ts";
import { ApiError, errorMessage, onUnauthorized, pier, setCsrfToken } from "./api.ts";
import { ErrorBoundary, Header, NotFound, PaletteHost, usePaletteShortcut } from "./components/shell.tsx";
import { ErrorBox } from "./components/ui.tsx";
import { lazyPage } from "./lazy-page.tsx";
import { AppsPage, dropPrefetchedApps, prefetchApps } from "./pages/apps.tsx";
import { LoginPage, SetupPage } from "./pages/auth.tsx";
import { UptimeMonitorPage, UptimePage } from "./pages/uptime.tsx";
import { currentRoute, navigate, useRoute } from "./router.ts";
import type { Route } from "./routes.ts";

// The home is in the first load; every other page is a chunk fetched when it is first opened
// (docs/performance.md, Dashboard: first-load weight).
const NewAppPage = lazyPage(() => import("./pages/new-app.tsx").then((m) => m.NewAppPage), "the form");
const AppPage = lazyPage<{ name: string; tab: Extract<Route, { page: "app" }>["tab"] }>(
  () => import("./pages/app.tsx").then((m) => m.AppPage),
  "the app",
);
const SettingsPage = lazyPage<{ tab: NonNullable<Extract<Route, { page: "settings" }>["tab"]> }>(
  () => import("./pages/settings.tsx").then((m) => m.SettingsPage),
  "settings",
);
const AiPage = lazyPage<object>(() => import("./pages/ai.tsx").then((m) => m.AiPage), "the AI gateway");
const ServicesPage = lazyPage<object>(
  () => import("./pages/services.tsx").then((m) => m.ServicesPage),
  "services",
);
const ServicePage = lazyPage<{ name: string }>(
  () => import("./pages/services.tsx").then((m) => m.ServicePage),
  "the service",
);
const NodesPage = lazyPage<object>(() => import("./pages/nodes.tsx").then((m) => m.NodesPage), "nodes");
const ErrorsPage = lazyPage<object>(() => import("./pages/errors.tsx").then((m) => m.ErrorsPage), "errors");
// The replay player (rrweb) is a chunk of its own, fetched only when a replay is opened.
const ErrorReplayPage = lazyPage<{ projectId: string; replayId: string }>(
  () => import("./pages/errors/replay-page.tsx").then((m) => m.ErrorReplayPage),
  "replay",
);
const ErrorIssuePage = lazyPage<{ id: string }>(
  () => import("./pages/error-issue.tsx").then((m) => m.ErrorIssuePage),
  "the issue",
);

const TracePage = lazyPage<{ id: string }>(
  () => import("./pages/traces/trace-page.tsx").then((m) => m.TracePage),
  "the trace",
);

type Session =
  | { state: "unreachable"; error: string }
  | { state: "anonymous"; needsSetup: boolean }
  | { state: "signed-in"; email: string; admin: boolean };

async function loadSession(): Promise<Session> {
  try {
    const me = await pier.call("GET /api/v1/auth/me");
    if (me.kind === "token")
      return { state: "signed-in", email: "API token", admin: me.scopes.includes("admin") };
    setCsrfToken(me.csrfToken);
    // A server from before roles were in this answer said it with the scopes only.
    const admin = me.user.role ? me.user.role === "admin" : me.scopes.includes("admin");
    return { state: "signed-in", email: me.user.email, admin };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) {
      return { state: "unreachable", error: errorMessage(error) };
    }
  }
  try {
    const setup = await pier.call("GET /api/v1/auth/setup");
    return { state: "anonymous", needsSetup: setup.needsSetup };
  } catch (error) {
    return { state: "unreachable", error: errorMessage(error) };
  }
}

// Both requests leave before the first render: effects only run after a paint.
const bootSession = loadSession();
if (currentRoute()?.page === "apps") prefetchApps();

function pageFor(route: Route | null): ComponentChildren {
  switch (route?.page) {
    case "apps":
    case "login":
    case "setup":
      return <AppsPage />;
    case "new-app":
      return <NewAppPage />;
    case "app":
      return <AppPage name={route.name} tab={route.tab} />;
    case "settings":
      return <SettingsPage tab={route.tab ?? "general"} />;
    case "ai":
      return <AiPage />;
    case "uptime":
      return <UptimePage />;
    case "uptime-monitor":
      return <UptimeMonitorPage id={route.id} />;
    case "services":
      return <ServicesPage />;
    case "service":
      return <ServicePage name={route.name} />;
    case "nodes":
      return <NodesPage />;
    case "errors":
      return <ErrorsPage />;
    case "error-issue":
      return <ErrorIssuePage id={route.id} />;
    case "error-replay":
      return <ErrorReplayPage projectId={route.projectId} replayId={route.replayId} />;
    case "trace":
      return <TracePage id={route.id} />;
    default:
      return <NotFound />;
  }
}

function Shell({ initial }: { initial: Session }) {
  const route = useRoute();
  const [session, setSession] = useState<Session>(initial);
  const [logoutError, setLogoutError] = useState<string | null>(null);
  const [searching, setSearching] = useState(false);
  usePaletteShortcut(() => setSearching(true));

  useEffect(() => {
    // Only a signed-in session can expire. Requests sent before the session was known (the apps
    // prefetch at boot) come back 401 as well; they must not swap the setup screen for the login form.
    return onUnauthorized(() =>
      setSession((current) =>
        current.state === "signed-in" ? { state: "anonymous", needsSetup: false } : current,
      ),
    );
  }, []);

  useEffect(() => {
    // A new page starts at its top, and its title says where the user is (tabs, history, screen readers).
    document.title = route ? `${titleOf(route)} · pier` : "Page not found · pier";
  }, [route && titleOf(route)]);

  function signedIn(user: { email: string; role: "admin" | "member" }, csrfToken: string) {
    dropPrefetchedApps();
    setCsrfToken(csrfToken);
    setSession({ state: "signed-in", email: user.email, admin: user.role === "admin" });
    if (route?.page === "login" || route?.page === "setup") navigate("/", true);
  }

  if (session.state === "unreachable") {
    return (
      <main class="auth" id="main">
        <h1>pier</h1>
        <ErrorBox error={session.error} />
        <button type="button" onClick={() => loadSession().then(setSession)}>
          Retry
        </button>
      </main>
    );
  }
  if (session.state === "anonymous") {
    return session.needsSetup ? <SetupPage onDone={signedIn} /> : <LoginPage onDone={signedIn} />;
  }

  async function logout() {
    try {
      await pier.call("POST /api/v1/auth/logout");
      setCsrfToken("");
      setSession({ state: "anonymous", needsSetup: false });
      navigate("/login", true);
    } catch (error) {
      setLogoutError(errorMessage(error));
    }
  }

  return (
    <AdminContext.Provider value={session.admin}>
      <Header route={route} email={session.email} onLogout={logout} onSearch={() => setSearching(true)} />
      <main id="main" tabIndex={-1}>
        <ErrorBox error={logoutError} />
        <ErrorBoundary resetKey={location.pathname + location.search}>{pageFor(route)}</ErrorBoundary>
      </main>
      <PaletteHost open={searching} onClose={() => setSearching(false)} />
    </AdminContext.Provider>
  );
}

function titleOf(route: Route): string {
  switch (route.page) {
    case "apps":
    case "login":
    case "setup":
      return "Overview";
    case "app":
      return route.name;
    case "service":
      return route.name;
    case "new-app":
      return "New app";
    case "error-issue":
      return "Issue";
    case "error-replay":
      return "Replay";
    case "trace":
      return "Trace";
    case "uptime-monitor":
      return "Monitor";
    case "ai":
      return "AI gateway";
    default:
      return route.page.charAt(0).toUpperCase() + route.page.slice(1);
  }
}

// The first render waits for the session check (a few ms): no login-page flash for a signed-in user.
bootSession.then((initial) => render(<Shell initial={initial} />, document.getElementById("app")!));
