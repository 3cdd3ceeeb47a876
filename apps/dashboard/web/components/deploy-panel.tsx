import { useRef, useState } from "preact/hooks";
import { failure, pier, writeHeaders } from "../api.ts";
import { formatBytes, relativeTime, shortSha } from "../format.ts";
import {
  gzipTar,
  isArchive,
  type PickedFile,
  pickedFromDrop,
  pickedFromInput,
  planUpload,
  type UploadPlan,
} from "../upload.ts";
import { useApi } from "../use-api.ts";
import { TextField } from "./text-field.tsx";
import { ErrorBox, useAction } from "./ui.tsx";

type Method = "redeploy" | "ref" | "upload" | "image";

const methods: { id: Method; label: string }[] = [
  { id: "redeploy", label: "Redeploy" },
  { id: "ref", label: "Branch or commit" },
  { id: "upload", label: "Upload" },
  { id: "image", label: "Image" },
];

/** What the upload route answers: the deployment it started. */
interface Started {
  deployment: { id: string };
}

/**
 * Every way to deploy from the browser: the production branch again, any pushed branch or commit,
 * a folder or archive from this computer (packed as tar.gz here), or an image reference.
 * `onStarted` gets the new deployment's id; the Deployments tab then shows it live.
 */
export function DeployPanel(props: {
  app: string;
  onStarted: (deploymentId: string) => void;
  onClose: () => void;
}) {
  const [method, setMethod] = useState<Method>("redeploy");
  return (
    <section class="panel" data-testid="deploy-panel" aria-labelledby="deploy-heading">
      <div class="spread">
        <h2 id="deploy-heading">Deploy {props.app}</h2>
        <button type="button" class="link" onClick={props.onClose}>
          Close
        </button>
      </div>
      <fieldset class="choice">
        <legend class="sr-only">How to deploy</legend>
        {methods.map((m) => (
          <button key={m.id} type="button" aria-pressed={method === m.id} onClick={() => setMethod(m.id)}>
            {m.label}
          </button>
        ))}
      </fieldset>
      {method === "redeploy" || method === "ref" ? (
        <GitDeploy app={props.app} mode={method} onStarted={props.onStarted} />
      ) : null}
      {method === "upload" ? <UploadDeploy app={props.app} onStarted={props.onStarted} /> : null}
      {method === "image" ? <ImageDeploy app={props.app} onStarted={props.onStarted} /> : null}
    </section>
  );
}

