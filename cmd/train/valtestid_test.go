package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gltrain/nn"
	"gltrain/nn/safetensors"
)

// TestValTestDataChanged: a checkpoint records -val-data's and -test-data's
// size and SHA-256 as it does -data's, and -resume, which continues with
// them, refuses one changed since (exit 2, naming the flag, the file and
// both identities) unless -data-changed=ok; what it then saves records the
// file it ran on. A checkpoint without the record (older) still resumes.
// Before, a changed validation file silently changed the resumed run's
// validation scores, -plateau and -patience.
func TestValTestDataChanged(t *testing.T) {
	const head = "x,y,z,label\n"
	// describe is dataFile.describe of the file at path as it is now.
	describe := func(path string) string {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		sum := sha256.Sum256(b)
		return fmt.Sprintf("%d bytes, SHA-256 %s…", len(b), hex.EncodeToString(sum[:])[:12])
	}
	for _, tc := range []struct {
		name      string
		flag, key string // the file changed
		change    bool
		older     bool     // the checkpoint's record deleted first
		extra     []string // more -resume flags
		wantCode  int
	}{
		{name: "val unchanged", flag: "-val-data", key: "val_data"},
		{name: "test unchanged", flag: "-test-data", key: "test_data"},
		{name: "val changed", flag: "-val-data", key: "val_data", change: true, wantCode: 2},
		{name: "test changed", flag: "-test-data", key: "test_data", change: true, wantCode: 2},
		{name: "val changed ok", flag: "-val-data", key: "val_data", change: true, extra: []string{"-data-changed=ok"}},
		{name: "test changed ok", flag: "-test-data", key: "test_data", change: true, extra: []string{"-data-changed=ok"}},
		{name: "val older checkpoint", flag: "-val-data", key: "val_data", change: true, older: true},
		{name: "test older checkpoint", flag: "-test-data", key: "test_data", change: true, older: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			train := blobs(t, dir, "train.csv", head, 40, 0)
			files := map[string]string{
				"-val-data":  blobs(t, dir, "val.csv", head, 10, 40),
				"-test-data": blobs(t, dir, "test.csv", head, 12, 50),
			}
			path := files[tc.flag]
			ck := filepath.Join(dir, "m.safetensors")
			mustTrain(t, "-backend=cpu", "-plot=", "-quiet", "-data="+train, "-val-data="+files["-val-data"], "-test-data="+files["-test-data"],
				"-epochs=1", "-layers=4", "-save="+ck)
			info, err := nn.ReadInfo(ck)
			require.NoError(t, err)
			was := describe(path)
			st, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, path, info.Meta[tc.key])
			assert.Equal(t, strconv.FormatInt(st.Size(), 10), info.Meta[tc.key+"-size"])
			assert.Len(t, info.Meta[tc.key+"-sha256"], 64)

			if tc.older {
				f, err := safetensors.ReadFile(ck)
				require.NoError(t, err)
				var meta map[string]string
				require.NoError(t, json.Unmarshal([]byte(f.Metadata["meta"]), &meta))
				for _, k := range []string{"val_data", "test_data"} {
					delete(meta, k+"-size")
					delete(meta, k+"-sha256")
				}
				b, err := json.Marshal(meta)
				require.NoError(t, err)
				setMeta(t, ck, "meta", string(b))
			}
			if tc.change { // one row more, from further on: other rows, another size
				blobs(t, dir, filepath.Base(path), head, 13, 70)
			}
			before, err := os.ReadFile(ck)
			require.NoError(t, err)
			code, stdout, stderr := runTrain(t, append([]string{"-backend=cpu", "-plot=", "-resume=" + ck, "-epochs=2"}, tc.extra...)...)
			require.Equal(t, tc.wantCode, code, stderr)
			if tc.wantCode != 0 {
				assert.Equal(t, fmt.Sprintf("train: %s=%s changed since the run in %s was saved (%s then; %s now); use -data-changed=ok to continue with it\n",
					tc.flag, path, ck, was, describe(path)), stderr)
				after, err := os.ReadFile(ck)
				require.NoError(t, err)
				assert.Equal(t, before, after, "the checkpoint was rewritten")
				return
			}
			assert.Contains(t, stdout, "40 training and ", "it trained")
			// What it saved records the file it ran on: resumed again, it
			// goes on without -data-changed=ok.
			info, err = nn.ReadInfo(ck)
			require.NoError(t, err)
			st, err = os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, strconv.FormatInt(st.Size(), 10), info.Meta[tc.key+"-size"])
			mustTrain(t, "-backend=cpu", "-plot=", "-quiet", "-resume="+ck, "-epochs=3")
		})
	}
}
