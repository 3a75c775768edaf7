/** The information family: imports (registers) each of its files. */
import './info.js';
