import { useEffect, useState } from "preact/hooks";
import { pier } from "../api.ts";
import { TextField } from "../components/text-field.tsx";
import { CardsTable, CopyBlock, DeleteButton, ErrorBox, ListState, useAction } from "../components/ui.tsx";
import { relativeTime } from "../format.ts";
import { useApi } from "../use-api.ts";
import { BackupsPanel } from "./settings-backups.tsx";

const scopeChoices = ["admin", "write", "deploy", "read"] as const;

function TokensPanel() {
  // The API keeps revoked tokens for the record; only usable ones belong in this list.
  const tokens = useApi(
    () => pier.call("GET /api/v1/tokens").then((a) => a.tokens.filter((t) => !t.revokedAt)),
    [],
  );
  const [name, setName] = useState("");
  const [scope, setScope] = useState<(typeof scopeChoices)[number]>("deploy");
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const create = useAction();
  return (
    <div class="panel">
      <h2>API tokens</h2>
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          create.run(async () => {
            const answer = await pier.call("POST /api/v1/tokens", { body: { name, scopes: [scope] } });
            setCreated(answer);
            setName("");
            await tokens.reload();
          });
        }}
      >
        <TextField
          label="Name"
          name="token-name"
          required
          placeholder="laptop"
          value={name}
          onValue={setName}
        />
        <label>
          Scope
          <select
            name="scope"
            value={scope}
            onChange={(e) => setScope(scopeChoices.find((s) => s === e.currentTarget.value) ?? "deploy")}
          >
            {scopeChoices.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" class="primary" disabled={create.busy}>
          Create token
        </button>
      </form>
      {created ? (
        <div class="secret-once" data-testid="new-token">
          <strong>Copy the token "{created.name}" now: it will not be shown again.</strong>
          <CopyBlock text={created.token} />
          <button type="button" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      ) : null}
      <ListState query={tokens} what="tokens" extraError={create.error} empty="No active tokens.">
        {(active) => (
          <CardsTable
            testid="tokens-table"
            columns={["Name", "Token", "Scopes", "Created", "Last used", ""]}
            rows={active}
          >
            {(t) => (
              <tr key={t.id} data-token={t.name}>
                <td data-label="Name">{t.name}</td>
                <td data-label="Token" class="mono">
                  {t.hint}
                </td>
                <td data-label="Scopes">{t.scopes.join(", ")}</td>
                <td data-label="Created">{relativeTime(t.createdAt)}</td>
                <td data-label="Last used">{relativeTime(t.lastUsedAt)}</td>
                <td data-label="">
                  <DeleteButton
                    label="Revoke"
                    question={`Revoke "${t.name}"? Scripts using it stop working.`}
                    path={`/tokens/${t.id}`}
                    onDeleted={tokens.reload}
                  />
                </td>
              </tr>
            )}
          </CardsTable>
        )}
      </ListState>
    </div>
  );
}

function ServerSettingsPanel() {
  const settings = useApi(() => pier.call("GET /api/v1/settings"), []);
  const [baseDomain, setBaseDomain] = useState("");
  const [acmeEmail, setAcmeEmail] = useState("");
  const [saved, setSaved] = useState(false);
  const save = useAction();
  useEffect(() => {
    if (!settings.data) return;
    setBaseDomain(settings.data.settings.baseDomain ?? "");
    setAcmeEmail(settings.data.settings.acmeEmail ?? "");
  }, [settings.data]);
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
          placeholder={settings.data?.effective.baseDomain ?? "example.com"}
          value={baseDomain}
          onValue={setBaseDomain}
          trim
        />
        <span class="small muted">
          Apps answer at APP.BASE_DOMAIN, previews at BRANCH--APP.BASE_DOMAIN. Point a wildcard DNS record at
          this server.
          {settings.data ? ` Now: ${settings.data.effective.baseDomain}.` : ""}
        </span>
        <TextField
          label="ACME email"
          name="acme-email"
          type="email"
          placeholder="ops@example.com"
          value={acmeEmail}
          onValue={setAcmeEmail}
          trim
        />
        <span class="small muted">Contact address for Let's Encrypt (expiry notices).</span>
        <ErrorBox error={save.error} />
        {saved ? <div class="notice">Settings saved.</div> : null}
        <div class="row">
          <button type="submit" class="primary" disabled={save.busy || !settings.data}>
            Save settings
          </button>
        </div>
      </form>
    </div>
  );
}

export function SettingsPage() {
  return (
    <>
      <h1>Settings</h1>
      <TokensPanel />
      <ServerSettingsPanel />
      <BackupsPanel />
    </>
  );
}
