/**
 * What the CLI tells its user: on a terminal, progress bars (cli-progress) and sentences on stderr;
 * with --json, one JSON object per line on stdout (events, and progress at most once a second) for
 * scripts, and nothing else there.
 */
import cliProgress from 'cli-progress';
import { formatBytes, formatDuration, formatSpeed } from '../web/ui/format.js';

const PROGRESS_EVERY_MS = 1_000;
const STATUS_EVERY_MS = 5_000;

export interface Bar {
  update(bytesDone: number, detail?: { speed?: number; etaSeconds?: number | null; peers?: number; status?: string }): void;
  stop(): void;
}

export class Output {
  #lastProgress = 0;
  #lastStatus: string | undefined;
  readonly #tty = process.stderr.isTTY === true;

  constructor(private readonly json: boolean) {}

  /** An event: a JSON line with --json, else `text` (if any) on stderr. */
  event(event: Record<string, unknown>, text?: string): void {
    if (this.json) process.stdout.write(`${JSON.stringify(event)}\n`);
    else if (text) process.stderr.write(`${text}\n`);
  }

  /** Progress as JSON, at most once a second (and always for a change of status). */
  progress(event: Record<string, unknown> & { status: string }): void {
    if (!this.json) return;
    const now = Date.now();
    if (now - this.#lastProgress < PROGRESS_EVERY_MS && event.status === this.#lastStatus) return;
    this.#lastProgress = now;
    this.#lastStatus = event.status;
    this.event(event);
  }

  note(text: string): void {
    this.event({ event: 'note', message: text }, text);
  }

  error(message: string, code: string): void {
    if (this.json) this.event({ event: 'error', code, message });
    else process.stderr.write(`shoal: ${message}\n`);
  }

  /** A progress bar on a terminal (bytes, speed, ETA, peers); nothing elsewhere. */
  bar(label: string, total: number): Bar {
    if (this.json || !this.#tty) return { update: () => undefined, stop: () => undefined };
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${label.slice(0, 40)} {bar} {percentage}% | {done} of {size} | {speed} | ETA {eta_text} | {peers}`,
        barsize: 24,
        hideCursor: true,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(1, total), 0, { done: formatBytes(0), size: formatBytes(total), speed: '', eta_text: '?', peers: '' });
    return {
      update: (done, detail = {}) =>
        bar.update(done, {
          done: formatBytes(done),
          speed: detail.speed !== undefined ? formatSpeed(detail.speed) : '',
          eta_text: formatDuration(detail.etaSeconds ?? null),
          peers: detail.peers !== undefined ? `${detail.peers} peers ${detail.status ?? ''}` : '',
        }),
      stop: () => bar.stop(),
    };
  }

  /** A status line every few seconds while seeding (on a terminal, or as JSON). */
  status(line: () => string): { stop(): void } {
    const timer = setInterval(() => this.event({ event: 'status', message: line() }, line()), STATUS_EVERY_MS);
    return { stop: () => clearInterval(timer) };
  }
}
