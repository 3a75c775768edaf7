/** The financial family: imports (registers) each of its files. */
import './tvm.js';
import './bonds.js';
import './odd.js';
