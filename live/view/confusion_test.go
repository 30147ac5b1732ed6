package view_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"gltrain/live/view"
)

// TestConfusionLabels: names that fit label the rows and columns; when one
// does not, the columns show the class numbers and the rows "number name",
// clipped, so that each row still names its column. Glyphs are 7 pixels
// wide.
func TestConfusionLabels(t *testing.T) {
	long := make([]string, 30)
	for i := range long {
		long[i] = "class_" + string(rune('a'+i%26)) + "_long_name"
	}
	for _, tc := range []struct {
		name             string
		classes          []string
		k, rowW, colW    int
		wantRow, wantCol []string // the first two of each
	}{
		{"digits", []string{"0", "1", "2"}, 3, 54, 50, []string{"0", "1"}, []string{"0", "1"}},
		{"no names", nil, 2, 54, 50, []string{"0", "1"}, []string{"0", "1"}},
		{"names that fit", []string{"setosa", "virginica"}, 2, 70, 70, []string{"setosa", "virginica"}, []string{"setosa", "virginica"}},
		{"a column too narrow", []string{"setosa", "virginica"}, 2, 70, 40, []string{"0 setosa", "1 virgi..."}, []string{"0", "1"}},
		{"30 long names", long, 30, 54, 17, []string{"0 cl...", "1 cl..."}, []string{"0", "1"}},
		{"cells too narrow for two digits", long, 30, 54, 12, []string{"0 cl...", "1 cl..."}, []string{"0", "1"}},
	} {
		rows, cols := view.ConfusionLabels(tc.classes, tc.k, tc.rowW, tc.colW)
		assert.Len(t, rows, tc.k, tc.name)
		assert.Len(t, cols, tc.k, tc.name)
		assert.Equal(t, tc.wantRow, rows[:2], tc.name)
		assert.Equal(t, tc.wantCol, cols[:2], tc.name)
		for i, c := range cols {
			assert.LessOrEqual(t, 7*len(c)+2, max(tc.colW, 2), "%s: column %d's label %q is wider than its cell", tc.name, i, c)
		}
	}
	_, cols := view.ConfusionLabels(long, 30, 54, 12)
	assert.Equal(t, "", cols[10], "a two-digit number does not fit 12 pixels")
}
