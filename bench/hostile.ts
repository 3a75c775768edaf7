/**
 * The hostile inputs of issue #16, measured as a user meets them: each fixture is built
 * here, then the CLI is run on it in its own process under `/usr/bin/time`, and the table
 * gives what came out (the error code, or the value computed), the peak RSS and the wall
 * time of that process. The tests (`__test__/hostile*.test.ts`) assert the behaviour; this
 * only measures it.
 *
 *   npx tsx bench/hostile.ts [--json]
 *
 * Writes bench/results/hostile.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { strToU8, unzipSync, Zip, ZipDeflate, zipSync, type Zippable } from 'fflate';
import { writeXlsx, type FixtureWorkbook } from '../scripts/lib/xlsx-writer.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
const work = mkdtempSync(join(tmpdir(), 'sheetc-hostile-bench-'));

interface Row {
  item: string;
  fixture: string;
  command: string;
  outcome: string;
  peakRssMb: number | null;
  wallS: number | null;
  exit: number | null;
}

const simple: FixtureWorkbook = { sheets: [{ name: 'S', cells: { A1: 1, B1: '=A1+2', C1: '="text "&B1' } }] };

function zip(files: Record<string, Uint8Array>, level: 0 | 6 = 6): Uint8Array {
  const z: Zippable = {};
  for (const [k, v] of Object.entries(files)) z[k] = [v, { level }];
  return zipSync(z);
}

function save(name: string, bytes: Uint8Array): string {
  const file = join(work, name);
  writeFileSync(file, bytes);
  return file;
}

const SST_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const SST_REL = '<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>';

function withSharedStrings(sst: string): Uint8Array {
  const p = unzipSync(writeXlsx(simple));
  const text = (k: string) => new TextDecoder().decode(p[k]);
  p['xl/_rels/workbook.xml.rels'] = strToU8(text('xl/_rels/workbook.xml.rels').replace('</Relationships>', `${SST_REL}</Relationships>`));
  p['xl/worksheets/sheet1.xml'] = strToU8(text('xl/worksheets/sheet1.xml').replace('</row>', '<c r="D1" t="s"><v>0</v></c></row>'));
  p['xl/sharedStrings.xml'] = strToU8(sst);
  return zip(p);
}

function utf16(bytes: Uint8Array): Uint8Array {
  const s = new TextDecoder().decode(bytes).replace(/encoding="UTF-8"/i, 'encoding="UTF-16"');
  const out = new Uint8Array(2 + s.length * 2);
  out[0] = 0xff;
  out[1] = 0xfe;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out[2 + 2 * i] = c & 0xff;
    out[3 + 2 * i] = c >> 8;
  }
  return out;
}

/** Runs the CLI under /usr/bin/time; the outcome is the JSON error code or what `pick` reads from stdout. */
function measure(item: string, fixture: string, args: string[], pick: (stdout: string) => string = () => 'ok'): Row {
  const timed = spawnSync('/usr/bin/time', ['-f', 'TIME %M %e', process.execPath, cli, ...args], { encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
  const m = /TIME (\d+) ([\d.]+)\s*$/.exec(timed.stderr ?? '');
  const errJson = /\{"error":\{"code":"(E_[A-Z_]+)"/.exec(timed.stderr ?? '');
  const outcome = timed.signal ? `killed by ${timed.signal}` : errJson ? errJson[1]! : timed.status === 0 ? pick(timed.stdout) : `exit ${timed.status}`;
  const row: Row = {
    item,
    fixture,
    command: `sheetc ${args.map((a) => a.replace(work, '$TMP')).join(' ')}`,
    outcome,
    peakRssMb: m ? Math.round(Number(m[1]) / 1024) : null,
    wallS: m ? Number(m[2]) : null,
    exit: timed.status,
  };
  process.stderr.write(`${item}: ${fixture}: ${outcome} (${row.peakRssMb} MB, ${row.wallS} s)\n`);
  return row;
}

const build = (file: string) => ['build', file, '-o', join(work, `out-${Math.random().toString(36).slice(2)}`), '--json', '--no-verify'];
const evalCells = (file: string, cells: string) => ['eval', file, '--cells', cells, '--json'];
const cellsOf = (stdout: string) => {
  const cells = (JSON.parse(stdout) as { values: Record<string, unknown> }).values;
  return Object.entries(cells)
    .map(([k, x]) => `${k}=${JSON.stringify(x).slice(0, 120)}`)
    .join(', ');
};

const rows: Row[] = [];

// 1. Shared-string counts that reserve ~96 GB (or overflow) in calamine.
rows.push(measure('1', "uniqueCount='4000000000000' (single quotes)", build(save('sst-quotes.xlsx', withSharedStrings(`<?xml version="1.0"?><sst xmlns="${SST_NS}" uniqueCount='4000000000000'><si><t>s</t></si></sst>`)))));
rows.push(measure('1', 'uniqueCount after 4 KB of attributes', build(save('sst-late.xlsx', withSharedStrings(`<?xml version="1.0"?><sst xmlns="${SST_NS}" a="${'p'.repeat(5000)}" uniqueCount="4000000000000"><si><t>s</t></si></sst>`)))));
rows.push(measure('1', "uniqueCount='18446744073709551615' (2^64-1)", build(save('sst-max.xlsx', withSharedStrings(`<?xml version="1.0"?><sst xmlns="${SST_NS}" uniqueCount='18446744073709551615'><si><t>s</t></si></sst>`)))));

// 2. A user's folder holding manifest.json and engine.js.
{
  const folder = join(work, 'user-project');
  mkdirSync(join(folder, 'src'), { recursive: true });
  writeFileSync(join(folder, 'manifest.json'), '{"name":"mine"}');
  writeFileSync(join(folder, 'engine.js'), '// mine');
  writeFileSync(join(folder, 'src', 'index.js'), '// mine');
  rows.push(measure('2', 'build into a user folder with manifest.json + engine.js', ['build', save('simple.xlsx', writeXlsx(simple)), '-o', folder, '--json', '--no-verify']));
}

// 3. Arrays over Excel's grid and strings over 32,767 characters, in one run.
rows.push(
  measure(
    '3',
    'MAKEARRAY(100000,10000,…), SEQUENCE(2^20+1), REPT("x",40000), "x"&REPT("y",32767)',
    evalCells(
      save(
        'grid.xlsx',
        writeXlsx({
          sheets: [
            {
              name: 'S',
              cells: {
                A1: '=ROWS(_xlfn.MAKEARRAY(100000,10000,_xlfn.LAMBDA(_xlpm.r,_xlpm.c,_xlpm.r*_xlpm.c)))',
                A2: '=ROWS(_xlfn.SEQUENCE(1048577))',
                A3: '=LEN(REPT("x",40000))',
                A4: '=LEN("x"&REPT("y",32767))',
              },
            },
          ],
        }),
      ),
      'S!A1:A4',
    ),
    cellsOf,
  ),
);

// 4. Iteration count 2^32-1 on a cycle that never converges; catastrophic regex backtracking.
rows.push(measure('4', 'iterateCount=4294967295 on A1=A1+1', evalCells(save('iterate.xlsx', writeXlsx({ iterate: { count: 4294967295, delta: 0 }, sheets: [{ name: 'S', cells: { A1: '=A1+1' } }] })), 'S!A1'), cellsOf));
rows.push(
  measure(
    '4',
    'REGEXTEST("aaa…a!" (30 a), "^(a+)+$")',
    evalCells(save('regex.xlsx', writeXlsx({ sheets: [{ name: 'S', cells: { A1: `=_xlfn.REGEXTEST("${'a'.repeat(30)}!","^(a+)+$")` } }] })), 'S!A1'),
    cellsOf,
  ),
);

// 5. Sheet names equal under Excel's case rule.
rows.push(measure('5', "sheets 'ı' and 'i'", build(save('turkish.xlsx', writeXlsx({ sheets: [{ name: 'ı', cells: { A1: 1 } }, { name: 'i', cells: { A1: 2 } }] })))));

// 6. UTF-16 parts; a workbook without sheets.
{
  const p = unzipSync(writeXlsx(simple));
  for (const name of ['xl/workbook.xml', 'xl/_rels/workbook.xml.rels', '_rels/.rels', 'xl/worksheets/sheet1.xml']) p[name] = utf16(p[name]!);
  rows.push(measure('6', 'UTF-16 workbook, rels and sheet parts', evalCells(save('utf16.xlsx', zip(p)), 'S!B1:C1'), cellsOf));
  const q = unzipSync(writeXlsx(simple));
  q['xl/workbook.xml'] = strToU8(new TextDecoder().decode(q['xl/workbook.xml']).replace(/<sheets>.*<\/sheets>/, '<sheets/>'));
  rows.push(measure('6', 'a workbook with no sheets', build(save('nosheets.xlsx', zip(q)))));
}

// 7. A cell of 600 MB of text (about 600 KB zipped).
{
  // Past V8's longest string: the sheet part is assembled as bytes, the text inline.
  const p = unzipSync(writeXlsx({ sheets: [{ name: 'S', cells: { A1: 1 } }] }));
  const xml = new TextDecoder().decode(p['xl/worksheets/sheet1.xml']);
  const at = xml.indexOf('</sheetData>');
  const head = strToU8(`${xml.slice(0, at)}<row r="2"><c r="B2" t="inlineStr"><is><t>`);
  const tail = strToU8(`</t></is></c></row>${xml.slice(at)}`);
  const part = new Uint8Array(head.length + (600 << 20) + tail.length);
  part.set(head, 0);
  part.fill(0x79, head.length, head.length + (600 << 20));
  part.set(tail, head.length + (600 << 20));
  p['xl/worksheets/sheet1.xml'] = part;
  rows.push(measure('7', 'one cell of 600 MB of text (inline string)', build(save('bigcell.xlsx', zip(p)))));
}

// 8. get() of a range the size of the grid.
rows.push(measure('8', '--cells S!A1:XFD1048576 (get of the whole grid)', evalCells(save('grid-get.xlsx', writeXlsx(simple)), 'S!A1:XFD1048576')));

// 13. Duplicate zip entries (case variant of the workbook part).
{
  const p = unzipSync(writeXlsx(simple));
  rows.push(measure('13', 'xl/workbook.xml and XL/WORKBOOK.XML', build(save('dup.xlsx', zip({ ...p, 'XL/WORKBOOK.XML': p['xl/workbook.xml']! })))));
}

// #18 item 4. A sheet padded with 2 GB of whitespace between its rows (about 2 MB
// zipped): valid XML, read through a compacted copy; memory follows the cells.
{
  const p = unzipSync(writeXlsx(simple));
  const xml = new TextDecoder().decode(p['xl/worksheets/sheet1.xml']);
  const at = xml.indexOf('<row');
  const chunks: Uint8Array[] = [];
  const out = new Zip((err, data) => {
    if (err) throw err;
    chunks.push(data);
  });
  for (const [name, bytes] of Object.entries(p)) {
    const entry = new ZipDeflate(name, { level: 6 });
    out.add(entry);
    if (name !== 'xl/worksheets/sheet1.xml') {
      entry.push(bytes, true);
      continue;
    }
    entry.push(strToU8(xml.slice(0, at)));
    const block = new Uint8Array(16 << 20).fill(0x20);
    for (let i = 0; i < 128; i++) entry.push(block);
    entry.push(strToU8(xml.slice(at)), true);
  }
  out.end();
  const file = join(work, 'whitespace-2g.xlsx');
  writeFileSync(file, Buffer.concat(chunks));
  rows.push(measure('18.4', 'a sheet padded with 2 GB of whitespace between elements', evalCells(file, 'S!B1:C1'), cellsOf));
}

rmSync(work, { recursive: true, force: true });
const result = { generatedAt: new Date().toISOString(), loadAverage: loadavg().map((x) => Math.round(x * 100) / 100), node: process.version, rows };
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'hostile.json'), JSON.stringify(result, null, 2));
if (process.argv.includes('--json')) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`| # | fixture | outcome | peak RSS | wall |\n|---|---|---|---|---|`);
  for (const r of rows) console.log(`| ${r.item} | ${r.fixture} | ${r.outcome} | ${r.peakRssMb ?? '?'} MB | ${r.wallS ?? '?'} s |`);
  console.log(`load average ${result.loadAverage.join(', ')}`);
}
