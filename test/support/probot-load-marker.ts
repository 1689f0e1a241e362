// Preloaded with `node --import` by tests of how Flotilla refuses to start: prints one line to
// stderr when the process first resolves Probot, so a test can tell that a refusal came before the
// slow part of the start (Probot, the bundler, the start checks that spawn the claude CLI) without
// timing it on a loaded machine.
import { registerHooks } from "node:module";

/** What the process prints; process-startup.test.ts looks for the same words. */
const marker = "[probot-load-marker] probot loaded";
let seen = false;

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === "probot" && !seen) {
      seen = true;
      process.stderr.write(`${marker}\n`);
    }
    return nextResolve(specifier, context);
  },
});
