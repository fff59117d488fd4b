/**
 * Text of `.mirror.yml` → validated config, or problems placed on the exact YAML node so a check
 * run can annotate the line the user has to change. Owns the `yaml` dependency; the rules and
 * their wording live in schema.ts.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { validateMirrorFile, type MirrorFile, type SchemaIssue } from "./schema.js";

/** Positions are 1-based; the end is inclusive (the last character of the node). */
export type ConfigProblem = {
  message: string;
  path: (string | number)[];
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
};

export type ParseResult = { ok: true; config: MirrorFile } | { ok: false; problems: ConfigProblem[] };

type Range = [start: number, end: number];

export function parseMirrorFile(text: string): ParseResult {
  try {
    return parse(text);
  } catch {
    // Callers rely on this never throwing; a crash here would hide the check run entirely.
    return { ok: false, problems: [{ message: "mirror-bot could not read this file", path: [], ...START }] };
  }
}

const START = { line: 1, column: 1, endLine: 1, endColumn: 1 };

function parse(text: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (range: Range) => toPosition(text, lineCounter, range);

  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({ message: `YAML syntax error: ${e.message}`, path: [], ...at(e.pos) }));
    return { ok: false, problems: unique(problems) };
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    const message = 'the file is empty: list your mirrors under "mirrors:", or write "mirrors: []" to opt out';
    return fail({ message, path: [], ...START });
  }
  if (!isMap(root)) {
    return fail({ message: 'the file must be a mapping with a "mirrors" key', path: [], ...at(rangeOf(root, [0, 0])) });
  }

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 }); // bounded: alias bombs expand exponentially
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return fail({ message: `YAML could not be read: ${reason}`, path: [], ...at(rangeOf(root, [0, 0])) });
  }

  const result = validateMirrorFile(data);
  if (result.ok) return result;
  const problems = result.issues.map((issue) => ({
    message: issue.message,
    path: issue.path,
    ...at(locate(root, issue)),
  }));
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, problems };
}

const fail = (problem: ConfigProblem): ParseResult => ({ ok: false, problems: [problem] });

/** yaml repeats one error per unclosed bracket ("[[[[…"); one annotation per place is enough. */
function unique(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = JSON.stringify(problem);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The source range an issue is about: follows the path as far as the document goes, so a missing
 * key lands on the mapping that lacks it, and an empty value (`tags:`) on its key.
 */
function locate(root: Node, issue: SchemaIssue): Range {
  let node: unknown = root;
  let range = rangeOf(root, [0, 0]);
  for (const [i, segment] of issue.path.entries()) {
    const last = i === issue.path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      const keyRange = rangeOf(pair.key as Node, range);
      if (last && issue.target === "key") return keyRange;
      const value = pair.value as Node | null;
      const valueRange = value ? rangeOf(value, keyRange) : keyRange;
      if (valueRange[0] === valueRange[1]) return keyRange;
      [node, range] = [value, valueRange];
    } else if (isSeq(node) && typeof segment === "number" && node.items[segment]) {
      node = node.items[segment];
      range = rangeOf(node as Node, range);
    } else {
      break; // an alias, or a path the document does not have
    }
  }
  return range;
}

function rangeOf(node: Node, fallback: Range): Range {
  return node.range ? [node.range[0], node.range[1]] : fallback;
}

function toPosition(text: string, lineCounter: LineCounter, [start, end]: Range) {
  // Node ranges can run through trailing spaces and newlines; stop at the last visible character.
  while (end > start && /\s/.test(text.charAt(end - 1))) end--;
  const from = lineCounter.linePos(start);
  const to = lineCounter.linePos(Math.max(start, end - 1));
  return { line: from.line, column: from.col, endLine: to.line, endColumn: to.col };
}
