import { GitError, GitPluginError } from "simple-git";
import type { ErrorCode } from "../../../src/errors.js";
import { MirrorError } from "../../../src/errors.js";
import { classifyGitError, type GitFailureContext } from "../../../src/mirror/classify-git-error.js";
import { clearSecretsForTests, registerSecret } from "../../../src/secrets.js";

const push: GitFailureContext = { operation: "push", remote: "GitLab", refs: ["refs/heads/main"] };
const fetch: GitFailureContext = { operation: "fetch", remote: "GitHub" };
const lsRemote: GitFailureContext = { operation: "ls-remote", remote: "GitLab" };

// Real stderr (and porcelain stdout) as git 2.39 prints it talking to GitHub, GitLab and git http-backend.
const cases: [what: string, context: GitFailureContext, output: string, code: ErrorCode][] = [
  [
    "GitLab protected branch",
    push,
    "remote: GitLab: You are not allowed to push code to protected branches on this project.\nTo https://gitlab.com/g/p.git\n ! [remote rejected] main -> main (pre-receive hook declined)\nerror: failed to push some refs to 'https://gitlab.com/g/p.git'",
    "protected_branch",
  ],
  [
    "GitLab force push to a protected branch",
    push,
    "remote: GitLab: You are not allowed to force push code to a protected branch on this project.\n!\tabc:refs/heads/main\t[remote rejected] (pre-receive hook declined)",
    "protected_branch",
  ],
  [
    "GitHub GH006",
    push,
    "remote: error: GH006: Protected branch update failed for refs/heads/main.\nremote: error: Changes must be made through a pull request.\n ! [remote rejected] main -> main (protected branch hook declined)",
    "protected_branch",
  ],
  [
    "GitLab's LFS integrity check",
    push,
    'remote: GitLab: LFS objects are missing. Ensure LFS is properly set up or try a manual "git lfs push --all".\n!\tabc:refs/heads/main\t[remote rejected] (pre-receive hook declined)',
    "lfs_objects_missing",
  ],
  ["GitHub rulesets GH013", push, "remote: error: GH013: Repository rule violations found for refs/heads/main.\nremote: - Cannot force-push to this branch", "protected_branch"],
  ["an update hook", push, "!\tabc:refs/heads/blocked\t[remote rejected] (hook declined)\nremote: error: hook declined to update refs/heads/blocked", "protected_branch"],
  ["a hidden ref", push, " ! [remote rejected] refs/merge-requests/1/head -> refs/merge-requests/1/head (deny updating a hidden ref)", "protected_branch"],
  ["server denies non-fast-forward", push, "remote: error: denying non-fast-forward refs/heads/main (you should fetch first)", "protected_branch"],
  [
    "GitHub workflows permission",
    push,
    " ! [remote rejected] main -> main (refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission)",
    "workflows_permission",
  ],
  ["a lease: stale info", push, "To http://h/g/p.git\n!\tabc:refs/heads/main\t[rejected] (stale info)\nDone\nerror: failed to push some refs", "lease_lost"],
  ["a lease: fetch first", push, " ! [rejected]        main -> main (fetch first)\nerror: failed to push some refs to 'https://gitlab.com/g/p.git'", "lease_lost"],
  [
    "a lease lost on the server",
    push,
    "!\tabc:refs/heads/main\t[remote rejected] (atomic transaction failed)\nremote: error: cannot lock ref 'refs/heads/main': is at 1111111111111111111111111111111111111111 but expected 2222222222222222222222222222222222222222",
    "lease_lost",
  ],
  [
    "GitLab wrong token",
    lsRemote,
    "remote: HTTP Basic: Access denied. The provided password or token is incorrect or your account has 2FA enabled and you must use a personal access token instead of a password.\nfatal: Authentication failed for 'https://gitlab.com/g/p.git/'",
    "auth_failed",
  ],
  ["GitHub wrong token", fetch, "remote: Invalid username or password.\nfatal: Authentication failed for 'https://github.com/o/r.git/'", "auth_failed"],
  ["no credentials and no prompt", fetch, "fatal: could not read Username for 'https://github.com': terminal prompts disabled", "auth_failed"],
  [
    "askpass refused",
    fetch,
    "error: unable to read askpass response from '/bin/false'\nfatal: could not read Username for 'http://127.0.0.1:4000': No such device or address",
    "auth_failed",
  ],
  ["HTTP 401", lsRemote, "fatal: unable to access 'https://gitlab.com/g/p.git/': The requested URL returned error: 401", "auth_failed"],
  [
    "HTTP 403",
    fetch,
    "remote: Permission to o/r.git denied to mirror-bot[bot].\nfatal: unable to access 'https://github.com/o/r.git/': The requested URL returned error: 403",
    "auth_failed",
  ],
  ["GitHub repository not found", fetch, "remote: Repository not found.\nfatal: repository 'https://github.com/o/r.git/' not found", "github_repo_not_found"],
  [
    "GitLab project not found",
    lsRemote,
    "remote: The project you were looking for could not be found or you don't have permission to view it.\nfatal: repository 'https://gitlab.com/g/p.git/' not found",
    "gitlab_project_not_found",
  ],
  ["a moved or deleted project (git's own words for a 404)", lsRemote, "fatal: repository 'http://127.0.0.1:1/g/p.git/' not found", "gitlab_project_not_found"],
  ["HTTP 404", lsRemote, "fatal: unable to access 'http://127.0.0.1:1/g/p.git/': The requested URL returned error: 404", "gitlab_project_not_found"],
  ["HTTP 500", fetch, "error: RPC failed; HTTP 500 curl 22 The requested URL returned error: 500\nfatal: the remote end hung up unexpectedly", "transient"],
  ["HTTP 502", lsRemote, "fatal: unable to access 'https://gitlab.com/g/p.git/': The requested URL returned error: 502", "transient"],
  ["HTTP 429", fetch, "fatal: unable to access 'https://github.com/o/r.git/': The requested URL returned error: 429", "transient"],
  [
    "early EOF",
    fetch,
    "error: RPC failed; curl 56 GnuTLS recv error (-54): Error in the pull function.\nfatal: early EOF\nfatal: fetch-pack: invalid index-pack output",
    "transient",
  ],
  ["DNS", fetch, "fatal: unable to access 'https://github.com/o/r.git/': Could not resolve host: github.com", "transient"],
  [
    "refused",
    lsRemote,
    "fatal: unable to access 'https://gitlab.example.com/g/p.git/': Failed to connect to gitlab.example.com port 443 after 2 ms: Connection refused",
    "transient",
  ],
  ["reset", push, "fatal: unable to access 'https://gitlab.com/g/p.git/': OpenSSL SSL_read: Connection reset by peer, errno 104", "transient"],
  ["curl timeout", fetch, "fatal: unable to access 'https://github.com/o/r.git/': Operation timed out after 300000 milliseconds with 0 out of 0 bytes received", "transient"],
  ["anything else", { operation: "local" }, "fatal: not a git repository: '/cache/x'", "git_failed"],
];

