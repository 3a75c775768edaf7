#!/usr/bin/env node
/**
 * The `sheetc` command line. Commands live in `cli/commands/`, one file each; this file
 * dispatches, prints help (`sheetc help [command]`, `sheetc CMD --help`) and turns errors
 * into one line (or JSON under `--json`) with a stable code and exit status 2.
 */
import { readFileSync } from 'node:fs';
import { didYouMean, formatOptions, parseArgs } from './cli/args.js';
import type { Command } from './cli/command.js';
import { COMMANDS } from './cli/commands/index.js';
import { colorEnabled, formatError, paint, type Streams } from './cli/io.js';
import { SheetcError } from './errors.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function mainHelp(): string {
  return `sheetc — compile an Excel workbook into a standalone JavaScript engine

Usage: sheetc <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.usage}\n      ${c.summary}`).join('\n')}
  sheetc help [COMMAND]
      help for a command, with its options

Options:
  -h, --help     this help
  -v, --version  the version

Options take --name value or --name=value; -- ends the options. Errors print
"sheetc: message [E_CODE]" (JSON on stderr with --json) and exit with status 2.
`;
}

export function commandHelp(c: Command): string {
  return `Usage: ${c.usage}\n\n${c.description}\n\nOptions:\n${formatOptions(c.options)}\n`;
}

function findCommand(name: string): Command {
  const c = COMMANDS.find((x) => x.name === name);
  if (!c) {
    throw new SheetcError('E_INVALID_OPTION', `unknown command "${name}"${didYouMean(name, [...COMMANDS.map((x) => x.name), 'help'])} (see sheetc --help)`);
  }
  return c;
}

async function main(argv: string[], streams: Streams): Promise<number> {
  const first = argv[0];
  if (first === undefined) {
    streams.stdout.write(mainHelp());
    return 1;
  }
  if (first === '-h' || first === '--help') {
    streams.stdout.write(mainHelp());
    return 0;
  }
  if (first === '-v' || first === '--version') {
    streams.stdout.write(`sheetc ${packageVersion()}\n`);
    return 0;
  }
  if (first === 'help') {
    const topic = argv[1];
    streams.stdout.write(topic === undefined ? mainHelp() : commandHelp(findCommand(topic)));
    return 0;
  }
  if (first.startsWith('-')) throw new SheetcError('E_INVALID_OPTION', `expected a command before ${first} (see sheetc --help)`);
  const command = findCommand(first);
  const rest = argv.slice(1);
  const { options, positionals } = parseArgs(rest, command.options);
  if (options.help === true) {
    streams.stdout.write(commandHelp(command));
    return 0;
  }
  const json = options.json === true;
  return command.run({
    options,
    positionals,
    streams,
    json,
    paint: paint(colorEnabled(streams.stdout)),
    paintErr: paint(colorEnabled(streams.stderr)),
    showProgress: !json && streams.stderr.isTTY === true,
  });
}

// A closed pipe (`sheetc eval ... | head`) ends the output quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const argv = process.argv.slice(2);
// --json is known before parsing, so that even a parse error is reported as JSON.
const wantsJson = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length).some((a) => a === '--json' || a === '--json=true');
main(argv, { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // A sheetc error (from any runtime copy: engines carry their own) or any error with
    // an E_ code; anything else is a bug, reported as E_INTERNAL.
    if (e instanceof SheetcError || (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string' && String((e as { code: string }).code).startsWith('E_'))) {
      const err = e as SheetcError;
      process.stderr.write(formatError({ code: err.code, message: err.message, location: err.location }, wantsJson, paint(colorEnabled(process.stderr))));
      process.exitCode = 2;
    } else {
      const err = e as Error;
      process.stderr.write(
        wantsJson
          ? formatError({ code: 'E_INTERNAL', message: err?.message ?? String(e), details: { stack: err?.stack } }, true)
          : `sheetc: internal error: ${err?.stack ?? String(e)} [E_INTERNAL]\n`,
      );
      process.exitCode = 70;
    }
  },
);
