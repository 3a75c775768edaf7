/**
 * Statistical family. Expected values come from the corpus's stored Excel results
 * (IronCalc/xlsx/tests/calc_tests/STATISTICAL/*.xlsx and ENGINEERING/ERFs.xlsx, file and
 * cell cited per row), from Excel's documentation examples, or from identities.
 */
import test, { type ExecutionContext } from 'ava';
import { ERR, ExcelError, Matrix, type Value } from '../../ts/runtime/index.js';
import { call, col, range } from '../helpers/runtime.js';

function close(t: ExecutionContext, got: Value, want: number, msg = ''): void {
  if (typeof got !== 'number') {
    t.fail(`${msg} expected ${want}, got ${String(got)}`);
    return;
  }
  const ok = got === want || Math.abs(got - want) <= 1e-9 * Math.abs(want);
  t.true(ok, `${msg} expected ${want}, got ${got}`);
}

type Row = [string, Value[], number | ExcelError];
function table(t: ExecutionContext, rows: Row[]): void {
  for (const [fn, args, want] of rows) {
    const got = call(fn, ...args);
    const msg = `${fn}(${args.map(String).join(',')})`;
    if (want instanceof ExcelError) t.is(got, want, msg);
    else close(t, got, want, msg);
  }
}
const arr = (...xs: (number | string)[]) => new Matrix(1, xs.length, xs);

test('normal family (NORM_DIST.xlsx, GAUSS.xlsx, PHI.xlsx)', (t) => {
  table(t, [
    ['NORM.DIST', [42, 40, 1.5, false], 0.10934004978399575], // E3
    ['NORM.DIST', [42, '40', 1.5, true], 0.9087887802741321], // E53
    ['NORMDIST', [42, 40, 1.5, true], 0.9087887802741321],
    ['NORM.DIST', [42, 40, -1, true], ERR.NUM], // E31
    ['NORM.DIST', [false, 0, 1, true], 0.5], // E40
    ['NORM.S.DIST', [-3, true], 0.0013498980316300933], // C13
    ['NORM.S.DIST', [0, false], 0.3989422804014327], // C7
    ['NORM.S.DIST', [1.5, 'abc'], ERR.VALUE], // C37
    ['NORM.S.DIST', [10, true], 1], // C18
    ['NORMSDIST', [-3], 0.0013498980316300933],
    ['NORM.S.INV', [0.7881446014166034], 0.8000000000000002], // D4
    ['NORM.S.INV', [0.97725], 2.0000024438996027], // D53
    ['NORM.S.INV', [0.5], 0], // D6
    ['NORM.S.INV', [1.000001], ERR.NUM], // D63
    ['NORMSINV', [0.97725], 2.0000024438996027],
    ['NORM.INV', [0.999968328089009, 1e-6, 0.2], 0.7999999999999702], // F24
    ['NORM.INV', [1.5, 0, 1], ERR.NUM], // F76
    ['NORM.INV', [0.5, 0, -1], ERR.NUM], // F80
    ['NORMINV', [0.999968328089009, 1e-6, 0.2], 0.7999999999999702],
    ['PHI', [3.45], 0.0010382812956614103], // B8
    ['PHI', [-3], 0.0044318484119380075], // B4
    ['GAUSS', [0], 0], // B2
    ['GAUSS', [' 1 '], 0.34134474606854304], // B34
    ['GAUSS', [-1.96], -0.47500210485177957], // B10
    ['GAUSS', [ERR.DIV0], ERR.DIV0], // B26
    ['STANDARDIZE', [12.3, 12.2, 1], 0.10000000000000142], // STANDARIZE.xlsx D4
    ['STANDARDIZE', [7, -1, 4], 2], // D5
    ['STANDARDIZE', [7, -1, 0], ERR.NUM],
  ]);
  // identity: NORM.S.INV inverts NORM.S.DIST far in the tail
  close(t, call('NORM.S.INV', call('NORM.S.DIST', -8, true)), -8);
});

