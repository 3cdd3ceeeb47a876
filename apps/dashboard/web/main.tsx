import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, errorMessage, onUnauthorized, pier, setCsrfToken } from "./api.ts";
import { ErrorBox, Link } from "./components/ui.tsx";
import { AiPage } from "./pages/ai.tsx";
import { AppPage } from "./pages/app.tsx";
import { AppsPage, dropPrefetchedApps, prefetchApps } from "./pages/apps.tsx";
import { LoginPage, SetupPage } from "./pages/auth.tsx";
import { ErrorIssuePage } from "./pages/error-issue.tsx";
import { ErrorsPage } from "./pages/errors.tsx";
import { NewAppPage } from "./pages/new-app.tsx";
import { ServicePage, ServicesPage } from "./pages/services.tsx";
import { SettingsPage } from "./pages/settings.tsx";
import { UptimeMonitorPage, UptimePage } from "./pages/uptime.tsx";
import { currentRoute, navigate, useRoute } from "./router.ts";

type Session =
  | { state: "unreachable"; error: string }
  | { state: "anonymous"; needsSetup: boolean }
  | { state: "signed-in"; email: string };

async function loadSession(): Promise<Session> {
  try {
    const me = await pier.call("GET /api/v1/auth/me");
    if (me.kind === "token") return { state: "signed-in", email: "API token" };
    setCsrfToken(me.csrfToken);
    return { state: "signed-in", email: me.user.email };
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

function Shell({ initial }: { initial: Session }) {
  const route = useRoute();
  const [session, setSession] = useState<Session>(initial);
  const [logoutError, setLogoutError] = useState<string | null>(null);

  useEffect(() => {
    // Only a signed-in session can expire. Requests sent before the session was known (the apps
    // prefetch at boot) come back 401 as well; they must not swap the setup screen for the login form.
    return onUnauthorized(() =>
      setSession((current) =>
        current.state === "signed-in" ? { state: "anonymous", needsSetup: false } : current,
      ),
    );
  }, []);

  function signedIn(email: string, csrfToken: string) {
    dropPrefetchedApps();
    setCsrfToken(csrfToken);
    setSession({ state: "signed-in", email });
    if (route?.page === "login" || route?.page === "setup") navigate("/", true);
  }

  if (session.state === "unreachable") {
    return (
      <main class="auth">
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

  let page = <NotFound />;
  if (route?.page === "apps" || route?.page === "login" || route?.page === "setup") page = <AppsPage />;
  else if (route?.page === "new-app") page = <NewAppPage />;
  else if (route?.page === "app") page = <AppPage name={route.name} tab={route.tab} />;
  else if (route?.page === "settings") page = <SettingsPage />;
  else if (route?.page === "ai") page = <AiPage />;
  else if (route?.page === "uptime") page = <UptimePage />;
  else if (route?.page === "uptime-monitor") page = <UptimeMonitorPage id={route.id} />;
  else if (route?.page === "services") page = <ServicesPage />;
  else if (route?.page === "service") page = <ServicePage name={route.name} />;
  else if (route?.page === "errors") page = <ErrorsPage />;
  else if (route?.page === "error-issue") page = <ErrorIssuePage id={route.id} />;

  return (
    <>
      <header class="top">
        <Link href="/" class="brand">
          pier
        </Link>
        <nav>
          <Link href="/">Apps</Link>
          <Link href="/services">Services</Link>
          <Link href="/ai">AI</Link>
          <Link href="/uptime">Uptime</Link>
          <Link href="/errors">Errors</Link>
          <Link href="/settings">Settings</Link>
        </nav>
        <span class="who">
          <span data-testid="user-email">{session.email}</span>
          <button type="button" class="link" onClick={logout}>
            Log out
          </button>
        </span>
      </header>
      <main>
        <ErrorBox error={logoutError} />
        {page}
      </main>
    </>
  );
}

function NotFound() {
  return (
    <div class="panel">
      <h1>Page not found</h1>
      <Link href="/">Back to apps</Link>
    </div>
  );
}

// The first render waits for the session check (a few ms): no login-page flash for a signed-in user.
bootSession.then((initial) => render(<Shell initial={initial} />, document.getElementById("app")!));
