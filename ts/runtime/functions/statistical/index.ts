/** The statistical family: imports (registers) each of its files. */
import './basic.js';
import './stats.js';
import './regression.js';
