#!/usr/bin/env node
// The operator CLI (`npx mirror-bot sync|status <owner>/<repo>`); built from src/cli by `npm run build`.
import { main } from "../lib/src/cli/main.js";

process.exitCode = await main(process.argv.slice(2), process.env);
