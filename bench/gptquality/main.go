// Command gptquality writes what bench/pytorch/gpt.py's train needs to
// train the same GPT as `train -data=go -model=gpt -seed=S` on the same
// batches: the initial checkpoint (nn.NewModel of the default GPT from
// the seed, as train builds it), the built-in corpus cut as train cuts it
// (-val 0.1, by position) and each step's sequence starts
// (data.TextBatcher of the seed, as train draws them).
//
//	go run ./bench/gptquality -out DIR [-seed 1] [-batch 16] [-epochs 1]
//	/usr/bin/python3 bench/pytorch/gpt.py train DIR
//	go run ./cmd/train -backend=cpu -data=go -seed=1 -batch=16 -epochs=1
//
// The three give the PyTorch reference's and gltrain's validation losses
// on the same windows, from the same start, after the same steps.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"log"
	"os"
	"path/filepath"
	"runtime"

	"gltrain/backend/cpu"
	"gltrain/nn"
	"gltrain/nn/data"
)

func main() {
	out := flag.String("out", "", "the folder to write into (created)")
	seed := flag.Uint64("seed", 1, "train's -seed")
	batch := flag.Int("batch", 16, "train's -batch (sequences a step)")
	epochs := flag.Int("epochs", 1, "train's -epochs")
	flag.Parse()
	if *out == "" {
		log.Fatal("gptquality: -out is required")
	}
	if err := write(*out, *seed, *batch, *epochs); err != nil {
		log.Fatal(err)
	}
}

func write(dir string, seed uint64, batch, epochs int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cfg := nn.DefaultGPTConfig()
	text, err := data.LoadGoCorpus(runtime.GOROOT())
	if err != nil {
		return err
	}
	train, valid, err := text.Split(0.1)
	if err != nil {
		return err
	}
	m, err := nn.NewModel(cpu.New(), &nn.GPT{Config: cfg}, 1, seed)
	if err != nil {
		return err
	}
	defer m.Release()
	if err := nn.Save(filepath.Join(dir, "init.safetensors"), m, nil); err != nil {
		return err
	}
	tb, err := data.NewTextBatcher(train, cfg.Ctx, batch, seed)
	if err != nil {
		return err
	}
	steps := epochs * tb.StepsPerEpoch()
	starts := make([]int32, 0, steps*batch)
	for s := 0; s < steps; s++ {
		for _, at := range tb.Starts(s) {
			starts = append(starts, int32(at))
		}
	}
	var sb []byte
	for _, v := range starts {
		sb = binary.LittleEndian.AppendUint32(sb, uint32(v))
	}
	meta, err := json.Marshal(map[string]any{"gpt": cfg, "batch": batch, "steps": steps, "seed": seed,
		"corpus_sha256": text.SHA256(), "files": len(text.Files), "lr": 1e-3})
	if err != nil {
		return err
	}
	for name, b := range map[string][]byte{"train.bin": train, "valid.bin": valid, "starts.bin": sb, "meta.json": meta} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	log.Printf("wrote %s: %d steps of %d sequences, corpus sha256 %.12s…", dir, steps, batch, text.SHA256())
	return nil
}
