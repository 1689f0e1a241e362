// Branch names for agents: `agents/<run>/<agent>`, where agent names are usually slugs of
// their task. Every name made here is a valid git branch name (`git check-ref-format --branch`).

const DEFAULT_SLUG_LENGTH = 40;
const FALLBACK_SLUG = "task";
/** One path component git accepts and a shell needs no quoting for. */
const SAFE_COMPONENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

/**
 * A short lowercase name for `task`: `a-z`, `0-9` and single `-`, no `-` at either end,
 * at most `maxLength` characters, never empty. Accents are dropped (`é` → `e`).
 */
export function slugForTask(task: string, maxLength = DEFAULT_SLUG_LENGTH): string {
  const limit = Number.isFinite(maxLength) ? Math.max(1, Math.floor(maxLength)) : DEFAULT_SLUG_LENGTH;
  const words = task
    .toWellFormed()
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  let slug = words.slice(0, limit);
  // Prefer ending on a whole word when that keeps most of the room.
  const lastBreak = slug.lastIndexOf("-");
  if (words.length > limit && words[limit] !== "-" && lastBreak >= limit / 2) slug = slug.slice(0, lastBreak);
  slug = slug.replace(/-+$/, "");
  return slug === "" ? FALLBACK_SLUG.slice(0, limit) : slug;
}

/** `agents/<runId>/<agentName>`; throws a RangeError when either part could make an invalid branch. */
export function agentBranchName(runId: string, agentName: string): string {
  for (const [label, part] of [
    ["run id", runId],
    ["agent name", agentName],
  ] as const) {
    if (!SAFE_COMPONENT.test(part) || part.includes("..") || part.endsWith(".") || part.endsWith(".lock")) {
      throw new RangeError(
        `The ${label} ${JSON.stringify(part)} cannot be part of a branch name: use 1-100 letters, digits, '.', '_' or '-', starting with a letter, digit or '_', without '..' and not ending in '.' or '.lock'.`,
      );
    }
  }
  return `agents/${runId}/${agentName}`;
}
