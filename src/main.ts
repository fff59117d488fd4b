/**
 * `npm start`: runs the app under Probot's server (webhooks at /api/github/webhooks). Without
 * APP_ID/PRIVATE_KEY, Probot's setup flow registers the app from app.yml. SIGTERM drains.
 */
import { run } from "probot";
import { createMirrorApp, defaultDeps, shutdown as drain, type AppDeps } from "./app.js";
import { loadDotEnv, parseEnv, registerEnvSecrets, type AppEnv } from "./env.js";
import { PROBOT_WEBHOOK_PATH } from "./handlers/github-webhook-route.js";
import { createLogger, withQuietRequestLog } from "./logger.js";
import { mirrorRefs } from "./mirror/mirror-refs.js";
import { redact } from "./secrets.js";

loadDotEnv();
registerEnvSecrets();
let env: AppEnv;
try {
  env = parseEnv();
} catch (error) {
  // No logger yet: its settings are among what failed to parse.
  console.error(redact((error as Error).message));
  process.exit(1);
}

const log = await createLogger(env.log);
let deps: AppDeps;
try {
  deps = await defaultDeps(env, mirrorRefs, log);
} catch (error) {
  log.fatal((error as Error).message);
  process.exit(1);
}
// Probot's webhook route moves aside: the app's own route answers WEBHOOK_PATH (github-webhook-route.ts).
// Probot's stays reachable for its webhook proxy (WEBHOOK_PROXY_URL), which forwards to it.
const server = await run(createMirrorApp(deps), { log: withQuietRequestLog(log), env: { ...process.env, WEBHOOK_PATH: PROBOT_WEBHOOK_PATH } });

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info(`${signal}: no new jobs; finishing the running ones`);
  await server.stop().catch((error: unknown) => log.warn({ err: error }, "could not stop the HTTP server cleanly; draining the jobs anyway"));
  await drain(deps);
  log.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
