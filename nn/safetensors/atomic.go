package safetensors

import (
	"fmt"
	"io"

	"gltrain/internal/safefile"
)

// WriteFile writes tensors and metadata to path in the safetensors format (see
// Write), atomically: it writes a temporary file in path's directory, syncs
// and closes it, renames it over path and syncs the directory. On an error
// before the rename the temporary file is removed and a file already at path
// is left as it was; if only the final sync of the directory fails, the new
// file is in place (and whole) but the rename may not survive a crash, and
// the error says so. The new file keeps the permissions of the one it
// replaces, or gets 0644. Temporary files that killed saves to path left
// behind are removed first.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	l, err := plan(tensors, metadata)
	if err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	if err := writeAtomic(path, l.writeTo); err != nil {
		return fmt.Errorf("safetensors: %s: %w", path, err)
	}
	return nil
}

// writeAtomic replaces path by what fill writes; see safefile.WriteAtomic.
func writeAtomic(path string, fill func(io.Writer) error) error {
	return safefile.WriteAtomic(path, fill)
}
