import { useState } from "preact/hooks";
import { pier } from "../api.ts";
import { TextField } from "../components/text-field.tsx";
import { ErrorBox, useAction } from "../components/ui.tsx";

type Done = (email: string, csrfToken: string) => void;

function CredentialsForm(props: {
  submitLabel: string;
  onSubmit: (email: string, password: string) => Promise<void>;
  newPassword?: boolean;
}) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction();
  return (
    <form
      class="stack"
      onSubmit={(event) => {
        event.preventDefault();
        action.run(() => props.onSubmit(email, password));
      }}
    >
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
            onDone(answer.user.email, answer.csrfToken);
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
        <CredentialsForm
          submitLabel="Create admin account"
          newPassword
          onSubmit={async (email, password) => {
            const answer = await pier.call("POST /api/v1/auth/setup", { body: { email, password } });
            onDone(answer.user.email, answer.csrfToken);
          }}
        />
        <p class="small muted">
          At least 10 characters. Anyone who reaches this page first becomes admin, so finish setup now.
        </p>
      </div>
    </main>
  );
}
