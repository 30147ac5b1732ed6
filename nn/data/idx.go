package data

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// The IDX format (Y. LeCun's MNIST page) is a 4-byte big-endian magic
// number, 0x00 0x00 TYPE NDIMS, then NDIMS big-endian uint32 sizes, then the
// elements in row-major order. TYPE 0x08 is unsigned byte, the only type
// MNIST uses and the only one read here.
const idxUbyte = 0x08

// maxIDXBytes caps the data size a header may announce (1 GiB; MNIST's
// largest file holds 47 MB). Data is read as it arrives, never preallocated
// from the header, so a lying header costs only the bytes actually present.
const maxIDXBytes = 1 << 30

// idxHeader is a parsed IDX header.
type idxHeader struct {
	magic uint32 // 0x0000TTNN: type TT, NN dimensions
	dims  []int
	size  int64 // elements, the product of dims
}

// headerLen returns the bytes the header occupies in the file.
func (h idxHeader) headerLen() int64 { return 4 + 4*int64(len(h.dims)) }

// dimString formats dims as "60000×28×28".
func dimString(dims []int) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, "×")
}

// readIDXHeader reads the magic number and the sizes, checking that the
// magic number starts with two zero bytes and that the data would not
// exceed maxIDXBytes.
func readIDXHeader(r io.Reader) (idxHeader, error) {
	var m [4]byte
	if _, err := io.ReadFull(r, m[:]); err != nil {
		return idxHeader{}, fmt.Errorf("reading the magic number: %w", unexpected(err))
	}
	h := idxHeader{magic: binary.BigEndian.Uint32(m[:]), size: 1}
	if m[0] != 0 || m[1] != 0 {
		return idxHeader{}, fmt.Errorf("magic number 0x%08x does not start with two zero bytes: not an IDX file", h.magic)
	}
	raw := make([]byte, 4*int(m[3]))
	if _, err := io.ReadFull(r, raw); err != nil {
		return idxHeader{}, fmt.Errorf("reading %d dimensions: %w", m[3], unexpected(err))
	}
	h.dims = make([]int, m[3])
	for i := range h.dims {
		d := int64(binary.BigEndian.Uint32(raw[4*i:]))
		h.dims[i] = int(d)
		if d != 0 && h.size > maxIDXBytes/d {
			return idxHeader{}, fmt.Errorf("dimensions %s announce more than %d bytes", dimString(h.dims[:i+1]), maxIDXBytes)
		}
		h.size *= d
	}
	return h, nil
}

// unexpected turns io.EOF into io.ErrUnexpectedEOF: a file that ends inside
// its header is truncated, not empty-and-fine.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readIDXBody reads the want data bytes that follow the header. It returns
// the bytes read; fewer than want (have < want) means the input ended early,
// which the caller reports in its own words. A byte beyond want is an error,
// as is any read error (a corrupt gzip stream, say). It reads to the end of r
// so that a gzip reader checks its CRC.
func readIDXBody(r io.Reader, want int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, want))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) < want {
		return data, nil
	}
	extra, err := io.Copy(io.Discard, io.LimitReader(r, 1))
	if err != nil {
		return nil, err
	}
	if extra > 0 {
		return nil, fmt.Errorf("data continues past the %d bytes the header announces", want)
	}
	return data, nil
}

// ReadIDX reads an IDX file of unsigned bytes (element type 0x08) from r and
// returns its dimensions and its data, row-major, len(data) = Π dims. It
// returns an error if the magic number is not 0x000008NN, if the header
// announces more than 1 GiB, or if the input ends early or goes on past the
// data. Memory grows with the bytes actually read, whatever the header says.
func ReadIDX(r io.Reader) (dims []int, data []byte, err error) {
	h, err := readIDXHeader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("idx: %w", err)
	}
	if typ := byte(h.magic >> 8); typ != idxUbyte {
		return nil, nil, fmt.Errorf("idx: magic number 0x%08x: element type 0x%02x is not supported (only 0x08, unsigned byte)", h.magic, typ)
	}
	data, err = readIDXBody(r, h.size)
	if err != nil {
		return nil, nil, fmt.Errorf("idx: %s data: %w", dimString(h.dims), err)
	}
	if have := int64(len(data)); have < h.size {
		return nil, nil, fmt.Errorf("idx: truncated: header says %s (%d bytes), file has %d",
			dimString(h.dims), h.headerLen()+h.size, h.headerLen()+have)
	}
	return h.dims, data, nil
}

// WriteIDX writes data as an IDX file of unsigned bytes with the given
// dimensions. It returns an error if len(data) ≠ Π dims or a dimension is
// negative, above 2^32-1, or there are more than 255.
func WriteIDX(w io.Writer, dims []int, data []byte) error {
	if len(dims) > 255 {
		return fmt.Errorf("idx: %d dimensions, at most 255", len(dims))
	}
	buf := []byte{0, 0, idxUbyte, byte(len(dims))}
	n := 1
	for _, d := range dims {
		if d < 0 || int64(d) > 1<<32-1 {
			return fmt.Errorf("idx: dimension %d outside [0,2^32)", d)
		}
		if d != 0 && n > math.MaxInt/d {
			return fmt.Errorf("idx: dimensions %s overflow", dimString(dims))
		}
		buf = binary.BigEndian.AppendUint32(buf, uint32(d))
		n *= d
	}
	if n != len(data) {
		return fmt.Errorf("idx: %d bytes of data for dimensions %s (%d)", len(data), dimString(dims), n)
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("idx: writing the header: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("idx: writing the data: %w", err)
	}
	return nil
}
