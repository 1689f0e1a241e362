// What this process has learned from the write limiter: until when each installation's writes of
// each priority are held back. Preparing a write reads the target's records, renders it and may
// look the GitHub object up; a backlog that the limiter holds (thousands of targets after a burst
// of commands, paced at 80 writes a minute) would pay all that on every pass of the loop for
// every target, only to be told to wait, and starve the process's event loop (webhook intake
// shares it). With the holds, a held target costs one postpone until the hold ends.
import { runIdOfAgent } from "../store/identifiers.ts";
import type { RunStore } from "../store/run-store.ts";
import type { ReportTarget } from "./report-targets.ts";
import type { WritePriority } from "./write-limiter.ts";

/** Runs whose installation is remembered before the map starts over (memory stays bounded). */
const maxRuns = 20_000;

export class InstallationHolds {
  private readonly store: RunStore;
  /** Installation → end of the hold, by this process's clock. */
  private readonly until = new Map<number, number>();
  private readonly installationOfRun = new Map<string, number>();

  constructor(store: RunStore) {
    this.store = store;
  }

  /**
   * Notes that the limiter told a write to wait `waitMs`. Only final writes teach a hold: the
   * limiter holds them only when nothing at all may go, while progress is held earlier (it leaves
   * a reserve to final states) and a target held as progress may have become final since.
   */
  held(installationId: number, priority: WritePriority, waitMs: number): void {
    if (priority !== "final") return;
    const end = Date.now() + waitMs;
    if ((this.until.get(installationId) ?? 0) < end) this.until.set(installationId, end);
  }

  /** How long the target must still wait, without being prepared, behind its installation's hold. */
  async remainingMs(target: ReportTarget): Promise<number> {
    if (this.until.size === 0) return 0;
    const installationId = await this.installationOf(target);
    if (installationId === undefined) return 0;
    const end = this.until.get(installationId) ?? 0;
    const remaining = end - Date.now();
    if (remaining <= 0) this.until.delete(installationId);
    return Math.max(0, remaining);
  }

  /** Replies and reactions are few and cheap to prepare: only run targets are looked up. */
  private async installationOf(target: ReportTarget): Promise<number | undefined> {
    if (target.kind === "reply" || target.kind === "reaction") return undefined;
    const runId = target.kind === "comment" ? target.runId : runIdOfAgent(target.agentId);
    const known = this.installationOfRun.get(runId);
    if (known !== undefined) return known;
    const run = await this.store.getRun(runId);
    if (run === undefined) return undefined;
    if (this.installationOfRun.size >= maxRuns) this.installationOfRun.clear();
    this.installationOfRun.set(runId, run.installationId);
    return run.installationId;
  }
}
