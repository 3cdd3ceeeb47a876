import {
  encodePublicKey,
  type MinisignPublicKey,
  publicKeySpkiBase64,
  sshPublicKey,
} from "../../apps/pier/src/release/index.ts";

/** The placeholders of the repository's install.sh, filled in for a release. */
const placeholders = {
  baseUrl: "@PIER_RELEASE_BASE_URL@",
  minisign: "@PIER_RELEASE_KEY_MINISIGN@",
  spki: "@PIER_RELEASE_KEY_SPKI@",
  ssh: "@PIER_RELEASE_KEY_SSH@",
} as const;

export class InstallScriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InstallScriptError";
  }
}

/**
 * The published install.sh: the template with the release key that signed SHA256SUMS (in the
 * three encodings its verifiers read) and the download location. An empty base URL leaves the
 * script asking for --base-url.
 */
export function renderInstallScript(
  template: string,
  options: { publicKey: MinisignPublicKey; baseUrl: string },
): string {
  if (options.baseUrl !== "" && !/^https?:\/\/[^\s'"\\`$]+$/.test(options.baseUrl))
    throw new InstallScriptError(
      `the release base URL must be an http(s) URL without quotes or spaces, got "${options.baseUrl}"`,
    );
  const values: Record<keyof typeof placeholders, string> = {
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    minisign: encodePublicKey(options.publicKey),
    spki: publicKeySpkiBase64(options.publicKey),
    ssh: sshPublicKey(options.publicKey),
  };
  let script = template;
  for (const [name, placeholder] of Object.entries(placeholders) as [keyof typeof placeholders, string][]) {
    const assignment = `='${placeholder}'`;
    if (script.split(assignment).length !== 2)
      throw new InstallScriptError(`install.sh must assign ${placeholder} exactly once`);
    script = script.replace(assignment, `='${values[name]}'`);
  }
  return script;
}
