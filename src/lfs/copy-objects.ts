/**
 * Copies Git LFS objects from the source's LFS server to the target's, only those the target
 * lacks: the target's batch answer to an upload request says which need uploading; only those are
 * downloaded (or taken from the cache) and uploaded. Every object is streamed: from the source
 * into the cache and from there to the target, or, when it is larger than the cache's bound,
 * straight from one response into the other request. Its SHA-256 is checked on the way, so a
 * corrupt download is never uploaded from the cache.
 *
 * Speaking the batch API directly (rather than running `git lfs fetch` / `git lfs push` in the
 * bare cache): the objects are exactly those the pushed commits name, the target is asked once
 * which it lacks, every refusal comes back per object with the service's message (so one ref can
 * be left out while the others go), the bytes done can be reported while they move, and nothing
 * needs a working tree, a remote in the cache's config, or credentials outside this process.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { IncomingMessage } from "node:http";
import { PassThrough, Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { MirrorError } from "../errors.js";
import type { LfsCause, LfsPointer, LfsProgress } from "../mirror/types.js";
import { basicAuthorization } from "../mirror/git.js";
import { batch, lfsUrl, type LfsAction, type LfsServer } from "./batch-api.js";
import { errorMessage, send } from "./http.js";
import type { LfsCache } from "./lfs-cache.js";

export interface CopyRequest {
  objects: LfsPointer[];
  source: LfsServer;
  target: LfsServer;
  cache: LfsCache;
  idleTimeoutMs: number;
  onProgress?: (progress: LfsProgress) => void;
  /** Objects moved at the same time. */
  concurrency?: number;
}

export interface CopyFailure {
  cause: LfsCause;
  /** The service's words, e.g. GitLab's size limit message. */
  message: string;
}

export interface CopyResult {
  /** Objects uploaded to the target. */
  copied: LfsPointer[];
  bytes: number;
  /** oid → why it could not be copied. */
  failed: Map<string, CopyFailure>;
}

const PROGRESS_EVERY_MS = 1_000;

export async function copyLfsObjects(req: CopyRequest): Promise<CopyResult> {
  const failed = new Map<string, CopyFailure>();
  const fail = (oids: Iterable<string>, failure: CopyFailure) => {
    for (const oid of oids) if (!failed.has(oid)) failed.set(oid, failure);
  };

  // 1. Which objects the target lacks.
  const asked = await batch(req.target, "upload", req.objects, req.idleTimeoutMs);
  if (!asked.ok) {
    fail(
      req.objects.map((o) => o.oid),
      { cause: asked.cause, message: asked.message },
    );
    return { copied: [], bytes: 0, failed };
  }
  const uploads = new Map<string, { upload: LfsAction; verify?: LfsAction }>();
  for (const object of req.objects) {
    const answer = asked.answers.get(object.oid);
    if (answer?.error) fail([object.oid], { cause: "target-limit", message: answer.error.message });
    else if (answer?.actions?.upload) uploads.set(object.oid, { upload: answer.actions.upload, verify: answer.actions.verify });
  }
  const needed = req.objects.filter((o) => uploads.has(o.oid));
  if (needed.length === 0) return { copied: [], bytes: 0, failed };

  // 2. Where the source serves those the cache does not hold.
  const cached = new Set<string>();
  for (const object of needed) if (req.cache.fits(object.size) && (await req.cache.has(object.oid, object.size))) cached.add(object.oid);
  const toDownload = needed.filter((o) => !cached.has(o.oid));
  const downloads = new Map<string, LfsAction>();
  if (toDownload.length > 0) {
    const offered = await batch(req.source, "download", toDownload, req.idleTimeoutMs);
    if (!offered.ok)
      fail(
        toDownload.map((o) => o.oid),
        { cause: "missing-on-source", message: offered.message },
      );
    else {
      for (const object of toDownload) {
        const answer = offered.answers.get(object.oid);
        if (answer?.actions?.download) downloads.set(object.oid, answer.actions.download);
        else fail([object.oid], { cause: "missing-on-source", message: answer?.error?.message ?? "the source's LFS server did not offer it" });
      }
    }
  }

  // 3. Move them, a few at a time.
  const movable = needed.filter((o) => !failed.has(o.oid));
  const progress = progressReporter(movable, req.onProgress);
  const copied: LfsPointer[] = [];
  let next = 0;
  let stopped = false; // after an error that fails the sync, no worker starts another object
  const worker = async () => {
    while (next < movable.length && !stopped) {
      const object = movable[next++]!;
      const outcome = await moveObject(req, object, uploads.get(object.oid)!, cached.has(object.oid) ? undefined : downloads.get(object.oid), progress.add).catch(
        (error: unknown) => {
          stopped = true;
          throw error;
        },
      );
      if (outcome === "done") {
        copied.push(object);
        progress.objectDone(object);
      } else fail([object.oid], outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.min(req.concurrency ?? 3, movable.length) }, worker));
  progress.flush();
  return { copied, bytes: copied.reduce((sum, o) => sum + o.size, 0), failed };
}

