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
  /** Number format: a format code (a custom `numFmt`), or the id of one of Excel's built-in formats. */
  format?: string | number;
  /**
   * An Excel data table's anchor (What-If Analysis, `{=TABLE(r1,r2)}`), written as Excel
   * does: `<f t="dataTable" ref=... dt2D=... dtr=... r1=... r2=.../>`, no formula text.
   */
  dataTable?: { ref: string; r1: string; r2?: string; dt2D?: boolean; dtr?: boolean; del1?: boolean };
}

export interface FixtureSheet {
  name: string;
  /** Cells by A1 address. A bare value is a constant; a string starting with `=` is a formula. */
  cells: Record<string, FixtureValue | FixtureCell>;
  /** Raw XML for `<dimension ref>` (to test absurd declared dimensions). */
  dimension?: string;
  /** Tables (ListObjects) on this sheet: the header row holds the column names. */
  tables?: { name: string; ref: string; columns: string[]; totalsRow?: boolean; autoFilter?: { ref: string; filterColumn?: number } }[];
  /** Rows (1-based) written with `hidden="1"`. */
  hiddenRows?: number[];
  /** The sheet's AutoFilter; with `filterColumn`, that column (0-based in the range) has a criterion. */
  autoFilter?: { ref: string; filterColumn?: number };
}

