import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { formatBytes } from "@pier/backup";
import type { PierRoute } from "@pier/contract";
import { buildPath } from "@pier/http/client";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { z } from "zod";
import { apiError, apiFetch, connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import type { CliConfig } from "./cli-config.ts";
import { type Command, intFlag, requireStringFlag, UsageError } from "./command.ts";
import { refuseDeployDir } from "./deploy-dir.ts";

type UploadRoute = RouteOf<PierRoute, "POST /api/v1/apps/:name/deploy">;
type Deployment = ClientOutput<UploadRoute>["deployment"];

/** Reads an SSE response, calling `onEvent` per event; resolves when the server ends the stream. */
export async function readEventStream(
  response: Response,
  onEvent: (event: string, data: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body!) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
        else if (line.startsWith("data:")) data.push(line.slice(5));
      }
      if (data.length) onEvent(event, data.join("\n"));
      end = buffer.indexOf("\n\n");
    }
  }
}

/** The `status` event that ends a followed deployment log. */
const deploymentEndSchema = z.object({ status: z.string().optional(), error: z.string().nullish() });
export type DeploymentEnd = z.infer<typeof deploymentEndSchema>;

/** Prints a deployment's log as it happens; resolves with how it ended. */
export async function watchDeployment(connection: CliConfig, deploymentId: string): Promise<DeploymentEnd> {
  const response = await apiFetch(
    connection,
    `/api/v1/deployments/${encodeURIComponent(deploymentId)}/log?follow=1`,
    { headers: { accept: "text/event-stream" } },
  );
  if (!response.ok) throw apiError(response.status, await response.json().catch(() => undefined));
  let final: DeploymentEnd = {};
  await readEventStream(response, (event, data) => {
    if (event === "line") console.log(data);
    else if (event === "status") final = deploymentEndSchema.catch({}).parse(safeJson(data));
  });
  return final;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Prints a deployment's log as it happens; exit code 0 when it went live, 1 otherwise. */
export async function followDeployment(connection: CliConfig, deploymentId: string): Promise<number> {
  const final = await watchDeployment(connection, deploymentId);
  if (final.status === "live") return 0;
  console.error(
    `Deployment ${deploymentId} ${final.status ?? "ended"}: ${final.error ?? "see the log above"}`,
  );
  return 1;
}

/** A body stream over the tarball that draws a progress bar on stderr as the upload pulls it. */
function uploadBody(path: string, total: number): ReadableStream<Uint8Array> {
  const tty = process.stderr.isTTY;
  let sent = 0;
  const draw = () => {
    const width = 30;
    const done = total ? Math.round((sent / total) * width) : width;
    process.stderr.write(
      `\rUploading [${"#".repeat(done)}${" ".repeat(width - done)}] ${formatBytes(sent)}/${formatBytes(total)}`,
    );
  };
  const reader = Bun.file(path).stream().getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        if (tty) process.stderr.write("\n");
        else process.stderr.write(`Uploaded ${formatBytes(total)}\n`);
        controller.close();
        return;
      }
      sent += value.byteLength;
      if (tty) draw();
      controller.enqueue(value);
    },
  });
}

export const deployCommand: Command = {
  name: "deploy",
  summary:
    "Deploy a directory (uploaded as a tarball, .gitignore/.dockerignore respected) or a prebuilt image.",
  usage:
    "pier deploy [DIR] --app APP [--branch BRANCH] | pier deploy --image REF --app APP [--port N] | pier deploy --ref REF --app APP",
  positionals: [{ name: "DIR", required: false }],
  flags: {
    app: { type: "string", value: "APP", help: "app to deploy" },
    image: { type: "string", value: "REF", help: "deploy this prebuilt image instead of a directory" },
    port: { type: "string", value: "N", help: "port the image listens on (with --image; default 3000)" },
    ref: {
      type: "string",
      value: "REF",
      help: "deploy a branch or commit already pushed with git again (e.g. after a failed or interrupted deploy)",
    },
    branch: { type: "string", value: "BRANCH", help: "deploy as this branch's preview environment" },
    detach: { type: "boolean", help: "return once the deploy is queued, without following the log" },
    ...connectionFlags,
  },
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const connection = resolveConnection(args);
    const branch = typeof args.flags.branch === "string" ? args.flags.branch : undefined;
    let deployment: Deployment;
    const sources = [
      args.positionals.length > 0,
      typeof args.flags.image === "string",
      typeof args.flags.ref === "string",
    ];
    if (sources.filter(Boolean).length > 1) throw new UsageError("give one of DIR, --image or --ref", this);
    if (typeof args.flags.ref === "string") {
      ({ deployment } = await pierApi(connection).call("POST /api/v1/apps/:name/deploy/git", {
        params: { name: app },
        body: { ref: args.flags.ref, branch },
      }));
    } else if (typeof args.flags.image === "string") {
      const port = intFlag(args, "port", this, { min: 1, max: 65535 });
      ({ deployment } = await pierApi(connection).call("POST /api/v1/apps/:name/deploy/image", {
        params: { name: app },
        body: { image: args.flags.image, port, branch },
      }));
    } else {
      const dir = resolve(args.positionals[0] ?? ".");
      if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
        throw new UsageError(`${dir} is not a directory: give the directory to deploy, or --image REF`, this);
      const refusal = refuseDeployDir(dir, readdirSync(dir), app);
      if (refusal) throw new UsageError(refusal, this);
      // Before packing and uploading what may be a large directory: the app exists and this token may see it.
      await pierApi(connection).call("GET /api/v1/apps/:name", { params: { name: app } });
      deployment = await uploadDirectory(connection, app, dir, branch);
    }
    console.error(
      `Deployment ${deployment.id} queued${deployment.environment ? ` (${deployment.environment})` : ""}`,
    );
    if (args.flags.detach) {
      console.log(deployment.id);
      return 0;
    }
    return followDeployment(connection, deployment.id);
  },
};

async function uploadDirectory(
  connection: CliConfig,
  app: string,
  dir: string,
  branch?: string,
): Promise<Deployment> {
  const scratch = mkdtempSync(join(tmpdir(), "pier-deploy-"));
  try {
    const tarPath = join(scratch, "context.tar.gz");
    const context = await (await import("@pier/deploy")).writeContextTarball(dir, tarPath, { gzip: true });
    console.error(`Packed ${context.files.length} files from ${dir} (${formatBytes(context.bytes)})`);
    // The tarball streams with a progress bar, so this one call is a plain fetch, not pierApi's JSON.
    const uploadPath: UploadRoute["path"] = "/api/v1/apps/:name/deploy";
    const response = await apiFetch(connection, buildPath(uploadPath, { name: app }, { branch }), {
      method: "POST",
      headers: {
        "content-type": "application/gzip",
        "content-length": String(context.bytes),
      },
      body: uploadBody(tarPath, context.bytes),
    });
    const payload = (await response.json().catch(() => ({}))) as {
      deployment?: Deployment;
      error?: { code: string; message: string };
    };
    if (!response.ok || !payload.deployment) throw apiError(response.status, payload);
    return payload.deployment;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
