/**
 * A history that looks like a real project's, written as a `git fast-import` stream: a few hundred
 * source files in a dozen directories, and commits that each bring about 3 KB of new code-like text
 * to one to three of them (inserted lines, some replaced, old blocks removed so files stay a few
 * KB). Deterministic: the same options give the same stream, hence the same shas. Text is built
 * from a fixed vocabulary, so it compresses like source code, not like random bytes.
 *
 * fast-import deltas a blob only against the blob written just before it, so every version of a
 * file is written in a row (file by file, as marks), then the commits that use them: each version
 * is a delta of the previous one, as in a repacked repository.
 */

/** What a history looks like; the same shape always gives the same commits. */
export interface HistoryShape {
  commits: number;
  /** Source files (default 300). */
  fileCount?: number;
  /** New text per commit, in bytes (default 3,000). */
  bytesPerCommit?: number;
  seed?: number;
}

export interface HistoryOptions extends HistoryShape {
  /** The ref the commits go on; with `parent` the first commit continues it, else it is a root. */
  ref: string;
  parent?: string;
  /** Seconds since the epoch of the first commit; each next one is a second later. */
  startTime: number;
}

const DIRECTORIES = ["src/core", "src/api", "src/cli", "src/store", "src/net", "src/util", "src/render", "lib/parse", "lib/format", "test/unit", "test/e2e", "docs"];
const AUTHORS = [
  { name: "Ada Lindqvist", email: "ada@example.org" },
  { name: "Bram Okafor", email: "bram@example.org" },
  { name: "Chen Wei", email: "chen@example.org" },
  { name: "Dolores Ibarra", email: "dolores@example.org" },
  { name: "Emeka Hart", email: "emeka@example.org" },
];
const SYLLABLES = "ka,ro,mi,tel,san,por,vek,lu,dar,fen,gi,hol,ix,jun,ber,cor,dev,sto,pra,qui,nat,wes,yor,zel,ost,ump,ent,ast,ild,ogg".split(",");
const VERBS = ["read", "write", "parse", "build", "merge", "resolve", "render", "check", "load", "store", "send", "apply", "format", "split", "count", "find"];
const KEYWORDS = ["const", "let", "return", "if", "await", "for", "throw", "export"];

/** A small fast PRNG (mulberry32): deterministic per seed, plenty for text. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

/** A vocabulary of a few hundred identifiers, as a project grows its own names. */
function vocabulary(seed: number): string[] {
  const rand = random(seed ^ 0x5eed);
  const words = new Set<string>();
  while (words.size < 600) {
    const parts = 1 + Math.floor(rand() * 3);
    let word = "";
    for (let i = 0; i < parts; i++) word += pick(rand, SYLLABLES);
    words.add(word);
  }
  return [...words];
}

/** One line of code-like text (about 40 bytes on average). */
function line(rand: () => number, words: string[]): string {
  const indent = "  ".repeat(Math.floor(rand() * 4));
  const w = () => pick(rand, words);
  const camel = () => `${pick(rand, VERBS)}${w().replace(/^./, (c) => c.toUpperCase())}`;
  switch (Math.floor(rand() * 8)) {
    case 0:
      return `${indent}// ${w()} ${w()} ${pick(rand, VERBS)}s the ${w()} ${w()}`;
    case 1:
      return `${indent}if (${w()}.${w()} > ${Math.floor(rand() * 1000)}) {`;
    case 2:
      return `${indent}}`;
    case 3:
      return `${indent}return ${camel()}(${w()}, "${w()}");`;
    case 4:
      return `${indent}${pick(rand, KEYWORDS)} ${w()} = await ${camel()}(${w()}.${w()});`;
    case 5:
      return `${indent}export function ${camel()}(${w()}: ${w()}, ${w()}: number) {`;
    case 6:
      return "";
    default:
      return `${indent}const ${w()} = ${w()}.${camel()}(${w()}, ${Math.floor(rand() * 100)});`;
  }
}

function lines(rand: () => number, words: string[], bytes: number): string[] {
  const out: string[] = [];
  for (let size = 0; size < bytes;) {
    const next = line(rand, words);
    out.push(next);
    size += next.length + 1;
  }
  return out;
}

