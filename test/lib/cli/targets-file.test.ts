import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatLineError, parseTargetsText } from '../../../lib/cli/targets-file';
import { parseTargetLine } from '../../../lib/cli/targets-formats';

describe('parseTargetLine', () => {
  it('reads the key and every attribute of the line format', () => {
    const line = parseTargetLine('broker.example.com:8883 expect=closed depth=tls protocol=tcp label=team=iot label=prod description="fleet broker" timeoutMs=500');
    expect(line).toEqual({
      ok: true,
      value: {
        target: 'broker.example.com:8883',
        expect: 'closed',
        depth: 'tls',
        protocol: 'tcp',
        labels: { team: 'iot', prod: '' },
        description: 'fleet broker',
        timeoutMs: '500',
      },
    });
  });

  it('reads serverName, any case of the name, and stores it canonical', () => {
    // Act
    const parsed = parseTargetsText('203.0.113.10 servername=Broker.Example.com\n');

    // Assess
    expect(parsed.errors).toEqual([]);
    expect(parsed.entries.map((e) => e.item)).toEqual([{ target: '203.0.113.10', serverName: 'broker.example.com' }]);
    expect(parsed.entries[0]?.target.serverName).toBe('broker.example.com');
  });

  it('ignores blank lines and comments, including a comment after the attributes', () => {
    expect(parseTargetLine('   ')).toEqual({ ok: true, value: null });
    expect(parseTargetLine('# a comment')).toEqual({ ok: true, value: null });
    expect(parseTargetLine('10.0.0.1 expect=open # the lab broker')).toEqual({ ok: true, value: { target: '10.0.0.1', expect: 'open' } });
  });

  it('names an unknown attribute, a bare word and a repeated attribute', () => {
    expect(parseTargetLine('h expct=closed')).toMatchObject({ ok: false, error: { field: 'expct', reason: expect.stringContaining('not a known attribute') } });
    expect(parseTargetLine('h closed')).toMatchObject({ ok: false, error: { field: 'attribute', value: '"closed"', reason: expect.stringContaining('name=value') } });
    expect(parseTargetLine('h expect=open expect=closed')).toMatchObject({ ok: false, error: { field: 'expect', reason: 'is given twice on the line' } });
    expect(parseTargetLine('h description="unclosed')).toMatchObject({ ok: false, error: { reason: 'has an unclosed " quote' } });
  });
});

