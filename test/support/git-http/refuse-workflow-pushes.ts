// Makes a test repository refuse pushes that create or change a workflow, as GitHub does for a
// GitHub App without the `workflows` permission: a pre-receive hook (git http-backend runs the
// repository's hooks) that prints GitHub's own message for the first such file and declines.
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";

const hook = `#!/bin/sh
zero=0000000000000000000000000000000000000000
while read old new ref; do
  [ "$new" = "$zero" ] && continue
  for commit in $(git rev-list "$new" --not --all); do
    file=$(git diff-tree --no-commit-id --name-only -r --root "$commit" | grep '^\\.github/workflows/' | head -n 1)
    if [ -n "$file" ]; then
      echo "refusing to allow a GitHub App to create or update workflow \\\`$file\\\` without \\\`workflows\\\` permission" >&2
      exit 1
    fi
  done
done
exit 0
`;

export async function refuseWorkflowPushes(bareDir: string): Promise<void> {
  const path = join(bareDir, "hooks", "pre-receive");
  await writeFile(path, hook);
  await chmod(path, 0o755);
}
