/**
 * Headless Chromium for browser tests, through playwright-core (which bundles no browser). Found
 * via CHROMIUM_PATH or `chromium` on PATH (test/system/probe.js); a suite that uses it declares
 * `@requires-system chromium`, so it is skipped where Chromium is missing (and fails in CI).
 * A launch that throws leaves no browser behind: playwright kills what it spawned.
 */
import { chromium, type Browser } from "playwright-core";
import { systemProgram } from "../system/probe.js";

export async function launchChromium(): Promise<Browser> {
  const executablePath = systemProgram("chromium");
  if (!executablePath) {
    throw new Error("Chromium is not installed (CHROMIUM_PATH, or chromium on PATH): sudo apt-get install chromium");
  }
  return chromium.launch({
    executablePath,
    timeout: 30_000,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}
