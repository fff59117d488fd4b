// @ts-check
/**
 * A jest reporter that ends the run with test/system/requirements.js's summary: which suites were
 * skipped for a missing system package and the command that installs it, or, with
 * MIRROR_TEST_REQUIRE_SYSTEM=1, that the run fails for it (getLastError sets jest's exit code).
 * jest.config.js passes the plan; only the suites this run selected are mentioned.
 */
import path from "node:path";
import { narrowPlan, summarize } from "./requirements.js";

export default class SystemPackagesReporter {
  /**
   * @param {{ rootDir: string, testPathPattern: string }} globalConfig
   * @param {{ plan: import("./requirements.js").SystemPlan }} options
   */
  constructor(globalConfig, options) {
    const pattern = new RegExp(globalConfig.testPathPattern, "i");
    this.plan = narrowPlan(options.plan, (suite) => pattern.test(path.join(globalConfig.rootDir, suite.path)));
  }

  onRunComplete() {
    const lines = summarize(this.plan);
    if (lines.length === 0) return;
    const colour = this.plan.required.length > 0 ? "\x1b[1;31m" : "\x1b[1;33m";
    const [first, ...rest] = lines;
    const headline = process.stderr.isTTY ? `${colour}${first}\x1b[0m` : first;
    // At exit, so it comes after jest's own totals, the last thing on the screen. (Writes to
    // stderr are synchronous on Linux and macOS for files, pipes and terminals.)
    process.once("exit", () => process.stderr.write(`\n${headline}\n${rest.join("\n")}\n`));
  }

  /** Fails the run when a suite ran without a system package it requires. */
  getLastError() {
    return this.plan.required.length > 0 ? new Error(summarize(this.plan)[0]) : undefined;
  }
}
