/** Jest over TypeScript ESM: run with NODE_OPTIONS=--experimental-vm-modules (see package.json). */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { systemPlan } from "./test/system/probe.js";

const rootDir = path.dirname(fileURLToPath(import.meta.url));
// Suites whose system package (redis-server, chromium, git-lfs) is missing are skipped, and the
// reporter says so at the end; with MIRROR_TEST_REQUIRE_SYSTEM=1 they run and the run fails.
const plan = systemPlan(rootDir);
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export default {
  preset: "ts-jest/presets/default-esm",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", ...plan.skipped.map((suite) => `^${escape(path.join(rootDir, suite.path))}$`)],
  reporters: ["default", ["<rootDir>/test/system/reporter.js", { plan }]],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "tsconfig.json", diagnostics: { ignoreCodes: [151002] } }],
  },
  testTimeout: 60000,
};
