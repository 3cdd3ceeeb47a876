import { useState } from "preact/hooks";
import { useIsAdmin } from "../access.ts";
import { pier } from "../api.ts";
import { deployCommands } from "../format.ts";
import { CopyBlock, ErrorBox, useAction } from "./ui.tsx";

/** The exact commands to deploy this app, with the console origin the browser is using. */
export function DeployInstructions({ app }: { app: string }) {
  const [token, setToken] = useState<string | null>(null);
  const action = useAction();
  const admin = useIsAdmin();
  const commands = deployCommands(location.origin, app, token ?? "TOKEN");

  async function createToken() {
    const created = await pier.call("POST /api/v1/tokens", {
      // Limited to this app: the token lands in one repository's CI and must not deploy, read or
      // exec into the others.
      body: { name: `deploy-${app}`, scopes: ["deploy"], apps: [app] },
    });
    setToken(created.token);
  }

  return (
    <div class="panel" data-testid="deploy-instructions">
      <h2>Deploy {app}</h2>
      {token ? (
        <div class="secret-once">
          A deploy token was created and filled in below. It is shown only this once: copy the commands now.
        </div>
      ) : (
        <p class="small muted">
          <code>TOKEN</code> is an API token with the <code>deploy</code> scope
          {admin ? (
            <>
              {" "}
              (Settings → API tokens).{" "}
              <button
                type="button"
                class="link"
                disabled={action.busy}
                onClick={() => action.run(createToken)}
              >
                Create one for {app} now
              </button>
            </>
          ) : (
            ": an admin creates it (Settings → API tokens)."
          )}
        </p>
      )}
      <ErrorBox error={action.error} />
      <CopyBlock label="Push with git" text={`${commands.gitRemote}\n${commands.gitPush}`} />
      <CopyBlock
        label="Or upload the current directory with the pier CLI"
        text={`pier login ${location.origin} --token ${token ?? "TOKEN"}\n${commands.cli}`}
      />
    </div>
  );
}
