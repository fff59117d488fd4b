/**
 * `npm run bench` (full) and `npm run bench:smoke` / `npm run bench -- --smoke` (short).
 *
 *   node lib/bench/run.js [--smoke] [--out <dir>] [--api-latency-ms <ms>] [--only lfs|reconcile] [--reconcile-repos <n>]
 *
 * --api-latency-ms: how long both fakes hold back every REST answer (default 150, as from a data
 * centre; 0 for loopback speed). A full run keeps its seeded histories in bench/work/histories for the next.
 * `--only lfs` runs the Git LFS section alone (a 2 GB object, bench/lfs.ts) and prints its table;
 * a full run ends with it too (its results under `lfs` in results.json); a smoke run leaves it out.
 * `--only reconcile` runs the reconciliation section alone (2,000 repositories, 5 with --smoke,
 * or --reconcile-repos; bench/reconcile.ts) and writes reconcile.json under bench/work/reconcile/
 * (or --out); every run, smoke included, ends with it (under `reconcile` in results.json).
 *
 * A full run writes bench/results.json and docs/benchmarks.md; a smoke run writes results.json
 * (and benchmarks.md) under bench/work/smoke/, or under --out, and never touches the docs.
 * Prints the table on stdout, progress on stderr. Exits 1 if anything was mirrored wrong or a
 * check run failed; missed performance targets are reported, not failed on.
 */
import { appendFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { runBench } from "./bench.js";
import { fullOptions, smokeOptions, type BenchOptions } from "./options.js";
import { renderMarkdown, renderText, textTable } from "./report.js";
import { runReconcileBench } from "./reconcile.js";
import { reconcileTargets, renderReconcileText } from "./reconcile-report.js";
import { evaluateTargets } from "./targets.js";
import { renderLfsTable, runLfsCase, type LfsCaseResult } from "./lfs.js";

/** The checkout: lib/bench/run.js → two levels up. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const { values } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    out: { type: "string" },
    "api-latency-ms": { type: "string" },
    only: { type: "string" },
    "reconcile-repos": { type: "string" },
  },
});
const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

/** A 2 GB object: with the default cache bound (through the cache), and streamed through (bound below it). */
async function lfsSection(): Promise<LfsCaseResult[]> {
  const results: LfsCaseResult[] = [];
  for (const [label, cacheMb] of [
    ["2 GB, default bound", 2048],
    ["2 GB, streamed through", 64],
  ] as const) {
    const dir = await mkdtemp(path.join(os.tmpdir(), "bench-lfs-"));
    try {
      log(`lfs: ${label}`);
      results.push(await runLfsCase({ dir, sizeBytes: 2 * 1024 ** 3, cacheMb, label }));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return results;
}

if (values.only !== undefined && values.only !== "reconcile") {
  if (values.only !== "lfs") throw new Error(`--only takes "lfs" or "reconcile" (got ${values.only})`);
  const lfs = await lfsSection();
  process.stdout.write(renderLfsTable(lfs) + "\n");
  process.exit(lfs.every((r) => r.arrived && r.copied === 1) ? 0 : 1);
}
const base = values.smoke ? smokeOptions() : fullOptions();
const latencyArg = values["api-latency-ms"];
if (latencyArg !== undefined && !/^\d+$/.test(latencyArg)) {
  process.stderr.write(`--api-latency-ms takes a whole number of milliseconds (0 or more), not "${latencyArg}"\n`);
  process.exit(2);
}
const outDir = values.out ? path.resolve(values.out) : values.smoke ? path.join(root, "bench", "work", "smoke") : undefined;
const options: BenchOptions = {
  ...base,
  apiLatencyMs: latencyArg === undefined ? base.apiLatencyMs : Number(latencyArg),
  // A full run keeps its histories for the next one; a smoke run (CI, tests) leaves nothing behind.
  historyDir: values.smoke ? null : path.join(root, "bench", "work", "histories"),
  out: outDir
    ? { results: path.join(outDir, "results.json"), doc: path.join(outDir, "benchmarks.md") }
    : { results: path.join(root, "bench", "results.json"), doc: path.join(root, "docs", "benchmarks.md") },
};

// The reconciliation section: the run's REST latency, an installation of --reconcile-repos (default by mode).
const reconcileRepos = values["reconcile-repos"] === undefined ? options.reconcile.repos : Number(values["reconcile-repos"]);
if (!Number.isInteger(reconcileRepos) || reconcileRepos < 1) {
  process.stderr.write(`--reconcile-repos takes a whole number of repositories (1 or more), not "${values["reconcile-repos"]}"\n`);
  process.exit(2);
}
const reconcileOptions = { ...options.reconcile, repos: reconcileRepos, apiLatencyMs: options.apiLatencyMs };

if (values.only === "reconcile") {
  // The section alone: printed, and written under bench/work/reconcile (or --out), never into the docs.
  const reconcile = await runReconcileBench(reconcileOptions, log);
  const file = path.join(values.out ? path.resolve(values.out) : path.join(root, "bench", "work", "reconcile"), "reconcile.json");
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ reconcile, targets: reconcileTargets(reconcile) }, null, 2) + "\n");
  process.stdout.write(renderReconcileText(reconcile, textTable) + "\n");
  log(`wrote ${path.relative(process.cwd(), file)}`);
  process.exit(reconcile.problems.length === 0 ? 0 : 1);
}

const runStarted = performance.now();
const results = await runBench(options, log);
results.reconcile = await runReconcileBench(reconcileOptions, log);
results.problems.push(...results.reconcile.problems.map((p) => `reconcile: ${p}`));
const targets = evaluateTargets(results);
const lfs = options.mode === "full" ? await lfsSection() : undefined;
// The whole run, reconciliation and LFS included: what the page tells a reader to expect.
results.durationS = (performance.now() - runStarted) / 1000;

await mkdir(path.dirname(options.out.results), { recursive: true });
await writeFile(options.out.results, JSON.stringify({ ...results, targets, ...(lfs && { lfs }) }, null, 2) + "\n");
if (options.out.doc) {
  await mkdir(path.dirname(options.out.doc), { recursive: true });
  await writeFile(options.out.doc, renderMarkdown(results, targets));
  if (lfs) await appendFile(options.out.doc, `\n## Git LFS: one 2 GB object\n\n${renderLfsTable(lfs)}\n`);
}
process.stdout.write(renderText(results, targets) + "\n");
if (lfs) process.stdout.write(renderLfsTable(lfs) + "\n");
log(`wrote ${path.relative(process.cwd(), options.out.results)}${options.out.doc ? ` and ${path.relative(process.cwd(), options.out.doc)}` : ""}`);
process.exit(results.problems.length === 0 ? 0 : 1);
