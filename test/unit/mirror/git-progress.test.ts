import { describeProgress, PROGRESS_LINE, readProgress } from "../../../src/mirror/git-progress.js";

describe("git progress", () => {
  it("keeps the latest objects received and sent from git's --progress lines", () => {
    let progress = readProgress({}, "remote: Enumerating objects: 148541, done.\nReceiving objects:  12% (17825/148541), 5.20 MiB | 10.39 MiB/s\r");
    progress = readProgress(progress, "Receiving objects:  13% (19311/148541)\rReceiving objects:  14% (20796/148541), 6.00 MiB | 10.39 MiB/s\r");
    expect(progress).toEqual({ received: { done: 20796, total: 148541 } });
    progress = readProgress(progress, "Receiving objects: 100% (148541/148541), 40.02 MiB | 10.2 MiB/s, done.\nResolving deltas: 100% (90000/90000), done.\n");
    progress = readProgress(progress, "Enumerating objects: 148541, done.\nWriting objects:  45% (66844/148541), 19.00 MiB | 12.1 MiB/s\r");
    expect(progress).toEqual({ received: { done: 148541, total: 148541 }, sent: { done: 66844, total: 148541 } });
    expect(describeProgress(progress, { source: "GitHub", target: "GitLab" })).toBe("Received 148,541 of 148,541 objects from GitHub; sent 66,844 of 148,541 objects to GitLab.");
  });

  it("says nothing until git has counted something, and leaves other output alone", () => {
    const unchanged = {};
    expect(readProgress(unchanged, "From http://127.0.0.1/o/r\n * [new branch] main -> main\n")).toBe(unchanged);
    expect(describeProgress({}, { source: "GitHub", target: "GitLab" })).toBeUndefined();
  });

  it.each([
    ["remote: Counting objects: 100% (12/12), done.", true],
    ["Receiving objects:  45% (67000/148541), 20.00 MiB | 10.00 MiB/s", true],
    ["remote: Enumerating objects: 148541, done.", true],
    ["remote: GitLab: You are not allowed to force push code to a protected branch on this project.", false],
    ["fatal: unable to access 'http://127.0.0.1/o/r.git/': Failed to connect", false],
    ["error: failed to push some refs to 'http://127.0.0.1/g/p.git'", false],
  ])("tells a progress line from a message: %s", (line, isProgress) => {
    expect(PROGRESS_LINE.test(line)).toBe(isProgress);
  });
});
