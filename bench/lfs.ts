/**
 * The Git LFS case: one object of `sizeBytes` (generated as a stream, never held in memory) on the
 * fake GitHub, mirrored to the fake GitLab by the engine in a process of its own (lfs-sync.ts),
 * whose transfer time and peak resident set are reported. `npm run bench -- --only lfs` runs this
 * section alone (2 GB, with the default cache bound and with the object streamed through).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { FakeGitHub } from "../sandbox/fake-github.js";
import { FakeGitLab } from "../sandbox/fake-gitlab.js";
import type { LfsSyncInput, LfsSyncOutput } from "./lfs-sync.js";

const MB = 1024 * 1024;

export interface LfsCaseResult {
  label: string;
  objectMb: number;
  cacheMb: number;
  /** Whether the object went through the cache (it fits the bound) or was streamed through. */
  path: "cached" | "streamed";
  ms: number;
  mbPerSecond: number;
  baselineRssMb: number;
  peakRssMb: number;
  /** Peak minus the resident set before the sync: what the transfer itself cost. */
  rssGrowthMb: number;
  copied: number;
  /** The object arrived whole on the target. */
  arrived: boolean;
}

/** `sizeBytes` of content in 1 MiB chunks, each a fresh buffer (consumers may hold on to them). */
export function generatedContent(sizeBytes: number): Readable {
  const template = randomBytes(MB);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= sizeBytes) return void this.push(null);
      const size = Math.min(MB, sizeBytes - sent);
      const chunk = Buffer.from(template.subarray(0, size));
      chunk.writeUInt32BE((sent / MB) >>> 0, 0);
      sent += size;
      this.push(chunk);
    },
  });
}

/** Mirrors one repository holding one LFS object of `sizeBytes`; everything lives under `dir`. */
export async function runLfsCase({ dir, sizeBytes, cacheMb, label }: { dir: string; sizeBytes: number; cacheMb: number; label: string }): Promise<LfsCaseResult> {
  const github = await FakeGitHub.start({ root: path.join(dir, "github") });
  const gitlab = await FakeGitLab.start({ root: path.join(dir, "gitlab") });
  try {
    const repo = await github.createRepo({ owner: "octo", name: "assets", files: { "README.md": "# assets\n" } });
    const project = await gitlab.createProject({ path: "group/assets" });
    const object = await github.writeLfsObject(repo.fullName, generatedContent(sizeBytes));
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${object.oid}\nsize ${object.size}\n`;
    await github.commitAndPush(repo.fullName, { branch: "main", files: { "data/big.bin": pointer } });
    const input: LfsSyncInput = {
      cacheDir: path.join(dir, "cache", "octo", "assets.git"),
      agreedFile: path.join(dir, "cache", "agreed.json"),
      source: { url: repo.cloneUrl, username: "x-access-token", password: github.createInstallationToken() },
      target: { url: project.httpUrl, username: "oauth2", password: gitlab.token },
      cacheMb,
      timeoutMs: 10 * 60 * 1000,
    };
    const output = await runSyncProcess(input);
    const arrived = (await stat(gitlab.lfsObjectPath(project.path, object.oid)).catch(() => null))?.size === object.size;
    const seconds = output.ms / 1000;
    return {
      label,
      objectMb: sizeBytes / MB,
      cacheMb,
      path: sizeBytes <= cacheMb * MB ? "cached" : "streamed",
      ms: output.ms,
      mbPerSecond: sizeBytes / MB / seconds,
      baselineRssMb: output.baselineRssMb,
      peakRssMb: output.peakRssMb,
      rssGrowthMb: output.peakRssMb - output.baselineRssMb,
      copied: output.result.lfs?.copied ?? 0,
      arrived,
    };
  } finally {
    await Promise.all([github.close(), gitlab.close()]);
  }
}

/** Runs lib/bench/lfs-sync.js (built beside this file) with the request on stdin. */
export function runSyncProcess(input: LfsSyncInput): Promise<LfsSyncOutput> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), "lfs-sync.js");
  const compiled = script.includes(`${path.sep}lib${path.sep}`) ? script : path.join(path.dirname(script), "..", "lib", "bench", "lfs-sync.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [compiled], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`lfs-sync exited with ${code}: ${err.slice(-2000)}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1)!) as LfsSyncOutput);
    });
    child.stdin.end(JSON.stringify(input));
  });
}

export function renderLfsTable(results: LfsCaseResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.label} | ${r.objectMb.toFixed(0)} MB | ${r.path} (bound ${r.cacheMb} MB) | ${(r.ms / 1000).toFixed(1)} s | ${r.mbPerSecond.toFixed(0)} MB/s | ${r.peakRssMb.toFixed(0)} MB | ${r.rssGrowthMb.toFixed(0)} MB | ${r.arrived ? "yes" : "NO"} |`,
  );
  return ["| case | object | path | transfer | throughput | peak RSS | RSS growth | arrived |", "| --- | --- | --- | --- | --- | --- | --- | --- |", ...rows].join("\n");
}
