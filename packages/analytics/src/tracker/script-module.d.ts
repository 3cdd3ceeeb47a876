// The tracker source is embedded as text (`with { type: "text" }`), never executed on the server.
declare module "*/script.js" {
  const source: string;
  export default source;
}
