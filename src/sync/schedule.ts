/**
 * PURE timing of reconciliation: the interval as operators write it, a per-repository offset so
 * installations do not all sync at the same second, and the backoff of a failing mirror.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * "1h", "30m", "90s", "1h30m", "500ms", or a bare number of seconds ("3600"). Throws on anything
 * else, so a typo stops the app at boot instead of silently syncing every millisecond.
 */
export function parseInterval(text: string): number {
  const value = text.trim().toLowerCase();
  if (/^\d+$/.test(value)) return check(Number(value) * 1_000, text);
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value) {
    throw new Error(`"${text}" is not an interval: write e.g. 1h, 30m, 90s or a number of seconds`);
  }
  return check(Math.round(parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNITS[unit!]!, 0)), text);
}

function check(ms: number, text: string): number {
  if (!(ms >= 1_000)) throw new Error(`"${text}" is too short: the sync interval must be at least 1s`);
  return ms;
}

/** FNV-1a: small, stable across processes and versions (unlike a random start). */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Where in each interval a repository's reconciliation falls: the same for every replica and restart. */
export function jitterOffsetMs(key: string, intervalMs: number): number {
  return hash(key.toLowerCase()) % intervalMs;
}

/** Whether a repository's slot (k · interval + offset) falls in (fromMs, toMs]. */
export function isDueBetween(key: string, intervalMs: number, fromMs: number, toMs: number): boolean {
  if (toMs <= fromMs) return false;
  const offset = jitterOffsetMs(key, intervalMs);
  return Math.floor((toMs - offset) / intervalMs) > Math.floor((fromMs - offset) / intervalMs);
}

/**
 * How long a mirror that failed `failures` times in a row waits before the next attempt:
 * doubling from an eighth of the interval (at most a minute), never longer than the interval.
 * There is no last attempt: a failing mirror is retried at least once per interval, forever.
 */
export function retryDelayMs(failures: number, intervalMs: number): number {
  const base = Math.min(60_000, Math.max(1_000, Math.floor(intervalMs / 8)));
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  return Math.min(intervalMs, base * 2 ** exponent);
}

/** "in 4 min", "in 1 h 30 min", for check runs. */
export function describeDelay(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1_000));
  if (seconds < 90) return `in ${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `in ${hours} h` : `in ${hours} h ${rest} min`;
}
