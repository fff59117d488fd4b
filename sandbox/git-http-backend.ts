/**
 * Real git smart HTTP for the sandbox: requests for `/<path>.git/...` are handed to
 * `git http-backend` (the CGI program that ships with git) over bare repositories under `root`.
 * Mount the handler in a fake GitHub or GitLab server so their clone URLs work with real git.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import os from "node:os";
import path from "node:path";
import { rewriteReportStatus } from "./pkt-line.js";

export interface GitRequest {
  /** Repository path without `.git`, e.g. `octo/hello` or `group/sub/project`. */
  repoPath: string;
  service: "upload-pack" | "receive-pack";
  /** Basic-auth credentials, if the client sent any. */
  username?: string;
  password?: string;
}

export interface GitHttpOptions {
  /** Directory holding `<repoPath>.git` bare repositories. */
  root: string;
  /** Return false to answer 401 (no credentials) or 403 (wrong credentials). */
  authorize?: (request: GitRequest) => boolean;
  /** Called after a receive-pack (push) request has been served. */
  onPush?: (request: GitRequest) => void;
  /** Called before a receive-pack request is served; lets tests hold or fail a push. */
  beforePush?: (request: GitRequest) => Promise<void> | void;
  /** Extra environment for `git http-backend` and the hooks it runs, per request (e.g. who pushes). */
  extraEnv?: (request: GitRequest) => Record<string, string>;
  /**
   * Hooks directory (`core.hooksPath`) for receive-pack. A hook may refuse a ref with the server's
   * own reason, as GitHub does, by appending `<ref> <reason>` lines to `$GIT_SANDBOX_REJECTIONS`
   * and exiting non-zero: the push report then says `[remote rejected] <ref> (<reason>)`.
   */
  hooksPath?: string;
}

const GIT_PATH = /^\/(.+?)\.git(\/(?:info\/refs|git-upload-pack|git-receive-pack|HEAD|objects\/.*))$/;

function parseBasicAuth(header: string | undefined): { username?: string; password?: string } {
  if (!header?.startsWith("Basic ")) return {};
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? { username: decoded } : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Returns a request handler that answers git smart-HTTP requests and returns false for anything else. */
export function createGitHttpHandler(options: GitHttpOptions) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = GIT_PATH.exec(url.pathname);
    if (!match) return false;
    const repoPath = decodeURIComponent(match[1]!);
    if (repoPath.split("/").some((part) => part === ".." || part === "")) {
      res.writeHead(400).end("bad repository path");
      return true;
    }
    const service = url.searchParams.get("service") === "git-receive-pack" || match[2] === "/git-receive-pack" ? "receive-pack" : "upload-pack";
    const request: GitRequest = { repoPath, service, ...parseBasicAuth(req.headers.authorization) };
    if (options.authorize && !options.authorize(request)) {
      const status = request.password === undefined ? 401 : 403;
      res.writeHead(status, { "WWW-Authenticate": 'Basic realm="sandbox"' }).end("authentication required");
      return true;
    }
    const isPushPost = service === "receive-pack" && req.method === "POST";
    if (isPushPost) await options.beforePush?.(request);
    try {
      await runBackend(options, req, res, request, url, isPushPost);
    } finally {
      if (isPushPost) options.onPush?.(request); // always: push watchers wait for it
    }
    return true;
  };
}

async function runBackend(options: GitHttpOptions, req: IncomingMessage, res: ServerResponse, request: GitRequest, url: URL, isPushPost: boolean) {
  // Only a push that runs hooks is buffered, so its report can carry the hook's reasons.
  const hooked = isPushPost && options.hooksPath !== undefined;
  const tmp = hooked ? await mkdtemp(path.join(os.tmpdir(), "sandbox-push-")) : undefined;
  const rejections = tmp ? path.join(tmp, "rejections") : undefined;
  try {
    const body = await spawnBackend(options, req, res, request, url, rejections);
    if (body === undefined) return;
    const reasons = await readRejections(rejections);
    res.end(reasons.size > 0 ? rewriteReportStatus(body, reasons) : body);
  } finally {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }
}

async function readRejections(file: string | undefined): Promise<Map<string, string>> {
  const text = file ? await readFile(file, "utf8").catch(() => "") : "";
  const reasons = new Map<string, string>();
  for (const line of text.split("\n")) {
    const space = line.indexOf(" ");
    if (space > 0) reasons.set(line.slice(0, space), line.slice(space + 1));
  }
  return reasons;
}

/** Serves the request; with `rejections`, returns the response body instead of streaming it. */
function spawnBackend(options: GitHttpOptions, req: IncomingMessage, res: ServerResponse, request: GitRequest, url: URL, rejections: string | undefined) {
  return new Promise<Buffer | undefined>((resolve) => {
    const pathInfo = url.pathname;
    const config: [string, string][] = [["http.receivepack", "true"]];
    if (rejections && options.hooksPath) config.push(["core.hooksPath", path.resolve(options.hooksPath)]);
    const child = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        GIT_PROJECT_ROOT: path.resolve(options.root),
        GIT_HTTP_EXPORT_ALL: "1",
        PATH_INFO: pathInfo,
        REQUEST_METHOD: req.method ?? "GET",
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        CONTENT_LENGTH: req.headers["content-length"] ?? "",
        HTTP_CONTENT_ENCODING: (req.headers["content-encoding"] as string | undefined) ?? "",
        GIT_PROTOCOL: (req.headers["git-protocol"] as string | undefined) ?? "",
        REMOTE_USER: request.username ?? "sandbox",
        REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
        ...options.extraEnv?.(request),
        ...(rejections ? { GIT_SANDBOX_REJECTIONS: rejections } : {}),
        // Allow pushes over HTTP without a web server's auth layer (and run the fake's hooks).
        GIT_CONFIG_COUNT: String(config.length),
        ...Object.fromEntries(
          config.flatMap(([key, value], i) => [
            [`GIT_CONFIG_KEY_${i}`, key],
            [`GIT_CONFIG_VALUE_${i}`, value],
          ]),
        ),
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    req.pipe(child.stdin);
    child.stdin.on("error", () => undefined);
    let headerDone = false;
    let buffered = Buffer.alloc(0);
    const body: Buffer[] = [];
    const write = (chunk: Buffer) => (rejections ? body.push(chunk) : res.write(chunk));
    child.stdout.on("data", (chunk: Buffer) => {
      if (headerDone) {
        write(chunk);
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      headerDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of buffered.subarray(0, end).toString("latin1").split("\r\n")) {
        const colon = line.indexOf(":");
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      if (rejections) delete headers["Content-Length"]; // the report may be rewritten
      res.writeHead(status, headers);
      write(buffered.subarray(end + 4));
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => {
      if (!headerDone) {
        res.writeHead(500).end(`git http-backend failed (${code}): ${stderr}`);
        resolve(undefined);
      } else if (rejections) {
        resolve(Buffer.concat(body));
      } else {
        res.end();
        resolve(undefined);
      }
    });
  });
}
