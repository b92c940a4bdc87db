describe('math', () => {
  test('adds', () => { expect(1 + 1).toBe(2); });
  test('fails <here> & there', () => { console.log('some log'); expect(1 + 1).toBe(3); });
  test.skip('skipped one', () => {});
  test.todo('later thing');
  describe('nested', () => {
    test('deep', () => { expect(true).toBe(true); });
  });
});
test('top level throws', () => { throw new Error('boom'); });
