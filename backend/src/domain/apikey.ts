import { randomBytes } from 'node:crypto';
import { sha256Hex } from './canonical.js';

/**
 * The stored form of an API key, and the value it is looked up by. Keys are generated
 * high-entropy secrets, not user-chosen passwords, so a plain unsalted SHA-256 cannot be
 * brute-forced in practice; a salt (or a slow hash) would make an indexed lookup impossible.
 */
export const hashApiKey = (key: string): string => sha256Hex(key);

/** A new API key: 192 random bits, prefixed so a leaked key is recognisable in logs and scanners. */
export const newApiKey = (): string => `fk_${randomBytes(24).toString('base64url')}`;
