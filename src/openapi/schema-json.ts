// Turning route schemas (TypeBox objects) into the plain JSON Schema the document embeds.

type Json = Record<string, unknown>;

/** A deep copy without TypeBox's symbol-keyed metadata: what JSON serialisation would show. */
export function plain(schema: unknown): Json | undefined {
  return schema === undefined ? undefined : (JSON.parse(JSON.stringify(schema)) as Json);
}

/** The schema without any `examples` keyword (a property that happens to be named "examples" stays). */
export function withoutExamples(schema: Json): Json {
  const out: Json = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'examples') continue;
    if (keyword === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, isObject(sub) ? withoutExamples(sub) : sub]),
      );
    } else if (Array.isArray(value)) {
      out[keyword] = value.map((item) => (isObject(item) ? withoutExamples(item) : item));
    } else {
      out[keyword] = isObject(value) ? withoutExamples(value) : value;
    }
  }
  return out;
}

/** The properties of a params or querystring schema as OpenAPI parameters; `formats` adds missing formats. */
export function parametersOf(
  schema: unknown,
  location: 'path' | 'query',
  formats: Readonly<Record<string, string>> = {},
): Json[] {
  const object = plain(schema) as { properties?: Record<string, Json>; required?: string[] } | undefined;
  if (!object?.properties) return [];
  return Object.entries(object.properties).map(([name, property]) => {
    const { description, ...rest } = property;
    const format = formats[name];
    const parameter: Json = {
      name,
      in: location,
      required: location === 'path' || (object.required ?? []).includes(name),
      schema: format !== undefined && rest.format === undefined ? { ...rest, format } : rest,
    };
    if (description !== undefined) parameter.description = description;
    return parameter;
  });
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
