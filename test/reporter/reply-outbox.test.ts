// Command replies and 👀 reactions go through the reporter like every other GitHub write: one
// per webhook delivery, paced by the installation's limiter, retried after a 502, and never
// posted twice, even when GitHub created a reply but its answer was lost.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIssueComment } from "../../src/github/issue-comments.ts";
import { Outbox } from "../../src/reporter/outbox.ts";
import { replyMarker } from "../../src/reporter/write-outbox.ts";
import { createReporterWorld, type ReporterWorld, worldOwner, worldRepo } from "../support/reporter-world.ts";
import { waitFor } from "../support/wait-for.ts";

let world: ReporterWorld;
let issueNumber: number;

beforeAll(async () => {
  world = await createReporterWorld(91);
  issueNumber = world.github.addIssue({ owner: worldOwner, repo: worldRepo });
});
afterAll(() => world?.cleanup());

const replyTo = (body: string) => ({
  installationId: 91,
  owner: worldOwner,
  repo: worldRepo,
  issueNumber,
  body,
});
const commentsWith = (text: string) =>
  world.github.comments(worldOwner, worldRepo, issueNumber).filter((comment) => comment.body?.includes(text));

describe("replies and reactions through the reporter", () => {
  it("posts one reply per delivery, at once when the limit allows", async () => {
    const reporter = world.createReporter({ limits: { perMinute: 100, perHour: 1000 }, minIntervalMs: 100 });
    expect(await reporter.reply("delivery-one", replyTo("here is what Flotilla understands"))).toBe(true);
    expect(await reporter.reply("delivery-one", replyTo("a second answer to the same delivery"))).toBe(false);
    const replies = commentsWith(replyMarker("delivery-one"));
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body).toContain("here is what Flotilla understands");
  });

  it("retries a reply GitHub answered with 502, and posts it once", async () => {
    const reporter = world.createReporter({ limits: { perMinute: 100, perHour: 1000 }, minIntervalMs: 100 });
    world.github.failNext({
      method: "POST",
      pathPattern: `/repos/${worldOwner}/${worldRepo}/issues/*/comments`,
      status: 502,
    });
    await reporter.reply("delivery-two", replyTo("answer after a 502"));
    expect(commentsWith("answer after a 502")).toHaveLength(0);
    reporter.start();
    await waitFor(() => commentsWith("answer after a 502").length === 1 || undefined, {
      what: "the retried reply",
    });
    await reporter.stop();
    expect(commentsWith("answer after a 502")).toHaveLength(1);
  });

  it("finds a reply that reached GitHub before its answer was lost, instead of posting it again", async () => {
    const outbox = new Outbox(world.store.redis, world.store.keys);
    await outbox.addReply("delivery-three", replyTo("posted once only"));
    await outbox.markReplyAttempted("delivery-three");
    // What the lost attempt left on GitHub.
    const client = await world.clientFor(91);
    await createIssueComment(
      client,
      { owner: worldOwner, repo: worldRepo },
      issueNumber,
      `posted once only\n${replyMarker("delivery-three")}`,
    );
    const reporter = world.createReporter({ limits: { perMinute: 100, perHour: 1000 }, minIntervalMs: 100 });
    await reporter.changed([{ kind: "reply", deliveryId: "delivery-three" }], { urgent: true });
    expect(await reporter.drain(10_000)).toBe(true);
    expect(commentsWith("posted once only")).toHaveLength(1);
    expect((await outbox.getReply("delivery-three"))?.commentId).toBe(
      commentsWith("posted once only")[0]?.id,
    );
  });

  it("holds a reaction back while the installation's window is full, then adds it once", async () => {
    const limits = { perMinute: 1, perHour: 100, minuteMs: 600 };
    const reporter = world.createReporter({ limits, minIntervalMs: 100 });
    await reporter.reply("delivery-four", replyTo("fills the window"));
    const reaction = {
      installationId: 91,
      owner: worldOwner,
      repo: worldRepo,
      commentId: 5001,
      commentKind: "issue" as const,
    };
    await reporter.react("delivery-four", reaction);
    await reporter.react("delivery-four", reaction);
    expect(world.github.reactions().filter((entry) => entry.commentId === 5001)).toHaveLength(0);
    reporter.start();
    await waitFor(() => world.github.reactions().some((entry) => entry.commentId === 5001) || undefined, {
      what: "the reaction once the window passed",
    });
    await reporter.stop();
    const posts = world.github.requestLog.filter((entry) => entry.path.endsWith("/comments/5001/reactions"));
    expect(posts).toHaveLength(1);
  });
});
