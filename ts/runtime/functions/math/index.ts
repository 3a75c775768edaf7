/** The math family: imports (registers) each of its files. */
import './basic.js';
import './math.js';
import './criteria.js';
