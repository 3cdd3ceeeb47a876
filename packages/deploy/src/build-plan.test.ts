import { describe, expect, test } from "bun:test";
import { detectBuildPlan } from "./build-plan.ts";
import { generateDockerfile } from "./dockerfile.ts";
import { BuildPlanError } from "./errors.ts";
import { parsePierToml } from "./pier-toml.ts";

const images = { bun: "pier-base/bun:1", node: "node:22-slim" };
const pkg = (value: object) => JSON.stringify(value);

describe("detectBuildPlan", () => {
  test("a Dockerfile in the repo wins over everything", () => {
    const plan = detectBuildPlan({
      paths: ["Dockerfile", "package.json", "bun.lock", "index.html"],
      packageJson: pkg({ scripts: { start: "bun x" } }),
    });
    expect(plan).toMatchObject({ kind: "dockerfile", dockerfile: "Dockerfile" });
    expect(generateDockerfile(plan, images, { port: 3000 })).toBeNull();
  });

  test("a configured dockerfile must exist", () => {
    const config = parsePierToml(`[build]\ndockerfile = "ops/Dockerfile"`);
    expect(() => detectBuildPlan({ paths: ["index.html"] }, config)).toThrow(BuildPlanError);
    expect(detectBuildPlan({ paths: ["ops/Dockerfile"] }, config)).toMatchObject({
      dockerfile: "ops/Dockerfile",
    });
  });

  test("bun.lock makes a Bun app; start script runs it; deps installed frozen and production-only", () => {
    const plan = detectBuildPlan({
      paths: ["package.json", "bun.lock", "src/server.ts"],
      packageJson: pkg({ scripts: { start: "bun src/server.ts" }, dependencies: { hono: "4" } }),
    });
    expect(plan).toMatchObject({
      kind: "bun",
      start: ["bun", "run", "start"],
      install: ["bun", "install", "--frozen-lockfile", "--production"],
      build: null,
      manifests: ["package.json", "bun.lock"],
    });
    expect(plan.reason).toContain("bun.lock");
    const dockerfile = generateDockerfile(plan, images, { port: 3000 })!;
    expect(dockerfile.split("\n")).toEqual([
      "FROM pier-base/bun:1",
      "WORKDIR /app",
      "ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0",
      "EXPOSE 3000",
      'CMD ["bun","run","start"]',
      "COPY package.json bun.lock ./",
      'RUN ["bun","install","--frozen-lockfile","--production"]',
      "COPY . .",
      "",
    ]);
  });

  test("a Bun app without dependencies skips the install step (offline builds work)", () => {
    const plan = detectBuildPlan({
      paths: ["package.json", "bunfig.toml", "index.ts"],
      packageJson: pkg({}),
    });
    expect(plan).toMatchObject({ kind: "bun", install: null, start: ["bun", "index.ts"] });
    expect(generateDockerfile(plan, images, { port: 8080 })).not.toContain("RUN");
  });

  test("package.json main is the entry when there is no start script", () => {
    const plan = detectBuildPlan({
      paths: ["package.json", "bun.lockb", "app/main.ts"],
      packageJson: pkg({ module: "./app/main.ts" }),
    });
    expect(plan).toMatchObject({ kind: "bun", start: ["bun", "app/main.ts"] });
  });

  test.each([
    ["package-lock.json", "npm", ["npm", "ci"]],
    ["pnpm-lock.yaml", "pnpm", ["pnpm", "install", "--frozen-lockfile"]],
    ["yarn.lock", "yarn", ["yarn", "install"]],
  ] as const)("%s makes a Node.js app with %s, dev deps kept for the build", (lockfile, manager, install) => {
    const plan = detectBuildPlan({
      paths: ["package.json", lockfile],
      packageJson: pkg({
        scripts: { build: "tsc", start: "node dist/index.js" },
        devDependencies: { typescript: "5" },
      }),
    });
    expect(plan).toMatchObject({
      kind: "node",
      packageManager: manager,
      install,
      build: [manager, "run", "build"],
      start: [manager, "run", "start"],
    });
    const dockerfile = generateDockerfile(plan, images, { port: 3000 })!;
    expect(dockerfile).toStartWith("FROM node:22-slim\n");
    expect(dockerfile).toContain(`COPY package.json ${lockfile} ./`);
    expect(dockerfile.indexOf("RUN [")).toBeLessThan(dockerfile.indexOf("COPY . ."));
    expect(dockerfile).toContain(`RUN ["${manager}","run","build"]`);
    if (manager !== "npm") expect(dockerfile).toContain(`RUN ["corepack", "enable", "${manager}"]`);
  });

  test("packageManager field beats lockfile guessing", () => {
    const plan = detectBuildPlan({
      paths: ["package.json", "package-lock.json", "server.js"],
      packageJson: pkg({ packageManager: "bun@1.4.4" }),
    });
    expect(plan).toMatchObject({ kind: "bun", start: ["bun", "server.js"] });
  });

  test("a start script that runs bun makes a Bun app even without a lockfile", () => {
    const plan = detectBuildPlan({
      paths: ["package.json", "index.ts"],
      packageJson: pkg({ scripts: { start: "bun index.ts" } }),
    });
    expect(plan).toMatchObject({ kind: "bun", start: ["bun", "run", "start"], install: null });
    expect(plan.reason).toBe('Bun app ("start" script runs bun); "start" script runs the app');
    expect(generateDockerfile(plan, images, { port: 3000 })).toStartWith("FROM pier-base/bun:1\n");
    expect(
      detectBuildPlan({
        paths: ["package.json", "index.ts"],
        packageJson: pkg({ scripts: { start: "NODE_ENV=production bunx --bun vite preview" } }),
      }),
    ).toMatchObject({ kind: "bun" });
  });

  test("a TypeScript entry with no start script and no lockfile makes a Bun app", () => {
    const plan = detectBuildPlan({ paths: ["package.json", "server.ts"], packageJson: pkg({}) });
    expect(plan).toMatchObject({ kind: "bun", start: ["bun", "server.ts"] });
    expect(plan.reason).toContain("server.ts is TypeScript and there is no lockfile");
  });

  test("a Node.js guess without lockfile says how to choose Bun; a Node lockfile or start script stays Node.js", () => {
    const plan = detectBuildPlan({
      paths: ["package.json", "index.ts"],
      packageJson: pkg({ scripts: { start: "tsx index.ts" } }),
    });
    expect(plan).toMatchObject({ kind: "node", packageManager: "npm" });
    expect(plan.reason).toContain('"packageManager": "bun@1"');
    expect(plan.reason).toContain("bunfig.toml");
    expect(
      detectBuildPlan({
        paths: ["package.json", "package-lock.json", "index.js"],
        packageJson: pkg({ scripts: { start: "node index.js && echo bundle" } }),
      }),
    ).toMatchObject({ kind: "node", packageManager: "npm" });
  });

  test("index.html alone is a static site with no Docker build", () => {
    const plan = detectBuildPlan({ paths: ["index.html", "style.css"] });
    expect(plan).toEqual({
      kind: "static",
      dir: ".",
      spa: false,
      build: null,
      reason: "static site: index.html at the root",
    });
    expect(generateDockerfile(plan, images, { port: 3000 })).toBeNull();
  });

  test("a build script without a server is a static site built in a container; output dir from the tool", () => {
    const plan = detectBuildPlan({
      paths: ["package.json", "package-lock.json", "index.html", "src/main.ts"],
      packageJson: pkg({ scripts: { build: "vite build" }, devDependencies: { vite: "6" } }),
    });
    expect(plan).toMatchObject({
      kind: "static",
      dir: "dist",
      build: { runtime: "node", build: ["npm", "run", "build"] },
    });
    expect(plan.reason).toContain("vite");
    const dockerfile = generateDockerfile(plan, images, { port: 3000 })!;
    expect(dockerfile).toContain('RUN ["npm","run","build"]');
    expect(dockerfile).not.toContain("CMD");

    const cra = detectBuildPlan({
      paths: ["package.json", "yarn.lock"],
      packageJson: pkg({ scripts: { build: "react-scripts build" }, dependencies: { "react-scripts": "5" } }),
    });
    expect(cra).toMatchObject({ kind: "static", dir: "build" });
  });

  test("pier.toml [static] dir and spa override the guess", () => {
    const config = parsePierToml(`[static]\ndir = "public"\nspa = true`);
    const plan = detectBuildPlan(
      {
        paths: ["package.json", "bun.lock", "index.ts"],
        packageJson: pkg({ scripts: { build: "bun build.ts" } }),
      },
      config,
    );
    expect(plan).toMatchObject({ kind: "static", dir: "public", spa: true });
    expect(plan.reason).toContain("[static] dir");
  });

  test("nothing recognisable is a clear error", () => {
    expect(() => detectBuildPlan({ paths: ["README.md"] })).toThrow(/add a Dockerfile/);
    expect(() =>
      detectBuildPlan({ paths: ["package.json"], packageJson: pkg({ scripts: { test: "x" } }) }),
    ).toThrow(/start script/);
    expect(() => detectBuildPlan({ paths: ["package.json"], packageJson: "{nope" })).toThrow(
      /not valid JSON/,
    );
  });
});
