/**
 * How results reach the person or the script: tables and colour on a terminal, plain
 * tab-separated lines when stdout is not one, JSON with `--json`, only the essential value
 * with `--quiet`. Messages about the work (notes, warnings, progress) go to stderr.
 */
import Table from 'cli-table3';
import picocolors from 'picocolors';

export interface OutputMode {
  json: boolean;
  quiet: boolean;
  /** stdout is a terminal: tables, colour, local times. */
  tty: boolean;
  /** stderr is a terminal: progress bars. */
  ttyErr: boolean;
  color: boolean;
}

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
  align?: 'left' | 'right';
}

type Colors = ReturnType<typeof picocolors.createColors>;

export interface Writable {
  write(text: string): unknown;
}

export function outputMode(flags: { json?: boolean; quiet?: boolean; color?: boolean }): OutputMode {
  const tty = process.stdout.isTTY === true;
  const ttyErr = process.stderr.isTTY === true;
  const noColor = flags.color === false || 'NO_COLOR' in process.env || process.env.TERM === 'dumb';
  return { json: flags.json === true, quiet: flags.quiet === true, tty, ttyErr, color: tty && !noColor };
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value >= 100 ? 0 : value >= 10 ? 1 : 2)} ${UNITS[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export class Output {
  readonly colors: Colors;

  constructor(
    readonly mode: OutputMode,
    private readonly stdout: Writable = process.stdout,
    private readonly stderr: Writable = process.stderr,
  ) {
    this.colors = picocolors.createColors(mode.color);
  }

  /** A time as a person reads it on a terminal (local, to the minute); ISO 8601 elsewhere. */
  time(iso: unknown): string {
    if (typeof iso !== 'string' || iso === '') return '';
    if (!this.mode.tty) return iso;
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  private line(text: string): void {
    this.stdout.write(`${text}\n`);
  }

  private printJson(value: unknown): void {
    this.line(JSON.stringify(value, null, this.mode.tty ? 2 : undefined));
  }

  /** `--json`: the JSON; `--quiet`: the essential value. True when either was printed instead of prose. */
  private forScripts(json: unknown, quietValue: string | undefined): boolean {
    if (this.mode.json) this.printJson(json);
    else if (this.mode.quiet && quietValue !== undefined) this.line(quietValue);
    return this.mode.json || this.mode.quiet;
  }

  /** A list: a table on a terminal, one tab-separated line per row elsewhere; `--quiet`: the first column. */
  table<T>(rows: T[], columns: Array<Column<T>>, json: unknown = rows): void {
    if (this.mode.json) {
      this.printJson(json);
      return;
    }
    const cells = rows.map((row) => columns.map((c) => cellText(c.value(row))));
    if (this.mode.quiet) {
      for (const row of cells) this.line(row[0] ?? '');
      return;
    }
    if (!this.mode.tty) {
      for (const row of cells) this.line(row.map((cell) => cell.replace(/[\t\n]/g, ' ')).join('\t'));
      return;
    }
    if (rows.length === 0) {
      this.stderr.write(`${this.colors.dim('(none)')}\n`);
      return;
    }
    const table = new Table({
      head: columns.map((c) => this.colors.bold(c.header.toUpperCase())),
      colAligns: columns.map((c) => c.align ?? 'left'),
      chars: BORDERLESS,
      style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 },
    });
    for (const row of cells) table.push(row);
    this.line(table.toString().replace(/ +$/gm, ''));
  }

  /** One thing's fields: aligned `label  value` lines (tab-separated off a terminal); `--quiet`: `quietValue`. */
  record(fields: Array<[string, unknown]>, json: unknown, quietValue?: string): void {
    if (this.forScripts(json, quietValue)) return;
    const shown = fields.filter(([, v]) => !isEmpty(v));
    const width = Math.max(...shown.map(([k]) => k.length));
    for (const [label, value] of shown) {
      const text = cellText(value);
      if (this.mode.tty) this.line(`${this.colors.bold(label.padEnd(width))}  ${text}`);
      else this.line(`${label}\t${text.replace(/\n/g, ' ')}`);
    }
  }

  /** A section heading inside a `show` (a terminal only). */
  heading(title: string): void {
    if (this.mode.json || this.mode.quiet) return;
    if (this.mode.tty) this.line(`\n${this.colors.bold(title)}`);
  }

  /** The outcome of an action: a sentence, the JSON of what it made, or with `--quiet` just `quietValue`. */
  done(message: string, json: unknown, quietValue?: string): void {
    if (this.forScripts(json, quietValue)) return;
    this.line(this.mode.tty ? `${this.colors.green('✓')} ${message}` : message);
  }

  /** A remark about the work, on stderr; silent with --quiet or --json. */
  note(message: string): void {
    if (this.mode.quiet || this.mode.json) return;
    this.stderr.write(`${this.colors.dim(message)}\n`);
  }

  warn(message: string): void {
    this.stderr.write(`${this.colors.yellow('mreg: warning:')} ${message}\n`);
  }
}

const isEmpty = (v: unknown) =>
  v === undefined ||
  v === null ||
  v === '' ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(cellText).join(', ');
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
  }
  return String(value);
}

const BORDERLESS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '',
};
