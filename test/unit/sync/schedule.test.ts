import { describeDelay, isDueBetween, jitterOffsetMs, parseInterval, retryDelayMs } from "../../../src/sync/schedule.js";

describe("parseInterval", () => {
  it.each([
    ["1h", 3_600_000],
    ["30m", 1_800_000],
    ["90s", 90_000],
    ["3600", 3_600_000],
    ["1h30m", 5_400_000],
    ["1500ms", 1_500],
    [" 2S ", 2_000],
    ["1d", 86_400_000],
  ])("%s → %d ms", (text, ms) => expect(parseInterval(text)).toBe(ms));

  it.each(["", "h", "1x", "-5m", "1 h", "abc", "0", "500ms"])("rejects %j", (text) => expect(() => parseInterval(text)).toThrow(/interval|too short/));
});

describe("jitter", () => {
  it("is deterministic, case-insensitive and inside the interval", () => {
    expect(jitterOffsetMs("octo/hello", 3_600_000)).toBe(jitterOffsetMs("Octo/Hello", 3_600_000));
    for (const key of ["a/b", "octo/hello", "acme/widgets"]) {
      const offset = jitterOffsetMs(key, 60_000);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(60_000);
    }
  });

  it("spreads repositories over the interval", () => {
    const offsets = Array.from({ length: 200 }, (_, i) => jitterOffsetMs(`org/repo-${i}`, 3_600_000));
    const buckets = new Set(offsets.map((o) => Math.floor(o / 360_000)));
    expect(buckets.size).toBe(10);
  });

  it("is due exactly once per interval, at the repository's offset", () => {
    const interval = 10_000;
    const key = "octo/hello";
    const offset = jitterOffsetMs(key, interval);
    let due = 0;
    for (let t = 0; t < 100_000; t += 250) if (isDueBetween(key, interval, t, t + 250)) due++;
    expect(due).toBe(10);
    expect(isDueBetween(key, interval, 20_000 + offset - 1, 20_000 + offset)).toBe(true);
    expect(isDueBetween(key, interval, 20_000 + offset, 20_000 + offset + 1)).toBe(false);
    expect(isDueBetween(key, interval, 5, 5)).toBe(false);
  });
});

describe("retryDelayMs: backs off, never gives up", () => {
  it.each([
    [1, 60_000],
    [2, 120_000],
    [3, 240_000],
    [6, 1_920_000],
    [7, 3_600_000],
    [50, 3_600_000],
  ])("failure %d of an hourly mirror waits %d ms", (failures, ms) => expect(retryDelayMs(failures, 3_600_000)).toBe(ms));

  it("scales down with short intervals", () => {
    expect(retryDelayMs(1, 16_000)).toBe(2_000);
    expect(retryDelayMs(10, 16_000)).toBe(16_000);
  });
});

describe("describeDelay", () => {
  it.each([
    [500, "in 1 s"],
    [45_000, "in 45 s"],
    [240_000, "in 4 min"],
    [3_600_000, "in 60 min"],
    [5_400_000, "in 1 h 30 min"],
    [7_200_000, "in 2 h"],
  ])("%d ms → %s", (ms, text) => expect(describeDelay(ms)).toBe(text));
});
