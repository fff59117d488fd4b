/**
 * The whole sandbox: a fake GitHub and a fake GitLab on loopback, their repositories under one
 * temporary root, and the environment that points the real app at them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { FakeGitHub } from "./fake-github.js";
import { FakeGitLab } from "./fake-gitlab.js";

export interface Sandbox {
  root: string;
  github: FakeGitHub;
  gitlab: FakeGitLab;
  appId: number;
  privateKeyPem: string;
  webhookSecret: string;
  gitlabToken: string;
  gitlabWebhookSecret: string;
  /**
   * Environment for the app process: APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST, GHE_PROTOCOL,
   * GITLAB_URL, GITLAB_TOKEN, GITLAB_WEBHOOK_SECRET, MIRROR_CACHE_DIR, PORT, HOST, LOG_LEVEL,
   * LOG_FORMAT, NODE_ENV, then `extra` (which wins).
   */
  appEnv(extra?: Record<string, string>): Record<string, string>;
  /** Another free loopback port (appEnv's PORT was reserved at start). */
  freePort(): Promise<number>;
  /** Stops both servers and removes the root if the sandbox created it. */
  close(): Promise<void>;
}

/** A port nothing listens on right now (the OS picks it; it is released before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `apiLatencyMs`: every REST answer of both fakes waits this long (benchmarks; default 0).
 * `historyDir`: where seeded histories are kept, to be reused by later runs (default: in the root).
 */
export async function startSandbox(opts: { root?: string; apiLatencyMs?: number; historyDir?: string } = {}): Promise<Sandbox> {
  const ownsRoot = !opts.root;
  const root = opts.root ?? (await mkdtemp(path.join(os.tmpdir(), "mirror-sandbox-")));
  const [github, gitlab, port] = await Promise.all([
    FakeGitHub.start({ root: path.join(root, "github"), workRoot: path.join(root, "work", "github"), apiLatencyMs: opts.apiLatencyMs, historyDir: opts.historyDir }),
    FakeGitLab.start({ root: path.join(root, "gitlab"), workRoot: path.join(root, "work", "gitlab"), apiLatencyMs: opts.apiLatencyMs }),
    freePort(),
  ]);

  return {
    root,
    github,
    gitlab,
    appId: github.appId,
    privateKeyPem: github.privateKeyPem,
    webhookSecret: github.webhookSecret,
    gitlabToken: gitlab.token,
    gitlabWebhookSecret: gitlab.webhookSecret,
    appEnv(extra = {}) {
      return {
        APP_ID: String(github.appId),
        PRIVATE_KEY: github.privateKeyPem,
        WEBHOOK_SECRET: github.webhookSecret,
        GHE_HOST: github.host,
        GHE_PROTOCOL: "http",
        GITLAB_URL: gitlab.url,
        GITLAB_TOKEN: gitlab.token,
        GITLAB_WEBHOOK_SECRET: gitlab.webhookSecret,
        MIRROR_CACHE_DIR: path.join(root, "cache"),
        PORT: String(port),
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
        LOG_FORMAT: "json",
        NODE_ENV: "production",
        ...extra,
      };
    },
    freePort,
    async close() {
      await Promise.all([github.close(), gitlab.close()]);
      if (ownsRoot) await rm(root, { recursive: true, force: true });
    },
  };
}
