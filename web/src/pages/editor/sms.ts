// How many SMS a text goes out as, as the server counts it (followup.domain.channels.sms_parts):
// GSM-7 holds 160 characters in one SMS (153 a part), any other text goes as UCS-2 (Unicode)
// and holds 70 (67 a part). A part ends only between characters as a reader sees them
// (grapheme clusters): a flag or a family emoji goes whole to the next part. The text is
// counted as a typical lead gets it (followup.domain.messaging.typical_text): a placeholder
// filled by its default, or by a typical value of its field when it has none. The limit of
// 1,600 characters is measured otherwise, as the save measures it: the text as written, in
// code points (`writtenLength`).

const GSM7_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
/** GSM 03.38's extension table: two septets each (the escape and the character). */
const GSM7_EXTENSION = new Set("\f^{}\\[~]|€");

/** `{first_name}`, `{attributes.program}` (`{attributes.My Program}` too), `{first_name|there}`,
 * as the server reads them. */
const PLACEHOLDER = /\{([a-z_]+(?:\.[^\s{}|](?:[^{}|\n]*[^\s{}|])?)?)(?:\|([^{}]*))?\}/g;
/** What a placeholder without a default is counted as (the server's TYPICAL_VALUES). */
const TYPICAL_VALUES = new Map([
  ["name", "Maria Santos"],
  ["first_name", "Maria"],
  ["phone", "+6281234567890"],
  ["email", "maria@example.com"],
  ["stage", "interested"],
  ["wa_id", "6281234567890"],
]);
/** An attribute without a default, or a field not listed above. */
const TYPICAL_ATTRIBUTE = "sample value";

const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The longest text an SMS step takes (the server's SMS_MAX_CHARACTERS), counted by
 * `writtenLength`, as the save refuses a longer one. */
export const SMS_MAX_CHARACTERS = 1600;
/** From this length as written the editor says how much of the limit a text uses (90%). */
export const SMS_NEAR_LIMIT = 1440;

/** `text`'s length as the save measures it against `SMS_MAX_CHARACTERS`: code points of the
 * text as written (Python's `len`), a placeholder with its braces, a family emoji five. */
export function writtenLength(text: string): number {
  return [...text].length;
}

export interface SmsParts {
  /** Characters as a reader counts them (an emoji, a flag or a family emoji is one). */
  characters: number;
  parts: number;
  unicode: boolean;
  /** The characters outside GSM-7 that make it Unicode, each once, in order. */
  forcedBy: string[];
}

/** `text` with each placeholder filled by its default, else by a typical value of its field. */
export function typicalText(text: string): string {
  return text.replace(
    PLACEHOLDER,
    (_, field: string, fallback: string | undefined) => fallback ?? TYPICAL_VALUES.get(field) ?? TYPICAL_ATTRIBUTE,
  );
}

/** The SMS `text` is sent as; no part splits a character as a reader sees it. */
export function smsParts(text: string): SmsParts {
  const clusters = Array.from(GRAPHEMES.segment(text), (s) => s.segment);
  const forcedBy = [...new Set([...text].filter((c) => !GSM7_BASIC.has(c) && !GSM7_EXTENSION.has(c)))];
  const unicode = forcedBy.length > 0;
  const parts = unicode ? packed(clusterSizes(clusters, codeUnits, 67), 70, 67) : packed(clusterSizes(clusters, septets, 153), 160, 153);
  return { characters: clusters.length, parts, unicode, forcedBy };
}

const septets = (text: string) => [...text].reduce((sum, c) => sum + (GSM7_EXTENSION.has(c) ? 2 : 1), 0);
const codeUnits = (text: string) => text.length;

/** Each cluster's size; one larger than a part on its own, each of its code points'. */
function clusterSizes(clusters: string[], size: (text: string) => number, part: number): number[] {
  return clusters.flatMap((cluster) => (size(cluster) <= part ? [size(cluster)] : [...cluster].map(size)));
}

function packed(sizes: number[], single: number, part: number): number {
  const units = sizes.reduce((sum, size) => sum + size, 0);
  if (units <= single) return units ? 1 : 0;
  let parts = 1;
  let room = part;
  for (const size of sizes) {
    if (size > room) {
      parts += 1;
      room = part;
    }
    room -= size;
  }
  return parts;
}

/** The first three characters to blame as the save warning names them (`U+00A0` for one a
 * reader cannot see), and `…` when there are more. */
export function namedCharacters(characters: string[]): string {
  const shown = characters
    .slice(0, 3)
    .map((c) => (/^[\p{C}\p{Z}\s]$/u.test(c) ? `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}` : c));
  return shown.join(" ") + (characters.length > 3 ? " …" : "");
}
