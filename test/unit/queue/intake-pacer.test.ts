import { IntakePacer } from "../../../src/queue/intake-pacer.js";

/** A pacer on a clock the test moves. */
function pacerAt(quietMs: number, maxHoldMs: number) {
  let now = 1_000;
  const pacer = new IntakePacer({ quietMs, maxHoldMs }, () => now);
  return { pacer, advance: (ms: number) => (now += ms), now: () => now };
}

describe("IntakePacer", () => {
  it("never holds a lone arrival", () => {
    const { pacer, now } = pacerAt(25, 1_000);
    pacer.arrived();
    expect(pacer.holdFor(now())).toBe(0);
  });

  it("holds jobs while arrivals come closer together than quietMs, until intake has been quiet that long", () => {
    const { pacer, advance, now } = pacerAt(25, 1_000);
    pacer.arrived();
    const since = now();
    advance(5);
    pacer.arrived(); // a burst
    expect(pacer.holdFor(since)).toBe(25);
    advance(10);
    expect(pacer.holdFor(since)).toBe(15);
    advance(15);
    expect(pacer.holdFor(since)).toBe(0);
  });

  it("treats the first arrival after a quiet spell as lone again", () => {
    const { pacer, advance, now } = pacerAt(25, 1_000);
    pacer.arrived();
    advance(1);
    pacer.arrived();
    advance(25);
    expect(pacer.holdFor(now())).toBe(0);
    advance(500);
    pacer.arrived();
    expect(pacer.holdFor(now())).toBe(0);
  });

  it("holds no job longer than maxHoldMs, however long the burst lasts", () => {
    const { pacer, advance, now } = pacerAt(25, 100);
    pacer.arrived();
    const since = now();
    for (let i = 0; i < 9; i++) {
      advance(10);
      pacer.arrived();
      expect(pacer.holdFor(since)).toBe(Math.min(25, since + 100 - now()));
    }
    advance(10);
    pacer.arrived();
    expect(pacer.holdFor(since)).toBe(0); // waited 100 ms: starts although arrivals continue
    expect(pacer.holdFor(now())).toBe(25); // a job that just started waiting is still held
  });

  it("never holds when quietMs is 0", () => {
    const { pacer, now } = pacerAt(0, 1_000);
    pacer.arrived();
    pacer.arrived();
    expect(pacer.holdFor(now())).toBe(0);
  });

  it("waitForTurn resolves at once outside a burst", async () => {
    const pacer = new IntakePacer({ quietMs: 60_000, maxHoldMs: 60_000 });
    pacer.arrived();
    await pacer.waitForTurn(Date.now()); // would time the test out if it held
  });
});