describe('parseTargetsText', () => {
  it('reads targets.txt lines, validates each with parseTargetItem and reports bad lines by number', () => {
    const text = ['# header', '127.0.0.1:8883 expect=closed depth=tcp', '', 'bad host:1 depth=tcp', 'localhost:99999', 'localhost:1883 depth=deep', '[::1]:8883'].join('\n');
    const parsed = parseTargetsText(text, { fileName: 'targets.txt' });
    expect(parsed.format).toBe('lines');
    expect(parsed.entries.map((e) => [e.line, e.target.display])).toEqual([
      [2, '127.0.0.1:8883'],
      [7, '[::1]:8883'],
    ]);
    expect(parsed.errors.map((e) => formatLineError('targets.txt', e))).toEqual([
      'targets.txt:4: attribute: "host:1" is not name=value (one of expect, depth, protocol, port, enabled, timeoutMs, description, muteUntil, remindEvery, label, serverName, every); a target has no spaces',
      'targets.txt:5: target: "localhost:99999" has a port that is not an integer 1-65535',
      'targets.txt:6: depth: "deep" must be one of tcp, tls, mqtt',
    ]);
  });

  it('stores typed values, only for the attributes given', () => {
    const parsed = parseTargetsText('h:1883 enabled=false timeoutMs=700 port=1883 label=a=b');
    expect(parsed.entries[0]?.item).toEqual({ target: 'h:1883', enabled: false, timeoutMs: 700, port: 1883, labels: { a: 'b' } });
  });

  it('keeps the first of two lines with the same key and reports the second', () => {
    const parsed = parseTargetsText('a.example:1\nb.example:1\na.example:1 expect=open', { fileName: 'f' });
    expect(parsed.entries.map((e) => e.line)).toEqual([1, 2]);
    expect(parsed.errors).toEqual([{ line: 3, message: 'target: "a.example:1" repeats line 1; the first one is kept', key: 'a.example:1' }]);
  });

  it('names the target a refused line is about when its key still reads, and null when it does not', () => {
    const text = [
      'typo.example:1883 expect=clsoed',
      'unknown.example expct=closed',
      'bare.example closed',
      'quote.example description="unclosed',
      '[::1]:8883 depth=deep',
      'bad_host!:1883 expect=open',
      'expect=open',
      'localhost:99999',
      '"quoted.example" depth=nope',
    ].join('\n');
    expect(parseTargetsText(text, { fileName: 't.txt' }).errors.map((e) => [e.line, e.key])).toEqual([
      [1, 'typo.example:1883'],
      [2, 'unknown.example'],
      [3, 'bare.example'],
      [4, 'quote.example'],
      [5, '[::1]:8883'],
      [6, null],
      [7, null],
      [8, null],
      // A quoted key is read by the line parser, not by the fallback that only splits words.
      [9, 'quoted.example'],
    ]);
    const json = parseTargetsText('["a.example depth=x", "b.example bad", {"target": "c.example", "expect": 1}, {"target": 5}]', { fileName: 't.json' });
    expect(json.errors.map((e) => e.key)).toEqual(['a.example', 'b.example', 'c.example', null]);
  });

  it('reads CSV with a header, quoted cells, labels and comments; errors carry the line of the row', () => {
    const csv = [
      'target,expect,depth,labels,description',
      '# comment row',
      'a.example.com,closed,tcp,team=iot;env=prod,"broker, north"',
      'b.example.com:1883,,tls,,"multi',
      'line ""quoted"""',
      'c.example.com,maybe,tcp,,',
      ',closed,tcp,,',
      'd.example.com,open,tcp,,,extra',
    ].join('\r\n');
    const parsed = parseTargetsText(csv, { fileName: 'fleet.csv' });
    expect(parsed.format).toBe('csv');
    expect(parsed.entries.map((e) => e.item)).toEqual([
      { target: 'a.example.com', expect: 'closed', depth: 'tcp', labels: { team: 'iot', env: 'prod' }, description: 'broker, north' },
      { target: 'b.example.com:1883', depth: 'tls', description: 'multi\r\nline "quoted"' },
    ]);
    expect(parsed.errors).toEqual([
      { line: 6, message: 'expect: "maybe" must be one of open, closed', key: 'c.example.com' },
      { line: 7, message: 'target: "" is empty', key: null },
      // Cells out of place: which one is the target cannot be trusted.
      { line: 8, message: expect.stringContaining('has 6 cells but the header names 5 columns'), key: null },
    ]);
  });

  it('detects CSV by its header even without a .csv name, and refuses an unknown column for the whole file', () => {
    expect(parseTargetsText('target,expect\nh,open').format).toBe('csv');
    expect(() => parseTargetsText('target,expct\nh,open', { fileName: 'x.csv' })).toThrow('x.csv:1: column 2 "expct" is not one of target');
    expect(() => parseTargetsText('expect,depth\nopen,tcp', { fileName: 'x.csv' })).toThrow('x.csv:1: the header has no "target" column');
  });

  it('reads a JSON array of items (and of lines), reporting each element by the line it starts on', () => {
    const json = '[\n  {"target": "a.example.com", "expect": "closed", "owner": "ops"},\n  {"target": "b.example.com",\n   "depth": "nope"},\n  "c.example.com:1883 depth=tcp",\n  42\n]';
    const parsed = parseTargetsText(json, { fileName: 't.json' });
    expect(parsed.format).toBe('json');
    // Attributes portwatch does not know are the user's: kept in the item.
    expect(parsed.entries.map((e) => e.item)).toEqual([
      { target: 'a.example.com', expect: 'closed', owner: 'ops' },
      { target: 'c.example.com:1883', depth: 'tcp' },
    ]);
    expect(parsed.errors).toEqual([
      { line: 3, message: 'depth: "nope" must be one of tcp, tls, mqtt', key: 'b.example.com' },
      { line: 6, message: 'item 4: 42 must be an object with a "target"', key: null },
    ]);
  });

  it('refuses JSON that does not parse, naming the line', () => {
    expect(() => parseTargetsText('[\n{"target": "a"}\n{"target": "b"}\n]', { fileName: 't.json' })).toThrow(/^t\.json:3: not valid JSON/);
    expect(() => parseTargetsText('[{"a": 1}', { fileName: 't.json' })).toThrow(/t\.json:1: not valid JSON/);
  });

  it('accepts the example targets.txt shipped at the repository root', () => {
    const text = readFileSync(join(__dirname, '../../../targets.txt'), 'utf8');
    const parsed = parseTargetsText(text, { fileName: 'targets.txt' });
    expect(parsed.errors).toEqual([]);
    expect(parsed.entries.length).toBeGreaterThanOrEqual(2);
    // Only loopback: the example must be safe to run anywhere.
    for (const e of parsed.entries) expect(['127.0.0.1', 'localhost', '::1']).toContain(e.target.host);
  });
});
