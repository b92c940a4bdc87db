package cart

import (
	"fmt"
	"testing"
)

func TestAdds(t *testing.T) {
	fmt.Println("cart log: adding")
	if 1+1 != 2 {
		t.Fatal("bad sum")
	}
}

func TestTotals(t *testing.T) {
	t.Errorf("total <with> tax: got %d, want %d", 105, 110)
}

func TestSkipped(t *testing.T) {
	t.Skip("pricing service down")
}

func TestTable(t *testing.T) {
	for _, n := range []int{1, -2} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			if n < 0 {
				t.Errorf("%d is negative", n)
			}
		})
	}
}
