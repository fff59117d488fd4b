/**
 * What merging a `.mirror.yml` would do, worked out without writing anything: for each mirror,
 * the GitLab project it resolves to (looked up, never created), the operator's access policy, the
 * GitLab token's scopes, and the engine's own plan for each direction (preview-mirror.ts: both
 * sides listed with `ls-remote`, history read from an existing cache, nothing fetched or pushed,
 * no hook registered). The pure rendering is report/render-config-plan.ts.
 */
import type { Logger } from "pino";
import { cacheLayout } from "../cache/layout.js";
import { createRefFilter } from "../config/match-refs.js";
import type { MirrorConfig } from "../config/schema.js";
import { blockedByProtection } from "../diagnostics/protected-branches.js";
import { diagnoseGitLabToken } from "../diagnostics/gitlab-token.js";
import type { AppEnv } from "../env.js";
import { toMirrorError } from "../errors.js";
import type { RepositoryInfo } from "../github/repository.js";
import type { RepoRef } from "../github/types.js";
import type { GitLabClient, GitLabProject, GitLabProtectedBranch } from "../gitlab/client.js";
import { listRefs } from "../mirror/compare-refs.js";
import type { AdvertisedRefs } from "../mirror/types.js";
import { previewMirror } from "../mirror/preview-mirror.js";
import type { GitEndpoint, RefMap } from "../mirror/types.js";
import { checkAccess, type AccessPolicy } from "../policy/access-policy.js";
import type { AgreedStore } from "../records/agreed-store.js";
import type { HalfPlan, MirrorPlan, ProjectState, RepoPlan, Verdict } from "../report/render-config-plan.js";
import { gitlabVisibilityFor } from "../sync/ensure-project.js";

export interface PlanDeps {
  env: Pick<AppEnv, "cacheDir" | "gitTimeoutMs" | "gitlabToken">;
  gitlab: GitLabClient;
  agreed: AgreedStore;
  policy: AccessPolicy;
  log: Pick<Logger, "debug" | "warn">;
}

/** The GitLab token's verdict, asked once per check run: `write` for push and both, `read` for pull. */
export type TokenVerdicts = { write: Verdict; read: Verdict } | undefined;

export async function tokenVerdicts(deps: PlanDeps): Promise<TokenVerdicts> {
  try {
    const found = diagnoseGitLabToken(await deps.gitlab.tokenInfo()).filter((d) => d.level === "error");
    const verdict = (ignore: RegExp | null): Verdict => {
      const problem = found.find((d) => !ignore || !ignore.test(d.title));
      return problem ? { ok: false, message: problem.title, advice: problem.advice } : { ok: true };
    };
    return { write: verdict(null), read: verdict(/write_repository/) };
  } catch (error) {
    // A project token may not read its own details; the lookups and listings below still tell.
    deps.log.debug({ err: error }, "could not read the GitLab token's scopes for the config plan");
    return undefined;
  }
}

const NO_REFS: AdvertisedRefs = { refs: new Map(), peeled: new Map() };

/** The plan of one repository's mirrors. Never throws: what cannot be worked out is said in the plan. */
export async function planRepository(
  deps: PlanDeps,
  repo: RepoRef,
  repository: Pick<RepositoryInfo, "cloneUrl" | "private" | "visibility">,
  mirrors: MirrorConfig[],
  githubToken: string,
  tokens: TokenVerdicts,
): Promise<RepoPlan> {
  const github: GitEndpoint = { url: repository.cloneUrl, username: "x-access-token", password: githubToken };
  let githubRefs: Promise<AdvertisedRefs> | undefined; // listed once, for every mirror that needs it
  const listGitHub = () => (githubRefs ??= listRefs(github, "GitHub", deps.env.gitTimeoutMs));
  const plans: MirrorPlan[] = [];
  for (const mirror of mirrors) plans.push(await planMirror(deps, repo, repository, mirror, listGitHub, tokens));
  return { repo: `${repo.owner}/${repo.repo}`, mirrors: plans };
}

