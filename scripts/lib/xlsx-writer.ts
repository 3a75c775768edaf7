/**
 * A small xlsx writer for fixtures: sheets of constants and formulas (optionally with
 * cached results, shared-formula groups and array formulas), defined names and the
 * workbook's calculation settings. Used by tests to generate the workbooks they
 * check, and by `scripts/make-example.ts`. Test tooling, not product code.
 */
import { strToU8, zipSync } from 'fflate';

export type FixtureValue = number | string | boolean | null | { error: string };

export interface FixtureCell {
  /** A constant, or the cached result of `formula`. */
  value?: FixtureValue;
  /** Formula text without `=`. */
  formula?: string;
  /** Array formula range, e.g. `B1:B3` (the formula is on its first cell). */
  array?: string;
  /**
   * With `array`: a dynamic-array formula (Excel 365), written as Excel does: `cm="1"` on
   * the cell, pointing at an `XLDAPR` cell-metadata block with `fDynamic="1"` in
   * xl/metadata.xml. `array` is then the range the result last spilled to (the anchor
   * alone when the spill was blocked).
   */
  dynamic?: boolean;
  /** Shared formula: `si` group index; the anchor also gives `sharedRef`. */
  shared?: { si: number; ref?: string };
}

export interface FixtureSheet {
  name: string;
  /** Cells by A1 address. A bare value is a constant; a string starting with `=` is a formula. */
  cells: Record<string, FixtureValue | FixtureCell>;
  /** Raw XML for `<dimension ref>` (to test absurd declared dimensions). */
  dimension?: string;
  /** Tables (ListObjects) on this sheet: the header row holds the column names. */
  tables?: { name: string; ref: string; columns: string[]; totalsRow?: boolean }[];
}

export interface FixtureWorkbook {
  sheets: FixtureSheet[];
  names?: { name: string; formula: string; sheetScope?: number }[];
  iterate?: { count?: number; delta?: number };
  date1904?: boolean;
  /**
   * Other workbooks this one links to (`[1]`, `[2]`, ... in formulas), as Excel caches
   * them in `xl/externalLinks/externalLinkN.xml`: their sheets' values and defined names
   * (`refersTo` as the linked book writes it, e.g. `=Sheet1!$A$1`; `sheetId`: the index
   * of the sheet a name is scoped to).
   */
  externalLinks?: {
    file: string;
    sheets: { name: string; cells: Record<string, FixtureValue> }[];
    names?: { name: string; refersTo: string; sheetId?: number }[];
  }[];
}

