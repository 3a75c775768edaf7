/** The database family: imports (registers) each of its files. */
import './database.js';
