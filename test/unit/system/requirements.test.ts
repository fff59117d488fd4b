/**
 * Skip or fail for a missing system package (test/system/requirements.js, pure) and how this
 * machine is probed (test/system/probe.js): what decides whether `npm test` passes on a fresh
 * machine, and whether CI (MIRROR_TEST_REQUIRE_SYSTEM=1) can ever skip a suite.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findSuites, missingPackages, systemPlan } from "../../system/probe.js";
import { narrowPlan, planSystemSuites, readRequiredPackages, summarize } from "../../system/requirements.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

const redis = { path: "test/redis.test.ts", packages: ["redis-server"] };
const browser = { path: "test/browser.test.ts", packages: ["chromium"] };
const both = { path: "test/both.test.ts", packages: ["redis-server", "chromium"] };
const plain = { path: "test/plain.test.ts", packages: [] };
const suites = [redis, browser, both, plain];

describe("planSystemSuites", () => {
  it.each([
    { machine: "with every package", missing: [], requireAll: false, skipped: [], required: [], packages: [] },
    { machine: "with every package, in CI", missing: [], requireAll: true, skipped: [], required: [], packages: [] },
    { machine: "without redis-server", missing: ["redis-server"], requireAll: false, skipped: [redis, both], required: [], packages: ["redis-server"] },
    {
      machine: "without anything",
      missing: ["git-lfs", "chromium", "redis-server"],
      requireAll: false,
      skipped: [redis, browser, both],
      required: [],
      packages: ["redis-server", "chromium"],
    },
    {
      machine: "without anything, in CI",
      missing: ["chromium", "redis-server"],
      requireAll: true,
      skipped: [],
      required: [redis, browser, both],
      packages: ["redis-server", "chromium"],
    },
    { machine: "without git-lfs, which no suite needs, in CI", missing: ["git-lfs"], requireAll: true, skipped: [], required: [], packages: [] },
  ])("on a machine $machine: skips $skipped.length, requires $required.length", ({ missing, requireAll, skipped, required, packages }) => {
    expect(planSystemSuites({ suites, missing, requireAll })).toEqual({ skipped, required, missing: packages });
  });
});

describe("narrowPlan", () => {
  it("keeps only the suites a run selected, and only the packages they need", () => {
    const plan = planSystemSuites({ suites, missing: ["redis-server", "chromium"], requireAll: false });
    expect(narrowPlan(plan, (suite) => suite.path === browser.path)).toEqual({ skipped: [browser], required: [], missing: ["chromium"] });
    expect(narrowPlan(plan, (suite) => suite.path === plain.path)).toEqual({ skipped: [], required: [], missing: [] });
  });
});

describe("summarize", () => {
  it("says nothing when every suite ran", () => {
    expect(summarize({ skipped: [], required: [], missing: [] })).toEqual([]);
  });

  it("names each skipped suite, what it lacks, and the one command that installs it all", () => {
    const lines = summarize(planSystemSuites({ suites, missing: ["redis-server", "chromium"], requireAll: false }));
    expect(lines).toEqual([
      "SKIPPED 3 test suite(s): system packages not installed (redis-server, chromium):",
      "  test/redis.test.ts (needs redis-server)",
      "  test/browser.test.ts (needs chromium)",
      "  test/both.test.ts (needs redis-server, chromium)",
      "To run them: sudo apt-get install redis-server chromium",
    ]);
  });

  it("says the run failed, and why, when skipping is not allowed", () => {
    const [headline, ...rest] = summarize(planSystemSuites({ suites, missing: ["chromium"], requireAll: true }));
    expect(headline).toBe("FAILED: MIRROR_TEST_REQUIRE_SYSTEM=1 and 2 test suite(s) need system packages that are not installed (chromium):");
    expect(rest.at(-1)).toBe("Install them: sudo apt-get install chromium");
  });
});

describe("readRequiredPackages", () => {
  it.each([
    { header: "/**\n * A suite.\n *\n * @requires-system redis-server\n */\n", packages: ["redis-server"] },
    { header: "/**\n * @requires-system redis-server chromium\n * @requires-system git-lfs\n */", packages: ["redis-server", "chromium", "git-lfs"] },
    { header: "/** @requires-system chromium */\n", packages: ["chromium"] },
    { header: "/**\n * A suite that needs nothing.\n */\n", packages: [] },
    { header: 'import x from "y";\n/** @requires-system chromium */\n', packages: [] }, // only the file's own header counts
  ])("reads $packages from its header", ({ header, packages }) => {
    expect(readRequiredPackages(`${header}it("works", () => {});\n`, "t.test.ts")).toEqual(packages);
  });

  it("refuses a package it does not know, so a typo cannot turn into a silent skip", () => {
    expect(() => readRequiredPackages("/**\n * @requires-system redis\n */\n", "test/x.test.ts")).toThrow(/test\/x\.test\.ts: @requires-system names "redis"/);
  });
});

describe("this repository's suites", () => {
  it("declare the package of every helper or library they start", async () => {
    const needs: Array<[RegExp, string]> = [
      [/helpers\/redis-server\.js"/, "redis-server"],
      [/helpers\/chromium\.js"|from "playwright-core"/, "chromium"],
      // The real `git lfs` client: the working-clone helper, or `git lfs …` run directly (not the pointer spec URL or media type, which name git-lfs as text).
      [/helpers\/lfs-work\.js"|\(\s*"lfs",|\["lfs",/, "git-lfs"],
    ];
    const undeclared: string[] = [];
    for (const suite of findSuites(root)) {
      if (suite.path.endsWith("requirements.test.ts")) continue; // this file names them as text
      const source = await readFile(path.join(root, suite.path), "utf8");
      for (const [use, name] of needs) if (use.test(source) && !suite.packages.includes(name)) undeclared.push(`${suite.path}: ${name}`);
    }
    expect(undeclared).toEqual([]);
  });
});

describe("probing a machine", () => {
  let bin: string;
  beforeEach(async () => {
    bin = await mkdtemp(path.join(os.tmpdir(), "mirror-bot-probe-"));
  });
  afterEach(async () => {
    await rm(bin, { recursive: true, force: true });
  });

  async function executable(name: string): Promise<string> {
    const file = path.join(bin, name);
    await writeFile(file, "#!/bin/sh\n");
    await chmod(file, 0o755);
    return file;
  }

  it("finds nothing on a PATH without the programs", () => {
    expect(missingPackages({ PATH: bin })).toEqual(["redis-server", "chromium", "git-lfs"]);
  });

  it("finds the programs on PATH, and Chromium through CHROMIUM_PATH", async () => {
    await executable("redis-server");
    await writeFile(path.join(bin, "git-lfs"), "not executable");
    const elsewhere = await executable("Chromium.app");
    expect(missingPackages({ PATH: bin, CHROMIUM_PATH: elsewhere })).toEqual(["git-lfs"]);
    expect(missingPackages({ PATH: bin, CHROMIUM_PATH: path.join(bin, "missing") })).toEqual(["chromium", "git-lfs"]);
  });

  it("skips this repository's Redis and browser suites on such a machine, and fails them in CI", () => {
    const fresh = systemPlan(root, { PATH: bin });
    expect(fresh.skipped.map((suite) => suite.path)).toEqual(expect.arrayContaining(["test/e2e/replicas.test.ts", "test/e2e/status-page.test.ts"]));
    expect(fresh.required).toEqual([]);
    const ci = systemPlan(root, { PATH: bin, MIRROR_TEST_REQUIRE_SYSTEM: "1" });
    expect(ci.skipped).toEqual([]);
    expect(ci.required).toEqual(fresh.skipped);
  });
});
