import { useState } from "preact/hooks";
import { pier } from "../api.ts";
import { TextField } from "../components/text-field.tsx";
import { ErrorBox, useAction } from "../components/ui.tsx";
import { navigate } from "../router.ts";

export function NewAppPage() {
  const [name, setName] = useState("");
  const [branch, setBranch] = useState("main");
  const action = useAction();
  return (
    <div class="panel">
      <h1>New app</h1>
      <form
        class="stack"
        onSubmit={(event) => {
          event.preventDefault();
          action.run(async () => {
            await pier.call("POST /api/v1/apps", { body: { name, defaultBranch: branch || undefined } });
            navigate(`/apps/${name}`);
          });
        }}
      >
        <label>
          Name
          <input
            name="name"
            required
            placeholder="my-app"
            autocomplete="off"
            value={name}
            onInput={(e) => setName(e.currentTarget.value.trim().toLowerCase())}
          />
        </label>
        <span class="small muted">
          Lowercase letters, digits and dashes. The app answers at NAME.your-base-domain.
        </span>
        <TextField label="Default branch" name="branch" value={branch} onValue={setBranch} trim />
        <span class="small muted">Pushes to other branches create preview environments.</span>
        <ErrorBox error={action.error} />
        <div class="row">
          <button type="submit" class="primary" disabled={action.busy}>
            Create app
          </button>
        </div>
      </form>
    </div>
  );
}