const MAX_FILE_BYTES = 12_000;

/**
 * Yields the fast-import commands (without `feature done` / `done`) for the history, ending with
 * a `get-mark` of the last commit (fast-import prints its sha). Blob marks come first, then commits.
 */
export function* realisticHistory(options: HistoryOptions): Generator<string> {
  const { commits, ref, parent, startTime } = options;
  const fileCount = options.fileCount ?? 300;
  const perCommit = options.bytesPerCommit ?? 3_000;
  const seed = options.seed ?? 1;
  const words = vocabulary(seed);
  const paths = Array.from({ length: fileCount }, (_, i) => `${DIRECTORIES[i % DIRECTORIES.length]}/${words[(i * 7) % words.length]}-${i}.ts`);

  // Which files each commit touches (the first commit adds them all).
  const schedule = random(seed);
  const touched: number[][] = [Array.from({ length: fileCount }, (_, i) => i)];
  const versions: number[][] = Array.from({ length: fileCount }, () => [0]);
  for (let c = 1; c < commits; c++) {
    const count = Math.min(1 + Math.floor(schedule() * 3), fileCount);
    const set = new Set<number>();
    // Work clusters: most edits land near the previous commit's files, as a feature does.
    const anchor = Math.floor(schedule() * fileCount);
    while (set.size < count) set.add((anchor + Math.floor(schedule() * 12)) % fileCount);
    touched.push([...set]);
    for (const f of set) versions[f]!.push(c);
  }

  // Every version of a file in a row: each blob deltas against the one before it.
  const markOf = new Map<number, number>(); // commit × files + file → blob mark
  let mark = 0;
  for (let f = 0; f < fileCount; f++) {
    const rand = random(seed * 7919 + f);
    let content = lines(rand, words, 1_000 + Math.floor(rand() * 3_000));
    for (const c of versions[f]!) {
      if (c > 0) content = edit(rand, words, content, perCommit / touched[c]!.length);
      const text = content.join("\n") + "\n";
      markOf.set(c * fileCount + f, ++mark);
      yield `blob\nmark :${mark}\ndata ${Buffer.byteLength(text)}\n${text}\n`;
    }
  }

  for (let c = 0; c < commits; c++) {
    const author = AUTHORS[c % AUTHORS.length]!;
    const ident = `${author.name} <${author.email}> ${startTime + c} +0000`;
    const files = touched[c]!;
    const message = c === 0 ? "Initial import\n" : `${pick(schedule, VERBS)} ${words[(c * 31) % words.length]} in ${paths[files[0]!]!.split("/").pop()}\n`;
    let cmd = `commit ${ref}\nmark :${mark + c + 1}\nauthor ${ident}\ncommitter ${ident}\ndata ${Buffer.byteLength(message)}\n${message}`;
    if (c === 0 && parent) cmd += `from ${parent}\n`;
    for (const f of files) cmd += `M 100644 :${markOf.get(c * fileCount + f)} ${paths[f]}\n`;
    yield cmd + "\n";
  }
  yield `get-mark :${mark + commits}\n`;
}

/** About `bytes` of new text in one to three places; a file grown too long loses an old block. */
function edit(rand: () => number, words: string[], content: string[], bytes: number): string[] {
  const next = content.slice();
  const hunks = 1 + Math.floor(rand() * 3);
  for (let h = 0; h < hunks; h++) {
    const at = Math.floor(rand() * (next.length + 1));
    const replaced = rand() < 0.5 ? Math.min(Math.floor(rand() * 4), next.length - at) : 0;
    next.splice(at, replaced, ...lines(rand, words, bytes / hunks));
  }
  let size = next.reduce((sum, l) => sum + l.length + 1, 0);
  if (size > MAX_FILE_BYTES) {
    const at = Math.floor(rand() * next.length);
    let end = at;
    while (size > MAX_FILE_BYTES * 0.6 && end < next.length) size -= next[end++]!.length + 1;
    next.splice(at, end - at);
  }
  return next;
}
