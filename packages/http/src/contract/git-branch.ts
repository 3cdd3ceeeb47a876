import { z } from "zod";

/**
 * Why `name` cannot be a git branch, by git check-ref-format's rules; null when it can. Apps
 * take branches from the API (default branch, image deploys): one git would refuse could never be
 * pushed to, so it is refused where it is given.
 */
export function gitBranchProblem(name: string): string | null {
  if (name.length === 0) return "it is empty";
  if (/[\s~^:?*[\\]/.test(name) || [...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return "it has a space or one of ~ ^ : ? * [ \\";
  if (name.includes("..")) return 'it has ".."';
  if (name.includes("@{") || name === "@") return 'it has "@{" or is "@"';
  if (name.startsWith("-") || name.startsWith("/") || name.endsWith("/"))
    return "it starts with - or /, or ends with /";
  if (name.includes("//")) return 'it has "//"';
  if (name.endsWith(".") || name.endsWith(".lock")) return 'it ends with "." or ".lock"';
  if (name.split("/").some((part) => part.startsWith("."))) return 'a part of it starts with "."';
  return null;
}

/** A git branch name (git check-ref-format --branch). */
export const gitBranchSchema = z
  .string()
  .max(200)
  .superRefine((name, ctx) => {
    const problem = gitBranchProblem(name);
    if (problem) ctx.addIssue({ code: "custom", message: `"${name}" is not a git branch name: ${problem}` });
  });
