/** read-refs.ts against git's own answer, on real repositories in every state the files can be in. */
import path from "node:path";
import { readRefs } from "../../src/mirror/read-refs.js";
import { parseForEachRef } from "../../src/mirror/git-output.js";
import { commit, createBareRepo, createWorkRepo, git, makeTempDir, pushTo, removeDir } from "../helpers/git-fixtures.js";

let tmp: string;
beforeAll(async () => (tmp = await makeTempDir("read-refs-")));
afterAll(() => removeDir(tmp));

const gitsAnswer = async (dir: string) => parseForEachRef(await git(dir, "for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags"));

describe("readRefs", () => {
  it("lists branches and tags exactly as git for-each-ref does, loose, packed, both and after deletions", async () => {
    const bare = await createBareRepo(tmp, "octo/states");
    const work = await createWorkRepo(path.join(tmp, "work"));
    expect(await readRefs(bare)).toEqual(new Map()); // empty: no packed-refs, no loose refs

    const c1 = await commit(work, "one");
    await git(work, "tag", "-a", "v1", "-m", "annotated", c1);
    await git(work, "tag", "light", c1);
    await pushTo(work, bare, "main", "main:refs/heads/feature/deep/name", "main:refs/pull/1/head", "--tags");
    expect(await readRefs(bare)).toEqual(await gitsAnswer(bare)); // all loose

    await git(bare, "pack-refs", "--all");
    const c2 = await commit(work, "two");
    await pushTo(work, bare, "main", "main:refs/heads/loose-only");
    const both = await readRefs(bare); // main loose over its packed value
    expect(both).toEqual(await gitsAnswer(bare));
    expect(both?.get("refs/heads/main")).toBe(c2);
    expect(both?.has("refs/pull/1/head")).toBe(false);

    await pushTo(work, bare, ":refs/heads/feature/deep/name", ":refs/tags/light", ":refs/heads/loose-only");
    expect(await readRefs(bare)).toEqual(await gitsAnswer(bare)); // deleted from packed-refs and loose files
  });

  it("gives up (null) on anything it does not expect, so the caller asks git", async () => {
    const bare = await createBareRepo(tmp, "octo/odd");
    await git(bare, "symbolic-ref", "refs/heads/alias", "refs/heads/main");
    expect(await readRefs(bare)).toBeNull();
  });
});
