/**
 * The benchmark's histories look like a real project's: about 3 KB of new text per commit spread
 * over a few hundred files, text that compresses like source code, and the same commits every run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { deflateSync } from "node:zlib";
import { importStream } from "../../../sandbox/fast-import.js";
import { git, initBare } from "../../../sandbox/git.js";
import { realisticHistory } from "../../../sandbox/realistic-history.js";

let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "realistic-history-test-"));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function write(name: string, commits: number): Promise<{ dir: string; tip: string }> {
  const dir = path.join(tmp, `${name}.git`);
  await initBare(dir, "main");
  const out = await importStream(dir, realisticHistory({ commits, ref: "refs/heads/main", startTime: 1_700_000_000 }));
  return { dir, tip: out.trim() };
}

describe("realistic history", () => {
  it("adds about 3 KB of text per commit, over a few hundred files, the same commits every time", async () => {
    const { dir, tip } = await write("a", 400);
    expect(tip).toMatch(/^[0-9a-f]{40}$/);
    expect((await git(["rev-list", "--count", tip], { cwd: dir })).trim()).toBe("400");
    expect((await git(["ls-tree", "-r", "--name-only", tip], { cwd: dir })).trim().split("\n")).toHaveLength(300);

    // Added lines of every commit after the initial import, in bytes.
    const patch = await git(["log", "--format=", "-p", "--no-renames", `${tip}~399..${tip}`], { cwd: dir });
    const added = patch
      .split("\n")
      .filter((line) => line.startsWith("+") && !line.startsWith("+++"))
      .reduce((sum, line) => sum + line.length, 0);
    expect(added / 399).toBeGreaterThan(2_500);
    expect(added / 399).toBeLessThan(4_000);
    // Commits touch different files: the history spreads over most of the tree.
    const touched = new Set((await git(["log", "--format=", "--name-only", `${tip}~399..${tip}`], { cwd: dir })).split("\n").filter(Boolean));
    expect(touched.size).toBeGreaterThan(150);

    expect((await write("b", 400)).tip).toBe(tip);
  });

  it("writes text that compresses like source code, not like random bytes", () => {
    let text = "";
    for (const command of realisticHistory({ commits: 50, ref: "refs/heads/main", startTime: 0 })) {
      if (command.startsWith("blob")) text += command;
      if (text.length > 500_000) break;
    }
    const ratio = text.length / deflateSync(text).length;
    expect(ratio).toBeGreaterThan(2.5);
  });
});
