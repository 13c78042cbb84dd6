/**
 * Glue tables derive from etl/schema.ts, and partition projection finds exactly the paths the
 * ETL writes: for every table, the storage.location.template rendered the way Athena renders
 * projected values (from the projection properties alone) equals partitionPath() of the schema
 * module, which the local engine and the Glue job use to write partitions.
 */
import { expect } from 'chai';
import { catalogColumns, catalogTableArgs, keyProjection, locationTemplate, renderTemplate, serDeInfo, tableParameters } from '../../components/glue-tables';
import { catalogPartitionKeys, catalogTable, trinoCreateTableSql, trinoType } from '../../etl/catalog';
import { formatPartitionValue, LAKE_START_YEAR, LAKE_TABLES, PartitionKeyDef, partitionPath, rawEvents, TableDef, TABLES } from '../../etl/schema';

const BUCKET = 's3://capstone-analytics-jdoe-123456789012';

/** What Athena substitutes for `${key}` given the projection properties and a logical value. */
function athenaProjectedValue(params: Record<string, string>, key: string, value: number | string): string {
  const type = params[`projection.${key}.type`];
  if (type === 'date') {
    const format = params[`projection.${key}.format`];
    expect(format).to.be.oneOf(['yyyy-MM-dd', 'yyyy']);
    const [start] = params[`projection.${key}.range`].split(',');
    expect(String(value) >= start, `${key} within projection range`).to.equal(true);
    return format === 'yyyy' ? String(value).padStart(4, '0') : String(value); // samples are given in the format already
  }
  if (type === 'integer') {
    const [min, max] = params[`projection.${key}.range`].split(',').map(Number);
    expect(Number(value), `${key} within projection range`).to.be.within(min, max);
    const digits = params[`projection.${key}.digits`];
    return digits === undefined ? String(Number(value)) : String(Number(value)).padStart(Number(digits), '0');
  }
  throw new Error(`unexpected projection type '${type}' for ${key}`);
}

/** Sample logical values per key: the minimum, the maximum and a value in between. */
function samples(key: PartitionKeyDef): Array<string | number> {
  const f = key.format;
  if (f.kind === 'date') return [`${LAKE_START_YEAR}-01-01`, '2025-11-19', '2026-02-28'];
  if (f.kind === 'calendar_year') return [f.min, 2025, 2026];
  return [f.min, Math.floor((f.min + f.max) / 2), f.max];
}

