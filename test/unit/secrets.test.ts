import { clearSecretsForTests, redact, registerSecret } from "../../src/secrets.js";

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
    registerSecret("glpat-abcdef123456");
    expect(redact(input)).toBe(expected);
  });

  it("ignores secrets too short to be tokens, so ordinary words survive", () => {
    registerSecret("main");
    expect(redact("main")).toBe("main");
  });

  it("hides a secret with regex characters in it", () => {
    registerSecret("a+b(c)*d?e");
    expect(redact("x a+b(c)*d?e y")).toBe("x *** y");
  });
});
