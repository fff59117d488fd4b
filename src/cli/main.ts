/**
 * `mirror-bot sync | status | backups | backups delete | restore`: what "Sync now" does, a
 * comparison, and the backup refs, for operators, with the app's own credentials from the environment (APP_ID, PRIVATE_KEY or
 * PRIVATE_KEY_PATH, GHE_HOST/GHE_PROTOCOL, GITLAB_URL, GITLAB_TOKEN, MIRROR_CACHE_DIR). It runs
 * the worker's code in this process; results go to stdout, logs (redacted) to stderr.
 */
import { Transform } from "node:stream";
import { pino, type Logger } from "pino";
import { createProbot } from "probot";
import { parseEnv, registerEnvSecrets, type AppEnv } from "../env.js";
import { createGitLabClient } from "../gitlab/client.js";
import { mirrorRefs } from "../mirror/mirror-refs.js";
import { redact } from "../secrets.js";
import { runBackupsDelete, runBackupsList, runRestore } from "./backups.js";
import { runStatus, runSync } from "./commands.js";
import type { CliContext } from "./context.js";

const USAGE = `usage: mirror-bot sync <owner>/<repo>                  mirror now, report on GitHub, print what changed
       mirror-bot status <owner>/<repo>                compare both sides (ls-remote), change nothing
       mirror-bot backups <owner>/<repo>               list the backup refs kept on either side
       mirror-bot backups delete <owner>/<repo> <ref>  delete one backup ref at once
       mirror-bot restore <owner>/<repo> <ref>         put a backup back on its branch`;

type Command = { name: "sync" | "status" | "backups" } | { name: "backups delete" | "restore"; ref: string };

/** argv → the command and its repository; undefined when it matches no usage line. */
export function parseArgs(argv: string[]): { command: Command; owner: string; repo: string } | undefined {
  const [first, ...rest] = argv;
  let command: Command | undefined;
  let target: string | undefined;
  if ((first === "sync" || first === "status" || first === "backups") && rest.length === 1) [command, target] = [{ name: first }, rest[0]];
  else if (first === "backups" && rest[0] === "delete" && rest.length === 3) [command, target] = [{ name: "backups delete", ref: rest[2]! }, rest[1]];
  else if (first === "restore" && rest.length === 2) [command, target] = [{ name: "restore", ref: rest[1]! }, rest[0]];
  const match = /^([\w.-]+)\/([\w.-]+)$/.exec(target ?? "");
  return command && match ? { command, owner: match[1]!, repo: match[2]! } : undefined;
}

function stderrLogger(level: string): Logger {
  const out = new Transform({ transform: (chunk: Buffer, _e, done) => done(null, redact(chunk.toString("utf8"))) });
  out.pipe(process.stderr);
  return pino({ level, name: "mirror-bot-cli" }, out);
}

export async function main(argv: string[], processEnv: NodeJS.ProcessEnv, print: (line: string) => void = (line) => console.log(redact(line))): Promise<number> {
  const parsed = parseArgs(argv);
  if (!parsed) {
    console.error(USAGE);
    return 2;
  }
  const { command, owner, repo } = parsed;
  const target = `${owner}/${repo}`;
  registerEnvSecrets(processEnv);
  let env: AppEnv;
  try {
    env = parseEnv(processEnv);
  } catch (error) {
    console.error(redact(`mirror-bot: ${(error as Error).message}`));
    return 1;
  }
  const log = stderrLogger(env.log.cliLevel);
  try {
    // No Redis for the CLI's own Octokit throttling: it makes a handful of requests.
    const probot = createProbot({ env: { ...processEnv, REDIS_URL: "" }, overrides: { log } });
    const appOctokit = await probot.auth();
    const { data: installation } = await appOctokit.rest.apps.getRepoInstallation({ owner, repo });
    const octokit = await probot.auth(installation.id);
    const gitlab = createGitLabClient({ url: env.gitlabUrl, token: env.gitlabToken, retry: { attempts: env.retryAttempts, baseMs: env.retryBaseMs } });
    const ctx: CliContext = { env, log, octokit, installationId: installation.id, gitlab, owner, repo, print };
    switch (command.name) {
      case "sync":
        return await runSync(ctx, mirrorRefs);
      case "status":
        return await runStatus(ctx);
      case "backups":
        return await runBackupsList(ctx);
      case "backups delete":
        return await runBackupsDelete(ctx, command.ref);
      case "restore":
        return await runRestore(ctx, command.ref);
    }
  } catch (error) {
    const status = (error as { status?: number }).status;
    const message = status === 404 ? `the app is not installed on ${target}, or the repository does not exist` : (error as Error).message;
    console.error(redact(`mirror-bot: ${message}`));
    return 1;
  }
}
