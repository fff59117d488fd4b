/**
 * `npm run bench` (full) and `npm run bench:smoke` / `npm run bench -- --smoke` (short).
 *
 *   node lib/bench/run.js [--smoke] [--out <dir>] [--only reconcile] [--reconcile-repos <n>]
 *
 * A full run writes bench/results.json and docs/benchmarks.md; a smoke run writes results.json
 * (and benchmarks.md) under bench/work/smoke/, or under --out, and never touches the docs.
 * Prints the table on stdout, progress on stderr. Exits 1 if anything was mirrored wrong or a
 * check run failed; missed performance targets are reported, not failed on. `--only reconcile` runs
 * the reconciliation section alone (2,000 repositories; 5 with --smoke) and writes reconcile.json
 * under bench/work/reconcile/ (or --out); `--reconcile-repos` sizes the installation.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { runBench } from "./bench.js";
import { fullOptions, smokeOptions, type BenchOptions } from "./options.js";
import { renderMarkdown, renderText, textTable } from "./report.js";
import { runReconcileBench } from "./reconcile.js";
import { reconcileTargets, renderReconcileText } from "./reconcile-report.js";
import { evaluateTargets } from "./targets.js";

/** The checkout: lib/bench/run.js → two levels up. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const { values } = parseArgs({ options: { smoke: { type: "boolean", default: false }, out: { type: "string" }, only: { type: "string" }, "reconcile-repos": { type: "string" } } });
if (values.only !== undefined && values.only !== "reconcile") {
  process.stderr.write(`--only takes "reconcile" (the reconciliation section alone), not "${values.only}"\n`);
  process.exit(2);
}
const base = values.smoke ? smokeOptions() : fullOptions();
const outDir = values.out ? path.resolve(values.out) : values.smoke ? path.join(root, "bench", "work", "smoke") : undefined;
const options: BenchOptions = {
  ...base,
  out: outDir
    ? { results: path.join(outDir, "results.json"), doc: path.join(outDir, "benchmarks.md") }
    : { results: path.join(root, "bench", "results.json"), doc: path.join(root, "docs", "benchmarks.md") },
};

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
// The run's REST latency, where the options have one (--api-latency-ms); else the fakes answer at once.
const reconcileRepos = values["reconcile-repos"] === undefined ? options.reconcile.repos : Number(values["reconcile-repos"]);
if (!Number.isInteger(reconcileRepos) || reconcileRepos < 1) {
  process.stderr.write(`--reconcile-repos takes a whole number of repositories (1 or more), not "${values["reconcile-repos"]}"\n`);
  process.exit(2);
}
const reconcileOptions = { ...options.reconcile, repos: reconcileRepos, apiLatencyMs: (options as { apiLatencyMs?: number }).apiLatencyMs ?? 0 };

if (values.only === "reconcile") {
  // The section alone: printed, and written beside the smoke results (or under --out), never into the docs.
  const reconcile = await runReconcileBench(reconcileOptions, log);
  const file = path.join(values.out ? path.resolve(values.out) : path.join(root, "bench", "work", "reconcile"), "reconcile.json");
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ reconcile, targets: reconcileTargets(reconcile) }, null, 2) + "\n");
  process.stdout.write(renderReconcileText(reconcile, textTable) + "\n");
  log(`wrote ${path.relative(process.cwd(), file)}`);
  process.exit(reconcile.problems.length === 0 ? 0 : 1);
}

const results = await runBench(options, log);
results.reconcile = await runReconcileBench(reconcileOptions, log);
results.problems.push(...results.reconcile.problems.map((p) => `reconcile: ${p}`));
const targets = evaluateTargets(results);

await mkdir(path.dirname(options.out.results), { recursive: true });
await writeFile(options.out.results, JSON.stringify({ ...results, targets }, null, 2) + "\n");
if (options.out.doc) {
  await mkdir(path.dirname(options.out.doc), { recursive: true });
  await writeFile(options.out.doc, renderMarkdown(results, targets));
}
process.stdout.write(renderText(results, targets) + "\n");
log(`wrote ${path.relative(process.cwd(), options.out.results)}${options.out.doc ? ` and ${path.relative(process.cwd(), options.out.doc)}` : ""}`);
process.exit(results.problems.length === 0 ? 0 : 1);
