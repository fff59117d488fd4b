/**
 * Secrets never leave memory. Every token the process learns (GitLab token, installation tokens,
 * webhook secrets) is registered here, and every text that leaves the process through a boundary
 * (log stream, check run, GitLab status, error message) passes through `redact`.
 *
 * This is process-wide on purpose: a log line can be written from anywhere, and a token
 * registered by one job must be hidden in a log line written by another.
 *
 * What removes entries: a secret registered with an expiry (an installation token: a new one
 * about every hour per installation) is forgotten `EXPIRY_MARGIN_MS` after it, once it can no
 * longer open anything; and at most `MAX_EXPIRING_ENTRIES` such entries are kept, the oldest
 * registered going first. A secret registered without one (GitLab token, webhook secrets, admin
 * token, Redis password: a handful, fixed at boot) is kept for the life of the process.
 *
 * Per log line, `redact` runs one regex over the entries; it is rebuilt only when the set changes,
 * and expired entries are looked for only once the earliest expiry has passed.
 */

/** Kept this long after a token's expiry: clock skew, and lines about its last use still in flight. */
export const EXPIRY_MARGIN_MS = 5 * 60 * 1000;
/** Each token takes three entries (itself and two Basic-auth forms): about a thousand live tokens. */
export const MAX_EXPIRING_ENTRIES = 3000;
const MIN_SECRET_LENGTH = 6; // shorter strings would redact ordinary words

/** When a secret stops working: a Date, an ISO 8601 time (GitHub's `expires_at`) or epoch milliseconds. */
export type Expiry = Date | string | number;

/**
 * How long a secret is hidden. Every caller says it, so no token becomes permanent by omission:
 * "long-lived" for secrets fixed at boot, `{ expiresAt }` for anything that expires (undefined
 * when the expiry is not known: an hour, an installation token's life, from now).
 */
export type SecretLifetime = "long-lived" | { expiresAt: Expiry | undefined };

export interface SecretRegistry {
  /**
   * Hide `secret` (and the Basic-auth forms git sends) from now on: until its expiry plus the
   * margin, or for good. A secret registered again keeps the longer of its two lifetimes.
   */
  register(secret: string | undefined | null, lifetime: SecretLifetime): void;
  redact(text: string): string;
  /** Texts currently hidden, and how often the regex over them was built. */
  stats(): { entries: number; patternBuilds: number };
  clear(): void;
}

export interface SecretRegistryOptions {
  now?: () => number;
  maxExpiringEntries?: number;
  marginMs?: number;
}

const FOREVER = Number.POSITIVE_INFINITY;

export function createSecretRegistry({ now = Date.now, maxExpiringEntries = MAX_EXPIRING_ENTRIES, marginMs = EXPIRY_MARGIN_MS }: SecretRegistryOptions = {}): SecretRegistry {
  /** Text to hide → when to forget it (FOREVER: never). Insertion order is age, for eviction. */
  const entries = new Map<string, number>();
  let expiring = 0;
  /** The earliest expiry among the entries: before it, nothing needs to be looked at. */
  let nextExpiry = FOREVER;
  let pattern: RegExp | null = null;
  let patternBuilds = 0;

  const remove = (text: string) => {
    const until = entries.get(text);
    if (until === undefined) return;
    entries.delete(text);
    if (until !== FOREVER) expiring--;
    pattern = null;
  };

  const add = (text: string, until: number) => {
    const known = entries.get(text);
    if (known !== undefined) {
      if (until <= known) return;
      entries.set(text, until);
      if (until === FOREVER) expiring--;
      return;
    }
    entries.set(text, until);
    pattern = null;
    if (until === FOREVER) return;
    expiring++;
    nextExpiry = Math.min(nextExpiry, until);
    for (const [oldest, oldestUntil] of entries) {
      if (expiring <= maxExpiringEntries) break;
      if (oldestUntil !== FOREVER) remove(oldest);
    }
  };

  const pruneExpired = () => {
    const time = now();
    if (time < nextExpiry) return;
    nextExpiry = FOREVER;
    for (const [text, until] of entries) {
      if (until <= time) remove(text);
      else nextExpiry = Math.min(nextExpiry, until);
    }
  };

  const currentPattern = (): RegExp | null => {
    pruneExpired();
    if (entries.size === 0) return null;
    if (!pattern) {
      const alternatives = [...entries.keys()].sort((a, b) => b.length - a.length).map(escape);
      pattern = new RegExp(alternatives.join("|"), "g");
      patternBuilds++;
    }
    return pattern;
  };

  return {
    register(secret, lifetime) {
      if (!secret || secret.length < MIN_SECRET_LENGTH) return;
      const until = lifetime === "long-lived" ? FOREVER : expiryMs(lifetime.expiresAt, now) + marginMs;
      // Also hide the Basic-auth forms git sends, in case a header is ever echoed.
      for (const text of [secret, ...["x-access-token", "oauth2"].map((user) => Buffer.from(`${user}:${secret}`).toString("base64"))]) {
        add(text, until);
      }
    },
    redact(text) {
      let out = text.replace(URL_CREDENTIALS, "$1***@").replace(AUTH_HEADER, "$1***").replace(PRIVATE_TOKEN_HEADER, "$1***");
      const known = currentPattern();
      if (known) out = out.replace(known, "***");
      return out;
    },
    stats: () => ({ entries: entries.size, patternBuilds }),
    clear() {
      entries.clear();
      expiring = 0;
      nextExpiry = FOREVER;
      pattern = null;
    },
  };
}

/** GitHub's installation tokens live an hour; assumed when an expiry is not known or cannot be read. */
export const DEFAULT_TOKEN_LIFETIME_MS = 60 * 60 * 1000;

/** An unreadable expiry must neither make a token permanent nor forget it at once. */
function expiryMs(expiresAt: Expiry | undefined, now: () => number): number {
  const ms = expiresAt instanceof Date ? expiresAt.getTime() : typeof expiresAt === "string" ? Date.parse(expiresAt) : (expiresAt ?? Number.NaN);
  return Number.isFinite(ms) ? ms : now() + DEFAULT_TOKEN_LIFETIME_MS;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Credentials embedded in URLs (https://user:pass@host) are hidden even if never registered. */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi;
/** Authorization headers are hidden even if their token was never registered. */
const AUTH_HEADER = /(authorization:\s*(?:basic|bearer|token)\s+)[A-Za-z0-9+/=._~-]+/gi;
const PRIVATE_TOKEN_HEADER = /(private-token:\s*)[A-Za-z0-9._~-]+/gi;

const processSecrets = createSecretRegistry();

/** Registers a secret with the process-wide registry; see `SecretRegistry.register`. */
export function registerSecret(secret: string | undefined | null, lifetime: SecretLifetime): void {
  processSecrets.register(secret, lifetime);
}

export function redact(text: string): string {
  return processSecrets.redact(text);
}

/** For tests: forget every registered secret. */
export function clearSecretsForTests(): void {
  processSecrets.clear();
}
