/**
 * `npm run bench` (full) and `npm run bench:smoke` / `npm run bench -- --smoke` (short).
 *
 *   node lib/bench/run.js [--smoke] [--out <dir>] [--api-latency-ms <ms>]
 *
 * --api-latency-ms: how long both fakes hold back every REST answer (default 150, as from a data
 * centre; 0 for loopback speed). A full run keeps its seeded histories in bench/work/histories for the next.
 *
 * A full run writes bench/results.json and docs/benchmarks.md; a smoke run writes results.json
 * (and benchmarks.md) under bench/work/smoke/, or under --out, and never touches the docs.
 * Prints the table on stdout, progress on stderr. Exits 1 if anything was mirrored wrong or a
 * check run failed; missed performance targets are reported, not failed on.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { runBench } from "./bench.js";
import { fullOptions, smokeOptions, type BenchOptions } from "./options.js";
import { renderMarkdown, renderText } from "./report.js";
import { evaluateTargets } from "./targets.js";

/** The checkout: lib/bench/run.js → two levels up. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

const { values } = parseArgs({ options: { smoke: { type: "boolean", default: false }, out: { type: "string" }, "api-latency-ms": { type: "string" } } });
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

const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const results = await runBench(options, log);
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
