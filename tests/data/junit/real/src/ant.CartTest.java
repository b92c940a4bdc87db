package com.acme;

import static org.junit.Assert.assertEquals;
import org.junit.Assume;
import org.junit.Ignore;
import org.junit.Test;

public class CartTest {
    @Test public void addsAnItem() { System.out.println("cart log: adding"); assertEquals(2, 1 + 1); }
    @Test public void totalsWithTax() { System.err.println("tax table missing"); assertEquals("total <with> tax", 110, 100 + 5); }
    @Test public void throwsOnNull() { throw new IllegalStateException("cart is null & void"); }
    @Ignore("pricing service down") @Test public void appliesCoupon() {}
    @Test public void needsNetwork() { Assume.assumeTrue("no network here", false); }
}
