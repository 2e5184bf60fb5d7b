/**
 * How the CLI ends. Expected failures carry their exit status and a message a user can act on; main prints
 * the message (never a stack trace) and exits with the status.
 *
 * 2: invalid input or setting (a flag, field or variable to fix), found before anything started.
 * 1: the research or a command failed. 130: interrupted (Ctrl-C, SIGTERM), as shells report SIGINT.
 */
export const EXIT_INVALID = 2;
export const EXIT_FAILED = 1;
export const EXIT_INTERRUPTED = 130;

export class CliExit extends Error {
  override name = 'CliExit';
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Invalid input or setting: one line per problem, each naming what to fix. */
export function invalid(problems: string[], heading = 'Invalid input:'): CliExit {
  return new CliExit(`${heading}\n${problems.map((p) => `- ${p}`).join('\n')}`, EXIT_INVALID);
}
