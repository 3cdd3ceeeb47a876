import type { Scope } from "@pier/auth";

/**
 * Whether the token or session is still good, asked again by what outlives the request that
 * authenticated (a stream, a WebSocket): a logout or a revoked token ends those too.
 */
type Recheck = { stillValid?: () => Promise<boolean> };

/** Who is calling: an API token (scripts, the CLI) or a dashboard session. */
export type Principal = Recheck &
  (
    | {
        kind: "token";
        tokenId: string;
        scopes: Scope[];
        userId: string | null;
        /** The apps a token is limited to (`pier token create --app`); null for every app. */
        apps?: string[] | null;
      }
    | {
        kind: "session";
        userId: string;
        email: string;
        scopes: Scope[];
        csrfToken: string;
        sessionHash: string;
      }
  );

/** The variables every console route can read: set by the request log and authentication. */
export type ApiEnv = { Variables: { principal: Principal; requestId: string } };