function GitDeploy(props: { app: string; mode: "redeploy" | "ref"; onStarted: (id: string) => void }) {
  const refs = useApi(
    () => pier.call("GET /api/v1/apps/:name/refs", { params: { name: props.app } }),
    [props.app],
  );
  const [ref, setRef] = useState("");
  const action = useAction();
  const deploy = (body: { ref?: string }) =>
    action.run(async () => {
      const { deployment } = await pier.call("POST /api/v1/apps/:name/deploy/git", {
        params: { name: props.app },
        body,
      });
      props.onStarted(deployment.id);
    });
  const branches = refs.data?.branches ?? [];
  const production = branches.find((b) => b.branch === refs.data?.defaultBranch);
  if (refs.data && branches.length === 0) {
    return (
      <p class="muted">
        Nothing was pushed to {props.app} yet: push with git (the commands are below), or use Upload or Image.
      </p>
    );
  }
  if (props.mode === "redeploy") {
    return (
      <div class="stack">
        <ErrorBox error={refs.error ?? action.error} />
        {production ? (
          <p>
            Build and deploy <strong>{production.branch}</strong> again at{" "}
            <span class="mono">{shortSha(production.sha)}</span> {production.subject}{" "}
            <span class="muted small">
              ({production.author}, {relativeTime(production.date)})
            </span>
          </p>
        ) : refs.data ? (
          <p class="muted">The production branch {refs.data.defaultBranch} was never pushed.</p>
        ) : null}
        <div class="row">
          <button
            type="button"
            class="primary"
            disabled={!production || action.busy}
            onClick={() => deploy({})}
          >
            {action.busy ? "Starting…" : `Redeploy ${refs.data?.defaultBranch ?? ""}`}
          </button>
        </div>
      </div>
    );
  }
  return (
    <div class="stack">
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          deploy({ ref });
        }}
      >
        <label>
          Branch or commit
          <input
            name="ref"
            list="deploy-refs"
            required
            autocomplete="off"
            spellcheck={false}
            placeholder="e.g. main or 3f2c1ab"
            value={ref}
            onInput={(e) => setRef(e.currentTarget.value.trim())}
          />
        </label>
        <datalist id="deploy-refs">
          {branches.map((b) => (
            <option key={b.branch} value={b.branch} />
          ))}
        </datalist>
        <button type="submit" class="primary" disabled={action.busy || !ref}>
          Deploy
        </button>
      </form>
      <p class="small muted">
        The production branch ({refs.data?.defaultBranch ?? "…"}) and commits deploy to production; any other
        branch to its preview.
      </p>
      <ErrorBox error={refs.error ?? action.error} />
      {branches.length ? (
        <ul class="commits" aria-label="Pushed branches">
          {branches.slice(0, 8).map((b) => (
            <li key={b.branch} class="spread">
              <span>
                <strong>{b.branch}</strong> <span class="mono small">{shortSha(b.sha)}</span> {b.subject}{" "}
                <span class="small muted">{relativeTime(b.date)}</span>
              </span>
              <button type="button" disabled={action.busy} onClick={() => deploy({ ref: b.branch })}>
                Deploy {b.branch}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

type Picked = { kind: "folder"; plan: UploadPlan } | { kind: "archive"; file: File };

function UploadDeploy(props: { app: string; onStarted: (id: string) => void }) {
  const folderInput = useRef<HTMLInputElement>(null);
  const archiveInput = useRef<HTMLInputElement>(null);
  const [picked, setPicked] = useState<Picked | null>(null);
  const [over, setOver] = useState(false);
  const [branch, setBranch] = useState("");
  const [progress, setProgress] = useState<string | null>(null);
  const action = useAction();

  function take(files: PickedFile[]) {
    action.setError(null);
    const single = files.length === 1 ? files[0]! : null;
    if (single && isArchive(single.file.name)) return setPicked({ kind: "archive", file: single.file });
    const plan = planUpload(files);
    if (plan.files.length === 0)
      return action.setError("Nothing to upload: the folder is empty (or only .git).");
    setPicked({ kind: "folder", plan });
  }

  function upload() {
    if (!picked) return;
    action.run(async () => {
      let body: Blob;
      if (picked.kind === "archive") body = picked.file;
      else {
        setProgress(`Packing ${picked.plan.files.length} files…`);
        body = await gzipTar(picked.plan);
      }
      setProgress(`Uploading ${formatBytes(body.size)}…`);
      const query = branch ? `?branch=${encodeURIComponent(branch)}` : "";
      const response = await fetch(`/api/v1/apps/${props.app}/deploy${query}`, {
        method: "POST",
        credentials: "same-origin",
        headers: { ...writeHeaders(false), "content-type": "application/gzip" },
        body,
      }).finally(() => setProgress(null));
      if (!response.ok) throw await failure(response, "Upload");
      const started = (await response.json()) as Started;
      props.onStarted(started.deployment.id);
    });
  }

  return (
    <div class="stack">
      {/* biome-ignore lint/a11y/noStaticElementInteractions: dropping is a shortcut; both pickers are buttons */}
      <div
        class={`dropzone${over ? " over" : ""}`}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          if (e.dataTransfer)
            pickedFromDrop(e.dataTransfer).then(take, (err) => action.setError(String(err)));
        }}
      >
        <p>Drop a folder or a .tar.gz here</p>
        <p class="small">The folder is packed in this browser; .git and node_modules stay behind.</p>
        <div class="row">
          <button type="button" onClick={() => folderInput.current?.click()}>
            Choose a folder
          </button>
          <button type="button" onClick={() => archiveInput.current?.click()}>
            Choose an archive
          </button>
        </div>
        <input
          ref={folderInput}
          type="file"
          hidden
          multiple
          data-testid="folder-input"
          aria-label="Folder to upload"
          {...{ webkitdirectory: true }}
          onChange={(e) => e.currentTarget.files && take(pickedFromInput(e.currentTarget.files))}
        />
        <input
          ref={archiveInput}
          type="file"
          hidden
          accept=".tar.gz,.tgz,.tar,application/gzip,application/x-tar"
          data-testid="archive-input"
          aria-label="Archive to upload"
          onChange={(e) => e.currentTarget.files && take(pickedFromInput(e.currentTarget.files))}
        />
      </div>
      {picked ? (
        <p data-testid="upload-summary">
          {picked.kind === "archive"
            ? `${picked.file.name} (${formatBytes(picked.file.size)})`
            : `${picked.plan.files.length} files, ${formatBytes(picked.plan.bytes)}${picked.plan.skipped ? ` (${picked.plan.skipped} skipped)` : ""}`}
        </p>
      ) : null}
      <TextField
        label="Preview branch (optional)"
        name="upload-branch"
        placeholder="empty: production"
        value={branch}
        onValue={setBranch}
        trim
      />
      <ErrorBox error={action.error} />
      <div class="row">
        <button type="button" class="primary" disabled={!picked || action.busy} onClick={upload}>
          {progress ?? (action.busy ? "Starting…" : "Upload and deploy")}
        </button>
      </div>
    </div>
  );
}

function ImageDeploy(props: { app: string; onStarted: (id: string) => void }) {
  const [image, setImage] = useState("");
  const [port, setPort] = useState("");
  const action = useAction();
  return (
    <form
      class="stack"
      onSubmit={(event) => {
        event.preventDefault();
        action.run(async () => {
          const { deployment } = await pier.call("POST /api/v1/apps/:name/deploy/image", {
            params: { name: props.app },
            body: { image, ...(port ? { port: Number(port) } : {}) },
          });
          props.onStarted(deployment.id);
        });
      }}
    >
      <TextField
        label="Image"
        name="image"
        required
        placeholder="e.g. ghcr.io/acme/web:1.4"
        value={image}
        onValue={setImage}
        trim
      />
      <TextField
        label="Port the app listens on (optional)"
        name="image-port"
        type="number"
        min="1"
        placeholder="e.g. 8080"
        value={port}
        onValue={setPort}
        trim
      />
      <p class="small muted">Pulled unless this server has it; health-checked before traffic moves to it.</p>
      <ErrorBox error={action.error} />
      <div class="row">
        <button type="submit" class="primary" disabled={action.busy || !image}>
          {action.busy ? "Starting…" : "Deploy image"}
        </button>
      </div>
    </form>
  );
}
