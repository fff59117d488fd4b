/**
 * Git LFS for the fakes: the batch API (`<repo>.git/info/lfs/objects/batch`) and the basic
 * transfer adapter (download, upload, verify), as git-lfs' docs/api/batch.md and
 * basic-transfers.md describe and as GitHub and GitLab answer them. Objects live on disk under
 * `<storeRoot>/<repo path>/<oid[0:2]>/<oid[2:4]>/<oid>`, written while streaming (never whole in
 * memory) and checked against their oid and size, as both services do.
 *
 * The services differ where the fakes differ:
 * - GitHub hands out transfer hrefs on its media host with a one-time `RemoteAuth` token (the fake:
 *   `/_lfs/<repo>/...` on the same server; the git credentials are refused there), asks for a
 *   `verify` call after uploads, refuses objects over its per-file limit one by one (422), and
 *   answers 403 "Git LFS is disabled for this repository." when LFS is off.
 * - GitLab hands out `<repo>.git/gitlab-lfs/objects/<oid>[/<size>]` with the same Basic
 *   credentials (uploads also with `Transfer-Encoding: chunked`), refuses the whole upload batch when it would exceed the project's size limit
 *   (406), and answers 404 "Not found." when LFS is disabled for the project.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { drain, readBody } from "./http/body.js";

export type LfsFlavour = "github" | "gitlab";

export interface LfsSettings {
  /** Off: every LFS request is refused the way the service refuses it. */
  enabled: boolean;
  /** GitHub: largest object accepted (per file). GitLab: the project's size limit for what one push adds. */
  sizeLimitBytes?: number;
}

export type LfsAccess = "ok" | "unauthorized" | "forbidden" | "not-found";

export interface LfsServerOptions {
  flavour: LfsFlavour;
  storeRoot: string;
  /** Whether this password may download or upload (the same rules as git's). */
  authorize(repoPath: string, operation: "download" | "upload", password: string | undefined): LfsAccess;
  settings(repoPath: string): LfsSettings;
}

const OID = /^[0-9a-f]{64}$/;
const LFS_JSON = "application/vnd.git-lfs+json";
const BATCH = /^\/(.+?)\.git\/info\/lfs\/objects\/batch$/;
const GITLAB_OBJECT = /^\/(.+?)\.git\/gitlab-lfs\/objects\/([0-9a-f]{64})(?:\/(\d+))?$/;
const GITHUB_OBJECT = /^\/_lfs\/(.+?)\/objects\/([0-9a-f]{64})(\/verify)?$/;
const GITHUB_DOCS = "https://docs.github.com/rest";
/** GitHub's per-file limit on Free and Pro plans (2 GiB). */
export const GITHUB_LFS_MAX_BYTES = 2 * 1024 ** 3;

/** Where an object is kept on disk. */
export function lfsObjectPath(storeRoot: string, repoPath: string, oid: string): string {
  return path.join(storeRoot, repoPath.toLowerCase(), oid.slice(0, 2), oid.slice(2, 4), oid);
}

/**
 * Writes an object into a store from a stream (tests and benchmarks seed a source side this way,
 * e.g. 2 GB generated on the fly); resolves to its oid and size.
 */
export async function writeLfsObject(storeRoot: string, repoPath: string, content: AsyncIterable<Buffer> | NodeJS.ReadableStream): Promise<{ oid: string; size: number }> {
  const tmpDir = path.join(storeRoot, ".tmp");
  await mkdir(tmpDir, { recursive: true });
  const tmp = path.join(tmpDir, randomBytes(8).toString("hex"));
  const hash = createHash("sha256");
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(content as NodeJS.ReadableStream, tap, createWriteStream(tmp));
  const oid = hash.digest("hex");
  const final = lfsObjectPath(storeRoot, repoPath, oid);
  await mkdir(path.dirname(final), { recursive: true });
  await rename(tmp, final);
  return { oid, size };
}

function basicAuth(header: string | undefined): { username?: string; password?: string } {
  if (!header?.startsWith("Basic ")) return {};
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? { username: decoded } : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": LFS_JSON, "content-length": String(Buffer.byteLength(text)), ...headers }).end(text);
}

