// Module loader hooks: append each loaded module's URL to the log file, then load it as usual.
import fs from 'node:fs';

type Next = (url: string, context: unknown) => Promise<unknown>;

let file: string | undefined;

export function initialize(data: { file?: string }): void {
  file = data.file;
}

export async function load(url: string, context: unknown, next: Next): Promise<unknown> {
  if (file) fs.appendFileSync(file, `${url}\n`);
  return next(url, context);
}
