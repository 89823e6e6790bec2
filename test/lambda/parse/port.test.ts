import { parsePort } from '../../../lambda/parse/port';
import type { ParseResult, TargetFieldError } from '../../../lambda/parse/field-error';

const NOT_A_PORT = 'is not a port (an integer 1-65535)';

function valueOf<T>(result: ParseResult<T>): T {
  if (!result.ok) throw new Error(`expected a value, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function errorOf<T>(result: ParseResult<T>): TargetFieldError {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.value)}`);
  return result.error;
}

describe('parsePort', () => {
  it.each<[unknown, number]>([
    [8883, 8883],
    ['8883', 8883],
    [' 8883 ', 8883],
    ['08883', 8883],
    [1, 1],
    [65535, 65535],
    ['65535', 65535],
  ])('accepts %j as %d', (value, port) => {
    // Act
    const result = parsePort(value, 'port');
    // Assess
    expect(valueOf(result)).toBe(port);
  });

  it.each<[unknown, string]>([
    [0, '0'],
    [65536, '65536'],
    [-1, '-1'],
    [1.5, '1.5'],
    ['8883x', '"8883x"'],
    ['', '""'],
    ['0x22b3', '"0x22b3"'],
    ['1e3', '"1e3"'],
    ['088830', '"088830"'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [null, 'null'],
    [true, 'true'],
    [8883n, '8883'],
    [[8883], '[8883]'],
  ])('refuses %p', (value, shown) => {
    // Act
    const error = errorOf(parsePort(value, 'port'));
    // Assess
    expect(error).toEqual({ field: 'port', value: shown, reason: NOT_A_PORT });
  });
});
