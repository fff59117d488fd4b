/**
 * Memory of the app process from /proc/<pid>/status: VmHWM is the kernel's own peak resident set
 * (since the process started), VmRSS is sampled to show the shape. Only the node process counts;
 * the git children it spawns are separate processes with their own memory.
 */
import { readFile } from "node:fs/promises";

export interface MemoryReading {
  rssMb: number;
  hwmMb: number;
}

export async function readMemory(pid: number): Promise<MemoryReading | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rssMb: kb("VmRSS") / 1024, hwmMb: kb("VmHWM") / 1024 };
  } catch {
    return null; // not Linux, or the process is gone
  }
}

export interface MemorySampler {
  /** Stops sampling; the peak of the samples and the kernel's high-water mark at the end. */
  stop(): Promise<{ peakSampledRssMb: number; hwmMb: number; samples: number }>;
}

export function sampleMemory(pid: number, intervalMs = 100): MemorySampler {
  let peak = 0;
  let samples = 0;
  const take = async () => {
    const reading = await readMemory(pid);
    if (!reading) return;
    samples++;
    peak = Math.max(peak, reading.rssMb);
  };
  void take();
  const timer = setInterval(() => void take(), intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      const last = await readMemory(pid);
      return { peakSampledRssMb: Math.max(peak, last?.rssMb ?? 0), hwmMb: last?.hwmMb ?? NaN, samples };
    },
  };
}
