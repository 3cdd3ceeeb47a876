declare const PIER_BUILD_VERSION: string | undefined;

/** Injected by `bun build --define` for release binaries; source runs report the dev version. */
export const pierVersion: string = typeof PIER_BUILD_VERSION === "string" ? PIER_BUILD_VERSION : "0.1.0-dev";
