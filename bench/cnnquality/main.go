// Command cnnquality writes what bench/pytorch/mnist_cnn.py's --same
// needs to train the CNN of bench/accuracy.sh exactly as `train
// -data=DATA -layers=… -seed=S` trains it: the initial checkpoint
// (NewImageModel of the network from the seed, as train builds it), the
// training images and labels as train splits them (-val 1/12, by the
// seed) and every epoch's batches (the Trainer's data.Batcher of the
// seed). Same start, same batches: what is left between the two sides is
// their arithmetic, so their test accuracies should agree much more
// closely than two seeds do.
//
//	go run ./bench/cnnquality -data fashion-mnist -seed 1 -out DIR
//	/usr/bin/python3 bench/pytorch/mnist_cnn.py --same DIR --dir /usr/share/datasets/fashion-mnist
//	go run ./cmd/train -data=fashion-mnist -layers=conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,flatten,128:relu -opt=adam -lr=1e-3 -batch=128 -epochs=3 -seed=1
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"log"
	"math"
	"os"
	"path/filepath"

	"gltrain/backend/cpu"
	"gltrain/nn"
	"gltrain/nn/data"
)

func main() {
	set := flag.String("data", "fashion-mnist", "mnist or fashion-mnist")
	dir := flag.String("dir", "", "the IDX files' folder (default: train's)")
	out := flag.String("out", "", "the folder to write into (created)")
	seed := flag.Uint64("seed", 1, "train's -seed")
	bn := flag.Bool("bn", false, "a BatchNorm after each convolution (bench/accuracy.sh mnist-bn)")
	epochs := flag.Int("epochs", 3, "train's -epochs")
	flag.Parse()
	if *out == "" {
		log.Fatal("cnnquality: -out is required")
	}
	if err := write(*set, *dir, *out, *seed, *bn, *epochs); err != nil {
		log.Fatal(err)
	}
}

func write(set, dir, out string, seed uint64, bn bool, epochs int) error {
	var all data.Set
	var err error
	switch set {
	case "mnist":
		if dir == "" {
			d, e := os.UserCacheDir()
			if e != nil {
				return e
			}
			dir = filepath.Join(d, "gltrain", "mnist")
		}
		all, err = data.LoadMNIST(dir, true)
	case "fashion-mnist":
		all, err = data.LoadFashionMNIST(context.Background(), dir, true)
	default:
		log.Fatalf("cnnquality: -data %q: want mnist or fashion-mnist", set)
	}
	if err != nil {
		return err
	}
	train, _, err := all.Split(1.0/12, seed)
	if err != nil {
		return err
	}
	layers := []nn.Module{&nn.Conv2D{Out: 32, KH: 3}}
	if bn {
		layers = append(layers, &nn.BatchNorm{})
	}
	layers = append(layers, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2}, &nn.Conv2D{Out: 64, KH: 3})
	if bn {
		layers = append(layers, &nn.BatchNorm{})
	}
	layers = append(layers, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2}, nn.Flatten{}, &nn.Linear{Out: 128}, nn.Act(nn.ReLU), &nn.Linear{Out: 10})
	m, err := nn.NewImageModel(cpu.New(), nn.Seq(layers...), nn.Image{C: 1, H: 28, W: 28}, seed)
	if err != nil {
		return err
	}
	defer m.Release()
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := nn.Save(filepath.Join(out, "init.safetensors"), m, nil); err != nil {
		return err
	}
	pix := make([]byte, len(train.X))
	for i, v := range train.X {
		pix[i] = byte(math.Round(float64(v) * 255))
	}
	labels := make([]byte, len(train.Labels))
	for i, l := range train.Labels {
		labels[i] = byte(l)
	}
	b := data.NewBatcher(train.Len(), 128, seed)
	var order []byte
	for e := 0; e < epochs; e++ {
		for _, batch := range b.Epoch(e) {
			for _, i := range batch {
				order = binary.LittleEndian.AppendUint32(order, uint32(i))
			}
		}
	}
	meta, err := json.Marshal(map[string]any{"data": set, "seed": seed, "bn": bn, "epochs": epochs, "batch": 128,
		"train": train.Len(), "lr": 1e-3, "model": m.String()})
	if err != nil {
		return err
	}
	for name, bs := range map[string][]byte{"pixels.bin": pix, "labels.bin": labels, "order.bin": order, "meta.json": meta} {
		if err := os.WriteFile(filepath.Join(out, name), bs, 0o644); err != nil {
			return err
		}
	}
	log.Printf("wrote %s: %v, %d training images, %d epochs of batches", out, m, train.Len(), epochs)
	return nil
}
