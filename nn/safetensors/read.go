package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"gltrain/internal/safefile"
)

// MaxHeaderSize is the largest header Read accepts, in bytes: the reference
// implementation's limit, far above any real header (a few kB per thousand
// tensors), so that a corrupt length cannot make Read parse megabytes of
// garbage.
const MaxHeaderSize = 100_000_000

// maxHeaderSize is the limit Read and Write apply: MaxHeaderSize, lowered by
// tests.
var maxHeaderSize int64 = MaxHeaderSize

// ReadFile reads the safetensors file at path; see Read. It refuses anything
// but a regular file (a FIFO, /dev/zero) before opening it for reading, and
// reads the file in order, bounded by its size: the header length, checked
// against MaxHeaderSize and the size; the header, validated whole; then the
// tensors, converted as they are read. Memory is the tensors' size plus the
// header's, whatever the file claims. Errors name the file.
func ReadFile(path string) (*File, error) {
	f, size, err := safefile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer f.Close()
	file, err := readFrom(f, size)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return file, nil
}

// Read parses a safetensors file held in data. The tensors' data is copied,
// so data may be reused afterwards. It returns an error, saying what is
// wrong, if data is shorter than 8 bytes; if the header length exceeds the
// file or MaxHeaderSize; if the header is not UTF-8 JSON holding one object;
// if a name repeats; if a tensor entry lacks dtype or shape or has fields
// other than dtype, shape and data_offsets; if a dtype is not F32; if a shape has a negative,
// non-integer or overflowing dimension; if a tensor's offsets are out of
// range or do not span 4 bytes per value; if tensors overlap or leave bytes
// of the data section uncovered; or if "__metadata__" is not an object of
// strings.
func Read(data []byte) (*File, error) {
	f, err := readFrom(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	return f, nil
}

// entry is one tensor of a header, with its byte range in the data section.
type entry struct {
	name       string
	shape      []int
	begin, end int64
	int64      bool // dtype I64
}

// readFrom does Read's work on the size bytes of r; its errors carry no
// prefix. Nothing is allocated beyond what the checks so far allow: the
// header once its length fits the limit and the file, the tensors once the
// header has been validated against the size of the data section.
func readFrom(r io.Reader, size int64) (*File, error) {
	if size < 8 {
		return nil, fmt.Errorf("file is %d bytes, shorter than the 8-byte header length", size)
	}
	var prefix [8]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return nil, fmt.Errorf("reading the header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	if n > uint64(maxHeaderSize) {
		return nil, fmt.Errorf("header length %d exceeds the limit of %d bytes", n, maxHeaderSize)
	}
	if n > uint64(size-8) {
		return nil, fmt.Errorf("header length %d exceeds the %d bytes that follow it", n, size-8)
	}
	hdr := make([]byte, n)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("reading the %d-byte header: %w", n, err)
	}
	if !utf8.Valid(hdr) {
		return nil, errors.New("header is not valid UTF-8")
	}
	bodyLen := size - 8 - int64(n)
	entries, meta, err := parseHeader(hdr, bodyLen)
	if err != nil {
		return nil, err
	}
	if err := checkCoverage(entries, bodyLen); err != nil {
		return nil, err
	}
	f := &File{Tensors: make([]Tensor, len(entries)), Metadata: meta}
	buf := make([]byte, 64<<10)
	for i, e := range entries { // in offset order: checkCoverage sorted them
		t := Tensor{Name: e.name, Shape: e.shape, Int64: e.int64}
		w := int(t.width())
		t.Data = make([]float32, (e.end-e.begin)/int64(w))
		for k := 0; k < len(t.Data); {
			chunk := buf[:w*min(len(t.Data)-k, len(buf)/w)]
			if _, err := io.ReadFull(r, chunk); err != nil {
				return nil, fmt.Errorf("tensor %s: reading its data: %w", quote(e.name), unexpectedEOF(err))
			}
			for p := 0; p < len(chunk); p, k = p+w, k+1 {
				if w == 8 {
					t.Data[k] = float32(int64(binary.LittleEndian.Uint64(chunk[p:])))
				} else {
					t.Data[k] = math.Float32frombits(binary.LittleEndian.Uint32(chunk[p:]))
				}
			}
		}
		f.Tensors[i] = t
	}
	return f, nil
}

