/** What every renderer in report/ produces: one check run's conclusion and text, for one GitLab project. */
import type { CheckRunOutput, Conclusion } from "../github/check-runs.js";

export interface RenderedReport {
  projectPath: string;
  conclusion: Conclusion;
  output: CheckRunOutput;
}
