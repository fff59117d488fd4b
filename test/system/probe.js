// @ts-check
/**
 * The I/O half of test/system/requirements.js: which system packages this machine has, and which
 * test files ask for which. Used by jest.config.js (once per run) and by the helpers that start
 * the packages' programs, so a suite is skipped exactly when its helper could not start them.
 */
import { accessSync, constants, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { REQUIRE_VARIABLE, SYSTEM_PACKAGES, planSystemSuites, readRequiredPackages } from "./requirements.js";

/**
 * The absolute path of an executable on env.PATH, if there is one.
 * @param {string} name
 * @param {NodeJS.ProcessEnv} env
 * @returns {string | undefined}
 */
export function findExecutable(name, env = process.env) {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir && isExecutableFile(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/**
 * Where a system package's program is: its variable (e.g. CHROMIUM_PATH) when set, else PATH.
 * Undefined when it is not installed (or the variable points at nothing runnable).
 * @param {string} name a key of SYSTEM_PACKAGES
 * @param {NodeJS.ProcessEnv} env
 * @returns {string | undefined}
 */
export function systemProgram(name, env = process.env) {
  const { executable, pathVariable } = SYSTEM_PACKAGES[name];
  const override = pathVariable ? env[pathVariable] : undefined;
  if (override) return isExecutableFile(override) ? override : undefined;
  return findExecutable(executable, env);
}

/** @param {NodeJS.ProcessEnv} env */
export function missingPackages(env = process.env) {
  return Object.keys(SYSTEM_PACKAGES).filter((name) => systemProgram(name, env) === undefined);
}

/**
 * Every *.test.ts under dir with the packages its header asks for, paths relative to rootDir.
 * @param {string} rootDir
 * @param {string} dir
 */
export function findSuites(rootDir, dir = path.join(rootDir, "test")) {
  /** @type {import("./requirements.js").Suite[]} */
  const suites = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".test.ts")) continue;
    const file = path.join(entry.parentPath, entry.name);
    const relative = path.relative(rootDir, file);
    suites.push({ path: relative, packages: readRequiredPackages(readFileSync(file, "utf8"), relative) });
  }
  return suites.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * This machine's plan for the suites under rootDir/test.
 * @param {string} rootDir
 * @param {NodeJS.ProcessEnv} env
 */
export function systemPlan(rootDir, env = process.env) {
  return planSystemSuites({ suites: findSuites(rootDir), missing: missingPackages(env), requireAll: env[REQUIRE_VARIABLE] === "1" });
}

/** @param {string} file */
function isExecutableFile(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
