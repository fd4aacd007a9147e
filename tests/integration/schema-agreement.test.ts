import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import { PROJECT_ROOT } from '../../src/project-root.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// Proves prisma/schema.prisma and the migrated database describe the same thing, so the hand-written
// migrations can never drift from the models the client is generated from.

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object';
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  nativeType?: [string, string[]] | null;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { fields: string[] } | null;
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  fields: { name: string }[];
}
interface Dmmf {
  datamodel: {
    models: DmmfModel[];
    enums: { name: string; dbName: string | null; values: { name: string }[] }[];
    indexes: DmmfIndex[];
  };
}

const ON_DELETE: Record<string, string> = {
  Cascade: 'CASCADE',
  Restrict: 'RESTRICT',
  SetNull: 'SET NULL',
  NoAction: 'NO ACTION',
  SetDefault: 'SET DEFAULT',
};

let db: TestDatabase;
let dmmf: Dmmf;

beforeAll(async () => {
  db = await createTestDatabase();
  const schema = await readFile(join(PROJECT_ROOT, 'prisma', 'schema.prisma'), 'utf8');
  dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: schema }))) as Dmmf;
});
afterAll(async () => {
  await db.drop();
});

const tableOf = (model: DmmfModel) => model.dbName ?? model.name;
const columnOf = (field: DmmfField) => field.dbName ?? field.name;
const modelNamed = (name: string) => {
  const model = dmmf.datamodel.models.find((candidate) => candidate.name === name);
  if (!model) throw new Error(`no model ${name}`);
  return model;
};
const columnsOf = (model: DmmfModel, fieldNames: string[]) =>
  fieldNames.map((name) => {
    const field = model.fields.find((candidate) => candidate.name === name);
    if (!field) throw new Error(`no field ${model.name}.${name}`);
    return columnOf(field);
  });

function expectedType(field: DmmfField): string {
  if (field.isList) return 'ARRAY';
  if (field.kind === 'enum') return 'USER-DEFINED';
  const native = field.nativeType?.[0];
  switch (field.type) {
    case 'String':
      return native === 'Uuid'
        ? 'uuid'
        : native === 'Char'
          ? 'character'
          : native === 'VarChar'
            ? 'character varying'
            : 'text';
    case 'Int':
      return native === 'SmallInt' ? 'smallint' : 'integer';
    case 'BigInt':
      return 'bigint';
    case 'Boolean':
      return 'boolean';
    case 'DateTime':
      return native === 'Timestamptz'
        ? 'timestamp with time zone'
        : native === 'Date'
          ? 'date'
          : 'timestamp without time zone';
    case 'Json':
      return native === 'Json' ? 'json' : 'jsonb';
    case 'Bytes':
      return 'bytea';
    default:
      throw new Error(`unmapped type ${field.type}`);
  }
}

async function query<T extends object>(sql: string): Promise<T[]> {
  return (await db.pool.query<T>(sql)).rows;
}

interface IndexRow {
  table: string;
  columns: string[];
  is_unique: boolean;
  is_primary: boolean;
}
async function databaseIndexes(): Promise<IndexRow[]> {
  return query<IndexRow>(`
    SELECT t.relname::text AS table, i.indisunique AS is_unique, i.indisprimary AS is_primary,
           array_agg(a.attname::text ORDER BY k.ordinality) AS columns
    FROM pg_index i
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ordinality)
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
    WHERE t.relname <> '_prisma_migrations'
    GROUP BY t.relname, i.indexrelid, i.indisunique, i.indisprimary`);
}

interface ForeignKeyRow {
  table: string;
  columns: string[];
  target: string;
  target_columns: string[];
  on_delete: string;
}
async function databaseForeignKeys(): Promise<ForeignKeyRow[]> {
  return query<ForeignKeyRow>(`
    SELECT c.conrelid::regclass::text AS table, c.confrelid::regclass::text AS target,
           (SELECT array_agg(a.attname::text ORDER BY k.o) FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
              JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS columns,
           (SELECT array_agg(a.attname::text ORDER BY k.o) FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
              JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS target_columns,
           CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE'
                WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END AS on_delete
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace AND n.nspname = 'public'
    WHERE c.contype = 'f'`);
}

