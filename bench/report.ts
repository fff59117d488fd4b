/**
 * Turns a run's results into the table printed at the end of a run and into docs/benchmarks.md.
 * The document is generated whole from results.json, so its numbers are always one run's numbers.
 */
import type { BenchResults } from "./bench.js";
import { BURST_POLL_MS } from "./burst.js";
import { sizeLabel, type SizeResult } from "./latency.js";
import { round } from "./stats.js";
import type { Target } from "./targets.js";
import { renderReconcileMarkdown, renderReconcileText } from "./reconcile-report.js";

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  if (ms >= 10_000) return `${round(ms / 1000, 1)} s`;
  if (ms >= 1_000) return `${round(ms / 1000, 2)} s`;
  return `${round(ms, ms < 10 ? 2 : 1)} ms`;
}

const x = (value: number, digits = 2) => (Number.isFinite(value) ? `${round(value, digits)}` : "n/a");

function machineLine(r: BenchResults): string {
  const m = r.machine;
  return `${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB RAM, ${m.os}, git ${m.git}, Node ${m.node}; load average ${x(r.load.start)} at the start, ${x(r.load.end)} at the end`;
}

function latencyRows(sizes: SizeResult[]): string[][] {
  return sizes.map((s) => [
    sizeLabel(s.commits),
    `${formatMs(s.median.a)} (${s.runs.a.length})`,
    `${formatMs(s.median.b)} (${s.runs.b.length})`,
    `${formatMs(s.median.c)} (${s.runs.c.length})`,
    x(s.ratios.aOverB),
    x(s.ratios.cOverA, 1),
  ]);
}

const FIRST_SYNC_HEAD = ["history", "(a) mirror-bot's first sync", "(c) clone + push --mirror", "a/c", "a/c by round"];

function firstSyncRows(r: BenchResults): string[][] {
  return r.firstSync.map((s) => [
    sizeLabel(s.commits),
    `${formatMs(s.median.a)} (${s.runs.a.length})`,
    `${formatMs(s.median.c)} (${s.runs.c.length})`,
    x(s.aOverC),
    s.roundRatios.map((ratio) => x(ratio)).join(", "),
  ]);
}

const LATENCY_HEAD = ["history", "(a) mirror-bot", "(b) fetch + push", "(c) clone + push --mirror", "a/b", "c/a"];

export function textTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line)].join("\n");
}

