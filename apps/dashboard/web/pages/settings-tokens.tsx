import { useState } from "preact/hooks";
import { pier } from "../api.ts";
import { TextField } from "../components/text-field.tsx";
import { CardsTable, CopyBlock, DeleteButton, ListState, useAction } from "../components/ui.tsx";
import { relativeTime } from "../format.ts";
import { useApi } from "../use-api.ts";

const scopeChoices = ["admin", "write", "deploy", "read"] as const;
const scopeHelp: Record<(typeof scopeChoices)[number], string> = {
  admin: "everything, users and tokens included",
  write: "change and deploy apps",
  deploy: "deploy (git push, pier deploy) and read",
  read: "read only",
};

/** Settings → API tokens: created with a scope and, for CI, limited to some apps; shown once. */
export function TokensPanel() {
  // The API keeps revoked tokens for the record; only usable ones belong in this list.
  const tokens = useApi(
    () => pier.call("GET /api/v1/tokens").then((a) => a.tokens.filter((t) => !t.revokedAt)),
    [],
  );
  const apps = useApi(() => pier.call("GET /api/v1/apps").then((a) => a.apps.map((x) => x.name)), []);
  const [name, setName] = useState("");
  const [scope, setScope] = useState<(typeof scopeChoices)[number]>("deploy");
  const [limited, setLimited] = useState<string[]>([]);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const create = useAction();
  return (
    <div class="panel">
      <h2>API tokens</h2>
      <form
        class="stack"
        onSubmit={(event) => {
          event.preventDefault();
          create.run(async () => {
            const answer = await pier.call("POST /api/v1/tokens", {
              body: { name, scopes: [scope], ...(limited.length ? { apps: limited } : {}) },
            });
            setCreated(answer);
            setName("");
            setLimited([]);
            await tokens.reload();
          });
        }}
      >
        <div
          class="inline"
          style={{ display: "flex", gap: "0.5rem", flexWrap: "wrap", alignItems: "flex-end" }}
        >
          <TextField
            label="Name"
            name="token-name"
            required
            placeholder="e.g. github-actions"
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
        </div>
        <span class="small muted">
          {scope}: {scopeHelp[scope]}.
        </span>
        <fieldset class="apps-scope">
          <legend class="small">Apps it may act on</legend>
          <label class="inline">
            <input type="checkbox" checked={limited.length === 0} onChange={() => setLimited([])} />
            Every app (and the whole platform)
          </label>
          {(apps.data ?? []).map((app) => (
            <label key={app} class="inline">
              <input
                type="checkbox"
                name="token-app"
                value={app}
                checked={limited.includes(app)}
                onChange={(e) =>
                  setLimited(e.currentTarget.checked ? [...limited, app] : limited.filter((a) => a !== app))
                }
              />
              {app}
            </label>
          ))}
          <span class="small muted">
            A token limited to apps is for one repository's CI: it cannot reach the others.
          </span>
        </fieldset>
      </form>
      {created ? (
        <div class="secret-once" data-testid="new-token" role="status">
          <strong>Copy the token "{created.name}" now: it will not be shown again.</strong>
          <CopyBlock text={created.token} />
          <button type="button" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      ) : null}
      <ListState
        query={tokens}
        what="tokens"
        extraError={create.error}
        empty="No active tokens. Create one for the CLI or CI above."
      >
        {(active) => (
          <CardsTable
            testid="tokens-table"
            columns={["Name", "Token", "Scopes", "Apps", "Created", "Last used", ""]}
            rows={active}
          >
            {(t) => (
              <tr key={t.id} data-token={t.name}>
                <td data-label="Name">{t.name}</td>
                <td data-label="Token" class="mono">
                  {t.hint}
                </td>
                <td data-label="Scopes">{t.scopes.join(", ")}</td>
                <td data-label="Apps">{t.apps ? t.apps.join(", ") : <span class="muted">all</span>}</td>
                <td data-label="Created">{relativeTime(t.createdAt)}</td>
                <td data-label="Last used">{relativeTime(t.lastUsedAt)}</td>
                <td data-label="">
                  <DeleteButton
                    label="Revoke"
                    question={`Revoke "${t.name}"? Scripts using it stop working.`}
                    remove={() => pier.call("DELETE /api/v1/tokens/:id", { params: { id: t.id } })}
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