function externalLinkXml(link: NonNullable<FixtureWorkbook['externalLinks']>[number]): string {
  const sheetNames = link.sheets.map((s) => `<sheetName val="${esc(s.name)}"/>`).join('');
  const names = (link.names ?? [])
    .map((n) => `<definedName name="${esc(n.name)}" refersTo="${esc(n.refersTo)}"${n.sheetId !== undefined ? ` sheetId="${n.sheetId}"` : ''}/>`)
    .join('');
  const data = link.sheets
    .map((s, i) => {
      const rows = new Map<number, string[]>();
      for (const [addr, v] of Object.entries(s.cells)) {
        const [r] = parseAddr(addr);
        const t = typeof v === 'string' ? ' t="str"' : typeof v === 'boolean' ? ' t="b"' : v !== null && typeof v === 'object' ? ' t="e"' : '';
        const text = typeof v === 'boolean' ? (v ? '1' : '0') : v !== null && typeof v === 'object' ? v.error : String(v);
        if (!rows.has(r)) rows.set(r, []);
        rows.get(r)!.push(`<cell r="${addr}"${t}><v>${esc(text)}</v></cell>`);
      }
      const body = [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([r, cells]) => `<row r="${r}">${cells.join('')}</row>`).join('');
      return `<sheetData sheetId="${i}">${body}</sheetData>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><externalBook r:id="rId1"><sheetNames>${sheetNames}</sheetNames>${names ? `<definedNames>${names}</definedNames>` : ''}<sheetDataSet>${data}</sheetDataSet></externalBook></externalLink>`;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function parseAddr(a: string): [number, number] {
  const m = /^([A-Z]+)(\d+)$/.exec(a);
  if (!m) throw new Error(`bad address ${a}`);
  let c = 0;
  for (const ch of m[1]!) c = c * 26 + ch.charCodeAt(0) - 64;
  return [Number(m[2]), c];
}

function normalise(v: FixtureValue | FixtureCell): FixtureCell {
  if (typeof v === 'string' && v.startsWith('=')) return { formula: v.slice(1) };
  if (v !== null && typeof v === 'object' && !('error' in v)) return v;
  return { value: v as FixtureValue };
}

function cellXml(addr: string, cell: FixtureCell): string {
  let t = '';
  let v = '';
  const value = cell.value;
  if (typeof value === 'number') v = `<v>${value}</v>`;
  else if (typeof value === 'boolean') {
    t = ' t="b"';
    v = `<v>${value ? 1 : 0}</v>`;
  } else if (typeof value === 'string') {
    t = cell.formula ? ' t="str"' : ' t="inlineStr"';
    v = cell.formula ? `<v>${esc(value)}</v>` : `<is><t xml:space="preserve">${esc(value)}</t></is>`;
  } else if (value && typeof value === 'object') {
    t = ' t="e"';
    v = `<v>${esc(value.error)}</v>`;
  }
  let f = '';
  if (cell.formula !== undefined || cell.shared) {
    const attrs = cell.array
      ? ` t="array" ref="${cell.array}"`
      : cell.shared
        ? ` t="shared" si="${cell.shared.si}"${cell.shared.ref ? ` ref="${cell.shared.ref}"` : ''}`
        : '';
    f = cell.formula !== undefined && (!cell.shared || cell.shared.ref) ? `<f${attrs}>${esc(cell.formula)}</f>` : `<f${attrs}/>`;
  }
  const cm = cell.array && cell.dynamic ? ' cm="1"' : '';
  return `<c r="${addr}"${t}${cm}>${f}${v}</c>`;
}

function sheetXml(sheet: FixtureSheet): string {
  const rows = new Map<number, [number, string][]>();
  for (const [addr, raw] of Object.entries(sheet.cells)) {
    const [r, c] = parseAddr(addr);
    if (!rows.has(r)) rows.set(r, []);
    rows.get(r)!.push([c, cellXml(addr, normalise(raw))]);
  }
  const body = [...rows.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([r, cells]) => `<row r="${r}">${cells.sort((a, b) => a[0] - b[0]).map((x) => x[1]).join('')}</row>`)
    .join('');
  const dim = sheet.dimension ? `<dimension ref="${sheet.dimension}"/>` : '';
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">${dim}<sheetData>${body}</sheetData></worksheet>`;
}

/** xl/metadata.xml as Excel writes it for dynamic arrays: cell metadata block 1 is XLDAPR fDynamic. */
const DYNAMIC_ARRAY_METADATA =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray"><metadataTypes count="1"><metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" pasteValues="1" merge="1" splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/></metadataTypes><futureMetadata name="XLDAPR" count="1"><bk><extLst><ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext></extLst></bk></futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>';

/** Serialises a fixture workbook to xlsx bytes. */
export function writeXlsx(wb: FixtureWorkbook): Uint8Array {
  const dynamic = wb.sheets.some((s) => Object.values(s.cells).some((c) => c !== null && typeof c === 'object' && 'dynamic' in c && c.dynamic));
  const files: Record<string, Uint8Array> = {};
  const sheetOverrides =
    wb.sheets
      .map((_, i) => `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`)
      .join('') +
    (dynamic ? '<Override PartName="/xl/metadata.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"/>' : '');
  files['[Content_Types].xml'] = strToU8(
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>${sheetOverrides}</Types>`,
  );
  files['_rels/.rels'] = strToU8(
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
  );
  const rels =
    wb.sheets
      .map((_, i) => `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`)
      .join('') +
    (dynamic ? '<Relationship Id="rIdMeta" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata" Target="metadata.xml"/>' : '');
  if (dynamic) files['xl/metadata.xml'] = strToU8(DYNAMIC_ARRAY_METADATA);
  const links = wb.externalLinks ?? [];
  links.forEach((link, i) => {
    files[`xl/externalLinks/externalLink${i + 1}.xml`] = strToU8(externalLinkXml(link));
    files[`xl/externalLinks/_rels/externalLink${i + 1}.xml.rels`] = strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" Target="${esc(link.file)}" TargetMode="External"/></Relationships>`,
    );
  });
  const linkRels = links
    .map((_, i) => `<Relationship Id="rIdX${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink" Target="externalLinks/externalLink${i + 1}.xml"/>`)
    .join('');
  const externalReferences = links.length ? `<externalReferences>${links.map((_, i) => `<externalReference r:id="rIdX${i + 1}"/>`).join('')}</externalReferences>` : '';
  files['xl/_rels/workbook.xml.rels'] = strToU8(
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels}${linkRels}</Relationships>`,
  );
  const sheets = wb.sheets.map((s, i) => `<sheet name="${esc(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('');
  const names = (wb.names ?? [])
    .map((n) => `<definedName name="${esc(n.name)}"${n.sheetScope !== undefined ? ` localSheetId="${n.sheetScope}"` : ''}>${esc(n.formula)}</definedName>`)
    .join('');
  const calc = wb.iterate
    ? `<calcPr calcId="191029" iterate="1" iterateCount="${wb.iterate.count ?? 100}" iterateDelta="${wb.iterate.delta ?? 0.001}"/>`
    : '<calcPr calcId="191029"/>';
  files['xl/workbook.xml'] = strToU8(
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr${wb.date1904 ? ' date1904="1"' : ''}/><sheets>${sheets}</sheets>${externalReferences}${names ? `<definedNames>${names}</definedNames>` : ''}${calc}</workbook>`,
  );
  let tableNo = 0;
  const tableOverrides: string[] = [];
  wb.sheets.forEach((s, i) => {
    files[`xl/worksheets/sheet${i + 1}.xml`] = strToU8(sheetXml(s));
    if (!s.tables?.length) return;
    const rels: string[] = [];
    s.tables.forEach((t, j) => {
      tableNo++;
      rels.push(`<Relationship Id="rIdT${j + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/table" Target="../tables/table${tableNo}.xml"/>`);
      const cols = t.columns.map((c, k) => `<tableColumn id="${k + 1}" name="${esc(c)}"/>`).join('');
      files[`xl/tables/table${tableNo}.xml`] = strToU8(
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<table xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" id="${tableNo}" name="${esc(t.name)}" displayName="${esc(t.name)}" ref="${t.ref}"${t.totalsRow ? ' totalsRowCount="1"' : ''}><tableColumns count="${t.columns.length}">${cols}</tableColumns></table>`,
      );
      tableOverrides.push(`<Override PartName="/xl/tables/table${tableNo}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"/>`);
    });
    files[`xl/worksheets/_rels/sheet${i + 1}.xml.rels`] = strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels.join('')}</Relationships>`,
    );
  });
  if (tableOverrides.length) {
    const ct = new TextDecoder().decode(files['[Content_Types].xml']);
    files['[Content_Types].xml'] = strToU8(ct.replace('</Types>', `${tableOverrides.join('')}</Types>`));
  }
  return zipSync(files);
}
