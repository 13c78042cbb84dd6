/**
 * Number formats (etl/local/format.ts) and the CLI's table/CSV/JSON output (cli/output.ts),
 * including values from the data that try to rewrite a terminal or run a spreadsheet formula.
 */
import { expect } from 'chai';
import {
  columnKind,
  escapeControl,
  formatCount,
  formatMoney,
  formatPlainValue,
  formatRate,
  formatSeconds,
  formatValue,
  neutraliseFormula,
} from '../../../etl/local/format';
import { textTable, toCsv, toJson, toTable } from '../../../cli/output';

describe('number formats (etl/local/format.ts)', () => {
  it('counts get thousands separators, rates are percentages, money has 2 decimals', () => {
    expect(formatCount(5452538)).to.equal('5,452,538');
    expect(formatCount(0)).to.equal('0');
    expect(formatRate(0.414)).to.equal('41.40%');
    expect(formatRate(1.0556)).to.equal('105.56%');
    expect(formatMoney(5452538.4)).to.equal('5,452,538.40');
    expect(formatMoney(9.999)).to.equal('10.00');
    expect(formatSeconds(12.345)).to.equal('12.35 s');
  });

  it('a column kind comes from its name first, then its DuckDB type', () => {
    expect(columnKind('view_to_cart_rate', 'DECIMAL(10,4)')).to.equal('rate');
    expect(columnKind('revenue', 'DECIMAL(18,2)')).to.equal('money');
    expect(columnKind('views', 'BIGINT')).to.equal('count');
    expect(columnKind('event_hour', 'INTEGER')).to.equal('label');
    expect(columnKind('year', 'INTEGER')).to.equal('label');
    expect(columnKind('price', 'VARCHAR')).to.equal('text');
    expect(columnKind('avg_price_ratio', 'DOUBLE')).to.equal('rate');
  });

  it('formats one value by kind for people, and plainly for CSV', () => {
    expect(formatValue(0.5, 'rate')).to.equal('50.00%');
    expect(formatValue('1234.5', 'money')).to.equal('1,234.50');
    expect(formatValue(2025, 'label')).to.equal('2025');
    expect(formatValue(null, 'count')).to.equal('NULL');
    expect(formatValue(0.1234567, 'decimal', 'DOUBLE')).to.equal('0.1235');
    expect(formatPlainValue(0.5, 'rate', 'DECIMAL(10,4)')).to.equal('0.5000');
    expect(formatPlainValue(1234.5, 'money', 'DECIMAL(18,2)')).to.equal('1234.50');
    expect(formatPlainValue(1234567, 'count', 'BIGINT')).to.equal('1234567');
    expect(formatPlainValue(null, 'count')).to.equal('');
  });
});

describe('hostile text in output (cli/output.ts)', () => {
  const ESC = '\u001b';
  const hostile = {
    columns: ['product_id', 'views', 'note'],
    columnTypes: ['VARCHAR', 'BIGINT', 'VARCHAR'],
    rows: [
      { product_id: `p_1${ESC}[2J${ESC}]0;owned\u0007`, views: 1200, note: 'two\nlines\rback\ttab' },
      { product_id: '=HYPERLINK("http://x","click")', views: 3, note: '+1+cmd|calc' },
      { product_id: '@SUM(A1)', views: 4, note: '-2+3' },
      { product_id: '-5.25', views: 5, note: 'right\u202eleft' },
    ],
  };

  it('escapes control, line-separator and bidi characters so they print as visible text', () => {
    expect(escapeControl(`a${ESC}[31mb\u0000c\nd\u2028e\u202ef\u009bg`)).to.equal('a\\x1b[31mb\\x00c\\nd\\u2028e\\u202ef\\x9bg');
    expect(escapeControl('plain é 中文 \\ text')).to.equal('plain é 中文 \\ text');
  });

  it('a table shows every row on one line, with no raw control character', () => {
    const table = toTable(hostile);
    expect(table).to.not.match(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
    const lines = table.split('\n');
    expect(lines).to.have.length(2 + hostile.rows.length + 1);
    expect(lines[2]).to.include('p_1\\x1b[2J\\x1b]0;owned\\x07');
    expect(lines[2]).to.include('two\\nlines\\rback\\ttab');
    expect(lines[2]).to.match(/ 1,200 /);
    expect(lines.at(-1)).to.equal('(4 rows)');
  });

  it('CSV: one line per row, control characters escaped, text formulas neutralised, numbers untouched', () => {
    const csv = toCsv(hostile);
    const lines = csv.split('\n');
    expect(lines).to.have.length(1 + hostile.rows.length);
    expect(csv).to.not.match(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
    expect(lines[1]).to.equal('p_1\\x1b[2J\\x1b]0;owned\\x07,1200,two\\nlines\\rback\\ttab');
    expect(lines[2]).to.equal(`"'=HYPERLINK(""http://x"",""click"")",3,'+1+cmd|calc`);
    expect(lines[3]).to.equal(`'@SUM(A1),4,'-2+3`);
    // A plain negative number in a text column is a number to a spreadsheet, not a formula.
    expect(lines[4]).to.equal('-5.25,5,right\\u202eleft');
    // No cell of the output starts with a formula character.
    for (const line of lines.slice(1)) for (const cell of line.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) expect(cell.replace(/^"/, '')).to.not.match(/^[=+@]/);
  });

  it('neutralises exactly the formula prefixes', () => {
    for (const f of ['=1+1', '+A1', '-A1', '@x']) expect(neutraliseFormula(f)).to.equal(`'${f}`);
    for (const f of ['-1', '+2.5', 'a=b', '', 'x@y']) expect(neutraliseFormula(f)).to.equal(f);
  });

  it('JSON keeps the exact values (escaped only as JSON escapes)', () => {
    const parsed = JSON.parse(toJson(hostile.rows));
    expect(parsed).to.deep.equal(hostile.rows);
    expect(JSON.parse(toJson({ big: 12n }))).to.deep.equal({ big: 12 });
  });

  it('textTable right-aligns the columns it is told are numbers', () => {
    expect(
      textTable(
        ['name', 'n'],
        [
          ['a', '1'],
          ['bb', '1,000'],
        ],
        [false, true],
      ),
    ).to.equal('name      n\n----  -----\na         1\nbb    1,000');
  });
});
