/**
 * Cells with computed references (OFFSET, INDIRECT) that read each other see the final
 * value of what they read, whatever order the compiler chose (issue #15 item 6): Excel's
 * calculation chain computes a cell's precedent first when it finds it uncalculated,
 * and so does the engine (runtime demand.ts). Expected values follow from the
 * recurrences by hand.
 */
import test from 'ava';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FixtureWorkbook } from '../scripts/lib/xlsx-writer.js';
import { buildEngine } from './helpers/build.js';

const N = 400;

function chains(): FixtureWorkbook {
  const s: Record<string, string | number> = {};
  const t: Record<string, string | number> = {};
  for (let k = 1; k <= N; k++) {
    // A: counters reading the row above through INDIRECT: A(k) = k.
    s[`A${k}`] = k === 1 ? 1 : `=IF(ROW()>0,INDIRECT("A"&ROW()-1)+1,0)`;
    // B: reading the row below: B(k) = N + 1 - k.
    s[`B${k}`] = k === N ? 1 : `=INDIRECT("B"&(ROW()+1))+1`;
    // C: OFFSET from a fixed anchor to the row above: C(k) = k.
    s[`C${k}`] = k === 1 ? 1 : `=OFFSET($C$1,ROW()-2,0)+1`;
    // D: OFFSET to the row below: D(k) = N + 1 - k.
    s[`D${k}`] = k === N ? 1 : `=OFFSET($D$1,ROW(),0)+1`;
    // E and T!A across sheets: E(k) = T!A(k-1) + 1, T!A(k) = E(k) + 1, so E(k) = 2(k-1), T!A(k) = 2k-1.
    s[`E${k}`] = k === 1 ? 0 : `=INDIRECT("T!A"&(ROW()-1))+1`;
    t[`A${k}`] = `=INDIRECT("S!E"&ROW())+1`;
    // F: an ordinary formula reading the dynamic column A; G: a dynamic cell reading F below.
    s[`F${k}`] = `=A${k}*10`;
    s[`G${k}`] = k === N ? 0 : `=INDIRECT("F"&(ROW()+1))`;
  }
  // Lookups over the counter columns.
  s.H1 = `=MATCH(${N - 7},A1:A${N},0)`;
  s.H2 = `=VLOOKUP(33,A1:F${N},6,FALSE)`;
  s.H3 = `=COUNTIF(B1:B${N},">"&${N / 2})`;
  s.H4 = `=SUM(C1:C${N})-SUM(D1:D${N})`;
  s.H5 = `=SUMPRODUCT((E1:E${N}+1=T!A1:A${N})*1)`;
  return { sheets: [{ name: 'S', cells: s }, { name: 'T', cells: t }] };
}

test('chains of INDIRECT and OFFSET in both directions see final values', async (t) => {
  const e = await buildEngine(chains());
  const r = e.run();
  for (const k of [1, 2, 32, 33, 34, 100, 257, N - 1, N]) {
    t.is(r.get(`S!A${k}`), k, `A${k}`);
    t.is(r.get(`S!B${k}`), N + 1 - k, `B${k}`);
    t.is(r.get(`S!C${k}`), k, `C${k}`);
    t.is(r.get(`S!D${k}`), N + 1 - k, `D${k}`);
    t.is(r.get(`S!E${k}`), 2 * (k - 1), `E${k}`);
    t.is(r.get(`T!A${k}`), 2 * k - 1, `T!A${k}`);
    t.is(r.get(`S!F${k}`), 10 * k, `F${k}`);
    t.is(r.get(`S!G${k}`), k === N ? 0 : 10 * (k + 1), `G${k}`);
  }
  t.is(r.get('S!H1'), N - 7);
  t.is(r.get('S!H2'), 330);
  t.is(r.get('S!H3'), N / 2);
  t.is(r.get('S!H4'), 0);
  t.is(r.get('S!H5'), N);
});

test('inputs flow through the chains', async (t) => {
  const e = await buildEngine(chains());
  const r = e.run({ 'S!A1': 100, 'S!B400': 5, 'S!E1': 10 });
  t.is(r.get('S!A400'), 499);
  t.is(r.get('S!B1'), 404);
  t.is(r.get('S!E3'), 14); // E(k) = 10 + 2(k-1)
  t.is(r.get('S!F2'), 1010);
  // A(k) = 99 + k: 393 is in row 294; 33 is no longer in the column.
  t.is(r.get('S!H1'), 294);
  t.is((r.get('S!H2') as { code?: string }).code, '#N/A');
});

test('a lazy engine computes the chains the same way', async (t) => {
  const e = await buildEngine(chains(), { lazy: true });
  const lazy = (await import(pathToFileURL(join(e.dir, 'engine.js')).href)) as {
    load(scope: { cells: string[] }): Promise<void>;
    run(): { get(ref: string): unknown };
  };
  await lazy.load({ cells: ['S!A400', 'S!B1', 'S!G1'] });
  const r = lazy.run();
  t.is(r.get('S!A400'), 400);
  t.is(r.get('S!B1'), N);
  t.is(r.get('S!G1'), 20);
});

test('a cycle through computed references is read as it stands', async (t) => {
  // A1 reads A2 and A2 reads A1, both through INDIRECT: a circular reference Excel
  // cannot resolve without iteration. The engine terminates (no endless demand).
  const e = await buildEngine({ sheets: [{ name: 'S', cells: { A1: '=INDIRECT("A2")+1', A2: '=INDIRECT("A1")+1', B1: '=ROWS(A1:A2)' } }] });
  const r = e.run();
  t.is(r.get('S!B1'), 2);
  t.is(typeof r.get('S!A1'), 'number');
});
