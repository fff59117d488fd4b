/**
 * PURE: what a long sync has moved so far, read from git's own `--progress` lines on stderr
 * ("Receiving objects:  45% (67000/148541), 20.00 MiB | 10.00 MiB/s" or "Unpacking objects: …"
 * while fetching, "Writing objects: …" while pushing), for the in-progress check run. Only object counts are kept: they say
 * how far a sync is in words a reader knows, and carry nothing secret.
 */

export interface ObjectCount {
  done: number;
  total: number;
}

/** Objects received from the source and sent to the target so far; absent until git says. */
export interface SyncProgress {
  received?: ObjectCount;
  sent?: ObjectCount;
}

// A small fetch is unpacked into loose objects ("Unpacking"), a large one indexed ("Receiving").
const LINE = /(Receiving|Unpacking|Writing) objects:\s+\d+% \((\d+)\/(\d+)\)/g;

/** Folds a chunk of git's stderr into the progress (lines end with \r while counting, \n when done). */
export function readProgress(progress: SyncProgress, chunk: string): SyncProgress {
  let next = progress;
  for (const match of chunk.matchAll(LINE)) {
    const count = { done: Number(match[2]), total: Number(match[3]) };
    next = match[1] === "Writing" ? { ...next, sent: count } : { ...next, received: count };
  }
  return next;
}

// One formatter: `toLocaleString("en-US")` builds one per call (about 70 µs), on every progress line.
const COUNT = new Intl.NumberFormat("en-US");

/** e.g. "Received 67,000 of 148,541 objects from GitHub; sent 0 of 148,541 to GitLab." */
export function describeProgress(progress: SyncProgress, sides: { source: string; target: string }): string | undefined {
  const n = (value: number) => COUNT.format(value);
  const parts: string[] = [];
  if (progress.received) parts.push(`received ${n(progress.received.done)} of ${n(progress.received.total)} objects from ${sides.source}`);
  if (progress.sent) parts.push(`sent ${n(progress.sent.done)} of ${n(progress.sent.total)} objects to ${sides.target}`);
  if (parts.length === 0) return undefined;
  const text = parts.join("; ");
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/** A line of git's progress output (local or relayed as `remote:`), which never says why git failed. */
export const PROGRESS_LINE = /^(remote: )?[A-Z][A-Za-z ]+:\s+(\d+% \(\d+\/\d+\)|\d+(, done\.)?)/;
