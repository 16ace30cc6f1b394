/** A command line that cannot be run as given: exit code 2 with the usage text. */
export class UsageError extends Error {}

/** Where a command prints: `out` is stdout (results, --json), `err` is stderr (errors, progress). */
export type Out = { out: (s: string) => void; err: (s: string) => void };
