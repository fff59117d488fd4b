/**
 * PURE: what the operator allows, whatever a `.mirror.yml` says. A config file can be written by
 * anyone with push access to a repository, while the GitLab token is the operator's; so the
 * operator limits which GitLab groups the token is used on (`MIRROR_GITLAB_NAMESPACES`), and
 * code that is private on GitLab is never published on a public GitHub repository unless the
 * operator says so (`MIRROR_ALLOW_PUBLISHING_PRIVATE=true`).
 */
import type { MirrorConfig } from "../config/schema.js";

export interface AccessPolicy {
  /** Lower-case group paths; empty: every namespace the token can reach. */
  namespaces: string[];
  allowPublishingPrivate: boolean;
}

export interface PolicySubject {
  direction: MirrorConfig["direction"];
  /** The project as GitLab resolved it (a numeric id in the config could point anywhere). */
  project: { pathWithNamespace: string; visibility: "public" | "internal" | "private" };
  repository: { fullName: string; visibility: "public" | "private" | "internal" };
}

export type PolicyDecision = { allowed: true } | { allowed: false; rule: "namespace" | "private-to-public"; message: string; advice: string };

export function policyFromEnv(env: { gitlabNamespaces?: string[]; allowPublishingPrivate?: boolean }): AccessPolicy {
  return { namespaces: env.gitlabNamespaces ?? [], allowPublishingPrivate: env.allowPublishingPrivate ?? false };
}

/** `group` covers `group/project` and `group/sub/project`, never `group-other/project`. */
export function inNamespaces(projectPath: string, namespaces: string[]): boolean {
  if (namespaces.length === 0) return true;
  const path = projectPath.toLowerCase();
  return namespaces.some((ns) => path.startsWith(`${ns.toLowerCase()}/`));
}

export function checkAccess(policy: AccessPolicy, { direction, project, repository }: PolicySubject): PolicyDecision {
  if (!inNamespaces(project.pathWithNamespace, policy.namespaces)) {
    const allowed = policy.namespaces.map((ns) => `\`${ns}\``).join(", ");
    return {
      allowed: false,
      rule: "namespace",
      message: `GitLab project ${project.pathWithNamespace} is outside the groups this app may mirror (${policy.namespaces.join(", ")})`,
      advice:
        `The app's operator only allows mirrors to and from projects in ${allowed} (\`MIRROR_GITLAB_NAMESPACES\`). ` +
        "Nothing was mirrored. Name a project in one of those groups in `.mirror.yml`, or ask the operator to add this group.",
    };
  }
  const pulls = direction === "pull" || direction === "both";
  if (pulls && project.visibility !== "public" && repository.visibility === "public" && !policy.allowPublishingPrivate) {
    return {
      allowed: false,
      rule: "private-to-public",
      message: `Refused to publish ${project.visibility} GitLab project ${project.pathWithNamespace} in public repository ${repository.fullName}`,
      advice:
        `\`direction: ${direction}\` would copy code that is ${project.visibility} on GitLab into a public GitHub repository, where anyone can read it. ` +
        "Nothing was mirrored. Make the GitHub repository private, use `direction: push`, or, if publishing is intended, " +
        "ask the app's operator to set `MIRROR_ALLOW_PUBLISHING_PRIVATE=true`.",
    };
  }
  return { allowed: true };
}
