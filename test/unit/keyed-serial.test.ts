import { KeyedSerial } from "../../src/keyed-serial.js";

/** A task the test ends by hand, recording when it starts. */
function gate(started: string[], name: string) {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return {
    task: () => {
      started.push(name);
      return done;
    },
    open: () => open(),
    fail: (error: Error) => fail(error),
  };
}

/** Lets every settled promise's callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("KeyedSerial", () => {
  it("runs one key's tasks one after another, and other keys alongside", async () => {
    const serial = new KeyedSerial();
    const started: string[] = [];
    const a1 = gate(started, "a1");
    const a2 = gate(started, "a2");
    const b1 = gate(started, "b1");
    const runs = [serial.run("a", a1.task), serial.run("a", a2.task), serial.run("b", b1.task)];
    await settle();
    expect(started).toEqual(["a1", "b1"]);
    a1.open();
    await settle();
    expect(started).toEqual(["a1", "b1", "a2"]);
    a2.open();
    b1.open();
    await Promise.all(runs);
  });

  it("starts the next task after a failed one, and the failure reaches only its own caller", async () => {
    const serial = new KeyedSerial();
    const started: string[] = [];
    const first = gate(started, "first");
    const second = gate(started, "second");
    const failed = serial.run("k", first.task);
    const next = serial.run("k", second.task);
    first.fail(new Error("GitLab answered 500"));
    await expect(failed).rejects.toThrow("GitLab answered 500");
    await settle();
    expect(started).toEqual(["first", "second"]);
    second.open();
    await expect(next).resolves.toBeUndefined();
  });

  it("joins a waiting task when asked to, but never one already running", async () => {
    const serial = new KeyedSerial();
    const started: string[] = [];
    const running = gate(started, "running");
    const waiting = gate(started, "waiting");
    const extra = gate(started, "extra");
    const first = serial.run("k", running.task, { join: true });
    await settle();
    // The first is running, so the second queues; the third joins the second instead of queueing.
    const second = serial.run("k", waiting.task, { join: true });
    const third = serial.run("k", extra.task, { join: true });
    running.open();
    await first;
    await settle();
    expect(started).toEqual(["running", "waiting"]);
    // Once the second has started, a new caller queues behind it again.
    const fourth = serial.run("k", extra.task, { join: true });
    waiting.open();
    extra.open();
    await Promise.all([second, third, fourth]);
    // The third call ended with the task it joined, without running its own; the fourth ran once.
    expect(started).toEqual(["running", "waiting", "extra"]);
  });

  it("does not let a plain task join, nor be joined", async () => {
    const serial = new KeyedSerial();
    const started: string[] = [];
    const running = gate(started, "running");
    const plain = gate(started, "plain");
    const joiner = gate(started, "joiner");
    const runs = [serial.run("k", running.task), serial.run("k", plain.task), serial.run("k", joiner.task, { join: true })];
    running.open();
    plain.open();
    joiner.open();
    await Promise.all(runs);
    expect(started).toEqual(["running", "plain", "joiner"]);
  });
});
