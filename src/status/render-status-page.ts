/**
 * PURE rendering of the operator pages: records in, one self-contained HTML document out. No
 * scripts, no external assets, one inline stylesheet (its hash goes in the CSP); every text from
 * a record is escaped, and a target link is only a link when it is http(s).
 */
import { filterRecords, isFailing, isLagging, type StatusFilter } from "./records.js";
import type { MirrorStatusRecord } from "./types.js";

export const STATUS_PAGE_CSS = `
:root { color-scheme: light; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328; background: #f6f8fa; }
body { margin: 0 auto; padding: 24px; max-width: 1200px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
.muted { color: #59636e; }
nav a { display: inline-block; margin: 12px 8px 0 0; padding: 4px 12px; border: 1px solid #d1d9e0; border-radius: 16px; color: #0969da; background: #fff; text-decoration: none; }
nav a[aria-current="page"] { background: #0969da; border-color: #0969da; color: #fff; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid #d1d9e0; }
th, td { padding: 8px 10px; text-align: left; vertical-align: top; border-bottom: 1px solid #d1d9e0; }
th { font-size: 13px; color: #59636e; background: #f6f8fa; }
td.error { max-width: 420px; overflow-wrap: anywhere; }
td.nowrap { white-space: nowrap; }
.badge { display: inline-block; padding: 0 6px; border-radius: 10px; font-size: 12px; border: 1px solid #d1d9e0; color: #59636e; }
.ok { color: #1a7f37; font-weight: 600; }
.failed { color: #d1242f; font-weight: 600; }
.lag { color: #9a6700; font-weight: 600; }
tr.failure td:first-child { box-shadow: inset 4px 0 #d1242f; }
a { color: #0969da; }
form { background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; padding: 20px; max-width: 360px; }
label { display: block; font-weight: 600; margin-bottom: 6px; }
input { width: 100%; box-sizing: border-box; padding: 6px 8px; font: inherit; margin-bottom: 12px; }
button { font: inherit; padding: 6px 16px; }
.alert { color: #d1242f; font-weight: 600; }
`;

export interface StatusPageInput {
  records: readonly MirrorStatusRecord[];
  filter: StatusFilter;
  /** The moment the page describes, for "5 min ago". */
  now: Date;
}

export function renderStatusPage({ records, filter, now }: StatusPageInput): string {
  const shown = filterRecords(records, filter);
  const counts = { all: records.length, failing: records.filter(isFailing).length, lagging: records.filter(isLagging).length };
  const summary = `${plural(counts.all, "mirror")} · ${counts.failing} failing · ${counts.lagging} lagging`;
  const links = (["all", "failing", "lagging"] as const).map((f) => {
    const current = f === filter ? ' aria-current="page"' : "";
    return `<a href="?show=${f}"${current}>${capitalize(f)} (${counts[f]})</a>`;
  });
  const body =
    shown.length === 0
      ? `<p class="muted">${EMPTY[filter]}</p>`
      : byInstallation(shown)
          .map((group) => renderInstallation(group, now))
          .join("\n");
  return document(
    "Mirror status",
    `<header>
<h1>Mirror status</h1>
<p class="muted">${escapeHtml(summary)} · as of ${escapeHtml(formatUtc(now))}</p>
<nav aria-label="Show">${links.join("")}</nav>
</header>
<main>
${body}
</main>`,
  );
}

export function renderLoginPage(options: { message?: string } = {}): string {
  const alert = options.message ? `<p class="alert" role="alert">${escapeHtml(options.message)}</p>` : "";
  return document(
    "Sign in · Mirror status",
    `<main>
<h1>Mirror status</h1>
<p class="muted">Sign in with the admin token (MIRROR_ADMIN_TOKEN) to see every mirror.</p>
${alert}
<form method="post" action="/mirror/login">
<label for="token">Admin token</label>
<input type="password" id="token" name="token" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>
</main>`,
  );
}

const EMPTY: Record<StatusFilter, string> = {
  all: "No mirror has run yet. A mirror appears here after its first sync.",
  failing: "No mirror is failing.",
  lagging: "No mirror is lagging: every ref matches its target.",
};

function document(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STATUS_PAGE_CSS}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function byInstallation(records: readonly MirrorStatusRecord[]): MirrorStatusRecord[][] {
  const groups = new Map<number, MirrorStatusRecord[]>();
  for (const record of records) groups.set(record.installationId, [...(groups.get(record.installationId) ?? []), record]);
  return [...groups.values()];
}

function renderInstallation(records: MirrorStatusRecord[], now: Date): string {
  const owners = [...new Set(records.map((r) => r.owner))].join(", ");
  return `<section>
<h2>${escapeHtml(owners)} <span class="muted">· installation ${escapeHtml(String(records[0]!.installationId))}</span></h2>
<table>
<thead><tr><th>Repository</th><th>Direction</th><th>GitLab target</th><th>Last sync</th><th>Last result</th><th>Lag</th><th>Last error</th></tr></thead>
<tbody>
${records.map((record) => renderRow(record, now)).join("\n")}
</tbody>
</table>
</section>`;
}

function renderRow(r: MirrorStatusRecord, now: Date): string {
  const name = escapeHtml(`${r.owner}/${r.repo}`);
  const badge = r.private ? ' <span class="badge">private</span>' : "";
  const href = httpUrl(r.targetUrl);
  const target = href ? `<a href="${escapeHtml(href)}" rel="noopener noreferrer">${escapeHtml(r.target)}</a>` : escapeHtml(r.target);
  const result =
    r.lastResult === "success"
      ? '<span class="ok">✓ Synced</span>'
      : `<span class="failed">✗ Failed</span>${r.consecutiveFailures > 1 ? ` <span class="muted">${r.consecutiveFailures} runs in a row</span>` : ""}`;
  const lag = r.lagRefs > 0 ? `<span class="lag">${escapeHtml(plural(r.lagRefs, "ref"))} differ${r.lagRefs === 1 ? "s" : ""}</span>` : '<span class="muted">in sync</span>';
  const error = r.lastError ? escapeHtml(truncate(r.lastError, 500)) : '<span class="muted">—</span>';
  return `<tr class="${r.lastResult}">
<td>${name}${badge}</td>
<td class="nowrap">${escapeHtml(DIRECTION[r.direction] ?? r.direction)}</td>
<td class="nowrap">${target}</td>
<td class="nowrap">${renderTime(r.lastSyncAt, now)}<br><span class="muted">took ${escapeHtml(formatDuration(r.durationMs))}</span></td>
<td>${result}<br><span class="muted">${escapeHtml(r.lastTitle)}</span></td>
<td class="nowrap">${lag}</td>
<td class="error">${error}</td>
</tr>`;
}

const DIRECTION: Record<string, string> = { push: "GitHub → GitLab", pull: "GitLab → GitHub", both: "both ways" };

function renderTime(iso: string, now: Date): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return escapeHtml(iso);
  return `<time datetime="${escapeHtml(at.toISOString())}" title="${escapeHtml(formatUtc(at))}">${escapeHtml(ago(at, now))}</time>`;
}

export function ago(at: Date, now: Date): string {
  const seconds = Math.round((now.getTime() - at.getTime()) / 1000);
  if (seconds < 60) return seconds < -60 ? formatUtc(at) : "just now";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The link only when it is an http(s) URL: never `javascript:` or `data:` from a stored record. */
function httpUrl(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
