package data

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// idxBytes returns an IDX file of unsigned bytes.
func idxBytes(t *testing.T, dims []int, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteIDX(&b, dims, data); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// gz compresses b.
func gz(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// tinyMNIST returns n images whose pixel p of image i is (31i+p) mod 256,
// and their labels i mod 10, as IDX files.
func tinyMNIST(t *testing.T, n int) (images, labels []byte) {
	pix := make([]byte, n*784)
	for k := range pix {
		pix[k] = byte(31*(k/784) + k%784)
	}
	lbl := make([]byte, n)
	for i := range lbl {
		lbl[i] = byte(i % 10)
	}
	return idxBytes(t, []int{n, 28, 28}, pix), idxBytes(t, []int{n}, lbl)
}

// writeFiles writes name → content into a new temporary directory.
func writeFiles(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadMNIST(t *testing.T) {
	img, lbl := tinyMNIST(t, 3)
	for i, tc := range []struct {
		name  string
		train bool
		files map[string][]byte
	}{
		{"raw train", true, map[string][]byte{"train-images-idx3-ubyte": img, "train-labels-idx1-ubyte": lbl}},
		{"gzipped test", false, map[string][]byte{"t10k-images-idx3-ubyte.gz": gz(t, img), "t10k-labels-idx1-ubyte.gz": gz(t, lbl)}},
		{"mixed", true, map[string][]byte{"train-images-idx3-ubyte.gz": gz(t, img), "train-labels-idx1-ubyte": lbl}},
		// Decided by the magic bytes, not the name.
		{"gzip without .gz", true, map[string][]byte{"train-images-idx3-ubyte": gz(t, img), "train-labels-idx1-ubyte.gz": lbl}},
		{".gz preferred", false, map[string][]byte{
			"t10k-images-idx3-ubyte.gz": gz(t, img), "t10k-images-idx3-ubyte": []byte("junk"),
			"t10k-labels-idx1-ubyte.gz": gz(t, lbl),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := LoadMNIST(writeFiles(t, tc.files), tc.train)
			if err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			if err := s.Validate(); err != nil {
				t.Fatalf("%d: %v", i, err)
			}
			if s.Len() != 3 || s.Features != 784 || s.Classes != 10 {
				t.Fatalf("%d: %d samples of %d features, %d classes", i, s.Len(), s.Features, s.Classes)
			}
			if want := map[bool]string{true: "mnist-train", false: "mnist-test"}[tc.train]; s.Name != want {
				t.Errorf("%d: name %q, want %q", i, s.Name, want)
			}
			for k, v := range s.X {
				if want := float32(byte(31*(k/784)+k%784)) / 255; v != want {
					t.Fatalf("%d: pixel %d = %v, want %v", i, k, v, want)
				}
			}
			if s.Labels[2] != 2 || s.X[1] != 1.0/255 || s.X[255] != 1 {
				t.Errorf("%d: labels %v, pixels %v %v", i, s.Labels, s.X[1], s.X[255])
			}
		})
	}
}

func TestLoadMNISTErrors(t *testing.T) {
	img, lbl := tinyMNIST(t, 3)
	img4, _ := tinyMNIST(t, 4)
	const imgName, lblName = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"
	badLabel := idxBytes(t, []int{3}, []byte{1, 10, 2})
	big := idxBytes(t, []int{1, 32, 32}, make([]byte, 1024))
	corrupt := gz(t, img)
	corrupt[len(corrupt)-6] ^= 0xff // the CRC-32 in the gzip trailer
	for i, tc := range []struct {
		name  string
		files map[string][]byte
		want  string // %s stands for the directory
	}{
		{"missing images", map[string][]byte{lblName: lbl}, "mnist: %s: neither train-images-idx3-ubyte.gz nor train-images-idx3-ubyte is there"},
		{"missing labels", map[string][]byte{imgName: img}, "neither train-labels-idx1-ubyte.gz nor"},
		{"labels as images", map[string][]byte{imgName: lbl, lblName: lbl}, "mnist: %s/train-images-idx3-ubyte: magic number 0x00000801, want 0x00000803 (images)"},
		{"images as labels", map[string][]byte{imgName: img, lblName: img}, "train-labels-idx1-ubyte: magic number 0x00000803, want 0x00000801 (labels)"},
		{"32×32", map[string][]byte{imgName: big, lblName: lbl}, "images are 32×32, want 28×28"},
		{"truncated images", map[string][]byte{imgName: img[:1000], lblName: lbl},
			"mnist: %s/train-images-idx3-ubyte: truncated: header says 3 images of 28×28 (2368 bytes), file has 1000"},
		{"truncated gzipped images", map[string][]byte{imgName + ".gz": gz(t, img[:1000]), lblName: lbl},
			"train-images-idx3-ubyte.gz: truncated: header says 3 images of 28×28 (2368 bytes), file has 1000"},
		{"truncated gzip stream", map[string][]byte{imgName + ".gz": gz(t, img)[:200], lblName: lbl}, "unexpected EOF"},
		{"corrupt gzip", map[string][]byte{imgName + ".gz": corrupt, lblName: lbl}, "gzip: invalid checksum"},
		{"truncated labels", map[string][]byte{imgName: img, lblName: lbl[:9]}, "train-labels-idx1-ubyte: truncated: header says 3 labels (11 bytes), file has 9"},
		{"trailing data", map[string][]byte{imgName: append(img, 0), lblName: lbl}, "after the header's 3 images of 28×28: data continues past the 2352 bytes"},
		{"count mismatch", map[string][]byte{imgName: img4, lblName: lbl}, "train-images-idx3-ubyte has 4 images but %s/train-labels-idx1-ubyte has 3 labels"},
		{"label 10", map[string][]byte{imgName: img, lblName: badLabel}, "train-labels-idx1-ubyte: label 10 of item 1 is not a digit"},
		{"empty file", map[string][]byte{imgName: nil, lblName: lbl}, "train-images-idx3-ubyte: reading the magic number: unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			_, err := LoadMNIST(dir, true)
			want := strings.ReplaceAll(tc.want, "%s", dir)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%d: error %v, want one containing %q", i, err, want)
			}
		})
	}
	if _, err := LoadMNIST(t.TempDir(), false); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("empty directory: error %v, want fs.ErrNotExist", err)
	}
}
