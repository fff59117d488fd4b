import type { IncomingMessage } from "node:http";
import { createAdminAuth, SESSION_SECONDS } from "../../../src/status/admin-auth.js";

const TOKEN = "admin-token-0123456789abcdef";
const T0 = Date.UTC(2024, 4, 1, 12);

function request(headers: IncomingMessage["headers"]): IncomingMessage {
  return { headers } as IncomingMessage;
}

function cookieOf(setCookie: string): string {
  return setCookie.split(";")[0]!;
}

describe("createAdminAuth", () => {
  const auth = createAdminAuth(TOKEN);

  it.each([
    ["the token", true, TOKEN],
    ["a prefix of it", false, TOKEN.slice(0, -1)],
    ["it with one more character", false, `${TOKEN}x`],
    ["nothing", false, ""],
  ])("tokenMatches(%s) is %s", (_what, expected, candidate) => {
    expect(auth.tokenMatches(candidate)).toBe(expected);
  });

  it.each([
    ["Bearer <token>", true, `Bearer ${TOKEN}`],
    ["bearer in lower case", true, `bearer ${TOKEN}`],
    ["a wrong bearer", false, "Bearer nope"],
    ["Basic with the token", false, `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}`],
    ["the token without a scheme", false, TOKEN],
  ])("Authorization: %s → admin %s", (_what, expected, authorization) => {
    expect(auth.isAdmin(request({ authorization }))).toBe(expected);
  });

  it("issues a cookie that is valid for its session and not after", () => {
    const cookie = cookieOf(auth.sessionCookie({ secure: false, nowMs: T0 }));
    expect(cookie).not.toContain(TOKEN);
    expect(auth.isAdmin(request({ cookie: `other=1; ${cookie}` }), T0 + 1000)).toBe(true);
    expect(auth.isAdmin(request({ cookie }), T0 + (SESSION_SECONDS - 1) * 1000)).toBe(true);
    expect(auth.isAdmin(request({ cookie }), T0 + SESSION_SECONDS * 1000)).toBe(false);
    expect(auth.isAdmin(request({ cookie }), T0 - 5 * 60 * 1000)).toBe(false); // issued in the future
  });

  it("refuses a cookie signed for another token, so rotating the token signs everyone out", () => {
    const cookie = cookieOf(createAdminAuth("previous-token-0123456789").sessionCookie({ secure: false, nowMs: T0 }));
    expect(auth.isAdmin(request({ cookie }), T0)).toBe(false);
  });

  it("signs with the cookie secret when one is given", () => {
    const withSecret = createAdminAuth(TOKEN, "cookie-secret-0123456789");
    const cookie = cookieOf(withSecret.sessionCookie({ secure: false, nowMs: T0 }));
    expect(withSecret.isAdmin(request({ cookie }), T0)).toBe(true);
    expect(auth.isAdmin(request({ cookie }), T0)).toBe(false);
  });

  it("lets a wrong bearer token win over a valid cookie: the explicit credential is the one checked", () => {
    const cookie = cookieOf(auth.sessionCookie({ secure: false, nowMs: T0 }));
    expect(auth.isAdmin(request({ cookie, authorization: "Bearer nope" }), T0)).toBe(false);
  });

  it("sets HttpOnly, SameSite=Strict, Path=/mirror, and Secure only over https", () => {
    expect(auth.sessionCookie({ secure: false, nowMs: T0 })).toMatch(/^mirror_admin=v1\.\d+\.[\w-]+; Path=\/mirror; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    expect(auth.sessionCookie({ secure: true, nowMs: T0 })).toMatch(/; Secure$/);
  });
});
