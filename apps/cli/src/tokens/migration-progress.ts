import cliProgress from 'cli-progress';
import type { CliIo } from '../cli-io.js';
import type { MigrationProgress } from './token-migrator.js';

/** Progress of one column: a bar with rate and ETA on a terminal, a plain line every few seconds otherwise. */
export interface ColumnProgress extends MigrationProgress {
  stop(): void;
}

export function columnProgress(io: CliIo, label: string, total: number): ColumnProgress {
  if (io.progressStream) {
    const bar = new cliProgress.SingleBar(
      {
        stream: io.progressStream,
        format: `${label.padEnd(44)} {bar} {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}`,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    const started = Date.now();
    bar.start(total, 0, { rate: 0 });
    let done = 0;
    return {
      advance(rows) {
        done += rows;
        bar.update(Math.min(done, total), { rate: Math.round(done / Math.max((Date.now() - started) / 1000, 0.001)) });
      },
      stop() {
        bar.stop();
      },
    };
  }
  const started = Date.now();
  let done = 0;
  let lastPrinted = started;
  return {
    advance(rows) {
      done += rows;
      const now = Date.now();
      if (now - lastPrinted >= 2000) {
        lastPrinted = now;
        const rate = done / ((now - started) / 1000);
        const eta = rate > 0 ? Math.max(0, Math.round((total - done) / rate)) : 0;
        io.stderr(`${label}: ${done}/${total} rows, ${Math.round(rate)} rows/s, ETA ${eta} s\n`);
      }
    },
    stop() {},
  };
}