const key = (table: string, columns: string[]) => `${table}(${columns.join(', ')})`;
const sorted = (values: string[]) => [...values].sort();

describe('schema.prisma and the migrated database agree', () => {
  test('the same tables', async () => {
    const tables = await query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'",
    );
    expect(sorted(tables.map((row) => row.table_name))).toEqual(sorted(dmmf.datamodel.models.map(tableOf)));
  });

  test('the same columns, types and nullability', async () => {
    const columns = await query<{
      table_name: string;
      column_name: string;
      data_type: string;
      udt_name: string;
      is_nullable: string;
    }>(
      "SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'",
    );
    const actual = columns.map(
      (row) =>
        `${row.table_name}.${row.column_name}: ${row.data_type}${row.data_type === 'USER-DEFINED' ? `(${row.udt_name})` : ''} ${row.is_nullable === 'YES' ? 'null' : 'not null'}`,
    );
    const expected = dmmf.datamodel.models.flatMap((model) =>
      model.fields
        .filter((field) => field.kind !== 'object')
        .map((field) => {
          const enumName =
            field.kind === 'enum'
              ? dmmf.datamodel.enums.find((candidate) => candidate.name === field.type)
              : undefined;
          const type = expectedType(field);
          return `${tableOf(model)}.${columnOf(field)}: ${type}${enumName ? `(${enumName.dbName ?? enumName.name})` : ''} ${field.isRequired ? 'not null' : 'null'}`;
        }),
    );
    expect(sorted(actual)).toEqual(sorted(expected));
  });

  test('the same enums and values', async () => {
    const rows = await query<{ name: string; values: string[] }>(`
      SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS values
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`);
    const expected = dmmf.datamodel.enums.map((item) => ({
      name: item.dbName ?? item.name,
      values: item.values.map((value) => value.name),
    }));
    expect(rows.sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      expected.sort((a, b) => a.name.localeCompare(b.name)),
    );
  });

  test('the same primary keys, unique constraints and indexes', async () => {
    const indexes = await databaseIndexes();
    const describe = (row: IndexRow) =>
      `${row.is_primary ? 'primary' : row.is_unique ? 'unique' : 'index'} ${key(row.table, row.columns)}`;
    const expected = dmmf.datamodel.indexes
      .filter((index) => index.type !== 'fulltext')
      .map((index) => {
        const model = modelNamed(index.model);
        const kind = index.type === 'id' ? 'primary' : index.type === 'unique' ? 'unique' : 'index';
        return `${kind} ${key(
          tableOf(model),
          columnsOf(
            model,
            index.fields.map((field) => field.name),
          ),
        )}`;
      });
    expect(sorted(indexes.map(describe))).toEqual(sorted(expected));
  });

  test('the same foreign keys with the same delete rules', async () => {
    const foreignKeys = await databaseForeignKeys();
    const actual = foreignKeys.map(
      (row) =>
        `${key(row.table, row.columns)} -> ${key(row.target, row.target_columns)} on delete ${row.on_delete}`,
    );
    const expected = dmmf.datamodel.models.flatMap((model) =>
      model.fields
        .filter((field) => field.kind === 'object' && field.relationFromFields?.length)
        .map((field) => {
          const target = modelNamed(field.type);
          const onDelete = field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull');
          return `${key(tableOf(model), columnsOf(model, field.relationFromFields ?? []))} -> ${key(tableOf(target), columnsOf(target, field.relationToFields ?? []))} on delete ${ON_DELETE[onDelete] ?? onDelete}`;
        }),
    );
    expect(sorted(actual)).toEqual(sorted(expected));
  });

  test('every foreign key is covered by an index that starts with its columns', async () => {
    const indexes = await databaseIndexes();
    const unindexed = (await databaseForeignKeys()).filter(
      (fk) =>
        !indexes.some(
          (index) =>
            index.table === fk.table &&
            fk.columns.every((column, position) => index.columns[position] === column),
        ),
    );
    expect(unindexed.map((fk) => key(fk.table, fk.columns))).toEqual([]);
  });
});
