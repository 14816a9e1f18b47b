// JSON Schema validation with Ajv. Bodies are validated strictly (no type coercion, unknown fields are an
// error, every offending field is reported); path and query parameters arrive as strings, so they may be
// coerced to the declared types.
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { ErrorDetail } from '../errors.ts';

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(options: Options): Ajv {
  return addFormats(
    new Ajv({ allErrors: true, removeAdditional: false, useDefaults: true, strict: false, ...options }),
  );
}

const strictAjv = makeAjv({ coerceTypes: false });
const coercingAjv = makeAjv({ coerceTypes: 'array' });

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? strictAjv : coercingAjv;
  return ajv.compile(schema as object) as ReturnType<FastifySchemaCompiler<unknown>>;
};

interface AjvIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Turns Ajv's findings into `details`: one entry per offending field, named in dotted form. */
export function validationDetails(issues: readonly AjvIssue[], part: string | undefined): ErrorDetail[] {
  const details = issues.map((issue) => {
    const base = issue.instancePath.split('/').filter(Boolean).join('.');
    const extra =
      issue.keyword === 'required'
        ? String(issue.params.missingProperty)
        : issue.keyword === 'additionalProperties'
          ? String(issue.params.additionalProperty)
          : '';
    const field =
      [base, extra].filter(Boolean).join('.') || (part === 'querystring' ? 'query' : (part ?? 'body'));
    const message =
      issue.keyword === 'required'
        ? 'is required'
        : issue.keyword === 'additionalProperties'
          ? 'is not an accepted field'
          : (issue.message ?? 'is not valid');
    return { field, message };
  });
  // One entry per field: the first finding is the most useful, the rest repeat it in other words.
  const seen = new Set<string>();
  return details.filter((d) => {
    if (seen.has(d.field)) return false;
    seen.add(d.field);
    return true;
  });
}
