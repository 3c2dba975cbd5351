/**
 * What `spool queue ...` and `spool topic ...` share: a command group with global --url and
 * --json, subcommands with a name, list paging flags, and one-line or JSON reports.
 */
import type { Argv, CommandModule } from 'yargs';
import { integer, URL_OPTION } from './args.js';
import { printJson } from './output.js';

export interface Common {
  url: string;
  json?: boolean;
}

export type Args = Common & { name: string } & Record<string, unknown>;

/** Each subcommand's builder narrows its own args; the group only needs the common ones. */
export const sub = (module: CommandModule<Common, Args>) => module as unknown as CommandModule<Common, Common>;

/** The `<name>` positional of a subcommand. */
export function named(describe: string) {
  return (y: Argv<Common>) => y.positional('name', { type: 'string', demandOption: true, describe });
}

export const pagingFlags = <T>(y: Argv<T>) =>
  y
    .option('prefix', { type: 'string', default: '', describe: 'Only names starting with this' })
    .option('offset', { default: 0, coerce: integer('offset') })
    .option('limit', { default: 50, coerce: integer('limit'), describe: '1-1000' });

export const paging = (args: Args) => ({ prefix: args.prefix as string, offset: args.offset as number, limit: args.limit as number });

/** One line for people, or `json` with --json. */
export function report(args: Common, json: object, text: string): void {
  if (args.json) printJson(json);
  else process.stdout.write(`${text}\n`);
}

/** `spool <noun> <command>`: the subcommands, with --url and --json on all of them. */
export function commandGroup(noun: string, describe: string, subcommands: CommandModule<Common, Common>[]): CommandModule<object, Common> {
  return {
    command: `${noun} <command>`,
    describe,
    builder: (y) => {
      let out = y.option('url', { ...URL_OPTION, global: true }).option('json', { type: 'boolean', describe: 'Print JSON instead of tables', global: true }) as unknown as Argv<Common>;
      for (const command of subcommands) out = out.command(command);
      return out.demandCommand(1, `Name a ${noun} command; see spool ${noun} --help.`);
    },
    handler: () => {},
  };
}
