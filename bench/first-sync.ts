/**
 * The first mirror of a whole history, against what git alone takes to copy it: for each size, a
 * few rounds, each on a repository just pushed with the shared realistic history (seeded in an
 * instant: the history is written once and hard-linked) and a new GitLab project, of
 *  (a) mirror-bot: the signed `push` webhook (main created) sent → the GitLab ref at the tip, and
 *  (c) `git clone --mirror` + `git push --mirror` of the same repository into a fresh project,
 * side by side in one process, the order alternating from round to round, so load that comes and
 * goes on the machine falls on both alike. The ratio that matters is (a)/(c).
 */
import type { BenchContext } from "./context.js";
import { sizeLabel } from "./latency.js";
import type { WatchStats } from "./ref-watch.js";
import { createHistoryRepo, type LinkedRepo } from "./repos.js";
import { median, ratio, round } from "./stats.js";
import { timeActions, timeMirror, type ActionsRun, type MirrorRun } from "./variants.js";

export interface FirstSyncOptions {
  sizes: number[];
  /** Rounds of (a) and (c) for a size. */
  rounds(commits: number): number;
  timeoutMs: number;
}

export interface FirstSyncSize {
  commits: number;
  runs: { a: MirrorRun[]; c: ActionsRun[] };
  median: { a: number; c: number };
  /** (a) over (c) of each round, and of the medians. */
  roundRatios: number[];
  aOverC: number;
}

export interface FirstSyncResult {
  sizes: FirstSyncSize[];
  pairs: LinkedRepo[];
  deliveryIds: string[];
  /** A GitLab project whose refs are not GitHub's after its first sync. */
  problems: string[];
}

export async function runFirstSync(ctx: BenchContext, options: FirstSyncOptions, observedVia: WatchStats): Promise<FirstSyncResult> {
  const sizes: FirstSyncSize[] = [];
  const pairs: LinkedRepo[] = [];
  const problems: string[] = [];
  for (const commits of options.sizes) {
    const label = sizeLabel(commits);
    const runs: FirstSyncSize["runs"] = { a: [], c: [] };
    const roundRatios: number[] = [];
    for (let r = 0; r < options.rounds(commits); r++) {
      const name = `first-${label}-${r + 1}`;
      const { pair, push } = await createHistoryRepo(ctx.sandbox, { name, project: `bench/${name}`, commits });
      pairs.push(pair);
      const a = () => timeMirror(ctx, pair, push, options.timeoutMs, observedVia);
      const c = () => timeActions(ctx, pair, name, push.after, options.timeoutMs, observedVia);
      let mirror: MirrorRun;
      let actions: ActionsRun;
      if (r % 2 === 0) {
        mirror = await a();
        actions = await c();
      } else {
        actions = await c();
        mirror = await a();
      }
      runs.a.push(mirror);
      runs.c.push(actions);
      const [github, gitlab] = await Promise.all([ctx.sandbox.github.refs(pair.repo), ctx.sandbox.gitlab.refs(pair.project)]);
      if (JSON.stringify([...github].sort()) !== JSON.stringify([...gitlab].sort())) problems.push(`${pair.project} does not match ${pair.repo} after its first sync`);
      roundRatios.push(ratio(mirror.ms, actions.ms));
      ctx.log(
        `first sync ${label} round ${r + 1}: mirror-bot ${round(mirror.ms / 1000, 2)} s, clone + push --mirror ${round(actions.ms / 1000, 2)} s (${round(actions.cloneMs / 1000, 2)} + ${round(actions.pushMs / 1000, 2)}); a/c ${round(roundRatios.at(-1)!, 2)}`,
      );
    }
    const med = { a: median(runs.a.map((r) => r.ms)), c: median(runs.c.map((r) => r.ms)) };
    sizes.push({ commits, runs, median: med, roundRatios, aOverC: ratio(med.a, med.c) });
  }
  return { sizes, pairs, deliveryIds: sizes.flatMap((s) => s.runs.a.map((r) => r.deliveryId)), problems };
}
