/** The Probot app, for `probot run` and for tests that load it. Wiring only. */
import type { ApplicationFunction } from "probot";
import { createMirrorApp, defaultDeps } from "./app.js";
import { parseEnv } from "./env.js";
import { mirrorRefs } from "./mirror/mirror-refs.js";

const app: ApplicationFunction = async (probot, options) => {
  const deps = await defaultDeps(parseEnv(), mirrorRefs, probot.log);
  await createMirrorApp(deps)(probot, options);
};
export default app;