/** A batch request's JSON body (at most 10 MB; a longer one does not parse). */
async function readJson(req: IncomingMessage, log?: (text: string) => void): Promise<unknown> {
  const text = await readBody(req, 10 * 1024 * 1024);
  log?.(text);
  return JSON.parse(text);
}

interface BatchObject {
  oid: string;
  size: number;
}

export interface LoggedBatch {
  repoPath: string;
  /** The request body as sent (JSON text). */
  body: string;
}

export class LfsServer {
  /** Every batch request's body, in order (the fake's request log keeps no bodies of non-API requests). */
  readonly batches: LoggedBatch[] = [];
  /** One-time-ish media tokens GitHub hands out per batch (RemoteAuth): token → repository. */
  readonly #mediaTokens = new Map<string, string>();

  constructor(private readonly options: LfsServerOptions) {}

  /** Answers an LFS request; false when the path is not one. */
  async handle(req: IncomingMessage, res: ServerResponse, baseUrl: string): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://sandbox");
    const batch = BATCH.exec(url.pathname);
    if (batch && req.method === "POST") {
      await this.#batch(req, res, decodeURIComponent(batch[1]!), baseUrl);
      return true;
    }
    const gitlab = this.options.flavour === "gitlab" ? GITLAB_OBJECT.exec(url.pathname) : null;
    if (gitlab) {
      await this.#gitlabTransfer(req, res, decodeURIComponent(gitlab[1]!), gitlab[2]!, gitlab[3]);
      return true;
    }
    const github = this.options.flavour === "github" ? GITHUB_OBJECT.exec(url.pathname) : null;
    if (github) {
      await this.#githubTransfer(req, res, decodeURIComponent(github[1]!), github[2]!, github[3] !== undefined);
      return true;
    }
    return false;
  }

  async #batch(req: IncomingMessage, res: ServerResponse, repoPath: string, baseUrl: string): Promise<void> {
    let body: { operation?: unknown; objects?: unknown };
    try {
      body = (await readJson(req, (text) => this.batches.push({ repoPath, body: text }))) as typeof body;
    } catch {
      json(res, 422, { message: "Unable to parse request", documentation_url: GITHUB_DOCS });
      return;
    }
    const operation = body.operation === "upload" ? "upload" : body.operation === "download" ? "download" : undefined;
    const objects = Array.isArray(body.objects) ? (body.objects as BatchObject[]) : undefined;
    if (!operation || !objects || objects.some((o) => typeof o?.oid !== "string" || typeof o?.size !== "number")) {
      json(res, 422, { message: "Invalid request", documentation_url: GITHUB_DOCS });
      return;
    }
    const { password } = basicAuth(req.headers.authorization);
    const access = this.options.authorize(repoPath, operation, password);
    if (access === "unauthorized") {
      json(res, 401, { message: "Credentials needed" }, { "lfs-authenticate": 'Basic realm="Git LFS"' });
      return;
    }
    if (access === "not-found") {
      json(res, 404, this.#notFoundBody());
      return;
    }
    if (access === "forbidden") {
      json(
        res,
        403,
        this.options.flavour === "gitlab" ? { message: "Access forbidden. Check your access level.", documentation_url: `${baseUrl}/help` } : { message: "Forbidden" },
      );
      return;
    }
    const settings = this.options.settings(repoPath);
    if (!settings.enabled) {
      if (this.options.flavour === "gitlab") json(res, 404, { message: "Not found.", documentation_url: `${baseUrl}/help` });
      else json(res, 403, { message: "Git LFS is disabled for this repository.", documentation_url: GITHUB_DOCS });
      return;
    }
    const present = await Promise.all(objects.map((o) => this.#has(repoPath, o)));
    if (operation === "upload" && this.options.flavour === "gitlab" && settings.sizeLimitBytes !== undefined) {
      const adding = objects.filter((_, i) => !present[i]).reduce((sum, o) => sum + o.size, 0);
      if (adding > settings.sizeLimitBytes) {
        json(res, 406, { message: gitlabSizeMessage(settings.sizeLimitBytes, adding - settings.sizeLimitBytes), documentation_url: `${baseUrl}/help` });
        return;
      }
    }
    const auth = this.#transferAuth(repoPath, req.headers.authorization);
    const answered = objects.map((o, i) => {
      if (!OID.test(o.oid)) return { oid: o.oid, size: o.size, error: { code: 422, message: "Invalid object id" } };
      if (operation === "download") {
        if (!present[i]) return { oid: o.oid, size: o.size, error: { code: 404, message: "Object does not exist on the server or you don't have permissions to access it" } };
        return { oid: o.oid, size: o.size, authenticated: true, actions: { download: { href: this.#href(baseUrl, repoPath, o), header: auth, expires_in: 3600 } } };
      }
      if (present[i]) return { oid: o.oid, size: o.size, authenticated: true }; // nothing to do: the server has it
      if (this.options.flavour === "github") {
        const limit = settings.sizeLimitBytes ?? GITHUB_LFS_MAX_BYTES;
        if (o.size > limit) return { oid: o.oid, size: o.size, error: { code: 422, message: `Size must be less than or equal to ${limit}` } };
        const href = this.#href(baseUrl, repoPath, o);
        return {
          oid: o.oid,
          size: o.size,
          authenticated: true,
          actions: { upload: { href, header: auth, expires_in: 3600 }, verify: { href: `${href}/verify`, header: auth, expires_in: 3600 } },
        };
      }
      // Repositories::LfsApiController#upload_headers: the credentials, the type Workhorse intercepts, chunked encoding.
      const header = { ...auth, "Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked" };
      return { oid: o.oid, size: o.size, authenticated: true, actions: { upload: { href: `${this.#href(baseUrl, repoPath, o)}/${o.size}`, header, expires_in: 3600 } } };
    });
    json(res, 200, { transfer: "basic", objects: answered, hash_algo: "sha256" });
  }

  #notFoundBody() {
    return this.options.flavour === "gitlab" ? { message: "Not found." } : { message: "Repository or object not found", documentation_url: GITHUB_DOCS };
  }

  /** GitLab repeats the request's Basic credentials; GitHub issues a media token. */
  #transferAuth(repoPath: string, authorization: string | undefined): Record<string, string> {
    if (this.options.flavour === "gitlab") return authorization ? { Authorization: authorization } : {};
    const token = randomBytes(20).toString("hex");
    this.#mediaTokens.set(token, repoPath.toLowerCase());
    return { Authorization: `RemoteAuth ${token}` };
  }

  #href(baseUrl: string, repoPath: string, o: BatchObject): string {
    return this.options.flavour === "gitlab" ? `${baseUrl}/${repoPath}.git/gitlab-lfs/objects/${o.oid}` : `${baseUrl}/_lfs/${repoPath}/objects/${o.oid}`;
  }

  async #has(repoPath: string, o: BatchObject): Promise<boolean> {
    if (!OID.test(o.oid)) return false;
    const found = await stat(lfsObjectPath(this.options.storeRoot, repoPath, o.oid)).catch(() => null);
    return found !== null && found.size === o.size;
  }

  async #gitlabTransfer(req: IncomingMessage, res: ServerResponse, repoPath: string, oid: string, size: string | undefined): Promise<void> {
    const operation = req.method === "PUT" ? "upload" : "download";
    const access = this.options.authorize(repoPath, operation, basicAuth(req.headers.authorization).password);
    if (access !== "ok" || !this.options.settings(repoPath).enabled) {
      await drain(req);
      json(res, access === "unauthorized" ? 401 : 404, { message: "Not found." });
      return;
    }
    if (req.method === "PUT" && size !== undefined) await this.#receive(req, res, repoPath, oid, Number(size));
    else if (req.method === "GET") await this.#send(res, repoPath, oid);
    else json(res, 405, { message: "Method not allowed" });
  }

  async #githubTransfer(req: IncomingMessage, res: ServerResponse, repoPath: string, oid: string, verify: boolean): Promise<void> {
    const token = /^RemoteAuth (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!token || this.#mediaTokens.get(token) !== repoPath.toLowerCase()) {
      await drain(req);
      json(res, 401, { message: "Bad credentials" });
      return;
    }
    if (verify && req.method === "POST") {
      const body = (await readJson(req).catch(() => ({}))) as Partial<BatchObject>;
      const ok = body.oid === oid && typeof body.size === "number" && (await this.#has(repoPath, { oid, size: body.size }));
      json(res, ok ? 200 : 404, ok ? {} : { message: "Object does not exist on the server" });
      return;
    }
    if (req.method === "PUT") {
      const length = Number(req.headers["content-length"]);
      await this.#receive(req, res, repoPath, oid, Number.isFinite(length) ? length : -1);
    } else if (req.method === "GET") await this.#send(res, repoPath, oid);
    else json(res, 405, { message: "Method not allowed" });
  }

  /** Streams an upload to disk; kept only if it hashes to its oid with the announced size. */
  async #receive(req: IncomingMessage, res: ServerResponse, repoPath: string, oid: string, size: number): Promise<void> {
    const { storeRoot } = this.options;
    let written: { oid: string; size: number };
    try {
      written = await writeLfsObject(path.join(storeRoot, ".incoming"), repoPath, req);
    } catch {
      if (!res.headersSent) json(res, 400, { message: "Upload interrupted" });
      return;
    }
    const incoming = lfsObjectPath(path.join(storeRoot, ".incoming"), repoPath, written.oid);
    if (written.oid !== oid || (size >= 0 && written.size !== size)) {
      await rm(incoming, { force: true });
      json(res, 422, { message: `Object ${oid} does not match its content (got ${written.size} bytes hashing to ${written.oid})` });
      return;
    }
    const final = lfsObjectPath(storeRoot, repoPath, oid);
    await mkdir(path.dirname(final), { recursive: true });
    await rename(incoming, final);
    res.writeHead(200).end();
  }

  async #send(res: ServerResponse, repoPath: string, oid: string): Promise<void> {
    const file = lfsObjectPath(this.options.storeRoot, repoPath, oid);
    const found = await stat(file).catch(() => null);
    if (!found) {
      json(res, 404, { message: "Object does not exist on the server" });
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(found.size) });
    await pipeline(createReadStream(file), res).catch(() => res.destroy());
  }
}

