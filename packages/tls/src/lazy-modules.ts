import type * as NodeCrypto from "node:crypto";
import type * as NodeHttps from "node:https";

// In Bun, node:crypto and node:https are JavaScript modules of about half a megabyte of heap each.
// A pier that issues, renews or reads no certificate in a run never needs them, so they load on
// first use instead of at start-up (where they were a quarter of the control plane's JS heap).
export const nodeCrypto = (): typeof NodeCrypto => require("node:crypto");
export const nodeHttps = (): typeof NodeHttps => require("node:https");
