import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  encodePublicKey,
  generateReleaseKey,
  publicKeySpkiBase64,
  sshPublicKey,
} from "../../apps/pier/src/release/index.ts";
import { InstallScriptError, renderInstallScript } from "./install-script.ts";

const template = readFileSync(join(import.meta.dir, "../../install.sh"), "utf8");

describe("install.sh", () => {
  test("the template is POSIX sh that dash parses", () => {
    for (const shell of ["sh", "dash"].filter((name) => Bun.which(name) !== null)) {
      const check = Bun.spawnSync([shell, "-n", join(import.meta.dir, "../../install.sh")], {
        stderr: "pipe",
      });
      expect(check.stderr.toString()).toBe("");
      expect(check.exitCode).toBe(0);
    }
  });

  test("a release fills in the key in each encoding and the download location", async () => {
    const key = await generateReleaseKey();
    const script = renderInstallScript(template, {
      publicKey: key.publicKey,
      baseUrl: "https://get.example.test/pier/",
    });
    expect(script).not.toContain("='@PIER_");
    expect(script).toContain(`release_base_url='https://get.example.test/pier'`);
    expect(script).toContain(`key_minisign='${encodePublicKey(key.publicKey)}'`);
    expect(script).toContain(`key_spki='${publicKeySpkiBase64(key.publicKey)}'`);
    expect(script).toContain(`key_ssh='${sshPublicKey(key.publicKey)}'`);
  });

  test("without a base URL the script keeps asking for --base-url", async () => {
    const key = await generateReleaseKey();
    const script = renderInstallScript(template, { publicKey: key.publicKey, baseUrl: "" });
    expect(script).toContain("release_base_url=''");
    const run = Bun.spawnSync(["sh", "-c", script, "install.sh"], { stderr: "pipe" });
    expect(run.exitCode).toBe(2);
    expect(run.stderr.toString()).toContain("pass --base-url URL");
  });

  test("a URL that would break out of the quotes is refused", async () => {
    const key = await generateReleaseKey();
    expect(() =>
      renderInstallScript(template, { publicKey: key.publicKey, baseUrl: "https://x/'; rm -rf /'" }),
    ).toThrow(InstallScriptError);
    expect(() => renderInstallScript("no placeholders", { publicKey: key.publicKey, baseUrl: "" })).toThrow(
      /exactly once/,
    );
  });

  test("--help and bad arguments answer before anything is downloaded", async () => {
    const help = Bun.spawnSync(["sh", join(import.meta.dir, "../../install.sh"), "--help"]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout.toString()).toContain("--insecure-skip-signature");
    const key = await generateReleaseKey();
    const script = renderInstallScript(template, { publicKey: key.publicKey, baseUrl: "http://127.0.0.1:9" });
    const run = (...args: string[]) =>
      Bun.spawnSync(["sh", "-c", script, "install.sh", ...args], { stderr: "pipe" });
    const badVersion = run("--version", "1.2");
    expect(badVersion.exitCode).toBe(2);
    expect(badVersion.stderr.toString()).toContain("--version must look like 1.2.3");
    expect(run("--version", "1.2.3;reboot").exitCode).toBe(2);
    expect(run("--base-url", "ftp://x").stderr.toString()).toContain("must be an http:// or https:// URL");
    expect(run("--frobnicate").stderr.toString()).toContain("unknown option: --frobnicate");
  });
});
