/**
 * Fuzzy matching of label words: case, accents and punctuation ignored; a word matches
 * exactly (1), as a prefix (0.9: "disc" → "discount"), inside a longer word (0.7:
 * "rate" → "interestrate"), or within one edit for words of 4+ letters and two for
 * 8+ (0.8 − 0.1 per edit: "dicount" → "discount"). What "sheetc find" ranks by.
 */

/** Lower case, accents removed, every run of non-letters/digits one space. */
export function normalise(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function tokens(text: string): string[] {
  const n = normalise(text);
  return n ? n.split(' ') : [];
}

/** How well a query word matches a label word, 0 (not at all) to 1 (the same word). */
export function matchScore(query: string, word: string): number {
  if (query === word) return 1;
  if (query.length >= 2 && word.startsWith(query)) return 0.9;
  if (query.length >= 3 && word.includes(query)) return 0.7;
  if (query.length >= 4 && word.length >= 4) {
    const allowed = Math.min(query.length, word.length) >= 8 ? 2 : 1;
    if (Math.abs(query.length - word.length) > allowed) return 0;
    const d = editDistance(query, word);
    if (d <= allowed) return 0.8 - 0.1 * d;
  }
  return 0;
}

/** Levenshtein distance (words are short: the plain two-row table). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
