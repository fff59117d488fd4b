/**
 * One sync in a process of its own, so that its memory can be read alone: the engine's peak
 * resident set (the kernel's VmHWM) against its resident set just before the sync. Used by the LFS
 * benchmark (bench/lfs.ts) and by the test that a 200 MB object mirrors with bounded memory.
 *
 *   node lib/bench/lfs-sync.js < request.json     (credentials on stdin, never in argv)
 *
 * Prints one line of JSON: { result, ms, baselineRssMb, peakRssMb }.
 */
import { readFile } from "node:fs/promises";
import { agreedRefsFile } from "../src/mirror/agreed-refs.js";
import { mirrorRefs } from "../src/mirror/mirror-refs.js";
import type { GitEndpoint } from "../src/mirror/types.js";

export interface LfsSyncInput {
  cacheDir: string;
  agreedFile: string;
  source: GitEndpoint;
  target: GitEndpoint;
  cacheMb: number;
  timeoutMs: number;
}

export interface LfsSyncOutput {
  result: Awaited<ReturnType<typeof mirrorRefs>>;
  ms: number;
  baselineRssMb: number;
  peakRssMb: number;
}

async function memory(): Promise<{ rssMb: number; hwmMb: number }> {
  const status = await readFile("/proc/self/status", "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024 };
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as LfsSyncInput;

const baseline = await memory();
const started = performance.now();
const result = await mirrorRefs({
  cacheDir: input.cacheDir,
  source: input.source,
  target: input.target,
  includeRef: () => true,
  force: false,
  prune: true,
  agreed: agreedRefsFile(input.agreedFile),
  timeoutMs: input.timeoutMs,
  lfs: { enabled: true, cacheBytes: input.cacheMb * 1024 * 1024 },
});
const ms = performance.now() - started;
const after = await memory();
const output: LfsSyncOutput = { result, ms, baselineRssMb: baseline.rssMb, peakRssMb: after.hwmMb };
process.stdout.write(JSON.stringify(output) + "\n");
process.exit(0);
