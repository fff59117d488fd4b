/** Which transfer headers of a batch answer are hidden from logs: the credentials, not ordinary words. */
import { registerActionSecrets } from "../../../src/lfs/batch-api.js";
import { clearSecretsForTests, redact } from "../../../src/secrets.js";

afterEach(() => clearSecretsForTests());

const OID = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";

test("GitLab's upload headers: the credentials are redacted, Content-Type and Transfer-Encoding are not", () => {
  const basic = Buffer.from("oauth2:glpat-secret-value").toString("base64");
  registerActionSecrets({
    oid: OID,
    size: 5,
    actions: {
      upload: {
        href: `https://gitlab.example/group/p.git/gitlab-lfs/objects/${OID}/5`,
        header: { Authorization: `Basic ${basic}`, "Content-Type": "application/octet-stream", "Transfer-Encoding": "chunked" },
      },
    },
  });
  const line = `PUT with Transfer-Encoding chunked, application/octet-stream, credentials ${basic}`;
  expect(redact(line)).not.toContain(basic);
  expect(redact(line)).toContain("Transfer-Encoding chunked, application/octet-stream, credentials");
});

test("GitHub's media token and a token header of another server are redacted", () => {
  registerActionSecrets({
    oid: OID,
    size: 5,
    actions: {
      download: { href: "https://media.example/o", header: { Authorization: "RemoteAuth media-token-1234" } },
      verify: { href: "https://media.example/v", header: { "X-Storage-Token": "storage-token-5678", Accept: "application/vnd.git-lfs+json" } },
    },
  });
  const redacted = redact("media-token-1234 storage-token-5678 application/vnd.git-lfs+json");
  expect(redacted).not.toMatch(/media-token-1234|storage-token-5678/);
  expect(redacted).toContain("application/vnd.git-lfs+json");
});
