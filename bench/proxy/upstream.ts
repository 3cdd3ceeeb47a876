/** The benchmark's upstream: a small answer at /, 64 KB at /64k. */
const port = Number(process.argv[2] ?? 9001);
const big = new Uint8Array(64 * 1024).fill(120);
Bun.serve({
  port,
  hostname: "127.0.0.1",
  reusePort: false,
  fetch(req) {
    if (req.url.endsWith("/64k")) return new Response(big);
    return new Response("hello world\n");
  },
});
console.log("ready");
