// The manifest the setup flow registers the app with subscribes to exactly the events Flotilla
// handles (src/web/flotilla-app.ts, read through handledEvents as the intake reads it): one missing
// and a GitHub feature silently does nothing; one too many and GitHub sends deliveries nobody reads.
import { describe, expect, it } from "vitest";
import { createFlotillaApp } from "../../../src/web/flotilla-app.ts";
import type { WebhookServices } from "../../../src/web/handle-command.ts";
import { handledEvents } from "../../../src/web/handled-events.ts";
import { buildManifest } from "../../../src/web/setup/app-manifest.ts";

/** GitHub sends these to every app; a manifest cannot subscribe to them. */
const sentToEveryApp = new Set(["installation", "installation_repositories"]);

describe("the app manifest", () => {
  it("subscribes to the events Flotilla handles, and no others", () => {
    const manifest = buildManifest(
      { webhookProxyUrl: undefined, publicUrl: "https://flotilla.example.org" },
      "https://flotilla.example.org/setup/done",
    );
    // Listing the events registers the handlers without running one: nothing reads the services.
    const handled = handledEvents(createFlotillaApp({} as WebhookServices));
    const toSubscribe = [...handled.events].filter((event) => !sentToEveryApp.has(event));
    expect(toSubscribe).toContain("issue_comment");
    expect([...manifest.default_events].sort()).toEqual(toSubscribe.sort());
    expect(manifest.hook_attributes.url).toBe("https://flotilla.example.org/api/github/webhooks");
    expect(manifest.default_permissions).toMatchObject({
      pull_requests: "write",
      checks: "write",
      contents: "write",
    });
  });
});
