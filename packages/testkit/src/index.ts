export { MissingServiceError, requireService } from "./require-service.ts";
export { seededRandom } from "./seeded-random.ts";
