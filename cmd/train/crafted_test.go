package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// metadataValue reads one __metadata__ value of a safetensors file.
func metadataValue(t *testing.T, path, key string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b)
	var hdr struct {
		Meta map[string]string `json:"__metadata__"`
	}
	if err := json.Unmarshal(b[8:8+n], &hdr); err != nil {
		t.Fatal(err)
	}
	return hdr.Meta[key]
}

// TestCraftedCheckpointsRefusedAtLoad: checkpoints crafted past what a run
// writes are refused when read, naming the file and the field: trailing
// data or a key given twice in the "model" and "train" JSON (encoding/json
// took the first value and the last key silently), a "meta" opt or loss
// that disagrees with the optimiser state or the model's loss, and a step
// count so near the most a checkpoint records that resuming would fail to
// save (it is refused before training, and the file is left as it was).
func TestCraftedCheckpointsRefusedAtLoad(t *testing.T) {
	dir := t.TempDir()
	good := trainCheckpoint(t, dir, "-epochs=1")
	orig, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	model, train := metadataValue(t, good, "model"), metadataValue(t, good, "train")
	meta := map[string]string{}
	if err := json.Unmarshal([]byte(metadataValue(t, good, "meta")), &meta); err != nil {
		t.Fatal(err)
	}
	withMeta := func(key, value string) string {
		m := map[string]string{}
		for k, v := range meta {
			m[k] = v
		}
		m[key] = value
		js, _ := json.Marshal(m)
		return string(js)
	}
	for i, tc := range []struct{ key, value, want string }{
		{"model", model + ` {"inputs":3}`, `__metadata__ "model": more after the JSON value`},
		{"model", model + "x", `__metadata__ "model": more after the JSON value`},
		{"train", train + " 7", `__metadata__ "train": more after the JSON value`},
		{"model", strings.Replace(model, `{"inputs":`, `{"inputs":9,"inputs":`, 1), `__metadata__ "model": key "inputs" appears twice in one object`},
		{"model", strings.Replace(model, `{"type":"linear",`, `{"type":"linear","type":"linear",`, 1), `__metadata__ "model": key "type" appears twice in one object`},
		{"train", strings.Replace(train, `{"epochs":`, `{"steps":1,"epochs":`, 1), `__metadata__ "train": key "steps" appears twice in one object`},
		{"meta", withMeta("opt", "sgd"), `__metadata__ "meta" "opt": "sgd", but the optimiser state is adam's`},
		{"meta", withMeta("opt", "adamw"), `__metadata__ "meta" "opt": "adamw", but the optimiser state is adam's`},
		{"meta", withMeta("loss", "svm"), `__metadata__ "meta" "loss": "svm", but the model's loss is softmax`},
	} {
		path := filepath.Join(dir, "bad.safetensors")
		if err := os.WriteFile(path, orig, 0o644); err != nil {
			t.Fatal(err)
		}
		setMetadata(t, path, tc.key, tc.value)
		for _, args := range [][]string{{"-load=" + path, "-eval"}, {"-resume=" + path, "-epochs=3", "-plot="}} {
			code, _, stderr := runTrain(t, append([]string{"-backend=cpu"}, args...)...)
			if code == 0 || !strings.Contains(stderr, path+": ") || !strings.Contains(stderr, tc.want) {
				t.Errorf("%d %s %v: exit %d, stderr %q; want an error naming the file and %q", i, tc.key, args[0], code, stderr, tc.want)
			}
		}
	}

	// 2^53 steps, the most a checkpoint records: a resumed run would pass
	// it, and is refused before it trains.
	path := filepath.Join(dir, "steps.safetensors")
	if err := os.WriteFile(path, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	setMetadata(t, path, "train", `{"epochs":1,"steps":9007199254740992}`)
	before, _ := os.ReadFile(path)
	code, stdout, stderr := runTrain(t, "-backend=cpu", "-resume="+path, "-epochs=2", "-plot=")
	if code == 0 || !strings.Contains(stderr, "starting at step 9007199254740992") || strings.Contains(stdout, "epoch 2/2") {
		t.Errorf("resume at 2^53 steps: exit %d, stdout %q, stderr %q", code, tail(stdout), stderr)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("resume at 2^53 steps changed the checkpoint")
	}
}
