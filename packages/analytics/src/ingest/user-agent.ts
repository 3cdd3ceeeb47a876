/** Browser, OS and device class from a User-Agent header; coarse on purpose (no version strings stored). */
export interface UserAgentFacts {
  browser: string;
  os: string;
  device: "desktop" | "mobile" | "tablet";
}

// Order matters: many browsers append "Chrome" or "Safari" tokens to look compatible.
const browsers: [RegExp, string][] = [
  [/Edg(?:e|A|iOS)?\//, "Edge"],
  [/OPR\/|Opera/, "Opera"],
  [/SamsungBrowser\//, "Samsung Internet"],
  [/YaBrowser\//, "Yandex"],
  [/Firefox\/|FxiOS\//, "Firefox"],
  [/Chrome\/|CriOS\/|Chromium\//, "Chrome"],
  [/Safari\//, "Safari"],
];

const systems: [RegExp, string][] = [
  [/Windows/, "Windows"],
  [/iPhone|iPad|iPod/, "iOS"],
  [/Android/, "Android"],
  [/CrOS/, "ChromeOS"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Linux/, "Linux"],
];

const botPattern =
  /bot\b|bot\/|crawl|spider|slurp|headless|phantomjs|puppeteer|playwright|lighthouse|pingdom|uptime|monitor|curl\/|wget\/|python-requests|python-urllib|go-http-client|java\/|okhttp|axios\/|node-fetch|undici|httpclient|facebookexternalhit|embedly|preview|scan|check/i;

/** True for crawlers, monitors, headless browsers and HTTP libraries: their hits are not visits. */
export function isBot(userAgent: string): boolean {
  return userAgent.length < 10 || botPattern.test(userAgent);
}

export function parseUserAgent(userAgent: string): UserAgentFacts {
  const browser = browsers.find(([re]) => re.test(userAgent))?.[1] ?? "Other";
  const os = systems.find(([re]) => re.test(userAgent))?.[1] ?? "Other";
  let device: UserAgentFacts["device"] = "desktop";
  if (/iPad|Tablet/.test(userAgent) || (/Android/.test(userAgent) && !/Mobile/.test(userAgent)))
    device = "tablet";
  else if (/Mobi|iPhone|iPod|Android/.test(userAgent)) device = "mobile";
  return { browser, os, device };
}