/** One object: download (into the cache, or streamed through) and upload, then verify if asked. */
async function moveObject(
  req: CopyRequest,
  object: LfsPointer,
  target: { upload: LfsAction; verify?: LfsAction },
  download: LfsAction | undefined,
  onBytes: (n: number) => void,
): Promise<"done" | CopyFailure> {
  const uploadFrom = async (body: Readable): Promise<"done" | CopyFailure> => {
    const res = await send({
      method: "PUT",
      url: target.upload.href,
      headers: { ...actionHeaders(target.upload, req.target), "Content-Type": "application/octet-stream", "Content-Length": String(object.size) },
      body,
      idleTimeoutMs: req.idleTimeoutMs,
    });
    if (res.statusCode! >= 200 && res.statusCode! < 300) {
      res.resume();
      return "done";
    }
    return uploadRefusal(res, req.target);
  };

  if (!download) {
    // Cached: checked when it was written.
    const uploaded = await uploadFrom(chain(createReadStream(req.cache.path(object.oid)), counter(onBytes)));
    return uploaded === "done" ? verify(req, object, target.verify) : uploaded;
  }

  const res = await send({
    method: "GET",
    url: download.href,
    headers: { ...actionHeaders(download, req.source), Accept: "application/octet-stream" },
    idleTimeoutMs: req.idleTimeoutMs,
  });
  if (res.statusCode !== 200) return downloadRefusal(res, req.source);
  const check = hashCheck(object);

  if (req.cache.fits(object.size)) {
    const file = await req.cache.writer(object.oid);
    try {
      // Downloading is the first half of this object's work, uploading the second.
      await pipeline(
        res,
        check.stream,
        counter((n) => onBytes(n / 2)),
        file.stream,
      );
      const problem = check.problem();
      if (problem) {
        await file.discard();
        return problem;
      }
      await file.keep();
    } catch (error) {
      await file.discard();
      throw transferError(error, req.source.name);
    }
    const uploaded = await uploadFrom(
      chain(
        createReadStream(req.cache.path(object.oid)),
        counter((n) => onBytes(n / 2)),
      ),
    );
    return uploaded === "done" ? verify(req, object, target.verify) : uploaded;
  }

  // Larger than the whole cache: straight from the download into the upload, with backpressure.
  let uploaded: "done" | CopyFailure;
  try {
    uploaded = await uploadFrom(chain(res, check.stream, counter(onBytes)));
  } catch (error) {
    throw transferError(error, req.target.name);
  } finally {
    res.destroy(); // read to its end if the upload took it all; else (refused early) not needed any more
  }
  const problem = check.problem();
  if (problem) return problem; // the target checks the hash too and will not have kept it
  return uploaded === "done" ? verify(req, object, target.verify) : uploaded;
}

