/**
 * Creating projects and namespaces, and the bare repository behind each project. Every project
 * gets a pre-receive hook that enforces GitLab's protected-branch rules with GitLab's own
 * messages, so the app's error classification is tested against the real wording, and then
 * GitLab's LFS integrity check (lfs-server.ts).
 */
import { chmod, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { initBare } from "../git.js";
import { GITLAB_LFS_CHECK_SH } from "../lfs-server.js";
import { HttpError } from "../http/router.js";
import type { GitLabState, NamespaceRecord, ProjectRecord } from "./state.js";
import { USER } from "./state.js";

const PROTECTED_FILE = "sandbox-protected-branches";

const PRE_RECEIVE = `#!/bin/sh
# Installed by the sandbox's fake GitLab: GitLab's checks on protected and default branches.
zero=0000000000000000000000000000000000000000
rules="\${GIT_DIR:-.}/${PROTECTED_FILE}"
default_ref=$(git symbolic-ref -q HEAD)
revs=""
while read -r old new ref; do
  [ "$new" = "$zero" ] || revs="$revs $new"
  if [ "$new" = "$zero" ] && [ "$ref" = "$default_ref" ]; then
    echo "GitLab: The default branch of a project cannot be deleted." >&2
    exit 1
  fi
  case "$ref" in refs/heads/*) ;; *) continue ;; esac
  branch=\${ref#refs/heads/}
  [ -f "$rules" ] || continue
  while IFS=' ' read -r force pattern; do
    case "$branch" in
      $pattern)
        if [ "$new" = "$zero" ]; then
          echo "GitLab: You can only delete protected branches using the web interface." >&2
          exit 1
        fi
        if [ "$old" != "$zero" ] && [ "$force" != "1" ] && ! git merge-base --is-ancestor "$old" "$new" 2>/dev/null; then
          echo "GitLab: You are not allowed to force push code to a protected branch on this project." >&2
          exit 1
        fi ;;
    esac
  done < "$rules"
done
${GITLAB_LFS_CHECK_SH}
exit 0
`;

/** A GitLab-style path from a name: "My Project" → "my-project". */
export function pathFromName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** The namespace at `fullPath`, creating missing groups (a single segment that is the user is the user namespace). */
export function ensureNamespace(state: GitLabState, fullPath: string): NamespaceRecord {
  const existing = state.findNamespace(fullPath);
  if (existing) return existing;
  const parts = fullPath.split("/");
  const parent = parts.length > 1 ? ensureNamespace(state, parts.slice(0, -1).join("/")) : null;
  const name = parts[parts.length - 1]!;
  const ns: NamespaceRecord = {
    id: state.nextId("namespace"),
    name,
    path: name,
    fullPath,
    kind: !parent && name === USER.username ? "user" : "group",
    parentId: parent?.id ?? null,
    createdAt: new Date().toISOString(),
  };
  state.namespaces.set(fullPath.toLowerCase(), ns);
  return ns;
}

export async function createProjectRepo(
  state: GitLabState,
  root: string,
  { namespace, path: projectPath, name, visibility, defaultBranch }: Pick<ProjectRecord, "namespace" | "path" | "name" | "visibility" | "defaultBranch">,
): Promise<ProjectRecord> {
  const pathWithNamespace = `${namespace.fullPath}/${projectPath}`;
  if (state.findProject(pathWithNamespace)) {
    throw new HttpError(400, { message: { name: ["has already been taken"], path: ["has already been taken"] } });
  }
  const bareDir = path.join(root, `${pathWithNamespace}.git`);
  const project: ProjectRecord = {
    id: state.nextId("project"),
    name,
    path: projectPath,
    pathWithNamespace,
    namespace,
    visibility,
    defaultBranch,
    bareDir,
    createdAt: new Date().toISOString(),
    hooks: [],
    statuses: [],
    protectedBranches: [],
    pipelines: [],
  };
  // Reserve the path before the async work, so concurrent creates of one path conflict.
  state.projects.set(pathWithNamespace.toLowerCase(), project);
  try {
    await initBare(bareDir, defaultBranch);
    const hook = path.join(bareDir, "hooks", "pre-receive");
    await writeFile(hook, PRE_RECEIVE);
    await chmod(hook, 0o755);
  } catch (error) {
    state.projects.delete(pathWithNamespace.toLowerCase());
    throw error;
  }
  return project;
}

/** Rewrite the rules file the pre-receive hook reads: "<allow force 0|1> <branch pattern>" per line. */
export async function writeProtectedBranches(project: ProjectRecord): Promise<void> {
  const lines = project.protectedBranches.map((b) => `${b.allowForcePush ? 1 : 0} ${b.name}\n`).join("");
  await writeFile(path.join(project.bareDir, PROTECTED_FILE), lines);
}

/** An empty repository has no branch or tag: checked on disk, without spawning git. */
export async function isEmptyRepo(bareDir: string): Promise<boolean> {
  const heads = await readdir(path.join(bareDir, "refs", "heads"), { recursive: true }).catch(() => []);
  if (heads.length > 0) return false;
  const packed = await stat(path.join(bareDir, "packed-refs")).catch(() => undefined);
  return !packed || packed.size === 0;
}
