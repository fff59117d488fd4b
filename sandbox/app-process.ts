/**
 * Runs the real app (`node lib/src/main.js`) as a child process against the sandbox: waits until
 * Probot answers `GET /ping`, keeps every log line, and stops it with SIGTERM like a platform
 * would, so end-to-end tests and benchmarks exercise exactly what ships.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { access, readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { waitFor } from "./wait-for.js";

export interface AppProcess {
  /** `http://127.0.0.1:<PORT>`. */
  url: string;
  /** `url` + `/api/github/webhooks`, where Probot receives GitHub webhooks. */
  webhookUrl: string;
  pid: number;
  /** Every stdout and stderr line so far, in arrival order. */
  logs(): string[];
  /** The first line (already logged or still to come) that matches; rejects on timeout or exit. */
  waitForLog(predicate: string | RegExp | ((line: string) => boolean), timeoutMs: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 10 s); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** Send a signal (default SIGKILL) and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Resolves with the exit code (null when ended by a signal). */
  exited: Promise<number | null>;
}

export interface StartAppOptions {
  /** Script to run; default `<repo>/lib/src/main.js` (built by `npm run build`). */
  entry?: string;
  /** How long to wait for `/ping`; default 20 s. */
  readyTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Children must not outlive the test runner, even when a test forgets to stop them. */
function killOnExit(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const c of live) c.kill("SIGKILL");
  });
}

/** The repository root: the nearest directory above this file whose package.json is mirror-bot. */
async function repoRoot(): Promise<string> {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    try {
      await access(manifest);
      if ((JSON.parse(await readFile(manifest, "utf8")) as { name?: string }).name === "mirror-bot") return dir;
    } catch {
      // not here; go up
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cannot find the mirror-bot package root");
    dir = parent;
  }
}

function ping(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/ping`, { agent: false, timeout: 1_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(res.statusCode === 200 && body === "PONG"));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

function lineMatcher(predicate: string | RegExp | ((line: string) => boolean)): (line: string) => boolean {
  if (typeof predicate === "string") return (line) => line.includes(predicate);
  if (predicate instanceof RegExp) return (line) => predicate.test(line);
  return predicate;
}

export async function startApp(env: Record<string, string>, options: StartAppOptions = {}): Promise<AppProcess> {
  const entry = options.entry ?? path.join(await repoRoot(), "lib", "src", "main.js");
  await access(entry).catch(() => {
    throw new Error(`app entry ${entry} does not exist; run \`npm run build\` first`);
  });
  const port = env.PORT;
  if (!port) throw new Error("startApp needs PORT in env (see Sandbox.appEnv)");

  // Only what a deployment would set: the host's NODE_OPTIONS (jest's flags) must not leak in.
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", TMPDIR: process.env.TMPDIR ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  killOnExit(child);
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => {
      lines.push(line);
      for (const listener of listeners) listener(line);
    });
  }
  let exitCode: number | null | undefined;
  const died = new AbortController();
  // "close" rather than "exit": by then stdout/stderr are drained, so logs() is complete.
  const exited = new Promise<number | null>((resolve) => {
    child.once("close", (code) => {
      exitCode = code;
      died.abort(new Error(`app exited with ${code} before answering /ping`));
      resolve(code);
    });
  });

  const url = `http://127.0.0.1:${port}`;
  const tail = () => lines.slice(-30).join("\n");
  try {
    await waitFor(() => ping(url), {
      timeoutMs: options.readyTimeoutMs ?? 20_000,
      intervalMs: 50,
      what: `the app to answer GET ${url}/ping`,
      signal: died.signal,
    });
  } catch (error) {
    if (exitCode === undefined) child.kill("SIGKILL");
    await exited;
    throw new Error(`${(error as Error).message}\n--- app output ---\n${tail()}`);
  }

  const kill = async (signal: NodeJS.Signals = "SIGKILL") => {
    if (exitCode === undefined) child.kill(signal);
    await exited;
  };

  return {
    url,
    webhookUrl: `${url}/api/github/webhooks`,
    pid: child.pid!,
    logs: () => [...lines],
    exited,
    kill,
    async stop(graceMs = 10_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    waitForLog(predicate, timeoutMs) {
      const matches = lineMatcher(predicate);
      const already = lines.find(matches);
      if (already !== undefined) return Promise.resolve(already);
      return new Promise<string>((resolve, reject) => {
        const done = (finish: () => void) => {
          clearTimeout(timer);
          listeners.delete(listener);
          finish();
        };
        const listener = (line: string) => {
          if (matches(line)) done(() => resolve(line));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for a log line matching ${String(predicate)}\n--- app output ---\n${tail()}`))),
          timeoutMs,
        );
        listeners.add(listener);
        void exited.then((code) => done(() => reject(new Error(`app exited (${code}) before logging a line matching ${String(predicate)}\n--- app output ---\n${tail()}`))));
      });
    },
  };
}