/** Gitlab::RepositorySizeErrorMessage#push_error, sizes as Rails' number_to_human_size(precision: 2) writes them. */
function gitlabSizeMessage(limit: number, exceeded: number): string {
  return `Your push has been rejected, because this repository has exceeded its size limit of ${humanSize(limit)} by ${humanSize(exceeded)}. Please contact your GitLab administrator for more information.`;
}

function humanSize(bytes: number): string {
  const units = ["Bytes", "KB", "MB", "GB", "TB"];
  let unit = 0;
  let value = bytes;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toPrecision(2))} ${units[unit]}`;
}

// GitLab's LFS integrity check (Gitlab::Checks::LfsCheck), a fragment of each fake project's
// pre-receive hook (gitlab/projects.ts), run after the branch checks with \`$revs\` holding the
// pushed tips: the blobs the push adds that are LFS pointers (at most 200 bytes, as GitLab reads
// them) must name objects the project has; otherwise the whole push is refused with GitLab's
// message. A push to an empty project adds every object it sends, so their list is read instead
// of walking the history. Off unless the fake sets the variable (LFS on for the project).
export const GITLAB_LFS_CHECK_ENV = "SANDBOX_LFS_CHECK_DIR";
export const GITLAB_LFS_CHECK_SH = `
if [ -n "$${GITLAB_LFS_CHECK_ENV}" ] && [ -n "$revs" ]; then
  if [ -z "$(git for-each-ref --count=1)" ]; then
    blobs=$(git cat-file --batch-all-objects --unordered --batch-check='%(objecttype) %(objectsize) %(objectname)' | awk '$1 == "blob" && $2 <= 200 { print $3 }')
  else
    blobs=$(git rev-list --objects --filter=object:type=blob --filter=blob:limit=201 $revs --not --all | awk 'NF > 1 { print $1 }')
  fi
  missing=""
  [ -z "$blobs" ] || missing=$(echo "$blobs" | git cat-file --batch | sed -n 's/^oid sha256:\\([0-9a-f]\\{64\\}\\)$/\\1/p' |
    while read oid; do
      a=$(echo "$oid" | cut -c1-2); b=$(echo "$oid" | cut -c3-4)
      [ -f "$${GITLAB_LFS_CHECK_ENV}/$a/$b/$oid" ] || echo "$oid"
    done)
  if [ -n "$missing" ]; then
    echo 'GitLab: LFS objects are missing. Ensure LFS is properly set up or try a manual "git lfs push --all".' >&2
    exit 1
  fi
fi
`;
