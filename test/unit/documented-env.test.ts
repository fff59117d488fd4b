/**
 * The environment as documented is the environment as parsed: every variable in the docs' table
 * and in .env.example is one the app (or Probot) reads, parses with its documented value, and has
 * the documented default; and the app reads no variable outside the one schema (src/env.ts).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv as parseDotEnv } from "node:util";
import { ENV_VARIABLES, parseEnv, PROBOT_VARIABLES, SECRET_VARIABLES, type AppEnv } from "../../src/env.js";
import { PROXY_VARIABLES } from "../../src/mirror/git.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");
const schema = new Set<string>(ENV_VARIABLES);
const probots = new Set<string>(PROBOT_VARIABLES);

/** Where the table's default is that of one setting only: the part of the parsed env it is the default of. */
const DEFAULT_OF: Record<string, (env: AppEnv) => unknown> = {
  LOG_LEVEL: (env) => env.log.level, // the app's; the CLI logs at warn unless LOG_LEVEL is set (documented with the CLI)
};

interface Row {
  name: string;
  /** The default column's literal (`...`) for this variable, if it has one. */
  documentedDefault?: string;
}

/** The "| variable | default | meaning |" table, in README.md or docs/operating.md, whichever holds it. */
function environmentTable(): { file: string; rows: Row[] } {
  for (const file of ["README.md", "docs/operating.md"]) {
    if (!existsSync(path.join(root, file))) continue;
    const lines = read(file).split("\n");
    const start = lines.findIndex((line) => /^\|\s*variable\s*\|\s*default\s*\|/i.test(line));
    if (start < 0) continue;
    const rows: Row[] = [];
    for (const line of lines.slice(start + 2)) {
      if (!line.startsWith("|")) break;
      const [names = "", defaults = ""] = line.split("|").slice(1, 3);
      const variables = [...names.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!);
      const parts = defaults.split(" / ");
      variables.forEach((name, i) => {
        const literal = parts.length === variables.length ? /`([^`]*)`/.exec(parts[i]!)?.[1] : undefined;
        rows.push({ name, ...(literal !== undefined && !literal.includes("$") && { documentedDefault: literal }) });
      });
    }
    return { file, rows };
  }
  throw new Error("no environment table (| variable | default | meaning |) in README.md or docs/operating.md");
}

/** Every `NAME=value` line of .env.example, commented out or not. */
function envExample(): Array<{ name: string; value: string; commented: boolean }> {
  return [...read(".env.example").matchAll(/^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => ({ name: m[2]!, value: m[3]!.trim(), commented: !!m[1] }));
}

describe("the documented environment", () => {
  const table = environmentTable();

  it("names only variables the app or Probot reads, and every variable the app reads", () => {
    const documented = new Set(table.rows.map((r) => r.name));
    expect([...documented].filter((name) => !schema.has(name) && !probots.has(name))).toEqual([]);
    expect([...schema].filter((name) => !documented.has(name))).toEqual([]);
  });

  it.each(table.rows.filter((r) => schema.has(r.name) && r.documentedDefault !== undefined).map((r) => [r.name, r.documentedDefault!]))(
    "%s parses with its documented default %j, and it is the default",
    (name, value) => {
      const part = DEFAULT_OF[name] ?? ((env: AppEnv) => env);
      expect(part(parseEnv({ [name]: value }))).toEqual(part(parseEnv({})));
    },
  );

  it("in .env.example: names only documented variables, each of which parses with its example", () => {
    const documented = new Set(table.rows.map((r) => r.name));
    const lines = envExample();
    expect(lines.map((l) => l.name).filter((name) => !documented.has(name))).toEqual([]);
    expect([...schema].filter((name) => name !== "NODE_ENV" && !lines.some((l) => l.name === name))).toEqual([]);
    for (const { name, value } of lines.filter((l) => schema.has(l.name))) {
      expect(() => parseEnv({ [name]: value })).not.toThrow();
    }
    // Copied as it is, it starts.
    expect(() => parseEnv(parseDotEnv(read(".env.example")))).not.toThrow();
  });
});

describe("the variables the code reads", () => {
  /** Reads of process.env by a computed name, and where those names come from. */
  const READ_BY_LIST: Record<string, readonly string[]> = {
    "src/env.ts": SECRET_VARIABLES,
    "src/mirror/git.ts": PROXY_VARIABLES,
  };
  /** Passed to git as they are (mirror/git.ts), not settings of the app. */
  const PASSED_TO_GIT = new Set(["PATH", ...PROXY_VARIABLES]);

  const sources = (dir: string): string[] =>
    readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
    );

  const reads = sources("src").flatMap((file) => {
    const text = read(file);
    const line = (index: number) => `${file}:${text.slice(0, index).split("\n").length}`;
    const named = [...text.matchAll(/\b(?:process\.env|processEnv|env)(?:\?\.|\.)([A-Z][A-Z0-9_]*)\b|\b(?:process\.env|processEnv|env)\[\s*(["'`])([A-Z][A-Z0-9_]*)\2\s*\]/g)].map(
      (m) => ({
        name: m[1] ?? m[3]!,
        where: line(m.index),
      }),
    );
    const computed = [...text.matchAll(/\b(?:process\.env|processEnv|env)\[\s*(?!["'`])/g)].flatMap((m) =>
      (READ_BY_LIST[file] ?? [`<a name computed at ${line(m.index)}: list its names in READ_BY_LIST>`]).map((name) => ({ name, where: line(m.index) })),
    );
    return [...named, ...computed];
  });

  it("are all in the one schema (src/env.ts), Probot's own, or passed to git as they are", () => {
    expect(reads.length).toBeGreaterThan(0); // the scan finds what it looks for
    expect(reads.filter(({ name }) => !schema.has(name) && !probots.has(name) && !PASSED_TO_GIT.has(name))).toEqual([]);
  });
});
