/**
 * The paths of health checks and metrics scrapes. They are polled all day, so their spans,
 * error events and breadcrumbs would drown the ones that matter: none are made or sent.
 */
export const NOISE_PATH = /^\/(?:health(?:\/|$)|metrics\/?$)/;
