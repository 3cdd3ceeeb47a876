import { checkPasswordPolicy, hashPassword, verifyPassword } from "@pier/auth";
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  newId,
  PierError,
  UnauthorizedError,
} from "@pier/core";
import type { UserRow } from "@pier/db";
import { type RouteGroup, serveRoute } from "@pier/http";
import type { ApiDeps } from "../context.ts";
import { apiRoutes } from "./contract.ts";

// No 0/O, 1/l/I: a temporary password is read off a screen and typed by someone else.
const readableAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** 20 characters of a 57-letter alphabet: about 116 bits, over the password policy's minimum length. */
export function temporaryPassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  let out = "";
  for (const b of bytes) out += readableAlphabet[b % readableAlphabet.length];
  return `${out.slice(0, 5)}-${out.slice(5, 10)}-${out.slice(10, 15)}-${out.slice(15)}`;
}

function view(user: UserRow, me: string | null) {
  return { id: user.id, email: user.email, role: user.role, createdAt: user.createdAt, you: user.id === me };
}

/** Users of the dashboard: list, invite with a temporary password, change roles, remove; a password change. */
export function userRoutes(group: RouteGroup, deps: ApiDeps): void {
  const { users, tokens } = deps.stores;

  async function findUser(id: string) {
    const user = await users.findById(id);
    if (!user) throw new NotFoundError("User", id);
    return user;
  }

  async function isLastAdmin(user: UserRow): Promise<boolean> {
    return user.role === "admin" && (await users.list()).filter((u) => u.role === "admin").length === 1;
  }

  serveRoute(group, apiRoutes.listUsers, async (_, c) => {
    const me = c.get("principal").userId;
    return { users: (await users.list()).map((u) => view(u, me)) };
  });

  serveRoute(group, apiRoutes.inviteUser, async ({ body }, c) => {
    if (await users.findByEmail(body.email)) throw new ConflictError(`${body.email} can sign in already.`);
    const password = temporaryPassword();
    const user = await users.create({
      id: newId("usr"),
      email: body.email,
      passwordHash: await hashPassword(password),
      role: body.role,
    });
    return { user: view(user, c.get("principal").userId), temporaryPassword: password };
  });

  serveRoute(group, apiRoutes.updateUser, async ({ params, body }, c) => {
    const user = await findUser(params.id);
    if (body.role !== "admin" && (await isLastAdmin(user)))
      throw new ConflictError(`${user.email} is the only admin; make someone else an admin first.`);
    const updated = await users.setRole(user.id, body.role);
    return { user: view(updated ?? user, c.get("principal").userId) };
  });

  serveRoute(group, apiRoutes.removeUser, async ({ params }, c) => {
    const user = await findUser(params.id);
    if (user.id === c.get("principal").userId)
      throw new ForbiddenError("You cannot remove yourself; ask another admin.");
    if (await isLastAdmin(user))
      throw new ConflictError(`${user.email} is the only admin; make someone else an admin first.`);
    const revokedTokens = await tokens.revokeForUser(user.id);
    await users.delete(user.id);
    return { ok: true as const, id: user.id, revokedTokens };
  });

  serveRoute(group, apiRoutes.changePassword, async ({ body }, c) => {
    const principal = c.get("principal");
    if (principal.kind !== "session")
      throw new PierError(
        "session_required",
        "Change a password from the dashboard, signed in as that user.",
        400,
      );
    checkPasswordPolicy(body.newPassword);
    const user = await findUser(principal.userId);
    if (!(await verifyPassword(body.currentPassword, user.passwordHash)))
      throw new UnauthorizedError("The current password is wrong.");
    await users.setPasswordHash(user.id, await hashPassword(body.newPassword));
    await deps.stores.sessions.deleteForUser(user.id, principal.sessionHash);
    return { ok: true as const };
  });
}