describe("classifyGitError", () => {
  afterEach(() => clearSecretsForTests());

  it.each(cases)("%s", (_what, context, output, code) => {
    const error = classifyGitError(new GitError(undefined, output), context);
    expect(error).toBeInstanceOf(MirrorError);
    expect(error.code).toBe(code);
    expect(error.userMessage).not.toMatch(/\n/);
    expect(error.advice).not.toBe("");
  });

  it("marks lease loss and transient failures retryable, and the rest not", () => {
    const retryable = (output: string) => classifyGitError(new GitError(undefined, output), push).retryable;
    expect(retryable("[rejected] (stale info)")).toBe(true);
    expect(retryable("The requested URL returned error: 503")).toBe(true);
    expect(retryable("You are not allowed to push code to protected branches on this project")).toBe(false);
    expect(retryable("fatal: Authentication failed for 'x'")).toBe(false);
  });

  it("turns simple-git's timeout into a timeout error", () => {
    const error = classifyGitError(new GitPluginError(undefined, "timeout", "block timeout reached"), fetch);
    expect(error.code).toBe("timeout");
    expect(error.retryable).toBe(true);
  });

  it("names the refs the server rejected", () => {
    const error = classifyGitError(new GitError(undefined, "(hook declined)"), { ...push, refs: ["refs/heads/a", "refs/heads/b", "refs/heads/c", "refs/heads/d"] });
    expect(error.userMessage).toContain("refs/heads/a, refs/heads/b, refs/heads/c and 1 more");
  });

  it("quotes git's first error line, redacted, when it cannot classify", () => {
    registerSecret("glpat-secret123456", "long-lived");
    const error = classifyGitError(new GitError(undefined, "hint: something\nfatal: weird failure near glpat-secret123456 at https://u:pw123456@h/x.git\nmore"), {
      operation: "local",
    });
    expect(error.code).toBe("git_failed");
    expect(error.userMessage).toBe("git failed in the local cache: fatal: weird failure near *** at https://***@h/x.git");
    expect((error.cause as Error).message).not.toContain("glpat-secret123456");
  });

  it("keeps tokens out of classified errors too", () => {
    registerSecret("ghs_abcdefabcdef", "long-lived");
    const error = classifyGitError(new GitError(undefined, "remote: Invalid username or password ghs_abcdefabcdef"), fetch);
    expect(JSON.stringify([error.message, error.advice, (error.cause as Error).message])).not.toContain("ghs_abcdefabcdef");
  });

  it("passes a MirrorError through unchanged", () => {
    const original = new MirrorError("lease_lost", "x");
    expect(classifyGitError(original, push)).toBe(original);
  });
});
