import type { NotifyCapability } from "@pier/platform";

export type NotificationEvent = Parameters<NotifyCapability["notify"]>[0];
export type NewIssueEvent = Extract<NotificationEvent, { kind: "error.new_issue" }>;

/** What an alert says about one issue; titles and culprits come from anyone with the public DSN. */
export interface IssueSummary {
  id: string;
  title: string;
  culprit: string;
  level: string;
}

/** Long titles (a whole SQL statement, a minified stack) are cut: the link leads to the rest. */
export const maxTitleLength = 200;

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function newIssueEvent(project: string, issue: IssueSummary, consoleUrl: string): NewIssueEvent {
  return {
    kind: "error.new_issue",
    project: cut(project, 100),
    issueId: issue.id,
    title: cut(issue.title.replace(/\s+/g, " "), maxTitleLength),
    level: cut(issue.level, 20),
    culprit: issue.culprit ? cut(issue.culprit.replace(/\s+/g, " "), maxTitleLength) : undefined,
    url: `${consoleUrl}/errors/issues/${issue.id}`,
  };
}

export interface IssueAlertLimits {
  /** Alerts sent one by one per project and window; the rest make one summary at the window's end. */
  perWindow: number;
  windowMs: number;
}

export const defaultIssueAlertLimits: IssueAlertLimits = { perWindow: 5, windowMs: 60_000 };

interface ProjectWindow {
  startedAt: number;
  sent: number;
  held: number;
  latest?: NewIssueEvent;
}

/**
 * An error storm (a bad deploy, a sender making up titles) must not become thousands of chat
 * messages: per project, the first `perWindow` new issues of a window are sent as they come, the
 * others are counted and sent as one summary when the window ends. Pure: the clock is passed in.
 */
export class IssueAlertLimiter {
  private readonly windows = new Map<number, ProjectWindow>();

  constructor(private readonly limits: IssueAlertLimits = defaultIssueAlertLimits) {}

  /** "send" now, or "hold"; the first hold of a window also says when its summary is due. */
  admit(
    projectId: number,
    event: NewIssueEvent,
    now: number,
  ): { send: true } | { send: false; summaryAt?: number } {
    let window = this.windows.get(projectId);
    if (!window || now - window.startedAt >= this.limits.windowMs) {
      // A window that ended with issues held is kept until its summary is taken.
      if (window?.held) return { send: false, ...this.hold(window, event) };
      window = { startedAt: now, sent: 0, held: 0 };
      this.windows.set(projectId, window);
    }
    if (window.sent < this.limits.perWindow) {
      window.sent++;
      return { send: true };
    }
    return { send: false, ...this.hold(window, event) };
  }

  private hold(window: ProjectWindow, event: NewIssueEvent): { summaryAt?: number } {
    window.held++;
    window.latest = event;
    return window.held === 1 ? { summaryAt: window.startedAt + this.limits.windowMs } : {};
  }

  /** The summary of a project's held issues (null when none), pointing at its issue list. */
  takeSummary(projectId: number, issuesUrl: string): NewIssueEvent | null {
    const window = this.windows.get(projectId);
    this.windows.delete(projectId);
    if (!window?.held || !window.latest) return null;
    return { ...window.latest, url: issuesUrl, more: window.held };
  }
}
