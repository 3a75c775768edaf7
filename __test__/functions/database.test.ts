import test from 'ava';
import { ERR, Matrix, Ref, parseArea, type Scalar, type Value } from '../../ts/runtime/index.js';
import { call, callIn, col, ctx, range, sheetOf } from '../helpers/runtime.js';

/** Relative comparison for floating-point results. */
function close(a: Value, b: Scalar): boolean {
  if (typeof a !== 'number' || typeof b !== 'number') return a === b;
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Evaluates a corpus formula `DFN(arg, arg, arg)` over a sheet: arguments are A1 ranges,
 * numbers, `1/3`, quoted text or TRUE/FALSE (enough for the corpus formulas below).
 */
function evalFormula(rows: Scalar[][], formula: string): Value {
  const m = /^(\w+)\((.*)\)$/.exec(formula)!;
  const sheet = sheetOf(rows);
  const args = m[2]!.split(',').map((raw): Value => {
    const a = raw.trim();
    if (a.startsWith('"')) return a.slice(1, -1);
    if (a === 'TRUE' || a === 'FALSE') return a === 'TRUE';
    if (a === '1/3') return 1 / 3;
    const area = /^[+-]?\.?\d/.test(a) ? null : parseArea(a.replace(/\$/g, ''));
    if (area) return new Ref(sheet, area.r0, area.c0, area.r1, area.c1);
    return Number(a);
  });
  return callIn(ctx(), m[1]!, ...args);
}

// Generated from the IronCalc DATABASE corpus: sheet data (A1:P25) and every D-function formula with Excel's stored result.
const SALES: Scalar[][] = [
  ["Region", "Salesperson", "Quarter", "Product", "Units", "Revenue", "Date", "Contractor", true, 1, "true", 0.33333333333333331, "One", "One", "City", "Numbers"],
  ["East", "Alice", "Q1", "Widget", 120, 12000, 45306, true, "a", null, "b", 1, "a", null, "Berlin", true],
  ["West", "Bob", "Q1", "Gadget", 80, 9600, 45324, false, "b", "b", "b", 1, null, "a", "Caracas", false],
  ["East", "Cara", "Q2", "Widget", 200, 20000, 45392, true, "A", "B", "a", 1, "a", null, "Berlin", 7],
  ["South", "Dan", "Q1", "Widget", 150, 15000, 45369, true, "A", null, "a", 1, "a", null, "BERLIN", 1],
  ["West", "Ella", "Q2", "Gadget", 50, 6000, 45434, false, "a", "BB", 12, 1, "aa", null, " Berlin", ERR.NA],
  ["East", "Frank", "Q3", "Gizmo", 300, 30000, 45481, true, ERR.NA, "balpha", 1, 1, null, "a", " Berlin ", null],
  ["North", "Gina", "Q3", "Widget", 100, 11000, 45503, false, "b", null, ERR.NA, 2, null, null, "Berlino", "42"],
  ["West", "Hank", "Q3", "Widget", 400, 38000, 45515, false, 23, null, "b", 1, "Aa", "a", "Valencia", null],
  ["East", "Ivy", "Q4", "Gadget", 250, 24000, 45571, true, 455, 23, "A", 12, " aa", "a", "Montreal", -2],
  ["South", "Jake", "Q4", "Widget", 200, 19800, 45621, true, 2, null, ERR.DIV0, null, "aaa", null, "Berl\u00edn", null],
  [null, null, null, null, null, 185400, null, null, null, null, null, null, null, null, null, null],
  [1, 2, null, 3, null, 4, 5, null, 6, 7, 8, 9, 10, 11, 12, null],
  ["Region", "Region", "Product", "Region", "Quarter", "Units", "Units", "Revenue", "Date", "Product", "Revenue", "Revenue", "Region", "Revnu", "Salesperson", null],
  ["East", "East", "Widget", "East", "Q1", ">100", ">100", "<20000", ">=2024-07-01", "G*", null, "Text", "Central", null, "*ank", null],
  [null, null, null, "West", "Q2", null, null, null, null, null, null, null, null, null, null, null],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28],
  ["Contractor", "Contractor", "Units", "Region", null, "Units", "Date", "Region", "REGION", "Region", "Region", null, "Region", "Region", ERR.VALUE, "Salesperson"],
  [true, 1, "\"=200\"", "East", null, "ABC", "Banana", "East", "West", "WEST", "East", "East", "East", ERR.VALUE, "East", "*"],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [null, null, null, null, null, null, null, null, 29, 30, 31, 32, 33, 34, 35, 36],
  [null, null, null, null, null, null, null, null, true, "true", 1, "One", "City", "Numbers", "Region", "Salesperson"],
  [null, null, null, null, null, null, null, null, "a", "<>a", "b", "aa", "Berlin", ">-1", "East", ">E"],
];
const SALES_COUNT: Scalar[][] = [
  ["Region", "Salesperson", "Quarter", "Product", "Units", "Revenue", "Benefits", "Date", "Contractor", true, 1, "true", 0.33333333333333331, "One", "One", "City", "Numbers"],
  ["East", "Alice", "Q1", "Widget", 120, 12000, 12000, 45306, true, "a", null, "b", 1, "a", null, "Berlin", true],
  ["West", "Bob", "Q1", "Gadget", 80, 9600, 9600, 45324, false, "b", "b", "b", 1, null, "a", "Caracas", false],
  ["East", "Cara", "Q2", "Widget", 200, 20000, null, 45392, true, "A", "B", "a", 1, "a", null, "Berlin", 7],
  ["South", "Dan", "Q1", "Widget", 150, 15000, null, 45369, true, "A", null, "a", 1, "a", null, "BERLIN", 1],
  ["West", "Ella", "Q2", "Gadget", 50, 6000, null, 45434, false, "a", "BB", 12, 1, "aa", null, " Berlin", ERR.NA],
  ["East", "Frank", "Q3", "Gizmo", 300, 30000, null, 45481, true, ERR.NA, "balpha", 1, 1, null, "a", " Berlin ", null],
  ["North", "Gina", "Q3", "Widget", 100, 11000, 11000, 45503, false, "b", null, ERR.NA, 2, null, null, "Berlino", "42"],
  ["West", "Hank", "Q3", "Widget", 400, 38000, null, 45515, false, 23, null, "b", 1, "Aa", "a", "Valencia", null],
  ["East", "Ivy", "Q4", "Gadget", 250, 24000, null, 45571, true, 455, 23, "A", 12, " aa", "a", "Montreal", -2],
  ["South", "Jake", "Q4", "Widget", 200, 19800, 19800, 45621, true, 2, null, ERR.DIV0, null, "aaa", null, "Berl\u00edn", null],
  [null, null, null, null, null, 185400, null, null, null, null, null, null, null, null, null, null, null],
  [1, 2, null, 3, null, 4, null, 5, null, 6, 7, 8, 9, 10, 11, 12, null],
  ["Region", "Region", "Product", "Region", "Quarter", "Units", null, "Units", "Revenue", "Date", "Product", "Revenue", "Revenue", "Region", "Revnu", "Salesperson", null],
  ["East", "East", "Widget", "East", "Q1", ">100", null, ">100", "<20000", ">=2024-07-01", "G*", null, "Text", "Central", null, "*ank", null],
  [null, null, null, "West", "Q2", null, null, null, null, null, null, null, null, null, null, null, null],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [13, 14, 15, 16, 17, 18, null, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28],
  ["Contractor", "Contractor", "Units", "Region", null, "Units", null, "Date", "Region", "REGION", "Region", "Region", null, "Region", "Region", ERR.VALUE, "Salesperson"],
  [true, 1, "\"=200\"", "East", null, "ABC", null, "Banana", "East", "West", "WEST", "East", "East", "East", ERR.VALUE, "East", "*"],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [null, null, null, null, null, null, null, null, null, 29, 30, 31, 32, 33, 34, 35, 36],
  [null, null, null, null, null, null, null, null, null, true, "true", 1, "One", "City", "Numbers", "Region", "Salesperson"],
  [null, null, null, null, null, null, null, null, null, "a", "<>a", "b", "aa", "Berlin", ">-1", "East", ">E"],
];
const SALES_DGET: Scalar[][] = [
  ["Region", "Salesperson", "Quarter", "Product", "Units", "Revenue", "Date", "Contractor", true, 1, "true", 0.33333333333333331, "One", "One", "City", "Numbers"],
  ["East", "Alice", "Q1", "Widget", 120, 12000, 45306, true, "a", null, "b", 1, "a", null, "Berlin", true],
  ["West", "Bob", "Q1", "Gadget", 80, 9600, 45324, false, "b", "b", "b", 1, null, "a", "Caracas", false],
  ["East", "Cara", "Q2", "Widget", 200, 20000, 45392, true, "A", "B", "a", 1, "a", null, null, 7],
  ["South", "Dan", "Q1", "Widget", 150, 15000, 45369, true, "A", null, "a", 1, "a", null, "BERLIN", 1],
  ["West", "Ella", "Q2", "Gadget", 50, 6000, 45434, false, "a", "BB", 12, 1, "aa", null, " Berlin", ERR.NA],
  ["East", "Frank", "Q3", "Gizmo", 300, 30000, 45481, true, ERR.NA, "balpha", 1, 1, null, "a", " Berlin ", null],
  ["North", "Gina", "Q3", "Widget", 100, 11000, 45503, false, "b", null, ERR.NA, 2, null, null, "Berlino", "42"],
  ["West", "Hank", "Q3", "Widget", 400, 38000, 45515, false, 23, null, "b", 1, "Aa", "a", "Valencia", null],
  ["East", "Ivy", "Q4", "Gadget", 250, 24000, 45571, true, 455, 23, "A", 12, " aa", "a", "Montreal", -2],
  ["South", "Jake", "Q4", "Widget", 200, 19800, 45621, true, 2, null, ERR.DIV0, null, "aaa", null, "Berl\u00edn", null],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [1, 2, 3, 4, 5, null, 6, null, 7, 8, null, 9, 11, 12, 13, 14],
  ["Region", "Region", "Region", "Rgn", "Region", "Product", "Region", "Product", "Units", "Units", "Revenue", "Date", "Salesperson", "Revenue", "Region", "Revnu"],
  ["North", "East", "North-East", "North-East", "North", "Widget", "North", "Widget", 100, ">100", ">35000", 45474, "J*", null, "Central", null],
  [null, null, null, null, null, null, "South", "Gizmo", null, null, null, "Date", "Salesperson", null, null, null],
  [null, null, null, null, null, null, null, null, null, null, null, ">11/1/2024", "*", null, null, null],
  [null, null, null, null, null, null, null, null, null, null, null, 10, 12, null, null, null],
  [15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, null, null],
  ["Contractor", "Contractor", "Units", "Units", "Date", "REGION", "Region", "Region", null, null, "Region", "Region", ERR.VALUE, "Salesperson", null, null],
  [true, 1, "\"=400\"", "ABC", "Banana", "West", "WEST", "East", "East", "East", "East", ERR.VALUE, "East", ">J", null, null],
];
const SALES_DPRODUCT: Scalar[][] = [
  ["Region", "Salesperson", "Quarter", "Product", "Units", "Revenue", "Date", "Contractor", true, 1, "true", 0.33333333333333331, "One", "One", "City", "Numbers"],
  ["East", "Alice", "Q1", "Widget", 120, 12000, 45306, true, "a", null, "b", 1, "a", null, "Berlin", true],
  ["West", "Bob", "Q1", "Gadget", 80, 9600, 45324, false, "b", "b", "b", 1, null, "a", "Caracas", false],
  ["East", "Cara", "Q2", "Widget", 200, 20000, 45392, true, "A", "B", "a", 1, "a", null, "Berlin", 7],
  ["South", "Dan", "Q1", "Widget", 150, 15000, 45369, true, "A", null, "a", 1, "a", null, "BERLIN", 1],
  ["West", "Ella", "Q2", "Gadget", 50, 6000, 45434, false, "a", "BB", 12, 1, "aa", null, " Berlin", ERR.NA],
  ["East", "Frank", "Q3", "Gizmo", 300, 30000, 45481, true, ERR.NA, "balpha", 1, 1, null, "a", " Berlin ", null],
  ["North", "Gina", "Q3", "Widget", 100, 11000, 45503, false, "b", null, ERR.NA, 2, null, null, "Berlino", "42"],
  ["West", "Hank", "Q3", "Widget", 400, 38000, 45515, false, 23, null, "b", 1, "Aa", "a", "Valencia", null],
  ["East", "Ivy", "Q4", "Gadget", 250, 24000, 45571, true, 455, 23, "A", 12, " aa", "a", "Montreal", -2],
  ["South", "Jake", "Q4", "Widget", 200, 19800, 45621, true, 2, null, ERR.DIV0, null, "aaa", null, "Berl\u00edn", null],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [1, 2, 3, 4, 5, null, 6, null, 7, 8, null, 9, 11, 12, 13, 14],
  ["Region", "Region", "Region", "Rgn", "Region", "Product", "Region", "Product", "Units", "Units", "Revenue", "Date", "Salesperson", "Revenue", "Region", "Revnu"],
  ["North", "East", "North-East", "North-East", "North", "WiDPRODUCT", "North", "WiDPRODUCT", 100, ">100", ">35000", 45474, "J*", null, "Central", null],
  [null, null, null, null, null, null, "South", "Gizmo", null, null, null, "Date", "Salesperson", null, null, null],
  [null, null, null, null, null, null, null, null, null, null, null, ">11/1/2024", "*", null, null, null],
  [null, null, null, null, null, null, null, null, null, null, null, 10, 12, null, null, null],
  [15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, null, null],
  ["Contractor", "Contractor", "Units", "Units", "Date", "REGION", "Region", "Region", null, null, "Region", "Region", ERR.VALUE, "Salesperson", null, null],
  [true, 1, "\"=400\"", "ABC", "Banana", "West", "WEST", "East", "East", "East", "East", ERR.VALUE, "East", "*", null, null],
  [null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [null, "DPRODUCT", null, null, null, null, null, null, null, null, null, null, null, null, null, null],
  [1, 11000, "1 match", null, null, null, 29, 30, 31, 32, 33, 34, 35, 36, null, null],
  [2, 1.728E+17, ">1 matches", null, null, null, true, "true", 1, "One", "City", "Numbers", "Region", "Salesperson", null, null],
  [3, 0, "No match", null, null, null, "a", "<>a", "b", "aa", "Berlin", ">-1", "East", ">I", null, null],
];
/** Microsoft's DAVERAGE documentation example (DAVERAGE.xlsx). */
const TREES: Scalar[][] = [
  ["Tree", "Height", "Age", "Yield", "Profit", "Height", null, "Tree"],
  ["=Apple", ">10", null, null, null, "<16", null, "*pp*"],
  ["=Pear", null, null, null, null, null, null, null],
  ["Tree", "Height", "Age", "Yield", "Profit", null, null, null],
  ["Apple", 18, 20, 14, 105, null, null, null],
  ["Pear", 12, 12, 10, 96, null, null, null],
  ["Cherry", 13, 14, 9, 105, null, null, null],
  ["Apple", 14, 15, 10, 75, null, null, null],
  ["Pear", 9, 8, 8, 76.8, null, null, null],
  ["Apple", 8, 9, 6, 45, null, null, null],
];
const CASES: [Scalar[][], [string, Scalar][]][] = [
  [SALES, [
    ['DMIN($A$1:$G$11,$F$1,A14:A15)', 12000], // B28
    ['DMAX($A$1:$G$11,$F$1,A14:A15)', 30000], // C28
    ['DAVERAGE($A$1:$G$11,$F$1,A14:A15)', 21500], // D28
    ['DSUM($A$1:$G$11,$F$1,A14:A15)', 86000], // E28
    ['DMIN($A$1:$G$11,$E$1,B14:C15)', 120], // B29
    ['DMAX($A$1:$G$11,E1,B14:C15)', 200], // C29
    ['DAVERAGE($A$1:$G$11,E1,B14:C15)', 160], // D29
    ['DSUM($A$1:$G$11,E1,B14:C15)', 320], // E29
    ['DMIN(A1:G11,F1,D14:E16)', 6000], // B30
    ['DMAX($A$1:$G$11,F1,D14:E16)', 12000], // C30
    ['DAVERAGE($A$1:$G$11,F1,D14:E16)', 9000], // D30
    ['DSUM($A$1:$G$11,F1,D14:E16)', 18000], // E30
    ['DMIN(A1:G11,F1,F14:F15)', 12000], // B31
    ['DMAX(A1:G11,F1,F14:F15)', 38000], // C31
    ['DAVERAGE(A1:G11,F1,F14:F15)', 22685.714285714286], // D31
    ['DSUM(A1:G11,F1,F14:F15)', 158800], // E31
    ['DMIN(A1:G11,F1,G14:H15)', 12000], // B32
    ['DMAX(A1:G11,F1,G14:H15)', 19800], // C32
    ['DAVERAGE(A1:G11,F1,G14:H15)', 15600], // D32
    ['DSUM(A1:G11,F1,G14:H15)', 46800], // E32
    ['DMIN(A1:G11,F1,I14:I15)', 11000], // B33
    ['DMAX(A1:G11,F1,I14:I15)', 38000], // C33
    ['DAVERAGE(A1:G11,F1,I14:I15)', 24560], // D33
    ['DSUM(A1:G11,F1,I14:I15)', 122800], // E33
    ['DMIN(A1:G11,F1,J14:J15)', 6000], // B34
    ['DMAX(A1:G11,F1,J14:J15)', 30000], // C34
    ['DAVERAGE(A1:G11,F1,J14:J15)', 17400], // D34
    ['DSUM(A1:G11,F1,J14:J15)', 69600], // E34
    ['DMIN(A1:G11,F1,K14:K15)', 6000], // B35
    ['DMAX(A1:G11,F1,K14:K15)', 38000], // C35
    ['DAVERAGE(A1:G11,F1,K14:K15)', 18540], // D35
    ['DSUM(A1:G11,F1,K14:K15)', 185400], // E35
    ['DMIN(A1:G11,F1,L14:L15)', 0], // B36
    ['DMAX(A1:G11,F1,L14:L15)', 0], // C36
    ['DAVERAGE(A1:G11,F1,L14:L15)', ERR.DIV0], // D36
    ['DSUM(A1:G11,F1,L14:L15)', 0], // E36
    ['DMIN(A1:G11,F1,M14:M15)', 0], // B37
    ['DMAX(A1:G11,F1,M14:M15)', 0], // C37
    ['DAVERAGE(A1:G11,F1,M14:M15)', ERR.DIV0], // D37
    ['DSUM(A1:G11,F1,M14:M15)', 0], // E37
    ['DMIN(A1:G11,F1,N14:N15)', 6000], // B38
    ['DMAX(A1:G11,F1,N14:N15)', 38000], // C38
    ['DAVERAGE(A1:G11,F1,N14:N15)', 18540], // D38
    ['DSUM(A1:G11,F1,N14:N15)', 185400], // E38
    ['DMIN(A1:G11,F1,O14:O15)', 30000], // B39
    ['DMAX(A1:G11,F1,O14:O15)', 38000], // C39
    ['DAVERAGE(A1:G11,F1,O14:O15)', 34000], // D39
    ['DSUM(A1:G11,F1,O14:O15)', 68000], // E39
    ['DMIN(A1:H11,F1,A19:A20)', 12000], // B40
    ['DMAX(A1:H11,F1,A19:A20)', 30000], // C40
    ['DAVERAGE(A1:H11,F1,A19:A20)', 20133.333333333332], // D40
    ['DSUM(A1:H11,F1,A19:A20)', 120800], // E40
    ['DMIN(A1:H11,F1,B19:B20)', 0], // B41
    ['DMAX(A1:H11,F1,B19:B20)', 0], // C41
    ['DAVERAGE(A1:H11,F1,B19:B20)', ERR.DIV0], // D41
    ['DSUM(A1:H11,F1,B19:B20)', 0], // E41
    ['DMIN(A1:H11,F1,C19:C20)', 0], // B42
    ['DMAX(A1:H11,F1,C19:C20)', 0], // C42
    ['DAVERAGE(A1:H11,F1,C19:C20)', ERR.DIV0], // D42
    ['DSUM(A1:H11,F1,C19:C20)', 0], // E42
    ['DMIN(A1:H1,F1,D19:D20)', ERR.VALUE], // B43
    ['DMAX(A1:H1,F1,D19:D20)', ERR.VALUE], // C43
    ['DAVERAGE(A1:H1,F1,D19:D20)', ERR.VALUE], // D43
    ['DSUM(A1:H1,F1,D19:D20)', ERR.VALUE], // E43
    ['DMIN(A1:H1,A22,E19:E20)', ERR.VALUE], // B44
    ['DMAX(A1:H1,A22,E19:E20)', ERR.VALUE], // C44
    ['DAVERAGE(A1:H1,A22,E19:E20)', ERR.VALUE], // D44
    ['DSUM(A1:H1,A22,E19:E20)', ERR.VALUE], // E44
    ['DMIN(A1:H11,F1,F19:F20)', 0], // B45
    ['DMAX(A1:H11,F1,F19:F20)', 0], // C45
    ['DAVERAGE(A1:H11,F1,F19:F20)', ERR.DIV0], // D45
    ['DSUM(A1:H11,F1,F19:F20)', 0], // E45
    ['DMIN(A1:H11,F1,G19:G20)', 0], // B46
    ['DMAX(A1:H11,F1,G19:G20)', 0], // C46
    ['DAVERAGE(A1:H11,F1,G19:G20)', ERR.DIV0], // D46
    ['DSUM(A1:H11,F1,G19:G20)', 0], // E46
    ['DMIN(A2:H11,F1,H19:H20)', ERR.VALUE], // B47
    ['DMAX(A2:H11,F1,H19:H20)', ERR.VALUE], // C47
    ['DAVERAGE(A2:H11,F1,H19:H20)', ERR.VALUE], // D47
    ['DSUM(A2:H11,F1,H19:H20)', ERR.VALUE], // E47
    ['DMIN(A1:H11,F1,I19:I20)', 6000], // B48
    ['DMAX(A1:H11,F1,I19:I20)', 38000], // C48
    ['DAVERAGE(A1:H11,F1,I19:I20)', 17866.666666666668], // D48
    ['DSUM(A1:H11,F1,I19:I20)', 53600], // E48
    ['DMIN(A1:H11,F1,J19:J20)', 6000], // B49
    ['DMAX(A1:H11,F1,J19:J20)', 38000], // C49
    ['DAVERAGE(A1:H11,F1,J19:J20)', 17866.666666666668], // D49
    ['DSUM(A1:H11,F1,J19:J20)', 53600], // E49
    ['DMIN(A1:H11,F1,K19:K20)', 12000], // B50
    ['DMAX(A1:H11,F1,K19:K20)', 30000], // C50
    ['DAVERAGE(A1:H11,F1,K19:K20)', 21500], // D50
    ['DSUM(A1:H11,F1,K19:K20)', 86000], // E50
    ['DMIN(A1:H11,F1,L19:L20)', 0], // B51
    ['DMAX(A1:H11,F1,L19:L20)', 0], // C51
    ['DAVERAGE(A1:H11,F1,L19:L20)', ERR.DIV0], // D51
    ['DSUM(A1:H11,F1,L19:L20)', 0], // E51
    ['DMIN(A1:H11,6,M19:M20)', 12000], // B52
    ['DMAX(A1:H11,6,M19:M20)', 30000], // C52
    ['DAVERAGE(A1:H11,6,M19:M20)', 21500], // D52
    ['DSUM(A1:H11,6,M19:M20)', 86000], // E52
    ['DMIN(A1:H11,0,M19:M20)', ERR.VALUE], // B53
    ['DMAX(A1:H11,0,M19:M20)', ERR.VALUE], // C53
    ['DAVERAGE(A1:H11,0,M19:M20)', ERR.VALUE], // D53
    ['DSUM(A1:H11,0,M19:M20)', ERR.VALUE], // E53
    ['DMIN(A1:H11,9,M19:M20)', ERR.VALUE], // B54
    ['DMAX(A1:H11,9,M19:M20)', ERR.VALUE], // C54
    ['DAVERAGE(A1:H11,9,M19:M20)', ERR.VALUE], // D54
    ['DSUM(A1:H11,9,M19:M20)', ERR.VALUE], // E54
    ['DMIN(A1:H11,F1,P19:P20)', 6000], // B55
    ['DMAX(A1:H11,F1,P19:P20)', 38000], // C55
    ['DAVERAGE(A1:H11,F1,P19:P20)', 18540], // D55
    ['DSUM(A1:H11,F1,P19:P20)', 185400], // E55
    ['DMIN(A1:K11,F1,I24:I25)', 6000], // B56
    ['DMAX(A1:K11,F1,I24:I25)', 20000], // C56
    ['DAVERAGE(A1:K11,F1,I24:I25)', 13250], // D56
    ['DSUM(A1:K11,F1,I24:I25)', 53000], // E56
    ['DMIN(A1:K11,F1,J24:J25)', 9600], // B57
    ['DMAX(A1:K11,F1,J24:J25)', 38000], // C57
    ['DAVERAGE(A1:K11,F1,J24:J25)', 22066.666666666668], // D57
    ['DSUM(A1:K11,F1,J24:J25)', 132400], // E57
    ['DMIN(A1:O11,F1,K24:K25)', 6000], // B58
    ['DMAX(A1:O11,F1,K24:K25)', 30000], // C58
    ['DAVERAGE(A1:O11,F1,K24:K25)', 16400], // D58
    ['DSUM(A1:O11,F1,K24:K25)', 65600], // E58
    ['DMIN(A1:O11,F1,L24:L25)', 6000], // B59
    ['DMAX(A1:O11,F1,L24:L25)', 38000], // C59
    ['DAVERAGE(A1:O11,F1,L24:L25)', 21266.666666666668], // D59
    ['DSUM(A1:O11,F1,L24:L25)', 63800], // E59
    ['DMIN(A1:O11,F1,M24:M25)', 11000], // B60
    ['DMAX(A1:O11,F1,M24:M25)', 20000], // C60
    ['DAVERAGE(A1:O11,F1,M24:M25)', 14500], // D60
    ['DSUM(A1:O11,F1,M24:M25)', 58000], // E60
    ['DMIN(A1:P11,P1,N24:N25)', 1], // B61
    ['DMAX(A1:P11,P1,N24:N25)', 7], // C61
    ['DAVERAGE(A1:P11,P1,N24:N25)', 4], // D61
    ['DSUM(A1:P11,P1,N24:N25)', 8], // E61
    ['DMIN($A$1:$G$11,6.7,O24:O25)', 12000], // B62
    ['DMAX($A$1:$G$11,6.1,O24:O25)', 30000], // C62
    ['DAVERAGE($A$1:$G$11,-1,O24:O25)', ERR.VALUE], // D62
    ['DSUM($A$1:$G$11,6.99,O24:O25)', 86000], // E62
    ['DMIN($A$1:$G$1,$F$1,$A$14:$A$15)', ERR.VALUE], // B63
    ['DMAX($A$1:$G$1,$F$1,$A$14:$A$15)', ERR.VALUE], // C63
    ['DAVERAGE($A$1:$G$1,$F$1,$A$14:$A$15)', ERR.VALUE], // D63
    ['DSUM($A$1:$G$1,$F$1,$A$14:$A$15)', ERR.VALUE], // E63
    ['DMIN($A$1:$G$11,$E$1:$F$1,$A$14:$A$15)', ERR.VALUE], // B64
    ['DMAX($A$1:$G$11,$E$1:$F$1,$A$14:$A$15)', ERR.VALUE], // C64
    ['DAVERAGE($A$1:$G$11,$E$1:$F$1,$A$14:$A$15)', ERR.VALUE], // D64
    ['DMIN($A$1:$G$11,6.5,$A$14:$A$15)', 12000], // B65
    ['DMAX($A$1:$G$11,6.5,$A$14:$A$15)', 30000], // C65
    ['DAVERAGE($A$1:$G$11,6.5,$A$14:$A$15)', 21500], // D65
    ['DSUM($A$1:$G$11,6.5,$A$14:$A$15)', 86000], // E65
    ['DMIN($A$1:$G$11,6.0000001,$A$14:$A$15)', 12000], // B66
    ['DMAX($A$1:$G$11,6.0000001,$A$14:$A$15)', 30000], // C66
    ['DAVERAGE($A$1:$G$11,6.0000001,$A$14:$A$15)', 21500], // D66
    ['DSUM($A$1:$G$11,6.0000001,$A$14:$A$15)', 86000], // E66
    ['DMIN($A$1:$G$11,$F$1,$A$14:$A$17)', 6000], // B67
    ['DMAX($A$1:$G$11,$F$1,$A$14:$A$17)', 38000], // C67
    ['DAVERAGE($A$1:$G$11,$F$1,$A$14:$A$17)', 18540], // D67
    ['DSUM($A$1:$G$11,$F$1,$A$14:$A$17)', 185400], // E67
    ['DMIN($A$1:$G$11,$F$1,P24:P25)', 6000], // B68
    ['DMAX($A$1:$G$11,$F$1,P24:P25)', 38000], // C68
    ['DAVERAGE($A$1:$G$11,$F$1,P24:P25)', 21466.666666666668], // D68
    ['DSUM($A$1:$G$11,$F$1,P24:P25)', 128800], // E68
    ['DVAR($A$1:$G$11,$F$1,A14:A15)', 57000000], // B28
    ['DVARP($A$1:$G$11,$F$1,A14:A15)', 42750000], // C28
    ['DSTDEV($A$1:$G$11,$F$1,A14:A15)', 7549.83443527075], // D28
    ['DSTDEVP($A$1:$G$11,$F$1,A14:A15)', 6538.3484153110103], // E28
    ['DVAR($A$1:$G$11,$E$1,B14:C15)', 3200], // B29
    ['DVARP($A$1:$G$11,E1,B14:C15)', 1600], // C29
    ['DSTDEV($A$1:$G$11,E1,B14:C15)', 56.568542494923804], // D29
    ['DSTDEVP($A$1:$G$11,E1,B14:C15)', 40], // E29
    ['DVAR(A1:G11,F1,D14:E16)', 18000000], // B30
    ['DVARP($A$1:$G$11,F1,D14:E16)', 9000000], // C30
    ['DSTDEV($A$1:$G$11,F1,D14:E16)', 4242.6406871192848], // D30
    ['DSTDEVP($A$1:$G$11,F1,D14:E16)', 3000], // E30
    ['DVAR(A1:G11,F1,F14:F15)', 79758095.238095209], // B31
    ['DVARP(A1:G11,F1,F14:F15)', 68364081.632653058], // C31
    ['DSTDEV(A1:G11,F1,F14:F15)', 8930.7387845628546], // D31
    ['DSTDEVP(A1:G11,F1,F14:F15)', 8268.2574725665781], // E31
    ['DVAR(A1:G11,F1,G14:H15)', 15480000], // B32
    ['DVARP(A1:G11,F1,G14:H15)', 10320000], // C32
    ['DSTDEV(A1:G11,F1,G14:H15)', 3934.4631145812004], // D32
    ['DSTDEVP(A1:G11,F1,G14:H15)', 3212.4756808418019], // E32
    ['DVAR(A1:G11,F1,I14:I15)', 104268000], // B33
    ['DVARP(A1:G11,F1,I14:I15)', 83414400], // C33
    ['DSTDEV(A1:G11,F1,I14:I15)', 10211.170354077931], // D33
    ['DSTDEVP(A1:G11,F1,I14:I15)', 9133.1484166195387], // E33
    ['DVAR(A1:G11,F1,J14:J15)', 131040000], // B34
    ['DVARP(A1:G11,F1,J14:J15)', 98280000], // C34
    ['DSTDEV(A1:G11,F1,J14:J15)', 11447.270417003348], // D34
    ['DSTDEVP(A1:G11,F1,J14:J15)', 9913.6269851149827], // E34
    ['DVAR(A1:G11,F1,K14:K15)', 99209333.333333328], // B35
    ['DVARP(A1:G11,F1,K14:K15)', 89288400], // C35
    ['DSTDEV(A1:G11,F1,K14:K15)', 9960.388211979156], // D35
    ['DSTDEVP(A1:G11,F1,K14:K15)', 9449.2539388038458], // E35
    ['DVAR(A1:G11,F1,L14:L15)', ERR.DIV0], // B36
    ['DVARP(A1:G11,F1,L14:L15)', ERR.DIV0], // C36
    ['DSTDEV(A1:G11,F1,L14:L15)', ERR.DIV0], // D36
    ['DSTDEVP(A1:G11,F1,L14:L15)', ERR.DIV0], // E36
    ['DVAR(A1:G11,F1,M14:M15)', ERR.DIV0], // B37
    ['DVARP(A1:G11,F1,M14:M15)', ERR.DIV0], // C37
    ['DSTDEV(A1:G11,F1,M14:M15)', ERR.DIV0], // D37
    ['DSTDEVP(A1:G11,F1,M14:M15)', ERR.DIV0], // E37
    ['DVAR(A1:G11,F1,N14:N15)', 99209333.333333328], // B38
    ['DVARP(A1:G11,F1,N14:N15)', 89288400], // C38
    ['DSTDEV(A1:G11,F1,N14:N15)', 9960.388211979156], // D38
    ['DSTDEVP(A1:G11,F1,N14:N15)', 9449.2539388038458], // E38
    ['DVAR(A1:G11,F1,O14:O15)', 32000000], // B39
    ['DVARP(A1:G11,F1,O14:O15)', 16000000], // C39
    ['DSTDEV(A1:G11,F1,O14:O15)', 5656.8542494923804], // D39
    ['DSTDEVP(A1:G11,F1,O14:O15)', 4000], // E39
    ['DVAR(A1:H11,F1,A19:A20)', 40986666.666666701], // B40
    ['DVARP(A1:H11,F1,A19:A20)', 34155555.555555552], // C40
    ['DSTDEV(A1:H11,F1,A19:A20)', 6402.082994359469], // D40
    ['DSTDEVP(A1:H11,F1,A19:A20)', 5844.2754517181638], // E40
    ['DVAR(A1:H11,F1,B19:B20)', ERR.DIV0], // B41
    ['DVARP(A1:H11,F1,B19:B20)', ERR.DIV0], // C41
    ['DSTDEV(A1:H11,F1,B19:B20)', ERR.DIV0], // D41
    ['DSTDEVP(A1:H11,F1,B19:B20)', ERR.DIV0], // E41
    ['DVAR(A1:H11,F1,C19:C20)', ERR.DIV0], // B42
    ['DVARP(A1:H11,F1,C19:C20)', ERR.DIV0], // C42
    ['DSTDEV(A1:H11,F1,C19:C20)', ERR.DIV0], // D42
    ['DSTDEVP(A1:H11,F1,C19:C20)', ERR.DIV0], // E42
    ['DVAR(A1:H1,F1,D19:D20)', ERR.VALUE], // B43
    ['DVARP(A1:H1,F1,D19:D20)', ERR.VALUE], // C43
    ['DSTDEV(A1:H1,F1,D19:D20)', ERR.VALUE], // D43
    ['DSTDEVP(A1:H1,F1,D19:D20)', ERR.VALUE], // E43
    ['DVAR(A1:H1,A22,E19:E20)', ERR.VALUE], // B44
    ['DVARP(A1:H1,A22,E19:E20)', ERR.VALUE], // C44
    ['DSTDEV(A1:H1,A22,E19:E20)', ERR.VALUE], // D44
    ['DSTDEVP(A1:H1,A22,E19:E20)', ERR.VALUE], // E44
    ['DVAR(A1:H11,F1,F19:F20)', ERR.DIV0], // B45
    ['DVARP(A1:H11,F1,F19:F20)', ERR.DIV0], // C45
    ['DSTDEV(A1:H11,F1,F19:F20)', ERR.DIV0], // D45
    ['DSTDEVP(A1:H11,F1,F19:F20)', ERR.DIV0], // E45
    ['DVAR(A1:H11,F1,G19:G20)', ERR.DIV0], // B46
    ['DVARP(A1:H11,F1,G19:G20)', ERR.DIV0], // C46
    ['DSTDEV(A1:H11,F1,G19:G20)', ERR.DIV0], // D46
    ['DSTDEVP(A1:H11,F1,G19:G20)', ERR.DIV0], // E46
    ['DVAR(A2:H11,F1,H19:H20)', ERR.VALUE], // B47
    ['DVARP(A2:H11,F1,H19:H20)', ERR.VALUE], // C47
    ['DSTDEV(A2:H11,F1,H19:H20)', ERR.VALUE], // D47
    ['DSTDEVP(A2:H11,F1,H19:H20)', ERR.VALUE], // E47
    ['DVAR(A1:H11,F1,I19:I20)', 307253333.33333331], // B48
    ['DVARP(A1:H11,F1,I19:I20)', 204835555.55555555], // C48
    ['DSTDEV(A1:H11,F1,I19:I20)', 17528.643225684449], // D48
    ['DSTDEVP(A1:H11,F1,I19:I20)', 14312.077262073299], // E48
    ['DVAR(A1:H11,F1,J19:J20)', 307253333.33333331], // B49
    ['DVARP(A1:H11,F1,J19:J20)', 204835555.55555555], // C49
    ['DSTDEV(A1:H11,F1,J19:J20)', 17528.643225684449], // D49
    ['DSTDEVP(A1:H11,F1,J19:J20)', 14312.077262073299], // E49
    ['DVAR(A1:H11,F1,K19:K20)', 57000000], // B50
    ['DVARP(A1:H11,F1,K19:K20)', 42750000], // C50
    ['DSTDEV(A1:H11,F1,K19:K20)', 7549.83443527075], // D50
    ['DSTDEVP(A1:H11,F1,K19:K20)', 6538.3484153110103], // E50
    ['DVAR(A1:H11,F1,L19:L20)', ERR.DIV0], // B51
    ['DVARP(A1:H11,F1,L19:L20)', ERR.DIV0], // C51
    ['DSTDEV(A1:H11,F1,L19:L20)', ERR.DIV0], // D51
    ['DSTDEVP(A1:H11,F1,L19:L20)', ERR.DIV0], // E51
    ['DVAR(A1:H11,6,M19:M20)', 57000000], // B52
    ['DVARP(A1:H11,6,M19:M20)', 42750000], // C52
    ['DSTDEV(A1:H11,6,M19:M20)', 7549.83443527075], // D52
    ['DSTDEVP(A1:H11,6,M19:M20)', 6538.3484153110103], // E52
    ['DVAR(A1:H11,0,M19:M20)', ERR.VALUE], // B53
    ['DVARP(A1:H11,0,M19:M20)', ERR.VALUE], // C53
    ['DSTDEV(A1:H11,0,M19:M20)', ERR.VALUE], // D53
    ['DSTDEVP(A1:H11,0,M19:M20)', ERR.VALUE], // E53
    ['DVAR(A1:H11,9,M19:M20)', ERR.VALUE], // B54
    ['DVARP(A1:H11,9,M19:M20)', ERR.VALUE], // C54
    ['DSTDEV(A1:H11,9,M19:M20)', ERR.VALUE], // D54
    ['DSTDEVP(A1:H11,9,M19:M20)', ERR.VALUE], // E54
    ['DVAR(A1:H11,F1,P19:P20)', 99209333.333333328], // B55
    ['DVARP(A1:H11,F1,P19:P20)', 89288400], // C55
    ['DSTDEV(A1:H11,F1,P19:P20)', 9960.388211979156], // D55
    ['DSTDEVP(A1:H11,F1,P19:P20)', 9449.2539388038458], // E55
    ['DVAR(A1:K11,F1,I24:I25)', 34250000], // B56
    ['DVARP(A1:K11,F1,I24:I25)', 25687500], // C56
    ['DSTDEV(A1:K11,F1,I24:I25)', 5852.3499553598122], // D56
    ['DSTDEVP(A1:K11,F1,I24:I25)', 5068.283733178323], // E56
    ['DVAR(A1:K11,F1,J24:J25)', 120714666.6666667], // B57
    ['DVARP(A1:K11,F1,J24:J25)', 100595555.55555555], // C57
    ['DSTDEV(A1:K11,F1,J24:J25)', 10987.022647954573], // D57
    ['DSTDEVP(A1:K11,F1,J24:J25)', 10029.7335735081], // E57
    ['DVAR(A1:O11,F1,K24:K25)', 117440000], // B58
    ['DVARP(A1:O11,F1,K24:K25)', 88080000], // C58
    ['DSTDEV(A1:O11,F1,K24:K25)', 10836.973747315253], // D58
    ['DSTDEVP(A1:O11,F1,K24:K25)', 9385.0945653200524], // E58
    ['DVAR(A1:O11,F1,L24:L25)', 257613333.33333337], // B59
    ['DVARP(A1:O11,F1,L24:L25)', 171742222.22222221], // C59
    ['DSTDEV(A1:O11,F1,L24:L25)', 16050.337483471598], // D59
    ['DSTDEVP(A1:O11,F1,L24:L25)', 13105.04567799068], // E59
    ['DVAR(A1:O11,F1,M24:M25)', 16333333.333333334], // B60
    ['DVARP(A1:O11,F1,M24:M25)', 12250000], // C60
    ['DSTDEV(A1:O11,F1,M24:M25)', 4041.4518843273804], // D60
    ['DSTDEVP(A1:O11,F1,M24:M25)', 3500], // E60
    ['DVAR(A1:P11,P1,N24:N25)', 18], // B61
    ['DVARP(A1:P11,P1,N24:N25)', 9], // C61
    ['DSTDEV(A1:P11,P1,N24:N25)', 4.2426406871192848], // D61
    ['DSTDEVP(A1:P11,P1,N24:N25)', 3], // E61
    ['DVAR($A$1:$G$11,6.7,O24:O25)', 57000000], // B62
    ['DVARP($A$1:$G$11,6.1,O24:O25)', 42750000], // C62
    ['DSTDEV($A$1:$G$11,-1,O24:O25)', ERR.VALUE], // D62
    ['DSTDEVP($A$1:$G$11,6.99,O24:O25)', 6538.3484153110103], // E62
    ['DVAR($A$1:$G$1,$F$1,$A$14:$A$15)', ERR.VALUE], // B63
    ['DVARP($A$1:$G$1,$F$1,$A$14:$A$15)', ERR.VALUE], // C63
    ['DSTDEV($A$1:$G$1,$F$1,$A$14:$A$15)', ERR.VALUE], // D63
    ['DSTDEVP($A$1:$G$1,$F$1,$A$14:$A$15)', ERR.VALUE], // E63
    ['DVAR($A$1:$G$11,$E$1:$F$1,$A$14:$A$15)', ERR.VALUE], // B64
    ['DVARP($A$1:$G$11,$E$1:$F$1,$A$14:$A$15)', ERR.VALUE], // C64
    ['DSTDEV($A$1:$G$11,$E$1:$F$1,$A$14:$A$15)', ERR.VALUE], // D64
    ['DVAR($A$1:$G$11,6.5,$A$14:$A$15)', 57000000], // B65
    ['DVARP($A$1:$G$11,6.5,$A$14:$A$15)', 42750000], // C65
    ['DSTDEV($A$1:$G$11,6.5,$A$14:$A$15)', 7549.83443527075], // D65
    ['DSTDEVP($A$1:$G$11,6.5,$A$14:$A$15)', 6538.3484153110103], // E65
    ['DVAR($A$1:$G$11,6.0000001,$A$14:$A$15)', 57000000], // B66
    ['DVARP($A$1:$G$11,6.0000001,$A$14:$A$15)', 42750000], // C66
    ['DSTDEV($A$1:$G$11,6.0000001,$A$14:$A$15)', 7549.83443527075], // D66
    ['DSTDEVP($A$1:$G$11,6.0000001,$A$14:$A$15)', 6538.3484153110103], // E66
    ['DVAR($A$1:$G$11,$F$1,$A$14:$A$17)', 99209333.333333328], // B67
    ['DVARP($A$1:$G$11,$F$1,$A$14:$A$17)', 89288400], // C67
    ['DSTDEV($A$1:$G$11,$F$1,$A$14:$A$17)', 9960.388211979156], // D67
    ['DSTDEVP($A$1:$G$11,$F$1,$A$14:$A$17)', 9449.2539388038458], // E67
    ['DVAR($A$1:$G$11,$F$1,P24:P25)', 140826666.66666669], // B68
    ['DVARP($A$1:$G$11,$F$1,P24:P25)', 117355555.55555555], // C68
    ['DSTDEV($A$1:$G$11,$F$1,P24:P25)', 11867.041192591634], // D68
    ['DSTDEVP($A$1:$G$11,$F$1,P24:P25)', 10833.076920042411], // E68
  ]],
  [SALES_COUNT, [
    ['DCOUNT($A$1:$H$11,$F$1,A14:A15)', 4], // B28
    ['DCOUNTA($A$1:$H$11,$F$1,$A$14:$A$15)', 4], // C28
    ['DCOUNT($A$1:$H$11,E1,B14:C15)', 2], // B29
    ['DCOUNTA($A1:$H11,$E1,$B14:$C15)', 2], // C29
    ['DCOUNT($A$1:$H$11,F1,D14:E16)', 2], // B30
    ['DCOUNTA($A1:$H11,$F1,$D14:$E16)', 2], // C30
    ['DCOUNT(A1:H11,F1,F14:F15)', 7], // B31
    ['DCOUNTA($A1:$H11,$F1,$F14:$F15)', 7], // C31
    ['DCOUNT(A1:H11,F1,H14:I15)', 3], // B32
    ['DCOUNTA($A1:$H11,$F1,$H14:$I15)', 3], // C32
    ['DCOUNT(A1:H11,F1,J14:J15)', 5], // B33
    ['DCOUNTA($A1:$H11,$F1,$J14:$J15)', 5], // C33
    ['DCOUNT(A1:H11,F1,K14:K15)', 4], // B34
    ['DCOUNTA($A1:$H11,$F1,$K14:$K15)', 4], // C34
    ['DCOUNT(A1:H11,F1,L14:L15)', 10], // B35
    ['DCOUNTA($A1:$H11,$F1,$L14:$L15)', 10], // C35
    ['DCOUNT(A1:H11,F1,M14:M15)', 0], // B36
    ['DCOUNTA($A1:$H11,$F1,$M14:$M15)', 0], // C36
    ['DCOUNT(A1:H11,F1,N14:N15)', 0], // B37
    ['DCOUNTA($A1:$H11,$F1,$N14:$N15)', 0], // C37
    ['DCOUNT(A1:H11,F1,O14:O15)', 10], // B38
    ['DCOUNTA($A1:$H11,$F1,$O14:$O15)', 10], // C38
    ['DCOUNT(A1:H11,F1,P14:P15)', 2], // B39
    ['DCOUNTA($A1:$H11,$F1,$P14:$P15)', 2], // C39
    ['DCOUNT(A1:I11,F1,A19:A20)', 6], // B40
    ['DCOUNTA($A1:$I11,$F1,$A19:$A20)', 6], // C40
    ['DCOUNT(A1:I11,F1,B19:B20)', 0], // B41
    ['DCOUNTA($A1:$I11,$F1,$B19:$B20)', 0], // C41
    ['DCOUNT(A1:I11,F1,C19:C20)', 0], // B42
    ['DCOUNTA($A1:$I11,$F1,$C19:$C20)', 0], // C42
    ['DCOUNT(A1:I1,F1,D19:D20)', ERR.VALUE], // B43
    ['DCOUNTA($A1:$I1,$F1,$D19:$D20)', ERR.VALUE], // C43
    ['DCOUNT(A1:I1,A22,E19:E20)', ERR.VALUE], // B44
    ['DCOUNTA($A1:$I1,$A22,$E19:$E20)', ERR.VALUE], // C44
    ['DCOUNT(A1:I11,F1,F19:F20)', 0], // B45
    ['DCOUNTA($A1:$I11,$F1,$F19:$F20)', 0], // C45
    ['DCOUNT(A1:I11,F1,H19:H20)', 0], // B46
    ['DCOUNTA($A1:$I11,$F1,$H19:$H20)', 0], // C46
    ['DCOUNT(A2:I11,F1,I19:I20)', ERR.VALUE], // B47
    ['DCOUNTA($A2:$I11,$F1,$I19:$I20)', ERR.VALUE], // C47
    ['DCOUNT(A1:I11,F1,J19:J20)', 3], // B48
    ['DCOUNTA($A1:$I11,$F1,$J19:$J20)', 3], // C48
    ['DCOUNT(A1:I11,F1,K19:K20)', 3], // B49
    ['DCOUNTA($A1:$I11,$F1,$K19:$K20)', 3], // C49
    ['DCOUNT(A1:I11,F1,L19:L20)', 4], // B50
    ['DCOUNTA($A1:$I11,$F1,$L19:$L20)', 4], // C50
    ['DCOUNT(A1:I11,F1,M19:M20)', 0], // B51
    ['DCOUNTA($A1:$I11,$F1,$M19:$M20)', 0], // C51
    ['DCOUNT(A1:I11,6,N19:N20)', 4], // B52
    ['DCOUNTA($A1:$I11,6,$N19:$N20)', 4], // C52
    ['DCOUNT(A1:I11,0,N19:N20)', ERR.VALUE], // B53
    ['DCOUNTA($A1:$I11,0,$N19:$N20)', ERR.VALUE], // C53
    ['DCOUNT(A1:I11,9,N19:N20)', 0], // B54
    ['DCOUNTA($A1:$I11,9,$N19:$N20)', 4], // C54
    ['DCOUNT(A1:I11,F1,Q19:Q20)', 10], // B55
    ['DCOUNTA($A$1:$I$11,$F$1,$Q$19:$Q$20)', 10], // C55
    ['DCOUNT(A1:L11,F1,J24:J25)', 4], // B56
    ['DCOUNTA($A$1:$L$11,$F$1,$J$24:$J$25)', 4], // C56
    ['DCOUNT(A1:L11,F1,K24:K25)', 6], // B57
    ['DCOUNTA($A$1:$L$11,$F$1,$K$24:$K$25)', 6], // C57
    ['DCOUNT(A1:P11,F1,L24:L25)', 4], // B58
    ['DCOUNTA($A$1:$P$11,$F$1,$L$24:$L$25)', 4], // C58
    ['DCOUNT(A1:P11,F1,M24:M25)', 3], // B59
    ['DCOUNTA($A$1:$P$11,$F$1,$M$24:$M$25)', 3], // C59
    ['DCOUNT(A1:P11,F1,N24:N25)', 4], // B60
    ['DCOUNTA($A$1:$P$11,$F$1,$N$24:$N$25)', 4], // C60
    ['DCOUNT(A1:Q11,Q1,O24:O25)', 2], // B61
    ['DCOUNTA($A$1:$Q$11,$Q$1,$O$24:$O$25)', 2], // C61
    ['DCOUNT($A$1:$H$11,6,P24:P25)', 4], // B62
    ['DCOUNTA(A$1:H$11,6,P$24:P$25)', 4], // C62
    ['DCOUNT($A$1:$Q$11,"Numbers",Q19:Q20)', 3], // B63
    ['DCOUNTA(A$1:Q$11,"Numbers",Q$19:Q$20)', 7], // C63
    ['DCOUNT($A$1:$Q$11,1,Q19:Q20)', 0], // B64
    ['DCOUNTA(A$1:Q$11,1,Q$19:Q$20)', 10], // C64
    ['DCOUNT($A$1:$Q$11,"1",Q19:Q20)', 1], // B65
    ['DCOUNTA(A$1:Q$11,"1",Q$19:Q$20)', 5], // C65
    ['DCOUNT($A$1:$Q$11,TRUE,Q2:Q19)', 0], // B66
    ['DCOUNTA(A$1:Q$11,TRUE,Q$2:Q$19)', 10], // C66
    ['DCOUNT($A$1:$Q$11,"true",Q2:Q19)', 3], // B67
    ['DCOUNTA(A$1:Q$11,"true",Q$2:Q$19)', 10], // C67
    ['DCOUNT($A$1:$Q$11,1/3,Q2:Q19)', ERR.VALUE], // B68
    ['DCOUNTA(A$1:Q$11,1/3,Q$2:Q$19)', ERR.VALUE], // C68
    ['DCOUNT($A$1:$H$1,$F$1,$A$14:$A$15)', ERR.VALUE], // B69
    ['DCOUNTA($A$1:$H$1,$F$1,$A$14:$A$15)', ERR.VALUE], // C69
    ['DCOUNT($A$1:$H$11,$E$1:$F$1,$A$14:$A$15)', ERR.VALUE], // B70
    ['DCOUNTA($A$1:$H$11,$E$1:$F$1,$A$14:$A$15)', ERR.VALUE], // C70
    ['DCOUNT($A$1:$H$11,6.5,$A$14:$A$15)', 4], // B71
    ['DCOUNTA($A$1:$H$11,6.5,$A$14:$A$15)', 4], // C71
    ['DCOUNT($A$1:$H$11,6.0000001,$A$14:$A$15)', 4], // B72
    ['DCOUNTA($A$1:$H$11,6.0000001,$A$14:$A$15)', 4], // C72
    ['DCOUNT($A$1:$H$11,$F$1,$A$14:$A$17)', 10], // B73
    ['DCOUNTA($A$1:$H$11,$F$1,$A$14:$A$17)', 10], // C73
    ['DCOUNT($A$1:$H$11,$F$1,Q24:Q25)', 6], // B74
    ['DCOUNTA($A$1:$H$11,$F$1,Q24:Q25)', 6], // C74
    ['DCOUNT($A$1:$H$11,$G$1,$A$14:$A$15)', 1], // B75
    ['DCOUNTA($A$1:$H$11,$G$1,$A$14:$A$15)', 1], // C75
  ]],
  [SALES_DGET, [
    ['DGET($A$1:$H$11,$F$1,A14:A15)', 11000], // B24
    ['DGET($A$1:$H$11,$F$1,B14:B15)', ERR.NUM], // B25
    ['DGET($A$1:$H$11,$F$1,C14:C15)', ERR.VALUE], // B26
    ['DGET($A$1:$H$11,$F$1,D14:D15)', ERR.VALUE], // B27
    ['DGET($A$1:$H$11,$F$1,E14:F15)', 11000], // B28
    ['DGET($A$1:$H$11,$F$1,G14:H16)', 11000], // B29
    ['DGET($A$1:$H$11,$F$1,I14:I15)', 11000], // B30
    ['DGET(A1:G11,F1,J14:K15)', 38000], // B31
    ['DGET(A1:G11,F1,L14:L15)', ERR.VALUE], // B32
    ['DGET(A1:G11,F1,M14:M15)', 19800], // B34
    ['DGET(A1:G11,F1,M16:M17)', ERR.NUM], // B35
    ['DGET(A1:G11,F1,N14:N15)', ERR.NUM], // B36
    ['DGET(A1:G11,F1,O14:O15)', ERR.VALUE], // B37
    ['DGET(A1:G11,F1,P14:P15)', ERR.NUM], // B38
    ['DGET(A1:H11,F1,A20:A21)', ERR.NUM], // B39
    ['DGET(A1:H11,F1,B20:B21)', ERR.VALUE], // B40
    ['DGET($A$1:$H$11,$F$1,C20:C21)', ERR.VALUE], // B41
    ['DGET($A$1:$H$1,$F$1,A14:A15)', ERR.VALUE], // B42
    ['DGET($A$1:$H$11,J3,A14:A15)', ERR.VALUE], // B43
    ['DGET($A$1:$H$11,$F$1,D20:D21)', ERR.VALUE], // B44
    ['DGET($A$1:$H$11,$F$1,E20:E21)', ERR.VALUE], // B45
    ['DGET(A2:$H$11,$F$1,B14:B15)', ERR.VALUE], // B46
    ['DGET($A$1:$H$11,$F$1,F20:F21)', ERR.NUM], // B47
    ['DGET($A$1:$H$11,$F$1,G20:G21)', ERR.NUM], // B48
    ['DGET($A$1:$H$11,$F$1,H20:H21)', ERR.NUM], // B49
    ['DGET($A$1:$H$11,$F$1,I20:I21)', ERR.VALUE], // B50
    ['DGET(A1:$H$11,6,$A$14:$A$15)', 11000], // B51
    ['DGET(A1:$H$11,0,$A$14:$A$15)', ERR.VALUE], // B52
    ['DGET($A$1:$H$11,9,$A$14:$A$15)', ERR.VALUE], // B53
    ['DGET($A$1:$H$11,$F$1,$M$20:$M$21)', ERR.VALUE], // B54
    ['DGET($A$1:$H$1,$F$1,$A$14:$A$15)', ERR.VALUE], // B55
    ['DGET($A$1:$H$11,E1:$F$1,$A$14:$A$15)', ERR.VALUE], // B56
    ['DGET($A$1:$H$11,6.5,$A$14:$A$15)', 11000], // B57
    ['DGET($A$1:$H$11,6.0000001,$A$14:$A$15)', 11000], // B58
    ['DGET($A$1:$H$11,$F$1,$A$14:$A$17)', ERR.NUM], // B59
    ['DGET($A$1:$H$11,$F$1,$N$20:$N$21)', 19800], // B60
  ]],
  [SALES_DPRODUCT, [
    ['DPRODUCT($A$1:$H$11,$F$1,A14:A15)', 11000], // B24
    ['DPRODUCT($A$1:$H$11,$F$1,B14:B15)', 1.728E+17], // B25
    ['DPRODUCT($A$1:$H$11,$F$1,C14:C15)', 0], // B26
    ['DPRODUCT($A$1:$H$11,$F$1,D14:D15)', 0], // B27
    ['DPRODUCT($A$1:$H$11,$F$1,E14:F15)', 0], // B28
    ['DPRODUCT($A$1:$H$11,$F$1,G14:H16)', 0], // B29
    ['DPRODUCT($A$1:$H$11,$F$1,I14:I15)', 11000], // B30
    ['DPRODUCT(A1:G11,F1,J14:K15)', 38000], // B31
    ['DPRODUCT(A1:G11,F1,L14:L15)', 0], // B32
    ['DPRODUCT(A1:G11,F1,M14:M15)', 19800], // B34
    ['DPRODUCT(A1:G11,F1,M16:M17)', 1.2356598988800001E+42], // B35
    ['DPRODUCT(A1:G11,F1,N14:N15)', 1.2356598988800001E+42], // B36
    ['DPRODUCT(A1:G11,F1,O14:O15)', 0], // B37
    ['DPRODUCT(A1:G11,F1,P14:P15)', 1.2356598988800001E+42], // B38
    ['DPRODUCT(A1:H11,F1,A20:A21)', 5.1321600000000002E+25], // B39
    ['DPRODUCT(A1:H11,F1,B20:B21)', 0], // B40
    ['DPRODUCT($A$1:$H$11,$F$1,C20:C21)', 0], // B41
    ['DPRODUCT($A$1:$H$1,$F$1,A14:A15)', ERR.VALUE], // B42
    ['DPRODUCT($A$1:$H$11,J3,A14:A15)', ERR.VALUE], // B43
    ['DPRODUCT($A$1:$H$11,$F$1,D20:D21)', 0], // B44
    ['DPRODUCT($A$1:$H$11,$F$1,E20:E21)', 0], // B45
    ['DPRODUCT(A2:$H$11,$F$1,B14:B15)', ERR.VALUE], // B46
    ['DPRODUCT($A$1:$H$11,$F$1,F20:F21)', 2188800000000], // B47
    ['DPRODUCT($A$1:$H$11,$F$1,G20:G21)', 2188800000000], // B48
    ['DPRODUCT($A$1:$H$11,$F$1,H20:H21)', 1.728E+17], // B49
    ['DPRODUCT($A$1:$H$11,$F$1,I20:I21)', 0], // B50
    ['DPRODUCT(A1:$H$11,6,$A$14:$A$15)', 11000], // B51
    ['DPRODUCT(A1:$H$11,0,$A$14:$A$15)', ERR.VALUE], // B52
    ['DPRODUCT(A1:$H$11,9,$A$14:$A$15)', ERR.VALUE], // B53
    ['DPRODUCT($A$1:$H$11,$F$1,$M$20:$M$21)', 0], // B54
    ['DPRODUCT($A$1:$H$11,$F$1,$N$20:$N$21)', 1.2356598988800001E+42], // B55
    ['DPRODUCT($A$1:$P$11,$F$1,$G$25:$G$26)', 2.16E+16], // B56
    ['DPRODUCT($A$1:$P$11,$F$1,$H$25:$H$26)', 5.7206476799999999E+25], // B57
    ['DPRODUCT($A$1:$P$11,$F$1,$I$25:$I$26)', 3.456E+16], // B58
    ['DPRODUCT($A$1:$P$11,$F$1,$J$25:$J$26)', 4514400000000], // B59
    ['DPRODUCT($A$1:$P$11,$F$1,$K$25:$K$26)', 3.96E+16], // B60
    ['DPRODUCT($A$1:$P$11,$F$1,$L$25:$L$26)', 300000000], // B61
    ['DPRODUCT($A$1:$P$11,$F$1,$M$25:$M$26)', 1.728E+17], // B62
    ['DPRODUCT($A$1:$G$1,$F$1,$A$14:$A$15)', ERR.VALUE], // B63
    ['DPRODUCT($A$1:$P$11,E1:$F$1,$A$14:$A$15)', ERR.VALUE], // B64
    ['DPRODUCT($A$1:$P$11,6.5,$A$14:$A$15)', 11000], // B65
    ['DPRODUCT($A$1:$P$11,6.0000001,$A$14:$A$15)', 11000], // B66
    ['DPRODUCT($A$1:$P$11,$F$1,$A$14:$A$17)', 1.2356598988800001E+42], // B67
    ['DPRODUCT($A$1:$P$11,$F$1,$N$25:$N$26)', 475200000], // B68
  ]],
  [TREES, [
    ['DAVERAGE(A4:E10, "Yield", A1:B2)', 12], // A12
    ['DAVERAGE(A4:E10, 3, A4:E10)', 13], // A13
    ['DAVERAGE(A4:E10,"Yield", F1:F2)', 8.6], // A16
    ['DAVERAGE(A4:E10,D4,H1:H2)', 10], // A17
  ]],
];

test('every corpus D-function formula reproduces Excel\'s stored result', (t) => {
  let n = 0;
  for (const [rows, cases] of CASES) {
    for (const [formula, expected] of cases) {
      const got = evalFormula(rows, formula);
      t.true(close(got, expected), `${formula}: expected ${String(expected)}, got ${String(got)}`);
      n++;
    }
  }
  t.is(n, 506);
});

// Hand-made cases. Database: a small table with a header row.
const PEOPLE = (): Ref =>
  range([
    ['Name', 'Age', 'Score'],
    ['Ann', 30, 10],
    ['Bob', 40, 20],
    ['Anna', 50, 'n/a'],
    ['Cy', 60, 30],
  ]);

test('plain text criteria match text beginning with it; =text matches exactly', (t) => {
  // Excel's documented database criteria: "Dav" finds Davolio and David; ="=Dav" is exact.
  t.is(call('DSUM', PEOPLE(), 'Age', range([['Name'], ['An']])), 80);
  t.is(call('DSUM', PEOPLE(), 'Age', range([['Name'], ['=Ann']])), 30);
  t.is(call('DSUM', PEOPLE(), 'Age', range([['name'], ['a?n']])), 80); // "a?n*": Ann, Anna
  t.is(call('DSUM', PEOPLE(), 'Age', range([['Name'], ['<>Ann']])), 150);
});

test('a lone trailing ~ in a prefix criterion stays a literal tilde', (t) => {
  // criteria.ts wildcard rules: a `~` not before `*?~` is literal, so "a~" means text beginning "a~".
  const db = range([['K', 'V'], ['a~', 1], ['a~b', 2], ['ab', 4]]);
  t.is(call('DSUM', db, 'V', range([['K'], ['a~']])), 3);
});

test('blank and empty-text criteria cells set no condition', (t) => {
  // Blank cells: corpus (DSUM K14:K15, N14:N15). Empty text (=""): treated the same (not in the corpus).
  t.is(call('DSUM', PEOPLE(), 'Age', range([['Name', 'Age'], ['', null]])), 180);
  t.is(call('DSUM', PEOPLE(), 'Age', range([['Name', 'Age'], [null, '>45']])), 110);
});

test('criteria rows are ORed, cells of a row ANDed', (t) => {
  const crit = range([['Name', 'Age'], ['A', '>35'], ['Cy', null]]);
  t.is(call('DSUM', PEOPLE(), 'Age', crit), 110); // Anna (50) or Cy (60)
});

test('criteria under a header that is no database column: blank ignored, non-blank matches nothing', (t) => {
  // Corpus: DSUM N14:N15 (unknown header, blank: all), L19:L20 (blank header, "East": none), DGET D14:D15.
  t.is(call('DCOUNTA', PEOPLE(), 'Name', range([['Nope'], [null]])), 4);
  t.is(call('DCOUNTA', PEOPLE(), 'Name', range([['Nope'], ['x']])), 0);
  t.is(call('DCOUNTA', PEOPLE(), 'Name', range([[null], ['Ann']])), 0);
});

test('field: header text, number (truncated), TRUE as 1; errors', (t) => {
  // Corpus: DSUM field 6.99 / 0 / 9 / -1, DCOUNT field TRUE, DGET field J3 (blank cell).
  const all = range([['Age'], ['>0']]);
  t.is(call('DSUM', PEOPLE(), 'SCORE', all), 60);
  t.is(call('DSUM', PEOPLE(), 3.9, all), 60);
  t.is(call('DCOUNTA', PEOPLE(), true, all), 4);
  t.is(call('DSUM', PEOPLE(), 0, all), ERR.VALUE);
  t.is(call('DSUM', PEOPLE(), 4, all), ERR.VALUE);
  t.is(call('DSUM', PEOPLE(), false, all), ERR.VALUE);
  t.is(call('DSUM', PEOPLE(), 'Missing', all), ERR.VALUE);
  t.is(call('DSUM', PEOPLE(), ERR.NA, all), ERR.NA);
  t.is(call('DSUM', PEOPLE(), col([null]), all), ERR.VALUE); // a blank cell names no column
});

test('database and criteria must be ranges with a record row', (t) => {
  const crit = range([['Age'], ['>0']]);
  t.is(call('DSUM', range([['Name', 'Age']]), 'Age', crit), ERR.VALUE);
  t.is(call('DSUM', 5, 'Age', crit), ERR.VALUE);
  t.is(call('DSUM', ERR.REF, 'Age', crit), ERR.REF);
  t.is(call('DSUM', PEOPLE(), 'Age', ERR.NA), ERR.NA);
  // Arrays are read like ranges.
  t.is(call('DSUM', Matrix.from2D([['A'], [1], [2]]), 1, Matrix.from2D([['A'], ['>1']])), 2);
});

test('a criteria range with only its header row matches every record', (t) => {
  // Not in the corpus; IronCalc's choice, kept (Excel's documentation requires a criteria row).
  t.is(call('DCOUNT', PEOPLE(), 'Age', range([['Age']])), 4);
});

test('DCOUNT counts numbers, DCOUNTA non-blank values; an omitted field counts records', (t) => {
  // Omitted field: Microsoft's DCOUNTA documentation; errors counted by DCOUNTA: corpus DCOUNTA C63.
  const all = range([['Age'], ['>0']]);
  t.is(call('DCOUNT', PEOPLE(), 'Score', all), 3);
  t.is(call('DCOUNTA', PEOPLE(), 'Score', all), 4);
  t.is(call('DCOUNT', PEOPLE(), null, all), 4);
  t.is(call('DCOUNTA', PEOPLE(), null, range([['Age'], ['>45']])), 2);
  t.is(call('DSUM', PEOPLE(), null, all), ERR.VALUE);
  const withErr = range([['K', 'V'], ['a', ERR.DIV0], ['a', 1]]);
  t.is(call('DCOUNT', withErr, 'V', range([['K'], ['a']])), 1);
  t.is(call('DCOUNTA', withErr, 'V', range([['K'], ['a']])), 2);
});

test('an error in a matching record propagates from the numeric D-functions', (t) => {
  // Not in the corpus: chosen like SUMIFS, whose matching error cells propagate.
  const db = range([['K', 'V'], ['a', ERR.DIV0], ['b', 1]]);
  t.is(call('DSUM', db, 'V', range([['K'], ['a']])), ERR.DIV0);
  t.is(call('DSUM', db, 'V', range([['K'], ['b']])), 1); // non-matching error is not read
  t.is(call('DGET', db, 'V', range([['K'], ['a']])), ERR.DIV0);
});

test('empty results: DSUM/DMIN/DMAX/DPRODUCT 0, DAVERAGE/DVAR/DSTDEV #DIV/0!, DGET #VALUE!', (t) => {
  const none = range([['Name'], ['Zed']]);
  for (const f of ['DSUM', 'DMIN', 'DMAX', 'DPRODUCT', 'DCOUNT', 'DCOUNTA']) t.is(call(f, PEOPLE(), 'Age', none), 0, f);
  for (const f of ['DAVERAGE', 'DVAR', 'DVARP', 'DSTDEV', 'DSTDEVP']) t.is(call(f, PEOPLE(), 'Age', none), ERR.DIV0, f);
  t.is(call('DGET', PEOPLE(), 'Age', none), ERR.VALUE);
  // One value: sample statistics need two.
  const one = range([['Name'], ['Cy']]);
  t.is(call('DVAR', PEOPLE(), 'Age', one), ERR.DIV0);
  t.is(call('DSTDEV', PEOPLE(), 'Age', one), ERR.DIV0);
  t.is(call('DVARP', PEOPLE(), 'Age', one), 0);
  t.is(call('DSTDEVP', PEOPLE(), 'Age', one), 0);
});

test('statistics match their definitions', (t) => {
  // Ages 30, 40, 50, 60: mean 45, squared deviations 225+25+25+225 = 500.
  const all = range([['Age'], ['>0']]);
  t.is(call('DAVERAGE', PEOPLE(), 'Age', all), 45);
  t.true(close(call('DVAR', PEOPLE(), 'Age', all), 500 / 3));
  t.is(call('DVARP', PEOPLE(), 'Age', all), 125);
  t.true(close(call('DSTDEV', PEOPLE(), 'Age', all), Math.sqrt(500 / 3)));
  t.true(close(call('DSTDEVP', PEOPLE(), 'Age', all), Math.sqrt(125)));
  t.is(call('DPRODUCT', PEOPLE(), 'Age', all), 30 * 40 * 50 * 60);
  t.is(call('DMIN', PEOPLE(), 'Age', all), 30);
  t.is(call('DMAX', PEOPLE(), 'Age', all), 60);
});

test('DPRODUCT overflow is #NUM!', (t) => {
  const db = range([['V'], [1e200], [1e200]]);
  t.is(call('DPRODUCT', db, 'V', range([['V'], ['>0']])), ERR.NUM);
});

test('DGET returns text values and reports several matches', (t) => {
  t.is(call('DGET', PEOPLE(), 'Name', range([['Age'], [40]])), 'Bob');
  t.is(call('DGET', PEOPLE(), 'Name', range([['Age'], ['>=40']])), ERR.NUM);
});

test('whole-column references stop at the used range', (t) => {
  const s = sheetOf([['Name', 'Age'], ['Ann', 30], ['Bob', 40]]);
  const db = new Ref(s, 0, 0, 1048575, 1);
  // A whole-column criteria range has blank rows past the used range: they match all.
  const critAll = new Ref(sheetOf([['Age'], ['>35']]), 0, 0, 1048575, 0);
  t.is(call('DSUM', db, 'Age', range([['Age'], ['>35']])), 40);
  t.is(call('DSUM', db, 'Age', critAll), 70);
  t.is(call('DCOUNT', db, 2, range([['Name'], ['*']])), 2);
});

test('wrong argument counts are #VALUE!', (t) => {
  t.is(call('DSUM', PEOPLE(), 'Age'), ERR.VALUE);
  t.is(call('DGET', PEOPLE(), 'Age', range([['Age'], ['>0']]), 1), ERR.VALUE);
});
