/** What every CLI command gets: the app's settings and clients, the repository, and stdout. */
import type { Logger } from "pino";
import type { AppEnv } from "../env.js";
import type { GitHubClient } from "../github/types.js";
import type { GitLabClient } from "../gitlab/client.js";

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
