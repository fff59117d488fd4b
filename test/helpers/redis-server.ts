/**
 * A throwaway redis-server for integration tests: its own port, no persistence, a temp dir as cwd.
 * Ready when it logs "Ready to accept connections" and answers PING; bounded, no polling sleeps.
 * Stops what it started on every path: a server that fails to start is stopped before the error.
 * redis-server is found on PATH (test/system/probe.js); a suite that uses this helper declares
 * `@requires-system redis-server`, so it is skipped where redis-server is missing (and fails in CI).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { systemProgram } from "../system/probe.js";

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export async function startRedis(): Promise<RedisServer> {
  // A free port can be taken between probing and binding; try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(await freePort());
    } catch (error) {
      if (error instanceof RedisNotInstalled) throw error;
      lastError = error;
    }
  }
  throw lastError;
}

class RedisNotInstalled extends Error {
  constructor() {
    super("redis-server is not on PATH: sudo apt-get install redis-server (and name it in the suite's @requires-system)");
  }
}

async function startOnce(port: number): Promise<RedisServer> {
  const program = systemProgram("redis-server");
  if (!program) throw new RedisNotInstalled();
  const dir = await mkdtemp(path.join(os.tmpdir(), "mirror-bot-redis-"));
  const child = spawn(program, ["--port", String(port), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--dir", dir], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stop = async () => {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(child);
    await ping(port);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}

function waitUntilReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => finish(new Error(`redis-server did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      child.stdout!.off("data", onData).resume(); // keep draining so redis never blocks on a full pipe
      child.off("error", onError);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.includes("Ready to accept connections")) finish();
    };
    const onError = (error: NodeJS.ErrnoException) => finish(error.code === "ENOENT" ? new RedisNotInstalled() : error);
    const onExit = (code: number | null) => finish(new Error(`redis-server exited with ${code} before it was ready:\n${output}`));
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("error", onError);
    child.on("exit", onExit);
  });
}

function ping(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let reply = "";
    socket.setTimeout(START_TIMEOUT_MS, () => socket.destroy(new Error("redis-server did not answer PING")));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      if (!reply.includes("\r\n")) return;
      socket.end();
      if (reply.startsWith("+PONG")) resolve();
      else reject(new Error(`redis-server answered PING with ${reply.trim()}`));
    });
    socket.on("error", reject);
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
