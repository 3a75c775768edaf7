import test from 'ava';
// Import the family directly (not the whole runtime) so these tests only depend on it.
import { F } from '../../ts/runtime/registry.js';
import { Sheet } from '../../ts/runtime/store.js';
import { ERR, Matrix, Ref, type Ctx, type Scalar, type Value } from '../../ts/runtime/values.js';
import '../../ts/runtime/functions/text/index.js';

function ctx(date1904 = false): Ctx {
  return {
    sheet: 0, row: 0, col: 0, array: false,
    book: { sheets: [], date1904, now: () => 45000, random: () => 0.5, sheetByName: () => undefined, name: () => undefined },
  };
}
const call = (name: string, ...args: Value[]): Value => F[name]!(ctx(), ...args);
function range(rows: Scalar[][]): Ref {
  const w = Math.max(...rows.map((r) => r.length));
  const s = Sheet.create('S', 0, rows.length, w, rows.length * w);
  rows.forEach((row, i) => row.forEach((v, j) => s.set(i, j, v)));
  return new Ref(s, 0, 0, rows.length - 1, w - 1);
}
const col = (vs: Scalar[]) => range(vs.map((v) => [v]));

test('CHAR, CODE, UNICHAR, UNICODE', (t) => {
  t.is(call('CHAR', 65), 'A'); // doc: CHAR(65) = "A"
  t.is(call('CHAR', 33), '!'); // doc: CHAR(33) = "!"
  t.is(call('CHAR', 128), '€'); // Windows-1252 0x80
  t.is(call('CHAR', 0), ERR.VALUE);
  t.is(call('CHAR', 256), ERR.VALUE);
  t.is(call('CODE', 'A'), 65); // doc: CODE("A") = 65
  t.is(call('CODE', '!'), 33);
  t.is(call('CODE', '€'), 128);
  t.is(call('CODE', ''), ERR.VALUE);
  t.is(call('UNICHAR', 66), 'B'); // doc: UNICHAR(66) = "B"
  t.is(call('UNICHAR', 32), ' ');
  t.is(call('UNICHAR', 0), ERR.VALUE);
  t.is(call('UNICODE', 'B'), 66); // doc: UNICODE("B") = 66
  t.is(call('UNICODE', '😀'), 0x1f600);
  t.is(call('UNICODE', ''), ERR.VALUE);
  t.is(call('CHAR', ERR.DIV0), ERR.DIV0);
});

test('CLEAN, TRIM, LOWER, UPPER, PROPER', (t) => {
  t.is(call('CLEAN', 'text\x07\x09more'), 'textmore');
  t.is(call('TRIM', ' First Quarter    Earnings  '), 'First Quarter Earnings'); // doc example
  t.is(call('TRIM', '\u00a0a\u00a0'), '\u00a0a\u00a0'); // only ASCII spaces are trimmed
  t.is(call('UPPER', 'total'), 'TOTAL');
  t.is(call('LOWER', 'E. E. Cummings'), 'e. e. cummings'); // doc example
  t.is(call('PROPER', 'this is a TITLE'), 'This Is A Title'); // doc examples
  t.is(call('PROPER', '2-way street'), '2-Way Street');
  t.is(call('PROPER', '76BudGet'), '76Budget');
  t.is(call('UPPER', 12), '12');
  t.is(call('UPPER', true), 'TRUE');
});

test('LEFT, RIGHT, MID, LEN and their B forms', (t) => {
  t.is(call('LEFT', 'Sale Price', 4), 'Sale'); // doc example
  t.is(call('LEFT', 'Sweden'), 'S');
  t.is(call('RIGHT', 'Sale Price', 5), 'Price');
  t.is(call('RIGHT', 'Stock Number'), 'r');
  t.is(call('MID', 'Fluid Flow', 1, 5), 'Fluid');
  t.is(call('MID', 'Fluid Flow', 7, 20), 'Flow');
  t.is(call('MID', 'Fluid Flow', 20, 5), '');
  t.is(call('MID', 'abc', 0, 1), ERR.VALUE);
  t.is(call('MID', 'abc', 1, -1), ERR.VALUE);
  t.is(call('LEFT', 'abc', -1), ERR.VALUE);
  t.is(call('RIGHT', 'abc', 0), '');
  t.is(call('LEN', 'Phoenix, AZ'), 11);
  t.is(call('LEN', null), 0);
  t.is(call('LEN', 1.5), 3);
  t.is(call('LENB', 'abc'), 3);
  t.is(call('LEFTB', 'abc', 2), 'ab');
  t.is(call('MIDB', 'abc', 2, 1), 'b');
});

