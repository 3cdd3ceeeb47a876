import { defineRoutes } from "@pier/http/contract";
import { z } from "zod";

/** The document itself is part of the API it describes. */
export const metaRoutes = defineRoutes({
  openApi: {
    method: "GET",
    path: "/api/v1/openapi.json",
    tag: "meta",
    access: "read",
    summary: "This API as an OpenAPI 3.1 document",
    response: z.record(z.string(), z.unknown()),
  },
});
