/**
 * Progress of hashing, uploading and downloading: one bar per phase on stderr with bytes done,
 * rate and ETA, drawn only when stderr is a terminal (and neither --quiet nor --json).
 */
import cliProgress from 'cli-progress';
import { formatBytes, formatDuration, type Output } from './output.js';

export interface ByteProgress {
  /** Bytes done since the last call (negative when a retried part starts over). */
  add(bytes: number): void;
  /** What is being worked on, shown after the figures. */
  detail(text: string): void;
  stop(): void;
}

/** Bars being drawn: an interrupt stops them, so the terminal gets its cursor back. */
const active = new Set<cliProgress.SingleBar>();

export function stopAllBars(): void {
  for (const bar of active) bar.stop();
  active.clear();
}

const SILENT: ByteProgress = { add: () => undefined, detail: () => undefined, stop: () => undefined };

export function byteProgress(out: Output, title: string, total: number): ByteProgress {
  if (!out.mode.ttyErr || out.mode.quiet || out.mode.json || total <= 0) return SILENT;
  const { colors } = out;
  const started = Date.now();
  let done = 0;
  let detail = '';
  let finishedAt: number | undefined;
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    hideCursor: true,
    etaBuffer: 50,
    fps: 8,
    barsize: 24,
    barCompleteChar: '█',
    barIncompleteChar: '░',
    format: (options, params) => {
      if (params.value >= params.total) finishedAt ??= Date.now();
      else finishedAt = undefined;
      const seconds = ((finishedAt ?? Date.now()) - started) / 1000;
      const rate = seconds > 0 ? params.value / seconds : 0;
      const remaining = rate > 0 ? (params.total - params.value) / rate : Number.NaN;
      const width = options.barsize ?? 24;
      const filled = Math.round(params.progress * width);
      const barText = `${'█'.repeat(filled)}${'░'.repeat(Math.max(0, width - filled))}`;
      const finished = params.value >= params.total;
      return [
        title.padEnd(10),
        colors.cyan(barText),
        `${String(Math.floor(params.progress * 100)).padStart(3)}%`,
        `${formatBytes(params.value)}/${formatBytes(params.total)}`,
        `${formatBytes(rate)}/s`,
        finished ? `in ${formatDuration(seconds)}` : `ETA ${formatDuration(remaining)}`,
        colors.dim(detail),
      ].join('  ');
    },
  });
  bar.start(total, 0);
  active.add(bar);
  return {
    add(bytes) {
      done = Math.max(0, Math.min(total, done + bytes));
      bar.update(done);
    },
    detail(text) {
      detail = text;
    },
    stop() {
      if (!active.delete(bar)) return;
      bar.update(done);
      bar.stop();
    },
  };
}
