import type * as NodeCrypto from "node:crypto";
import type * as NodeHttps from "node:https";
import type * as AcmeClient from "acme-client";
import type Forge from "node-forge";

// What certificate work needs loads on first use, not at start-up: most runs of pier issue, renew
// or read no certificate, and these modules are large. acme-client brings axios, node-forge is big,
// and in Bun node:crypto and node:https are JavaScript modules of about half a megabyte of heap each
// (together a quarter of the control plane's JS heap when they loaded at start).
export const loadAcme = (): typeof AcmeClient => require("acme-client");
export const loadForge = (): typeof Forge => require("node-forge");
export const nodeCrypto = (): typeof NodeCrypto => require("node:crypto");
export const nodeHttps = (): typeof NodeHttps => require("node:https");