test('FIND and SEARCH', (t) => {
  t.is(call('FIND', 'M', 'Miriam McGovern'), 1); // doc examples
  t.is(call('FIND', 'm', 'Miriam McGovern'), 6);
  t.is(call('FIND', 'M', 'Miriam McGovern', 3), 8);
  t.is(call('FIND', 'x', 'abc'), ERR.VALUE);
  t.is(call('FIND', '', 'abc'), 1);
  t.is(call('FIND', 'a', 'abc', 0), ERR.VALUE);
  t.is(call('FIND', 'a', 'abc', 5), ERR.VALUE);
  t.is(call('SEARCH', 'e', 'Statements', 6), 7); // doc examples
  t.is(call('SEARCH', 'margin', 'Profit Margin'), 8);
  t.is(call('SEARCH', 'p?o', 'Profit'), 1);
  t.is(call('SEARCH', 'f*t', 'Profit'), 4);
  t.is(call('SEARCH', '~*', 'a*b'), 2);
  t.is(call('SEARCHB', 'B', 'abc'), 2);
  // corpus FIND_SEARCH.xlsx: "~" escapes any character; a lone trailing "~" matches nothing
  t.is(call('SEARCH', '~', 'Hi ~Bang!', 1), 1);
  t.is(call('SEARCH', '~', 'Hello', 1), 1);
  t.is(call('SEARCH', '~d', 'My dear', 1), 4);
  t.is(call('FINDB', 'c', 'abc'), 3);
});

test('REPLACE, SUBSTITUTE, REPT, EXACT, T', (t) => {
  t.is(call('REPLACE', 'abcdefghijk', 6, 5, '*'), 'abcde*k'); // doc example
  t.is(call('REPLACE', '2009', 3, 2, '10'), '2010');
  t.is(call('REPLACE', 'abc', 0, 1, 'x'), ERR.VALUE);
  t.is(call('SUBSTITUTE', 'Sales Data', 'Sales', 'Cost'), 'Cost Data'); // doc examples
  t.is(call('SUBSTITUTE', 'Quarter 1, 2008', '1', '2', 1), 'Quarter 2, 2008');
  t.is(call('SUBSTITUTE', 'Quarter 1, 2011', '1', '2', 3), 'Quarter 1, 2012');
  t.is(call('SUBSTITUTE', 'aaa', 'a', 'b', 4), 'aaa');
  t.is(call('SUBSTITUTE', 'aaa', 'a', 'b', 0), ERR.VALUE);
  t.is(call('SUBSTITUTE', 'aaa', '', 'b'), 'aaa');
  t.is(call('REPT', '*-', 3), '*-*-*-'); // doc example
  t.is(call('REPT', 'x', -1), ERR.VALUE);
  t.is(call('REPT', 'ab', 20000), ERR.VALUE); // over 32,767 characters
  t.is(call('EXACT', 'word', 'word'), true); // doc examples
  t.is(call('EXACT', 'Word', 'word'), false);
  t.is(call('T', 'Rainfall'), 'Rainfall');
  t.is(call('T', 19), '');
  t.is(call('T', true), '');
  t.is(call('T', ERR.NA), ERR.NA);
});