test('lognormal, exponential, Weibull (LOGNORM.xlsx, EXPONDIST.xlsx, WEIBULL_DIST.xlsx)', (t) => {
  table(t, [
    ['LOGNORM.DIST', [8, 8.3, 10, false], 0.00410954934236523], // E5
    ['LOGNORM.DIST', [4, 3.5, null, true], ERR.NUM], // E62
    ['LOGNORM.DIST', [null, 3.5, 1.2, true], ERR.NUM], // E32
    ['LOGNORM.DIST', ['hello', 3.5, 1.2, true], ERR.VALUE], // E57
    ['LOGNORM.INV', [0.03908355570680048, 3.5, 1.2], 4.000000000000003], // F49
    ['LOGNORM.INV', [0.999999, 0, 1], 115.98075925033795], // F80
    ['LOGNORM.INV', [-0.5, 0, 1], ERR.NUM], // F78
    ['LOGNORM.INV', [0.49999999999915673, 3.5, 1e12], 3.999765880934408], // F26
    ['LOGINV', [0.03908355570680048, 3.5, 1.2], 4.000000000000003],
    ['LOGNORMDIST', [4, 3.5, 1.2], 0.03908355570680048], // identity with the row above
    ['EXPON.DIST', [0.2, true, true], 0.18126924692201815], // D37
    ['EXPON.DIST', [0.2, '10', true], 0.8646647167633873], // D46
    ['EXPON.DIST', [46040, 10, true], 1], // D51
    ['EXPONDIST', [-1, 10, true], ERR.NUM],
    ['WEIBULL.DIST', [0.4, 1, 9, false], 0.10628097101144768], // E3
    ['WEIBULL.DIST', [0.8, 1, 9, true], 0.08505277126996899], // E2
    ['WEIBULL', [0.8, 1, 9, true], 0.08505277126996899],
    ['WEIBULL', [0.8, 0, 9, true], ERR.NUM],
  ]);
});

test('erf family (ERFs.xlsx)', (t) => {
  table(t, [
    ['ERF', [null, 1], 0.8427007929497149], // C18
    ['ERF', [6, -3], -1.9999779095030012], // C8
    ['ERF', [0.745], 0.7079289200957377], // D11
    ['ERF', [0.745, 0], -0.7079289200957377], // C11
    ['ERF', [true], ERR.VALUE], // D15: booleans are rejected
    ['ERF.PRECISE', [7], 1], // F20
    ['ERF.PRECISE', [-100000], -1], // F14
    ['ERF.PRECISE', [ERR.NA], ERR.NA], // F17
    ['ERFC', [7], 4.1838256077794166e-23], // E20
    ['ERFC', [1], 0.15729920705028513], // E3
    ['ERFC', [-2], 1.9953222650189528], // E9
    ['ERFC.PRECISE', [5], 1.537459794428034e-12], // G7
    ['ERFC.PRECISE', [2], 0.0046777349810472645], // G13
    ['ERFC.PRECISE', [true], ERR.VALUE], // G15
  ]);
});

test('gamma family (GAMMA.xlsx, BETA_GAMMA.xlsx, GAMMALN_GAMMALNPRECISE.xlsx)', (t) => {
  table(t, [
    ['GAMMA', [2.22], 1.113989255962702], // BETA_GAMMA B12
    ['GAMMA', ['2.5'], 1.329340388179137], // GAMMA B22
    ['GAMMA', [1], 1],
    ['GAMMA', [-3], ERR.NUM], // BETA_GAMMA B2
    ['GAMMA', [0], ERR.NUM],
    ['GAMMA', [-0.5], -2 * Math.sqrt(Math.PI)], // identity Γ(−½) = −2√π
    ['GAMMALN', [46040], 448299.270632373], // B44
    ['GAMMALN', [9.9999999], 12.80182725490621], // B26
    ['GAMMALN', [0.001], 6.907178885383853], // B12
    ['GAMMALN', [7], 6.579251212010101], // B19
    ['GAMMALN.PRECISE', [10.0000001], 12.801827705256725], // C25
    ['GAMMALN.PRECISE', [-0.5], ERR.NUM], // C28
    ['GAMMA.DIST', [10, 9, 2, 'true'], 0.06809363472184855], // E47
    ['GAMMA.DIST', [5, 3, 1, true], 0.8753479805169189], // E9
    ['GAMMA.DIST', [10, null, 2, true], ERR.NUM], // E32
    ['GAMMADIST', [5, 3, 1, true], 0.8753479805169189],
    ['GAMMA.INV', [0, 9, 2], 0], // F55
    ['GAMMA.INV', [1.5, 9, 2], ERR.NUM], // F73
    ['GAMMA.INV', [ERR.VALUE, 9, 2], ERR.VALUE], // F48
    ['GAMMA.INV', [0.8753479805169189, 3, 1], 5], // inverse of E9
    ['GAMMAINV', [0.06809363472184855, 9, 2], 10], // inverse of E47
  ]);
});

