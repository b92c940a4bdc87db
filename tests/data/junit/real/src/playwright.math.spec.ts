import { test, expect } from '@playwright/test';
test.describe('math', () => {
  test('adds', () => { expect(1 + 1).toBe(2); });
  test('fails <here> & there', () => { console.log('some log'); expect(1 + 1).toBe(3); });
  test.skip('skipped one', () => {});
  test.fixme('later thing', () => {});
  test('flaky', ({}, info) => { expect(info.retry).toBe(1); });
});
test('top level throws', () => { throw new Error('boom'); });
