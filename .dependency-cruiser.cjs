// The layering of src/, checked by `npm run check` (dependency-cruiser): no import cycles, and
// each folder, and each file at the root of src/, imports only what is listed for it below. The
// list is the architecture: a folder never reaches up, and the two processes' folders (web/,
// worker/) never reach each other.
// To add an edge, add it here and say why in the commit; never add one that closes a cycle.

/**
 * Each folder of src/ → the folders of src/ it may import (its own always), and the files at the
 * root of src/ (named with `.ts`). Bottom to top.
 */
const mayImport = {
  // Leaves (process on text/ alone): plain helpers and thin wrappers that know nothing of
  // Flotilla's records.
  text: [], // shared text helpers: cutting, one-line excerpts, token amounts, state words
  // The one subprocess wrapper. text: its errors cut stderr without splitting a character.
  process: ["text"],
  github: [], // thin GitHub API calls
  queue: [], // the only code that knows BullMQ (its Queue, Worker and Job)
  "agent-tools": [], // Flotilla's tools as an MCP server: names, schemas, what the model reads
  commands: ["text"], // the /agents grammar
  config: ["commands", "github"], // env and .github/agents.yml, validated
  redis: ["config", "process"], // connections, embedded redis-server, Lua scripts, locks
  store: ["config", "redis"], // records and the one Redis key scheme
  links: ["store"], // signed page links
  // The model gateway agents talk to. agent-tools: it serves an agent's tools over MCP.
  gateway: ["agent-tools", "store", "text"],
  ops: ["config", "gateway", "process"], // metrics, health, readiness, the ops listener
  workspace: ["process", "store"], // mirrors, worktrees, git; an agent's place on a host
  // The claude subprocess, and the agents running in a worker. gateway: the record of an agent's
  // model calls its credential's revocation hands back; queue: a running agent's tools reach its job.
  agent: ["config", "gateway", "process", "queue", "store", "text", "workspace"],
  reporter: ["github", "redis", "store", "text"], // every GitHub write, paced
  // Use cases: what a user can make happen (start, cancel, retry, continue, status).
  runs: ["commands", "config", "github", "queue", "reporter", "store", "text", "workspace", "services.ts"],
  // The two process roles, on top; start-flotilla.ts wires them.
  worker: [
    "agent",
    "agent-tools",
    "config",
    "gateway",
    "github",
    "ops",
    // process: the worker hands its short commands to a command runner process of its own.
    "process",
    "queue",
    "redis",
    "reporter",
    "store",
    "text",
    "workspace",
    "services.ts",
  ],
  // queue: the web process stores webhook deliveries in the intake queue before answering them.
  web: ["commands", "config", "github", "links", "ops", "queue", "redis", "reporter", "runs", "store", "text", "services.ts"],
  // Whether this machine and these settings can run Flotilla (`./flotilla doctor`, and the start
  // checks): it asks each part the way that part itself would (the worker's sandbox choice, the
  // gateway's path to the model).
  doctor: ["config", "gateway", "github", "process", "redis", "worker"],
};

/** Each file at the root of src/ → what it may import, as above. */
const rootMayImport = {
  // The one type every part narrows with Pick<>: the types of the parts it holds, never those of
  // a part that takes it (runs/, web/, worker/), so that web/ reaches no type of worker/ through it.
  "services.ts": ["agent", "config", "github", "links", "ops", "queue", "reporter", "store"],
  // The line a process logs as it starts: its roles and settings.
  "start-line.ts": ["config"],
  // Builds the services and starts the roles: the top of the tree.
  "start-flotilla.ts": [
    "config",
    "doctor",
    "github",
    "links",
    "ops",
    "process",
    "queue",
    "redis",
    "reporter",
    "services.ts",
    "start-line.ts",
    "store",
    "web",
    "worker",
  ],
  // The entry points: `flotilla web|worker|all`, and `./flotilla doctor`. web: main.ts serves
  // the setup flow (web/setup/) instead while the app is not registered yet; doctor: main.ts
  // refuses an unreachable Redis with the doctor's check and words before the slow part loads.
  "main.ts": ["config", "doctor", "ops", "start-flotilla.ts", "web"],
  "doctor.ts": ["config", "doctor", "links"],
};

const escaped = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A folder (`text` → `src/text/`) or a root file (`services.ts` → `src/services.ts`). */
const pathOf = (name) => (name.endsWith(".ts") ? `src/${escaped(name)}$` : `src/${name}/`);

const folderRules = Object.entries(mayImport).map(([folder, allowed]) => ({
  name: `layer-${folder}`,
  comment: `src/${folder}/ may import only: ${allowed.length === 0 ? "nothing of src/" : allowed.join(", ")} (see .dependency-cruiser.cjs)`,
  severity: "error",
  from: { path: `^src/${folder}/` },
  to: {
    path: "^src/",
    pathNot: [`^src/${folder}/`, ...allowed.map((name) => `^${pathOf(name)}`)],
  },
}));

const rootFileRules = Object.entries(rootMayImport).map(([file, allowed]) => ({
  name: `layer-${file}`,
  comment: `src/${file} may import only: ${allowed.join(", ")} (see .dependency-cruiser.cjs)`,
  severity: "error",
  from: { path: `^${pathOf(file)}` },
  to: { path: "^src/", pathNot: allowed.map((name) => `^${pathOf(name)}`) },
}));

/** A module in a folder of src/ that has no entry in `mayImport`. */
const unknownFolder = `^src/(?!(${Object.keys(mayImport).join("|")})/)[^/]+/`;

/** A file at the root of src/ that has no entry in `rootMayImport`. */
const unknownRootFile = `^src/(?!(${Object.keys(rootMayImport).map(escaped).join("|")})$)[^/]+$`;

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "An import cycle: a module reaches, through others, back to itself.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    // Both ways: a module of an unknown folder that imports something, or is imported.
    {
      name: "unknown-folder",
      comment: "A folder of src/ with no rule in .dependency-cruiser.cjs: add one (which folders it may import).",
      severity: "error",
      from: { path: unknownFolder },
      to: {},
    },
    {
      name: "unknown-folder",
      comment: "A folder of src/ with no rule in .dependency-cruiser.cjs: add one (which folders it may import).",
      severity: "error",
      from: {},
      to: { path: unknownFolder },
    },
    // Both ways, as for folders.
    {
      name: "unknown-root-file",
      comment: "A file at the root of src/ with no rule in .dependency-cruiser.cjs: add one (what it may import).",
      severity: "error",
      from: { path: unknownRootFile },
      to: {},
    },
    {
      name: "unknown-root-file",
      comment: "A file at the root of src/ with no rule in .dependency-cruiser.cjs: add one (what it may import).",
      severity: "error",
      from: {},
      to: { path: unknownRootFile },
    },
    {
      name: "bullmq-behind-queue",
      comment: "Only src/queue/ knows BullMQ: enqueue through AgentQueue, consume through consumeAgentJobs (AgentJob).",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/queue/" },
      to: { path: "(^|/)node_modules/bullmq/" },
    },
    {
      name: "no-src-to-tests",
      comment: "src/ never imports tests, benchmarks or their support code.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|bench)/" },
    },
    ...folderRules,
    ...rootFileRules,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // TypeScript 7.0 has no JavaScript API for dependency-cruiser to parse with; swc reads the
    // files instead, and sees `import type` as an import, so type-only cycles count too.
    parser: "swc",
    enhancedResolveOptions: { extensions: [".ts"] },
  },
};
