/** The targets, judged against a run's numbers. A missing number is a miss, never a pass. */
import type { BenchResults } from "./bench.js";
import { sizeLabel } from "./latency.js";
import { round } from "./stats.js";
import { reconcileTargets } from "./reconcile-report.js";

export interface Target {
  name: string;
  /** The bound, as written in the report: "≤ 1.3". */
  bound: string;
  value: number;
  /** The value as shown: "1.42", "87 ms". */
  shown: string;
  met: boolean;
}

/** Enough digits that the shown value never reads as the opposite verdict (1.3004 shows as 1.3004, not 1.3). */
function show(value: number, digits: number, unit: string, met: (v: number) => boolean): string {
  let d = digits;
  while (d < 6 && Number.isFinite(value) && met(round(value, d)) !== met(value)) d++;
  return `${round(value, d)}${unit}`;
}

const atMost = (name: string, value: number, max: number, unit = "", digits = 2): Target => ({
  name,
  bound: `≤ ${max}${unit}`,
  value,
  shown: show(value, digits, unit, (v) => v <= max),
  met: Number.isFinite(value) && value <= max,
});
const below = (name: string, value: number, max: number, unit: string, digits = 1): Target => ({
  name,
  bound: `< ${max}${unit}`,
  value,
  shown: show(value, digits, unit, (v) => v < max),
  met: Number.isFinite(value) && value < max,
});
const atLeast = (name: string, value: number, min: number): Target => ({
  name,
  bound: `≥ ${min}`,
  value,
  shown: show(value, 1, "", (v) => v >= min),
  met: Number.isFinite(value) && value >= min,
});

export function evaluateTargets(results: BenchResults): Target[] {
  const sizes = results.latency.sizes;
  const targets: Target[] = sizes.map((s) => atMost(`(a)/(b) at ${sizeLabel(s.commits)} commits`, s.ratios.aOverB, 1.3));
  const h = results.historyIndependence;
  targets.push(atMost(`(a) at ${sizeLabel(h.largest)} / (a) at ${sizeLabel(h.smallest)}`, h.ratio, 1.2));
  // c/a is judged at 100k commits; a run without that size (smoke) judges its largest instead.
  const cSize = sizes.find((s) => s.commits === 100_000) ?? sizes[sizes.length - 1]!;
  targets.push(atLeast(`(c)/(a) at ${sizeLabel(cSize.commits)} commits`, cSize.ratios.cOverA, 10));
  for (const first of results.firstSync) {
    targets.push(atMost(`first sync / clone + push --mirror at ${sizeLabel(first.commits)} commits`, first.aOverC, 1.2));
  }
  const burst = results.burst;
  if (burst) {
    const wrong = (burst.refsRight ? 0 : 1) + burst.endToEnd.missing + burst.webhook.non200;
    targets.push({
      name: "burst: every GitLab ref right, every delivery answered 200",
      bound: "0 wrong",
      value: wrong,
      shown: `${wrong} wrong`,
      met: wrong === 0 && burst.problems.length === 0,
    });
    const failed = burst.checkRuns.failed + (burst.checkRuns.timedOut ? 1 : 0);
    targets.push({ name: "burst: failed or unfinished check runs", bound: "0", value: failed, shown: String(failed), met: failed === 0 });
    targets.push(below("burst: webhook response p99", burst.webhook.p99, 100, " ms"));
    targets.push(below("burst: app peak RSS (VmHWM)", burst.memory.hwmMb, 300, " MB", 0));
  }
  if (results.reconcile) targets.push(...reconcileTargets(results.reconcile));
  return targets;
}
