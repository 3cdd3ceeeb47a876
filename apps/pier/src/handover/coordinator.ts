import { accessSync, constants } from "node:fs";
import { type Logger, PierError } from "@pier/core";
import type { RunningPier } from "../serve.ts";
import type { HandoverEvent, HandoverRequest } from "./control-api.ts";
import { sdNotify } from "./sd-notify.ts";
import { HandoverFailedError, startSuccessor } from "./successor.ts";

export class HandoverRefusedError extends PierError {
  constructor(message: string) {
    super("handover_refused", message, 409);
  }
}

/**
 * The predecessor's side of a hand-over, step by step (docs/architecture.md, Upgrades): wait for
 * deploys in progress, start the successor on the inherited sockets, and once it is ready make it
 * systemd's main process, release the primary role to it, and let `pier serve` drain and exit.
 * Any failure before "ready" leaves this pier exactly as it was.
 */
export class HandoverCoordinator {
  private busy = false;
  private resolveDone: () => void = () => {};
  /** Resolves when this process has handed over and must drain and exit. */
  readonly handedOver = new Promise<void>((resolve) => {
    this.resolveDone = resolve;
  });
  private finishListeners: ((event: HandoverEvent) => void)[] = [];

  constructor(
    private readonly deps: {
      pier: RunningPier;
      logger: Logger;
      /** This process's arguments after the binary (`serve …`): the successor gets the same. */
      args: string[];
      env: Record<string, string | undefined>;
    },
  ) {}

  get handingOver(): boolean {
    return this.busy;
  }

  /** Runs the hand-over, reporting each step; resolves once the successor serves. */
  async handOver(request: HandoverRequest, report: (event: HandoverEvent) => void): Promise<void> {
    if (this.busy) throw new HandoverRefusedError("a hand-over is already in progress");
    if (process.pid === 1)
      throw new HandoverRefusedError(
        "pier runs as PID 1 (a container's init): a successor would be stopped with it. Upgrade the container's image instead",
      );
    try {
      accessSync(request.binary, constants.X_OK);
    } catch {
      throw new HandoverRefusedError(`${request.binary} is not an executable file`);
    }
    this.busy = true;
    const log = this.deps.logger.child({ component: "handover" });
    const began = performance.now();
    // No deploy begins from here on (they answer 503 with Retry-After); the successor takes them.
    const resume = this.deps.pier.primary.prepareHandover();
    try {
      await this.waitForDeploys(request.deployWaitMs, report);
      report({ step: "starting", binary: request.binary });
      log.info("starting the successor", { binary: request.binary });
      const successor = await startSuccessor({
        binary: request.binary,
        args: this.deps.args,
        env: this.deps.env,
        listeners: this.deps.pier.proxyListeners(),
        edgeSecret: this.deps.pier.edgeSecret,
        readyTimeoutMs: request.readyTimeoutMs,
      });
      report({
        step: "ready",
        pid: successor.pid,
        version: successor.version,
        startupMs: successor.startupMs,
        elapsedMs: Math.round(performance.now() - began),
      });
      log.info("the successor is ready; this pier drains and exits", {
        pid: successor.pid,
        version: successor.version,
      });
      // Under systemd the successor becomes the unit's main process before this one exits, or
      // systemd would take the exit for the service's end and stop it (NotifyAccess=main).
      if (await sdNotify(`MAINPID=${successor.pid}`))
        log.info("systemd told the new main PID", { pid: successor.pid });
      await this.deps.pier.primary.release();
      successor.primaryReleased();
      report({ step: "primary-released", elapsedMs: Math.round(performance.now() - began) });
      successor.detach();
      this.resolveDone();
    } catch (error) {
      resume();
      this.busy = false;
      throw error;
    }
  }

  /** Called by `pier serve` once the drain is over: the last event of the hand-over's answer. */
  finished(event: HandoverEvent): void {
    for (const listener of this.finishListeners) listener(event);
    this.finishListeners = [];
  }

  onFinished(listener: (event: HandoverEvent) => void): void {
    this.finishListeners.push(listener);
  }

  private async waitForDeploys(waitMs: number, report: (event: HandoverEvent) => void): Promise<void> {
    const deadline = performance.now() + waitMs;
    let said = -1;
    for (;;) {
      const deploys = await this.deps.pier.deploysInProgress();
      if (deploys === 0) return;
      if (deploys !== said) report({ step: "waiting-for-deploys", deploys });
      said = deploys;
      if (performance.now() >= deadline)
        throw new HandoverRefusedError(
          `${deploys} deploy(s) still in progress after ${Math.round(waitMs / 1000)} s: run pier upgrade again once they are done (or pass a longer --deploy-wait)`,
        );
      await Bun.sleep(500);
    }
  }
}

export { HandoverFailedError };
