// Token amounts as people write them in commands: `300000`, `300k`, `1.5m`.
// Parsing is exact (no floating-point rounding: 1.1m is 1100000, not 1100000.0000000002).

const TOKEN_COUNT = /^(\d{1,30})(?:\.(\d{1,30}))?([kKmM]?)$/;

/** The whole number of tokens `raw` names, or undefined when it is not one (`1.5`, `2.5k5`, `1.0001k`). */
export function parseTokenCount(raw: string): number | undefined {
  const match = TOKEN_COUNT.exec(raw);
  if (!match) return undefined;
  const [, whole = "", fraction = "", suffix = ""] = match;
  const decimals = suffix === "" ? 0 : suffix.toLowerCase() === "k" ? 3 : 6;
  const fractionDigits = fraction.replace(/0+$/, "");
  if (fractionDigits.length > decimals) return undefined;
  const scaled =
    BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fractionDigits.padEnd(decimals, "0") || "0");
  return Number(scaled);
}
