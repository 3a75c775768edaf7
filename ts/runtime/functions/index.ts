/**
 * Registers every function family, one folder per Excel category. Each folder's index
 * imports the files of that family; no family registers another.
 */
import './math/index.js';
import './statistical/index.js';
import './text/index.js';
import './information/index.js';
import './date-time/index.js';
import './financial/index.js';
import './lookup/index.js';
import './engineering/index.js';
import './logical/index.js';
import './database/index.js';
