declare const PIER_RELEASE_BASE_URL: string | undefined;

/**
 * Where the release this binary belongs to was published (the address install.sh downloads
 * from), set by `make release` with `--define` from PIER_RELEASE_BASE_URL; undefined in other
 * builds. `pier upgrade` looks for newer releases there unless told another place.
 */
export const embeddedReleaseBaseUrl: string | undefined =
  typeof PIER_RELEASE_BASE_URL === "string" && PIER_RELEASE_BASE_URL !== ""
    ? PIER_RELEASE_BASE_URL
    : undefined;
