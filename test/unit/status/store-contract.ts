/** What every StatusStore promises, run against each implementation. */
import type { MirrorStatusRecord, StatusStore } from "../../../src/status/types.js";
import { failingRecord, statusRecord } from "./records.js";

export function describeStatusStoreContract(name: string, makeStore: () => Promise<StatusStore>): void {
  describe(`${name}: StatusStore contract`, () => {
    let store: StatusStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it("forgets every record of a removed repository (all its targets), and only those", async () => {
      await store.record(statusRecord({ owner: "Octo", repo: "Gone", target: "group/a" }));
      await store.record(statusRecord({ owner: "octo", repo: "gone", target: "group/a (GitLab → GitHub)" }));
      await store.record(statusRecord({ owner: "octo", repo: "gone-too", target: "group/b" }));
      await store.record(statusRecord({ owner: "octo", repo: "kept", target: "group/c" }));

      await expect(store.removeRepository("octo", "gone")).resolves.toBe(2);

      expect((await store.list()).map((r) => r.repo).sort()).toEqual(["gone-too", "kept"]);
      await expect(store.get?.({ owner: "octo", repo: "gone", target: "group/a" })).resolves.toBeUndefined();
    });

    it("lists nothing before the first record", async () => {
      await expect(store.list()).resolves.toEqual([]);
    });

    it("gives back what was recorded, optional fields included", async () => {
      const record = failingRecord({ private: true });
      await store.record(record);
      await expect(store.list()).resolves.toEqual([record]);
    });

    it("leaves absent optional fields absent", async () => {
      const { targetUrl: _url, ...withoutUrl } = statusRecord();
      await store.record(withoutUrl);
      const [listed] = await store.list();
      expect(listed).toEqual(withoutUrl);
      expect(listed).not.toHaveProperty("targetUrl");
      expect(listed).not.toHaveProperty("lastError");
    });

    it("keeps one record per owner/repo/target: the latest run replaces the previous one", async () => {
      await store.record(failingRecord({ repo: "hello", target: "group/hello" }));
      const fixed = statusRecord({ lastSyncAt: "2024-05-02T08:00:00.000Z" });
      await store.record(fixed);
      const listed = await store.list();
      expect(listed).toEqual([fixed]);
      expect(listed[0]).not.toHaveProperty("lastError"); // the old error is gone with the success
    });

    it("treats names differing only in case as the same mirror (GitHub and GitLab names are case-insensitive)", async () => {
      await store.record(statusRecord({ owner: "Octo", repo: "Hello", target: "Group/Hello" }));
      await store.record(statusRecord({ owner: "octo", repo: "hello", target: "group/hello", lastTitle: "second" }));
      const listed = await store.list();
      expect(listed.map((r) => r.lastTitle)).toEqual(["second"]);
    });

    it("keeps separate records for two targets of one repository", async () => {
      await store.record(statusRecord({ target: "group/a" }));
      await store.record(statusRecord({ target: "group/b" }));
      expect((await store.list()).map((r) => r.target)).toEqual(["group/a", "group/b"]);
    });

    it("does not confuse names whose joined form would collide", async () => {
      await store.record(statusRecord({ owner: "a", repo: "b/c", target: "t" }));
      await store.record(statusRecord({ owner: "a/b", repo: "c", target: "t" }));
      expect(await store.list()).toHaveLength(2);
    });

    it("lists in a stable order: installation, then repository, then target", async () => {
      const records: MirrorStatusRecord[] = [
        statusRecord({ installationId: 2, owner: "zeta", repo: "a" }),
        statusRecord({ installationId: 1, owner: "octo", repo: "b" }),
        statusRecord({ installationId: 1, owner: "octo", repo: "a", target: "group/y" }),
        statusRecord({ installationId: 1, owner: "octo", repo: "a", target: "group/x" }),
      ];
      for (const record of records) await store.record(record);
      const order = (await store.list()).map((r) => `${r.installationId} ${r.owner}/${r.repo} ${r.target}`);
      expect(order).toEqual(["1 octo/a group/x", "1 octo/a group/y", "1 octo/b group/hello", "2 zeta/a group/hello"]);
    });

    it("gets one mirror by its names, in any case, or undefined", async () => {
      await store.record(failingRecord());
      await store.record(statusRecord());
      await expect(store.get!({ owner: "Octo", repo: "Broken", target: "GROUP/broken" })).resolves.toEqual(failingRecord());
      await expect(store.get!({ owner: "octo", repo: "broken", target: "group/other" })).resolves.toBeUndefined();
    });

    it("is not changed by mutating a record after recording or after listing it", async () => {
      const record = statusRecord();
      await store.record(record);
      record.lastTitle = "mutated by the caller";
      (await store.list())[0]!.lagRefs = 99;
      await expect(store.list()).resolves.toEqual([statusRecord()]);
    });
  });
}
