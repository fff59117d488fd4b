/**
 * Secrets never leave memory. Every token the process learns (GitLab token, installation tokens,
 * webhook secrets) is registered here, and every text that leaves the process through a boundary
 * (log stream, check run, GitLab status, error message) passes through `redact`.
 *
 * This is process-wide on purpose: a log line can be written from anywhere, and a token
 * registered by one job must be hidden in a log line written by another.
 */
const secrets = new Set<string>();
let pattern: RegExp | null = null;

const MIN_SECRET_LENGTH = 6; // shorter strings would redact ordinary words

export function registerSecret(secret: string | undefined | null): void {
  if (!secret || secret.length < MIN_SECRET_LENGTH || secrets.has(secret)) return;
  secrets.add(secret);
  // Also hide the Basic-auth forms git sends, in case a header is ever echoed.
  for (const user of ["x-access-token", "oauth2"]) {
    secrets.add(Buffer.from(`${user}:${secret}`).toString("base64"));
  }
  pattern = null;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function currentPattern(): RegExp | null {
  if (secrets.size === 0) return null;
  if (!pattern) {
    const alternatives = [...secrets].sort((a, b) => b.length - a.length).map(escape);
    pattern = new RegExp(alternatives.join("|"), "g");
  }
  return pattern;
}

/** Credentials embedded in URLs (https://user:pass@host) are hidden even if never registered. */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi;
/** Authorization headers are hidden even if their token was never registered. */
const AUTH_HEADER = /(authorization:\s*(?:basic|bearer|token)\s+)[A-Za-z0-9+/=._~-]+/gi;
const PRIVATE_TOKEN_HEADER = /(private-token:\s*)[A-Za-z0-9._~-]+/gi;

export function redact(text: string): string {
  let out = text
    .replace(URL_CREDENTIALS, "$1***@")
    .replace(AUTH_HEADER, "$1***")
    .replace(PRIVATE_TOKEN_HEADER, "$1***");
  const known = currentPattern();
  if (known) out = out.replace(known, "***");
  return out;
}

/** For tests: forget every registered secret. */
export function clearSecretsForTests(): void {
  secrets.clear();
  pattern = null;
}
