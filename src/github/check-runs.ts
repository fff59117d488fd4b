/**
 * Check run lifecycle, held to GitHub's limits: summary and text at most 65,535 characters,
 * title kept to one line, at most 50 annotations per request (the rest go in follow-up updates).
 */
import { redact } from "../secrets.js";
import type { GitHubClient, RepoRef } from "./types.js";

export type Conclusion = "success" | "failure" | "neutral" | "cancelled" | "skipped" | "action_required";

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  title?: string;
  message: string;
}

export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
  annotations?: CheckRunAnnotation[];
}

export interface CheckRunAction {
  label: string; // max 20 characters
  description: string; // max 40 characters
  identifier: string; // max 20 characters
}

const MAX_TEXT = 65_535;
const MAX_TITLE = 250;
const ANNOTATIONS_PER_REQUEST = 50;

function clip(text: string, max: number): string {
  const clean = redact(text);
  if (clean.length <= max) return clean;
  const note = "\n\n… (truncated)";
  return clean.slice(0, max - note.length) + note;
}

/** Everything shown on GitHub goes through here: redacted and clipped. */
export function safeOutput(output: CheckRunOutput): CheckRunOutput {
  return {
    title: clip(output.title.split("\n")[0] ?? "", MAX_TITLE),
    summary: clip(output.summary, MAX_TEXT),
    ...(output.text !== undefined ? { text: clip(output.text, MAX_TEXT) } : {}),
    ...(output.annotations ? { annotations: output.annotations.map((a) => ({ ...a, message: clip(a.message, 64_000) })) } : {}),
  };
}

export async function startCheckRun(
  octokit: GitHubClient,
  repo: RepoRef,
  { name, headSha, title, externalId }: { name: string; headSha: string; title: string; externalId?: string },
): Promise<number> {
  return createCheckRun(octokit, repo, { name, headSha, externalId, status: "in_progress", output: { title, summary: "mirror-bot is mirroring this commit." } });
}

/** Replaces the output of a run still in progress (its status is left alone). */
export async function updateCheckRunOutput(octokit: GitHubClient, { owner, repo }: RepoRef, id: number, output: CheckRunOutput): Promise<void> {
  await octokit.rest.checks.update({ owner, repo, check_run_id: id, output: safeOutput(output) });
}

export async function completeCheckRun(
  octokit: GitHubClient,
  repo: RepoRef,
  id: number,
  { conclusion, output, actions }: { conclusion: Conclusion; output: CheckRunOutput; actions?: CheckRunAction[] },
): Promise<void> {
  await updateCheckRun(octokit, repo, id, { status: "completed", conclusion, output, actions });
}

/**
 * A check run that is created already finished (config validation, quick failures): one request,
 * which matters because Probot's Octokit spaces write requests a second apart (GitHub's advice
 * against secondary rate limits).
 */
export async function createCompletedCheckRun(
  octokit: GitHubClient,
  repo: RepoRef,
  run: { name: string; headSha: string; conclusion: Conclusion; output: CheckRunOutput; actions?: CheckRunAction[]; externalId?: string; startedAt?: Date },
): Promise<number> {
  return createCheckRun(octokit, repo, { ...run, status: "completed" });
}

/** A check run's state as the checks API answers it (the fields mirror-bot reads). */
export interface CheckRunInfo {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  started_at: string | null;
  html_url?: string | null;
}

/** Every check run with this name on a commit, all runs (not only the latest). */
export async function listCheckRunsNamed(octokit: GitHubClient, { owner, repo }: RepoRef, ref: string, name: string): Promise<CheckRunInfo[]> {
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, { owner, repo, ref, check_name: name, filter: "all", per_page: 100 });
  return runs.map((r) => ({
    id: r.id,
    name: r.name,
    status: r.status,
    conclusion: r.conclusion ?? null,
    external_id: r.external_id ?? null,
    started_at: r.started_at ?? null,
    html_url: r.html_url ?? null,
  }));
}

