import { useState } from "preact/hooks";
import { pier } from "../api.ts";
import { TextField } from "../components/text-field.tsx";
import { ErrorBox, useAction } from "../components/ui.tsx";

type Done = (user: { email: string; role: "admin" | "member" }, csrfToken: string) => void;

function CredentialsForm(props: {
  submitLabel: string;
  onSubmit: (email: string, password: string, setupCode: string) => Promise<void>;
  newPassword?: boolean;
  /** First run: the code pier printed at start proves the user controls the server. */
  askSetupCode?: boolean;
}) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [setupCode, setSetupCode] = useState("");
  const action = useAction();
  return (
    <form
      class="stack"
      onSubmit={(event) => {
        event.preventDefault();
        action.run(() => props.onSubmit(email, password, setupCode));
      }}
    >
      {props.askSetupCode ? (
        <TextField
          label="Setup code"
          name="setup-code"
          autocomplete="off"
          required
          value={setupCode}
          onValue={setSetupCode}
        />
      ) : null}
      <TextField
        label="Email"
        name="email"
        type="email"
        autocomplete="username"
        required
        value={email}
        onValue={setEmail}
      />
      <TextField
        label="Password"
        name="password"
        type="password"
        autocomplete={props.newPassword ? "new-password" : "current-password"}
        required
        minLength={props.newPassword ? 10 : undefined}
        value={password}
        onValue={setPassword}
      />
      <ErrorBox error={action.error} />
      <button type="submit" class="primary" disabled={action.busy}>
        {action.busy ? "…" : props.submitLabel}
      </button>
    </form>
  );
}

export function LoginPage({ onDone }: { onDone: Done }) {
  return (
    <main class="auth">
      <div class="panel">
        <h1>Log in to pier</h1>
        <CredentialsForm
          submitLabel="Log in"
          onSubmit={async (email, password) => {
            const answer = await pier.call("POST /api/v1/auth/login", { body: { email, password } });
            onDone(answer.user, answer.csrfToken);
          }}
        />
      </div>
    </main>
  );
}

export function SetupPage({ onDone }: { onDone: Done }) {
  return (
    <main class="auth">
      <div class="panel">
        <h1>Welcome to pier</h1>
        <p class="muted">No account exists yet. Create the admin account for this server.</p>
        <p class="small muted">
          The setup code is in pier's log from its start (<code>first run: …</code>) and in the file{" "}
          <code>setup-code</code> in its data dir (<code>/var/lib/pier</code> when run as root). It proves you
          control the server.
        </p>
        <CredentialsForm
          submitLabel="Create admin account"
          newPassword
          askSetupCode
          onSubmit={async (email, password, setupCode) => {
            const answer = await pier.call("POST /api/v1/auth/setup", {
              body: { email, password, setupCode },
            });
            onDone(answer.user, answer.csrfToken);
          }}
        />
        <p class="small muted">Passwords have at least 10 characters.</p>
      </div>
    </main>
  );
}
