/**
 * `create: true`: a GitLab project that does not exist yet is created in the named namespace
 * before the first push, never more visible than the GitHub repository.
 */
import type { Logger } from "pino";
import type { MirrorConfig } from "../config/schema.js";
import { MirrorError } from "../errors.js";
import type { GitLabClient, GitLabProject } from "../gitlab/client.js";

/**
 * PURE: GitHub public → GitLab public; private → private; internal (visible to an enterprise's
 * members) → private, because GitLab's internal means every signed-in user of the instance,
 * which on a shared instance is far more people.
 */
export function gitlabVisibilityFor(github: { visibility?: "public" | "private" | "internal"; private: boolean }): GitLabProject["visibility"] {
  return github.visibility === "public" && !github.private ? "public" : "private";
}

export async function resolveProject(
  gitlab: GitLabClient,
  mirror: Pick<MirrorConfig, "gitlab" | "create">,
  repository: { visibility?: "public" | "private" | "internal"; private: boolean },
  log: Pick<Logger, "info">,
): Promise<GitLabProject> {
  try {
    return await gitlab.showProject(mirror.gitlab);
  } catch (error) {
    const missing = error instanceof MirrorError && error.code === "gitlab_project_not_found";
    if (!missing || !mirror.create) throw error;
    if (typeof mirror.gitlab !== "string") {
      throw new MirrorError("config_invalid", `GitLab project ${mirror.gitlab} does not exist and cannot be created from a numeric id`, {
        advice: "With `create: true`, name the project by its path (`gitlab: group/project`), so mirror-bot knows where to create it.",
      });
    }
    const visibility = gitlabVisibilityFor(repository);
    const project = await gitlab.createProject(mirror.gitlab, { visibility });
    log.info({ project: project.pathWithNamespace, visibility }, `created GitLab project ${project.pathWithNamespace} (create: true)`);
    return project;
  }
}
