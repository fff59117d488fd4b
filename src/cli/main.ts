/**
 * `mirror-bot sync <owner>/<repo>` and `mirror-bot status <owner>/<repo>`: what "Sync now" does,
 * for operators, with the app's own credentials from the environment (APP_ID, PRIVATE_KEY or
 * PRIVATE_KEY_PATH, GHE_HOST/GHE_PROTOCOL, GITLAB_URL, GITLAB_TOKEN, MIRROR_CACHE_DIR). It runs
 * the worker's code in this process; results go to stdout, logs (redacted) to stderr.
 */
import { Transform } from "node:stream";
import { pino, type Logger } from "pino";
import { createProbot } from "probot";
import { parseEnv, type AppEnv } from "../env.js";
import type { GitHubClient } from "../github/types.js";
import { createGitLabClient, type GitLabClient } from "../gitlab/client.js";
import { mirrorRefs } from "../mirror/mirror-refs.js";
import { redact, registerSecret } from "../secrets.js";
import { runStatus, runSync } from "./commands.js";

const USAGE = `usage: mirror-bot sync <owner>/<repo>     mirror now, report on GitHub, print what changed
       mirror-bot status <owner>/<repo>   compare both sides (ls-remote), change nothing`;

export interface CliContext {
  env: AppEnv;
  log: Logger;
  octokit: GitHubClient;
  installationId: number;
  gitlab: GitLabClient;
  owner: string;
  repo: string;
  print(line: string): void;
}

function stderrLogger(level: string): Logger {
  const out = new Transform({ transform: (chunk: Buffer, _e, done) => done(null, redact(chunk.toString("utf8"))) });
  out.pipe(process.stderr);
  return pino({ level, name: "mirror-bot-cli" }, out);
}

export async function main(argv: string[], processEnv: NodeJS.ProcessEnv, print: (line: string) => void = (line) => console.log(redact(line))): Promise<number> {
  const [command, target] = argv;
  const match = /^([\w.-]+)\/([\w.-]+)$/.exec(target ?? "");
  if ((command !== "sync" && command !== "status") || !match) {
    console.error(USAGE);
    return 2;
  }
  for (const name of ["GITLAB_TOKEN", "PRIVATE_KEY", "WEBHOOK_SECRET"]) registerSecret(processEnv[name]);
  const log = stderrLogger(processEnv.LOG_LEVEL || "warn");
  try {
    const env = parseEnv(processEnv);
    // No Redis for the CLI's own Octokit throttling: it makes a handful of requests.
    const probot = createProbot({ env: { ...processEnv, REDIS_URL: "" }, overrides: { log } });
    const [owner, repo] = [match[1]!, match[2]!];
    const appOctokit = await probot.auth();
    const { data: installation } = await appOctokit.rest.apps.getRepoInstallation({ owner, repo });
    const octokit = await probot.auth(installation.id);
    const gitlab = createGitLabClient({ url: env.gitlabUrl, token: env.gitlabToken, retry: { attempts: env.retryAttempts, baseMs: env.retryBaseMs } });
    const ctx: CliContext = { env, log, octokit, installationId: installation.id, gitlab, owner, repo, print };
    return command === "sync" ? await runSync(ctx, mirrorRefs) : await runStatus(ctx);
  } catch (error) {
    const status = (error as { status?: number }).status;
    const message = status === 404 ? `the app is not installed on ${target}, or the repository does not exist` : (error as Error).message;
    console.error(redact(`mirror-bot: ${message}`));
    return 1;
  }
}
