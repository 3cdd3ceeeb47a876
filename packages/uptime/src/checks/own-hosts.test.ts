import { expect, test } from "bun:test";
import { isRoutedHost, ownProxyTarget } from "./own-hosts.ts";

const routed = new Set(["web.example.com", "*.apps.example.com", "shop.localhost"]);
const proxy = { host: "0.0.0.0", httpPort: 8080, httpsPort: 8443 };

test("routed hosts: exact names and names under a wildcard route", () => {
  expect(isRoutedHost("web.example.com", routed)).toBe(true);
  expect(isRoutedHost("WEB.example.com.", routed)).toBe(true);
  expect(isRoutedHost("a.apps.example.com", routed)).toBe(true);
  expect(isRoutedHost("a.b.apps.example.com", routed)).toBe(true);
  expect(isRoutedHost("apps.example.com", routed)).toBe(false);
  expect(isRoutedHost("example.com", routed)).toBe(false);
  expect(isRoutedHost("evil.com", routed)).toBe(false);
});

test("an app's URL goes to pier's own proxy on the port for its scheme; other URLs are left alone", () => {
  expect(ownProxyTarget(new URL("http://shop.localhost:8080/health"), routed, proxy)).toEqual({
    address: "127.0.0.1",
    port: 8080,
  });
  // Behind port forwarding (80 -> 8080, 443 -> 8443) the URL carries the standard port.
  expect(ownProxyTarget(new URL("https://web.example.com/"), routed, proxy)).toEqual({
    address: "127.0.0.1",
    port: 8443,
  });
  expect(ownProxyTarget(new URL("http://web.example.com/"), routed, { ...proxy, host: "::" })).toEqual({
    address: "::1",
    port: 8080,
  });
  expect(ownProxyTarget(new URL("http://web.example.com/"), routed, { ...proxy, host: "10.0.0.2" })).toEqual({
    address: "10.0.0.2",
    port: 8080,
  });
  // Another service under the same name, a name pier does not route, another scheme: not pier's.
  expect(ownProxyTarget(new URL("http://web.example.com:3000/"), routed, proxy)).toBeNull();
  expect(ownProxyTarget(new URL("http://example.org/"), routed, proxy)).toBeNull();
  expect(ownProxyTarget(new URL("ftp://web.example.com/"), routed, proxy)).toBeNull();
});
