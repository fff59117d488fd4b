/** A real pino logger whose JSON lines are kept in memory, for tests that assert what was logged. */
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";

export function bufferLogger(level: "debug" | "info" = "debug"): { log: Logger; lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level }, out), lines };
}
