/** Request bodies for the sandbox's servers (the fakes and the LFS server). */
import type { IncomingMessage } from "node:http";

/** A request body as text; bytes past `limit` are dropped (the route then answers what a bad body gets). */
export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Read and drop a request body, so an early answer doesn't reset a client still sending. */
export function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    req.on("end", resolve);
    req.on("error", () => resolve());
    req.resume();
  });
}
