package data

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCountCSV: records and fields are counted outside quoted fields, with
// or without a last newline.
func TestCountCSV(t *testing.T) {
	for i, tc := range []struct {
		in              string
		records, fields int64
	}{
		{"", 0, 0},
		{"1,2,3\n4,5,6\n", 2, 6},
		{"1,2,3\n4,5,6", 2, 6},
		{"1,2,3\r\n4,5,6\r\n", 2, 6},
		{"a,\"b,\nc\",d\n1,2,3\n", 2, 6},
	} {
		s, _, err := countCSV(strings.NewReader(tc.in), 100, nil)
		require.NoError(t, err)
		assert.Equal(t, CSVSize{Bytes: int64(len(tc.in)), Records: tc.records, Fields: tc.fields}, s, "%d: %q", i, tc.in)
	}
	// A record over the limit ends the count, where the reader fails.
	s, _, err := countCSV(strings.NewReader("1,2\n"+strings.Repeat("3", 200)+"\n4,5\n"), 100, nil)
	require.NoError(t, err)
	assert.Equal(t, [2]int64{1, 2}, [2]int64{s.Records, s.Fields})

	// stop ends the count early: asked after each read of 64 KiB, it
	// stops a stream of 1 MiB after its first.
	text := strings.Repeat("1,2,3,0\n", 1<<17)
	s, stopped, err := countCSV(strings.NewReader(text), 100, func(s CSVSize) bool { return s.Records > 1000 })
	require.NoError(t, err)
	assert.True(t, stopped)
	assert.Equal(t, int64(1<<16), s.Bytes)
	assert.Equal(t, int64(1<<13), s.Records)
	s, stopped, err = countCSV(strings.NewReader(text), 100, func(CSVSize) bool { return false })
	require.NoError(t, err)
	assert.False(t, stopped)
	assert.Equal(t, int64(1<<17), s.Records)
}

// TestLoadCSVReserves: LoadCSV counts the file first and reserves its
// values, so that reading it allocates about what the set holds, not the
// copies of a growing slice besides; the set is ParseCSV's.
func TestLoadCSVReserves(t *testing.T) {
	var b strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&b, "%d,%d,%d,%d,%d,%d,%d,%d\n", i%7, i%5, i%3, i%11, i%13, i%17, i%19, i%2)
	}
	path := filepath.Join(t.TempDir(), "rows.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	allocated := func(f func() Set) (Set, uint64) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s := f()
		runtime.ReadMemStats(&after)
		return s, after.TotalAlloc - before.TotalAlloc
	}
	loaded, n := allocated(func() Set {
		s, err := LoadCSV(path, CSVOptions{})
		require.NoError(t, err)
		return s
	})
	parsed, growing := allocated(func() Set {
		s, err := ParseCSV(strings.NewReader(b.String()), path, CSVOptions{})
		require.NoError(t, err)
		return s
	})
	assert.Equal(t, parsed, loaded)
	values := uint64(20000 * 7)
	t.Logf("LoadCSV allocated %d bytes, ParseCSV %d, for %d values", n, growing, values)
	assert.Less(t, n, growing*3/4, "LoadCSV allocated %d bytes, ParseCSV %d", n, growing)
}
