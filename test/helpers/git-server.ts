/**
 * A git smart-HTTP server on 127.0.0.1:<random port> over bare repositories in `root`, accepting
 * one token. Records every password it is sent, so tests can prove a token never left its host.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createGitHttpHandler, type GitRequest } from "../../sandbox/git-http-backend.js";

export interface TestGitServer {
  /** Clone URL of `<root>/<repoPath>.git`. */
  url(repoPath: string): string;
  /** Completed pushes (receive-pack POSTs). */
  readonly pushes: number;
  /** Ref advertisements for reading (GET info/refs?service=git-upload-pack: ls-remote, fetch, clone). */
  readonly readListings: number;
  /** Ref advertisements to `git push` (GET info/refs?service=git-receive-pack), whether or not it then pushed. */
  readonly pushAdvertisements: number;
  /** Every password any request carried. */
  readonly passwordsSeen: Set<string>;
  /** Runs before each push is served; lets a test change the repository mid-push or hold it. */
  beforePush: ((request: GitRequest) => Promise<void> | void) | undefined;
  /** Runs before the refs are advertised to `git push` (GET info/refs?service=git-receive-pack). */
  beforePushAdvertisement: (() => Promise<void> | void) | undefined;
  close(): Promise<void>;
}

export async function startGitServer(root: string, token: string): Promise<TestGitServer> {
  const state = {
    pushes: 0,
    readListings: 0,
    pushAdvertisements: 0,
    passwordsSeen: new Set<string>(),
    beforePush: undefined as TestGitServer["beforePush"],
    beforePushAdvertisement: undefined as TestGitServer["beforePushAdvertisement"],
  };
  const handler = createGitHttpHandler({
    root,
    authorize: (request) => {
      if (request.password !== undefined) state.passwordsSeen.add(request.password);
      return request.password === token;
    },
    beforePush: (request) => state.beforePush?.(request),
    onPush: () => void state.pushes++,
  });
  const server = http.createServer((req, res) => {
    const advertisesForPush = req.method === "GET" && /\/info\/refs\?service=git-receive-pack$/.test(req.url ?? "");
    if (req.method === "GET" && /\/info\/refs\?service=git-upload-pack$/.test(req.url ?? "")) state.readListings++;
    if (advertisesForPush) state.pushAdvertisements++;
    Promise.resolve(advertisesForPush ? state.beforePushAdvertisement?.() : undefined)
      .then(() => handler(req, res))
      .then((handled) => void (handled || res.writeHead(404).end("not found")))
      .catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: (repoPath) => `http://127.0.0.1:${port}/${repoPath}.git`,
    get pushes() {
      return state.pushes;
    },
    get readListings() {
      return state.readListings;
    },
    get pushAdvertisements() {
      return state.pushAdvertisements;
    },
    get passwordsSeen() {
      return state.passwordsSeen;
    },
    get beforePush() {
      return state.beforePush;
    },
    set beforePush(hook) {
      state.beforePush = hook;
    },
    get beforePushAdvertisement() {
      return state.beforePushAdvertisement;
    },
    set beforePushAdvertisement(hook) {
      state.beforePushAdvertisement = hook;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
