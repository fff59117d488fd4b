import type { ProbotOctokit } from "probot";

/** The installation-scoped Octokit Probot hands us. */
export type GitHubClient = ProbotOctokit;

export interface RepoRef {
  owner: string;
  repo: string;
}