export function markdownTable(head: string[], rows: string[][]): string {
  return [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

function targetRows(targets: Target[]): string[][] {
  return targets.map((t) => [t.name, t.bound, t.shown, t.met ? "met" : "**missed**"]);
}

function burstRows(r: BenchResults): string[][] {
  const b = r.burst;
  if (!b) return [];
  return [
    [
      "deliveries",
      `${b.deliveries} over ${b.repos} repositories, ${b.inFlight} in flight; all answered in ${formatMs(b.sendMs)} (${Math.round(b.deliveries / (b.sendMs / 1000))}/s)`,
    ],
    ["webhook answer (p50 / p99 / max)", `${formatMs(b.webhook.p50)} / ${formatMs(b.webhook.p99)} / ${formatMs(b.webhook.max)}`],
    ...(b.webhookByConnection
      ? [
          [`webhook answer on the ${b.webhookByConnection.opened.count} deliveries that opened a connection (p50 / p99 / max)`, percentileCells(b.webhookByConnection.opened)],
          [`webhook answer on the ${b.webhookByConnection.reused.count} that reused one (p50 / p99 / max)`, percentileCells(b.webhookByConnection.reused)],
        ]
      : []),
    ["webhook answer p50 by tenth of the burst", b.webhookByTenth.map((t) => `${round(t.p50, 0)}`).join(" · ") + " ms"],
    [
      "slowest answers (ms; sent at +ms)",
      b.slowest
        .slice(0, 5)
        .map((d) => `${round(d.webhookMs, 0)} (+${round(d.sentAfterMs, 0)})`)
        .join(", "),
    ],
    ["app event-loop delay while sending (p99 / max)", loopDelay(b.eventLoop.sending)],
    ["sender thread's event-loop delay while sending (p99 / max)", loopDelay(b.senderEventLoop)],
    [
      "delivery → commit on GitLab (p50 / p99 / max)",
      `${formatMs(b.endToEnd.p50)} / ${formatMs(b.endToEnd.p99)} / ${formatMs(b.endToEnd.max)} (${b.endToEnd.reachedBeforeSent} already there when sent)`,
    ],
    ["every GitLab ref right after", formatMs(b.allMirroredMs)],
    ["app event-loop delay until all mirrored (p99 / max)", loopDelay(b.eventLoop.mirroring)],
    ["sync jobs / git pushes to GitLab", `${b.jobs} / ${b.gitPushes}`],
    ["check runs completed / failed", `${b.checkRuns.completed} / ${b.checkRuns.failed}${b.checkRuns.timedOut ? " (timed out)" : ""}`],
    ["all check runs completed after", `${formatMs(b.checkRuns.completedAfterMs)} (${formatMs(b.checkRuns.afterLastAnswerMs)} after the last delivery was answered)`],
    ["app peak RSS (VmHWM; sampled VmRSS peak)", `${round(b.memory.hwmMb, 0)} MB; ${round(b.memory.peakSampledRssMb, 0)} MB`],
    ["refs right / problems", `${b.refsRight ? "yes" : "NO"} / ${b.problems.length === 0 ? "none" : b.problems.join("; ")}`],
  ];
}

function percentileCells(p: { p50: number; p99: number; max: number }): string {
  return `${formatMs(p.p50)} / ${formatMs(p.p99)} / ${formatMs(p.max)}`;
}

function loopDelay(delay: { p99Ms: number; maxMs: number } | null): string {
  return delay ? `${formatMs(delay.p99Ms)} / ${formatMs(delay.maxMs)}` : "n/a";
}

export function renderText(r: BenchResults, targets: Target[]): string {
  const h = r.historyIndependence;
  const i = r.initialSync;
  const lines = [
    `mirror-bot benchmark (${r.mode}) ${r.startedAt}, ${formatMs(r.durationS * 1000)}`,
    `machine: ${machineLine(r)}`,
    "",
    "Incremental latency, one new commit: median (runs)",
    textTable(LATENCY_HEAD, latencyRows(r.latency.sizes)),
    "",
    `history independence: (a) at ${sizeLabel(h.largest)} / (a) at ${sizeLabel(h.smallest)} = ${x(h.ratio)}`,
    `initial sync of ${sizeLabel(i.commits)} commits: mirror-bot ${formatMs(i.mirrorBotMs)}; clone --mirror + push --mirror ${formatMs(i.actionsMs)} (median of ${i.actionsRuns}); ratio ${x(i.actionsOverMirrorBot)}`,
    `latency phase: ${r.latency.jobs} jobs, ${r.latency.checkRuns.completed} check runs completed, ${r.latency.checkRuns.failed} failed`,
    `REST answers held back ${r.settings.apiLatencyMs} ms by both fakes (--api-latency-ms); git smart HTTP not slowed`,
    "",
    "First sync of a whole history: median (rounds)",
    textTable(FIRST_SYNC_HEAD, firstSyncRows(r)),
    "",
    "Burst",
    textTable(["", ""], burstRows(r)).split("\n").slice(1).join("\n"),
    ...(r.reconcile ? ["", renderReconcileText(r.reconcile, textTable)] : []),
    "",
    "Targets",
    textTable(
      ["target", "bound", "value", "verdict"],
      targetRows(targets).map((row) => row.map((c) => c.replace(/\*\*/g, ""))),
    ),
    "",
    r.problems.length === 0 ? "correctness: everything mirrored right, no failed check run" : `PROBLEMS:\n  ${r.problems.join("\n  ")}`,
  ];
  return lines.join("\n");
}

const MIRROR_MILESTONES: Array<[string, string]> = [
  ["webhookAnswered", "webhook answered"],
  ["configRequested", "`.mirror.yml` requested (contents API)"],
  ["configAnswered", "`.mirror.yml` answered"],
  ["gitlabApiRequested", "GitLab project requested (API)"],
  ["firstGitRequest", "first git request (fetch, or ls-remote when it lists)"],
  ["fetchAnswered", "fetch from GitHub answered"],
  ["listRequested", "ls-remote of GitLab requested"],
  ["listAnswered", "ls-remote of GitLab answered"],
  ["fetchAndListAnswered", "both answered"],
  ["pushStarted", "push started (receive-pack)"],
  ["refMoved", "GitLab ref moved"],
  ["serverMs", "fakes' own time answering (sum)"],
];

const FLOOR_MILESTONES: Array<[string, string]> = [
  ["firstGitRequest", "first git request (fetch)"],
  ["fetchAnswered", "fetch answered"],
  ["fetchExited", "`git fetch` exited"],
  ["pushStarted", "push started (receive-pack)"],
  ["refMoved", "GitLab ref moved"],
  ["serverMs", "fakes' own time answering (sum)"],
];

function timelineTable(sizes: SizeResult[], which: "a" | "b", milestones: Array<[string, string]>): string {
  const rows = milestones.map(([key, label]) => [
    label,
    ...sizes.map((s) => {
      const value = (s.timelines[which] as Record<string, number | null>)[key];
      return value === null || value === undefined ? "n/a" : `${round(value, 1)}`;
    }),
  ]);
  return markdownTable(["ms after start (median)", ...sizes.map((s) => sizeLabel(s.commits))], rows);
}

/**
 * (a) minus (b), stage by stage, from the median timelines: before the first git request, the
 * fetch (with mirror-bot's concurrent ls-remote, when it lists), local work between fetch and push, the push.
 */
function stageRows(sizes: SizeResult[]): string[][] {
  const stage = (s: SizeResult) => {
    const a = s.timelines.a;
    const b = s.timelines.b;
    const d = (p: number | null | undefined, q: number | null | undefined) => (p === null || p === undefined || q === null || q === undefined ? NaN : p - q);
    return [
      [d(a.firstGitRequest, 0), d(b.firstGitRequest, 0)],
      [d(a.fetchAndListAnswered, a.firstGitRequest), d(b.fetchAnswered, b.firstGitRequest)],
      [d(a.pushStarted, a.fetchAndListAnswered), d(b.pushStarted, b.fetchAnswered)],
      [d(a.refMoved, a.pushStarted), d(b.refMoved, b.pushStarted)],
    ];
  };
  const labels = [
    "start → first git request (webhook, queue, whatever the app does before git, git start-up)",
    "first git request → fetch (and mirror-bot's ls-remote of GitLab, when it lists) answered",
    "fetch answered → push's first request (local git work, process start-up)",
    "push → GitLab ref moved",
  ];
  return labels.map((label, i) => [
    label,
    ...sizes.map((s) => {
      const [a, b] = stage(s)[i]!;
      return `${x(a!, 1)} / ${x(b!, 1)} (${a! - b! >= 0 ? "+" : ""}${x(a! - b!, 1)})`;
    }),
  ]);
}

export function renderMarkdown(r: BenchResults, targets: Target[]): string {
  const h = r.historyIndependence;
  const i = r.initialSync;
  const b = r.burst;
  const met = targets.filter((t) => t.met).length;
  const sizes = r.latency.sizes;
  const cRuns = Object.entries(r.settings.actionsIterations)
    .map(([n, k]) => `${k} at ${sizeLabel(Number(n))}`)
    .join(", ");
  return `# Benchmarks

mirror-bot's claim is that a mirror costs what the change costs, not what the repository costs:
a push of one commit to a repository with 100,000 commits should be mirrored about as fast as
\`git fetch\` + \`git push\` of that commit could be, and far faster than a CI job that clones and
pushes everything. \`npm run bench\` measures this locally, without any account, and writes this page.

<!-- Generated by \`npm run bench\` (bench/report.ts) from bench/results.json: edit the generator, not this file. -->

\`\`\`sh
npm run bench            # full run (about ${Math.ceil(r.durationS / 60)} minutes here); writes bench/results.json and this page
npm run bench:smoke      # a short run (small repository, small burst), as CI does in test/bench
\`\`\`

## What is measured, and how

Everything runs on one machine: the sandbox (\`sandbox/\`) serves a fake GitHub and a fake GitLab
on loopback, both with real git smart HTTP through \`git http-backend\` over bare repositories on
disk, and the **real app process** (\`node lib/src/main.js\`, Probot, default settings) is started
against them and driven by signed webhooks. Nothing is mocked between the webhook and GitLab's
refs. Absolute numbers are therefore loopback numbers; the ratios are the point.

**API latency.** Both fakes hold back every REST answer by ${r.settings.apiLatencyMs} ms (\`--api-latency-ms\`, default 150;
installation tokens, errors and 404s included), as github.com and gitlab.com answer in 100–300 ms
from a data centre. On loopback an API round trip costs nothing, which would hide every call on
the app's path from webhook to push, while plain git (the floor) makes none. Git smart HTTP is not
slowed: loopback git is already the best case for both sides.

**Histories like real projects.** Every history is written by \`git fast-import\`
(\`sandbox/realistic-history.ts\`): 300 source files in a dozen directories, and commits that
each bring about 3 KB of new code-like text to one to three of them, from a fixed vocabulary, so
it compresses like source code, not like random bytes (20k commits pack to about 40 MB, 100k to
about 190 MB, as in a repository repacked with a bitmap, as a served one is). The same size gives
the same commits every run; each is written once and hard-linked into every repository that needs
it (\`bench/work/histories\` keeps them for the next run; writing 100k commits takes one to three
minutes here).

**Incremental latency.** For each history size (${sizes.map((s) => sizeLabel(s.commits)).join(", ")} commits), a GitHub
repository is first mirrored through the app (that initial sync is timed too), and the floor's warm
clone is made. Then each iteration visits every size and, at each,
pushes one new commit to GitHub as a developer (untimed) and measures, in turn:

- **(a) mirror-bot**: from sending the signed \`push\` webhook to the GitLab ref being at the new
  commit.
- **(b) the floor**: plain \`git fetch <github> refs/heads/main:refs/heads/main\` into a warm bare
  clone, then plain \`git push <gitlab> refs/heads/main:refs/heads/main\` to a GitLab project kept for
  the baseline: two commands, timed from starting the fetch to the GitLab ref being at the commit.
- **(c) Actions-style**: \`git clone --mirror\` + \`git push --mirror\` from scratch into a fresh
  GitLab project each time (what a CI job without a cache does; runner start-up not included).

Each iteration starts with a different variant (a b c, b c a, c a b, ...), so none always runs
first, and visits every size, so load that comes and goes on the machine falls on all variants and
sizes alike. (a) and (b) each move GitLab by exactly the one new commit. The table shows medians of
${r.settings.iterations} iterations for (a) and (b); (c) runs ${cRuns} times (it copies the whole history each time).

**Observing the GitLab ref.** The bench never asks git: it reads the ref's file in the GitLab
project's bare repository (or its line in \`packed-refs\`) whenever inotify (\`fs.watch\` on the ref's
directory) reports a change, with a ${r.settings.pollMs} ms backstop poll in case an event is missed (${BURST_POLL_MS} ms for the
burst's ${r.settings.burst.repos} repositories). A change is timestamped when the bench's event loop first notices it: for
fs.watch, within a fraction of a millisecond of git's rename when the loop is idle; one only the
poll caught could be up to a poll interval late. (When the loop is busy, the poll's timer can
run before the pending inotify event in the same loop turn, so the count below says little about
accuracy.) In this run, ${r.observedVia.watch} changes were seen through fs.watch and
${r.observedVia.poll} only by the poll. The same observer ends (a), (b) and (c).

**History independence** is (a) at ${sizeLabel(h.largest)} commits over (a) at ${sizeLabel(h.smallest)}.

**First sync.** At ${r.firstSync.map((f) => sizeLabel(f.commits)).join(" and ")} commits, rounds (${Object.entries(r.settings.firstSyncRounds)
    .map(([n, k]) => `${k} at ${sizeLabel(Number(n))}`)
    .join(", ")}) each on a repository just pushed with
the whole history and a new GitLab project: mirror-bot's first mirror (the \`push\` webhook that
created main sent → the GitLab ref at the tip; a new cache, so the app fetches everything) and
\`git clone --mirror\` + \`git push --mirror\` of the same repository to a fresh project, side by
side, the order alternating between rounds. The ratio is of the medians; each round's is shown too.
The initial syncs of the latency phase's repositories are listed as well (one run each).

**Burst.** ${
    b
      ? `${b.repos} repositories, each with ${r.settings.burst.commitsPerRepo} commits already pushed to GitHub one push at a time;
then one signed push delivery per commit (${b.deliveries} in all), sent as fast as ${b.inFlight} connections allow,
interleaved across repositories (every repository's first commit, then every second commit, ...),
to a freshly started app (so its peak memory is the burst's). The app is started before the
repositories are created, because at start it reconciles every repository it can see, which would
mirror them before the first delivery; and one push to another repository is mirrored first,
delivered 200 times (each delivery with an id of its own, so each goes the whole way; they coalesce
into one job), so the burst meets a running app, its webhook path compiled, rather than a cold process. Deliveries are signed and sent from a
thread of their own (\`bench/burst-sender.ts\`), so the fakes' work on the bench's main thread
does not delay reading the answers, over keep-alive connections: the first ${b.inFlight} each open
one, so their answer time includes the app accepting it.`
      : "not run."
  } Measured: the webhook answer time;
end to end, from a delivery being sent to its commit (or a descendant) being on GitLab (a
delivery whose commit was already there when it was sent counts 0); the sync jobs the app ran and
the git pushes GitLab received (coalescing); how long until every check run was completed; and the
app's peak resident memory (\`VmHWM\` of the node process in \`/proc/<pid>/status\`; git children not
included); and the app's event-loop delay, read from its own \`/metrics\` (prom-client's histogram,
reset by a scrape just before the first delivery; \`MIRROR_ADMIN_TOKEN\` is set only to read it, no
performance setting is changed). Verified: every GitLab ref equals GitHub's, and every check run succeeded. Check runs
complete in the background: Probot's Octokit spaces GitHub write requests about a second apart
(GitHub's advice against secondary rate limits), so completing them takes longer than mirroring
(a mirror that finishes within 2 s gets its check run in one write, created completed).

Answers are also split by connection: the first deliveries each open a connection, the rest reuse
one. The app accepts all of the opening connections within a few milliseconds (traced on
2026-12-05); their requests then wait for one another, so the first ones' answer times show how
fast the app serves requests that arrive all at once.

## Machine

${machineLine(r)}. Run of ${r.startedAt}, ${formatMs(r.durationS * 1000)} in all.

## Results

### Incremental latency (one new commit; median, runs in brackets)

${markdownTable(LATENCY_HEAD, latencyRows(sizes))}

- History independence: (a) at ${sizeLabel(h.largest)} / (a) at ${sizeLabel(h.smallest)} = **${x(h.ratio)}** (${formatMs(h.aLargestMs)} / ${formatMs(h.aSmallestMs)}).
- Initial syncs through the app at every size (one run each): ${sizes.map((s) => `${sizeLabel(s.commits)} ${formatMs(s.initialSync.ms)}`).join(", ")}; at ${sizeLabel(i.commits)}, \`clone --mirror\` + \`push --mirror\` took ${formatMs(i.actionsMs)} (median of ${i.actionsRuns}).
- Latency phase: ${r.latency.jobs} mirror jobs, ${r.latency.checkRuns.completed} check runs completed, ${r.latency.checkRuns.failed} failed; app peak RSS ${round(r.latency.appMemory.hwmMb, 0)} MB.

### First sync of a whole history (median; rounds in brackets)

${markdownTable(FIRST_SYNC_HEAD, firstSyncRows(r))}

### Where the time goes

Milestones of one mirror, in ms after the webhook was sent (median over the (a) runs), from the
fakes' request logs (1 ms resolution; a milestone the app did not reach in some runs, such as a
GitLab API request its cache answered, is the median of the runs that had it). Gaps between
milestones are the app's own work: handling the webhook and queueing, Octokit, starting git
processes, local git commands. A push's sync does not list GitLab when the app synced the
repository from a listing less than 5 minutes old (it plans from GitLab's refs as that sync left
them; the push's leases catch any change since): the ls-remote rows are the runs that listed.

${timelineTable(sizes, "a", MIRROR_MILESTONES)}

The floor, in ms after \`git fetch\` was started (median over the (b) runs):

${timelineTable(sizes, "b", FLOOR_MILESTONES)}

Stage by stage, (a) / (b) in ms and what (a) spends beyond the floor (differences of medians, so
they only roughly add up to the gap between the medians):

${markdownTable(["stage", ...sizes.map((s) => sizeLabel(s.commits))], stageRows(sizes))}

### Burst

${b ? markdownTable(["", ""], burstRows(r)) : "Not run."}

${r.reconcile ? renderReconcileMarkdown(r.reconcile, markdownTable) : "### Reconciliation at org scale\n\nNot run.\n"}
## Targets

${met} of ${targets.length} met.

${markdownTable(["target", "bound", "this run", "verdict"], targetRows(targets))}

${r.problems.length === 0 ? "Correctness: every mirrored ref was right and no check run failed." : `**Problems in this run:**\n\n${r.problems.map((p) => `- ${p}`).join("\n")}`}
`;
}
