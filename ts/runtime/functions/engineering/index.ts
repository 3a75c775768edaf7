/** The engineering family: imports (registers) each of its files. */
import './engineering.js';
