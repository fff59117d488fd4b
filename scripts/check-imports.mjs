#!/usr/bin/env node
/**
 * Part of `npm run lint`: the import rules of docs/architecture.md, which ESLint's recommended
 * rules cannot see because they span files.
 * - No import cycles in src/, type-only ones included: a module and what it needs form a tree, so
 *   each can be read (and tested) without the ones that use it.
 * - The queue knows nothing of the jobs it carries: nothing in src/queue/ imports src/worker/.
 * Prints each problem and exits 1, or prints nothing.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const src = path.join(root, "src");
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"(\.{1,2}\/[^"]+)"/g;

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

const graph = new Map(
  sourceFiles(src).map((file) => {
    const text = readFileSync(file, "utf8");
    const targets = [...text.matchAll(IMPORT)].map((m) => path.resolve(path.dirname(file), m[1].replace(/\.js$/, ".ts")));
    return [file, targets];
  }),
);
const rel = (file) => path.relative(root, file);
const problems = [];

for (const [file, targets] of graph) {
  if (!file.startsWith(path.join(src, "queue") + path.sep)) continue;
  for (const target of targets) {
    if (target.startsWith(path.join(src, "worker") + path.sep)) problems.push(`${rel(file)} imports ${rel(target)}: the queue must not know the worker's jobs`);
  }
}

// Depth-first search; a back edge to a module on the current path closes a cycle.
const state = new Map(); // file → "open" | "done"
const trail = [];
function visit(file) {
  state.set(file, "open");
  trail.push(file);
  for (const target of graph.get(file) ?? []) {
    if (!graph.has(target)) continue;
    if (state.get(target) === "open") problems.push(`import cycle: ${[...trail.slice(trail.indexOf(target)), target].map(rel).join(" → ")}`);
    else if (!state.has(target)) visit(target);
  }
  trail.pop();
  state.set(file, "done");
}
for (const file of graph.keys()) if (!state.has(file)) visit(file);

for (const problem of problems) console.error(problem);
process.exit(problems.length > 0 ? 1 : 0);
