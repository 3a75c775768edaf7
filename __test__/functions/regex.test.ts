/**
 * The runtime's regular-expression engine (PCRE2 syntax, linear-time matching for the
 * regular subset) behind REGEXTEST / REGEXEXTRACT / REGEXREPLACE. Expected values: Excel's
 * REGEX documentation examples and PCRE2's documented semantics; the pathological pattern
 * is bounded in steps, not in time.
 */
import test from 'ava';
import { ERR, Matrix } from '../../ts/runtime/index.js';
import { compileRegex, RegexSearcher, RegexBudgetExceeded } from '../../ts/runtime/functions/text/regex-engine.js';
import { UNSUPPORTED_REGEX_TOKENS, unsupportedRegex } from '../../ts/runtime/functions/text/regex.js';
import { functionFacts, unsupportedCall } from '../../ts/runtime/registry.js';
import { call } from '../helpers/runtime.js';

test('catastrophic backtracking: ^(a+)+$ on 30 a\'s and a "!" is FALSE in a linear number of steps', (t) => {
  const text = 'a'.repeat(30) + '!';
  t.is(call('REGEXTEST', text, '^(a+)+$'), false);
  const re = compileRegex('^(a+)+$');
  t.true(re.linear);
  const s = new RegexSearcher(re, text);
  t.is(s.find(0), null);
  // Each (instruction, position) state is tried at most once: at most |program| × (n + 1).
  t.true(s.steps <= re.prog.length * (text.length + 1), `${s.steps} steps`);
  // Doubling the text at most doubles the work (a backtracking engine would square it and more).
  const s2 = new RegexSearcher(re, 'a'.repeat(60) + '!');
  s2.find(0);
  t.true(s2.steps <= 2.2 * s.steps, `${s2.steps} vs ${s.steps}`);
  // Other classic explosions.
  for (const [p, x] of [
    ['(a|aa)+$', 'a'.repeat(40) + 'b'],
    ['(x+x+)+y', 'x'.repeat(40)],
    ['^(\\w+\\s?)*$', 'An input that is long enough to hurt a backtracking matcher!'],
  ] as const) {
    const r = compileRegex(p);
    const searcher = new RegexSearcher(r, x);
    t.is(searcher.find(0), null, p);
    t.true(searcher.steps <= r.prog.length * (x.length + 1) * (x.length + 1), `${p}: ${searcher.steps}`);
  }
});

test('backreferences run without memoisation under a step budget: past it, #CALC!', (t) => {
  const re = compileRegex('^(a+)+\\1$');
  t.false(re.linear);
  const searcher = new RegexSearcher(re, 'a'.repeat(30) + '!', 100000);
  t.throws(() => searcher.find(0), { instanceOf: RegexBudgetExceeded });
  t.is(call('REGEXTEST', 'a'.repeat(30) + '!', '^(a+)+\\1$'), ERR.CALC);
  // Within the budget they work: a doubled word.
  t.is(call('REGEXEXTRACT', 'this is is a test', '\\b(\\w+) \\1\\b'), 'is is');
  t.is(call('REGEXTEST', 'abcABC', '^(abc)\\1$', 1), true);
});

test('Excel documentation examples', (t) => {
  // REGEXTEST: does the text contain a phone number of this shape?
  t.is(call('REGEXTEST', '(378) 555-4195', '\\(\\d{3}\\) \\d{3}-\\d{4}'), true);
  t.is(call('REGEXTEST', 'Sonia Brown', '[0-9]'), false);
  // REGEXEXTRACT: names, all of them, capturing groups.
  t.is(call('REGEXEXTRACT', 'DylanWilliams', '[A-Z][a-z]+'), 'Dylan');
  t.deepEqual(call('REGEXEXTRACT', '10 apples, 12 oranges', '[0-9]+', 1), new Matrix(1, 2, ['10', '12']));
  t.deepEqual(call('REGEXEXTRACT', 'O my Luve red rose', 'O my (\\w+) red (\\w+)', 2), new Matrix(1, 2, ['Luve', 'rose']));
  t.is(call('REGEXEXTRACT', '09/12/1998 from James', '\\d{1,2}/\\d{1,2}/\\d{2,4}\\b'), '09/12/1998');
  // REGEXREPLACE: reorder with groups; anonymise digits.
  t.is(call('REGEXREPLACE', 'Sonia Rees', '([A-Z][a-z]+) ([A-Z][a-z]+)', '$2, $1'), 'Rees, Sonia');
  t.is(call('REGEXREPLACE', '(378) 555-4195', '[0-9]{3}-', '***-'), '(378) ***-4195');
});

