import { BackgroundTasks } from "../../../src/worker/background.js";
import { bufferLogger } from "../../helpers/buffer-logger.js";

/** A real pino logger writing its JSON lines into an array. */
describe("BackgroundTasks", () => {
  it("logs a rejected task once, with what it was doing and the job's repository", async () => {
    const { log, lines } = bufferLogger();
    const tasks = new BackgroundTasks(log).scoped({ repo: "octo/app" });
    tasks.run(Promise.reject(new Error("Resource not accessible by integration")), { what: "report the invalid config on abc1234" });
    await tasks.drain();
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        repo: "octo/app",
        msg: "could not report the invalid config on abc1234",
        err: expect.objectContaining({ message: "Resource not accessible by integration" }),
      }),
    ]);
  });

  it("logs with the scope's repository, and with a task's own logger when given one", async () => {
    const { log, lines } = bufferLogger();
    const tasks = new BackgroundTasks(log);
    tasks.scoped({ repo: "octo/one" }).run(Promise.reject(new Error("boom")), { what: "complete a check run" });
    tasks.run(Promise.reject(new Error("gone")), { what: "route a GitLab push", log: log.child({ delivery: "d-1" }) });
    await tasks.drain(); // one set: scoped tasks are drained with the others
    expect(lines.map((l) => [l.msg, l.repo, l.delivery, l.err.message])).toEqual([
      ["could not complete a check run", "octo/one", undefined, "boom"],
      ["could not route a GitLab push", undefined, "d-1", "gone"],
    ]);
  });

  it("logs nothing for tasks that succeed or handle their own failures", async () => {
    const { log, lines } = bufferLogger();
    const tasks = new BackgroundTasks(log);
    tasks.run(Promise.resolve(1), { what: "succeed" });
    tasks.run(
      Promise.reject(new Error("handled")).catch(() => "reported by the task"),
      { what: "handle it" },
    );
    await tasks.drain();
    expect(tasks.size).toBe(0);
    expect(lines).toEqual([]);
  });
});