describe('components: Glue tables from the schema module', () => {
  for (const table of TABLES) {
    describe(table.id, () => {
      const params = tableParameters(table, BUCKET);

      it('has the columns, types and partition keys of etl/schema.ts, in order', () => {
        const args = catalogTableArgs(table, 'db', 'bucket');
        const sd = args.storageDescriptor as { columns: Array<{ name: string; type: string }> };
        const keys = args.partitionKeys as Array<{ name: string; type: string }>;
        expect(sd.columns.map((c) => [c.name, c.type])).to.deep.equal(table.columns.map((c) => [c.name, c.type]));
        expect(keys.map((c) => [c.name, c.type])).to.deep.equal(catalogPartitionKeys(table).map((c) => [c.name, c.type]));
        expect(catalogColumns(table).map((c) => c.name)).to.deep.equal([...table.columns, ...catalogPartitionKeys(table)].map((c) => c.name));
        expect(args.name).to.equal(table.name);
        expect(args.tableType).to.equal('EXTERNAL_TABLE');
        for (const c of [...sd.columns, ...keys] as Array<{ comment?: string }>) expect((c.comment ?? '').length).to.be.at.most(255);
      });

      it('enables projection for every partition key and no other column', () => {
        expect(params['projection.enabled']).to.equal('true');
        const projected = Object.keys(params)
          .filter((k) => /^projection\.[a-z_]+\.type$/.test(k))
          .map((k) => k.split('.')[1]);
        expect(projected).to.deep.equal(catalogPartitionKeys(table).map((k) => k.name));
      });

      it('renders the partition paths the ETL writes (partitionPath) for sample values', () => {
        const template = params['storage.location.template'];
        const keys = table.partitionKeys;
        const n = Math.max(...keys.map((k) => samples(k).length));
        for (let i = 0; i < n; i++) {
          const logical: Record<string, string | number> = {};
          const projected: Record<string, string> = {};
          for (const k of keys) {
            const v = samples(k)[i % samples(k).length];
            logical[k.name] = v;
            if (catalogPartitionKeys(table).includes(k)) projected[k.name] = athenaProjectedValue(params, k.name, v);
          }
          // The partition's folder: the path the ETL writes, down to the catalog's partition keys;
          // deeper path levels (the raw table's minute) are folders inside it.
          const rendered = renderTemplate(template, projected);
          const catalogKeys = catalogPartitionKeys(table);
          const folder = [table.location, ...catalogKeys.map((k) => `${k.name}=${formatPartitionValue(k, logical[k.name])}`)].join('/');
          expect(rendered).to.equal(`${BUCKET}/${folder}/`);
          expect(`${BUCKET}/${partitionPath(table, logical)}/`.startsWith(rendered)).to.equal(true);
        }
      });
    });
  }

  it('Parquet tables: EXTERNAL_TABLE, classification=parquet, Parquet SerDe and formats', () => {
    for (const table of LAKE_TABLES) {
      const args = catalogTableArgs(table, 'db', 'bucket');
      const sd = args.storageDescriptor as { inputFormat: string; outputFormat: string; serDeInfo: { serializationLibrary: string } };
      expect(tableParameters(table, BUCKET).classification, table.id).to.equal('parquet');
      expect(sd.inputFormat).to.equal('org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
      expect(sd.outputFormat).to.equal('org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat');
      expect(sd.serDeInfo.serializationLibrary).to.equal('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    }
  });

  it('event_date uses date projection yyyy-MM-dd from the lake start year to NOW; event_hour integer 0-23 unpadded', () => {
    const silver = TABLES.find((t) => t.id === 'silver.events') as TableDef;
    const p = tableParameters(silver, BUCKET);
    expect(p['projection.event_date.type']).to.equal('date');
    expect(p['projection.event_date.format']).to.equal('yyyy-MM-dd');
    expect(p['projection.event_date.range']).to.equal(`${LAKE_START_YEAR}-01-01,NOW`);
    expect(p['projection.event_date.interval.unit']).to.equal('DAYS');
    expect(p['projection.event_hour.type']).to.equal('integer');
    expect(p['projection.event_hour.range']).to.equal('0,23');
    expect(p).not.to.have.property('projection.event_hour.digits');
    expect(p['storage.location.template']).to.equal(`${BUCKET}/silver/events/event_date=\${event_date}/event_hour=\${event_hour}/`);
  });

  it('raw table: OpenX JSON SerDe, malformed JSON ignored, event_timestamp mapped from the `timestamp` key, hour partitions', () => {
    const serde = serDeInfo(rawEvents);
    expect(serde.serializationLibrary).to.equal('org.openx.data.jsonserde.JsonSerDe');
    expect(serde.parameters).to.deep.equal({ 'ignore.malformed.json': 'true', 'mapping.event_timestamp': 'timestamp' });
    const p = tableParameters(rawEvents, 's3://capstone-events-jdoe-123456789012');
    expect(p.classification).to.equal('json');
    // the year grows with time (date projection up to NOW) instead of spanning decades ahead
    expect(keyProjection(rawEvents.partitionKeys[0])).to.deep.equal({
      'projection.year.type': 'date',
      'projection.year.format': 'yyyy',
      'projection.year.range': `${LAKE_START_YEAR},NOW`,
      'projection.year.interval': '1',
      'projection.year.interval.unit': 'YEARS',
    });
    // minute is a folder inside the hour partition, not a projected partition
    expect(Object.keys(p).filter((k) => k.startsWith('projection.minute'))).to.deep.equal([]);
    expect(locationTemplate(rawEvents, 's3://b')).to.equal('s3://b/events/year=${year}/month=${month}/day=${day}/hour=${hour}/');
  });

  it('no table projects a million partitions for a query without a filter, now or ten years on', () => {
    const DAY_MS = 86_400_000;
    const projectedPartitions = (params: Record<string, string>, key: string, now: Date): number => {
      const [from, to] = params[`projection.${key}.range`].split(',');
      if (params[`projection.${key}.type`] === 'integer') return Number(to) - Number(from) + 1;
      expect(to).to.equal('NOW');
      if (params[`projection.${key}.format`] === 'yyyy') return now.getUTCFullYear() - Number(from) + 1;
      return Math.floor((now.getTime() - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
    };
    for (const now of [new Date(), new Date(Date.now() + 3653 * DAY_MS)]) {
      for (const table of TABLES) {
        const params = tableParameters(table, BUCKET);
        const total = catalogPartitionKeys(table).reduce((n, k) => n * projectedPartitions(params, k.name, now), 1);
        expect(total, `${table.id} at ${now.toISOString().slice(0, 10)}`).to.be.below(1_000_000);
      }
    }
  });

  it('the template renderer refuses a placeholder without a value (so the comparison cannot pass by accident)', () => {
    expect(() => renderTemplate('s3://b/x=${x}/y=${y}', { x: '1' })).to.throw("template placeholder 'y' has no value");
  });
  it('every storage.location.template ends in a slash, so no partition is a key prefix of another', () => {
    for (const table of TABLES) {
      const template = tableParameters(table, BUCKET)['storage.location.template'];
      expect(template.endsWith('/'), table.id).to.equal(true);
    }
    const template = tableParameters(TABLES.find((t) => t.id === 'silver.events') as TableDef, BUCKET)['storage.location.template'];
    const hour1 = renderTemplate(template, { event_date: '2025-11-19', event_hour: '1' });
    const hour10 = renderTemplate(template, { event_date: '2025-11-19', event_hour: '10' });
    expect(hour10.startsWith(hour1)).to.equal(false);
  });

  describe('one description renders both the Glue table and the Trino DDL', () => {
    for (const table of LAKE_TABLES) {
      it(`${table.id}: Glue columns, partition keys, location and SerDe are the neutral description's; the Trino DDL declares the same`, () => {
        const described = catalogTable(table);
        const args = catalogTableArgs(table, 'db', 'bucket');
        const sd = args.storageDescriptor as { columns: unknown[]; serDeInfo: { serializationLibrary: string; parameters: unknown } };
        expect(sd.columns).to.deep.equal(described.columns);
        expect(args.partitionKeys).to.deep.equal(described.partitionKeys);
        expect(sd.serDeInfo).to.deep.equal({ serializationLibrary: described.storage.serializationLibrary, parameters: described.storage.serdeParameters });

        const ddl = trinoCreateTableSql(described, `hive.${table.database}.${table.name}`, 'local:///lakes/a');
        const declared = [...ddl.matchAll(/^ {2}([a-z_]+) ([a-z0-9(),]+) COMMENT /gm)].map((m) => [m[1], m[2]]);
        expect(declared).to.deep.equal([...described.columns, ...described.partitionKeys].map((c) => [c.name, trinoType(c.type)]));
        expect(ddl).to.include(`external_location = 'local:///lakes/a/${table.location}/'`);
        expect(ddl).to.include(`partitioned_by = ARRAY[${table.partitionKeys.map((k) => `'${k.name}'`).join(', ')}]`);
        expect(ddl).to.include("format = 'PARQUET'");
      });
    }

    it('the Trino DDL refuses the raw JSON table, whose key mapping Trino cannot declare', () => {
      expect(() => trinoCreateTableSql(catalogTable(rawEvents), 'hive.bronze.raw_events', 'local:///x')).to.throw(/only Parquet tables/);
    });

    it('maps every Hive type of the schema to a Trino type and refuses an unknown one', () => {
      expect(TABLES.flatMap((t) => catalogColumns(t)).map((c) => trinoType(c.type))).to.not.include(undefined);
      expect(trinoType('string')).to.equal('varchar');
      expect(trinoType('timestamp')).to.equal('timestamp(3)');
      expect(trinoType('decimal(12,2)')).to.equal('decimal(12,2)');
      expect(() => trinoType('map<string,int>')).to.throw(/no Trino type for Hive type 'map<string,int>'/);
    });
  });
});
