/** Config problems → GitHub check-run annotations, shaped to what the Checks API accepts. */
import type { ConfigProblem } from "./parse-mirror-file.js";

export type CheckRunAnnotation = {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: "failure";
  title: string;
  message: string;
};

/** GitHub accepts at most 50 annotations per create/update request. */
export const MAX_ANNOTATIONS = 50;

export function toCheckRunAnnotations(problems: ConfigProblem[], path = ".mirror.yml"): CheckRunAnnotation[] {
  return problems.slice(0, MAX_ANNOTATIONS).map((problem) => ({
    path,
    start_line: problem.line,
    end_line: problem.endLine,
    // GitHub rejects columns on annotations that span several lines.
    ...(problem.line === problem.endLine ? { start_column: problem.column, end_column: problem.endColumn } : {}),
    annotation_level: "failure",
    title: `Invalid ${path}`,
    message: problem.message,
  }));
}
