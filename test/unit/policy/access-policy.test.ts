import { checkAccess, inNamespaces, policyFromEnv, type PolicySubject } from "../../../src/policy/access-policy.js";
import { parseEnv } from "../../../src/env.js";

type Vis = "public" | "internal" | "private";
const subject = (direction: PolicySubject["direction"], path: string, gitlab: Vis, github: Vis): PolicySubject => ({
  direction,
  project: { pathWithNamespace: path, visibility: gitlab },
  repository: { fullName: "octo/repo", visibility: github },
});

describe("inNamespaces", () => {
  it.each<[string, string[], boolean]>([
    ["group/project", [], true],
    ["group/project", ["group"], true],
    ["Group/Sub/project", ["group"], true],
    ["group/sub/project", ["group/sub"], true],
    ["group/other/project", ["group/sub"], false],
    ["group-other/project", ["group"], false],
    ["groupx/project", ["group"], false],
    ["other/project", ["group", "other"], true],
  ])("%s in %j: %s", (path, namespaces, expected) => {
    expect(inNamespaces(path, namespaces)).toBe(expected);
  });
});

describe("checkAccess", () => {
  const open = { namespaces: [], allowPublishingPrivate: false };
  const limited = { namespaces: ["group"], allowPublishingPrivate: false };
  const publishing = { namespaces: [], allowPublishingPrivate: true };

  it.each<[string, Parameters<typeof checkAccess>[0], PolicySubject, false | "namespace" | "private-to-public"]>([
    ["push from a public repository to a private project", open, subject("push", "g/p", "private", "public"), false],
    ["pull from a public project into a public repository", open, subject("pull", "g/p", "public", "public"), false],
    ["pull from a private project into a private repository", open, subject("pull", "g/p", "private", "private"), false],
    ["pull from a private project into a public repository", open, subject("pull", "g/p", "private", "public"), "private-to-public"],
    ["both from an internal project into a public repository", open, subject("both", "g/p", "internal", "public"), "private-to-public"],
    ["pull from an internal project into an internal repository", open, subject("pull", "g/p", "internal", "internal"), false],
    ["pull private into public when the operator allows publishing", publishing, subject("pull", "g/p", "private", "public"), false],
    ["push to a project outside the allowed groups", limited, subject("push", "other/p", "private", "private"), "namespace"],
    ["pull from a project outside the allowed groups", limited, subject("pull", "other/p", "public", "private"), "namespace"],
    ["both with a project inside the allowed groups", limited, subject("both", "group/sub/p", "public", "public"), false],
  ])("%s", (_what, policy, who, refused) => {
    const decision = checkAccess(policy, who);
    if (refused === false) expect(decision).toEqual({ allowed: true });
    else expect(decision).toMatchObject({ allowed: false, rule: refused });
  });

  it("names the project, the rule and the operator's setting in its message", () => {
    const namespace = checkAccess({ namespaces: ["group", "team"], allowPublishingPrivate: false }, subject("push", "other/p", "private", "private"));
    expect(namespace).toMatchObject({
      message: "GitLab project other/p is outside the groups this app may mirror (group, team)",
      advice: expect.stringContaining("MIRROR_GITLAB_NAMESPACES"),
    });
    const publish = checkAccess({ namespaces: [], allowPublishingPrivate: false }, subject("pull", "g/p", "private", "public"));
    expect(publish).toMatchObject({
      message: "Refused to publish private GitLab project g/p in public repository octo/repo",
      advice: expect.stringContaining("MIRROR_ALLOW_PUBLISHING_PRIVATE=true"),
    });
  });
});

describe("policy from the environment", () => {
  it("parses the namespaces list and the publishing switch, defaulting to open namespaces and no publishing", () => {
    expect(policyFromEnv(parseEnv({}))).toEqual({ namespaces: [], allowPublishingPrivate: false });
    const env = parseEnv({ MIRROR_GITLAB_NAMESPACES: " Group/Sub/ , team ,,", MIRROR_ALLOW_PUBLISHING_PRIVATE: "true", MIRROR_PUBLIC_URL: "https://mirror.example.com/" });
    expect(policyFromEnv(env)).toEqual({ namespaces: ["group/sub", "team"], allowPublishingPrivate: true });
    expect(env.publicUrl).toBe("https://mirror.example.com");
  });

  it("fails fast on a bad public URL or switch", () => {
    expect(() => parseEnv({ MIRROR_PUBLIC_URL: "not a url" })).toThrow(/MIRROR_PUBLIC_URL/);
    expect(() => parseEnv({ MIRROR_ALLOW_PUBLISHING_PRIVATE: "yes" })).toThrow(/MIRROR_ALLOW_PUBLISHING_PRIVATE/);
  });
});