// unexpectedEOF reports a file that ends early (it shrank while being read)
// as io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseHeader decodes the JSON header: one object whose keys are tensor names
// or "__metadata__", none repeated, followed by nothing but whitespace.
// bodyLen is the size of the data section, for checking offsets.
func parseHeader(hdr []byte, bodyLen int64) ([]entry, map[string]string, error) {
	var entries []entry
	var meta map[string]string
	seen := map[string]bool{}
	err := eachMember(hdr, "header", func(key string, raw json.RawMessage) error {
		if seen[key] {
			return fmt.Errorf("header: key %s appears twice", quote(key))
		}
		seen[key] = true
		if key == metadataKey {
			var err error
			meta, err = parseMetadata(raw)
			return err
		}
		e, err := parseEntry(key, raw, bodyLen)
		entries = append(entries, e)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return entries, meta, nil
}

// eachMember calls fn for every member of the JSON object in data, in order,
// and checks that nothing but whitespace follows the object. what names the
// object in errors.
func eachMember(data []byte, what string, fn func(key string, raw json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("%s is not a JSON object", what)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%s: invalid JSON: %w", what, err)
		}
		key, _ := tok.(string) // inside an object, the decoder only yields string keys
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("%s: %s: invalid JSON: %w", what, quote(key), err)
		}
		if err := fn(key, raw); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("%s: invalid JSON: %w", what, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%s: data after the JSON object", what)
	}
	return nil
}

// tensorInfo is a tensor's header entry as it appears in the JSON.
type tensorInfo struct {
	Dtype       *string           `json:"dtype"`
	Shape       []json.RawMessage `json:"shape"`
	DataOffsets []json.RawMessage `json:"data_offsets"`
}

// parseEntry decodes and checks the header entry of tensor name.
func parseEntry(name string, raw json.RawMessage, bodyLen int64) (entry, error) {
	if err := checkName(name); err != nil {
		return entry{}, err
	}
	var info tensorInfo
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&info); err != nil { // an unknown field's error quotes it whole
		return entry{}, fmt.Errorf("tensor %s: %s", quote(name), truncate([]byte(err.Error()), 80))
	}
	switch {
	case info.Dtype == nil:
		return entry{}, fmt.Errorf("tensor %s: no dtype", quote(name))
	case *info.Dtype != "F32" && *info.Dtype != "I64":
		return entry{}, fmt.Errorf("tensor %s: dtype %s is not supported (only F32 and I64)", quote(name), quote(*info.Dtype))
	case info.Shape == nil:
		return entry{}, fmt.Errorf("tensor %s: no shape", quote(name))
	case len(info.DataOffsets) != 2:
		return entry{}, fmt.Errorf("tensor %s: data_offsets has %d values, want 2 (begin and end)", quote(name), len(info.DataOffsets))
	}
	e := entry{name: name, shape: make([]int, len(info.Shape)), int64: *info.Dtype == "I64"}
	width, dtype := int64(4), "F32"
	if e.int64 {
		width, dtype = 8, "I64"
	}
	for i, d := range info.Shape {
		v, err := strconv.ParseInt(string(d), 10, 64)
		if err != nil || v < 0 || int64(int(v)) != v {
			return entry{}, fmt.Errorf("tensor %s: dimension %s is not a non-negative integer", quote(name), truncate(d, 40))
		}
		e.shape[i] = int(v)
	}
	n, err := numel(e.shape)
	if err != nil {
		return entry{}, fmt.Errorf("tensor %s: %w", quote(name), err)
	}
	var off [2]int64
	for i, d := range info.DataOffsets {
		v, err := strconv.ParseInt(string(d), 10, 64)
		if err != nil || v < 0 || v > bodyLen {
			return entry{}, fmt.Errorf("tensor %s: data offset %s outside the %d-byte data section", quote(name), truncate(d, 40), bodyLen)
		}
		off[i] = v
	}
	e.begin, e.end = off[0], off[1]
	if e.end < e.begin {
		return entry{}, fmt.Errorf("tensor %s: data offsets [%d,%d) end before they begin", quote(name), e.begin, e.end)
	}
	if n > maxElems/2 || e.end-e.begin != width*n {
		return entry{}, fmt.Errorf("tensor %s: data offsets [%d,%d) span %d bytes, but shape %v of %s needs %d",
			quote(name), e.begin, e.end, e.end-e.begin, e.shape, dtype, width*n)
	}
	return e, nil
}

// parseMetadata decodes "__metadata__": null, or an object of strings.
func parseMetadata(raw json.RawMessage) (map[string]string, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	meta := map[string]string{}
	err := eachMember(raw, metadataKey, func(key string, v json.RawMessage) error {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("%s: %s: value %s is not a string", metadataKey, quote(key), truncate(v, 40))
		}
		meta[key] = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	return meta, nil
}

// truncate returns b as a string of at most n bytes, marking a cut with "…".
func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}

// quote quotes s for a message, cut to its first 40 bytes (whole runes) and
// marked "…" when longer: a name or key can be as long as the header.
func quote(s string) string {
	if len(s) <= 40 {
		return strconv.Quote(s)
	}
	cut := 40
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// checkCoverage sorts entries by offset and checks that they tile the data
// section [0, bodyLen) exactly, as the reference implementation does.
func checkCoverage(entries []entry, bodyLen int64) error {
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end))
	})
	var pos int64
	for i, e := range entries {
		switch {
		case e.begin > pos:
			return fmt.Errorf("data section bytes [%d,%d) belong to no tensor", pos, e.begin)
		case e.begin < pos:
			p := entries[i-1]
			return fmt.Errorf("tensors %s [%d,%d) and %s [%d,%d) overlap", quote(p.name), p.begin, p.end, quote(e.name), e.begin, e.end)
		}
		pos = e.end
	}
	if pos != bodyLen {
		return fmt.Errorf("data section bytes [%d,%d) belong to no tensor", pos, bodyLen)
	}
	return nil
}
