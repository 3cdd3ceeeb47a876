import { useEffect, useState } from "preact/hooks";
import { useIsAdmin } from "../access.ts";
import { pier } from "../api.ts";
import { TextField } from "../components/text-field.tsx";
import { ErrorBox, ScrollTabs, useAction } from "../components/ui.tsx";
import { adminSettingsTabs, routeHref, type SettingsTab, visibleSettingsTabs } from "../routes.ts";
import { useApi } from "../use-api.ts";
import { BackupsPanel } from "./settings-backups.tsx";
import { CertificatesPanel } from "./settings-certificates.tsx";
import { NotificationsPanel } from "./settings-notifications.tsx";
import { StaticRoutesPanel } from "./settings-routes.tsx";
import { TokensPanel } from "./settings-tokens.tsx";
import { UsersPanel } from "./settings-users.tsx";

const tabLabels: Record<SettingsTab, string> = {
  general: "General",
  users: "Users",
  tokens: "API tokens",
  certificates: "Certificates",
  notifications: "Notifications",
  routes: "Static routes",
  backups: "Backups",
};

function ServerSettingsPanel() {
  const admin = useIsAdmin();
  const settings = useApi(() => pier.call("GET /api/v1/settings"), []);
  const [baseDomain, setBaseDomain] = useState("");
  const [acmeEmail, setAcmeEmail] = useState("");
  const [saved, setSaved] = useState(false);
  // The fields open once the stored values are in them: typing earlier would be overwritten.
  const [ready, setReady] = useState(false);
  const save = useAction();
  useEffect(() => {
    if (!settings.data) return;
    setBaseDomain(settings.data.settings.baseDomain ?? "");
    setAcmeEmail(settings.data.settings.acmeEmail ?? "");
    setReady(true);
  }, [settings.data]);
  const effective = settings.data?.effective;
  return (
    <div class="panel">
      <h2>Server</h2>
      <ErrorBox error={settings.error} />
      <form
        class="stack"
        onSubmit={(event) => {
          event.preventDefault();
          setSaved(false);
          save.run(async () => {
            await pier.call("PUT /api/v1/settings", {
              body: { baseDomain: baseDomain || null, acmeEmail: acmeEmail || null },
            });
            await settings.reload();
            setSaved(true);
          });
        }}
      >
        <TextField
          label="Base domain"
          name="base-domain"
          disabled={!ready || !admin}
          placeholder="e.g. apps.example.com"
          value={baseDomain}
          onValue={setBaseDomain}
          trim
        />
        <span class="small muted">
          Apps answer at APP.BASE_DOMAIN, previews at BRANCH--APP.BASE_DOMAIN. Point a wildcard DNS record at
          this server.
          {effective ? (
            <>
              {" "}
              In effect now: <span class="mono">{effective.baseDomain}</span>
              {settings.data?.settings.baseDomain ? "" : " (the start-up default)"}.
            </>
          ) : null}
        </span>
        <TextField
          label="ACME email"
          name="acme-email"
          type="email"
          disabled={!ready || !admin}
          placeholder="e.g. ops@example.com"
          value={acmeEmail}
          onValue={setAcmeEmail}
          trim
        />
        <span class="small muted">
          Contact address for Let's Encrypt (expiry notices).
          {effective ? ` ACME is ${effective.acme ? "on" : "off"} on this server.` : ""}
        </span>
        <ErrorBox error={save.error} />
        {saved ? (
          <div class="notice" role="status">
            Settings saved.
          </div>
        ) : null}
        {admin ? (
          <div class="row">
            <button type="submit" class="primary" disabled={save.busy || !settings.data}>
              Save settings
            </button>
          </div>
        ) : (
          <p class="small muted" data-testid="admins-change">
            Only an admin can change these.
          </p>
        )}
      </form>
    </div>
  );
}

function PasswordPanel() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [done, setDone] = useState(false);
  const change = useAction();
  return (
    <div class="panel">
      <h2>Your password</h2>
      <form
        class="stack"
        onSubmit={(event) => {
          event.preventDefault();
          setDone(false);
          change.run(async () => {
            await pier.call("POST /api/v1/auth/password", {
              body: { currentPassword: current, newPassword: next },
            });
            setCurrent("");
            setNext("");
            setDone(true);
          });
        }}
      >
        <TextField
          label="Current password"
          name="current-password"
          type="password"
          autocomplete="current-password"
          required
          value={current}
          onValue={setCurrent}
        />
        <TextField
          label="New password"
          name="new-password"
          type="password"
          autocomplete="new-password"
          required
          minLength={10}
          value={next}
          onValue={setNext}
        />
        <span class="small muted">At least 10 characters. Your other sessions end.</span>
        <ErrorBox error={change.error} />
        {done ? (
          <div class="notice" role="status">
            Password changed.
          </div>
        ) : null}
        <div class="row">
          <button type="submit" class="primary" disabled={change.busy}>
            Change password
          </button>
        </div>
      </form>
    </div>
  );
}

/** What a member finds at the address of an admin section (its tab is not shown to them). */
function AdminsOnly() {
  return (
    <div class="panel" data-testid="admins-only">
      <h2>For admins</h2>
      <p class="muted">
        Only an admin of this server can see and change this section. Ask one to do it for you, or to make you
        an admin.
      </p>
    </div>
  );
}

export function SettingsPage({ tab }: { tab: SettingsTab }) {
  const admin = useIsAdmin();
  const hidden = !admin && adminSettingsTabs.includes(tab);
  return (
    <>
      <div class="page-head">
        <div>
          <h1>Settings</h1>
          <div class="sub">
            {admin
              ? "The server, the people and tokens that reach it, where it sends alerts."
              : "The server, its certificates, where it sends alerts; people and tokens are an admin's."}
          </div>
        </div>
      </div>
      <ScrollTabs
        label="Settings sections"
        tabs={visibleSettingsTabs(admin).map((t) => ({
          href: routeHref({ page: "settings", tab: t }),
          label: tabLabels[t],
          current: t === tab,
        }))}
      />
      {tab === "general" ? (
        <>
          <ServerSettingsPanel />
          <PasswordPanel />
        </>
      ) : null}
      {hidden ? <AdminsOnly /> : null}
      {tab === "users" && !hidden ? <UsersPanel /> : null}
      {tab === "tokens" && !hidden ? <TokensPanel /> : null}
      {tab === "certificates" ? <CertificatesPanel /> : null}
      {tab === "notifications" ? <NotificationsPanel /> : null}
      {tab === "routes" ? <StaticRoutesPanel /> : null}
      {tab === "backups" && !hidden ? <BackupsPanel /> : null}
    </>
  );
}