test('PCRE2 semantics: leftmost-first alternation, lazy and greedy, anchors, classes, flags', (t) => {
  t.is(call('REGEXEXTRACT', 'abcd', 'a|ab|abc'), 'a'); // leftmost-first, not longest
  t.is(call('REGEXEXTRACT', '<a><b>', '<.+>'), '<a><b>');
  t.is(call('REGEXEXTRACT', '<a><b>', '<.+?>'), '<a>');
  t.is(call('REGEXEXTRACT', 'x{1}y', 'x\\{1\\}y'), 'x{1}y');
  t.is(call('REGEXEXTRACT', 'aaa', 'a{2}'), 'aa');
  t.is(call('REGEXEXTRACT', 'a{,}b', 'a{,}b'), 'a{,}b'); // not a quantifier: literal braces
  t.is(call('REGEXTEST', 'line1\nline2', '^line2$'), false);
  t.is(call('REGEXTEST', 'line1\nline2', '(?m)^line2$'), true);
  t.is(call('REGEXTEST', 'end\n', 'end$'), true); // $ before a final newline
  t.is(call('REGEXTEST', 'a\nb', 'a.b'), false);
  t.is(call('REGEXTEST', 'a\nb', '(?s)a.b'), true);
  t.is(call('REGEXTEST', 'HELLO', '(?i)hello'), true);
  t.is(call('REGEXTEST', 'HELLO', 'h(?i:ELLO)'), false);
  t.is(call('REGEXEXTRACT', 'Price: $42.50', '\\$(\\d+)\\.(\\d{2})'), '$42.50');
  t.is(call('REGEXEXTRACT', 'tab\there', '[[:alpha:]]+\\t'), 'tab\t');
  t.is(call('REGEXEXTRACT', 'a-b_c', '[\\w-]+'), 'a-b_c');
  t.is(call('REGEXEXTRACT', 'naïve café', '\\w+'), 'na'); // \w is ASCII (PCRE2 without UCP)
  t.is(call('REGEXEXTRACT', 'naïve', '.{3}'), 'naï'); // one code point per "."
  t.is(call('REGEXEXTRACT', 'x😀y', 'x.y'), 'x😀y');
  t.is(call('REGEXEXTRACT', 'a b', '(?x) a \\  b'), 'a b');
  t.is(call('REGEXEXTRACT', 'key=value', '(?<k>\\w+)=(?<v>\\w+)', 2) instanceof Matrix, true);
  t.is(call('REGEXREPLACE', 'key=value', '(?<k>\\w+)=(?<v>\\w+)', '${v}=$k'), 'value=key');
  t.is(call('REGEXEXTRACT', 'foobar', 'foo(?=bar)'), 'foo');
  t.is(call('REGEXEXTRACT', 'foobaz', 'foo(?!bar)'), 'foo');
  t.is(call('REGEXEXTRACT', 'price 100 USD', '(?<=price )\\d+'), '100');
  t.is(call('REGEXEXTRACT', 'aaab', '(?>a+)b'), 'aaab');
  t.is(call('REGEXTEST', 'aaa', '^a++a$'), false); // possessive: gives nothing back
  t.is(call('REGEXEXTRACT', 'ab', '(a)|b', 2) instanceof Matrix, true);
});