test('beta family (BETADIST_BETAINV.xlsx, BETA_GAMMA.xlsx)', (t) => {
  table(t, [
    ['BETA.DIST', [0.23, 2, 2.5, true, 0.234, 1.2], ERR.NUM], // G17 (x below A)
    ['BETA.DIST', [10, 9, 2, true], ERR.NUM], // BETA_GAMMA G5
    ['BETA.DIST', ['3', '2', '3', true, '0', '10'], 0.34829999999999994], // G60
    ['BETA.DIST', [1, 1, 1, true], 1], // BETA_GAMMA G2
    ['BETADIST', ['3', '2', '3', '0', '10'], 0.34829999999999994],
    ['BETA.INV', [0.9966292763184484, 23, 45, 45900, 46100], 46000], // H52
    ['BETA.INV', [2.3817091316180232e-30, 100, 1, 0.1, 1], 0.555], // H30
    ['BETA.INV', [0.602252435582567, 2, 2.5, 0.2, 1.2], 0.7], // H14
    ['BETA.INV', [1.5, 1, 2, 0, 1], ERR.NUM], // H71
    ['BETA.INV', [1, 1, 2, 0, 1], ERR.NUM], // H69: probability 1
    ['BETAINV', [0.602252435582567, 2, 2.5, 0.2, 1.2], 0.7],
  ]);
});

test('BETA.INV near probability 1 is solved on the upper tail: the exact quantile of 1 − p (BETADIST_BETAINV.xlsx H10)', (t) => {
  // 1 − p = 3.7747582837255322e-15 exactly; the x whose upper tail is that (mpmath, 40
  // digits: 1.19999900435229887...) is also Excel's stored value. The lower tail rounds to
  // 1 over [1.1999990027, 1.1999990046], so a lower-tail solve lands anywhere in it.
  close(t, call('BETA.INV', 0.99999999999999623, 2, 2.5, 0.234, 1.2), 1.199999004352299);
  t.is(call('BETA.INV', 0.99999999999999623, 2, 2.5, 0.234, 1.2), 1.199999004352299);
  // The round trip holds in the upper tail across the range.
  for (const p of [0.6, 0.9, 0.999, 1 - 1e-9, 1 - 1e-13]) {
    const x = call('BETA.INV', p, 3, 1.5) as number;
    const back = 1 - (call('BETA.DIST', x, 3, 1.5, true) as number);
    t.true(Math.abs(back - (1 - p)) <= 1e-9 * (1 - p), `p = ${p}: 1 − BETA.DIST(${x}) = ${back}`);
  }
});

test('GAMMA.INV and CHISQ.INV near probability 1 are solved on the upper tail', (t) => {
  // 1 − (1 − 1e-12) = 9.999778782798785e-13 in doubles; Q(2, x) = e^−x (1 + x) equals it at
  // x = 31.09989602905379656... (mpmath, 40 digits). The lower tail rounds to 1 over a
  // stretch of about 1e-4 there.
  t.is(call('GAMMA.INV', 1 - 1e-12, 2, 1), 31.099896029053795);
  // CHISQ with 4 degrees of freedom is GAMMA(2, 2).
  close(t, call('CHISQ.INV', 1 - 1e-12, 4), 2 * 31.099896029053795);
});

