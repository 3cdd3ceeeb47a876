export { MissingServiceError, requireService, servicesRequired } from "./require-service.ts";
