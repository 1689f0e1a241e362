// Cutting texts to GitHub's limits: check run output counts UTF-8 bytes, comments count
// characters; a cut never splits a character, closes what it cut open (code fences of any
// length and kind, HTML comments), and ends with a visible marker that links the whole text.
import { describe, expect, it } from "vitest";
import {
  checkRunTextLimit,
  commentBodyLimit,
  openFence,
  sizeIn,
  truncateMarkdown,
} from "../../src/reporter/views/text-limits.ts";

const page = "https://flotilla.example/agents/r1/a?exp=1&sig=x";

describe("truncateMarkdown", () => {
  it("leaves a text within the limit untouched", () => {
    const text = "short\n```\ncode\n```";
    expect(truncateMarkdown(text, checkRunTextLimit, page)).toBe(text);
  });

  it("cuts check run text by UTF-8 bytes, not characters", () => {
    // 30,000 characters but 90,000 bytes: fits GitHub's character count, not its byte count.
    const text = "漢".repeat(30_000);
    const cut = truncateMarkdown(text, checkRunTextLimit, page);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(65_535);
    expect(Buffer.byteLength(cut)).toBeGreaterThan(65_535 - 400);
    expect(cut).toContain(`[Read all of it on Flotilla](${page})`);
    expect(cut).not.toContain("\uFFFD");
  });

  it("cuts comments by characters and never splits a surrogate pair", () => {
    const text = `${"a".repeat(65_000)}${"😀".repeat(2_000)}`;
    const cut = truncateMarkdown(text, commentBodyLimit, page);
    expect(cut.length).toBeLessThanOrEqual(65_536);
    expect(cut.toWellFormed()).toBe(cut);
    expect(cut).toContain("Cut to fit GitHub's size limit");
  });

  it("closes a code fence the cut falls into, with the same fence", () => {
    const text = `Intro\n\n\`\`\`\`ts\n${"const x = 1;\n".repeat(10_000)}\`\`\`\`\nafter`;
    const cut = truncateMarkdown(text, checkRunTextLimit, page);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(65_535);
    expect(openFence(cut)).toBeUndefined();
    // The marker is outside the code block, so it renders as text with a working link.
    const [beforeMarker] = cut.split("\n\n---\n✂️");
    expect(openFence(beforeMarker ?? "")).toBeUndefined();
    expect(beforeMarker).toMatch(/\n````$/);
  });

  it("closes a tilde fence and ignores fence-like lines inside it", () => {
    const text = `~~~\n\`\`\`\n${"x\n".repeat(40_000)}`;
    const cut = truncateMarkdown(text, checkRunTextLimit);
    expect(openFence(cut)).toBeUndefined();
    expect(cut).toContain("\n~~~\n\n---\n✂️");
    expect(cut).toContain("The whole text is on Flotilla's agent page.");
  });

  it("closes an HTML comment that would hide the marker", () => {
    const text = `visible\n<!-- ${"hidden ".repeat(20_000)}`;
    const cut = truncateMarkdown(text, commentBodyLimit, page);
    expect(cut.lastIndexOf("-->")).toBeGreaterThan(cut.lastIndexOf("<!--"));
    expect(cut.endsWith(`(${page}).`)).toBe(true);
  });

  it("ends on a whole line when a line break is near the limit", () => {
    const text = Array.from({ length: 5_000 }, (_, index) => `line ${index} ${"word ".repeat(5)}`).join("\n");
    const cut = truncateMarkdown(text, commentBodyLimit, page);
    const [kept] = cut.split("\n\n---\n✂️");
    expect(text.startsWith(`${kept}\n`)).toBe(true);
  });
});

describe("sizeIn", () => {
  it("counts UTF-8 bytes for check runs and UTF-16 units for comments", () => {
    expect(sizeIn("😀", "bytes")).toBe(4);
    expect(sizeIn("😀", "chars")).toBe(2);
  });
});

describe("openFence", () => {
  it("follows CommonMark: a closing fence is at least as long as the opening one", () => {
    expect(openFence("````\ncode\n```")).toBe("````");
    expect(openFence("````\ncode\n`````")).toBeUndefined();
    expect(openFence("```js\ncode\n```")).toBeUndefined();
    expect(openFence("text ```not a fence```")).toBeUndefined();
    expect(openFence("```a`b\nnot a fence")).toBeUndefined();
    expect(openFence("    ```\nindented code, not a fence")).toBeUndefined();
  });
});
