// Writes the runtime's function table (names, parameter kinds, Excel's catalogue) as JSON,
// for crates/sheetc-core/examples/build.rs: npx tsx scripts/dump-functions.ts /tmp/functions.json
import { writeFileSync } from 'node:fs';
import { functionSpec, supportedFunctions } from '../ts/runtime/index.js';
import { EXCEL_FUNCTIONS } from '../ts/runtime/catalog.js';
const params = supportedFunctions().map((name) => { const s = functionSpec(name)!; const k = s.returnsRef ? s.params.map(() => 'a') : s.params.map((p) => (p === 'any' ? 'a' : 'v')); return `${name}=${k.join('')}`; });
writeFileSync(process.argv[2] ?? 'functions.json', JSON.stringify({ functions: supportedFunctions(), params, known: EXCEL_FUNCTIONS.map((f) => f.name) }));
