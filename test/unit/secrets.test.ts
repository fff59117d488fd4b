import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { installationAuth, installationToken, newInstallationToken } from "../../src/github/repository.js";
import { clearSecretsForTests, createSecretRegistry, EXPIRY_MARGIN_MS, redact, registerSecret } from "../../src/secrets.js";

describe("redact", () => {
  afterEach(() => clearSecretsForTests());

  it.each([
    ["a registered token", "push failed for glpat-abcdef123456", "push failed for ***"],
    ["its Basic-auth form", `Authorization: xx ${Buffer.from("oauth2:glpat-abcdef123456").toString("base64")}`, "Authorization: xx ***"],
    ["credentials in a URL", "fatal: unable to access 'https://user:hunter22@gitlab.com/a/b.git/'", "fatal: unable to access 'https://***@gitlab.com/a/b.git/'"],
    ["an Authorization header never registered", "Authorization: Bearer ghs_unknownTOKEN123", "Authorization: Bearer ***"],
    ["a PRIVATE-TOKEN header", "PRIVATE-TOKEN: glpat-zzzzzzzzzzzz", "PRIVATE-TOKEN: ***"],
    ["text with no secret", "main has diverged on GitLab", "main has diverged on GitLab"],
  ])("hides %s", (_what, input, expected) => {
    registerSecret("glpat-abcdef123456", "long-lived");
    expect(redact(input)).toBe(expected);
  });

  it("ignores secrets too short to be tokens, so ordinary words survive", () => {
    registerSecret("main", "long-lived");
    expect(redact("main")).toBe("main");
  });

  it("hides a secret with regex characters in it", () => {
    registerSecret("a+b(c)*d?e", "long-lived");
    expect(redact("x a+b(c)*d?e y")).toBe("x *** y");
  });
});