export interface FixtureWorkbook {
  sheets: FixtureSheet[];
  names?: { name: string; formula: string; sheetScope?: number }[];
  iterate?: { count?: number; delta?: number };
  /** calcPr's calcMode (`autoNoTable`: Automatic except for data tables; `manual`). */
  calcMode?: 'auto' | 'autoNoTable' | 'manual';
  date1904?: boolean;
  /**
   * Also write, in the workbook's `extLst`, Excel's second `<x15:workbookPr>` (without
   * the date1904 flag), as Excel 2013 and later do.
   */
  x15WorkbookPr?: boolean;
  /** An .xlsm: a VBA project part (`xl/vbaProject.bin`, its relationship and content type). */
  vbaProject?: boolean;
  /** docProps/app.xml's `<Application>` (e.g. `Microsoft Macintosh Excel`). */
  application?: string;
  /** docProps/core.xml's `dcterms:modified` (e.g. `2024-03-15T12:00:00Z`). */
  modified?: string;
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

/** The workbook's cell styles: style 0 is General; one more per distinct format. */
class Styles {
  readonly formats: (string | number)[] = [];
  styleOf(cell: FixtureCell): number {
    if (cell.format === undefined) return 0;
    let i = this.formats.indexOf(cell.format);
    if (i < 0) i = this.formats.push(cell.format) - 1;
    return i + 1;
  }
  /** xl/styles.xml: custom codes get ids from 164, as Excel numbers them. */
  xml(): string {
    const custom = this.formats.filter((f): f is string => typeof f === 'string');
    const id = (f: string | number) => (typeof f === 'number' ? f : 164 + custom.indexOf(f));
    const numFmts = custom.length ? `<numFmts count="${custom.length}">${custom.map((f) => `<numFmt numFmtId="${id(f)}" formatCode="${esc(f)}"/>`).join('')}</numFmts>` : '';
    const xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>', ...this.formats.map((f) => `<xf numFmtId="${id(f)}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`)];
    return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">${numFmts}<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="${xfs.length}">${xfs.join('')}</cellXfs></styleSheet>`;
  }
}

function cellXml(addr: string, cell: FixtureCell, styles: Styles): string {
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
  if (cell.dataTable) {
    const d = cell.dataTable;
    f = `<f t="dataTable" ref="${d.ref}" dt2D="${d.dt2D ? 1 : 0}" dtr="${d.dtr ? 1 : 0}" r1="${d.r1}"${d.r2 ? ` r2="${d.r2}"` : ''}${d.del1 ? ' del1="1"' : ''}/>`;
  } else if (cell.formula !== undefined || cell.shared) {
    const attrs = cell.array
      ? ` t="array" ref="${cell.array}"`
      : cell.shared
        ? ` t="shared" si="${cell.shared.si}"${cell.shared.ref ? ` ref="${cell.shared.ref}"` : ''}`
        : '';
    f = cell.formula !== undefined && (!cell.shared || cell.shared.ref) ? `<f${attrs}>${esc(cell.formula)}</f>` : `<f${attrs}/>`;
  }
  const cm = cell.array && cell.dynamic ? ' cm="1"' : '';
  const style = styles.styleOf(cell);
  const s = style ? ` s="${style}"` : '';
  return `<c r="${addr}"${s}${t}${cm}>${f}${v}</c>`;
}

function sheetXml(sheet: FixtureSheet, styles: Styles): string {
  const rows = new Map<number, [number, string][]>();
  for (const [addr, raw] of Object.entries(sheet.cells)) {
    const [r, c] = parseAddr(addr);
    if (!rows.has(r)) rows.set(r, []);
    rows.get(r)!.push([c, cellXml(addr, normalise(raw), styles)]);
  }
  const body = [...rows.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([r, cells]) => `<row r="${r}"${sheet.hiddenRows?.includes(r) ? ' hidden="1"' : ''}>${cells.sort((a, b) => a[0] - b[0]).map((x) => x[1]).join('')}</row>`)
    .join('');
  // Hidden rows without cells are written too.
  const empty = (sheet.hiddenRows ?? []).filter((r) => !rows.has(r));
  const all = empty.length ? sortRows(body, empty) : body;
  const dim = sheet.dimension ? `<dimension ref="${sheet.dimension}"/>` : '';
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">${dim}<sheetData>${all}</sheetData>${autoFilterXml(sheet.autoFilter)}</worksheet>`;
}

/** An AutoFilter element; with `filterColumn`, a criterion on that column (as Excel writes a value filter). */
function autoFilterXml(f: { ref: string; filterColumn?: number } | undefined): string {
  if (!f) return '';
  if (f.filterColumn === undefined) return `<autoFilter ref="${f.ref}"/>`;
  return `<autoFilter ref="${f.ref}"><filterColumn colId="${f.filterColumn}"><filters><filter val="keep"/></filters></filterColumn></autoFilter>`;
}

/** Adds empty `<row r="n" hidden="1"/>` elements to a sheetData body, in row order. */
function sortRows(body: string, hidden: number[]): string {
  const parts = [...body.matchAll(/<row r="(\d+)"[^>]*>.*?<\/row>/g)].map((m) => [Number(m[1]), m[0]] as [number, string]);
  for (const r of hidden) parts.push([r, `<row r="${r}" hidden="1"/>`]);
  return parts
    .sort((a, b) => a[0] - b[0])
    .map((p) => p[1])
    .join('');
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
  const mode = wb.calcMode ? ` calcMode="${wb.calcMode}"` : '';
  const calc = wb.iterate
    ? `<calcPr calcId="191029"${mode} iterate="1" iterateCount="${wb.iterate.count ?? 100}" iterateDelta="${wb.iterate.delta ?? 0.001}"/>`
    : `<calcPr calcId="191029"${mode}/>`;
  files['xl/workbook.xml'] = strToU8(
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"><workbookPr${wb.date1904 ? ' date1904="1"' : ''}/><sheets>${sheets}</sheets>${externalReferences}${names ? `<definedNames>${names}</definedNames>` : ''}${calc}${wb.x15WorkbookPr ? '<extLst><ext uri="{140A7094-0E35-4892-8432-C4D2E57EDEB5}"><x15:workbookPr chartTrackingRefBase="1"/></ext></extLst>' : ''}</workbook>`,
  );
  let tableNo = 0;
  const tableOverrides: string[] = [];
  const styles = new Styles();
  wb.sheets.forEach((s, i) => {
    files[`xl/worksheets/sheet${i + 1}.xml`] = strToU8(sheetXml(s, styles));
    if (!s.tables?.length) return;
    const rels: string[] = [];
    s.tables.forEach((t, j) => {
      tableNo++;
      rels.push(`<Relationship Id="rIdT${j + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/table" Target="../tables/table${tableNo}.xml"/>`);
      const cols = t.columns.map((c, k) => `<tableColumn id="${k + 1}" name="${esc(c)}"/>`).join('');
      files[`xl/tables/table${tableNo}.xml`] = strToU8(
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<table xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" id="${tableNo}" name="${esc(t.name)}" displayName="${esc(t.name)}" ref="${t.ref}"${t.totalsRow ? ' totalsRowCount="1"' : ''}>${autoFilterXml(t.autoFilter)}<tableColumns count="${t.columns.length}">${cols}</tableColumns></table>`,
      );
      tableOverrides.push(`<Override PartName="/xl/tables/table${tableNo}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"/>`);
    });
    files[`xl/worksheets/_rels/sheet${i + 1}.xml.rels`] = strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels.join('')}</Relationships>`,
    );
  });
  if (styles.formats.length) {
    files['xl/styles.xml'] = strToU8(styles.xml());
    tableOverrides.push('<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>');
    const rels = new TextDecoder().decode(files['xl/_rels/workbook.xml.rels']);
    files['xl/_rels/workbook.xml.rels'] = strToU8(
      rels.replace('</Relationships>', '<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>'),
    );
  }
  if (wb.vbaProject) {
    // The bytes of a VBA project do not matter to sheetc: only that the package holds one.
    files['xl/vbaProject.bin'] = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    const rels = new TextDecoder().decode(files['xl/_rels/workbook.xml.rels']);
    files['xl/_rels/workbook.xml.rels'] = strToU8(
      rels.replace('</Relationships>', '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>'),
    );
    const ct = new TextDecoder().decode(files['[Content_Types].xml']);
    files['[Content_Types].xml'] = strToU8(
      ct
        .replace('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml', 'application/vnd.ms-excel.sheet.macroEnabled.main+xml')
        .replace('</Types>', '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'),
    );
  }
  if (wb.application !== undefined || wb.modified !== undefined) {
    const rels: string[] = [];
    if (wb.application !== undefined) {
      files['docProps/app.xml'] = strToU8(
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>${esc(wb.application)}</Application></Properties>`,
      );
      rels.push('<Relationship Id="rIdApp" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>');
    }
    if (wb.modified !== undefined) {
      files['docProps/core.xml'] = strToU8(
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dcterms:modified xsi:type="dcterms:W3CDTF">${esc(wb.modified)}</dcterms:modified></cp:coreProperties>`,
      );
      rels.push('<Relationship Id="rIdCore" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>');
    }
    const root = new TextDecoder().decode(files['_rels/.rels']);
    files['_rels/.rels'] = strToU8(root.replace('</Relationships>', `${rels.join('')}</Relationships>`));
  }
  if (tableOverrides.length) {
    const ct = new TextDecoder().decode(files['[Content_Types].xml']);
    files['[Content_Types].xml'] = strToU8(ct.replace('</Types>', `${tableOverrides.join('')}</Types>`));
  }
  return zipSync(files);
}
