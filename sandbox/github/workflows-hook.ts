/**
 * GitHub refuses a push that creates or updates a file under `.github/workflows/` unless the
 * pusher may write workflows (for a GitHub App: the installation's `workflows: write`). The fake
 * does it with a pre-receive hook, told by the environment whether this pusher may.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

export const CAN_WRITE_WORKFLOWS_ENV = "GIT_PUSHER_CAN_WRITE_WORKFLOWS";

// For each updated ref: the files its new commits change (a new ref: commits no existing ref has).
const PRE_RECEIVE = `#!/bin/sh
[ "$${CAN_WRITE_WORKFLOWS_ENV}" = "0" ] || exit 0
zero=0000000000000000000000000000000000000000
status=0
while read old new ref; do
  [ "$new" = "$zero" ] && continue
  if [ "$old" = "$zero" ]; then
    files=$(git log --format= --name-only "$new" --not --all)
  else
    files=$(git diff --name-only "$old" "$new")
  fi
  file=$(printf '%s\\n' "$files" | grep '^\\.github/workflows/' | head -n 1)
  if [ -n "$file" ]; then
    printf '%s refusing to allow a GitHub App to create or update workflow \`%s\` without \`workflows\` permission\\n' "$ref" "$file" >> "$GIT_SANDBOX_REJECTIONS"
    status=1
  fi
done
exit $status
`;

/** Writes the hooks directory; returns its path (for core.hooksPath). */
export async function writeWorkflowsHook(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const hook = path.join(dir, "pre-receive");
  await writeFile(hook, PRE_RECEIVE);
  await chmod(hook, 0o755);
  return dir;
}