describe("the registry of secrets", () => {
  const HOUR = 60 * 60 * 1000;
  const basic = (token: string) => Buffer.from(`x-access-token:${token}`).toString("base64");
  const clockAt = (start: number) => {
    const clock = { ms: start, now: () => clock.ms };
    return clock;
  };

  it("hides an installation token until its expiry (plus the margin), then forgets it and its Basic-auth forms", () => {
    const clock = clockAt(0);
    const secrets = createSecretRegistry({ now: clock.now });
    secrets.register("ghs_installationToken1", { expiresAt: new Date(HOUR).toISOString() });
    const line = `token ghs_installationToken1 header ${basic("ghs_installationToken1")}`;

    clock.ms = HOUR + EXPIRY_MARGIN_MS - 1;
    expect(secrets.redact(line)).toBe("token *** header ***");

    clock.ms = HOUR + EXPIRY_MARGIN_MS;
    expect(secrets.redact(line)).toBe(line); // useless by now: nothing left to hide it for
    expect(secrets.stats().entries).toBe(0);
  });

  it("keeps long-lived secrets (GitLab token, webhook secrets) for good, however many tokens come and go", () => {
    const clock = clockAt(0);
    const secrets = createSecretRegistry({ now: clock.now, maxExpiringEntries: 30 });
    secrets.register("glpat-gitlabToken123", "long-lived");
    for (let hour = 0; hour < 48; hour++) {
      clock.ms = hour * HOUR;
      secrets.register(`ghs_tokenOfHour${hour}`, { expiresAt: (hour + 1) * HOUR });
      expect(secrets.redact(`glpat-gitlabToken123 ghs_tokenOfHour${hour}`)).toBe("*** ***");
    }
    clock.ms = 1000 * HOUR;
    expect(secrets.redact("glpat-gitlabToken123 ghs_tokenOfHour47")).toBe("*** ghs_tokenOfHour47");
    expect(secrets.stats().entries).toBe(3); // the GitLab token and its two Basic-auth forms
  });

  it("holds at most its bound of expiring entries, forgetting the oldest first", () => {
    const secrets = createSecretRegistry({ now: () => 0, maxExpiringEntries: 6 }); // two tokens
    secrets.register("glpat-gitlabToken123", "long-lived");
    for (const token of ["ghs_first_token", "ghs_second_token", "ghs_third_token"]) secrets.register(token, { expiresAt: HOUR });

    expect(secrets.redact("ghs_first_token ghs_second_token ghs_third_token glpat-gitlabToken123")).toBe("ghs_first_token *** *** ***");
    expect(secrets.stats().entries).toBe(6 + 3);
  });

  it("keeps the longer lifetime when a secret is registered again", () => {
    const clock = clockAt(0);
    const secrets = createSecretRegistry({ now: clock.now });
    secrets.register("glpat-gitlabToken123", "long-lived");
    secrets.register("glpat-gitlabToken123", { expiresAt: HOUR }); // e.g. git.ts, which does not know
    secrets.register("ghs_renewedToken", { expiresAt: HOUR });
    secrets.register("ghs_renewedToken", { expiresAt: 2 * HOUR });
    secrets.register("ghs_renewedToken", { expiresAt: HOUR / 2 });

    clock.ms = 2 * HOUR;
    expect(secrets.redact("glpat-gitlabToken123 ghs_renewedToken")).toBe("*** ***");
    clock.ms = 3 * HOUR;
    expect(secrets.redact("glpat-gitlabToken123 ghs_renewedToken")).toBe("*** ghs_renewedToken");
  });

  it("hides a token whose expiry is unknown or unreadable for an installation token's hour, never for good", () => {
    const clock = clockAt(0);
    const secrets = createSecretRegistry({ now: clock.now });
    secrets.register("ghs_noExpiryGiven", { expiresAt: undefined });
    secrets.register("ghs_garbledExpiry", { expiresAt: "soon" });
    expect(secrets.redact("ghs_noExpiryGiven ghs_garbledExpiry")).toBe("*** ***");
    clock.ms = HOUR + EXPIRY_MARGIN_MS;
    expect(secrets.redact("ghs_noExpiryGiven ghs_garbledExpiry")).toBe("ghs_noExpiryGiven ghs_garbledExpiry");
  });

  it("builds its regex once per change of the set, not per log line", () => {
    const clock = clockAt(0);
    const secrets = createSecretRegistry({ now: clock.now });
    secrets.register("glpat-gitlabToken123", "long-lived");
    secrets.register("ghs_installationToken1", { expiresAt: HOUR });
    for (let i = 0; i < 1000; i++) secrets.redact(`line ${i} ghs_installationToken1`);
    expect(secrets.stats().patternBuilds).toBe(1);

    secrets.register("ghs_installationToken1", { expiresAt: HOUR }); // the same token, used again
    clock.ms = HOUR; // time passes, nothing expires yet
    for (let i = 0; i < 1000; i++) secrets.redact(`line ${i}`);
    expect(secrets.stats().patternBuilds).toBe(1);

    clock.ms = HOUR + EXPIRY_MARGIN_MS; // the token expires: one rebuild, then none
    for (let i = 0; i < 1000; i++) secrets.redact(`line ${i}`);
    expect(secrets.stats().patternBuilds).toBe(2);
  });
});

describe("installation tokens", () => {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const probot = new Probot({ appId: 123, privateKey, Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }) });
  let installationId = 1000;
  const issue = (token: string, expiresAt: Date) =>
    nock("https://api.github.com")
      .post(`/app/installations/${++installationId}/access_tokens`)
      .reply(201, { token, expires_at: expiresAt.toISOString(), permissions: { contents: "write" } });
  const inAnHour = () => new Date(Date.now() + 60 * 60 * 1000);
  const expiredBeyondMargin = () => new Date(Date.now() - EXPIRY_MARGIN_MS - 1000);

  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    clearSecretsForTests();
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });
  afterAll(() => {
    nock.enableNetConnect();
    nock.restore();
  });

  it.each([
    ["installationToken", async (octokit: ProbotOctokit) => installationToken(octokit)],
    ["installationAuth", async (octokit: ProbotOctokit) => (await installationAuth(octokit)).token],
    ["newInstallationToken", async (octokit: ProbotOctokit) => (await newInstallationToken(octokit, installationId)).token],
  ])("from %s are hidden in log lines while they work, and forgotten with GitHub's expires_at", async (_name, obtain) => {
    issue("ghs_stillValidToken", inAnHour());
    const live = await obtain(await probot.auth(installationId));
    expect(redact(`git said ${live}`)).toBe("git said ***");

    issue("ghs_expiredLongAgo", expiredBeyondMargin());
    const expired = await obtain(await probot.auth(installationId));
    expect(redact(`git said ${expired}`)).toBe("git said ghs_expiredLongAgo");
  });
});
