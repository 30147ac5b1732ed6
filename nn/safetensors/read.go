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
	"os"
	"slices"
	"strconv"
	"unicode/utf8"
)

// MaxHeaderSize is the largest header Read accepts, in bytes: the reference
// implementation's limit, far above any real header (a few kB per thousand
// tensors), so that a corrupt length cannot make Read parse megabytes of
// garbage.
const MaxHeaderSize = 100_000_000

// ReadFile reads the safetensors file at path; see Read. Errors name the
// file.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return f, nil
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
	f, err := parse(data)
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
}

// parse does Read's work; its errors carry no prefix.
func parse(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("file is %d bytes, shorter than the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > MaxHeaderSize {
		return nil, fmt.Errorf("header length %d exceeds the limit of %d bytes", n, MaxHeaderSize)
	}
	if n > uint64(len(data)-8) {
		return nil, fmt.Errorf("header length %d exceeds the %d bytes that follow it", n, len(data)-8)
	}
	hdr, body := data[8:8+n], data[8+n:]
	if !utf8.Valid(hdr) {
		return nil, errors.New("header is not valid UTF-8")
	}
	entries, meta, err := parseHeader(hdr, int64(len(body)))
	if err != nil {
		return nil, err
	}
	if err := checkCoverage(entries, int64(len(body))); err != nil {
		return nil, err
	}
	f := &File{Tensors: make([]Tensor, len(entries)), Metadata: meta}
	for i, e := range entries {
		t := Tensor{Name: e.name, Shape: e.shape, Data: make([]float32, (e.end-e.begin)/4)}
		for k := range t.Data {
			t.Data[k] = math.Float32frombits(binary.LittleEndian.Uint32(body[e.begin+4*int64(k):]))
		}
		f.Tensors[i] = t
	}
	return f, nil
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
			return fmt.Errorf("header: key %q appears twice", key)
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
			return fmt.Errorf("%s: %q: invalid JSON: %w", what, key, err)
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
	if err := dec.Decode(&info); err != nil {
		return entry{}, fmt.Errorf("tensor %q: %w", name, err)
	}
	switch {
	case info.Dtype == nil:
		return entry{}, fmt.Errorf("tensor %q: no dtype", name)
	case *info.Dtype != "F32":
		return entry{}, fmt.Errorf("tensor %q: dtype %q is not supported (only F32)", name, *info.Dtype)
	case info.Shape == nil:
		return entry{}, fmt.Errorf("tensor %q: no shape", name)
	case len(info.DataOffsets) != 2:
		return entry{}, fmt.Errorf("tensor %q: data_offsets has %d values, want 2 (begin and end)", name, len(info.DataOffsets))
	}
	e := entry{name: name, shape: make([]int, len(info.Shape))}
	for i, d := range info.Shape {
		v, err := strconv.ParseInt(string(d), 10, 64)
		if err != nil || v < 0 || int64(int(v)) != v {
			return entry{}, fmt.Errorf("tensor %q: dimension %s is not a non-negative integer", name, d)
		}
		e.shape[i] = int(v)
	}
	n, err := numel(e.shape)
	if err != nil {
		return entry{}, fmt.Errorf("tensor %q: %w", name, err)
	}
	var off [2]int64
	for i, d := range info.DataOffsets {
		v, err := strconv.ParseInt(string(d), 10, 64)
		if err != nil || v < 0 || v > bodyLen {
			return entry{}, fmt.Errorf("tensor %q: data offset %s outside the %d-byte data section", name, d, bodyLen)
		}
		off[i] = v
	}
	e.begin, e.end = off[0], off[1]
	if e.end < e.begin {
		return entry{}, fmt.Errorf("tensor %q: data offsets [%d,%d) end before they begin", name, e.begin, e.end)
	}
	if e.end-e.begin != 4*n {
		return entry{}, fmt.Errorf("tensor %q: data offsets [%d,%d) span %d bytes, but shape %v of F32 needs %d",
			name, e.begin, e.end, e.end-e.begin, e.shape, 4*n)
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
			return fmt.Errorf("%s: %q: value %s is not a string", metadataKey, key, truncate(v, 40))
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
			return fmt.Errorf("tensors %q [%d,%d) and %q [%d,%d) overlap", p.name, p.begin, p.end, e.name, e.begin, e.end)
		}
		pos = e.end
	}
	if pos != bodyLen {
		return fmt.Errorf("data section bytes [%d,%d) belong to no tensor", pos, bodyLen)
	}
	return nil
}
