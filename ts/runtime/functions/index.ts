/** Registers every function family. Each file calls `define`/`defineFn` at import. */
import './core.js';
import './math.js';
import './stats.js';
import './text.js';
import './info.js';
import './dates.js';
import './financial.js';
import './financial-odd.js';
import './lookup.js';
import './dynamic.js';
import './engineering.js';
import './logical.js';
import './database.js';
import './workbook-info.js';
