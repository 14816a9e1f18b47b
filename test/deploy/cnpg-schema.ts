// The parts of CloudNativePG's API reference (postgresql.cnpg.io/v1, https://cloudnative-pg.io/documentation/
// current/cloudnative-pg.v1/) that deploy/cloudnative-pg/cluster.yaml uses, written down as types and
// required fields, with a small checker: no CRD schema ships in npm, and no cluster is at hand.

export type FieldSchema =
  | { type: 'string'; enum?: readonly string[]; pattern?: RegExp }
  | { type: 'integer'; minimum?: number; maximum?: number }
  | { type: 'boolean' }
  | { type: 'array'; items: FieldSchema }
  | { type: 'object'; required?: readonly string[]; properties?: Record<string, FieldSchema>; open?: true };

const str: FieldSchema = { type: 'string' };
const quantity: FieldSchema = { type: 'string', pattern: /^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$/ };
const secretKeySelector: FieldSchema = {
  type: 'object',
  required: ['name', 'key'],
  properties: { name: str, key: str },
};
const compression: FieldSchema = { type: 'string', enum: ['gzip', 'bzip2', 'snappy', 'lz4', 'xz', 'zstd'] };
const metadata: FieldSchema = {
  type: 'object',
  required: ['name'],
  properties: { name: str, namespace: str },
};

export const clusterSchema: FieldSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string', enum: ['postgresql.cnpg.io/v1'] },
    kind: { type: 'string', enum: ['Cluster'] },
    metadata,
    spec: {
      type: 'object',
      required: ['instances'],
      properties: {
        instances: { type: 'integer', minimum: 1 },
        imageName: str,
        primaryUpdateStrategy: { type: 'string', enum: ['unsupervised', 'supervised'] },
        enableSuperuserAccess: { type: 'boolean' },
        affinity: {
          type: 'object',
          properties: {
            enablePodAntiAffinity: { type: 'boolean' },
            topologyKey: str,
            podAntiAffinityType: { type: 'string', enum: ['preferred', 'required'] },
          },
        },
        postgresql: {
          type: 'object',
          properties: {
            synchronous: {
              type: 'object',
              required: ['method', 'number'],
              properties: {
                method: { type: 'string', enum: ['any', 'first'] },
                number: { type: 'integer', minimum: 1 },
                dataDurability: { type: 'string', enum: ['required', 'preferred'] },
              },
            },
            parameters: { type: 'object', open: true },
          },
        },
        bootstrap: {
          type: 'object',
          properties: {
            initdb: {
              type: 'object',
              properties: {
                database: str,
                owner: str,
                postInitApplicationSQL: { type: 'array', items: str },
              },
            },
          },
        },
        storage: { type: 'object', properties: { size: quantity, storageClass: str } },
        walStorage: { type: 'object', properties: { size: quantity, storageClass: str } },
        resources: {
          type: 'object',
          properties: {
            requests: { type: 'object', properties: { cpu: quantity, memory: quantity } },
            limits: { type: 'object', properties: { cpu: quantity, memory: quantity } },
          },
        },
        monitoring: { type: 'object', properties: { enablePodMonitor: { type: 'boolean' } } },
        backup: {
          type: 'object',
          properties: {
            retentionPolicy: { type: 'string', pattern: /^[1-9][0-9]*[dwm]$/ },
            barmanObjectStore: {
              type: 'object',
              required: ['destinationPath'],
              properties: {
                destinationPath: { type: 'string', pattern: /^s3:\/\/.+/ },
                endpointURL: { type: 'string', pattern: /^https?:\/\/.+/ },
                s3Credentials: {
                  type: 'object',
                  required: ['accessKeyId', 'secretAccessKey'],
                  properties: { accessKeyId: secretKeySelector, secretAccessKey: secretKeySelector },
                },
                wal: {
                  type: 'object',
                  properties: { compression, maxParallel: { type: 'integer', minimum: 1 } },
                },
                data: { type: 'object', properties: { compression, jobs: { type: 'integer', minimum: 1 } } },
              },
            },
          },
        },
      },
    },
  },
};

export const scheduledBackupSchema: FieldSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: {
    apiVersion: { type: 'string', enum: ['postgresql.cnpg.io/v1'] },
    kind: { type: 'string', enum: ['ScheduledBackup'] },
    metadata,
    spec: {
      type: 'object',
      required: ['schedule', 'cluster'],
      properties: {
        // Six fields: CloudNativePG's cron format starts with seconds.
        schedule: { type: 'string', pattern: /^\S+( \S+){5}$/ },
        cluster: { type: 'object', required: ['name'], properties: { name: str } },
        method: { type: 'string', enum: ['barmanObjectStore', 'volumeSnapshot', 'plugin'] },
        backupOwnerReference: { type: 'string', enum: ['none', 'self', 'cluster'] },
        immediate: { type: 'boolean' },
      },
    },
  },
};

/** Every place `value` breaks `schema`, as "path: problem"; an unknown field is a problem too. */
export function schemaProblems(schema: FieldSchema, value: unknown, path = '$'): string[] {
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return [`${path}: not a string`];
      if (schema.enum && !schema.enum.includes(value))
        return [`${path}: not one of ${schema.enum.join(', ')}`];
      return schema.pattern && !schema.pattern.test(value)
        ? [`${path}: does not match ${schema.pattern}`]
        : [];
    case 'integer':
      if (!Number.isInteger(value)) return [`${path}: not an integer`];
      if (schema.minimum !== undefined && (value as number) < schema.minimum)
        return [`${path}: below minimum`];
      return [];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: not a boolean`];
    case 'array':
      if (!Array.isArray(value)) return [`${path}: not an array`];
      return value.flatMap((item, index) => schemaProblems(schema.items, item, `${path}[${index}]`));
    case 'object':
      return objectProblems(schema, value, path);
  }
}

function objectProblems(
  schema: Extract<FieldSchema, { type: 'object' }>,
  value: unknown,
  path: string,
): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: not an object`];
  const record = value as Record<string, unknown>;
  const missing = (schema.required ?? [])
    .filter((name) => !(name in record))
    .map((name) => `${path}.${name}: required`);
  if (schema.open) return missing;
  const fields = Object.entries(record).flatMap(([name, field]) => {
    const fieldSchema = schema.properties?.[name];
    return fieldSchema
      ? schemaProblems(fieldSchema, field, `${path}.${name}`)
      : [`${path}.${name}: unknown field`];
  });
  return [...missing, ...fields];
}
