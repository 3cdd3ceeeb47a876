/** Deploy API paths under /api/v1 (the rest of /api/v1/apps belongs to the core API). */
export const ownedPaths =
  /^\/api\/v1\/(apps-overview$|apps-activity$|deploy-events$|deployments\/|apps\/[^/]+\/(deployments|deploy|rollback|env|environments|logs|metrics|run|exec|compare|refs)(\/|$))/;
