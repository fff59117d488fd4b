import { MemoryJobQueue } from "../../../src/queue/memory-queue.js";
import { describeQueueContract } from "../../helpers/queue-contract.js";

describeQueueContract("in memory", () => new MemoryJobQueue(4));
