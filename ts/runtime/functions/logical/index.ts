/** The logical family: imports (registers) each of its files. */
import './basic.js';
import './logical.js';