export type CheckRunWrite = {
  status: "queued" | "in_progress" | "completed";
  conclusion?: Conclusion;
  output: CheckRunOutput;
  detailsUrl?: string;
  /** Replaces the buttons; [] removes them. */
  actions?: CheckRunAction[];
};

/**
 * Creates a check run in any state (queued, in progress or completed): the one `checks.create`.
 * Annotations past GitHub's 50 per request follow in updates.
 */
export async function createCheckRun(
  octokit: GitHubClient,
  { owner, repo }: RepoRef,
  { name, headSha, externalId, startedAt, ...write }: CheckRunWrite & { name: string; headSha: string; externalId?: string; startedAt?: Date },
): Promise<number> {
  const now = new Date();
  const { fields, moreAnnotations } = checkRunFields(write, now);
  const { data } = await octokit.rest.checks.create({
    owner,
    repo,
    name,
    head_sha: headSha,
    ...(externalId ? { external_id: externalId } : {}),
    started_at: (startedAt ?? now).toISOString(),
    ...fields,
  });
  await moreAnnotations(octokit, { owner, repo }, data.id);
  return data.id;
}

/** Sets a check run's state and output: the one full `checks.update`. */
export async function updateCheckRun(octokit: GitHubClient, { owner, repo }: RepoRef, id: number, write: CheckRunWrite): Promise<void> {
  const { fields, moreAnnotations } = checkRunFields(write, new Date());
  await octokit.rest.checks.update({ owner, repo, check_run_id: id, ...fields });
  await moreAnnotations(octokit, { owner, repo }, id);
}

/** The request fields of a write (redacted, clipped, first 50 annotations), and the updates that carry the rest. */
function checkRunFields({ status, conclusion, output, detailsUrl, actions }: CheckRunWrite, now: Date) {
  const safe = safeOutput(output);
  const annotations = safe.annotations ?? [];
  const fields = {
    status,
    ...(status === "completed" ? { conclusion: conclusion ?? "neutral", completed_at: now.toISOString() } : {}),
    ...(detailsUrl ? { details_url: detailsUrl } : {}),
    output: { ...safe, annotations: annotations.slice(0, ANNOTATIONS_PER_REQUEST) },
    ...(actions ? { actions } : {}),
  };
  const moreAnnotations = async (octokit: GitHubClient, { owner, repo }: RepoRef, id: number) => {
    for (let i = ANNOTATIONS_PER_REQUEST; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) {
      await octokit.rest.checks.update({
        owner,
        repo,
        check_run_id: id,
        output: { title: safe.title, summary: safe.summary, annotations: annotations.slice(i, i + ANNOTATIONS_PER_REQUEST) },
      });
    }
  };
  return { fields, moreAnnotations };
}

/**
 * What a 403 or 422 answer to a check run write means, for the log: the permission the app lacks,
 * or what GitHub refused. Null for other failures.
 */
export function checkRunRefusal(error: unknown): string | null {
  const status = (error as { status?: number }).status;
  const message = (error as { response?: { data?: { message?: string } } }).response?.data?.message ?? (error as Error).message ?? "";
  if (status === 403) return `GitHub refused to write a check run (403: ${message}): the app needs the "Checks: Read and write" permission, accepted by the installation`;
  if (status === 422) return `GitHub refused the check run (422: ${message}): the commit may be unknown to GitHub, or the app lacks the "Checks: Read and write" permission`;
  return null;
}

/** Puts a note at the top of a check run's summary, whatever its state (a completed run keeps its conclusion). */
export async function addCheckRunNote(
  octokit: GitHubClient,
  { owner, repo }: RepoRef,
  id: number,
  current: { title: string; summary: string; text?: string | null },
  note: string,
): Promise<void> {
  const summary = `> ${note.replace(/\n/g, "\n> ")}\n\n${current.summary}`;
  await octokit.rest.checks.update({ owner, repo, check_run_id: id, output: safeOutput({ title: current.title, summary, ...(current.text ? { text: current.text } : {}) }) });
}