test('empty matches: REGEXREPLACE inserts between characters; all matches advance', (t) => {
  t.is(call('REGEXREPLACE', 'abc', 'x*', '-'), '-a-b-c-');
  t.is(call('REGEXREPLACE', 'abc', '', '-'), '-a-b-c-');
  t.deepEqual(call('REGEXEXTRACT', 'a1b22', '\\d*', 1), new Matrix(1, 5, ['', '1', '', '22', '']));
  t.is(call('REGEXREPLACE', 'aaa', '(a*)*', 'X'), 'XX');
});

test('errors: bad patterns #VALUE!, unsupported constructs #CALC!, bad replacements #VALUE!', (t) => {
  for (const p of ['(', 'a)', '[a', '*a', 'a{2,1}', '\\', '(?<n>a)(?<n>b)', '\\2(a)', '\\q']) t.is(call('REGEXTEST', 'a', p), ERR.VALUE, p);
  for (const p of ['(?R)', '(a)(?1)', '(?(1)a|b)', 'a\\Kb', '\\p{L}', '(*FAIL)', '(?<=a+)b']) {
    t.is(call('REGEXTEST', 'ab', p), ERR.CALC, p);
    t.true(typeof unsupportedRegex(p) === 'string', p);
  }
  t.is(unsupportedRegex('a+b'), undefined);
  t.is(unsupportedRegex('('), undefined); // a syntax error is Excel's own #VALUE!, computed exactly
  t.is(call('REGEXREPLACE', 'abc', 'b', '$&'), ERR.VALUE);
  t.is(call('REGEXREPLACE', 'abc', 'b', '$2'), ERR.VALUE);
  t.is(call('REGEXREPLACE', 'abc', 'b', '$$'), 'a$c');
  t.is(call('REGEXTEST', 'a', 'a', 2), ERR.VALUE);
  t.is(call('REGEXEXTRACT', 'a', 'a', 3), ERR.VALUE);
  // Results longer than a cell: #VALUE!, found while building.
  t.is(call('REGEXREPLACE', 'x'.repeat(20000), 'x', 'yy'), ERR.VALUE);
});

test('build-time restriction: every literal pattern the engine rejects as unsupported is backfilled by the compiler', (t) => {
  // The compiler does not parse patterns: it backfills a literal pattern containing any
  // of UNSUPPORTED_REGEX_TOKENS. That list must catch every construct the engine rejects
  // (a superset: some patterns it catches, like a fixed lookbehind, would run).
  const shapes = (p: string) => [{ kind: 'computed' as const }, { kind: 'literal' as const, value: p }];
  const rejected = [
    '(?R)', '(a)(?1)', '(a)(?-1)', '(a)(?+1)', '(?&n)', '(?P>n)', '(?(1)a|b)', '(?C1)a', '(?|a|b)', '(?J)a', '(?iU)a',
    'a\\Kb', '\\R', '\\X', '\\C', '\\p{L}', '[\\P{L}]', '(*FAIL)', '(*UTF)a', '(a)\\g<1>', "(a)\\g'1'", '(?<=a+)b', '(?<!a|bc+)d',
  ];
  for (const p of rejected) {
    t.true(typeof unsupportedRegex(p) === 'string', `engine runs ${p}`);
    for (const name of ['REGEXTEST', 'REGEXEXTRACT', 'REGEXREPLACE']) t.truthy(unsupportedCall(name, shapes(p)), `${name} ${p}`);
  }
  for (const p of ['a+b', '(?i)ab', '(?:a)(?=b)', '(?<n>a)\\k<n>', '(a)\\g1', '\\d+\\.\\w*', '(']) {
    t.is(unsupportedCall('REGEXTEST', shapes(p)), undefined, p);
  }
  // A pattern computed at run time is the runtime's: #CALC! for an unsupported construct.
  t.is(unsupportedCall('REGEXTEST', [{ kind: 'computed' }, { kind: 'computed' }]), undefined);
  // The compiler receives the same declaration.
  const facts = functionFacts().find((f) => f.name === 'REGEXREPLACE');
  t.deepEqual(facts?.restrictions?.[0]?.when, [{ arg: 1, test: 'contains', texts: [...UNSUPPORTED_REGEX_TOKENS] }]);
});
