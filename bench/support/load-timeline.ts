// The orchestrator load benchmark's samples of the worker over time, and their reduction to the
// figures per phase. Each sample's lag percentiles cover the window since the previous scrape
// (prom-client resets its histogram on every scrape), and the windows split the run without
// overlap, so the largest window p99 is an upper bound on the p99 of the whole stretch: in no
// window did more than 1% of the delays exceed it.

export interface LoadSample {
  /** Seconds since the first webhook. */
  atS: number;
  lagP99S: number;
  lagMaxS: number;
  cpuSeconds: number;
  workerRssBytes: number;
  running: number;
  agentProcesses: number;
  agentProcessesRssBytes: number;
  finished: number;
}

type PhaseName = "startup" | "steady" | "wind-down";

export interface Phase {
  name: PhaseName;
  fromS: number;
  toS: number;
  samples: LoadSample[];
}

/**
 * startup: until the most agents run at once; steady: while that many run; wind-down: from the
 * first agent's end until GitHub shows every outcome.
 */
export function splitPhases(samples: readonly LoadSample[]): Phase[] {
  const peak = Math.max(0, ...samples.map((sample) => sample.running));
  const firstPeak = samples.findIndex((sample) => sample.running === peak);
  const afterPeak = samples.findIndex((sample, index) => index > firstPeak && sample.running < peak);
  const steadyEnd = afterPeak === -1 ? samples.length : afterPeak;
  const cut = (name: PhaseName, from: number, to: number): Phase => {
    const part = samples.slice(from, to);
    return { name, fromS: samples[from - 1]?.atS ?? 0, toS: part.at(-1)?.atS ?? 0, samples: part };
  };
  return [
    cut("startup", 0, firstPeak + 1),
    cut("steady", firstPeak + 1, steadyEnd),
    cut("wind-down", steadyEnd, samples.length),
  ].filter((phase) => phase.samples.length > 0);
}

/** The largest window p99 (an upper bound on the stretch's p99), in milliseconds. */
export function lagP99BoundMs(samples: readonly LoadSample[]): number {
  return Math.max(0, ...samples.map((sample) => sample.lagP99S)) * 1000;
}

export function lagMaxMs(samples: readonly LoadSample[]): number {
  return Math.max(0, ...samples.map((sample) => sample.lagMaxS)) * 1000;
}

/** Worker CPU used in a stretch, as a share of one core. */
export function cpuShare(phase: Phase, before: LoadSample | undefined): number {
  const last = phase.samples.at(-1);
  if (last === undefined || before === undefined || last.atS === before.atS) return 0;
  return (last.cpuSeconds - before.cpuSeconds) / (last.atS - before.atS);
}
