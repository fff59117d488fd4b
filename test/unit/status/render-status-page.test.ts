import { parseFilter } from "../../../src/status/records.js";
import { ago, escapeHtml, renderLoginPage, renderStatusPage } from "../../../src/status/render-status-page.js";
import type { MirrorStatusRecord } from "../../../src/status/types.js";
import { failingRecord, statusRecord } from "./records.js";

const now = new Date("2024-05-01T12:05:00.000Z");
const healthy = statusRecord();
const failing = failingRecord();
const lagging = statusRecord({ repo: "behind", target: "group/behind", lagRefs: 2, lastTitle: "Mirrored 1 ref; 2 not yet pushed" });
const all = [healthy, failing, lagging];

function rows(html: string): string[] {
  return [...html.matchAll(/<tr class="(?:success|failure)">\s*<td>([^<]*)/g)].map((m) => m[1]!);
}

function page(records: MirrorStatusRecord[], show?: string): string {
  return renderStatusPage({ records, filter: parseFilter(show), now });
}

describe("renderStatusPage", () => {
  it("lists every mirror with its direction, target link, last sync, result, lag and error", () => {
    const html = page(all);
    expect(rows(html)).toEqual(["octo/hello", "octo/broken", "octo/behind"]);
    expect(html).toContain("GitHub → GitLab");
    expect(html).toContain('<a href="https://gitlab.example/group/broken" rel="noopener noreferrer">group/broken</a>');
    expect(html).toContain('<time datetime="2024-05-01T12:00:00.000Z" title="2024-05-01 12:00 UTC">5 min ago</time>');
    expect(html).toContain('✗ Failed</span> <span class="muted">3 runs in a row');
    expect(html).toContain("2 refs differ");
    expect(html).toContain("1 ref differs");
    expect(html).toContain("main has commits on GitLab that are not on GitHub");
    expect(html).toContain("3 mirrors · 1 failing · 2 lagging");
  });

  it("groups mirrors by installation", () => {
    const html = page([healthy, statusRecord({ installationId: 42, owner: "acme", repo: "tools" })]);
    expect(html).toMatch(/<h2>octo <span class="muted">· installation 1<\/span><\/h2>[\s\S]*<h2>acme <span class="muted">· installation 42<\/span>/);
  });

  it.each([
    ["failing", ["octo/broken"]],
    ["lagging", ["octo/broken", "octo/behind"]],
    ["all", ["octo/hello", "octo/broken", "octo/behind"]],
    [undefined, ["octo/hello", "octo/broken", "octo/behind"]],
    ["anything-else", ["octo/hello", "octo/broken", "octo/behind"]],
  ])("?show=%s shows %j and marks its filter link as current", (show, expected) => {
    const html = page(all, show);
    expect(rows(html)).toEqual(expected);
    const current = [...html.matchAll(/<a href="\?show=(\w+)" aria-current="page">/g)].map((m) => m[1]);
    expect(current).toEqual([parseFilter(show)]);
    expect(html).toContain('<a href="?show=failing"');
    expect(html).toContain('<a href="?show=lagging"');
  });

  it.each([
    ["all", [], "No mirror has run yet"],
    ["failing", [healthy], "No mirror is failing"],
    ["lagging", [healthy], "No mirror is lagging"],
  ])("says so when the %s view is empty", (show, records, message) => {
    expect(page(records, show)).toContain(message);
  });

  it("escapes every text from a record, so a repository named <script> stays text", () => {
    const evil = '<script>alert("x")</script>';
    const html = page([
      failingRecord({ owner: evil, repo: `a${evil}`, target: `t${evil}`, targetUrl: `https://gitlab.example/"><script>x</script>`, lastTitle: evil, lastError: evil }),
    ]);
    expect(html).not.toContain("<script");
    expect(html).toContain("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;");
    expect(html).toContain('href="https://gitlab.example/%22%3E%3Cscript%3Ex%3C/script%3E"');
  });

  it.each(["javascript:alert(1)", "data:text/html,hi", "not a url"])("does not link a target URL like %s", (targetUrl) => {
    const html = page([statusRecord({ targetUrl })]);
    expect(html).not.toContain('<a href="javascript');
    expect(html).not.toMatch(/<a href="(?!\?show=)/);
    expect(html).toContain(">group/hello</td>");
  });

  it("marks private repositories", () => {
    expect(page([statusRecord({ private: true })])).toContain('octo/hello <span class="badge">private</span>');
  });

  it("shows an unreadable sync time as written instead of failing", () => {
    expect(page([statusRecord({ lastSyncAt: "yesterday<b>" })])).toContain("yesterday&#60;b&#62;");
  });

  it("is a self-contained document: no scripts, no external assets", () => {
    const html = page(all);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(/i);
  });
});

describe("renderLoginPage", () => {
  it("asks for the token in a password field posted to /mirror/login", () => {
    const html = renderLoginPage();
    expect(html).toContain('<form method="post" action="/mirror/login">');
    expect(html).toContain('<input type="password" id="token" name="token"');
    expect(html).not.toContain('role="alert"');
  });

  it("shows an escaped message", () => {
    expect(renderLoginPage({ message: "wrong <token>" })).toContain('<p class="alert" role="alert">wrong &#60;token&#62;</p>');
  });
});

describe("ago", () => {
  it.each([
    ["2024-05-01T12:04:30Z", "just now"],
    ["2024-05-01T12:00:00Z", "5 min ago"],
    ["2024-05-01T09:05:00Z", "3 h ago"],
    ["2024-04-28T12:05:00Z", "3 days ago"],
    ["2024-05-01T12:30:00Z", "2024-05-01 12:30 UTC"], // in the future: a replica's clock is off
  ])("%s → %s", (at, expected) => {
    expect(ago(new Date(at), now)).toBe(expected);
  });
});

describe("escapeHtml", () => {
  it("escapes the five HTML-significant characters", () => {
    expect(escapeHtml(`&<>"'`)).toBe("&#38;&#60;&#62;&#34;&#39;");
  });
});