test('CONCATENATE, CONCAT, TEXTJOIN', (t) => {
  t.is(call('CONCATENATE', 'Stream population for ', 'brook trout', ' is ', 32, '/mile'), 'Stream population for brook trout is 32/mile');
  t.is(call('CONCATENATE', 'a', ERR.REF), ERR.REF);
  t.is(call('CONCAT', range([['a', 'b'], [1, null]]), 'c'), 'ab1c'); // row by row, blanks empty
  t.is(call('CONCAT', col(['x', ERR.DIV0])), ERR.DIV0);
  t.is(call('CONCAT', true, 2.5), 'TRUE2.5');
  const r = col(['US Dollar', null, 'Euro']);
  t.is(call('TEXTJOIN', ', ', true, r), 'US Dollar, Euro');
  t.is(call('TEXTJOIN', ', ', false, r), 'US Dollar, , Euro');
  t.is(call('TEXTJOIN', new Matrix(1, 2, ['-', '+']), true, 'a', 'b', 'c'), 'a-b+c'); // delimiters cycle
  t.is(call('TEXTJOIN', '', true, 1, 2), '12');
  t.is(call('TEXTJOIN', ',', 'x', 1), ERR.VALUE);
  t.is(call('TEXTJOIN', ',', true, col([1, ERR.NA])), ERR.NA);
});

test('TEXT, VALUE, FIXED, DOLLAR, NUMBERVALUE', (t) => {
  t.is(call('TEXT', 1234.567, '$#,##0.00'), '$1,234.57');
  t.is(call('TEXT', '1234', '#,##0'), '1,234'); // numeric text is a number
  t.is(call('TEXT', 'abc', '0.00'), 'abc');
  t.is(call('TEXT', true, '0'), 'TRUE');
  t.is(call('TEXT', null, '0.0'), '0.0');
  t.is(call('TEXT', ERR.DIV0, '0'), ERR.DIV0);
  // IronCalc T_VALUE_VALUETOTEXT.xlsx stored results (locale-neutral rows)
  t.is(call('VALUE', '123'), 123);
  t.is(call('VALUE', '40%'), 0.4);
  t.is(call('VALUE', '23.123%'), 0.23123);
  t.is(call('VALUE', '1e-5'), 1e-5);
  t.is(call('VALUE', '123,456.67'), 123456.67);
  t.is(call('VALUE', '2-Feb-2026'), 46055);
  t.is(call('VALUE', 'qwerty'), ERR.VALUE);
  t.is(call('VALUE', '40-2-2023'), ERR.VALUE);
  t.is(call('VALUE', '12,34'), ERR.VALUE);
  t.is(call('VALUE', true), ERR.VALUE);
  t.is(call('VALUE', ''), ERR.VALUE);
  t.is(call('VALUE', null), 0);
  t.is(call('VALUE', ERR.DIV0), ERR.DIV0);
  t.is(call('VALUE', 1.2345), 1.2345);
  t.is(call('VALUE', '$1,000'), 1000); // doc example
  t.is(call('VALUE', '16:48:00') as number, 0.7);
  // FIXED doc examples
  t.is(call('FIXED', 1234.567, 1), '1,234.6');
  t.is(call('FIXED', 1234.567, -1), '1,230');
  t.is(call('FIXED', -1234.567, -1, true), '-1230');
  t.is(call('FIXED', 44.332), '44.33');
  t.is(call('FIXED', 1, 128), ERR.VALUE);
  // DOLLAR doc examples
  t.is(call('DOLLAR', 1234.567, 2), '$1,234.57');
  t.is(call('DOLLAR', 1234.567, -2), '$1,200');
  t.is(call('DOLLAR', -1234.567, -2), '($1,200)');
  t.is(call('DOLLAR', -0.123, 4), '($0.1230)');
  t.is(call('DOLLAR', 99.888), '$99.89');
  // NUMBERVALUE doc examples
  t.is(call('NUMBERVALUE', '2.500,27', ',', '.'), 2500.27);
  t.is(call('NUMBERVALUE', '3.5%'), 0.035);
  t.is(call('NUMBERVALUE', ''), 0);
  t.is(call('NUMBERVALUE', ' 1 000 ', '.', ','), 1000);
  t.is(call('NUMBERVALUE', '1.2.3'), ERR.VALUE);
  t.is(call('NUMBERVALUE', '1.2,3'), ERR.VALUE); // group separator after the decimal point
  t.is(call('NUMBERVALUE', '9%%'), 0.0009);
});

