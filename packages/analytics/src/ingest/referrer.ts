/** Where a visit came from: a display name, the referring host and a channel for grouping. */
export interface TrafficSource {
  source: string;
  referrer: string;
  channel: "Direct" | "Organic Search" | "Social" | "Email" | "Referral" | "Paid" | "Campaign";
}

const known: [RegExp, string, TrafficSource["channel"]][] = [
  [/(^|\.)google\./, "Google", "Organic Search"],
  [/(^|\.)bing\.com$/, "Bing", "Organic Search"],
  [/(^|\.)duckduckgo\.com$/, "DuckDuckGo", "Organic Search"],
  [/(^|\.)yahoo\./, "Yahoo", "Organic Search"],
  [/(^|\.)yandex\./, "Yandex", "Organic Search"],
  [/(^|\.)baidu\.com$/, "Baidu", "Organic Search"],
  [/(^|\.)ecosia\.org$/, "Ecosia", "Organic Search"],
  [/(^|\.)(twitter\.com|t\.co|x\.com)$/, "Twitter", "Social"],
  [/(^|\.)(facebook\.com|fb\.com|fb\.me)$/, "Facebook", "Social"],
  [/(^|\.)(linkedin\.com|lnkd\.in)$/, "LinkedIn", "Social"],
  [/(^|\.)reddit\.com$/, "Reddit", "Social"],
  [/(^|\.)news\.ycombinator\.com$/, "Hacker News", "Social"],
  [/(^|\.)(youtube\.com|youtu\.be)$/, "YouTube", "Social"],
  [/(^|\.)instagram\.com$/, "Instagram", "Social"],
  [/(^|\.)(mastodon\.social|bsky\.app)$/, "Fediverse", "Social"],
  [/(^|\.)github\.com$/, "GitHub", "Referral"],
  [/^(mail\.google\.com|outlook\.live\.com|mail\.yahoo\.com)$/, "Email", "Email"],
];

export interface UtmParams {
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
}

/**
 * Pure classification of the document referrer and UTM tags. A referrer on the site's own host is
 * internal navigation, so it counts as Direct; utm_source beats the referrer, as analytics users expect.
 */
export function classifySource(referrerUrl: string, siteHost: string, utm: UtmParams): TrafficSource {
  let host = "";
  try {
    host = referrerUrl ? new URL(referrerUrl).hostname.replace(/^www\./, "").toLowerCase() : "";
  } catch {
    host = "";
  }
  if (host === siteHost.replace(/^www\./, "").toLowerCase()) host = "";
  const match = host ? known.find(([re]) => re.test(host)) : undefined;
  if (utm.utmSource) {
    const paid = /^(cpc|ppc|paid|paidsearch|display|cpm)$/i.test(utm.utmMedium ?? "");
    const email = /^e-?mail$|newsletter/i.test(utm.utmMedium ?? "");
    return {
      source: utm.utmSource,
      referrer: host,
      channel: paid ? "Paid" : email ? "Email" : (match?.[2] ?? "Campaign"),
    };
  }
  if (!host) return { source: "Direct / None", referrer: "", channel: "Direct" };
  if (match) return { source: match[1], referrer: host, channel: match[2] };
  return { source: host, referrer: host, channel: "Referral" };
}

/** Reads utm_* from a page URL; empty values count as absent. */
export function readUtm(pageUrl: URL): UtmParams {
  const get = (name: string) => pageUrl.searchParams.get(name)?.slice(0, 200) || null;
  return { utmSource: get("utm_source"), utmMedium: get("utm_medium"), utmCampaign: get("utm_campaign") };
}
