export { CONTROL_SOCKET, controlSocketPath } from "./control-api.ts";
export { startControlServer } from "./control-server.ts";
export { HandoverCoordinator, HandoverFailedError, HandoverRefusedError } from "./coordinator.ts";
export { takeOver } from "./take-over.ts";
