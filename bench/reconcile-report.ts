/** The reconciliation section of the printed table and of docs/benchmarks.md, and its targets. */
import { INSTALLATION_RATE_LIMIT_PER_HOUR, type PassCounts, type ReconcileResult } from "./reconcile.js";
import { round } from "./stats.js";
import type { Target } from "./targets.js";

const per = (n: number, repos: number) => `${round(n / repos, 3)}`;
const seconds = (ms: number) => `${round(ms / 1000, 1)} s`;

function passRow(name: string, p: PassCounts, repos: number): string[] {
  return [
    name,
    seconds(p.ms),
    `${p.githubCounted} (${per(p.githubCounted, repos)})`,
    `${p.githubNotModified}`,
    `${p.gitlabApi} (${per(p.gitlabApi, repos)})`,
    `${p.lsRemote} (${per(p.lsRemote, repos)})`,
    `${p.queued}`,
  ];
}

const HEAD = ["pass", "wall time", "GitHub REST counted (per repo)", "GitHub 304s (free)", "GitLab API (per repo)", "ls-remote (per repo)", "syncs queued"];

function largestLine(r: ReconcileResult): string {
  const byRate =
    r.largest.byRateLimit === null
      ? "not bounded by the rate limit (no counted request per unchanged repository)"
      : `${r.largest.byRateLimit.toLocaleString("en")} repositories within ${INSTALLATION_RATE_LIMIT_PER_HOUR.toLocaleString("en")} requests/hour`;
  const afterStart = `${r.largest.afterStart.toLocaleString("en")} in the hour after a start, when the scan and the first pass (no ETag known yet) cost ${round((r.scan.githubCounted + r.first.githubCounted) / r.repos, 2)} counted requests per repository`;
  return `${byRate}; ${afterStart}; ${r.largest.byTime.toLocaleString("en")} repositories compared within the hour at this pass's pace`;
}

export function reconcileRows(r: ReconcileResult): string[][] {
  return [passRow("first after start (no ETag yet)", r.first, r.repos), passRow("steady state", r.steady, r.repos)];
}

export function renderReconcileText(r: ReconcileResult, table: (head: string[], rows: string[][]) => string): string {
  return [
    `Reconciliation: ${r.repos} repositories in one installation, REST latency ${r.apiLatencyMs} ms; load average ${r.load.start} at the start, ${r.load.end} at the end`,
    table(HEAD, reconcileRows(r)),
    `installation scan before the passes: ${seconds(r.scan.ms)}, ${r.scan.githubCounted} counted GitHub requests`,
    `peak RSS of the reconciling process: ${round(r.peakRssMb, 0)} MB`,
    `largest installation one pass an hour serves: ${largestLine(r)}`,
    ...(r.problems.length > 0 ? [`PROBLEMS: ${r.problems.join("; ")}`] : []),
  ].join("\n");
}

export function renderReconcileMarkdown(r: ReconcileResult, table: (head: string[], rows: string[][]) => string): string {
  return `### Reconciliation at org scale

${r.repos.toLocaleString("en")} repositories in one installation, each already mirrored (a one-commit history on both
sides: real bare repositories served by \`git http-backend\`), the fakes answering REST calls after
${r.apiLatencyMs} ms. Two passes over all of them, as the app runs them: the app's own modules
(\`createSyncServices\`: the scheduler at the app's concurrency, \`reconcileRepository\` with the
repository cache, Probot's Octokit and token cache, the GitLab client) in a process of their own,
every repository due at once (\`requestAll\`, then \`settled\`). The first pass follows the start (no
ETag known yet); the second is the steady state, with the GitLab project cache emptied first as an
hour's interval would have (its entries live 5 minutes). Counted from the fakes' request logs: GitHub REST
requests made with the installation token and not answered 304 (what counts against the
installation's rate limit; a 304 to a conditional request does not, nor does \`ls-remote\`, which
is git), GitLab API requests, and \`ls-remote\` processes (one \`info/refs\` request each).

${table(HEAD, reconcileRows(r))}

Load average ${r.load.start} when the passes started, ${r.load.end} when they ended: wall times scale
with whatever else the machine runs; the counts do not.

- Per repository in the steady state: **${round(r.perRepo.githubCounted, 3)}** counted GitHub requests
  (target ≤ 0.1), ${round(r.perRepo.gitlabApi, 3)} GitLab API requests, ${round(r.perRepo.lsRemote, 2)}
  \`ls-remote\` processes, ${round(r.perRepo.ms, 0)} ms of the pass's wall time.
- The installation scan before the passes (what the app does at start: one listing per 100
  repositories, one \`.mirror.yml\` read each) took ${seconds(r.scan.ms)} and ${r.scan.githubCounted.toLocaleString("en")} counted requests.
- Peak RSS of the reconciling process (VmHWM): **${round(r.peakRssMb, 0)} MB** (target < 300 MB).
- Largest installation one pass an hour (\`MIRROR_SYNC_INTERVAL=1h\`) can serve, assuming GitHub's
  minimum rate limit for an installation, **${INSTALLATION_RATE_LIMIT_PER_HOUR.toLocaleString("en")} requests per hour**
  (larger organisations get more): ${largestLine(r)}.
`;
}

export function reconcileTargets(r: ReconcileResult): Target[] {
  const perRepo = r.perRepo.githubCounted;
  return [
    {
      name: "reconcile: counted GitHub requests per unchanged repository per pass",
      bound: "≤ 0.1",
      value: perRepo,
      shown: `${round(perRepo, 3)}`,
      met: Number.isFinite(perRepo) && perRepo <= 0.1,
    },
    { name: "reconcile: peak RSS", bound: "< 300 MB", value: r.peakRssMb, shown: `${round(r.peakRssMb, 0)} MB`, met: r.peakRssMb < 300 },
    { name: "reconcile: nothing found to sync, nothing wrong", bound: "0", value: r.problems.length, shown: String(r.problems.length), met: r.problems.length === 0 },
  ];
}
