/** The text family: imports (registers) each of its files. */
import './text.js';
import './regex.js';
import './bahttext.js';
