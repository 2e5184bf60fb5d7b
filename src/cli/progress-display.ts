import type { Progress } from '../schemas/research';
import { clip } from '../text';

/**
 * Live progress for `deep-research run`: a table redrawn in place on a terminal, plain lines (one per
 * change) when the output is a file or a pipe, so logs stay readable.
 */
export class ProgressDisplay {
  private drawnLines = 0;
  private lastPlain = new Map<string, string>();

  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  private get interactive(): boolean {
    return Boolean(this.out.isTTY);
  }

  show(progress: Progress): void {
    if (this.interactive) this.redraw(render(progress));
    else this.plain(progress);
  }

  /** Leaves the last table on screen and moves below it. */
  done(): void {
    this.drawnLines = 0;
  }

  private redraw(lines: string[]): void {
    const width = Math.max(40, (this.out.columns ?? 100) - 1);
    const clipped = lines.map((l) => clip(l, width));
    if (this.drawnLines) this.out.write(`\x1b[${this.drawnLines}F\x1b[0J`);
    this.out.write(`${clipped.join('\n')}\n`);
    this.drawnLines = clipped.length;
  }

  private plain(progress: Progress): void {
    const emit = (key: string, line: string) => {
      if (this.lastPlain.get(key) === line) return;
      this.lastPlain.set(key, line);
      this.out.write(`${line}\n`);
    };
    emit('phase', `[${progress.phase}] $${progress.costUsd.toFixed(4)}${stopNote(progress)}`);
    for (const q of progress.questions) {
      emit(`q${q.n}`, `  q${q.n} ${q.status} round ${q.round}, ${q.sources} sources: ${q.question}`);
    }
  }
}

function stopNote(progress: Progress): string {
  return progress.stoppedBy ? ` (stopping: ${progress.stoppedBy})` : '';
}

export function render(progress: Progress): string[] {
  const tokens = progress.usage.inputTokens + progress.usage.outputTokens;
  const lines = [
    `${progress.phase.padEnd(12)} ${progress.elapsedSeconds}s  $${progress.costUsd.toFixed(4)}  ${tokens} tokens  ` +
      `${progress.usage.webSearchCalls} searches${stopNote(progress)}`,
  ];
  for (const q of progress.questions) {
    const mark = {
      pending: '·',
      researching: '…',
      completed: '✓',
      failed: '✗',
      cancelled: '-',
      skipped: '-',
    }[q.status];
    lines.push(
      `  ${mark} q${q.n} ${q.status.padEnd(11)} r${q.round} ${String(q.sources).padStart(2)} src  ${q.question}`,
    );
  }
  return lines;
}
