import { sha256Hex } from './canonical.js';

/**
 * The stored form of an API key, and the value it is looked up by. Keys are generated
 * high-entropy secrets, not user-chosen passwords, so a plain unsalted SHA-256 cannot be
 * brute-forced in practice; a salt (or a slow hash) would make an indexed lookup impossible.
 */
export const hashApiKey = (key: string): string => sha256Hex(key);
