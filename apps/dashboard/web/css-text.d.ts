// Stylesheets imported `with { type: "text" }` are strings: a lazily loaded page injects its own
// (observability-styles.ts) instead of growing the first-load CSS, which Bun bundles from all of them.
declare module "*.css" {
  const text: string;
  export default text;
}