test('chi-squared, t and F (CHISQ.xlsx, T_DIST.xlsx, F_DIST.xlsx, CONFIDENCE.xlsx)', (t) => {
  table(t, [
    ['CHISQ.DIST', [12.3, 4, true], 0.9847456053442304], // E2
    ['CHISQ.DIST', [8, 3.34, true], 0.9539882943107687], // E3 (df truncated)
    ['CHISQ.DIST', [12.3, 7.2, false], 0.030107210682426052], // E4
    ['CHISQ.DIST.RT', [12.3, 7.2], 0.09111488600031305], // G4
    ['CHIDIST', [12.3, 4], 0.015254394655769613], // = G2
    ['CHISQ.INV', [0.9847456053442304, 4], 12.299999999999997], // I2
    ['CHISQ.INV.RT', [0.015254394655769613, 4], 12.3], // J2
    ['CHIINV', [0.015254394655769613, 4], 12.3],
    ['CHISQ.DIST', [-1, 4, true], ERR.NUM],
    ['T.DIST', [3, 5.2, true], 0.9849503760512687], // F2
    ['T.DIST', [-2, 5.2, false], 0.0650903103262165], // F3
    ['T.DIST.RT', [-2, 5.2], 0.9490302605850708], // H3
    ['T.DIST.RT', [2.3, 5.2], 0.034886234666018645], // H4
    ['T.DIST.2T', [2.3, 5.2], 2 * 0.034886234666018645], // identity with H4
    ['T.DIST.2T', [-1, 5], ERR.NUM],
    ['TDIST', [2.3, 5.2, 1], 0.034886234666018645],
    ['TDIST', [2.3, 5.2, 3], ERR.NUM],
    ['T.INV', [0.9849503760512687, 5.2], 2.9999999999999973], // I2
    ['T.INV', [0.0650903103262165, 5.2], -1.8093538332133492], // I3
    ['T.INV.2T', [2 * 0.034886234666018645, 5], 2.3],
    ['TINV', [2 * 0.034886234666018645, 5], 2.3],
    ['F.DIST', [0.7, 4, 2.4, false], 0.40509259259259256], // F3
    ['F.DIST', [0.8, 2.4, 3, true], 0.4733220523344033], // F2
    ['F.DIST.RT', [0.7, 4, 2.4], 0.6597222222222223], // H3
    ['FDIST', [0.8, 2.4, 3], 0.5266779476655967], // H2
    ['F.INV', [0.40509259259259256, 4, 2.4], 0.8753979410454287], // J3
    ['F.INV.RT', [0.6597222222222223, 4, 2.4], 0.6999999999999997], // L3
    ['FINV', [0.5266779476655967, 2.4, 3], 0.8000000000000002], // L2
    ['CONFIDENCE.NORM', ['5%', 1, 50], 0.2771807648699355], // D37
    ['CONFIDENCE.NORM', [0.05, 1e-10, 50], 2.7718076486993548e-11], // D16
    ['CONFIDENCE.NORM', [0.05, 1, 1e-6], ERR.NUM], // D24
    ['CONFIDENCE', [0.05, 1, 50], 0.2771807648699355],
    ['CONFIDENCE.T', [0.05, 1e-10, 50], 2.841968554957298e-11], // E16
    ['CONFIDENCE.T', [0.05, 1, 1.000001], ERR.DIV0], // E20
    ['CONFIDENCE.T', [0.05, ERR.NA, 50], ERR.NA], // E51
  ]);
});

test('discrete distributions (BINOM.xlsx, POISSON.xlsx, HYPERGEOM_DIST.xlsx, PERMUT_PERMUTATIONA.xlsx)', (t) => {
  table(t, [
    ['BINOM.DIST', [2.01, 10, 0.5, true], 0.0546875], // E5
    ['BINOM.DIST', [7, 8, 0.7, null], 0.19765031999999993], // E54
    ['BINOM.DIST', [7, 8, 0.7, true], 0.94235199], // E2
    ['BINOM.DIST', [36531, 46028, 0.7, true], 1], // E61
    ['BINOMDIST', [7, 8, 0.7, true], 0.94235199],
    ['BINOM.DIST', [11, 10, 0.5, true], ERR.NUM],
    ['BINOM.DIST.RANGE', [10, 0.3, 2, 7], 0.8491012677], // E49
    ['BINOM.DIST.RANGE', [10, 0.3, null, null], 0.028247524899999994], // E30
    ['BINOM.DIST.RANGE', [10, 0.3, 5, 3], ERR.NUM], // E19
    ['BINOM.INV', [10, 0.5, 0.1], 3], // D31
    ['BINOM.INV', [10, 0.5, 0.8], 6], // D47
    ['BINOM.INV', [10, 0.7, 0], ERR.NUM], // D3
    ['BINOM.INV', [10, 0.7, 1], ERR.NUM], // D4
    ['BINOM.INV', [10, 1, 0.8], ERR.NUM], // D25
    ['CRITBINOM', [10, 0.5, 0.1], 3],
    ['NEGBINOM.DIST', [7, 8, 0.7, true], 0.949987459946224], // E2
    ['NEGBINOM.DIST', [true, 8, 0.7, true], 0.19600323399999986], // E71
    ['NEGBINOM.DIST', [0, true, 0.7, true], 0.7], // E72
    ['NEGBINOM.DIST', [2, -10, 0.3, true], ERR.NUM], // E45
    ['NEGBINOM.DIST', [2, 10, 1, true], ERR.NUM], // E33
    ['NEGBINOMDIST', [10, 5, 0.25], 0.05504866037517786], // Excel doc example 0.055049
    ['POISSON.DIST', [200, 100, true], 1], // D20
    ['POISSON.DIST', [0, 5, true], 0.006737946999085467], // D6
    ['POISSON.DIST', [0, 0, true], 1], // D12
    ['POISSON.DIST', [0, 0.001, true], 0.999000499833375], // D18
    ['POISSON.DIST', [-1e-6, 5, true], ERR.NUM], // D26
    ['POISSON', [2, 5, false], 0.08422433748856833], // Excel doc example 0.084224
    ['HYPGEOM.DIST', [1.8, 4.2, 8.2, 22, true], 0.5349282296650714], // F2
    ['HYPGEOM.DIST', [1.8, 4.2, 8.2, 18.34, false], 0.31372549019607815], // F3
    ['HYPGEOMDIST', [1, 4, 8, 20], 0.3632610939112487], // Excel doc example 0.363261
    ['PERMUT', [3, null], 1], // C4
    ['PERMUT', [1, 2], ERR.NUM], // C2
    ['PERMUT', [12.7, 4.6], 11880], // C9
    ['PERMUTATIONA', [12.7, 4.6], 20736], // D9
    ['PERMUTATIONA', [3, 2], 9], // D3
  ]);
});

