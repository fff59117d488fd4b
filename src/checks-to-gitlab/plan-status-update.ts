/**
 * PURE: whether a GitHub check's state should be written to GitLab, given the status GitLab shows
 * now. Events arrive twice, late and out of order; the status must never go backwards.
 *
 * - A check run's GitLab status links to its run (`.../runs/<id>`), and run ids only grow: a
 *   re-run is a new, larger id. An event of an older run than the one shown changes nothing; the
 *   same run only moves forward (pending → running → finished); a newer run starts afresh.
 * - A commit status has no id GitLab could show, so the caller reads GitHub's current state for
 *   the context (`current: true`): that is the truth, whatever order the events came in.
 * - GitLab refuses to move an open job sideways or back (pending → pending, running → running,
 *   running → pending: 400 "Cannot transition status"), so those are not asked for.
 */
import type { GitLabState } from "./map-state.js";

export interface ShownStatus {
  state: string;
  /** The check run the status links to, when it links to one. */
  runId: number | null;
}

export interface WantedStatus {
  state: GitLabState;
  /** The check run the event is about (null for a commit status). */
  runId: number | null;
  /** The state GitHub shows now (read back), not only what one event said. */
  current: boolean;
}

export type StatusDecision = { write: true } | { write: false; reason: string };

const RANK: Record<string, number> = { pending: 0, running: 1 }; // every other state is finished: 2
const rank = (state: string) => RANK[state] ?? 2;
const OPEN = (state: string) => rank(state) < 2;

export function planStatusUpdate(shown: ShownStatus | null, wanted: WantedStatus): StatusDecision {
  if (!shown) return { write: true };
  if (shown.state === wanted.state && (wanted.runId === null || wanted.runId === shown.runId)) return { write: false, reason: "GitLab already shows it" };
  if (OPEN(shown.state) && OPEN(wanted.state) && rank(wanted.state) <= rank(shown.state)) {
    return { write: false, reason: `GitLab keeps an open ${shown.state} status until it finishes` };
  }
  if (wanted.runId !== null && shown.runId !== null) {
    if (wanted.runId < shown.runId) return { write: false, reason: `an older run (${wanted.runId}) than the one GitLab shows (${shown.runId})` };
    if (wanted.runId > shown.runId) return { write: true }; // a re-run: starts afresh
  }
  if (wanted.current) return { write: true };
  if (rank(wanted.state) < rank(shown.state)) return { write: false, reason: `a late ${wanted.state} event after ${shown.state}` };
  return { write: true };
}

/**
 * The check run id in a status's link, or null: `https://github.com/o/r/runs/<id>`, or for GitHub
 * Actions `.../actions/runs/<workflow run>/job/<id>` (a job's id is its check run's id).
 */
export function runIdOf(targetUrl: string | null | undefined): number | null {
  const url = targetUrl ?? "";
  const match = /\/job\/(\d+)(?:[/?#]|$)/.exec(url) ?? /\/runs\/(\d+)(?:[/?#]|$)/.exec(url);
  return match ? Number(match[1]) : null;
}
