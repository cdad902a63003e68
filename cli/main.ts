/**
 * `mreg`, the command-line client: the program (commands, global flags, help with examples)
 * and the one place errors become a message and an exit code.
 */
import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { registerAliases } from './commands/aliases.js';
import { examples } from './commands/help-text.js';
import { registerModels } from './commands/models.js';
import { registerSetup } from './commands/setup.js';
import { registerTracking } from './commands/tracking.js';
import { registerTransfer } from './commands/transfer.js';
import { registerVersions } from './commands/versions.js';
import { CliError, EXIT, UsageError } from './errors.js';
import { closest, type GlobalFlags, Invocation } from './invocation.js';
import { stopAllBars } from './progress.js';
import { routeThroughEnvironmentProxy } from './proxy.js';

/** Wraps a command's action: builds the invocation from the flags (global ones included). */
export type Act = <A extends unknown[]>(
  fn: (inv: Invocation, ...args: A) => Promise<void>,
) => (...args: unknown[]) => Promise<void>;

const ROOT_HELP = `
Configuration (first found wins):
  registry URL   --url, MREG_URL, the config file, else http://127.0.0.1:8080
  token          --token, MREG_TOKEN, the config file, else none
  config file    $XDG_CONFIG_HOME/mreg/config.json or ~/.config/mreg/config.json
                 (written by \`mreg login\`; see \`mreg config show\`)
  proxy          HTTP_PROXY, HTTPS_PROXY (http://[user:password@]host:port), NO_PROXY

Output: tables on a terminal, tab-separated lines when piped, --json for scripts,
--quiet for just the essential value (a version number, a run id).

Exit codes:
  0  ok            2  usage (unknown command or flag, bad value)   4  auth (401, 403)
  1  error         3  not found                                    5  integrity (SHA-256 mismatch)
${examples([
  'mreg login http://127.0.0.1:8080',
  'mreg push fraud ./model --label 1.2.0 --create',
  'mreg alias set fraud champion 1',
  'mreg pull fraud@champion ./serving',
  'mreg versions ls fraud',
  'mreg help push',
])}`;

/** The help of `mreg help models ls` and friends: the command at the end of a path of names. */
function findCommand(root: Command, names: string[]): Command {
  let command = root;
  for (const name of names) {
    const next = command.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (!next) {
      const guess = closest(
        name,
        command.commands.map((c) => c.name()),
      );
      throw new UsageError(`unknown command '${[...pathOf(command), name].join(' ')}'`, [
        guess ? `did you mean '${[...pathOf(command), guess].join(' ')}'?` : `see: ${pathOf(command).join(' ')} --help`,
      ]);
    }
    command = next;
  }
  return command;
}

function pathOf(command: Command): string[] {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names;
}

export function buildProgram(act: Act, write: Writers): Command {
  const program = new Command('mreg');
  program
    .description('mreg: push, pull and manage models in an mreg registry')
    .version(pkg.version, '-V, --version', 'print the version')
    .option('--url <url>', 'registry URL (overrides MREG_URL and the config file)')
    .option('--token <token>', 'bearer token (overrides MREG_TOKEN and the config file)')
    .option('--json', 'print JSON (for scripts)')
    .option('-q, --quiet', 'print only the essential value; no progress')
    .option('--no-color', 'no colours (NO_COLOR works too)')
    .helpOption('-h, --help', 'show help')
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .configureOutput({
      writeOut: write.out,
      writeErr: write.err,
      outputError: (text, out) => out(`mreg: error: ${text.replace(/^error: /, '')}`),
    })
    .exitOverride()
    .addHelpText('after', ROOT_HELP);

  registerTransfer(program, act);
  registerModels(program, act);
  registerVersions(program, act);
  registerAliases(program, act);
  registerTracking(program, act);
  registerSetup(program, act);

  program
    .command('help [command...]')
    .description('show help for a command, e.g. `mreg help push`, `mreg help models ls`')
    .action((names: string[]) => {
      findCommand(program, names).outputHelp();
    });

  // Every command: errors end with where to read more; help shows its examples.
  const visit = (command: Command) => {
    command.showHelpAfterError(`Run '${pathOf(command).join(' ')} --help' for usage and examples.`);
    // One help command, at the top: `mreg help models ls`.
    if (command !== program) command.helpCommand(false);
    for (const child of command.commands) {
      child.copyInheritedSettings(command);
      visit(child);
    }
  };
  visit(program);
  return program;
}

function printError(error: CliError, inv: Invocation | undefined, err: (s: string) => void): void {
  if (inv?.flags.json) {
    err(
      `${JSON.stringify({
        error: {
          message: error.message,
          exitCode: error.exitCode,
          ...(error.hints.length > 0 ? { hints: error.hints } : {}),
        },
      })}\n`,
    );
    return;
  }
  const colors = inv?.out.colors;
  err(`${colors ? colors.red('mreg: error:') : 'mreg: error:'} ${error.message}\n`);
  for (const hint of error.hints) err(`  ${hint}\n`);
  if (process.env.MREG_DEBUG && error.cause instanceof Error) err(`${error.cause.stack}\n`);
}

export interface Writers {
  out: (text: string) => void;
  err: (text: string) => void;
}

const STDIO: Writers = {
  out: (text) => {
    process.stdout.write(text);
  },
  err: (text) => {
    process.stderr.write(text);
  },
};

export async function main(argv: string[], write: Writers = STDIO): Promise<number> {
  let current: Invocation | undefined;
  const act: Act =
    (fn) =>
    async (...args) => {
      const command = args.at(-1) as Command;
      current = new Invocation(command.optsWithGlobals<GlobalFlags>());
      await routeThroughEnvironmentProxy();
      await (fn as (inv: Invocation, ...rest: unknown[]) => Promise<void>)(current, ...args.slice(0, -1));
    };
  const program = buildProgram(act, write);
  // Ctrl-C: the bars give the cursor back, and the person learns that running it again resumes.
  const onInterrupt = () => {
    stopAllBars();
    write.err('\nmreg: interrupted (run a push or pull again: it continues where it stopped)\n');
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  try {
    return await run(program, argv, write, () => current);
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

async function run(
  program: Command,
  argv: string[],
  write: Writers,
  current: () => Invocation | undefined,
): Promise<number> {
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT.ok;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end the run successfully; everything else commander refuses is usage.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    const invocation = current();
    const explained = invocation ? await invocation.explain(error) : error instanceof CliError ? error : undefined;
    if (!explained) {
      write.err(`mreg: error: ${error instanceof Error ? error.message : String(error)}\n`);
      return EXIT.error;
    }
    printError(explained, invocation, write.err);
    return explained.exitCode;
  }
}
