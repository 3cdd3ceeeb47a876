import source from "./script.js" with { type: "text" };

let minified: string | null = null;

/** The tracker as served: whitespace-minified once, with the site's Do-Not-Track setting in front. */
export function trackerScript(options: { respectDnt: boolean }): string {
  minified ??= new Bun.Transpiler({ loader: "js", minifyWhitespace: true, trimUnusedImports: true })
    .transformSync(source)
    .trim();
  return `var PIER_DNT=${options.respectDnt ? "true" : "false"};${minified}`;
}
