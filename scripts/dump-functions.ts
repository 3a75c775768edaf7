// Writes the runtime's function facts and Excel's catalogue as JSON, for
// crates/sheetc/examples/build.rs: npx tsx scripts/dump-functions.ts /tmp/functions.json
// The same table compile() passes to the native compiler.
import { writeFileSync } from 'node:fs';
import { functionFacts } from '../ts/runtime/index.js';
import { EXCEL_FUNCTIONS } from '../ts/runtime/catalog.js';

const table = { facts: functionFacts(), known: EXCEL_FUNCTIONS.map((f) => f.name) };
writeFileSync(process.argv[2] ?? 'functions.json', JSON.stringify(table));
