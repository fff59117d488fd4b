/** StatusStore for one process: the latest record per mirror, forgotten on restart. */
import { compareRecords, recordKey, repositoryKeyPrefix } from "./records.js";
import type { MirrorStatusRecord, StatusStore } from "./types.js";

export class MemoryStatusStore implements StatusStore {
  private readonly records = new Map<string, MirrorStatusRecord>();

  async record(record: MirrorStatusRecord): Promise<void> {
    // Copies in and out: a caller that mutates its object later cannot change what was stored.
    this.records.set(recordKey(record), { ...record });
  }

  async get(mirror: Pick<MirrorStatusRecord, "owner" | "repo" | "target">): Promise<MirrorStatusRecord | undefined> {
    const record = this.records.get(recordKey(mirror));
    return record && { ...record };
  }

  async removeRepository(owner: string, repo: string): Promise<number> {
    const prefix = repositoryKeyPrefix(owner, repo);
    const keys = [...this.records.keys()].filter((key) => key.startsWith(prefix));
    for (const key of keys) this.records.delete(key);
    return keys.length;
  }

  async list(): Promise<MirrorStatusRecord[]> {
    return [...this.records.values()].map((record) => ({ ...record })).sort(compareRecords);
  }
}
