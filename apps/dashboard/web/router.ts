import { useEffect, useState } from "preact/hooks";
import { parseRoute, type Route } from "./routes.ts";

const changeEvent = "pier:navigate";

export function currentRoute(): Route | null {
  return parseRoute(location.pathname, location.search);
}

export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  dispatchEvent(new Event(changeEvent));
}

export function useRoute(): Route | null {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute(currentRoute());
    // A new #fragment (a deployment to show) is a change of route for the pages that read it.
    addEventListener("popstate", update);
    addEventListener("hashchange", update);
    addEventListener(changeEvent, update);
    return () => {
      removeEventListener("popstate", update);
      removeEventListener("hashchange", update);
      removeEventListener(changeEvent, update);
    };
  }, []);
  return route;
}

/** Click handler for in-app links: plain clicks navigate without a reload, modified clicks open tabs. */
export function linkClick(event: MouseEvent): void {
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(anchor.getAttribute("href") ?? "/");
}
