import { z } from "zod";
import { isTimestamp, type RouteDef } from "./route.ts";

type JsonSchema = Record<string, unknown>;

/** Hono's `:name` becomes OpenAPI's `{name}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

const errorSchema: JsonSchema = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: { code: { type: "string" }, message: { type: "string" }, details: {} },
      required: ["code", "message"],
    },
  },
  required: ["error"],
};

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    override: (ctx) => {
      if (isTimestamp(ctx.zodSchema as unknown as z.ZodType)) {
        for (const key of Object.keys(ctx.jsonSchema)) delete ctx.jsonSchema[key];
        Object.assign(ctx.jsonSchema, { type: "string", format: "date-time" });
      }
    },
  }) as JsonSchema;
  return rest;
}

function parameters(def: RouteDef): JsonSchema[] {
  const params: JsonSchema[] = [];
  const pathSchema = def.params ? jsonSchema(def.params, "input") : undefined;
  for (const [, name] of def.path.matchAll(/:([A-Za-z0-9_]+)/g)) {
    const schema = (pathSchema?.properties as Record<string, JsonSchema> | undefined)?.[name!];
    params.push({ name, in: "path", required: true, schema: schema ?? { type: "string" } });
  }
  if (def.query) {
    const query = jsonSchema(def.query, "input");
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((query.properties as Record<string, JsonSchema>) ?? {})) {
      params.push({ name, in: "query", required: required.has(name), schema });
    }
  }
  return params;
}

/** An event stream's events by name, each with the JSON Schema of its `data` (an extension: OpenAPI 3.1 has no word for them). */
function producedContent(def: RouteDef): JsonSchema {
  if (!def.events) return {};
  const events = Object.fromEntries(
    Object.entries(def.events).map(([name, schema]) => [name, jsonSchema(schema, "output")]),
  );
  return { "x-pier-events": events };
}

function operation(def: RouteDef, operationId: string): JsonSchema {
  const status = String(def.status ?? 200);
  const success: JsonSchema =
    def.status === 204
      ? { description: "No content" }
      : def.produces
        ? { description: "OK", content: { [def.produces]: producedContent(def) } }
        : {
            description: "OK",
            content: {
              "application/json": { schema: def.response ? jsonSchema(def.response, "output") : {} },
            },
          };
  const op: JsonSchema = {
    operationId,
    summary: def.summary,
    tags: [def.tag],
    parameters: parameters(def),
    responses: {
      [status]: success,
      "4XX": {
        description: "The request was refused; the message says why and what to do",
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      },
    },
  };
  if (def.access === "public") op.security = [];
  else op["x-pier-scope"] = def.access;
  if (def.body) {
    op.requestBody = {
      required: !def.bodyOptional,
      content: { "application/json": { schema: jsonSchema(def.body, "input") } },
    };
  } else if (def.rawBody) {
    op.requestBody = { required: true, content: { [def.rawBody]: {} } };
  }
  return op;
}

/** The OpenAPI 3.1 document of a set of route groups (keys become operation ids). */
export function openApiDocument(
  groups: readonly Record<string, RouteDef>[],
  info: { title: string; version: string; description?: string },
): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const operationIds = new Set<string>();
  for (const group of groups) {
    for (const [operationId, def] of Object.entries(group)) {
      if (operationIds.has(operationId)) throw new Error(`two contract routes named "${operationId}"`);
      operationIds.add(operationId);
      const path = openApiPath(def.path);
      paths[path] ??= {};
      const method = def.method.toLowerCase();
      if (paths[path]![method]) throw new Error(`two contract routes for ${def.method} ${def.path}`);
      paths[path]![method] = operation(def, operationId);
    }
  }
  return {
    openapi: "3.1.0",
    info,
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API token (`pier token create`)" },
        session: {
          type: "apiKey",
          in: "cookie",
          name: "pier_session",
          description: "The dashboard's session; writes also need the X-CSRF-Token header",
        },
      },
    },
    security: [{ bearer: [] }, { session: [] }],
  };
}
