declare const PIER_RELEASE_PUBLIC_KEY: string | undefined;

/**
 * The minisign public key (RW…) of the key that signed the release this binary belongs to, set
 * by `make release` with `--define`; undefined in builds made outside a release (`make build`).
 * `pier upgrade` trusts only releases signed with it.
 */
export const embeddedReleasePublicKey: string | undefined =
  typeof PIER_RELEASE_PUBLIC_KEY === "string" && PIER_RELEASE_PUBLIC_KEY !== ""
    ? PIER_RELEASE_PUBLIC_KEY
    : undefined;
