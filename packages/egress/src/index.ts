export { createEgressFetch, type EgressFetch, type OwnHostRoute } from "./egress-fetch.ts";
export { EgressRefusedError } from "./errors.ts";
export {
  type EgressPolicy,
  type EgressVerdict,
  egressPolicy,
  machineAddresses,
  unrestrictedEgress,
} from "./policy.ts";
export { type Lookup, resolveAllowed } from "./resolve.ts";
