package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Write writes tensors and metadata (nil or empty for none) to w in the
// safetensors format: the header lists "__metadata__" first, its keys sorted,
// then the tensors sorted by name with increasing offsets, padded with spaces
// to a multiple of 8 bytes. It returns an error, before writing anything, if
// a name is empty, repeated, "__metadata__" or not valid UTF-8, if a metadata
// key or value is not valid UTF-8, if a tensor's data does not match its
// shape, or if the header would exceed MaxHeaderSize (Read would refuse the
// file); and an error if w fails.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	l, err := plan(tensors, metadata)
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if err := l.writeTo(w); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}

// layout is a validated file ready to write.
type layout struct {
	tensors []Tensor // sorted by name
	header  []byte   // length prefix and padded JSON
}

// plan validates the tensors and metadata and builds the header.
func plan(tensors []Tensor, metadata map[string]string) (*layout, error) {
	sorted := slices.Clone(tensors)
	slices.SortFunc(sorted, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
	for i, t := range sorted {
		if err := checkName(t.Name); err != nil {
			return nil, err
		}
		if i > 0 && sorted[i-1].Name == t.Name {
			return nil, fmt.Errorf("tensor name %q appears twice", t.Name)
		}
		n, err := numel(t.Shape)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
		}
		if n != int64(len(t.Data)) {
			return nil, fmt.Errorf("tensor %q: shape %v holds %d values, data has %d", t.Name, t.Shape, n, len(t.Data))
		}
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, fmt.Errorf("metadata %q: %q: not valid UTF-8", k, v)
		}
	}
	hdr := header(sorted, metadata)
	if n := int64(len(hdr) - 8); n > maxHeaderSize {
		return nil, fmt.Errorf("the header would be %d bytes, over the limit of %d that Read accepts (the metadata takes most of it)", n, maxHeaderSize)
	}
	return &layout{tensors: sorted, header: hdr}, nil
}

// header returns the length prefix and the JSON header, padded with spaces so
// that the data section starts at a multiple of 8 bytes.
func header(tensors []Tensor, metadata map[string]string) []byte {
	var b bytes.Buffer
	b.Write(make([]byte, 8)) // the length, filled in below
	b.WriteByte('{')
	if len(metadata) > 0 {
		b.WriteString(`"__metadata__":{`)
		for i, k := range slices.Sorted(maps.Keys(metadata)) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(&b, k)
			b.WriteByte(':')
			writeString(&b, metadata[k])
		}
		b.WriteByte('}')
	}
	var off int64
	for i, t := range tensors {
		if i > 0 || len(metadata) > 0 {
			b.WriteByte(',')
		}
		end := off + t.width()*int64(len(t.Data))
		dtype := "F32"
		if t.Int64 {
			dtype = "I64"
		}
		writeString(&b, t.Name)
		fmt.Fprintf(&b, `:{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}`, dtype, shapeJSON(t.Shape), off, end)
		off = end
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	out := b.Bytes()
	binary.LittleEndian.PutUint64(out, uint64(len(out)-8))
	return out
}

// writeString writes s as a JSON string (no HTML escaping: "<" stays "<",
// as Python and Rust write it).
func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // cannot fail for a string; it appends a newline
	b.Truncate(b.Len() - 1)
}

// shapeJSON formats shape as a JSON array: "[2,2]".
func shapeJSON(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// writeTo writes the header and the data to w, the data in 64 KiB chunks.
func (l *layout) writeTo(w io.Writer) error {
	if _, err := w.Write(l.header); err != nil {
		return fmt.Errorf("writing the header: %w", err)
	}
	buf := make([]byte, 0, 1<<16)
	var written int64
	flush := func() error {
		n, err := w.Write(buf)
		written += int64(n)
		if err != nil {
			return fmt.Errorf("writing the data after %d bytes: %w", written, err)
		}
		buf = buf[:0]
		return nil
	}
	for _, t := range l.tensors {
		for _, v := range t.Data {
			if t.Int64 {
				buf = binary.LittleEndian.AppendUint64(buf, uint64(int64(v)))
			} else {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
			if len(buf) >= cap(buf)-8 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}
