/**
 * Events live in their own SQLite file (`<data-dir>/analytics.db`), not in the control-plane
 * database: ingest writes there constantly, and a separate file keeps those writes from holding the
 * control plane's write lock, lets the file be deleted or moved independently, and allows rowid
 * tables tuned for append-only scans. Plain SQL rather than drizzle: the hot statements are
 * prepared once and the aggregate queries need SQLite-specific forms.
 */
export const sqliteAnalyticsDdl = [
  `CREATE TABLE IF NOT EXISTS events (
    site TEXT NOT NULL, ts INTEGER NOT NULL, session INTEGER NOT NULL, visitor INTEGER NOT NULL,
    name TEXT NOT NULL, path TEXT NOT NULL, props TEXT)`,
  "CREATE INDEX IF NOT EXISTS events_site_ts ON events (site, ts)",
  // Page filters and funnels look for a few (name, path) pairs among millions of events.
  "CREATE INDEX IF NOT EXISTS events_site_name_path ON events (site, name, path, ts)",
  `CREATE TABLE IF NOT EXISTS sessions (
    site TEXT NOT NULL, id INTEGER NOT NULL, visitor INTEGER NOT NULL,
    started INTEGER NOT NULL, ended INTEGER NOT NULL, pageviews INTEGER NOT NULL, events INTEGER NOT NULL,
    entry TEXT NOT NULL, exit TEXT NOT NULL, source TEXT NOT NULL, referrer TEXT NOT NULL, channel TEXT NOT NULL,
    utm_source TEXT, utm_medium TEXT, utm_campaign TEXT, browser TEXT NOT NULL, os TEXT NOT NULL,
    device TEXT NOT NULL, country TEXT, PRIMARY KEY (site, id))`,
  "CREATE INDEX IF NOT EXISTS sessions_site_started ON sessions (site, started)",
  `CREATE TABLE IF NOT EXISTS vitals (
    site TEXT NOT NULL, ts INTEGER NOT NULL, path TEXT NOT NULL, lcp REAL, cls REAL, inp REAL, ttfb REAL)`,
  "CREATE INDEX IF NOT EXISTS vitals_site_ts ON vitals (site, ts)",
  // Per-hour sums of completed UTC days. `new_visitors` counts a visitor in the hour of their first
  // visit that day; visitor ids rotate daily, so summing it over whole days gives exact uniques.
  `CREATE TABLE IF NOT EXISTS hourly_rollups (
    site TEXT NOT NULL, hour INTEGER NOT NULL, visitors INTEGER NOT NULL, new_visitors INTEGER NOT NULL,
    visits INTEGER NOT NULL, pageviews INTEGER NOT NULL, bounces INTEGER NOT NULL, duration_ms INTEGER NOT NULL,
    PRIMARY KEY (site, hour)) WITHOUT ROWID`,
  // Per-day totals by dimension value (page, event, prop and every visit attribute). Distinct
  // visitors are additive across days for the same reason, so a 30-day top-pages list sums 30 rows.
  `CREATE TABLE IF NOT EXISTS daily_breakdowns (
    site TEXT NOT NULL, dimension TEXT NOT NULL, day INTEGER NOT NULL, value TEXT NOT NULL,
    visitors INTEGER NOT NULL, visits INTEGER NOT NULL, pageviews INTEGER NOT NULL, events INTEGER NOT NULL,
    bounces INTEGER NOT NULL, duration_ms INTEGER NOT NULL, PRIMARY KEY (site, dimension, day, value)) WITHOUT ROWID`,
  // Web Vitals histograms per day: value in ms (CLS in thousandths), exact nearest-rank percentiles.
  `CREATE TABLE IF NOT EXISTS daily_vitals (
    site TEXT NOT NULL, metric TEXT NOT NULL, day INTEGER NOT NULL, value INTEGER NOT NULL, samples INTEGER NOT NULL,
    PRIMARY KEY (site, metric, day, value)) WITHOUT ROWID`,
  "CREATE TABLE IF NOT EXISTS rolled_days (site TEXT NOT NULL, day INTEGER NOT NULL, PRIMARY KEY (site, day)) WITHOUT ROWID",
  // Sites that ever sent an event, for the background roller (a DISTINCT over events is a full scan).
  "CREATE TABLE IF NOT EXISTS sites (site TEXT PRIMARY KEY) WITHOUT ROWID",
  "CREATE TABLE IF NOT EXISTS salts (day INTEGER PRIMARY KEY, salt TEXT NOT NULL)",
];

export const sessionColumn: Record<string, string> = {
  entry: "entry",
  exit: "exit",
  source: "source",
  referrer: "referrer",
  channel: "channel",
  utm_source: "utm_source",
  utm_medium: "utm_medium",
  utm_campaign: "utm_campaign",
  browser: "browser",
  os: "os",
  device: "device",
  country: "country",
};
