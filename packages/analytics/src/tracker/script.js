// pier analytics tracker: no cookies, no storage. Served at /_pier/script.js; the server prepends
// `var PIER_DNT=<bool>;` from the site's settings. Keep it under 2 KB gzipped (tracker.test.ts).
((w, d, n) => {
  const me = d.currentScript;
  const endpoint = new URL("/_pier/event", me?.src || location.href).href;
  const respectDnt = PIER_DNT || me?.hasAttribute("data-respect-dnt");
  if (respectDnt && (n.doNotTrack === "1" || w.doNotTrack === "1")) {
    w.pier = () => {};
    return;
  }
  const send = (name, props, vitals) => {
    const body = JSON.stringify({
      n: name,
      u: location.href,
      r: d.referrer || undefined,
      p: props,
      v: vitals,
    });
    if (!n.sendBeacon?.(endpoint, body)) {
      fetch(endpoint, { method: "POST", body, keepalive: true, credentials: "omit" }).catch(() => {});
    }
  };
  let lastPath;
  const pageview = () => {
    if (lastPath === location.pathname) return;
    lastPath = location.pathname;
    send("pageview");
  };
  const queued = w.pier?.q || [];
  w.pier = (name, options) => send(String(name), options?.props ?? options);
  for (const args of queued) w.pier(...args);

  // SPA navigation: the History API fires no event on pushState, so wrap it.
  const h = w.history;
  for (const m of ["pushState", "replaceState"]) {
    const orig = h[m];
    h[m] = function (...args) {
      const out = orig.apply(this, args);
      pageview();
      return out;
    };
  }
  w.addEventListener("popstate", pageview);

  d.addEventListener(
    "click",
    (e) => {
      const el = e.target?.closest ? e.target : null;
      if (!el) return;
      const tagged = el.closest("[data-pier-event]");
      if (tagged) {
        const props = {};
        for (const a of tagged.attributes) {
          if (a.name.startsWith("data-pier-prop-")) props[a.name.slice(15)] = a.value;
        }
        send(tagged.getAttribute("data-pier-event"), props);
      }
      const link = el.closest("a[href]");
      if (link?.host && link.host !== location.host && /^https?:/.test(link.protocol)) {
        send("Outbound Link: Click", { url: link.href });
      }
    },
    true,
  );

  // Web Vitals as the web-vitals library measures them (INP simplified to the worst interaction).
  const v = { cls: 0 };
  const observe = (type, cb, opts) => {
    try {
      new PerformanceObserver((l) => l.getEntries().forEach(cb)).observe({ type, buffered: true, ...opts });
    } catch {}
  };
  observe("largest-contentful-paint", (e) => {
    v.lcp = Math.round(e.startTime);
  });
  let win = 0;
  let winStart = 0;
  let winLast = 0;
  observe("layout-shift", (e) => {
    if (e.hadRecentInput) return;
    if (win && e.startTime - winLast < 1000 && e.startTime - winStart < 5000) win += e.value;
    else {
      win = e.value;
      winStart = e.startTime;
    }
    winLast = e.startTime;
    if (win > v.cls) v.cls = win;
  });
  const interaction = (duration) => {
    if (!(v.inp >= duration)) v.inp = Math.round(duration);
  };
  observe("event", (e) => e.interactionId && interaction(e.duration), { durationThreshold: 16 });
  observe("first-input", (e) => interaction(e.duration || e.processingStart - e.startTime));
  const nav = performance.getEntriesByType?.("navigation")[0];
  if (nav) v.ttfb = Math.max(0, Math.round(nav.responseStart));
  let sent = false;
  const flush = () => {
    if (sent) return;
    sent = true;
    send("vitals", undefined, v);
  };
  d.addEventListener("visibilitychange", () => d.visibilityState === "hidden" && flush());
  w.addEventListener("pagehide", flush);
  pageview();
})(window, document, navigator);
