/** The lookup and reference family: imports (registers) each of its files. */
import './lookup.js';
import './dynamic.js';
import './formula-info.js';
import './groupby.js';
