package data

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
)

// FashionMNISTDir is where Debian's dataset-fashion-mnist package installs
// Fashion-MNIST's four gzipped IDX files.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// FashionMNISTFiles are Fashion-MNIST's files (Zalando Research, 2017) with
// the SHA-256 and size of those Debian's dataset-fashion-mnist
// 0.0~git20200523.55506a9-1 installs. Their names are MNIST's.
var FashionMNISTFiles = []File{
	{Name: "train-images-idx3-ubyte.gz", SHA256: "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7", Size: 26421856},
	{Name: "train-labels-idx1-ubyte.gz", SHA256: "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056", Size: 29491},
	{Name: "t10k-images-idx3-ubyte.gz", SHA256: "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa", Size: 4422079},
	{Name: "t10k-labels-idx1-ubyte.gz", SHA256: "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05", Size: 5125},
}

// FashionMNISTClasses name Fashion-MNIST's labels 0–9, as its README does.
var FashionMNISTClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// VerifyFiles checks that dir holds every file of files with its size and
// SHA-256, as Fetch does, without downloading: a missing file is an error
// wrapping fs.ErrNotExist, another file under the name an error naming both
// hashes. Reading stops once ctx is done.
func VerifyFiles(ctx context.Context, dir string, files []File) error {
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		sum, size, err := hashFile(ctx, path, f.Size)
		switch {
		case err != nil:
			return fmt.Errorf("verify: %w", err)
		case sum != f.SHA256:
			return other(path, f, sum, size)
		}
	}
	return nil
}

// LoadFashionMNIST reads Fashion-MNIST's training set (train true, 60000
// images) or test set (10000) from dir, FashionMNISTDir when empty, after
// checking the files' SHA-256 (VerifyFiles): 28×28 grey images of clothes
// as LoadMNIST reads MNIST (pixels/255, one row of 784 features), with
// FashionMNISTClasses as the class names. A missing file's error (wrapping
// fs.ErrNotExist) says which package installs them.
func LoadFashionMNIST(ctx context.Context, dir string, train bool) (Set, error) {
	if dir == "" {
		dir = FashionMNISTDir
	}
	if err := VerifyFiles(ctx, dir, FashionMNISTFiles); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Set{}, fmt.Errorf("fashion-mnist: %w\n(Debian's dataset-fashion-mnist package installs the files in %s: apt-get install dataset-fashion-mnist, or make test-deps)", err, FashionMNISTDir)
		}
		return Set{}, fmt.Errorf("fashion-mnist: %w", err)
	}
	s, err := loadIDXSet(dir, train, "fashion-mnist")
	if err != nil {
		return Set{}, err
	}
	s.ClassNames = slices.Clone(FashionMNISTClasses)
	return s, nil
}
