// What tells the server how to build (packages/deploy/src/build-plan.ts): pier.toml can point the
// build elsewhere ([build] context, dockerfile, [static] dir), so its presence defers to the server.
const appMarkers = ["Dockerfile", "package.json", "index.html", "bunfig.toml", "pier.toml"];

/**
 * Why a directory should not be packed and uploaded for `pier deploy`, or null when it may be.
 * Checked before packing: a wrong directory (often the current one) can be large, and a pier data
 * directory holds the key that decrypts every secret. Pure: `entries` are the directory's names.
 */
export function refuseDeployDir(dir: string, entries: readonly string[], app: string): string | null {
  const names = new Set(entries);
  if (names.has("secret.key") && names.has("pier.db"))
    return `${dir} looks like a pier data directory (secret.key and pier.db): deploying it would upload pier's secret key into an image. Nothing was uploaded; give the app's directory: pier deploy DIR --app ${app}`;
  if (appMarkers.some((marker) => names.has(marker))) return null;
  return `Cannot tell how to build ${dir}: it has none of ${appMarkers.join(", ")}. Add a Dockerfile, a package.json (Bun or Node.js) or an index.html (static site), or give the app's directory: pier deploy DIR --app ${app}. Nothing was uploaded.`;
}
