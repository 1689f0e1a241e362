// Token amounts as people read them in check runs, comments, replies and pages: `950`, `1.5k`,
// `300k`, `1.5M`, `20M` (three significant figures at most; commands accept the same forms).

export function formatTokens(tokens: number): string {
  if (tokens >= 1_000_000) return `${(tokens / 1_000_000).toFixed(tokens >= 10_000_000 ? 0 : 1)}M`;
  if (tokens >= 1_000) return `${(tokens / 1_000).toFixed(tokens >= 100_000 ? 0 : 1)}k`;
  return String(tokens);
}
