/**
 * Progress of long commands: one line redrawn on stderr when stderr is a terminal, nothing
 * otherwise and nothing with --json, so piped and machine-read output stays exactly the result.
 */
export type ProgressLine = (line: string, last?: boolean) => void;

export function progressLine(json: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressLine | undefined {
  if (json || !stream.isTTY) return undefined;
  return (line, last = false) => stream.write(`\r\x1b[K${line}${last ? '\n' : ''}`);
}

/** `done/total what`, the shape every count-based progress line takes. */
export function countProgress(json: boolean, what: string): ((done: number, total: number) => void) | undefined {
  const line = progressLine(json);
  return line && ((done, total) => line(`${done}/${total} ${what}`, done >= total));
}
