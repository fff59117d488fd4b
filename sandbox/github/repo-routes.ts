/** Repository metadata and file contents, read from the bare repository with git. */
import { git } from "../git.js";
import { conditional } from "../http/conditional.js";
import { HttpError, type ApiRequest, type Router } from "../http/router.js";
import { DOCS_URL } from "./app-auth.js";
import type { GitHubContext } from "./context.js";
import { repositoryObject } from "./objects.js";
import { notFound, type GitHubState, type RepoRecord } from "./state.js";

/** GitHub sends file contents only up to 1 MB; bigger files come back with encoding "none". */
const MAX_INLINE = 1024 * 1024;

export function repoRoutes(router: Router, ctx: GitHubContext): void {
  const contents = async (req: ApiRequest) => {
    const repo = ctx.readableRepo(req);
    const ref = req.query.get("ref") || repo.defaultBranch;
    const path = (req.params.path ?? "").replace(/^\/+|\/+$/g, "");
    return conditional(req.headers, await readContents(ctx.state, repo, path, ref));
  };
  // Both answer conditional requests (ETag / If-None-Match / 304), as GitHub does.
  router
    .on("GET", "/repos/:owner/:repo", (req) => conditional(req.headers, repositoryObject(ctx.state, ctx.readableRepo(req), "rest")))
    .on("GET", "/repos/:owner/:repo/contents", contents)
    .on("GET", "/repos/:owner/:repo/contents/:path(*)", contents);
}

interface ObjectHeader {
  sha: string;
  type: string;
  size: number;
  body: Buffer;
}

/** One `git cat-file --batch` round trip: resolves `<ref>:<path>` and returns the object. */
async function catFile(bareDir: string, spec: string): Promise<ObjectHeader | undefined> {
  const out = await git(["cat-file", "--batch"], { cwd: bareDir, input: `${spec}\n`, binary: true });
  const newline = out.indexOf(10);
  const [sha, type, size] = out.subarray(0, newline).toString("utf8").split(" ");
  if (type === "missing" || size === undefined) return undefined;
  return { sha: sha!, type: type!, size: Number(size), body: out.subarray(newline + 1, newline + 1 + Number(size)) };
}

function links(state: GitHubState, repo: RepoRecord, path: string, ref: string, sha: string, kind: "blob" | "tree") {
  const self = `${state.urls.api}/repos/${repo.fullName}/contents/${path}?ref=${encodeURIComponent(ref)}`;
  const gitUrl = `${state.urls.api}/repos/${repo.fullName}/git/${kind}s/${sha}`;
  const html = `${state.urls.web}/${repo.fullName}/${kind}/${ref}/${path}`;
  return { url: self, html_url: html, git_url: gitUrl, _links: { self, git: gitUrl, html } };
}

async function readContents(state: GitHubState, repo: RepoRecord, path: string, ref: string): Promise<unknown> {
  if (path.split("/").includes("..")) throw notFound();
  const object = await catFile(repo.bareDir, `${ref}:${path}`);
  if (!object) {
    const refExists = await catFile(repo.bareDir, `${ref}^{commit}`);
    if (!refExists) throw new HttpError(404, { message: `No commit found for the ref ${ref}`, documentation_url: DOCS_URL });
    throw notFound();
  }
  const name = path.split("/").pop() ?? "";
  if (object.type === "tree") return listTree(state, repo, path, ref);
  const inline = object.size <= MAX_INLINE;
  return {
    type: "file",
    encoding: inline ? "base64" : "none",
    size: object.size,
    name,
    path,
    // GitHub wraps the base64 at 60 characters; clients must cope with the newlines.
    content: inline ? (object.body.toString("base64").match(/.{1,60}/g) ?? []).map((line) => `${line}\n`).join("") : "",
    sha: object.sha,
    ...links(state, repo, path, ref, object.sha, "blob"),
    download_url: `${state.urls.web}/${repo.fullName}/raw/${ref}/${path}`,
  };
}

async function listTree(state: GitHubState, repo: RepoRecord, path: string, ref: string): Promise<unknown[]> {
  const out = await git(["ls-tree", "-l", "-z", `${ref}:${path}`], { cwd: repo.bareDir });
  return out
    .split("\0")
    .filter(Boolean)
    .map((entry) => {
      const tab = entry.indexOf("\t");
      const [, type, sha, size] = entry.slice(0, tab).split(/\s+/);
      const name = entry.slice(tab + 1);
      const child = path ? `${path}/${name}` : name;
      const kind = type === "tree" ? "dir" : type === "commit" ? "submodule" : "file";
      return {
        type: kind,
        size: kind === "file" ? Number(size) : 0,
        name,
        path: child,
        sha,
        ...links(state, repo, child, ref, sha!, type === "tree" ? "tree" : "blob"),
        download_url: kind === "file" ? `${state.urls.web}/${repo.fullName}/raw/${ref}/${child}` : null,
      };
    });
}
