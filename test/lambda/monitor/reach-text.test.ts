/** Reach in words: name lists cut with "+N", the fitting of lists into a line, the partial note of `portwatch status`. */
import type { Reach } from '../../../lambda/monitor/model';
import { agreeingSide, fitNames, isPartial, nameList, partialNote, reachHeadline, reachText } from '../../../lambda/monitor/reach-text';

const PARTIAL: Reach = { open: ['eu-west-1', 'us-east-1'], notOpen: ['ap-southeast-2'], unknown: [], partialSince: '2026-11-24T10:05:00.000Z' };

describe('reach in words', () => {
  it('lists names, the rest counted as +N, at least one name shown', () => {
    expect(nameList(['a', 'b', 'c'])).toBe('a, b, c');
    expect(nameList(['a', 'b', 'c'], 1)).toBe('a +2');
    expect(nameList(['a', 'b', 'c'], 0)).toBe('a +2');
  });

  it('fits lists into a line by cutting the longest first (on a tie, the first), never below one name each', () => {
    // Prepare
    const lists = [['ap-northeast-1', 'ap-southeast-2', 'eu-central-1', 'eu-west-1'], ['sa-east-1', 'us-west-2']];
    const render = ([a, b]: readonly string[]) => `open from ${a ?? ''}; not from ${b ?? ''}`;
    // Act / Assess
    expect(fitNames(lists, render, 200)).toBe('open from ap-northeast-1, ap-southeast-2, eu-central-1, eu-west-1; not from sa-east-1, us-west-2');
    expect(fitNames(lists, render, 80)).toBe('open from ap-northeast-1, ap-southeast-2 +2; not from sa-east-1, us-west-2');
    expect(fitNames(lists, render, 60)).toBe('open from ap-northeast-1 +3; not from sa-east-1, us-west-2');
    expect(fitNames(lists, render, 10)).toBe('open from ap-northeast-1 +3; not from sa-east-1 +1');
  });

  it('partial only when open from some and not open from others; unknown vantage points take no side', () => {
    expect(isPartial(PARTIAL)).toBe(true);
    expect(isPartial({ ...PARTIAL, notOpen: [], unknown: ['ap-southeast-2'] })).toBe(false);
    expect(isPartial(null)).toBe(false);
    expect(agreeingSide(true, PARTIAL)).toEqual(['eu-west-1', 'us-east-1']);
    expect(agreeingSide(false, PARTIAL)).toEqual(['ap-southeast-2']);
    expect(agreeingSide(true, { ...PARTIAL, notOpen: [] })).toBeNull();
  });

  it('names every vantage point by what it sees, leaving empty lists out', () => {
    expect(reachText({ ...PARTIAL, unknown: ['sa-east-1'] })).toBe('open from eu-west-1, us-east-1; not open from ap-southeast-2; unknown from sa-east-1');
    expect(reachText({ open: [], notOpen: [], unknown: [], partialSince: null })).toBe('');
  });

  it('headlines: partial names both sides, reachable says all of them or names who is unknown', () => {
    expect(reachHeadline('partial', 'broker:8883', PARTIAL, 88)).toBe('PARTIAL broker:8883 open from eu-west-1, us-east-1; not from ap-southeast-2');
    expect(reachHeadline('reachable', 'broker:8883', { ...PARTIAL, open: ['a', 'b', 'c'], notOpen: [] }, 88)).toBe('REACHABLE broker:8883 again from all 3 vantage points');
    expect(reachHeadline('reachable', 'broker:8883', { ...PARTIAL, notOpen: [], unknown: ['ap-southeast-2'] }, 88)).toBe('REACHABLE broker:8883 again from eu-west-1, us-east-1 (1 unknown)');
    expect(reachHeadline('partial', 'broker:8883', undefined, 88)).toBe('PARTIAL broker:8883');
  });

  it('the status note names the side that differs from the combined status, and since when', () => {
    const time = (iso: string) => iso.slice(0, 16);
    expect(partialNote(true, PARTIAL, time)).toBe('partial: not open from ap-southeast-2 since 2026-11-24T10:05');
    expect(partialNote(false, PARTIAL, time)).toBe('partial: open from eu-west-1, us-east-1 since 2026-11-24T10:05');
    expect(partialNote(true, { ...PARTIAL, notOpen: [] }, time)).toBeNull();
    expect(partialNote(true, undefined, time)).toBeNull();
  });
});
