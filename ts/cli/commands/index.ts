/** Every `sheetc` command, in the order help lists them. Add a command here and in its own file. */
import type { Command } from '../command.js';
import { build } from './build.js';
import { evalCommand } from './eval.js';
import { inspect } from './inspect.js';
import { report } from './report.js';
import { verifyCommand } from './verify.js';
import { workerCommand } from './worker.js';
import { explainCommand, findCommand, goalSeekCommand, scenarioCommand, sensitivityCommand } from './whatif.js';

export const COMMANDS: readonly Command[] = [
  build,
  evalCommand,
  verifyCommand,
  inspect,
  report,
  findCommand,
  explainCommand,
  goalSeekCommand,
  sensitivityCommand,
  scenarioCommand,
  workerCommand,
];
