import { setFlagsFromString } from 'node:v8';

/**
 * The service turns off V8's allocation-site pretenuring, before anything else loads. With it,
 * about half the services started from the same build settled into a garbage-collection mode
 * for the rest of their lives: V8 had decided, from survival rates around the first scavenges
 * under load (the heap still holding the start-up warm-up's data), to allocate some of the
 * request path's objects in the old generation. Dead there but unknown to the scavenger, those
 * kept their young children alive: 1.6-1.8 MB promoted at every scavenge instead of about 5 KB,
 * scavenges four times as long, a full collection every half second, and 40-60% more CPU per
 * cached request (docs/operations.md, Garbage collection). What it gives up: the first history
 * after a start, which builds large long-lived data, was about 10% slower in side-by-side runs.
 * Not in NODE_OPTIONS: Node does not accept this flag there.
 */
if (process.argv[2] === 'serve') setFlagsFromString('--no-allocation-site-pretenuring');
