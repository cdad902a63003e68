/**
 * The CLI's face before any registry answers: help on every command (with examples), the
 * version, unknown commands and flags named with the closest match and exit 2, an unreachable
 * registry named with where its URL came from; and the pure parts (argument values, the
 * configuration's precedence).
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { duration, keyJson, modelRef, size } from '../../cli/args.js';
import { maskToken, resolveConfig } from '../../cli/config.js';
import { type Act, buildProgram, main } from '../../cli/main.js';
import pkg from '../../package.json' with { type: 'json' };
import { freePort } from '../support/aws/servers.js';
import { type CliHome, cliHome } from '../support/cli-runner.js';

const noAction: Act = () => async () => undefined;

/** Runs main() in this process, capturing what commander writes. */
async function inProcess(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join(''), err: err.join('') };
}

function commandPaths(): string[][] {
  const program = buildProgram(noAction, { out: () => undefined, err: () => undefined });
  const paths: string[][] = [];
  const walk = (command: Command, path: string[]) => {
    for (const child of command.commands) {
      paths.push([...path, child.name()]);
      walk(child, [...path, child.name()]);
    }
  };
  walk(program, []);
  return paths;
}

describe('help', () => {
  const paths = commandPaths();

  it('covers the commands of the issue', () => {
    const names = paths.map((p) => p.join(' '));
    for (const expected of [
      'models ls',
      'models show',
      'models create',
      'models rm',
      'versions ls',
      'versions show',
      'versions rm',
      'versions archive',
      'alias set',
      'alias rm',
      'alias history',
      'push',
      'pull',
      'runs ls',
      'runs show',
      'runs create',
      'runs finish',
      'metrics log',
      'metrics history',
      'login',
      'config show',
      'status',
    ])
      expect(names).toContain(expected);
  });

  it('`mreg <command> --help` and `mreg help <command>` work for every command; leaves show examples', async () => {
    for (const path of paths) {
      const flag = await inProcess([...path, '--help']);
      expect(flag.code, path.join(' ')).toBe(0);
      expect(flag.out).toContain(`Usage: mreg ${path.join(' ')}`);
      const program = buildProgram(noAction, { out: () => undefined, err: () => undefined });
      let command = program;
      for (const name of path) command = command.commands.find((c) => c.name() === name) as Command;
      if (command.commands.length === 0 && path[0] !== 'help') expect(flag.out, path.join(' ')).toContain('Examples:');
      if (path[0] === 'help') continue;
      const viaHelp = await inProcess(['help', ...path]);
      expect(viaHelp.code).toBe(0);
      expect(viaHelp.out).toBe(flag.out);
    }
  });

  it('`mreg help` with an unknown command names the closest one (exit 2)', async () => {
    const result = await inProcess(['help', 'modles']);
    expect(result.code).toBe(2);
  });
});

