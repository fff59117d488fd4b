/**
 * The app's logger: Probot's pino setup, with every line passed through `redact` on its way
 * to stdout. Redacting the stream (not individual calls) means no code path can log a token,
 * including errors from libraries that carry request headers.
 */
import { Transform } from "node:stream";
import { getTransformStream } from "@probot/pino";
import { pino, type Logger } from "pino";
import type { LogEnv } from "./env.js";
import { redact } from "./secrets.js";

function redactingStream(): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      callback(null, redact(chunk.toString("utf8")));
    },
  });
}

/** LOG_LEVEL, LOG_FORMAT and LOG_LEVEL_IN_STRING, as parsed by env.ts. */
export async function createLogger(env: LogEnv): Promise<Logger> {
  const format = await getTransformStream({ logFormat: env.format, logLevelInString: env.levelInString });
  const out = redactingStream();
  // pino writes JSON into `out`; it is redacted, then formatted, then written.
  out.pipe(format).pipe(process.stdout);
  return pino({ level: env.level, name: "mirror-bot" }, out);
}

/**
 * Probot writes an access line for every HTTP request (pino-http, at info). A burst of webhooks is
 * then mostly log work, and each job logs what it did anyway; so request lines only appear at
 * LOG_LEVEL=debug (failures, at error, always do). Returns the logger to hand to Probot.
 */
export function withQuietRequestLog(log: Logger): Logger {
  const child = log.child.bind(log);
  const quiet: Pick<Logger, "child"> = {
    child: ((bindings, options) =>
      bindings?.name === "http" && !log.isLevelEnabled("debug") ? child(bindings, { ...options, level: "warn" }) : child(bindings, options)) as Logger["child"],
  };
  return Object.assign(Object.create(log) as Logger, quiet);
}
