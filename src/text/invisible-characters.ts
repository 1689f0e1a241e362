// Characters that change what a reader sees without being seen themselves: zero-width and
// format characters, bidirectional controls, Unicode tag characters (used to smuggle ASCII),
// and control codes. Variation selectors stay: they only pick a glyph's style.

const INVISIBLE_CLASS =
  "\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F\\u00AD\\u061C\\u180E\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\uFEFF\\uFFF9-\\uFFFB\\u{E0000}-\\u{E007F}";

// Zero-width joiners inside emoji sequences (👩‍💻) and tag sequences of subdivision flags (🏴 + tags
// for England) are part of a visible picture, so they are kept; every other match is removed.
const EMOJI_BEFORE_JOINER =
  "(\\p{Extended_Pictographic}(?:\\uFE0F|\\p{Emoji_Modifier})?\\u200D)(?=\\p{Extended_Pictographic})";
const SUBDIVISION_FLAG = "(\\u{1F3F4}[\\u{E0030}-\\u{E0039}\\u{E0061}-\\u{E007A}]{1,6}\\u{E007F})";
const INVISIBLE_OR_KEPT = new RegExp(`${EMOJI_BEFORE_JOINER}|${SUBDIVISION_FLAG}|[${INVISIBLE_CLASS}]`, "gu");
const INVISIBLE = new RegExp(`[${INVISIBLE_CLASS}]`, "gu");

/** `text` without invisible characters; tabs and newlines stay. */
export function removeInvisibleCharacters(text: string): string {
  return text.replace(INVISIBLE_OR_KEPT, (_match, emoji?: string, flag?: string) => emoji ?? flag ?? "");
}

/** `text` with every invisible character shown as `\u{…}`, so a reply can show what was hidden. */
export function revealInvisibleCharacters(text: string): string {
  return text.replace(INVISIBLE, (char) => `\\u{${(char.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`);
}