async function verify(req: CopyRequest, object: LfsPointer, action: LfsAction | undefined): Promise<"done" | CopyFailure> {
  if (!action) return "done";
  const body = Buffer.from(JSON.stringify({ oid: object.oid, size: object.size }));
  const res = await send({
    method: "POST",
    url: action.href,
    headers: {
      ...actionHeaders(action, req.target),
      Accept: "application/vnd.git-lfs+json",
      "Content-Type": "application/vnd.git-lfs+json",
      "Content-Length": String(body.length),
    },
    body,
    idleTimeoutMs: req.idleTimeoutMs,
  });
  if (res.statusCode === 200) {
    res.resume();
    return "done";
  }
  throw new MirrorError("transient", `${req.target.name} did not confirm the upload of LFS object ${object.oid.slice(0, 12)} (${await errorMessage(res)})`, {
    advice: "The next attempt uploads it again.",
  });
}

/**
 * The action's own headers (docs/api/basic-transfers.md). Our credentials are added only when the
 * action brings none and its URL is on the LFS server's own origin: never sent to another host.
 */
function actionHeaders(action: LfsAction, server: LfsServer): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(action.header ?? {})) if (typeof value === "string" && !/[\r\n]/.test(value)) headers[name] = value;
  const hasAuth = Object.keys(headers).some((name) => name.toLowerCase() === "authorization");
  if (!hasAuth && new URL(action.href).origin === new URL(lfsUrl(server.url)).origin) headers.Authorization = basicAuthorization(server);
  return headers;
}

async function downloadRefusal(res: IncomingMessage, source: LfsServer): Promise<CopyFailure> {
  const status = res.statusCode ?? 0;
  const message = await errorMessage(res);
  if (status === 404 || status === 410 || status === 403) return { cause: "missing-on-source", message };
  if (status === 401) throw new MirrorError("auth_failed", `${source.name} refused the credentials for an LFS download`);
  throw new MirrorError("transient", `${source.name}'s LFS storage failed a download (HTTP ${status}: ${message})`, { advice: "The next attempt tries again." });
}

async function uploadRefusal(res: IncomingMessage, target: LfsServer): Promise<CopyFailure> {
  const status = res.statusCode ?? 0;
  const message = await errorMessage(res);
  if (status === 413 || status === 406 || status === 507 || (status >= 400 && status < 500 && /quota|limit|exceed|too large/i.test(message)))
    return { cause: "target-limit", message };
  if (status === 401) throw new MirrorError("auth_failed", `${target.name} refused the credentials for an LFS upload`);
  throw new MirrorError(status >= 500 || status === 429 ? "transient" : "git_failed", `${target.name} refused an LFS upload (HTTP ${status}: ${message})`, {
    advice: "The next attempt tries again.",
  });
}

function transferError(error: unknown, remote: string): MirrorError {
  if (error instanceof MirrorError) return error;
  return new MirrorError("transient", `an LFS transfer with ${remote} was interrupted`, { cause: error, advice: "The next attempt tries again." });
}

/** Hashes what passes; `problem()` once it has all passed says whether it was the object named. */
function hashCheck(object: LfsPointer) {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return {
    stream,
    problem: (): CopyFailure | undefined => {
      const oid = hash.digest("hex");
      return oid === object.oid && size === object.size
        ? undefined
        : { cause: "missing-on-source", message: `the source served ${size} bytes that do not match the object's SHA-256` };
    },
  };
}

/** Streams joined with backpressure; an error anywhere fails the end stream (and so the upload reading it). */
function chain(first: Readable, ...rest: Transform[]): Readable {
  const end = new PassThrough({ highWaterMark: 256 * 1024 });
  pipeline([first, ...rest, end]).catch((error: Error) => end.destroy(error));
  return end;
}

function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
}

function progressReporter(objects: LfsPointer[], report: ((p: LfsProgress) => void) | undefined) {
  const state: LfsProgress = { objects: 0, totalObjects: objects.length, bytes: 0, totalBytes: objects.reduce((sum, o) => sum + o.size, 0) };
  let last = 0;
  const maybeReport = (force = false) => {
    if (!report) return;
    const now = Date.now();
    if (!force && now - last < PROGRESS_EVERY_MS) return;
    last = now;
    report({ ...state, bytes: Math.round(state.bytes) });
  };
  return {
    add: (n: number) => {
      state.bytes += n;
      maybeReport();
    },
    objectDone: (_object: LfsPointer) => {
      state.objects++;
      maybeReport();
    },
    flush: () => maybeReport(true),
  };
}