test('fisher (FISHER_FISHERINV.xlsx)', (t) => {
  table(t, [
    ['FISHER', [2], ERR.NUM],
    ['FISHER', [-1], ERR.NUM],
    ['FISHER', [false], 0],
    ['FISHER', [1e-10], 1.000000082640371e-10], // B22: Excel's own rounding
    ['FISHERINV', [10], 0.9999999958776927], // C36
    ['FISHERINV', [0.5], 0.46211715726000974], // C34
  ]);
});

test('averages and spread', (t) => {
  // AVERAGE.xlsx B17: 1, FALSE, 0, TRUE, "Hola", blank, 3, "23", 12 in cells → 17/8
  const cells = col([1, false, 0, true, 'Hola', null, 3, '23', 12]);
  close(t, call('AVERAGEA', cells), 2.125);
  t.is(call('AVERAGEA', 1, 2, '5', 'CASE'), ERR.VALUE); // E28
  t.is(call('AVERAGEA', col([ERR.NA, 1])), ERR.NA);
  t.is(call('MINA', 4, '-1', true), -1); // MINA_MAXA E12
  t.is(call('MINA', 1, 'Hola'), ERR.VALUE); // G13
  t.is(call('MAXA', col([-3, true, 'x'])), 1);
  t.is(call('MAXA', col([null])), 0);
  close(t, call('STDEV.P', 1, 1.2, 1.3, 0.7), 0.22912878474779197); // STDEV.xlsx E2
  close(t, call('VAR.P', arr(1, 2, 3)), 0.6666666666666666); // VARIANCE F3
  close(t, call('VAR.S', 1, arr(1, 2, 3), 5), 2.8); // VARIANCE F5
  // Excel doc sample (STDEV/VAR examples): 1345,1301,1368,1322,1310,1370,1318,1350,1303,1299
  const strength = col([1345, 1301, 1368, 1322, 1310, 1370, 1318, 1350, 1303, 1299]);
  close(t, call('STDEV', strength), 27.46391572984349);
  close(t, call('STDEVP', strength), 26.054558142482477);
  close(t, call('VAR', strength), 754.2666666666667);
  close(t, call('VARP', strength), 678.84);
  close(t, call('STDEVA', strength), 27.46391572984349);
  close(t, call('VARPA', col([1, true, 'x'])), 2 / 9); // 1,1,0 → mean 2/3
  t.is(call('STDEV.S', 5), ERR.DIV0);
  t.is(call('VARA', col(['x'])), ERR.DIV0);
  close(t, call('DEVSQ', 4, 5, 8, 7, 11, 4, 3), 48); // doc example
  t.is(call('DEVSQ', col([null])), ERR.NUM);
  close(t, call('AVEDEV', 4, 5, 6, 7, 5, 4, 3), 1.0204081632653061); // doc example 1.020408
  close(t, call('GEOMEAN', 4, 5, 8, 7, 11, 4, 3), 5.476986969656962); // doc example 5.476987
  t.is(call('GEOMEAN', 4, -1), ERR.NUM);
  close(t, call('HARMEAN', 4, 5, 8, 7, 11, 4, 3), 5.028375962061728); // doc example 5.028376
  t.is(call('HARMEAN', 0, 1), ERR.NUM);
  close(t, call('KURT', 3, 4, 5, 2, 3, 4, 5, 6, 4, 7), -0.15179963720841627); // doc example -0.151800
  t.is(call('KURT', 1, 2, 3), ERR.DIV0);
  close(t, call('SKEW', 3, 4, 5, 2, 3, 4, 5, 6, 4, 7), 0.3595430714067974); // doc example 0.359543
  close(t, call('SKEW.P', 3, 4, 5, 2, 3, 4, 5, 6, 4, 7), 0.303193339354144); // doc example 0.303193
  t.is(call('SKEW', 1, 1, 1), ERR.DIV0);
  t.is(call('MEDIAN', 1, 2, 3, 4, 5, 6), 3.5);
  t.is(call('MEDIAN', col(['x'])), ERR.NUM);
  t.is(call('MODE.SNGL', new Matrix(1, 6, [1, 2, 3, 2, 2, 3])), 2); // MODE.xlsx D2
  t.is(call('MODE', arr(1, 2, 3, 4)), ERR.NA);
  t.deepEqual(call('MODE.MULT', arr(1, 2, 3, 4, 1, 2, 3, 4)), new Matrix(4, 1, [1, 2, 3, 4])); // L13
  t.is(call('MODE.MULT', arr(1, 2, 3, 4)), ERR.NA); // L12
});