test('TEXTBEFORE, TEXTAFTER', (t) => {
  // doc examples
  t.is(call('TEXTBEFORE', 'Little Red Riding Hood', 'Red'), 'Little ');
  t.is(call('TEXTAFTER', 'Little Red Riding Hood', 'Red'), ' Riding Hood');
  t.is(call('TEXTAFTER', "Little Red Riding Hood's red hood", 'basket'), ERR.NA);
  // by definition: the 2nd occurrence from the start / from the end
  t.is(call('TEXTBEFORE', 'a-b-c', '-', 2), 'a-b');
  t.is(call('TEXTAFTER', 'a-b-c', '-', -1), 'c');
  t.is(call('TEXTBEFORE', 'a-b-c', '-', -1), 'a-b');
  t.is(call('TEXTAFTER', "Little Red Riding Hood's red hood", 'red', -2), ERR.NA); // case-sensitive: only one "red"
  t.is(call('TEXTAFTER', "Little Red Riding Hood's red hood", 'red', -2, 1), " Riding Hood's red hood");
  t.is(call('TEXTBEFORE', 'a-b', '-', 2, 0, 1), 'a-b'); // match_end: the end acts as a delimiter
  t.is(call('TEXTBEFORE', 'a-b', '-', 2, 0, 0, 'none'), 'none');
  t.is(call('TEXTBEFORE', 'a-b', '-', 0), ERR.VALUE);
  t.is(call('TEXTAFTER', 'a,b;c', new Matrix(1, 2, [';', ','])), 'b;c'); // several delimiters
  t.is(call('TEXTAFTER', 'abc', ''), 'abc');
  // corpus TEXTBEFORE_TEXTAFTER.xlsx stored results
  t.is(call('TEXTAFTER', '123 the 456 the 891', 'the', -1.6, 1, 0, 'Not found'), ' 456 the 891'); // floored to -2
  t.is(call('TEXTBEFORE', '123 the 456 the 891', 'the', -1.2, 1, 0, 'Not found'), '123 ');
  t.is(call('TEXTAFTER', 'del', 'deli'), ERR.NA);
  t.is(call('TEXTAFTER', 'del', 'deli', 1), ERR.VALUE);
  t.is(call('TEXTBEFORE', 'hi', 'Hello Good Morning', 1, 1, 0, '@'), ERR.VALUE);
  t.is(call('TEXTAFTER', true, 'r', 1, 0, 0, null), ''); // blank if_not_found gives 
  t.is(call('TEXTBEFORE', 'abc', ''), '');
});

test('TEXTSPLIT', (t) => {
  // doc examples
  t.deepEqual(call('TEXTSPLIT', 'Dakota Lennon Sanchez', ' '), new Matrix(1, 3, ['Dakota', 'Lennon', 'Sanchez']));
  t.deepEqual(call('TEXTSPLIT', '1,2,3;4,5,6', ',', ';'), new Matrix(2, 3, ['1', '2', '3', '4', '5', '6']));
  t.deepEqual(
    call('TEXTSPLIT', 'Do. Or do not. There is no try. -Anonymous', '.'),
    new Matrix(1, 4, ['Do', ' Or do not', ' There is no try', ' -Anonymous']),
  );
  t.deepEqual(call('TEXTSPLIT', 'a,b;c', ',', ';'), new Matrix(2, 2, ['a', 'b', 'c', ERR.NA])); // padded with #N/A
  t.deepEqual(call('TEXTSPLIT', 'a,b;c', ',', ';', false, 0, '-'), new Matrix(2, 2, ['a', 'b', 'c', '-']));
  t.deepEqual(call('TEXTSPLIT', 'a,,b', ',', undefined as unknown as Value, true), new Matrix(1, 2, ['a', 'b']));
  t.deepEqual(call('TEXTSPLIT', 'aXbxc', 'x', undefined as unknown as Value, false, 1), new Matrix(1, 3, ['a', 'b', 'c']));
  t.deepEqual(call('TEXTSPLIT', 'a-b+c', new Matrix(1, 2, ['-', '+'])), new Matrix(1, 3, ['a', 'b', 'c']));
});

