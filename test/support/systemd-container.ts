// systemd booted as the init of a container (the install test image), for the suites that install
// pier as a service: the container, `exec` in it, and its removal.

export interface Exec {
  code: number;
  out: string;
}

export interface SystemdContainer {
  /** Runs `sh -c script` in the container; stdout and stderr together, trimmed. */
  exec(script: string, timeoutMs?: number): Promise<Exec>;
  remove(): void;
}

/**
 * Starts `image` with systemd as PID 1 and resolves once systemd is up (running or degraded).
 * `exec` is asynchronous on purpose: suites serve the release the container downloads from on
 * the test's own thread.
 */
export async function startSystemdContainer(name: string, image: string): Promise<SystemdContainer> {
  const exec = async (script: string, timeoutMs = 120_000): Promise<Exec> => {
    const run = Bun.spawn(["docker", "exec", name, "sh", "-c", script], {
      stdout: "pipe",
      stderr: "pipe",
      timeout: timeoutMs,
    });
    const [code, stdout, stderr] = await Promise.all([
      run.exited,
      new Response(run.stdout).text(),
      new Response(run.stderr).text(),
    ]);
    return { code, out: `${stdout}${stderr}`.trim() };
  };
  const remove = () => {
    Bun.spawnSync(["docker", "rm", "-f", name], { stdout: "ignore", stderr: "ignore" });
  };
  const started = Bun.spawnSync(
    [
      ...["docker", "run", "-d", "--name", name, "--cap-add", "SYS_ADMIN"],
      ...["--security-opt", "seccomp=unconfined", "--cgroupns=host"],
      ...["-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "--tmpfs", "/run", "--tmpfs", "/run/lock"],
      ...[image, "/lib/systemd/systemd"],
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (started.exitCode !== 0) throw new Error(`could not start the systemd container: ${started.stderr}`);
  const deadline = Date.now() + 60_000;
  let state = "";
  while (Date.now() < deadline) {
    state = (await exec("systemctl is-system-running")).out;
    if (state === "running" || state === "degraded") return { exec, remove };
    await Bun.sleep(250);
  }
  const journal = (await exec("journalctl -b --no-pager | tail -20")).out;
  remove();
  throw new Error(`systemd did not come up in the container (${state}): ${journal}`);
}