test('order statistics', (t) => {
  t.is(call('SMALL', '3.4', 1), 3.4); // SMALL_LARGE J3
  t.is(call('SMALL', arr(1, '-1'), 1), 1); // F10: text inside arrays is skipped
  t.is(call('SMALL', arr(1, 2, 3, -8), 1), -8);
  t.is(call('SMALL', col(['13']), 1), ERR.NUM); // K10
  t.is(call('LARGE', col([3, 5, 3, 5, 4]), 3), 4); // doc example
  t.is(call('LARGE', col([3, 5]), 0), ERR.NUM);
  const data = col([1, 2, 3, 4]);
  t.is(call('PERCENTILE.INC', data, 0.3), 1.9); // doc example
  t.is(call('PERCENTILE', data, 1.1), ERR.NUM);
  t.is(call('QUARTILE.INC', col([1, 2, 4, 7, 8, 9, 10, 12]), 1), 3.5); // doc example
  const six = col([6, 7, 15, 36, 39, 40, 41, 42, 43, 47, 49]);
  t.is(call('QUARTILE.EXC', six, 1), 15); // doc example
  t.is(call('QUARTILE.EXC', six, 3), 43); // doc example
  t.is(call('QUARTILE.EXC', six, 4), ERR.NUM);
  close(t, call('PERCENTILE.EXC', col([1, 2, 3, 6, 6, 6, 7, 8, 9]), 0.25), 2.5); // doc example
  t.is(call('PERCENTILE.EXC', col([1, 2, 3]), 0.1), ERR.NUM);
  const pr = col([13, 12, 11, 8, 4, 3, 2, 1, 1, 1]);
  t.is(call('PERCENTRANK.INC', pr, 2), 0.333); // doc example
  t.is(call('PERCENTRANK.INC', pr, 4), 0.555); // doc example
  t.is(call('PERCENTRANK.INC', pr, 5), 0.583); // doc example (interpolated)
  t.is(call('PERCENTRANK.INC', pr, 20), ERR.NA);
  const ex = col([1, 2, 3, 6, 6, 6, 7, 8, 9]);
  t.is(call('PERCENTRANK.EXC', ex, 7), 0.7); // doc example
  t.is(call('PERCENTRANK.EXC', ex, 5.43), 0.381); // doc example
  t.is(call('PERCENTRANK.EXC', ex, 5.43, 1), 0.3); // doc example
  // PERCENTIL_QUARTIL.xlsx J18/K18: A14:A20 and 40 (lower neighbour at its last occurrence)
  const pq = col([12, -1, 7.5, 56, 12, -4, 3]);
  t.is(call('PERCENTRANK.INC', pq, 40), 0.939);
  t.is(call('PERCENTRANK.EXC', pq, 40), 0.829);
  const rk = range([[7], [3.5], [3.5], [1], [2]]);
  t.is(call('RANK', 3.5, rk, 1), 3); // doc example
  t.is(call('RANK.EQ', 7, rk, 1), 5); // doc example
  t.is(call('RANK.AVG', 3.5, rk, 1), 3.5);
  t.is(call('RANK.EQ', 9, rk), ERR.NA);
  t.is(call('RANK', 1, arr(1, 2)), ERR.VALUE);
  close(t, call('TRIMMEAN', col([4, 5, 6, 7, 2, 3, 4, 5, 1, 2, 3]), 0.2), 3.7777777777777777); // doc example
  t.is(call('TRIMMEAN', col([1, 2]), 1), ERR.NUM);
  t.deepEqual(call('FREQUENCY', col([79, 85, 78, 85, 50, 81, 95, 88, 97]), col([70, 79, 89])), new Matrix(4, 1, [1, 2, 4, 2])); // doc example
  close(t, call('PROB', col([0, 1, 2, 3]), col([0.2, 0.3, 0.1, 0.4]), 2), 0.1); // doc example
  close(t, call('PROB', col([0, 1, 2, 3]), col([0.2, 0.3, 0.1, 0.4]), 1, 3), 0.8); // doc example
  t.is(call('PROB', col([0, 1]), col([0.2, 0.3]), 1), ERR.NUM);
  t.is(call('PROB', col(['Hi', 'ho']), col(['hi', 'ho']), 1), ERR.DIV0); // PROB.xlsx O2
});

