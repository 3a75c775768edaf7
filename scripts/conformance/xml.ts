/**
 * A small XML scanner for the machine-written parts of an xlsx package.
 *
 * Not a general XML parser: it finds elements by (local) name with regular expressions,
 * which is sound for SpreadsheetML as Excel writes it (no CDATA, no comments inside
 * sheetData, `<` always escaped in text). Namespace prefixes (`<x:c>`) are accepted.
 */

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes XML entity and character references. */
export function decodeXml(s: string): string {
  if (s.indexOf('&') < 0) return s;
  return s.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, (m, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return NAMED[body] ?? m;
  });
}

/**
 * Decodes the OOXML `ST_Xstring` escapes Excel writes for characters XML cannot hold
 * (`_x000D_` is a carriage return; a literal `_x000D_` is written `_x005F_x000D_`).
 */
export function decodeXstring(s: string): string {
  if (s.indexOf('_x') < 0) return s;
  return s.replace(/_x([0-9A-Fa-f]{4})_/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Text of an element's content as Excel means it: line ends normalized as any XML parser
 * does (Excel writes a line feed as CR LF), entities decoded, then `_xHHHH_` escapes.
 */
export function textOf(raw: string): string {
  return decodeXstring(decodeXml(raw.indexOf('\r') < 0 ? raw : raw.replace(/\r\n?/g, '\n')));
}

/** Attributes of a start tag's attribute text (`r="A1" t="s"`), keyed by qualified name. */
export function parseAttrs(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!s) return out;
  const re = /([A-Za-z_][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) out[m[1]!] = decodeXml(m[2] ?? m[3] ?? '');
  return out;
}

/** An attribute by local name, whatever its prefix (`r:id` → `id` with prefix). */
export function attrByLocal(attrs: Record<string, string>, local: string, prefixed = false): string | undefined {
  for (const [k, v] of Object.entries(attrs)) {
    const i = k.indexOf(':');
    if (prefixed ? i >= 0 && k.slice(i + 1) === local : k === local) return v;
  }
  return undefined;
}

export interface XmlElement {
  /** Offset of `<` of the start tag in the scanned text. */
  start: number;
  /** Offset just past the end tag (or the `/>`). */
  end: number;
  /** Raw attribute text of the start tag. */
  attrText: string;
  attrs: Record<string, string>;
  /** Raw (undecoded) content; `undefined` for a self-closing element. */
  inner: string | undefined;
}

const PFX = '(?:[A-Za-z_][\\w.-]*:)?';

function elementRe(name: string): RegExp {
  // <name attrs/>  or  <name attrs>inner</name>; the lookahead stops <c matching <col.
  return new RegExp(`<${PFX}${name}(?=[\\s/>])([^>]*?)(?:/>|>([\\s\\S]*?)</${PFX}${name}\\s*>)`, 'g');
}

const reCache = new Map<string, RegExp>();

/** All (non-nested) elements named `name` in `text`, in document order. */
export function* elements(text: string, name: string, from = 0, to = text.length): Generator<XmlElement> {
  let re = reCache.get(name);
  if (!re) reCache.set(name, (re = elementRe(name)));
  const r = new RegExp(re.source, 'g');
  r.lastIndex = from;
  let m: RegExpExecArray | null;
  while ((m = r.exec(text)) && m.index < to) {
    const attrText = m[1] ?? '';
    const inner = m[2];
    yield { start: m.index, end: m.index + m[0].length, attrText, attrs: parseAttrs(attrText), inner };
  }
}

/** The first element named `name`, or undefined. */
export function firstElement(text: string, name: string): XmlElement | undefined {
  for (const e of elements(text, name)) return e;
  return undefined;
}

/**
 * The concatenated text of the `<t>` runs of a string item (`<si>`, `<is>`), skipping
 * phonetic runs (`<rPh>`), decoded.
 */
export function stringItemText(inner: string | undefined): string {
  if (!inner) return '';
  const body = inner.replace(new RegExp(`<${PFX}rPh(?=[\\s/>])[^>]*?(?:/>|>[\\s\\S]*?</${PFX}rPh\\s*>)`, 'g'), '');
  let out = '';
  for (const t of elements(body, 't')) out += t.inner === undefined ? '' : textOf(t.inner);
  return out;
}