test('ARRAYTOTEXT, VALUETOTEXT', (t) => {
  const r = range([[true, ERR.VALUE], [1234.01234, 'Seattle'], ['Hello', 1123]]);
  t.is(call('ARRAYTOTEXT', r), 'TRUE, #VALUE!, 1234.01234, Seattle, Hello, 1123'); // doc example (concise)
  t.is(call('ARRAYTOTEXT', r, 1), '{TRUE,#VALUE!;1234.01234,"Seattle";"Hello",1123}'); // doc example (strict)
  t.is(call('ARRAYTOTEXT', r, 2), ERR.VALUE);
  t.is(call('VALUETOTEXT', 'Hello'), 'Hello');
  t.is(call('VALUETOTEXT', 'Hello', 1), '"Hello"');
  t.is(call('VALUETOTEXT', ERR.NA), '#N/A');
  t.is(call('VALUETOTEXT', 12.5), '12.5');
});

test('ASC, DBCS', (t) => {
  t.is(call('ASC', 'ＥＸＣＥＬ'), 'EXCEL');
  t.is(call('DBCS', 'EXCEL'), 'ＥＸＣＥＬ');
  t.is(call('ASC', 'abc'), 'abc');
});

test('REGEXTEST, REGEXEXTRACT, REGEXREPLACE', (t) => {
  t.is(call('REGEXTEST', 'alpha', '[a-z]+'), true);
  t.is(call('REGEXTEST', 'ALPHA', '^[a-z]+$'), false);
  t.is(call('REGEXTEST', 'ALPHA', '^[a-z]+$', 1), true);
  t.is(call('REGEXTEST', 'a', '('), ERR.VALUE);
  t.is(call('REGEXEXTRACT', 'DylanWilliams', '[A-Z][a-z]+'), 'Dylan'); // doc example
  // corpus REGEX.xlsx: REGEXEXTRACT("LonelyPlanet","[A-Z][a-z]+",1) fills the row A4:B4
  t.deepEqual(call('REGEXEXTRACT', 'DylanWilliams', '[A-Z][a-z]+', 1), new Matrix(1, 2, ['Dylan', 'Williams']));
  t.deepEqual(call('REGEXEXTRACT', 'LonelyPlanet', '[A-Z][a-z]+', 1), new Matrix(1, 2, ['Lonely', 'Planet']));
  t.deepEqual(call('REGEXEXTRACT', 'DylanWilliams', '([A-Z][a-z]+)([A-Z][a-z]+)', 2), new Matrix(1, 2, ['Dylan', 'Williams']));
  t.is(call('REGEXEXTRACT', 'abc', '\\d'), ERR.NA);
  t.is(call('REGEXREPLACE', 'Sonia Rees', '([A-Z][a-z]+) ([A-Z][a-z]+)', '$2, $1'), 'Rees, Sonia'); // doc example
  t.is(call('REGEXREPLACE', 'a1b2c3', '\\d', '#'), 'a#b#c#');
  t.is(call('REGEXREPLACE', 'a1b2c3', '\\d', '#', 2), 'a1b#c3');
  t.is(call('REGEXREPLACE', 'a1b2c3', '\\d', '<$0>', -1), 'a1b2c<3>'); // PCRE2: $0 is the whole match
  t.is(call('REGEXREPLACE', 'a1b2c3', '\\d', '#', 9), 'a1b2c3');
});

test('text functions lift over arrays', (t) => {
  t.deepEqual(call('LEN', new Matrix(1, 2, ['ab', 'c'])), new Matrix(1, 2, [2, 1]));
  t.deepEqual(call('UPPER', new Matrix(2, 1, ['a', ERR.NA])), new Matrix(2, 1, ['A', ERR.NA]));
});
