/**
 * The header pier's proxy workers add, with a secret made at each start, to everything they
 * forward to the console (`/_pier/` paths of app hosts, routes whose upstream is the console).
 * Only with it does the console believe X-Pier-App, X-Pier-Host and X-Forwarded-For (`@pier/http`'s
 * requestOrigins, which names the same header); workers drop any copy a client sends.
 */
export const EDGE_SECRET_HEADER = "x-pier-edge";
