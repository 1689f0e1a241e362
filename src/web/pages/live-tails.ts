// The live tails (server-sent event streams) this process has open: capped in number, since
// each holds a Redis connection, and all ended at shutdown so the server can close.
import type { ServerResponse } from "node:http";

export class LiveTails {
  private readonly open = new Set<ServerResponse>();

  get size(): number {
    return this.open.size;
  }

  add(response: ServerResponse): void {
    this.open.add(response);
  }

  remove(response: ServerResponse): void {
    this.open.delete(response);
  }

  closeAll(): void {
    for (const response of this.open) response.end();
    this.open.clear();
  }
}
