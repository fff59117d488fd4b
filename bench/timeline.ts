/**
 * Where the time of one mirror goes, seen from the fakes: every request the app makes to GitHub
 * and GitLab is logged with its arrival time and the fake's own time to answer. Laid on the
 * delivery's clock, they give a timeline (config read, GitLab API, first git request, fetch and
 * ls-remote answered, push started, ref moved); the gaps between them are the app's own work
 * (queueing, git process start-up, local git commands).
 */
import type { LoggedRequest } from "../sandbox/index.js";
import { median, round } from "./stats.js";

/** Milestones of one mirror, in ms after the webhook was sent; null when not seen. */
export interface MirrorTimeline {
  webhookAnswered: number | null;
  configRequested: number | null;
  configAnswered: number | null;
  gitlabApiRequested: number | null;
  firstGitRequest: number | null;
  /** The fetch from GitHub: its last request answered. */
  fetchAnswered: number | null;
  /** The ls-remote of GitLab: its first request, and its last answered. */
  listRequested: number | null;
  listAnswered: number | null;
  /** Both of the above answered. */
  fetchAndListAnswered: number | null;
  pushStarted: number | null;
  refMoved: number | null;
  /** The fakes' own share: ms spent answering the app's API and git requests (overlaps included). */
  serverMs: number;
}

const isGit = (r: LoggedRequest) => /\.git\//.test(r.path);
const isUploadPack = (r: LoggedRequest) => isGit(r) && /git-upload-pack/.test(r.path);
const end = (r: LoggedRequest) => r.at + (r.ms ?? 0);

/**
 * `startWall` is Date.now() when the webhook was sent (the fakes log Date.now(), so milestones
 * have 1 ms resolution); `github`/`gitlab` are the requests logged during the mirror.
 */
export function mirrorTimeline(
  startWall: number,
  { github, gitlab, webhookMs, refMovedMs }: { github: LoggedRequest[]; gitlab: LoggedRequest[]; webhookMs: number; refMovedMs: number },
): MirrorTimeline {
  const since = (wall: number | undefined) => (wall === undefined ? null : wall - startWall);
  const config = github.find((r) => r.path.includes("/contents/.mirror.yml"));
  const gitlabApi = gitlab.find((r) => r.path.startsWith("/api/v4/projects/"));
  const gitRequests = [...github, ...gitlab].filter(isGit).sort((a, b) => a.at - b.at);
  const reads = gitRequests.filter(isUploadPack);
  const push = gitlab.find((r) => /service=git-receive-pack|git-receive-pack$/.test(r.path));
  const beforePush = (r: LoggedRequest) => !push || r.at <= push.at;
  const lastEnd = (list: LoggedRequest[]) => (list.length > 0 ? Math.max(...list.map(end)) : undefined);
  const fetch = github.filter((r) => isUploadPack(r) && beforePush(r));
  const list = gitlab.filter((r) => isUploadPack(r) && beforePush(r));
  return {
    webhookAnswered: webhookMs,
    configRequested: since(config?.at),
    configAnswered: since(config ? end(config) : undefined),
    gitlabApiRequested: since(gitlabApi?.at),
    firstGitRequest: since(gitRequests[0]?.at),
    fetchAnswered: since(lastEnd(fetch)),
    listRequested: since(list[0]?.at),
    listAnswered: since(lastEnd(list)),
    fetchAndListAnswered: since(lastEnd(reads.filter(beforePush))),
    pushStarted: since(push?.at),
    refMoved: refMovedMs,
    // Check runs are written in the background (and may be an earlier job's): not this mirror's cost.
    serverMs: [...github, ...gitlab].filter((r) => !r.path.includes("/check-runs")).reduce((sum, r) => sum + (r.ms ?? 0), 0),
  };
}

/** Milestones of the floor (git fetch, then git push), in ms after the fetch was started. */
export interface FloorTimeline {
  firstGitRequest: number | null;
  fetchAnswered: number | null;
  fetchExited: number;
  pushStarted: number | null;
  refMoved: number;
  serverMs: number;
}

export function floorTimeline(
  startWall: number,
  { github, gitlab, fetchMs, refMovedMs }: { github: LoggedRequest[]; gitlab: LoggedRequest[]; fetchMs: number; refMovedMs: number },
): FloorTimeline {
  const since = (wall: number | undefined) => (wall === undefined ? null : wall - startWall);
  const fetch = github.filter(isGit);
  const push = gitlab.find((r) => /git-receive-pack/.test(r.path));
  return {
    firstGitRequest: since(fetch[0]?.at),
    fetchAnswered: since(fetch.length > 0 ? Math.max(...fetch.map(end)) : undefined),
    fetchExited: fetchMs,
    pushStarted: since(push?.at),
    refMoved: refMovedMs,
    serverMs: [...github, ...gitlab].filter(isGit).reduce((sum, r) => sum + (r.ms ?? 0), 0),
  };
}

/** Field-wise medians of timelines (nulls skipped), rounded to 0.1 ms. */
export function medianTimeline<T extends object>(timelines: T[]): Record<keyof T, number | null> {
  const result = {} as Record<keyof T, number | null>;
  if (timelines.length === 0) return result;
  for (const key of Object.keys(timelines[0]!) as Array<keyof T>) {
    const values = timelines.map((t) => t[key]).filter((v): v is T[keyof T] & number => typeof v === "number");
    result[key] = values.length > 0 ? round(median(values)) : null;
  }
  return result;
}
