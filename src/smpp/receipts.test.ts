import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReceiptRoutes } from './receipts.ts';

describe('receipt routes', () => {
  it('forgets message ids past the receipt window, and the oldest past the cap', () => {
    const routes = new ReceiptRoutes(1000, 2);
    routes.remember('m1', 'bank', 0);
    routes.remember('m2', 'shop', 10);
    assert.equal(routes.accountOf('m1', 20), 'bank');
    assert.equal(routes.accountOf('m1', 1000), undefined, 'a receipt after the window is not routed by it');
    routes.remember('m3', 'bank', 20);
    assert.equal(routes.size, 2, 'never more than the cap');
    assert.equal(routes.accountOf('m1', 20), undefined, 'the oldest forgotten first');
    assert.equal(routes.accountOf('m3', 20), 'bank');
    routes.remember('m4', 'shop', 1025);
    assert.deepEqual([routes.size, routes.accountOf('m4', 1025)], [1, 'shop'], 'expired ones dropped as new come');
  });
});
