import { useState } from "preact/hooks";
import { pier } from "../api.ts";
import { TextField } from "../components/text-field.tsx";
import { CardsTable, CopyBlock, DeleteButton, ListState, useAction } from "../components/ui.tsx";
import { relativeTime } from "../format.ts";
import { useApi } from "../use-api.ts";

type Role = "admin" | "member";

/** Settings → Users: who can sign in, their role, inviting someone with a temporary password. */
export function UsersPanel() {
  const users = useApi(() => pier.call("GET /api/v1/users").then((a) => a.users), []);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [invited, setInvited] = useState<{ email: string; password: string } | null>(null);
  const invite = useAction();
  const change = useAction();
  return (
    <div class="panel">
      <h2>Users</h2>
      <p class="small muted">
        Admins manage users, tokens and settings; members deploy and change apps. An invited user gets a
        temporary password to sign in with, then sets their own (Settings → General).
      </p>
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          invite.run(async () => {
            const answer = await pier.call("POST /api/v1/users", { body: { email, role } });
            setInvited({ email: answer.user.email, password: answer.temporaryPassword });
            setEmail("");
            await users.reload();
          });
        }}
      >
        <TextField
          label="Email"
          name="invite-email"
          type="email"
          required
          placeholder="e.g. dev@example.com"
          value={email}
          onValue={setEmail}
          trim
        />
        <label>
          Role
          <select name="invite-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <option value="member">member</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit" class="primary" disabled={invite.busy}>
          Invite
        </button>
      </form>
      {invited ? (
        <div class="secret-once" data-testid="temporary-password" role="status">
          <strong>
            {invited.email} can sign in at {location.origin} with this temporary password. It is shown only
            now: hand it over safely.
          </strong>
          <CopyBlock text={invited.password} />
          <button type="button" onClick={() => setInvited(null)}>
            Done
          </button>
        </div>
      ) : null}
      <ListState query={users} what="users" extraError={invite.error ?? change.error}>
        {(rows) => (
          <CardsTable testid="users-table" columns={["Email", "Role", "Since", ""]} rows={rows}>
            {(u) => (
              <tr key={u.id} data-user={u.email}>
                <td data-label="Email">
                  {u.email}
                  {u.you ? <span class="small muted"> (you)</span> : null}
                </td>
                <td data-label="Role">
                  <select
                    aria-label={`Role of ${u.email}`}
                    value={u.role}
                    disabled={change.busy}
                    onChange={(e) => {
                      const next = e.currentTarget.value as Role;
                      change.run(async () => {
                        try {
                          await pier.call("PATCH /api/v1/users/:id", {
                            params: { id: u.id },
                            body: { role: next },
                          });
                        } finally {
                          await users.reload();
                        }
                      });
                    }}
                  >
                    <option value="member">member</option>
                    <option value="admin">admin</option>
                  </select>
                </td>
                <td data-label="Since">{relativeTime(u.createdAt)}</td>
                <td data-label="">
                  {u.you ? null : (
                    <DeleteButton
                      label="Remove"
                      question={`Remove ${u.email}? Their sessions end and the API tokens they created stop working.`}
                      remove={() => pier.call("DELETE /api/v1/users/:id", { params: { id: u.id } })}
                      onDeleted={users.reload}
                    />
                  )}
                </td>
              </tr>
            )}
          </CardsTable>
        )}
      </ListState>
    </div>
  );
}
