import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { useState } from "preact/hooks";
import { pier } from "../api.ts";
import { TextField } from "../components/text-field.tsx";
import { CardsTable, DeleteButton, ErrorBox, ListState, useAction } from "../components/ui.tsx";
import { maskedValue } from "../format.ts";
import { useApi } from "../use-api.ts";

type EnvVar = ClientOutput<RouteOf<PierRoute, "GET /api/v1/apps/:name/env">>["env"][number];

export function EnvTab({ app }: { app: string }) {
  const vars = useApi(
    () => pier.call("GET /api/v1/apps/:name/env", { params: { name: app } }).then((a) => a.env),
    [app],
  );
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [secret, setSecret] = useState(false);
  const [environment, setEnvironment] = useState("");
  const [editing, setEditing] = useState<string | null>(null);
  const save = useAction();

  function edit(v: EnvVar) {
    setEditing(v.key);
    setKey(v.key);
    // Secrets are never sent back to the browser: editing one means typing the new value.
    setValue(v.secret ? "" : (v.value ?? ""));
    setSecret(v.secret);
    // The var's own scope: saving an override must not turn it into an app-wide value.
    setEnvironment(v.environment ?? "");
  }

  function reset() {
    setEditing(null);
    setKey("");
    setValue("");
    setSecret(false);
    setEnvironment("");
  }

  return (
    <>
      <div class="panel">
        <h2>{editing ? `Edit ${editing}` : "Add a variable"}</h2>
        <form
          class="inline"
          onSubmit={(event) => {
            event.preventDefault();
            save.run(async () => {
              await pier.call("PUT /api/v1/apps/:name/env", {
                params: { name: app },
                body: { key, value, secret, ...(environment ? { environment } : {}) },
              });
              reset();
              await vars.reload();
            });
          }}
        >
          <TextField
            label="Key"
            name="key"
            required
            placeholder="DATABASE_URL"
            value={key}
            onValue={setKey}
            trim
          />
          <label htmlFor="env-value">
            Value
            {secret ? (
              <input
                id="env-value"
                name="value"
                type="password"
                autocomplete="off"
                value={value}
                onInput={(e) => setValue(e.currentTarget.value)}
              />
            ) : (
              <input
                id="env-value"
                name="value"
                autocomplete="off"
                value={value}
                onInput={(e) => setValue(e.currentTarget.value)}
              />
            )}
          </label>
          <TextField
            label="Environment"
            name="environment"
            placeholder="production"
            value={environment}
            onValue={setEnvironment}
            trim
          />
          <label class="inline">
            <input
              name="secret"
              type="checkbox"
              checked={secret}
              onChange={(e) => setSecret(e.currentTarget.checked)}
            />
            Secret
          </label>
          <button type="submit" class="primary" disabled={save.busy}>
            {editing ? "Save" : "Add"}
          </button>
          {editing ? (
            <button type="button" onClick={reset}>
              Cancel
            </button>
          ) : null}
        </form>
        <ErrorBox error={save.error} />
        <p class="small muted">
          Changes apply on the next deploy. Secrets are encrypted at rest and never shown again.
        </p>
      </div>
      <div class="panel">
        <h2>Variables</h2>
        <ListState query={vars} what="variables" empty="No variables yet.">
          {(rows) => (
            <CardsTable testid="env-table" columns={["Key", "Value", "Environment", ""]} rows={rows}>
              {(v) => (
                <tr key={`${v.environment}/${v.key}`} data-env-key={v.key}>
                  <td data-label="Key" class="mono">
                    {v.key}
                  </td>
                  <td data-label="Value" class="mono">
                    {maskedValue(v.value, v.secret)}
                  </td>
                  <td data-label="Environment">{v.environment ?? "production"}</td>
                  <td data-label="">
                    <span class="row">
                      <button type="button" class="link" onClick={() => edit(v)}>
                        Edit
                      </button>
                      <DeleteButton
                        label="Delete"
                        question={`Delete ${v.key}?`}
                        remove={() =>
                          pier.call("DELETE /api/v1/apps/:name/env/:key", {
                            params: { name: app, key: v.key },
                            query: { environment: v.environment ?? undefined },
                          })
                        }
                        onDeleted={vars.reload}
                      />
                    </span>
                  </td>
                </tr>
              )}
            </CardsTable>
          )}
        </ListState>
      </div>
    </>
  );
}
