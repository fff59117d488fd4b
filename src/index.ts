/** The Probot app, for `probot run` and for tests that load it. Wiring only. */
import { createMirrorApp, defaultDeps } from "./app.js";
import { parseEnv } from "./env.js";
import { mirrorRefs } from "./mirror/mirror-refs.js";

export default createMirrorApp(defaultDeps(parseEnv(), mirrorRefs));
