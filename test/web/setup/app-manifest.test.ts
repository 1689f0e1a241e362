// The manifest the setup flow registers the app with subscribes to exactly the events Flotilla
// handles (src/web/flotilla-app.ts): one missing and a GitHub feature silently does nothing; one
// too many and GitHub sends deliveries nobody reads.
import { describe, expect, it } from "vitest";
import { buildManifest } from "../../../src/web/setup/app-manifest.ts";

describe("the app manifest", () => {
  it("subscribes to the events Flotilla handles, and no others", () => {
    const manifest = buildManifest(
      { webhookProxyUrl: undefined, publicUrl: "https://flotilla.example.org" },
      "https://flotilla.example.org/setup/done",
    );
    // installation and installation_repositories reach every app without a subscription.
    expect([...manifest.default_events].sort()).toEqual([
      "check_run", // buttons (requested_action) and GitHub's Re-run link (rerequested)
      "issue_comment", // commands
      "pull_request", // closed, merged, reopened
      "pull_request_review_comment", // commands on a line of the diff
    ]);
    expect(manifest.hook_attributes.url).toBe("https://flotilla.example.org/api/github/webhooks");
    expect(manifest.default_permissions).toMatchObject({
      pull_requests: "write",
      checks: "write",
      contents: "write",
    });
  });
});
