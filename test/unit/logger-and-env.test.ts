import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { jest } from "@jest/globals";
import { pino } from "pino";
import { createQueue } from "../../src/app.js";
import { loadDotEnv, parseEnv } from "../../src/env.js";
import { withQuietRequestLog } from "../../src/logger.js";
import type { MirrorQueue } from "../../src/worker/mirror-job.js";
import { gatedHandler, job } from "../helpers/queue-contract.js";

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
  it("hold jobs back during a burst by default, and can be tuned", () => {
    expect(parseEnv({}).intakePacing).toEqual({ quietMs: 100, maxHoldMs: 3000 });
    expect(parseEnv({ MIRROR_INTAKE_QUIET_MS: "50", MIRROR_INTAKE_MAX_HOLD_MS: "250" }).intakePacing).toEqual({ quietMs: 50, maxHoldMs: 250 });
  });

  it("refuse a value that is not a whole number of milliseconds, naming the variable", () => {
    expect(() => parseEnv({ MIRROR_INTAKE_QUIET_MS: "-1" })).toThrow(/MIRROR_INTAKE_QUIET_MS/);
    expect(() => parseEnv({ MIRROR_INTAKE_MAX_HOLD_MS: "-1" })).toThrow(/MIRROR_INTAKE_MAX_HOLD_MS/);
    expect(() => parseEnv({ MIRROR_INTAKE_MAX_HOLD_MS: "1.5" })).toThrow(/MIRROR_INTAKE_MAX_HOLD_MS/);
  });

  describe("through the app's queue", () => {
    let queue: MirrorQueue | undefined;
    let gated: ReturnType<typeof gatedHandler>;
    beforeEach(() => {
      jest.useFakeTimers({ now: new Date("2026-12-04T20:00:00Z") });
      gated = gatedHandler();
    });
    afterEach(async () => {
      jest.useRealTimers();
      const closed = queue?.close();
      for (const run of gated.started) run.open();
      await closed;
      queue = undefined;
    });

    /** Three pushes to three repositories, 5 ms apart: a burst. */
    async function burst(env: Record<string, string>) {
      queue = await createQueue(parseEnv(env));
      queue.start(gated.handler);
      for (const [key, id] of [
        ["o/a", "d1"],
        ["o/b", "d2"],
        ["o/c", "d3"],
      ] as const) {
        await queue.enqueue(job(key, id));
        jest.advanceTimersByTime(5);
      }
      return gated.started.map((g) => g.job.key);
    }

    it("by default start the first job of a burst and hold the rest", async () => {
      expect(await burst({})).toEqual(["o/a"]);
    });

    it.each([["MIRROR_INTAKE_MAX_HOLD_MS"], ["MIRROR_INTAKE_QUIET_MS"]])("turn pacing off with %s=0, as documented: every job starts at once", async (name) => {
      expect(await burst({ [name]: "0" })).toEqual(["o/a", "o/b", "o/c"]);
    });
  });
});

describe("status page variables", () => {
  const TOKEN = "admin-token-0123456789abcdef";
  it.each([
    [{}, { metricsPublic: false }],
    [{ MIRROR_ADMIN_TOKEN: "" }, { metricsPublic: false }],
    [{ MIRROR_ADMIN_TOKEN: ` ${TOKEN}\n` }, { adminToken: TOKEN, metricsPublic: false }],
    [{ MIRROR_METRICS_PUBLIC: "true" }, { metricsPublic: true }],
    [{ MIRROR_METRICS_PUBLIC: "TRUE" }, { metricsPublic: true }],
    [{ MIRROR_METRICS_PUBLIC: "false" }, { metricsPublic: false }],
  ])("%j → %j", (env, expected) => {
    const { adminToken, metricsPublic } = parseEnv(env);
    expect({ ...(adminToken !== undefined && { adminToken }), metricsPublic }).toEqual(expected);
  });

  it.each([
    [{ MIRROR_ADMIN_TOKEN: "short" }, /MIRROR_ADMIN_TOKEN: must be at least 16 characters/],
    [{ MIRROR_ADMIN_TOKEN: "has a space inside it" }, /MIRROR_ADMIN_TOKEN/],
    [{ MIRROR_METRICS_PUBLIC: "yes" }, /MIRROR_METRICS_PUBLIC: expected "true" or "false", got "yes"/],
  ])("refuses %j at boot", (env, message) => {
    expect(() => parseEnv(env)).toThrow(message);
  });

  it("never quote the admin token in the error that refuses it", () => {
    expect(() => parseEnv({ MIRROR_ADMIN_TOKEN: "has a space inside it" })).toThrow(expect.objectContaining({ message: expect.not.stringContaining("space inside") }));
  });
});

describe("log variables", () => {
  it.each([
    [{}, { level: "info", cliLevel: "warn", format: "pretty", levelInString: false }],
    [{ NODE_ENV: "production" }, { level: "info", cliLevel: "warn", format: "json", levelInString: false }],
    [
      { NODE_ENV: "production", LOG_FORMAT: "pretty" },
      { level: "info", cliLevel: "warn", format: "pretty", levelInString: false },
    ],
    [
      { LOG_LEVEL: "debug", LOG_FORMAT: "json", LOG_LEVEL_IN_STRING: "true" },
      { level: "debug", cliLevel: "debug", format: "json", levelInString: true },
    ],
    [
      { LOG_LEVEL: "", LOG_FORMAT: "" },
      { level: "info", cliLevel: "warn", format: "pretty", levelInString: false },
    ],
  ])("%j → %j (the app logs at info, the CLI at warn, unless LOG_LEVEL says otherwise)", (env, expected) => {
    expect(parseEnv(env).log).toEqual(expected);
  });

  it.each([
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    [{ LOG_FORMAT: "xml" }, /LOG_FORMAT/],
  ])("refuses %j at boot, naming the variable", (env, message) => {
    expect(() => parseEnv(env)).toThrow(message);
  });
});
