import { MemoryStatusStore } from "../../../src/status/memory-store.js";
import { describeStatusStoreContract } from "./store-contract.js";

describeStatusStoreContract("MemoryStatusStore", async () => new MemoryStatusStore());
