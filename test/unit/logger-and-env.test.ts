import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { loadDotEnv, parseEnv } from "../../src/env.js";
import { withQuietRequestLog } from "../../src/logger.js";

function recordingLogger(level: string) {
  const lines: Array<{ name?: string; msg: string }> = [];
  const out = new Writable({ write: (chunk, _e, done) => (lines.push(JSON.parse(chunk.toString())), done()) });
  return { log: pino({ level }, out), lines };
}

describe("request log", () => {
  it("keeps Probot's per-request lines out of an info log, but not its failures or other lines", () => {
    const { log, lines } = recordingLogger("info");
    const quiet = withQuietRequestLog(log);
    quiet.child({ name: "http" }).info("POST /api/github/webhooks 200 - 1ms");
    quiet.child({ name: "http" }).error("POST /api/github/webhooks 500 - 1ms");
    quiet.child({ name: "server" }).info("Listening");
    quiet.info("mirrored");
    expect(lines.map((l) => l.msg)).toEqual(["POST /api/github/webhooks 500 - 1ms", "Listening", "mirrored"]);
  });

  it("shows them at LOG_LEVEL=debug", () => {
    const { log, lines } = recordingLogger("debug");
    withQuietRequestLog(log).child({ name: "http" }).info("POST /api/github/webhooks 200 - 1ms");
    expect(lines.map((l) => l.msg)).toEqual(["POST /api/github/webhooks 200 - 1ms"]);
  });
});

describe(".env", () => {
  let dir: string;
  const saved = { ...process.env };
  beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), "dotenv-"))));
  afterEach(async () => {
    process.env = { ...saved };
    await rm(dir, { recursive: true, force: true });
  });

  it("is read before the app parses its variables, so GITLAB_TOKEN can live next to Probot's", async () => {
    const file = path.join(dir, ".env");
    await writeFile(file, "APP_ID=123\nGITLAB_TOKEN=glpat-from-dotenv\nWEBHOOK_PATH=/hooks/github\n");
    loadDotEnv(file);
    const env = parseEnv(process.env);
    expect(env.gitlabToken).toBe("glpat-from-dotenv");
    expect(env.webhookPath).toBe("/hooks/github");
  });

  it("is optional", () => {
    expect(() => loadDotEnv(path.join(dir, "missing.env"))).not.toThrow();
  });

  it("defaults the webhook path and secret as Probot does", () => {
    expect(parseEnv({})).toMatchObject({ webhookPath: "/api/github/webhooks", webhookSecret: "development" });
    expect(() => parseEnv({ WEBHOOK_PATH: "hooks" })).toThrow(/WEBHOOK_PATH: must start with \//);
  });
});

describe("intake pacing variables", () => {
  it("hold jobs back during a burst by default, and can be turned off or tuned", () => {
    expect(parseEnv({}).intakePacing).toEqual({ quietMs: 25, maxHoldMs: 1000 });
    expect(parseEnv({ MIRROR_INTAKE_QUIET_MS: "0" }).intakePacing).toEqual({ quietMs: 0, maxHoldMs: 1000 });
    expect(parseEnv({ MIRROR_INTAKE_QUIET_MS: "50", MIRROR_INTAKE_MAX_HOLD_MS: "250" }).intakePacing).toEqual({ quietMs: 50, maxHoldMs: 250 });
  });

  it("refuse a value that is not a whole number of milliseconds, naming the variable", () => {
    expect(() => parseEnv({ MIRROR_INTAKE_QUIET_MS: "-1" })).toThrow(/MIRROR_INTAKE_QUIET_MS/);
    expect(() => parseEnv({ MIRROR_INTAKE_MAX_HOLD_MS: "0" })).toThrow(/MIRROR_INTAKE_MAX_HOLD_MS/);
  });
});