test('paired data (COVARIANCE.xlsx, CORREL etc.)', (t) => {
  table(t, [
    ['COVARIANCE.P', [arr(3, 2, 4, 5, 6), arr(9, 7, 12, 15, 17)], 5.2], // C3
    ['COVARIANCE.P', [arr(5), arr(10)], 0], // C16
    ['COVARIANCE.S', [arr(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), arr(2, 4, 6, 8, 10, 12, 14, 16, 18, 20)], 18.333333333333332], // D12
    ['COVARIANCE.S', [arr(0.1, 0.2, 0.3), arr(0.4, 0.5, 0.6)], 0.009999999999999998], // D13
    ['COVARIANCE.S', [arr(5), arr(10)], ERR.DIV0], // D16
    ['COVARIANCE.P', [arr(1, 2, 3), arr(1, 2)], ERR.NA],
    ['COVAR', [arr(3, 2, 4, 5, 6), arr(9, 7, 12, 15, 17)], 5.2],
  ]);
  const a = col([3, 2, 4, 5, 6]);
  const b = col([9, 7, 12, 15, 17]);
  close(t, call('CORREL', a, b), 0.9970544855015815); // doc example 0.997054486
  close(t, call('PEARSON', col([9, 7, 5, 3, 1]), col([10, 6, 1, 5, 3])), 0.6993786061802354); // doc 0.699379
  const y = col([2, 3, 9, 1, 8, 7, 5]);
  const x = col([6, 5, 11, 7, 5, 4, 4]);
  close(t, call('RSQ', y, x), 0.05795019157088122); // doc example 0.05795
  close(t, call('SLOPE', y, x), 0.3055555555555556); // doc example 0.305556
  close(t, call('INTERCEPT', col([2, 3, 9, 1, 8]), col([6, 5, 11, 7, 5])), 0.0483870967741935); // doc 0.0483871
  close(t, call('STEYX', y, x), 3.305718950210041); // doc example 3.305719
  close(t, call('FORECAST', 30, col([6, 7, 9, 15, 21]), col([20, 28, 31, 38, 40])), 10.607253086419755); // doc 10.607253
  close(t, call('FORECAST.LINEAR', 30, col([6, 7, 9, 15, 21]), col([20, 28, 31, 38, 40])), 10.607253086419755);
  // pairs with a non-number on either side are skipped
  close(t, call('SLOPE', col([1, 'x', 2, 3]), col([1, 5, 2, 3])), 1);
  t.is(call('CORREL', col([1, 1]), col([1, 2])), ERR.DIV0);
  t.is(call('SLOPE', col([1, ERR.NA]), col([1, 2])), ERR.NA);
});

