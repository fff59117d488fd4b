/** The machine a run happened on, for the report: numbers mean little without it. */
import os from "node:os";
import { git } from "../sandbox/git.js";

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  git: string;
}

export async function describeMachine(): Promise<Machine> {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    git: (await git(["--version"])).trim().replace(/^git version /, ""),
  };
}
