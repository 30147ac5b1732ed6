package safefile

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Open opens path for reading if it is a regular file (symbolic links are
// followed), and returns the file and its size. A FIFO, a device such as
// /dev/zero, a socket or a directory is refused before it is opened for
// reading: opening a FIFO blocks until a writer appears, and reading a
// device can go on for ever. The open itself is non-blocking and the type is
// checked again on the opened file, so a FIFO swapped in between cannot
// block either.
func Open(path string) (*os.File, int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, notRegular(path, fi.Mode())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	if fi, err = f.Stat(); err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, notRegular(path, fi.Mode())
	}
	return f, fi.Size(), nil
}

// notRegular is Open's error for anything but a regular file.
func notRegular(path string, m os.FileMode) error {
	kind := Kind(m)
	if kind == "" {
		return &os.PathError{Op: "open", Path: path, Err: ErrNotRegular}
	}
	return &os.PathError{Op: "open", Path: path, Err: fmt.Errorf("%s: %w", kind, ErrNotRegular)}
}

// Kind names the type of a file of mode m that is not a regular file, "a
// directory", "a FIFO (named pipe)", …; "" for a regular file or a type it
// does not know.
func Kind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m.IsDir():
		return "a directory"
	}
	return ""
}

// ErrNotRegular is wrapped by Open's error for anything but a regular file.
var ErrNotRegular = errors.New("not a regular file")
