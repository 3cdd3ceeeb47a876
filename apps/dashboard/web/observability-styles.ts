import uplotCss from "uplot/dist/uPlot.min.css" with { type: "text" };
import css from "./observability.css" with { type: "text" };

/**
 * The styles of the observability pages and of uPlot, added to the document when the first of
 * those pages loads: imported as text they travel in that page's chunk, not in the first load.
 */
export function addObservabilityStyles(): void {
  if (document.getElementById("pier-observability-css")) return;
  const style = document.createElement("style");
  style.id = "pier-observability-css";
  style.textContent = `${uplotCss}\n${css}`;
  document.head.append(style);
}
