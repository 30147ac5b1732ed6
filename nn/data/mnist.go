package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"gltrain/internal/safefile"
)

// MNIST's shape: 28×28 grey images of the digits 0–9.
const (
	mnistSide    = 28
	mnistClasses = 10
)

// mnistKind describes one of MNIST's two file kinds.
type mnistKind struct {
	what  string // "images" or "labels"
	magic uint32 // 0x00000803 or 0x00000801
	item  []int  // dimensions of one item: 28×28 or none
}

var (
	mnistImages = mnistKind{"images", 0x00000803, []int{mnistSide, mnistSide}}
	mnistLabels = mnistKind{"labels", 0x00000801, nil}
)

// describe says how many items dims hold in words: "60000 images of 28×28".
func (k mnistKind) describe(dims []int) string {
	if len(k.item) == 0 {
		return fmt.Sprintf("%d %s", dims[0], k.what)
	}
	return fmt.Sprintf("%d %s of %s", dims[0], k.what, dimString(dims[1:]))
}

// LoadMNIST reads the MNIST training set (train true: train-images-idx3-ubyte
// and train-labels-idx1-ubyte, 60000 samples) or test set (t10k-…, 10000
// samples) from dir. Each file may be gzipped (name.gz, tried first) or raw
// (name); which it is is decided by the gzip magic bytes, not the name.
// Pixels are scaled to [0,1] (x/255), one row of 784 features per image,
// and labels are the digits 0–9.
//
// It returns an error naming the file if one is missing (wrapping
// fs.ErrNotExist), if a magic number is not 0x00000803 (images) or 0x00000801
// (labels), if the images are not 28×28, if a file is shorter or longer than
// its header says, if a label is not a digit, or if the counts of images and
// labels differ. It does not check the files' SHA-256: EnsureMNIST does.
func LoadMNIST(dir string, train bool) (Set, error) { return loadIDXSet(dir, train, "mnist") }

// loadIDXSet is LoadMNIST for a data set in MNIST's files and format, the
// set named set+"-train" or set+"-test".
func loadIDXSet(dir string, train bool, set string) (Set, error) {
	prefix, name := "t10k", set+"-test"
	if train {
		prefix, name = "train", set+"-train"
	}
	imgPath, err := findFile(dir, prefix+"-images-idx3-ubyte")
	if err != nil {
		return Set{}, err
	}
	lblPath, err := findFile(dir, prefix+"-labels-idx1-ubyte")
	if err != nil {
		return Set{}, err
	}
	imgDims, pix, err := readMNISTFile(imgPath, mnistImages)
	if err != nil {
		return Set{}, err
	}
	lblDims, lbl, err := readMNISTFile(lblPath, mnistLabels)
	if err != nil {
		return Set{}, err
	}
	if imgDims[0] != lblDims[0] {
		return Set{}, fmt.Errorf("mnist: %s has %d images but %s has %d labels", imgPath, imgDims[0], lblPath, lblDims[0])
	}
	s := Set{Name: name, X: make([]float32, len(pix)), Labels: make([]int, len(lbl)),
		Features: mnistSide * mnistSide, Classes: mnistClasses}
	for i, p := range pix {
		s.X[i] = float32(p) / 255
	}
	for i, l := range lbl {
		if l >= mnistClasses {
			return Set{}, fmt.Errorf("mnist: %s: label %d of item %d is not a digit", lblPath, l, i)
		}
		s.Labels[i] = int(l)
	}
	return s, nil
}

// findFile returns dir/base.gz if it exists, else dir/base, else an error
// wrapping fs.ErrNotExist.
func findFile(dir, base string) (string, error) {
	for _, name := range []string{base + ".gz", base} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("mnist: %w", err)
		}
	}
	return "", fmt.Errorf("mnist: %s: neither %s.gz nor %s is there (EnsureMNIST downloads them): %w",
		dir, base, base, fs.ErrNotExist)
}

// readMNISTFile reads one IDX file of kind k at path, gzipped or raw, and
// checks its magic number, item shape and length.
func readMNISTFile(path string, k mnistKind) (dims []int, data []byte, err error) {
	f, _, err := safefile.Open(path) // a FIFO or a device is refused, not waited on
	if err != nil {
		return nil, nil, fmt.Errorf("mnist: %w", err)
	}
	defer f.Close()
	r, err := maybeGunzip(bufio.NewReader(f))
	if err != nil {
		return nil, nil, fmt.Errorf("mnist: %s: %w", path, err)
	}
	h, err := readIDXHeader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("mnist: %s: %w", path, err)
	}
	if h.magic != k.magic {
		return nil, nil, fmt.Errorf("mnist: %s: magic number 0x%08x, want 0x%08x (%s)", path, h.magic, k.magic, k.what)
	}
	if item := h.dims[1:]; !slices.Equal(item, k.item) {
		return nil, nil, fmt.Errorf("mnist: %s: %s are %s, want %s", path, k.what, dimString(item), dimString(k.item))
	}
	data, err = readIDXBody(r, h.size)
	if err != nil {
		return nil, nil, fmt.Errorf("mnist: %s: after the header's %s: %w", path, k.describe(h.dims), err)
	}
	if have := int64(len(data)); have < h.size {
		return nil, nil, fmt.Errorf("mnist: %s: truncated: header says %s (%d bytes), file has %d",
			path, k.describe(h.dims), h.headerLen()+h.size, h.headerLen()+have)
	}
	return h.dims, data, nil
}

// maybeGunzip returns a gzip reader over br if it starts with the gzip magic
// bytes 1f 8b, else br itself.
func maybeGunzip(br *bufio.Reader) (io.Reader, error) {
	magic, err := br.Peek(2)
	if err != nil || !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return br, nil // too short for gzip: the IDX reader reports it
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return zr, nil
}
