import { checkedUrl, gitEnvironment } from "../../../src/mirror/git.js";
import { MirrorError } from "../../../src/errors.js";
import { clearSecretsForTests, redact } from "../../../src/secrets.js";

const source = { url: "https://github.com/octo/hello.git", username: "x-access-token", password: "ghs_sourcetoken123" };
const target = { url: "https://gitlab.example.com/group/hello.git", username: "oauth2", password: "glpat-targettoken456" };

/** The GIT_CONFIG_KEY_n/VALUE_n pairs as a list. */
function configOf(env: Record<string, string>): [string, string][] {
  return Array.from({ length: Number(env.GIT_CONFIG_COUNT) }, (_, i) => [env[`GIT_CONFIG_KEY_${i}`]!, env[`GIT_CONFIG_VALUE_${i}`]!]);
}

describe("gitEnvironment", () => {
  afterEach(() => clearSecretsForTests());

  it("scopes each credential to its own URL as an Authorization header", () => {
    const config = configOf(gitEnvironment("/cache/x", [source, target]));
    const basic = (e: typeof source) => `Authorization: Basic ${Buffer.from(`${e.username}:${e.password}`).toString("base64")}`;
    expect(config).toContainEqual([`http.${source.url}.extraHeader`, basic(source)]);
    expect(config).toContainEqual([`http.${target.url}.extraHeader`, basic(target)]);
    expect(config.filter(([key]) => /extraheader/i.test(key))).toHaveLength(2);
  });

  it("locks git down: no hooks, helpers, prompts, redirects or transports beyond http(s)", () => {
    const env = gitEnvironment("/cache/x", []);
    expect(configOf(env)).toEqual([
      ["core.hooksPath", "/dev/null"],
      ["credential.helper", ""],
      ["protocol.allow", "never"],
      ["protocol.http.allow", "always"],
      ["protocol.https.allow", "always"],
      ["http.followRedirects", "false"],
    ]);
    expect(env).toMatchObject({
      GIT_DIR: "/cache/x",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_TERMINAL_PROMPT: "0",
      GIT_ASKPASS: "/bin/false",
      SSH_ASKPASS: "/bin/false",
      GCM_INTERACTIVE: "never",
      LC_ALL: "C",
      HOME: "/nonexistent",
    });
  });

  it("inherits nothing else from the process environment", () => {
    process.env.GIT_TRACE_CURL = "1";
    process.env.GIT_SSH_COMMAND = "evil";
    try {
      const env = gitEnvironment("/cache/x", [source]);
      expect(env.GIT_TRACE_CURL).toBeUndefined();
      expect(env.GIT_SSH_COMMAND).toBeUndefined();
      expect(env.PATH!.split(":").length).toBeLessThanOrEqual(3);
    } finally {
      delete process.env.GIT_TRACE_CURL;
      delete process.env.GIT_SSH_COMMAND;
    }
  });

  it("registers the password and its Basic form as secrets", () => {
    gitEnvironment("/cache/x", [{ ...source, username: "someone" }]);
    const basic = Buffer.from(`someone:${source.password}`).toString("base64");
    expect(redact(`${source.password} ${basic}`)).toBe("*** ***");
  });
});

describe("checkedUrl", () => {
  it.each(["https://github.com/o/r.git", "http://127.0.0.1:8080/g/p.git"])("accepts %s", (url) => {
    expect(checkedUrl(url)).toBe(url);
  });

  it.each([
    "https://user:token@github.com/o/r.git",
    "https://token@github.com/o/r.git",
    "ssh://git@github.com/o/r.git",
    "git@github.com:o/r.git",
    "file:///etc",
    "ext::sh -c evil",
    "https://github.com/o/r.git?x=1",
    "https://github.com/o/r.git#x",
    "https://github.com/o/r.git\n",
    "--upload-pack=evil",
  ])("refuses %j", (url) => {
    expect(() => checkedUrl(url)).toThrow(MirrorError);
  });
});
