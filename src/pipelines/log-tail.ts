/**
 * PURE: the end of a failed job's log as a GitHub check run can show it. GitLab's job log is the
 * raw terminal stream: ANSI colours, carriage-return progress bars, and the section markers the
 * runner writes around each step (`section_start:1700000000:step_script\r\e[0K`). Those are
 * stripped, the last lines kept, secrets the process knows redacted, and the length capped.
 */
import { redact } from "../secrets.js";

export const LOG_TAIL_LINES = 40;
/** Per job: a few failed jobs must still fit in a check run's 65,535 characters. */
export const LOG_TAIL_MAX_CHARS = 6_000;

// eslint-disable-next-line no-control-regex -- terminal control sequences are exactly what this removes
const SECTION_MARKER = /(?:\x1b\[0K)?section_(?:start|end):\d+:[A-Za-z0-9_.-]+(?:\[[^\]\r\n]*\])?\r?(?:\x1b\[0K)?/g;
// eslint-disable-next-line no-control-regex -- CSI (colours, erase line) and OSC (titles, links) sequences
const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
// eslint-disable-next-line no-control-regex -- other control characters, tab and newline kept
const CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/** The last `lines` lines of a job log, cleaned, redacted and at most `maxChars` long. */
export function cleanLogTail(raw: string, { lines = LOG_TAIL_LINES, maxChars = LOG_TAIL_MAX_CHARS } = {}): string {
  const text = raw.split("\n").flatMap((line) => {
    const unmarked = line.replace(SECTION_MARKER, "");
    // A progress bar redraws its line after each "\r": what the terminal finally showed is the last part.
    const shown = unmarked.replace(ANSI, "").replace(/\r+$/, "").split("\r").pop()!.replace(CONTROL, "").trimEnd();
    // A line that only closed or opened a section is not shown by GitLab either.
    return shown === "" && unmarked !== line ? [] : [shown];
  });
  while (text.length > 0 && text[text.length - 1] === "") text.pop();
  const tail = redact(text.slice(-lines).join("\n"));
  if (tail.length <= maxChars) return tail;
  // Keep the end: the error is at the bottom of a log.
  const cut = tail.slice(tail.length - maxChars);
  return `…${cut.slice(cut.indexOf("\n") + 1 || 0)}`;
}