describe('the bin', () => {
  let home: CliHome;
  let closedPort: number;
  beforeAll(async () => {
    home = await cliHome();
    closedPort = await freePort();
  });
  afterAll(async () => home?.remove());

  it('prints help, its version, and nothing else when run bare', async () => {
    const help = await home.run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    expect(help.stdout).toContain('$ mreg push fraud ./model');
    const bare = await home.run([]);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toContain('Usage: mreg');
    const nested = await home.run(['help', 'models', 'ls']);
    expect(nested.stdout).toContain('Usage: mreg models ls');
    expect((await home.run(['pull', '--help'])).stdout).toContain('label:<label>');
    const version = await home.run(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('an unknown flag or command names the problem and the closest match: exit 2, no stack trace', async () => {
    const flag = await home.run(['push', 'fraud', 'model.onnx', '--lable', '1.0']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--lable'");
    expect(flag.stderr).toContain('--label');
    expect(flag.stderr).toContain("Run 'mreg push --help'");
    expect(flag.stderr).not.toMatch(/\n\s+at /);
    const command = await home.run(['pusj']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'pusj'");
    expect(command.stderr).toContain('push');
    const sub = await home.run(['models', 'lst']);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain("unknown command 'lst'");
    expect(sub.stderr).toMatch(/Did you mean.*\bls\b/);
    const value = await home.run(['push', 'fraud', 'x', '--part-size', 'huge']);
    expect(value.code).toBe(2);
    expect(value.stderr).toContain('8MiB');
    const ttl = await home.run(['push', 'fraud', 'x', '--transient']);
    expect(ttl.code).toBe(2);
    expect(ttl.stderr).toContain('--ttl');
  });

  it('an unreachable registry: which URL, where it came from, what to do (exit 1)', async () => {
    const url = `http://127.0.0.1:${closedPort}`;
    const flag = await home.run(['models', 'ls', '--url', url]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain(`cannot reach the registry at ${url} (from --url): connection refused`);
    expect(flag.stderr).not.toContain('fetch failed');
    expect(flag.stderr).not.toMatch(/\n\s+at /);
    const env = await home.run(['versions', 'ls', 'fraud'], { env: { MREG_URL: url } });
    expect(env.stderr).toContain('(from MREG_URL)');
    const file = join(home.dir, '.config', 'mreg', 'config.json');
    await mkdir(join(home.dir, '.config', 'mreg'), { recursive: true });
    await writeFile(file, JSON.stringify({ url }), { mode: 0o600 });
    const saved = await home.run(['pull', 'fraud']);
    expect(saved.code).toBe(1);
    expect(saved.stderr).toContain(`(from ${file})`);
    const json = await home.run(['models', 'ls', '--json']);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { exitCode: 1 } });
  });
});

describe('argument values and configuration (pure)', () => {
  it('reads sizes, durations, properties and references', () => {
    expect(size('5MiB')).toBe(5 * 1024 * 1024);
    expect(size('64M')).toBe(64 * 1024 * 1024);
    expect(size('1GB')).toBe(1024 ** 3);
    expect(size('1234')).toBe(1234);
    expect(() => size('lots')).toThrow(/8MiB/);
    expect(duration('1h')).toBe(3600);
    expect(duration('1h30m')).toBe(5400);
    expect(duration('90')).toBe(90);
    expect(() => duration('soon')).toThrow(/1h/);
    expect(keyJson('auc=0.91')).toEqual({ auc: 0.91 });
    expect(keyJson('tags=["a"]', { x: 1 })).toEqual({ x: 1, tags: ['a'] });
    expect(keyJson('framework=onnx')).toEqual({ framework: 'onnx' });
    expect(modelRef('fraud')).toEqual({ model: 'fraud', ref: 'latest' });
    expect(modelRef('fraud@-1')).toEqual({ model: 'fraud', ref: '-1' });
    expect(modelRef('fraud@label:1.2.0')).toEqual({ model: 'fraud', ref: 'label:1.2.0' });
  });

  it('flags win over the environment, which wins over the file, which wins over the defaults', async () => {
    const home = await cliHome();
    onTestFinished(() => home.remove());
    const env = { HOME: home.dir, XDG_CONFIG_HOME: join(home.dir, 'xdg') };
    const file = join(home.dir, 'xdg', 'mreg', 'config.json');
    expect(resolveConfig({}, env).url).toMatchObject({ value: 'http://127.0.0.1:8080', source: 'default' });
    await mkdir(join(home.dir, 'xdg', 'mreg'), { recursive: true });
    await writeFile(file, JSON.stringify({ url: 'http://file:1', token: 'from-the-file-0123456789' }), { mode: 0o600 });
    expect(resolveConfig({}, env)).toMatchObject({
      url: { value: 'http://file:1', source: 'file', origin: file },
      token: { value: 'from-the-file-0123456789', source: 'file' },
    });
    const withEnv = { ...env, MREG_URL: 'http://env:1', MREG_TOKEN: 'env-token' };
    expect(resolveConfig({}, withEnv)).toMatchObject({
      url: { value: 'http://env:1', source: 'env', origin: 'MREG_URL' },
      token: { value: 'env-token', source: 'env', origin: 'MREG_TOKEN' },
    });
    expect(resolveConfig({ url: 'http://flag:1' }, withEnv).url).toMatchObject({ source: 'flag', origin: '--url' });
    await writeFile(file, '{not json', { mode: 0o600 });
    expect(resolveConfig({}, env).warnings).toEqual([`ignoring ${file}: it is not valid JSON`]);
    await writeFile(file, JSON.stringify({ token: 'a-token-that-others-can-read' }));
    await chmod(file, 0o644);
    expect(resolveConfig({}, env).warnings[0]).toContain('readable by others');
    expect(maskToken('from-the-file-0123456789')).toBe('from****6789');
    expect(maskToken('short')).toBe('****');
    expect(maskToken(undefined)).toBe('(none)');
  });
});
