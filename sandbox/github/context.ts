/** What every fake GitHub route needs: state, credentials, and who a request acts as. */
import type { ApiRequest } from "../http/router.js";
import { HttpError } from "../http/router.js";
import { credential, DOCS_URL, verifyAppJwt, type AppKeys, type InstallationTokens } from "./app-auth.js";
import { botLogin } from "./objects.js";
import { notFound, type GitHubState, type RepoRecord } from "./state.js";

export const DEVELOPER_LOGIN = "sandbox-developer";

export class GitHubContext {
  constructor(
    readonly state: GitHubState,
    readonly keys: AppKeys,
    readonly tokens: InstallationTokens,
    readonly userToken: string,
  ) {}

  /** Login a token acts as: the app's bot for installation tokens, the developer for userToken. */
  loginFor(token: string | undefined): string | undefined {
    if (token === undefined) return undefined;
    if (token === this.userToken) return DEVELOPER_LOGIN;
    return this.tokens.installationOf(token) === this.state.installationId ? botLogin(this.state) : undefined;
  }

  /** The acting login of a token-authenticated request; 401 "Bad credentials" otherwise. */
  actor(req: ApiRequest): string {
    const login = this.loginFor(credential(req.headers));
    if (!login) throw new HttpError(401, { message: credential(req.headers) ? "Bad credentials" : "Requires authentication", documentation_url: DOCS_URL });
    return login;
  }

  /** Routes that GitHub answers only for the app itself (signed JWT). */
  requireApp(req: ApiRequest): void {
    verifyAppJwt(req.headers, this.state.app.id, this.keys.publicKey);
  }

  /**
   * A repository the request may see: public ones without credentials (as on GitHub), private
   * ones only with a valid token; a bad token is 401 even for public repositories.
   */
  readableRepo(req: ApiRequest): RepoRecord {
    const token = credential(req.headers);
    if (token !== undefined) this.actor(req);
    const repo = this.state.repo(req.params.owner!, req.params.repo!);
    if (repo.private && token === undefined) throw notFound();
    // As on GitHub: an installation token does not see a repository outside its installation.
    if (token !== undefined && token !== this.userToken && !this.state.inInstallation(repo)) throw notFound();
    return repo;
  }
}
