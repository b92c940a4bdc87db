const assert = require('assert');
describe('math', () => {
  it('adds', () => { assert.strictEqual(1 + 1, 2); });
  it('fails <here> & there', () => { assert.strictEqual(1 + 1, 3); });
  it.skip('skipped one', () => {});
  it('pending');
  describe('nested', () => { it('deep', () => {}); });
});
it('top level throws', () => { throw new Error('boom'); });
