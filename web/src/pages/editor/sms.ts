// How many SMS a text goes out as, as the server counts it (followup.domain.channels.sms_parts):
// GSM-7 holds 160 characters in one SMS (153 a part), any other text goes as UCS-2 (Unicode)
// and holds 70 (67 a part).

const GSM7_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
/** GSM 03.38's extension table: two septets each (the escape and the character). */
const GSM7_EXTENSION = new Set("\f^{}\\[~]|€");

export interface SmsParts {
  /** Characters as a reader counts them (an emoji is one). */
  characters: number;
  parts: number;
  unicode: boolean;
  /** The characters outside GSM-7 that make it Unicode, each once, in order. */
  forcedBy: string[];
}

/** The SMS `text` is sent as; no part splits an extension character or an emoji. */
export function smsParts(text: string): SmsParts {
  const characters = [...text];
  const forcedBy = [...new Set(characters.filter((c) => !GSM7_BASIC.has(c) && !GSM7_EXTENSION.has(c)))];
  const unicode = forcedBy.length > 0;
  const sizes = characters.map((c) => (unicode ? c.length : GSM7_EXTENSION.has(c) ? 2 : 1));
  const parts = unicode ? packed(sizes, 70, 67) : packed(sizes, 160, 153);
  return { characters: characters.length, parts, unicode, forcedBy };
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
