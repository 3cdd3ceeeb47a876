export { MissingServiceError, requireService } from "./require-service.ts";
