// The characters a task or reply must never carry (invisible, bidirectional, control), written
// out here apart from the code under test so the tests do not trust its own list.
export const HIDDEN_CHARACTER =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this matches.
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u00AD\u061C\u200B\u200C\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u{E0000}-\u{E007F}]/u;
