/**
 * `npm start`: runs the app under Probot's server (webhooks at /api/github/webhooks). Without
 * APP_ID/PRIVATE_KEY, Probot's setup flow registers the app from app.yml. SIGTERM drains.
 */
import { run } from "probot";
import { createMirrorApp, defaultDeps, shutdown as drain, type AppDeps } from "./app.js";
import { parseEnv } from "./env.js";
import { createLogger } from "./logger.js";
import { mirrorRefs } from "./mirror/mirror-refs.js";
import { registerSecret } from "./secrets.js";

for (const name of ["WEBHOOK_SECRET", "GITLAB_TOKEN", "GITLAB_WEBHOOK_SECRET", "PRIVATE_KEY"] as const) {
  registerSecret(process.env[name]);
}

const log = await createLogger();
let deps: AppDeps;
try {
  deps = await defaultDeps(parseEnv(), mirrorRefs, log);
} catch (error) {
  log.fatal((error as Error).message);
  process.exit(1);
}
const server = await run(createMirrorApp(deps), { log });

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info(`${signal}: no new jobs; finishing the running ones`);
  await server.stop().catch(() => undefined);
  await drain(deps);
  log.info("stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