async function planMirror(
  deps: PlanDeps,
  repo: RepoRef,
  repository: Pick<RepositoryInfo, "private" | "visibility">,
  mirror: MirrorConfig,
  listGitHub: () => Promise<AdvertisedRefs>,
  tokens: TokenVerdicts,
): Promise<MirrorPlan> {
  const { project, state, rejected } = await lookUpProject(deps.gitlab, mirror, repository);
  const plan: MirrorPlan = { mirror, project: state, halves: [] };
  // A token GitLab rejects (401) can neither read nor push, whatever its scopes said.
  const token = rejected ?? (mirror.direction === "pull" ? tokens?.read : tokens?.write);
  if (token) plan.token = token;
  if (state.kind === "missing" || state.kind === "unknown") return plan;
  const subject = state.kind === "exists" ? state.pathWithNamespace : state.path;
  const decision = checkAccess(deps.policy, {
    direction: mirror.direction,
    project: { pathWithNamespace: subject, visibility: state.visibility as GitLabProject["visibility"] },
    repository: { fullName: `${repo.owner}/${repo.repo}`, visibility: repository.visibility },
  });
  plan.policy = decision.allowed ? { ok: true } : { ok: false, message: decision.message, advice: decision.advice };
  if (!decision.allowed || (token && !token.ok)) return plan;

  const gitlabEndpoint: GitEndpoint | undefined = project && { url: project.httpUrlToRepo, username: "oauth2", password: deps.env.gitlabToken ?? "" };
  const [githubRefs, gitlabRefs, agreed, rules] = await Promise.all([
    settle(listGitHub()),
    gitlabEndpoint ? settle(listRefs(gitlabEndpoint, "GitLab", deps.env.gitTimeoutMs)) : { ok: true as const, value: NO_REFS },
    project ? settle(deps.agreed.forMirror(repo, project.id).load()) : { ok: true as const, value: new Map() as RefMap },
    project && mirror.direction !== "pull" ? protectedBranches(deps, project.id) : Promise.resolve([] as GitLabProtectedBranch[]),
  ]);
  const failed = [githubRefs, gitlabRefs, agreed].find((r) => !r.ok);
  const error = failed && !failed.ok ? toMirrorError(failed.error).userMessage : undefined;
  const layout = cacheLayout(deps.env.cacheDir);
  const halves: Array<{ target: HalfPlan["target"]; cacheDir: string; source: AdvertisedRefs; targetRefs: AdvertisedRefs }> = [];
  if (githubRefs.ok && gitlabRefs.ok) {
    if (mirror.direction !== "pull") halves.push({ target: "GitLab", cacheDir: layout.pushCache(repo), source: githubRefs.value, targetRefs: gitlabRefs.value });
    // The pull cache is per project: a project not created yet has none (and nothing to pull).
    if (mirror.direction !== "push") halves.push({ target: "GitHub", cacheDir: layout.pullCache(repo, project?.id ?? -1), source: gitlabRefs.value, targetRefs: githubRefs.value });
  }
  for (const half of halves) {
    if (error || !agreed.ok) {
      plan.halves.push({ target: half.target, error });
      continue;
    }
    try {
      const preview = await previewMirror({
        cacheDir: half.cacheDir,
        source: half.source,
        target: half.targetRefs,
        includeRef: createRefFilter(mirror),
        prune: mirror.prune,
        force: mirror.force,
        agreed: agreed.value,
        twoWay: mirror.direction === "both",
        blockedBy: half.target === "GitLab" ? (changes) => blockedByProtection(changes, rules) : undefined,
        timeoutMs: deps.env.gitTimeoutMs,
      });
      plan.halves.push({ target: half.target, preview });
    } catch (caught) {
      plan.halves.push({ target: half.target, error: toMirrorError(caught).userMessage });
    }
  }
  if (halves.length === 0) plan.halves.push({ target: mirror.direction === "pull" ? "GitHub" : "GitLab", error });
  return plan;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(promise: Promise<T>): Promise<Settled<T>> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/** If GitLab will not list the rules, nothing is marked protected: the sync's push then says what GitLab refuses. */
async function protectedBranches(deps: PlanDeps, projectId: number): Promise<GitLabProtectedBranch[]> {
  if (!deps.gitlab.protectedBranches) return [];
  return deps.gitlab.protectedBranches(projectId).catch((error) => {
    deps.log.debug({ err: error, projectId }, "could not list protected branches for the config plan");
    return [];
  });
}

/** Looks the project up; a missing one with `create: true` is what the sync would create (not created here). */
async function lookUpProject(
  gitlab: GitLabClient,
  mirror: Pick<MirrorConfig, "gitlab" | "create">,
  repository: Pick<RepositoryInfo, "private" | "visibility">,
): Promise<{ project?: GitLabProject; state: ProjectState; rejected?: Verdict }> {
  try {
    const project = await gitlab.showProject(mirror.gitlab);
    return { project, state: { kind: "exists", pathWithNamespace: project.pathWithNamespace, webUrl: project.webUrl, visibility: project.visibility } };
  } catch (caught) {
    const error = toMirrorError(caught);
    if (error.code === "gitlab_unauthorized") {
      return { state: { kind: "unknown", message: error.userMessage }, rejected: { ok: false, message: error.userMessage, advice: error.advice } };
    }
    if (error.code !== "gitlab_project_not_found") return { state: { kind: "unknown", message: error.userMessage } };
    if (mirror.create && typeof mirror.gitlab === "string") {
      return { state: { kind: "would-create", path: mirror.gitlab, visibility: gitlabVisibilityFor(repository) } };
    }
    const advice =
      typeof mirror.gitlab === "string"
        ? "Create it, fix the `gitlab:` path, or add `create: true` so mirror-bot creates it."
        : "Fix the project id, or name the project by its path with `create: true` so mirror-bot creates it.";
    return { state: { kind: "missing", message: `GitLab project ${mirror.gitlab} does not exist (or mirror-bot's token cannot see it)`, advice } };
  }
}
