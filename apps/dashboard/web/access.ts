import { createContext } from "preact";
import { useContext } from "preact/hooks";

/**
 * Whether the signed-in user is an admin (their role from GET /api/v1/auth/me). Sections and
 * controls only an admin may use are left out for everyone else instead of answering with a 403;
 * the server refuses those calls all the same.
 */
export const AdminContext = createContext(false);

export function useIsAdmin(): boolean {
  return useContext(AdminContext);
}
