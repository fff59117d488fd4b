// @ts-check
/**
 * Which test suites need a system package, and what a run does when one is missing. PURE: the
 * facts (which packages are installed, whether the run may skip) come in as arguments.
 *
 * A suite names the Debian packages it needs in its header docblock:
 *     ` * @requires-system redis-server chromium`
 * When one is missing, the suite is skipped, so `npm test` passes on a fresh machine, and the run
 * ends with one loud line naming the skipped suites and the command that installs the packages.
 * With MIRROR_TEST_REQUIRE_SYSTEM=1 (CI: .ci/run) nothing is skipped: the suite runs, and the run
 * fails even if the suite somehow did not.
 *
 * Plain JavaScript because jest.config.js and the reporter load it without a transform.
 */

/**
 * The Debian packages a suite may require, each with the executable that shows it is installed
 * (looked up on PATH) and the variable that points at it elsewhere (e.g. Chromium on macOS).
 * @type {Record<string, { executable: string, pathVariable?: string }>}
 */
export const SYSTEM_PACKAGES = {
  "redis-server": { executable: "redis-server" },
  chromium: { executable: "chromium", pathVariable: "CHROMIUM_PATH" },
  "git-lfs": { executable: "git-lfs" },
};

/** Set to 1 to turn every skip for a missing package into a failure. */
export const REQUIRE_VARIABLE = "MIRROR_TEST_REQUIRE_SYSTEM";

/** @typedef {{ path: string, packages: string[] }} Suite */
/**
 * @typedef {object} SystemPlan
 * @property {Suite[]} skipped  suites not run: a package is missing and skipping is allowed
 * @property {Suite[]} required suites run although a package is missing: the run must fail
 * @property {string[]} missing the missing packages those suites need, in SYSTEM_PACKAGES order
 */

/**
 * The packages a test file's header asks for (`@requires-system a b`); none without the tag.
 * @param {string} source the file's text
 * @param {string} file its path, for the error
 * @returns {string[]}
 */
export function readRequiredPackages(source, file) {
  const header = /^\s*\/\*\*([\s\S]*?)\*\//.exec(source)?.[1] ?? "";
  const packages = [...header.matchAll(/@requires-system[ \t]+([^\n]*)/g)].flatMap((match) =>
    match[1]
      .replace(/\*\/?\s*$/, "")
      .trim()
      .split(/\s+/),
  );
  for (const name of packages) {
    if (!(name in SYSTEM_PACKAGES)) {
      throw new Error(`${file}: @requires-system names "${name}", which is not one of ${Object.keys(SYSTEM_PACKAGES).join(", ")} (test/system/requirements.js)`);
    }
  }
  return packages;
}

/**
 * @param {{ suites: Suite[], missing: string[], requireAll: boolean }} facts
 * @returns {SystemPlan}
 */
export function planSystemSuites({ suites, missing, requireAll }) {
  const affected = suites.filter((suite) => suite.packages.some((name) => missing.includes(name)));
  const needed = Object.keys(SYSTEM_PACKAGES).filter((name) => missing.includes(name) && affected.some((suite) => suite.packages.includes(name)));
  return requireAll ? { skipped: [], required: affected, missing: needed } : { skipped: affected, required: [], missing: needed };
}

/**
 * The plan for the suites a run selected (e.g. `jest test/e2e`): the others are no news.
 * @param {SystemPlan} plan
 * @param {(suite: Suite) => boolean} selected
 * @returns {SystemPlan}
 */
export function narrowPlan(plan, selected) {
  const skipped = plan.skipped.filter(selected);
  const required = plan.required.filter(selected);
  const needed = [...skipped, ...required].flatMap((suite) => suite.packages);
  return { skipped, required, missing: plan.missing.filter((name) => needed.includes(name)) };
}

/** @param {string[]} packages */
export function installCommand(packages) {
  return `sudo apt-get install ${packages.join(" ")}`;
}

/**
 * The lines that end a run, or none when every suite could run.
 * @param {SystemPlan} plan
 * @returns {string[]}
 */
export function summarize(plan) {
  const list = (/** @type {Suite[]} */ suites) => suites.map((suite) => `  ${suite.path} (needs ${suite.packages.filter((name) => plan.missing.includes(name)).join(", ")})`);
  if (plan.required.length > 0) {
    return [
      `FAILED: ${REQUIRE_VARIABLE}=1 and ${plan.required.length} test suite(s) need system packages that are not installed (${plan.missing.join(", ")}):`,
      ...list(plan.required),
      `Install them: ${installCommand(plan.missing)}`,
    ];
  }
  if (plan.skipped.length > 0) {
    return [
      `SKIPPED ${plan.skipped.length} test suite(s): system packages not installed (${plan.missing.join(", ")}):`,
      ...list(plan.skipped),
      `To run them: ${installCommand(plan.missing)}`,
    ];
  }
  return [];
}
