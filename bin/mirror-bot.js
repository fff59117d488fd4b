#!/usr/bin/env node
// The operator CLI (`npx mirror-bot sync|status <owner>/<repo>`); built from src/cli by `npm run build`.
import { main } from "../lib/src/cli/main.js";
import { loadDotEnv } from "../lib/src/env.js";

loadDotEnv(); // the same .env the app reads
process.exitCode = await main(process.argv.slice(2), process.env);
