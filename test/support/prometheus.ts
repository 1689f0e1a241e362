// Scrapes a Flotilla process's /metrics (Prometheus text) and reads plain samples by name, for
// benchmarks that watch a real process from outside. A scrape of prom-client's default metrics
// resets its event-loop delay histogram, so each scrape's lag percentiles cover the time since
// the one before.

export type Samples = Map<string, number>;

export async function scrapeMetrics(url: string): Promise<Samples> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const samples: Samples = new Map();
  for (const line of (await response.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match === null) continue;
    const labels = (match[2] ?? "").replace(/,?role="[^"]*"/, "").replace(/^\{,?/, "{");
    const key = `${match[1]}${labels === "{}" ? "" : labels}`;
    samples.set(key, (samples.get(key) ?? 0) + Number(match[3]));
  }
  return samples;
}

/** The sum of every sample of a metric, whatever its labels. */
export function sumOf(samples: Samples, name: string): number {
  let total = 0;
  for (const [key, value] of samples) if (key === name || key.startsWith(`${name}{`)) total += value;
  return total;
}
