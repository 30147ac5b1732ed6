package live_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"gltrain/live"
)

func TestEvenly(t *testing.T) {
	xs := make([]int, 10)
	for i := range xs {
		xs[i] = i
	}
	for _, tc := range []struct {
		n    int
		want []int
	}{
		{20, xs},
		{10, xs},
		{4, []int{0, 3, 6, 9}},
		{2, []int{0, 9}},
		{1, []int{0}},
		{0, nil},
	} {
		assert.Equal(t, tc.want, live.Evenly(xs, tc.n), "n=%d", tc.n)
	}
}

func ExampleEvenly() {
	fmt.Println(live.Evenly([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 3))
	// Output: [0 5 10]
}
