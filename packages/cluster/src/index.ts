export { clusterModule } from "./module.ts";
export {
  allowedNodes,
  choosePlatforms,
  explainUnplaceable,
  matchesConstraint,
  type NodeFacts,
  platformOfArch,
  swarmPlacement,
} from "./placement.ts";
