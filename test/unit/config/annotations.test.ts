import { MAX_ANNOTATIONS, toCheckRunAnnotations } from "../../../src/config/annotations.js";
import type { ConfigProblem } from "../../../src/config/parse-mirror-file.js";

const problem = (line: number, column: number, endLine: number, endColumn: number): ConfigProblem => ({
  message: `problem at ${line}:${column}`,
  path: ["mirrors", 0, "direction"],
  line,
  column,
  endLine,
  endColumn,
});

describe("toCheckRunAnnotations", () => {
  it.each([
    ["single line keeps columns", problem(3, 16, 3, 23), { start_line: 3, end_line: 3, start_column: 16, end_column: 23 }],
    ["multi-line drops columns (GitHub rejects them)", problem(2, 5, 4, 15), { start_line: 2, end_line: 4 }],
  ])("%s", (_name, input, position) => {
    expect(toCheckRunAnnotations([input])).toEqual([
      {
        path: ".mirror.yml",
        ...position,
        annotation_level: "failure",
        title: "Invalid .mirror.yml",
        message: input.message,
      },
    ]);
  });

  it("uses the given path", () => {
    const [annotation] = toCheckRunAnnotations([problem(1, 1, 1, 1)], ".github/mirror.yml");
    expect([annotation.path, annotation.title]).toEqual([".github/mirror.yml", "Invalid .github/mirror.yml"]);
  });

  it.each([
    [0, 0],
    [50, 50],
    [51, 50],
    [120, 50],
  ])("%i problems → %i annotations, in order", (count, expected) => {
    const problems = Array.from({ length: count }, (_, i) => problem(i + 1, 1, i + 1, 2));
    const annotations = toCheckRunAnnotations(problems);
    expect(MAX_ANNOTATIONS).toBe(50);
    expect(annotations).toHaveLength(expected);
    expect(annotations.map((a) => a.start_line)).toEqual(problems.slice(0, expected).map((p) => p.line));
  });
});
