/** The date and time family: imports (registers) each of its files. */
import './dates.js';