test('tests of hypotheses', (t) => {
  // CHISQ.TEST doc example: actual 58,35 / 11,25 / 10,23 vs expected 45.35,47.65 / 17.56,18.44 / 16.09,16.91
  const actual = range([[58, 35], [11, 25], [10, 23]]);
  const expected = range([[45.35, 47.65], [17.56, 18.44], [16.09, 16.91]]);
  close(t, call('CHISQ.TEST', actual, expected), 0.0003081920170617867, 'CHISQ.TEST'); // 0.0003082
  close(t, call('CHITEST', actual, expected), 0.0003081920170617867);
  t.is(call('CHISQ.TEST', actual, col([1, 2])), ERR.NA);
  // F.TEST doc example → 0.64831785
  const f = call('F.TEST', col([6, 7, 9, 15, 21]), col([20, 28, 31, 38, 40])) as number;
  t.true(Math.abs(f - 0.64831785) < 5e-9, `F.TEST ${f}`); // documented to 8 decimals
  t.is(call('FTEST', col([1]), col([1, 2])), ERR.DIV0);
  // T.TEST doc example (paired, 2 tails) → 0.196016
  const d1 = col([3, 4, 5, 8, 9, 1, 2, 4, 5]);
  const d2 = col([6, 19, 3, 2, 14, 4, 5, 17, 1]);
  close(t, call('T.TEST', d1, d2, 2, 1), 0.19601578492951, 'T.TEST');
  close(t, call('TTEST', d1, d2, 2, 1), 0.19601578492951);
  t.is(call('T.TEST', d1, d2, 3, 1), ERR.NUM);
  // Z.TEST doc example → 0.090574 and 0.863043
  const z = col([3, 6, 7, 8, 6, 5, 4, 2, 1, 9]);
  close(t, call('Z.TEST', z, 4), 0.09057419685136392);
  close(t, call('ZTEST', z, 6), 0.8630433891391144);
  t.is(call('Z.TEST', col([null]), 4), ERR.NA);
});

test('LINEST / LOGEST / TREND / GROWTH (LINEST_LOGEST.xlsx, TREND_GROWTH.xlsx)', (t) => {
  const y = col([0.2, 0.41, 0.62, 0.8, 1.1]);
  const x = col([1.1, 1.9, 3.1, 4.05, 5]);
  const l = call('LINEST', y, x, null, true) as Matrix;
  t.true(l instanceof Matrix);
  close(t, l.get(0, 0), 0.21928887993553592); // D5
  close(t, l.get(0, 1), -0.03844530620467368); // E5
  close(t, l.get(1, 0), 0.013841437712295469); // D6
  close(t, l.get(2, 0), 0.9881888982191901); // D7
  close(t, l.get(3, 0), 250.99831918087844); // D8
  t.is(l.get(3, 1), 3); // E8
  close(t, l.get(4, 1), 0.00570617949234489); // E9
  const lnoc = call('LINEST', y, x, false) as Matrix;
  close(t, lnoc.get(0, 0), 0.20885684860968076); // D4
  t.is(lnoc.get(0, 1), 0);
  const lg = call('LOGEST', y, x) as Matrix;
  close(t, lg.get(0, 0), 1.502261308701874); // G2
  close(t, lg.get(0, 1), 0.15653044951525133); // H2
  close(t, (call('LINEST', y) as Matrix).get(0, 0), 0.21900000000000006); // D3
  const ty = col([0.2, 0.31, 0.4, 0.51, 0.7]);
  const tx = col([1.1, 2.1, 3, 5.2, 7]);
  const nx = col([8, 9, 11]);
  const tr = call('TREND', ty, tx, nx) as Matrix;
  t.is(tr.rows, 3);
  close(t, tr.get(0, 0), 0.7668816454592993); // D2
  close(t, tr.get(2, 0), 1.0049938992504792); // D4
  close(t, (call('TREND', ty, tx, nx, false) as Matrix).get(1, 0), 0.9552945069490403); // E3
  close(t, (call('GROWTH', ty, tx, nx) as Matrix).get(0, 0), 0.8925767627890601); // I2
  close(t, (call('GROWTH', ty) as Matrix).get(4, 0), 0.7084233928286627); // K6
  t.is(call('GROWTH', col([0.2, 0.31, true])), ERR.VALUE); // D10
  t.is(call('TREND', ty, col([1, 2, 3, 4])), ERR.REF); // I10
});
